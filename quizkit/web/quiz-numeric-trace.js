// Numeric trace: the learner computes named quantities of a small graph by hand. Each typed
// value is read and compared by checkQuantity (quiz-check.js) against the values in the
// payload, which the site build computed with quizkit.backprop.worksheet.evaluate.
//
// Extension point for the runtime ("New numbers", live checking): dispatch
//   section.dispatchEvent(new CustomEvent("quizkit:values", {detail: {values, params}}))
// (or call setTraceValues) where `values` maps every key of payload.spec.expressions to a
// number computed by the engine for the new `params`. The widget then shows the new
// parameters, clears the learner's answers and checks against the new values from then on.
// Each item's section fires a bubbling "quizkit:ready" event once its widget is running, and
// payload.spec (itemPayload in quiz-payload.js) holds the code, params, root and expressions.
import { checkQuantity, formatNumber } from "./quiz-check.js";
import { make } from "./dom.js";
import { feedback, mark, partialCreditButtons, reportCheck, trusted, unmark } from "./quiz-ui.js";

export const VALUES_EVENT = "quizkit:values";

/** Replace the numbers a trace widget checks against (see the module comment). */
export function setTraceValues(section, detail) {
  section.dispatchEvent(new CustomEvent(VALUES_EVENT, { detail }));
}

function fixedParams(payload) {
  return Object.fromEntries(Object.entries(payload.spec.params).map(([k, p]) => [k, p.value]));
}

export function mount(section, payload, item) {
  const form = section.querySelector(".qk-form");
  const rows = payload.quantities.map((quantity) => {
    const row = form.querySelector(`[data-qk-quantity="${CSS.escape(quantity.name)}"]`);
    return { quantity, row, input: row.querySelector("input"), msg: row.querySelector(".qk-msg") };
  });
  const buttons = partialCreditButtons(section, item, payload, { reveal, reset, first: () => rows[0].input });
  let values = payload.values;
  let params = fixedParams(payload);

  function message(row, result) {
    row.msg.replaceChildren(make("span", {}, result.message));
    if (result.mistake) row.msg.append(trusted(result.mistake.feedback, "qk-mistake"));
    row.input.setAttribute("aria-invalid", String(result.status !== "correct"));
  }

  function grade(texts) {
    let right = 0;
    let invalid = 0;
    for (const row of rows) {
      row.input.value = texts[row.quantity.name] ?? "";
      const result = checkQuantity(row.input.value, row.quantity, values);
      message(row, result);
      if (result.status === "invalid" || result.status === "empty") {
        invalid += 1;
        unmark(row.row);
      } else {
        mark(row.row, result.status === "correct");
      }
      right += result.status === "correct" ? 1 : 0;
    }
    const total = rows.length;
    const unread = invalid ? ` ${invalid} could not be read as a number or is empty.` : "";
    return reportCheck(section, payload, buttons, {
      right,
      total,
      allRight: `All ${total} values are correct.`,
      partial: `${right} of ${total} values are correct.${unread}`,
    });
  }

  function typed() {
    return Object.fromEntries(rows.map((row) => [row.quantity.name, row.input.value]));
  }

  function reveal() {
    for (const row of rows) {
      row.input.value = formatNumber(values[row.quantity.name]);
      row.input.readOnly = true;
      row.input.removeAttribute("aria-invalid");
      row.msg.replaceChildren(make("span", {}, "The exact value."));
      mark(row.row, true);
    }
    buttons.shown("The exact values are now filled in.");
  }

  function reset() {
    for (const row of rows) {
      row.input.value = "";
      row.input.readOnly = false;
      row.input.removeAttribute("aria-invalid");
      row.msg.replaceChildren();
      unmark(row.row);
    }
    buttons.cleared();
  }

  function record(extra = {}) {
    const state = { response: { values: typed(), params }, ...extra };
    item.record(state);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const score = grade(typed());
    record({ score });
  });
  section.addEventListener(VALUES_EVENT, (event) => {
    values = { ...event.detail.values };
    params = { ...params, ...(event.detail.params || {}) };
    for (const span of section.querySelectorAll(".qk-param")) {
      const name = span.dataset.qkParam;
      if (name in params) span.querySelector(".qk-param-value").textContent = formatNumber(params[name]);
    }
    reset();
    item.clear();
    feedback(section, "info", "New numbers: the given values changed, so compute again.");
  });

  return {
    restore(state) {
      const saved = state && state.response && state.response.values;
      if (!saved || typeof saved !== "object") return false;
      const sameNumbers = JSON.stringify(state.response.params || fixedParams(payload)) === JSON.stringify(params);
      if (!sameNumbers) {
        // The answers were for re-drawn numbers this page does not have; keep nothing.
        return false;
      }
      grade(saved);
      if (state.revealed) reveal();
      return true;
    },
    reset,
  };
}
