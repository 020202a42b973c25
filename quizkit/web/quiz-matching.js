// Matching: a select per term; check for partial credit, fix and check again, or show the key.
// Each select lists the definitions' own text (after their letter), so the learner need not
// scroll back to the list to choose.
import { feedback, mark, partialCreditButtons, partialCreditWidget, reportCheck, unmark } from "./quiz-ui.js";

export function mount(section, payload, item) {
  const form = section.querySelector(".qk-form");
  const rows = [...form.querySelectorAll(".qk-row")];
  const selects = rows.map((row) => row.querySelector("select"));
  const buttons = partialCreditButtons(section, item, payload, { reveal, reset, first: () => selects[0] });
  const values = new Set([...selects[0].options].map((option) => option.value));

  const usable = (choices) => Array.isArray(choices) && choices.length === rows.length && choices.every((c) => values.has(c));
  const rightCount = (choices) => choices.filter((c, i) => c !== "" && Number(c) === payload.key[i]).length;

  function place(choices) {
    selects.forEach((select, i) => {
      select.value = choices[i];
    });
  }

  function grade(choices) {
    place(choices);
    rows.forEach((row, i) => mark(row, choices[i] !== "" && Number(choices[i]) === payload.key[i]));
    const right = rightCount(choices);
    return reportCheck(section, payload, buttons, {
      right,
      total: rows.length,
      allRight: `All ${rows.length} matched correctly.`,
      partial: `${right} of ${rows.length} matched correctly. Change the ones marked ✗ and check again.`,
    }, item);
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

  form.addEventListener("change", (event) => {
    if (selects.includes(event.target)) item.respond({ choices: selects.map((select) => select.value) });
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const choices = selects.map((select) => select.value);
    if (choices.some((choice) => choice === "")) {
      feedback(section, "info", "Choose a definition for every term first.");
      return;
    }
    item.check({ choices });
    grade(choices);
  });

  return partialCreditWidget({
    field: "choices",
    unusable: "does not choose among this question's definitions",
    usable,
    rightCount,
    total: rows.length,
    grade,
    show: place,
    reveal,
    reset,
  });
}
