// True or false: a two-option choice whose key is a boolean.
import { mountChoice } from "./quiz-mcq.js";

export function mount(section, payload, item) {
  return mountChoice(
    section,
    payload,
    item,
    (choice) => (choice === "true") === payload.answer,
    () => null,
  );
}
