// Short answer: think (and optionally write), reveal the model answer, then assess yourself.
import { make } from "./dom.js";
import { actionRow, button, clearFeedback, explain, feedback, hideExplanation, trusted } from "./quiz-ui.js";

const LEVELS = [
  { score: 1, text: "I had it" },
  { score: 0.5, text: "Partly" },
  { score: 0, text: "Not yet" },
];

/** Shared by short_answer and interview; `extra(payload)` returns trusted blocks to reveal. */
export function mountReveal(section, payload, item, title, extra = () => []) {
  const form = section.querySelector(".qk-form");
  const notes = form.querySelector(".qk-notes");
  const reveal = form.querySelector(".qk-reveal");
  const again = button("Start over", "qk-again");
  actionRow(section, again);
  let state = null;

  const assess = make("fieldset", { class: "qk-self", hidden: "" });
  assess.append(make("legend", {}, "How did your answer compare?"));
  const choices = LEVELS.map((level) => {
    const choice = button(level.text, "qk-self-choice");
    choice.setAttribute("aria-pressed", "false");
    choice.addEventListener("click", () => {
      state = { ...state, score: level.score };
      pressed(level.score);
      item.record(state);
      feedback(section, "info", `Recorded: ${level.text.toLowerCase()}.`);
    });
    assess.append(choice);
    return { level, choice };
  });
  section.querySelector(".qk-explanation").after(assess);

  function pressed(score) {
    for (const { level, choice } of choices) {
      choice.setAttribute("aria-pressed", String(level.score === score));
    }
  }

  function show(saved) {
    state = { response: { notes: notes.value, revealed: true }, score: null, ...saved };
    const model = make("div", { class: "qk-model" });
    model.append(make("p", { class: "qk-explanation-title" }, title), trusted(payload.model));
    explain(section, payload, model, ...extra(payload));
    assess.hidden = false;
    pressed(state.score);
    reveal.hidden = true;
    again.hidden = false;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show({});
    item.record(state);
    feedback(section, "info", "Compare with the model answer below, then say how you did.");
    choices[0].choice.focus();
  });
  notes.addEventListener("change", () => {
    if (state) {
      state = { ...state, response: { ...state.response, notes: notes.value } };
      item.record(state);
    }
  });
  again.addEventListener("click", () => {
    reset();
    item.clear();
    notes.focus();
  });

  function reset() {
    state = null;
    notes.value = "";
    assess.hidden = true;
    pressed(null);
    clearFeedback(section);
    hideExplanation(section);
    reveal.hidden = false;
    again.hidden = true;
  }

  return {
    restore(saved) {
      if (!saved || !saved.response || !saved.response.revealed) return false;
      notes.value = typeof saved.response.notes === "string" ? saved.response.notes : "";
      show(saved);
      return true;
    },
    reset,
  };
}

export function mount(section, payload, item) {
  return mountReveal(section, payload, item, "Model answer");
}
