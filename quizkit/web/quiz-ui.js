// Small DOM helpers shared by the widgets. Learner input only ever reaches the page through
// textContent; innerHTML is used solely for HTML the site build rendered (explanations,
// feedback), which travels in the encoded payload.
import { make } from "./dom.js";
import { renderMath } from "./quiz-math.js";

export function button(text, className) {
  return make("button", { type: "button", class: `md-button qk-button ${className}` }, text);
}

/** A block of build-time HTML (trusted), typeset. */
export function trusted(html, className = "") {
  const node = make("div", className ? { class: className } : {});
  node.innerHTML = html;
  renderMath(node);
  return node;
}

/**
 * Replace the item's feedback (an aria-live region). `parts` are strings (shown as text) or
 * DOM nodes; `tone` is "right", "partial", "wrong" or "info".
 */
export function feedback(section, tone, ...parts) {
  const region = section.querySelector(".qk-feedback");
  region.replaceChildren();
  region.className = `qk-feedback qk-tone-${tone}`;
  for (const part of parts) {
    region.append(typeof part === "string" ? make("p", {}, part) : part);
  }
}

export function clearFeedback(section) {
  const region = section.querySelector(".qk-feedback");
  region.replaceChildren();
  region.className = "qk-feedback";
}

/** Show the explanation (and any extra trusted blocks before it). */
export function explain(section, payload, ...before) {
  const box = section.querySelector(".qk-explanation");
  box.replaceChildren(...before, make("p", { class: "qk-explanation-title" }, "Explanation"));
  box.append(trusted(payload.explanation));
  box.hidden = false;
}

export function hideExplanation(section) {
  const box = section.querySelector(".qk-explanation");
  box.replaceChildren();
  box.hidden = true;
}

/** The row of buttons under the form, with the given extra buttons (hidden at first). */
export function actionRow(section, ...extra) {
  const row = section.querySelector(".qk-actions");
  for (const node of extra) {
    node.hidden = true;
    row.append(node);
  }
  return row;
}

/** Mark a row or option as right or wrong, in words and in colour. */
export function mark(container, right) {
  const spot = container.querySelector(".qk-mark") || container.appendChild(make("span"));
  spot.className = `qk-mark ${right ? "qk-mark-right" : "qk-mark-wrong"}`;
  spot.removeAttribute("aria-hidden");
  spot.textContent = right ? "✓ right" : "✗ not right";
}

export function unmark(container) {
  const spot = container.querySelector(".qk-mark");
  if (spot) {
    spot.className = "qk-mark";
    spot.textContent = "";
  }
}

/** A screen-reader-only live region for announcements such as "moved to position 2". */
export function announcer(section) {
  let region = section.querySelector(".qk-announce");
  if (!region) {
    region = make("p", { class: "qk-visually-hidden qk-announce", "aria-live": "polite" });
    section.append(region);
  }
  return (text) => {
    region.textContent = text;
  };
}

/**
 * The interface quiz.js asks of a partial-credit widget whose answer is one field of its
 * response (`field`, "choices" or "order"): credit is the share of `total` it gets right, and
 * restore grades a checked answer or just shows it, then the key if it was revealed.
 */
export function partialCreditWidget({ field, unusable, usable, rightCount, total, grade, show, reveal, reset }, extra = {}) {
  return {
    unusable,
    credit: (response) => (usable(response[field]) ? rightCount(response[field]) / total : null),
    restore(record) {
      if (record.response) {
        if (record.checked) grade(record.response[field]);
        else show(record.response[field]);
      }
      if (record.revealed) reveal();
    },
    reset,
    ...extra,
  };
}

/**
 * "Show the answer" and "Start over" for the kinds checked with partial credit (matching,
 * ordering, numeric trace). `reveal` fills in the key, `reset` clears the item and
 * `first()` returns the control to focus when starting over. The returned `shown(message)`
 * and `cleared()` do the part of revealing and resetting that these kinds share. Showing the
 * key locks the score (quiz.js), and Check is put away until the learner starts over.
 */
export function partialCreditButtons(section, item, payload, { reveal, reset, first }) {
  const showKey = button("Show the answer", "qk-show");
  const again = button("Start over", "qk-again");
  const check = section.querySelector(".qk-check");
  actionRow(section, showKey, again);
  showKey.addEventListener("click", () => {
    reveal();
    item.reveal();
    again.focus();
  });
  again.addEventListener("click", () => {
    reset();
    item.again();
    first().focus();
  });
  return {
    showKey,
    again,
    shown(message) {
      feedback(section, "info", message);
      explain(section, payload);
      showKey.hidden = true;
      check.hidden = true;
      again.hidden = false;
    },
    cleared() {
      clearFeedback(section);
      hideExplanation(section);
      showKey.hidden = true;
      again.hidden = true;
      check.hidden = false;
    },
  };
}

/** " (practice)" once the key of this item has been seen in an earlier attempt. */
export function practice(item) {
  const record = item.record();
  return record.seen && record.attempt > 1 ? " This attempt is practice: the answer was shown before." : "";
}

/**
 * Report a partial-credit check: when all `total` parts are right, the explanation shows;
 * otherwise `partial` (the count and what to do) and the "Show the answer" button.
 * Returns the fraction right, right / total.
 */
export function reportCheck(section, payload, buttons, { right, total, allRight, partial }, item) {
  const note = item ? practice(item) : "";
  if (right === total) {
    feedback(section, "right", allRight + note);
    explain(section, payload);
    buttons.showKey.hidden = true;
  } else {
    feedback(section, right ? "partial" : "wrong", partial + note);
    buttons.showKey.hidden = false;
  }
  buttons.again.hidden = false;
  return right / total;
}
