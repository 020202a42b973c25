// Multiple choice: one key, feedback for the chosen distractor, the explanation at once.
// The explanation names the key, so the first check is the one that counts; "Try again" is
// practice (quiz.js locks the score when the explanation appears).
import { actionRow, button, explain, feedback, hideExplanation, clearFeedback, trusted } from "./quiz-ui.js";

/**
 * Shared by mcq and true_false: radio choices checked on "Check".
 * `isRight(choice)` says whether a choice value is the key; `reason(choice)` gives the
 * trusted HTML of that choice's own feedback, if any.
 */
export function mountChoice(section, payload, item, isRight, reason) {
  const form = section.querySelector(".qk-form");
  const radios = [...form.querySelectorAll('input[type="radio"]')];
  const check = form.querySelector(".qk-check");
  const again = button("Try again", "qk-again");
  actionRow(section, again);
  const exists = (choice) => radios.some((radio) => radio.value === choice);

  function select(choice) {
    for (const radio of radios) radio.checked = radio.value === choice;
  }

  function show(choice) {
    const right = isRight(choice);
    select(choice);
    for (const radio of radios) {
      radio.disabled = true;
      const option = radio.closest(".qk-option");
      option.classList.toggle("qk-chosen", radio.value === choice);
      option.classList.toggle("qk-right", radio.value === choice && right);
      option.classList.toggle("qk-wrong", radio.value === choice && !right);
    }
    const why = reason(choice);
    const extra = why ? [trusted(why, "qk-reason")] : [];
    const practice = item.record().seen && item.record().attempt > 1 ? " (practice)" : "";
    feedback(section, right ? "right" : "wrong", (right ? "Correct." : "Not quite.") + practice, ...extra);
    explain(section, payload);
    check.hidden = true;
    again.hidden = false;
  }

  function reset() {
    for (const radio of radios) {
      radio.disabled = false;
      radio.checked = false;
      radio.closest(".qk-option").classList.remove("qk-chosen", "qk-right", "qk-wrong");
    }
    clearFeedback(section);
    hideExplanation(section);
    check.hidden = false;
    again.hidden = true;
  }

  form.addEventListener("change", (event) => {
    if (radios.includes(event.target)) item.respond({ choice: event.target.value });
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = radios.find((radio) => radio.checked);
    if (!chosen) {
      feedback(section, "info", "Choose an answer first.");
      return;
    }
    item.check({ choice: chosen.value });
    show(chosen.value);
    again.focus();
  });
  again.addEventListener("click", () => {
    reset();
    item.again();
    radios[0].focus();
  });

  return {
    unusable: "is not one of this question's choices",
    /** 1 or 0 for a response; null when the page cannot show it. */
    credit(response) {
      if (response.choice === null) return 0;
      return exists(response.choice) ? Number(isRight(response.choice)) : null;
    },
    restore(record) {
      const choice = record.response && record.response.choice;
      if (!exists(choice)) return;
      if (record.checked) show(choice);
      else select(choice);
    },
    reset,
  };
}

export function mount(section, payload, item) {
  return mountChoice(
    section,
    payload,
    item,
    (choice) => payload.correct.includes(Number(choice)),
    (choice) => payload.feedback[Number(choice)],
  );
}
