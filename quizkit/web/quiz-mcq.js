// Multiple choice: one key, feedback for the chosen distractor, the explanation at once.
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

  function show(choice) {
    const right = isRight(choice);
    for (const radio of radios) {
      radio.checked = radio.value === choice;
      radio.disabled = true;
      const option = radio.closest(".qk-option");
      option.classList.toggle("qk-chosen", radio.value === choice);
      option.classList.toggle("qk-right", radio.value === choice && right);
      option.classList.toggle("qk-wrong", radio.value === choice && !right);
    }
    const why = reason(choice);
    const extra = why ? [trusted(why, "qk-reason")] : [];
    feedback(section, right ? "right" : "wrong", right ? "Correct." : "Not quite.", ...extra);
    explain(section, payload);
    check.hidden = true;
    again.hidden = false;
    return right;
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

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const chosen = radios.find((radio) => radio.checked);
    if (!chosen) {
      feedback(section, "info", "Choose an answer first.");
      return;
    }
    const right = show(chosen.value);
    item.record({ response: { choice: chosen.value }, score: right ? 1 : 0 });
    again.focus();
  });
  again.addEventListener("click", () => {
    reset();
    item.clear();
    radios[0].focus();
  });

  return {
    restore(state) {
      const choice = state && state.response && state.response.choice;
      if (!radios.some((radio) => radio.value === choice)) return false;
      show(choice);
      return true;
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
