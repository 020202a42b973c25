// Ordering: move steps up and down with buttons (no dragging needed), check for partial
// credit, fix and check again, or show the key.
import { announcer, mark, partialCreditButtons, reportCheck, unmark } from "./quiz-ui.js";

export function mount(section, payload, item) {
  const form = section.querySelector(".qk-form");
  const list = form.querySelector(".qk-steps");
  const initial = [...list.children];
  const buttons = partialCreditButtons(section, item, payload, {
    reveal,
    reset,
    first: () => list.querySelector(".qk-move"),
  });
  const announce = announcer(section);

  const steps = () => [...list.children];
  const order = () => steps().map((li) => Number(li.dataset.qkStep));

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
    announce(`Moved to position ${to + 1} of ${all.length}.`);
  });

  function grade(indices) {
    arrange(indices);
    let right = 0;
    steps().forEach((li, position) => {
      const ok = Number(li.dataset.qkStep) === payload.order[position];
      right += ok ? 1 : 0;
      mark(li, ok);
    });
    const total = payload.order.length;
    return reportCheck(section, payload, buttons, {
      right,
      total,
      allRight: `All ${total} steps are in the right place.`,
      partial: `${right} of ${total} steps are in the right place. Move the ones marked ✗ and check again.`,
    });
  }

  function reveal() {
    arrange(payload.order);
    steps().forEach((li) => mark(li, true));
    for (const move of list.querySelectorAll(".qk-move")) move.disabled = true;
    buttons.shown("The steps are now in the right order.");
  }

  function reset() {
    arrange(initial.map((li) => Number(li.dataset.qkStep)));
    for (const move of list.querySelectorAll(".qk-move")) move.disabled = false;
    buttons.cleared();
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const current = order();
    item.record({ response: { order: current }, score: grade(current) });
  });

  return {
    restore(state) {
      const saved = state && state.response && state.response.order;
      const known = order().slice().sort().join();
      if (!Array.isArray(saved) || saved.slice().sort().join() !== known) return false;
      grade(saved);
      if (state.revealed) reveal();
      return true;
    },
    reset,
  };
}
