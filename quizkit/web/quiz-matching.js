// Matching: a select per term; check for partial credit, fix and check again, or show the key.
import { feedback, mark, partialCreditButtons, reportCheck, unmark } from "./quiz-ui.js";

export function mount(section, payload, item) {
  const form = section.querySelector(".qk-form");
  const rows = [...form.querySelectorAll(".qk-row")];
  const selects = rows.map((row) => row.querySelector("select"));
  const buttons = partialCreditButtons(section, item, payload, { reveal, reset, first: () => selects[0] });

  function grade(choices) {
    let right = 0;
    rows.forEach((row, i) => {
      selects[i].value = choices[i] ?? "";
      const ok = selects[i].value !== "" && Number(selects[i].value) === payload.key[i];
      right += ok ? 1 : 0;
      mark(row, ok);
    });
    return reportCheck(section, payload, buttons, {
      right,
      total: rows.length,
      allRight: `All ${rows.length} matched correctly.`,
      partial: `${right} of ${rows.length} matched correctly. Change the ones marked ✗ and check again.`,
    });
  }

  function reveal() {
    selects.forEach((select, i) => {
      select.value = String(payload.key[i]);
      select.disabled = true;
      mark(rows[i], true);
    });
    buttons.shown("The matching pairs are now selected.");
  }

  function reset() {
    selects.forEach((select, i) => {
      select.value = "";
      select.disabled = false;
      unmark(rows[i]);
    });
    buttons.cleared();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const choices = selects.map((select) => select.value);
    if (choices.some((choice) => choice === "")) {
      feedback(section, "info", "Choose a definition for every term first.");
      return;
    }
    const score = grade(choices);
    item.record({ response: { choices }, score });
  });

  return {
    restore(state) {
      const choices = state && state.response && state.response.choices;
      if (!Array.isArray(choices) || choices.length !== rows.length) return false;
      const valid = choices.every((c) => c === "" || [...selects[0].options].some((o) => o.value === c));
      if (!valid) return false;
      grade(choices);
      if (state.revealed) reveal();
      return true;
    },
    reset,
  };
}
