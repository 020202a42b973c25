// Short answer: think (and optionally write), reveal the model answer, then assess yourself.
// Notes are saved as they are typed (quiz.js saves shortly after, and when the page is left).
import config from "./quiz-config.js";
import { make } from "./dom.js";
import { actionRow, button, clearFeedback, explain, feedback, hideExplanation, trusted } from "./quiz-ui.js";

const TEXTS = { 1: "I had it", 0.5: "Partly", 0: "Not yet" };

/** Shared by short_answer and interview; `extra(payload)` returns trusted blocks to reveal. */
export function mountReveal(section, payload, item, title, extra = () => []) {
  const form = section.querySelector(".qk-form");
  const notes = form.querySelector(".qk-notes");
  const reveal = form.querySelector(".qk-reveal");
  const again = button("Start over", "qk-again");
  actionRow(section, again);
  const limit = config.progress.maxNoteChars;
  notes.maxLength = limit;
  const count = make("p", { class: "qk-note-limit", id: `${notes.id}-limit` });
  notes.after(count);
  notes.setAttribute("aria-describedby", count.id);
  let revealed = false;
  let self = null;

  const assess = make("fieldset", { class: "qk-self", hidden: "" });
  assess.append(make("legend", {}, "How did your answer compare?"));
  const choices = config.progress.selfLevels.map((level) => {
    const choice = button(TEXTS[level], "qk-self-choice");
    choice.setAttribute("aria-pressed", "false");
    choice.addEventListener("click", () => {
      self = level;
      pressed();
      item.check(response(), { always: true });
      feedback(section, "info", `Recorded: ${TEXTS[level].toLowerCase()}.`);
    });
    assess.append(choice);
    return { level, choice };
  });
  section.querySelector(".qk-explanation").after(assess);

  const response = () => ({ notes: notes.value, revealed, self });

  function pressed() {
    for (const { level, choice } of choices) choice.setAttribute("aria-pressed", String(level === self));
  }

  function counter() {
    const left = limit - notes.value.length;
    count.textContent = left < limit / 10 ? `${left} characters left (notes are kept up to ${limit}).` : "";
  }

  function show() {
    revealed = true;
    const model = make("div", { class: "qk-model" });
    model.append(make("p", { class: "qk-explanation-title" }, title), trusted(payload.model));
    explain(section, payload, model, ...extra(payload));
    assess.hidden = false;
    pressed();
    reveal.hidden = true;
    again.hidden = false;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    show();
    item.respond(response());
    feedback(section, "info", "Compare with the model answer below, then say how you did.");
    choices[0].choice.focus();
  });
  notes.addEventListener("input", () => {
    counter();
    item.respond(response());
  });
  again.addEventListener("click", () => {
    reset();
    item.again();
    notes.focus();
  });

  function reset() {
    revealed = false;
    self = null;
    notes.value = "";
    counter();
    assess.hidden = true;
    pressed();
    clearFeedback(section);
    hideExplanation(section);
    reveal.hidden = false;
    again.hidden = true;
  }

  return {
    selfAssessed: true,
    /** The self-assessment; null when the page cannot show the response. */
    credit(saved) {
      return saved.notes.length <= limit ? saved.self ?? 0 : null;
    },
    restore(record) {
      const saved = record.response;
      if (!saved) return;
      notes.value = saved.notes;
      counter();
      self = saved.self;
      if (saved.revealed) show();
    },
    reset,
  };
}

export function mount(section, payload, item) {
  return mountReveal(section, payload, item, "Model answer");
}
