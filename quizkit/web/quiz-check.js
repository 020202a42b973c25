// Reading and checking a learner's numbers. The rules (accepted forms, tolerance defaults)
// come from Python through quiz-config.js; this module only applies them.
import config from "./quiz-config.js";

const NUMBER = new RegExp(config.number.pattern);
const AMBIGUOUS = new RegExp(config.number.ambiguousPattern);

/** Read typed text as a number: {ok: true, value} or {ok: false, message}. */
export function parseNumber(text) {
  const trimmed = String(text).trim();
  if (trimmed === "") return { ok: false, empty: true, message: "Enter a value." };
  // Checked first: "1,000" fits the pattern, and "1,000.5" would only get the generic help.
  if (AMBIGUOUS.test(trimmed)) return { ok: false, message: config.number.ambiguousHelp };
  if (!NUMBER.test(trimmed)) {
    return { ok: false, message: `This is not a number. ${config.number.help}` };
  }
  let normal = trimmed;
  for (const [from, to] of Object.entries(config.number.replacements)) {
    normal = normal.split(from).join(to);
  }
  const value = Number(normal);
  // "1e309" is well formed but overflows to Infinity, which no tolerance can compare.
  if (!Number.isFinite(value)) return { ok: false, message: config.number.notFinite };
  return { ok: true, value };
}

/** The acceptance rule: |typed - exact| <= max(abs, rel * |exact|). */
export function withinTolerance(typed, exact, tolerance) {
  const tol = { ...config.defaultTolerance, ...(tolerance || {}) };
  return Math.abs(typed - exact) <= Math.max(tol.abs, tol.rel * Math.abs(exact));
}

/** A value as the widget shows it. */
export function formatNumber(value) {
  const text = String(Number(Number(value).toPrecision(config.displayDigits)));
  return text === "-0" ? "0" : text;
}

/**
 * Check one quantity of a numeric trace: the single comparison the widget uses.
 *
 * `quantity` is {name, tolerance, mistakes: [{key, feedback}]} from the payload and `values`
 * maps expression keys to numbers (build-time ones, or the runtime's after "New numbers").
 * Returns {status: "correct" | "mistake" | "wrong" | "invalid" | "empty", message, mistake}.
 */
export function checkQuantity(text, quantity, values) {
  const parsed = parseNumber(text);
  if (!parsed.ok) {
    return { status: parsed.empty ? "empty" : "invalid", message: parsed.message };
  }
  const exact = values[quantity.name];
  if (withinTolerance(parsed.value, exact, quantity.tolerance)) {
    return { status: "correct", message: "Correct." };
  }
  for (const mistake of quantity.mistakes || []) {
    const wrong = values[mistake.key];
    if (typeof wrong === "number" && withinTolerance(parsed.value, wrong, quantity.tolerance)) {
      return { status: "mistake", message: "Not yet: this is a common mistake.", mistake };
    }
  }
  return { status: "wrong", message: "Not yet: recompute this one." };
}
