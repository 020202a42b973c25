// Numeric-trace exercises, live: adds to every numeric_trace quiz item (quiz-numeric-trace.js)
//  * the computation graph with its step-through (graph-view.js), drawn from the build-time
//    graph at once, without Python;
//  * "New numbers": one request to the engine (worksheet.new_numbers, seeded) draws new
//    parameters that keep the exercise's rules (its constraints; no mistake giving the key's
//    value ...; the rules are Python's alone, checked over many seeds by quizkit check),
//    recomputes every quantity and mistake, and the values reach the widget through its
//    documented "quizkit:values" event; "Original numbers" goes back.
// The seed is written to the address (?seed=N#qk-<item id>), so the numbers can be shared;
// opening such an address draws the same numbers again. A seed for which no draw kept the
// rules gives the bank's own numbers, and the status line says so.
import { make } from "./dom.js";
import { printedParams } from "./quiz-numeric-trace.js";
import { itemPayload } from "./quiz-payload.js";

const SEED_PARAM = "seed";
const MAX_SEED = 2 ** 31 - 1;

/** Whether any parameter can be re-drawn (has a range). */
function drawable(spec) {
  return Object.values(spec.params || {}).some((p) => p.range);
}

/** Seed in the address for this section, if the address points at it. */
export function seedFromAddress(section, location = window.location) {
  const params = new URLSearchParams(location.search);
  const seed = params.get(SEED_PARAM);
  if (seed === null || !/^\d+$/.test(seed)) return null;
  if (location.hash && location.hash.slice(1) !== section.id) return null;
  return Number(seed);
}

function writeAddress(section, seed) {
  const url = new URL(window.location.href);
  if (seed === null) url.searchParams.delete(SEED_PARAM);
  else url.searchParams.set(SEED_PARAM, String(seed));
  url.hash = section.id;
  history.replaceState(history.state, "", url);
}

// As runtime.js's EVALUATE_TIMEOUT_MS: a few evaluations of a small exercise take far less.
const NUMBERS_TIMEOUT_MS = 10_000;

/**
 * New numbers for one trace item (`spec` is payload.spec), in one round trip to the worker.
 * Resolves {params, values, graph, fallback}: `fallback` is true when no draw for `seed`
 * kept the exercise's rules, and `params` are then the bank's own numbers.
 */
export async function liveNumbers(runtime, spec, seed) {
  const { params, values, graph, fallback } = await runtime.numbers(spec, seed, { timeoutMs: NUMBERS_TIMEOUT_MS });
  return { params, values, graph, fallback };
}

/** The item as the page names it ("Question 3", "Exercise"): its title without the kind. */
function itemName(section) {
  const title = section.querySelector(".qk-title");
  return title?.firstChild?.textContent.trim() || "";
}

/** Put `element` right below the item's Check row (at the end of its form without one). */
function belowCheckRow(section, element) {
  const checkRow = section.querySelector(".qk-actions");
  if (checkRow) checkRow.after(element);
  else (section.querySelector(".qk-form") || section).append(element);
}

