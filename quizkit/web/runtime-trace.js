// Live trace exercises: adds to every numeric_trace quiz item (quiz-numeric-trace.js)
//  * the computation graph with its step-through (trace-view.js), drawn from the build-time
//    graph at once, without Python;
//  * "New numbers": draws new parameters with the engine (worksheet.draw, seeded), has the
//    engine recompute every quantity and mistake (worksheet.evaluate) and hands the values to
//    the widget through its documented "quizkit:values" event; "Original numbers" goes back.
// The seed is written to the address (?seed=N#qk-<item id>), so the numbers can be shared;
// opening such an address draws the same numbers again.
import { make } from "./dom.js";
import { itemPayload } from "./quiz-payload.js";
import { mountTraceView } from "./trace-view.js";

const SEED_PARAM = "seed";
const MAX_SEED = 2 ** 31 - 1;

function fixedParams(spec) {
  return Object.fromEntries(Object.entries(spec.params).map(([name, p]) => [name, p.value]));
}

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

/**
 * New numbers for one trace item: draw params for `seed`, evaluate the item's expressions
 * and graph at them. Resolves {params, values, graph}.
 */
export async function liveNumbers(runtime, spec, seed) {
  const params = await runtime.draw(spec.params, seed);
  const result = await runtime.evaluate({ code: spec.code, params, values: spec.expressions, root: spec.root });
  return { params, values: result.values, graph: result.graph };
}

function mount(section, getRuntime) {
  section.dataset.qkLive = "";
  const payload = itemPayload(section);
  const spec = payload.spec;
  const form = section.querySelector(".qk-form") || section;
  let view = null;
  let currentGraph = payload.graph;

  if (payload.graph) {
    const box = make("details", { class: "qk-trace-graph" });
    box.append(make("summary", {}, "Show the computation graph, step by step"));
    const body = make("div", { class: "qk-trace-graph-body" });
    box.append(body);
    box.addEventListener("toggle", () => {
      if (box.open && !view) view = mountTraceView(body, currentGraph, { name: section.dataset.qkId });
    });
    const params = section.querySelector(".qk-params");
    (params || form).after(box);
  }
  if (!drawable(spec)) return null;

  const row = make("div", { class: "qk-live-numbers" });
  const again = make("button", { type: "button", class: "md-button qk-new-numbers" }, "New numbers");
  const original = make("button", { type: "button", class: "md-button qk-original-numbers", hidden: "" }, "Original numbers");
  const status = make("p", { class: "qk-live-status", role: "status", "aria-live": "polite" });
  row.append(again, original, status);
  const actions = section.querySelector(".qk-actions");
  if (actions) actions.after(row);
  else form.append(row);

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
      apply(numbers);
      writeAddress(section, seed);
      original.hidden = false;
      const shown = Object.entries(numbers.params).map(([k, v]) => `${k} = ${v}`).join(", ");
      status.textContent = `New numbers (seed ${seed}): ${shown}. The engine recomputed every value.`;
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
    apply({ values: payload.values, params: fixedParams(spec), graph: payload.graph });
    writeAddress(section, null);
    original.hidden = true;
    status.textContent = "Back to the original numbers.";
  });
  const seed = seedFromAddress(section);
  if (seed !== null) redraw(seed);
  return row;
}

let listening = false;

/**
 * Enhance every running numeric_trace item under `scope` (idempotent); returns the "New
 * numbers" rows added (the elements whose visibility may prefetch Python).
 * quiz.js fires "quizkit:ready" when it mounts an item; items mounted before this module
 * ran are found by their data-qk-ready mark.
 */
export function initTraces(scope, getRuntime) {
  if (!listening) {
    listening = true;
    document.addEventListener("quizkit:ready", (event) => {
      const section = event.target;
      if (section.dataset && section.dataset.qkKind === "numeric_trace" && !("qkLive" in section.dataset)) {
        mount(section, getRuntime);
      }
    });
  }
  const ready = scope.querySelectorAll('.qk-item[data-qk-kind="numeric_trace"][data-qk-ready]:not([data-qk-live])');
  return [...ready].map((section) => mount(section, getRuntime)).filter(Boolean);
}
