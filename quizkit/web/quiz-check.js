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

/**
 * A value as the widget shows it, written exactly as Python's format_number
 * (quizkit.mkdocs.client) writes it: format(value, ".6g") for 6 display digits, with "-0"
 * as "0". So "1234567" shows as 1.23457e+06 on a page built by Python and after "New
 * numbers" alike. The browser tests hold this to Python's own examples.
 */
export function formatNumber(value, digits = config.displayDigits) {
  const x = Number(value);
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return "0";
  const [kept, exponent] = significant(Math.abs(x), digits);
  const sign = x < 0 ? "-" : "";
  const trim = (fraction) => fraction.replace(/0+$/, "");
  if (exponent < -4 || exponent >= digits) {
    const fraction = trim(kept.slice(1));
    const power = String(Math.abs(exponent)).padStart(2, "0");
    return `${sign}${kept[0]}${fraction ? `.${fraction}` : ""}e${exponent < 0 ? "-" : "+"}${power}`;
  }
  const whole = exponent >= 0 ? kept.slice(0, exponent + 1) : "0";
  const fraction = trim(exponent >= 0 ? kept.slice(exponent + 1) : "0".repeat(-exponent - 1) + kept);
  return `${sign}${whole}${fraction ? `.${fraction}` : ""}`;
}

/**
 * `a` (> 0) rounded to `digits` significant digits: [those digits as text, the decimal
 * exponent of the first]. A value exactly halfway goes to the even digit, as Python rounds;
 * toExponential would round it up.
 */
function significant(a, digits) {
  const [mantissa, exponent] = a.toExponential(digits - 1).split("e");
  const [longMantissa, longExponent] = a.toExponential(digits).split("e");
  const longer = longMantissa.replace(".", "");
  const down = longer.slice(0, digits);
  const halfway = longer.endsWith("5") && isExactly(longer, Number(longExponent) - digits, a);
  if (halfway && Number(down.at(-1)) % 2 === 0) return [down, Number(longExponent)];
  return [mantissa.replace(".", ""), Number(exponent)];
}

/** Whether `a` is exactly the decimal digits × 10^scale (not merely its nearest double). */
function isExactly(digits, scale, a) {
  if (Number(`${digits}e${scale}`) !== a) return false;
  const m = BigInt(digits);
  // The decimal is a double itself when it is an integer below 2^53 over a power of two.
  if (scale >= 0) return m * 10n ** BigInt(scale) < 2n ** 53n;
  return m % 5n ** BigInt(-scale) === 0n;
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