function mount(section, getRuntime) {
  section.dataset.qkLive = "";
  const payload = itemPayload(section);
  const spec = payload.spec;
  let view = null;
  let currentGraph = payload.graph;
  // Numbers drawn before a reload, restored by the widget from saved progress (it sets
  // data-qk-seed) when the address names no seed.
  const saved = /^\d{1,10}$/.test(section.dataset.qkSeed || "") ? Number(section.dataset.qkSeed) : null;
  const restoredSeed = seedFromAddress(section) === null ? saved : null;
  let restoredGraph = false;

  if (payload.graph) {
    const box = make("details", { class: "qk-trace-graph" });
    box.append(make("summary", {}, "Show the computation graph, step by step"));
    const body = make("div", { class: "qk-trace-graph-body" });
    box.append(body);
    box.addEventListener("toggle", async () => {
      // The graph view's module is loaded when a graph is first opened.
      if (box.open && !view) {
        const views = await import("./graph-view.js").catch(() => null);
        if (!views) body.replaceChildren(make("p", {}, "The graph viewer did not load. Reload the page to try again."));
        else view ??= views.mountGraphView(body, currentGraph, { name: itemName(section) });
      }
      // Restored drawn numbers: their graph comes from the engine, when first asked for.
      if (box.open && restoredSeed !== null && !restoredGraph) {
        restoredGraph = true;
        redraw(restoredSeed);
      }
    });
    // Below the Check row, not between the given numbers and the fields: it is added as the
    // question starts, which can be on a tap that lands on a field, and a box put above the
    // fields would move that field from under the finger (quiz.js then drops the tap's click).
    belowCheckRow(section, box);
  }
  if (!drawable(spec)) return null;

  const row = make("div", { class: "qk-live-numbers" });
  const again = make("button", { type: "button", class: "md-button qk-new-numbers" }, "New numbers");
  const original = make("button", { type: "button", class: "md-button qk-original-numbers", hidden: "" }, "Original numbers");
  const status = make("p", { class: "qk-live-status", role: "status", "aria-live": "polite" });
  row.append(again, original, status);
  belowCheckRow(section, row); // above the graph

  function apply(numbers) {
    section.dispatchEvent(new CustomEvent("quizkit:values", { detail: { values: numbers.values, params: numbers.params } }));
    currentGraph = numbers.graph || currentGraph;
    if (view && numbers.graph) view.update(numbers.graph);
  }

  async function redraw(seed) {
    const runtime = getRuntime();
    again.disabled = true;
    const follow = (event) => {
      if (event.detail.status.startsWith("loading")) status.textContent = `${event.detail.message} (needed once, for new numbers)`;
    };
    runtime.addEventListener("status", follow);
    status.textContent = runtime.usable ? "Computing new numbers…" : "Starting Python for new numbers…";
    try {
      const numbers = await liveNumbers(runtime, spec, seed);
      // A fallback while the original numbers show changes nothing: keep the learner's work.
      if (!(numbers.fallback && original.hidden)) apply(numbers);
      writeAddress(section, seed);
      // At the bank's own numbers "Original numbers" would change nothing.
      original.hidden = numbers.fallback;
      const shown = Object.entries(numbers.params).map(([k, v]) => `${k} = ${v}`).join(", ");
      status.textContent = numbers.fallback
        ? `Seed ${seed} gives no new numbers that suit this exercise, so these are the original numbers: ${shown}.`
        : `New numbers (seed ${seed}): ${shown}. The engine recomputed every value.`;
    } catch (error) {
      const why = runtime.status.status === "error" ? runtime.status.message : error.message;
      status.textContent = `New numbers are not available: ${why} The printed numbers still work.`;
    } finally {
      runtime.removeEventListener("status", follow);
      again.disabled = false;
    }
  }

  again.addEventListener("click", () => redraw(1 + Math.floor(Math.random() * MAX_SEED)));
  original.addEventListener("click", () => {
    apply({ values: payload.values, params: printedParams(spec), graph: payload.graph });
    writeAddress(section, null);
    original.hidden = true;
    status.textContent = "Back to the original numbers.";
  });
  const seed = seedFromAddress(section);
  if (seed !== null) redraw(seed);
  else if (restoredSeed !== null) {
    original.hidden = false;
    status.textContent = `Your saved numbers (seed ${restoredSeed}) are shown.`;
  }
  return row;
}

let listening = false;
// The current page view's onLater (instant navigation replaces it with the next page's).
let laterRow = () => {};

/**
 * Enhance every running numeric_trace item under `scope` (idempotent); returns the "New
 * numbers" rows added, and hands each row added later to `onLater` (the elements whose
 * visibility may prefetch Python). quiz.js fires "quizkit:ready" when it starts an item, which
 * on a long page is when the reader comes near it; items started before this module ran are
 * found by their data-qk-ready mark.
 */
export function initNumericTraces(scope, getRuntime, onLater = () => {}) {
  laterRow = onLater;
  if (!listening) {
    listening = true;
    document.addEventListener("quizkit:ready", (event) => {
      const section = event.target;
      if (section.dataset && section.dataset.qkKind === "numeric_trace" && !("qkLive" in section.dataset)) {
        const row = mount(section, getRuntime);
        if (row) laterRow(row);
      }
    });
  }
  const ready = scope.querySelectorAll('.qk-item[data-qk-kind="numeric_trace"][data-qk-ready]:not([data-qk-live])');
  return [...ready].map((section) => mount(section, getRuntime)).filter(Boolean);
}
