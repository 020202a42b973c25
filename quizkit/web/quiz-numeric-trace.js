// Numeric trace: the learner computes named quantities of a small graph by hand. Each typed
// value is read and compared by checkQuantity (quiz-check.js) against the values in the
// payload, which the site build computed with quizkit.backprop.worksheet.evaluate.
//
// Extension point for the runtime ("New numbers", live checking): dispatch
//   section.dispatchEvent(new CustomEvent("quizkit:values", {detail: {values, params}}))
// (or call setTraceValues) where `values` maps every key of payload.spec.expressions to a
// number computed by the engine for the new `params`. The widget then shows the new
// parameters, clears the learner's answers and checks against the new values from then on.
// Each item's section fires a bubbling "quizkit:ready" event once its widget is running, and
// payload.spec (itemPayload in quiz-payload.js) holds the code, params, root and expressions.
import { checkQuantity, formatNumber } from "./quiz-check.js";
import config from "./quiz-config.js";
import { make } from "./dom.js";
import { feedback, mark, partialCreditButtons, reportCheck, trusted, unmark } from "./quiz-ui.js";

export const VALUES_EVENT = "quizkit:values";

/** Replace the numbers a trace widget checks against (see the module comment). */
export function setTraceValues(section, detail) {
  section.dispatchEvent(new CustomEvent(VALUES_EVENT, { detail }));
}

/** The exercise's own numbers, {name: value}, from its `spec` (payload.spec). */
export function printedParams(spec) {
  return Object.fromEntries(Object.entries(spec.params).map(([name, p]) => [name, p.value]));
}

const sameNumbers = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Why drawn `params` are not numbers this exercise can have (its spec's names, ranges and
 * steps, as worksheet.new_numbers draws them), or "".
 */
function paramsProblem(spec, params) {
  for (const [name, value] of Object.entries(params)) {
    const rule = spec.params[name];
    if (!rule) return `has a parameter ${name.slice(0, 40)} this exercise does not have`;
    if (!rule.range) {
      if (value !== rule.value) return `changes ${name}, which this exercise keeps at ${rule.value}`;
      continue;
    }
    const [low, high] = rule.range;
    const steps = rule.step ? (value - low) / rule.step : 0;
    const onStep = !rule.step || Math.abs(steps - Math.round(steps)) < 1e-9;
    if (value < low || value > high || !onStep) {
      return `has ${name} = ${value}, outside its range ${low}..${high}${rule.step ? ` in steps of ${rule.step}` : ""}`;
    }
  }
  return "";
}

/** The seed of the drawn numbers, when the address names one for this item. */
function addressSeed(section) {
  const address = new URL(window.location.href);
  const seed = address.searchParams.get("seed");
  if (seed === null || !/^\d{1,10}$/.test(seed)) return null;
  return !address.hash || address.hash.slice(1) === section.id ? Number(seed) : null;
}

