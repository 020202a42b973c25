// Ordering: move steps up and down with buttons (no dragging needed), check for partial
// credit, fix and check again, or show the key.
import { announcer, mark, partialCreditButtons, partialCreditWidget, reportCheck, unmark } from "./quiz-ui.js";

export function mount(section, payload, item) {
  const form = section.querySelector(".qk-form");
  const list = form.querySelector(".qk-steps");
  const initial = [...list.children];
  const start = initial.map((li) => Number(li.dataset.qkStep));
  const buttons = partialCreditButtons(section, item, payload, {
    reveal,
    reset,
    first: () => list.querySelector(".qk-move"),
  });
  const announce = announcer(section);

  // Each button names its step ("Move up: Forward pass"): a list of identical "Move up"
  // buttons tells a screen reader user nothing. Buttons move with their step.
  const stepText = (li) => li.querySelector(".qk-step-text")?.textContent.trim() ?? "";
  for (const li of initial) {
    for (const move of li.querySelectorAll(".qk-move")) {
      const direction = Number(move.dataset.qkMove) < 0 ? "Move up" : "Move down";
      move.setAttribute("aria-label", `${direction}: ${stepText(li)}`);
    }
  }

  const steps = () => [...list.children];
  const order = () => steps().map((li) => Number(li.dataset.qkStep));
  // An order the page can show is an arrangement of its steps: each one exactly once.
  const usable = (indices) =>
    Array.isArray(indices) && indices.length === start.length && [...indices].sort().join() === [...start].sort().join();
  const rightCount = (indices) => indices.filter((step, position) => step === payload.order[position]).length;

  function arrange(indices) {
    const byIndex = new Map(initial.map((li) => [Number(li.dataset.qkStep), li]));
    list.replaceChildren(...indices.map((i) => byIndex.get(i)));
    steps().forEach(unmark);
  }

  list.addEventListener("click", (event) => {
    const move = event.target.closest(".qk-move");
    if (!move || move.disabled) return;
    const li = move.closest(".qk-step");
    const all = steps();
    const from = all.indexOf(li);
    const to = from + Number(move.dataset.qkMove);
    if (to < 0 || to >= all.length) {
      announce(to < 0 ? "Already first." : "Already last.");
      return;
    }
    if (to < from) list.insertBefore(li, all[to]);
    else list.insertBefore(all[to], li);
    steps().forEach(unmark);
    move.focus();
    announce(`Moved "${stepText(li)}" to position ${to + 1} of ${all.length}.`);
    item.respond({ order: order() });
  });

  function grade(indices) {
    arrange(indices);
    steps().forEach((li, position) => mark(li, Number(li.dataset.qkStep) === payload.order[position]));
    const total = payload.order.length;
    const right = rightCount(indices);
    return reportCheck(section, payload, buttons, {
      right,
      total,
      allRight: `All ${total} steps are in the right place.`,
      partial: `${right} of ${total} steps are in the right place. Move the ones marked ✗ and check again.`,
    }, item);
  }

  function reveal() {
    arrange(payload.order);
    steps().forEach((li) => mark(li, true));
    for (const move of list.querySelectorAll(".qk-move")) move.disabled = true;
    buttons.shown("The steps are now in the right order.");
  }

  function reset() {
    arrange(start);
    for (const move of list.querySelectorAll(".qk-move")) move.disabled = false;
    buttons.cleared();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const current = order();
    item.check({ order: current });
    grade(current);
  });

  return partialCreditWidget({
    field: "order",
    unusable: "is not an arrangement of this question's steps (each step once)",
    usable,
    rightCount,
    total: start.length,
    grade,
    show: arrange,
    reveal,
    reset,
  }, {
    /** The order on screen (an exam counts it as the answer when none was given). */
    shown: () => ({ order: order() }),
  });
}