export function mount(section, payload, item) {
  const form = section.querySelector(".qk-form");
  const rows = payload.quantities.map((quantity) => {
    const row = form.querySelector(`[data-qk-quantity="${CSS.escape(quantity.name)}"]`);
    return { quantity, row, input: row.querySelector("input"), msg: row.querySelector(".qk-msg") };
  });
  const names = new Set(rows.map((row) => row.quantity.name));
  // Longer text is no number the page reads, and would not fit the saved record's schema.
  for (const row of rows) row.input.maxLength = config.progress.maxValueChars;
  const buttons = partialCreditButtons(section, item, payload, { reveal, reset, first: () => rows[0].input });
  const printed = printedParams(payload.spec);
  let values = payload.values;
  let params = printed;
  let seed = null;
  // Values the engine computed in this page, by drawn parameters: an imported record brings
  // no numbers (quiz-store.js drops them), so its drawn values count once computed here.
  const computed = new Map();
  const UNVERIFIED = "unverified";

  /**
   * The numbers a response was given: null when the page cannot use them, UNVERIFIED when
   * they are drawn numbers that the engine has not computed here yet.
   */
  function numbersOf(response) {
    if (!response.params) return payload.values;
    if (paramsProblem(payload.spec, response.params)) return null;
    const numbers = response.numbers ?? computed.get(JSON.stringify({ ...printed, ...response.params })) ?? null;
    if (numbers === null) return UNVERIFIED;
    return Object.keys(payload.values).every((key) => Number.isFinite(numbers[key])) ? numbers : null;
  }

  function rightCount(texts, against) {
    return rows.filter((row) => checkQuantity(texts[row.quantity.name] ?? "", row.quantity, against).status === "correct").length;
  }

  function showNumbers(newValues, newParams) {
    values = { ...newValues };
    params = { ...printed, ...newParams };
    for (const span of section.querySelectorAll(".qk-param")) {
      const name = span.dataset.qkParam;
      if (name in params) span.querySelector(".qk-param-value").textContent = formatNumber(params[name]);
    }
  }

  function message(row, result) {
    row.msg.replaceChildren(make("span", {}, result.message));
    if (result.mistake) row.msg.append(trusted(result.mistake.feedback, "qk-mistake"));
    row.input.setAttribute("aria-invalid", String(result.status !== "correct"));
  }

  function fill(texts) {
    for (const row of rows) row.input.value = texts[row.quantity.name] ?? "";
  }

  function grade(texts) {
    fill(texts);
    if (values === null) {
      feedback(section, "info", "These numbers have not been computed by the engine in this page yet, so nothing is marked: open the computation graph to compute them.");
      return 0;
    }
    let invalid = 0;
    for (const row of rows) {
      const result = checkQuantity(row.input.value, row.quantity, values);
      message(row, result);
      if (result.status === "invalid" || result.status === "empty") {
        invalid += 1;
        unmark(row.row);
      } else {
        mark(row.row, result.status === "correct");
      }
    }
    const right = rightCount(texts, values);
    const total = rows.length;
    const unread = invalid === 1 ? " 1 value could not be read as a number or is empty."
      : invalid ? ` ${invalid} values could not be read as numbers or are empty.` : "";
    return reportCheck(section, payload, buttons, {
      right,
      total,
      allRight: `All ${total} values are correct.`,
      partial: `${right} of ${total} values are correct.${unread}`,
    }, item);
  }

  /** What is on screen, with the numbers it answers (so a reload can show them again). */
  function response() {
    const drawn = !sameNumbers(params, printed);
    return {
      values: Object.fromEntries(rows.map((row) => [row.quantity.name, row.input.value])),
      params: drawn ? params : null,
      numbers: drawn ? values : null,
      seed: drawn ? seed : null,
    };
  }

  function reveal() {
    if (values === null) return;
    for (const row of rows) {
      row.input.value = formatNumber(values[row.quantity.name]);
      row.input.readOnly = true;
      row.input.removeAttribute("aria-invalid");
      row.msg.replaceChildren(make("span", {}, "The exact value."));
      mark(row.row, true);
    }
    buttons.shown("The exact values are now filled in.");
  }

  function reset() {
    for (const row of rows) {
      row.input.value = "";
      row.input.readOnly = false;
      row.input.removeAttribute("aria-invalid");
      row.msg.replaceChildren();
      unmark(row.row);
    }
    buttons.cleared();
  }

  form.addEventListener("input", (event) => {
    if (rows.some((row) => row.input === event.target)) item.respond(response());
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const current = response();
    // Numbers not computed yet cannot be checked (and a check would count against nothing).
    if (values !== null) item.check(current);
    grade(current.values);
  });

  /** "Back to the earlier numbers": the numbers and values before new ones were drawn. */
  function backButton(earlier) {
    const shown = Object.entries(earlier.params).filter(([name]) => payload.spec.params[name]?.range);
    const back = make("button", { type: "button", class: "md-button qk-earlier-numbers" },
      `Back to the earlier numbers (${shown.map(([name, value]) => `${name} = ${formatNumber(value)}`).join(", ")}) and your values`);
    back.addEventListener("click", () => {
      showNumbers(earlier.values, earlier.params);
      reset();
      seed = earlier.seed;
      fill(earlier.response.values);
      item.respond(earlier.response);
      // The address names the numbers on screen (numeric-trace-live.js redraws its seed on load).
      const url = new URL(window.location.href);
      if (seed === null) url.searchParams.delete("seed");
      else url.searchParams.set("seed", String(seed));
      history.replaceState(history.state, "", url);
      feedback(section, "info", "Your earlier numbers and values are back.");
      rows[0].input.focus();
    });
    return back;
  }

  section.addEventListener(VALUES_EVENT, (event) => {
    const incoming = { ...printed, ...(event.detail.params || {}) };
    computed.set(JSON.stringify(incoming), { ...event.detail.values });
    if (sameNumbers(incoming, params)) {
      // The same numbers again (the address's seed redrawn after a reload): keep the work,
      // and keep the engine's numbers with the record (an imported one brought none).
      const unverified = values === null;
      values = { ...event.detail.values };
      const withNumbers = (saved) =>
        saved && saved.params && saved.numbers === null && sameNumbers({ ...printed, ...saved.params }, incoming)
          ? { ...saved, numbers: values }
          : saved;
      const record = item.record();
      if (unverified || record.response?.numbers === null || record.counted?.numbers === null) {
        item.amend((old) => ({ ...old, response: withNumbers(old.response), counted: withNumbers(old.counted) }));
        if (unverified && record.checked) grade(record.response.values);
        item.showStatus();
      }
      return;
    }
    const typed = rows.some((row) => row.input.value !== "");
    // Typed or checked work for the numbers on screen stays one click away.
    const earlier = typed || item.record().checked ? { response: response(), values, params, seed } : null;
    showNumbers(event.detail.values, incoming);
    reset();
    seed = null;
    const fresh = response();
    if (typed || item.record().checked) item.again(fresh);
    else item.respond(fresh);
    const extra = earlier && earlier.values !== null ? [backButton(earlier)] : [];
    feedback(section, "info", "New numbers: the given values changed, so compute again.", ...extra);
    // The runtime writes the seed to the address just after it sends the numbers.
    setTimeout(() => {
      seed = sameNumbers(params, printed) ? null : addressSeed(section);
      if (seed !== null) item.respond(response());
    }, 0);
  });

  return {
    unusable: "does not answer this exercise (unknown quantities, or drawn numbers outside the ranges and steps it draws from)",
    credit(saved) {
      const against = numbersOf(saved);
      const known = Object.keys(saved.values).every((name) => names.has(name));
      if (!against || !known) return null;
      return against === UNVERIFIED ? 0 : rightCount(saved.values, against) / rows.length;
    },
    /** What the status adds: drawn numbers not yet computed count 0 until they are. */
    note(record) {
      if (!record.counted || numbersOf(record.counted) !== UNVERIFIED) return "";
      const drawn = record.counted.seed === null ? "Its drawn numbers" : `Its drawn numbers (seed ${record.counted.seed})`;
      return `${drawn} came from a file and have not been computed by the engine here: they count 0 until they are (reload the page and open the computation graph).`;
    },
    restore(record) {
      const saved = record.response;
      if (saved) {
        const numbers = saved.params ? numbersOf(saved) : payload.values;
        showNumbers(numbers === UNVERIFIED || numbers === null ? {} : numbers, saved.params || printed);
        if (numbers === UNVERIFIED || numbers === null) values = null;
        seed = saved.seed;
        // numeric-trace-live.js reads it: the graph and "Original numbers" follow these numbers.
        if (seed !== null && seed !== undefined) section.dataset.qkSeed = String(seed);
        if (record.checked) grade(saved.values);
        else fill(saved.values);
      }
      if (record.revealed) reveal();
    },
    reset,
  };
}
