// Runnable cells: each `python runnable` block of a lesson (rendered by
// quizkit/mkdocs/runnable.py as a highlighted code block inside <div data-qk-cell>) becomes an
// editor with Run, Stop and Reset and an output area. Without JavaScript the highlighted code
// block is all there is. Output is always inserted as text, never parsed as HTML.
// Each show_graph(t) call of a run (quizkit.backprop.tracing) is drawn below the output, in
// call order, by the graph view (graph-view.js); a new run replaces them when it ends (until
// then they stay, dimmed, so the page does not jump), and a graph whose structure is
// unchanged keeps the step the learner had reached.

import { make } from "./dom.js";
import { decodeBase64 } from "./quiz-payload.js";

const OUTPUT_SHOWN = 200_000; // characters kept on screen per run
const INDENT = "    ";
const WAITING = "Waiting for the code that is running before it to finish…";
let cellCount = 0;
// Edited code survives a reload: kept in localStorage per page and per original code (an
// edit of code the lesson has since changed no longer applies, and is dropped).
const EDITS_KEY = "backprop-lab:cell-edits:v1";
const MAX_EDIT = 20_000; // characters kept per cell
const MAX_EDITS = 200; // cells remembered across the course; the oldest go first
const UNDO_MS = 60_000;

/** FNV-1a: a short, stable name for a cell's original code. */
function hash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(36);
}

function readEdits() {
  try {
    const data = JSON.parse(window.localStorage.getItem(EDITS_KEY) || "{}");
    return data && typeof data === "object" && !Array.isArray(data) ? data : {};
  } catch (error) {
    return {}; // unreadable or no storage: nothing to restore
  }
}

/** Keep (or with `code` null, forget) a cell's edit; false when storage refused it. */
function writeEdit(key, code) {
  const edits = readEdits();
  delete edits[key];
  if (code !== null) edits[key] = { code: code.slice(0, MAX_EDIT), at: Date.now() };
  const keys = Object.keys(edits).sort((a, b) => edits[a].at - edits[b].at);
  for (const old of keys.slice(0, Math.max(0, keys.length - MAX_EDITS))) delete edits[old];
  try {
    window.localStorage.setItem(EDITS_KEY, JSON.stringify(edits));
    return true;
  } catch (error) {
    return false;
  }
}

// -- the editor: a textarea that indents like a code editor --------------------------------------

function insert(textarea, text) {
  // execCommand keeps the browser's undo history; setRangeText is the fallback.
  textarea.focus();
  if (!document.execCommand || !document.execCommand("insertText", false, text)) {
    textarea.setRangeText(text, textarea.selectionStart, textarea.selectionEnd, "end");
    textarea.dispatchEvent(new Event("input"));
  }
}

function lineStart(value, index) {
  return value.lastIndexOf("\n", index - 1) + 1;
}

/** Indent (or with `outdent`, unindent) every line the selection touches. */
function shiftLines(textarea, outdent) {
  const { value, selectionStart, selectionEnd } = textarea;
  const start = lineStart(value, selectionStart);
  const end = selectionEnd > selectionStart && value[selectionEnd - 1] === "\n" ? selectionEnd - 1 : selectionEnd;
  const lines = value.slice(start, end).split("\n");
  const changed = lines.map((line) => {
    if (!outdent) return INDENT + line;
    const spaces = line.match(/^ {0,4}/)[0].length;
    return line.slice(spaces);
  });
  textarea.setSelectionRange(start, end);
  insert(textarea, changed.join("\n"));
  textarea.setSelectionRange(start, start + changed.join("\n").length);
}

function fitRows(textarea) {
  const lines = textarea.value.replace(/\n$/, "").split("\n").length;
  textarea.rows = Math.min(Math.max(lines, 3), 30);
}

function wireEditor(textarea, run) {
  let escaped = false;
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      // The next Tab leaves the editor instead of indenting: keyboard users are never trapped.
      escaped = true;
      return;
    }
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      run();
      return;
    }
    if (event.key === "Tab" && !escaped && !event.altKey && !event.ctrlKey && !event.metaKey) {
      event.preventDefault();
      const multiLine = textarea.value.slice(textarea.selectionStart, textarea.selectionEnd).includes("\n");
      if (event.shiftKey || multiLine) shiftLines(textarea, event.shiftKey);
      else insert(textarea, INDENT.slice((textarea.selectionStart - lineStart(textarea.value, textarea.selectionStart)) % 4));
      return;
    }
    if (event.key === "Enter" && !event.shiftKey && !event.altKey) {
      // Keep the current line's indentation, one level deeper after a colon.
      const { value, selectionStart } = textarea;
      const line = value.slice(lineStart(value, selectionStart), selectionStart);
      const indent = line.match(/^\s*/)[0] + (/:\s*$/.test(line) ? INDENT : "");
      event.preventDefault();
      insert(textarea, `\n${indent}`);
    }
    escaped = false;
  });
  textarea.addEventListener("input", () => fitRows(textarea));
}

// -- one cell ----------------------------------------------------------------------------------------

function mountCell(root, getRuntime) {
  const original = decodeBase64(root.dataset.qkCode);
  const number = ++cellCount;
  const base = `qk-cell-${number}`;
  root.dataset.qkReady = "";
  root.classList.add("qk-cell-live");
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", "Runnable Python code");

  const textarea = make("textarea", {
    class: "qk-cell-editor",
    id: `${base}-code`,
    spellcheck: "false",
    autocapitalize: "off",
    autocomplete: "off",
    "aria-label": "Python code (editable)",
    "aria-describedby": `${base}-keys`,
  });
  const editKey = `${window.location.pathname}#${hash(original)}`;
  const saved = readEdits()[editKey];
  textarea.value = saved && typeof saved.code === "string" ? saved.code : original;
  fitRows(textarea);
  const keys = make(
    "p",
    { class: "qk-cell-keys", id: `${base}-keys` },
    "Tab indents, Shift+Tab unindents, Escape then Tab leaves the editor, Ctrl+Enter runs.",
  );
  const run = make("button", { type: "button", class: "md-button md-button--primary qk-cell-run" }, "Run");
  const stop = make("button", { type: "button", class: "md-button qk-cell-stop", disabled: "" }, "Stop");
  const reset = make("button", { type: "button", class: "md-button qk-cell-reset" }, "Reset");
  const status = make("p", { class: "qk-cell-status", role: "status", "aria-live": "polite" });
  const output = make("pre", {
    class: "qk-cell-output",
    role: "log", // streamed output; also lets the scrollable box carry a name
    tabindex: "0",
    "aria-label": "Output",
    hidden: "",
  });
  const undo = make("button", { type: "button", class: "md-button qk-cell-undo", hidden: "" }, "Undo reset");
  const toolbar = make("div", { class: "qk-cell-toolbar" });
  toolbar.append(run, stop, reset, undo, status);
  const graphs = make("div", { class: "qk-cell-graphs", hidden: "" });

  const staticBlock = [...root.children];
  for (const child of staticBlock) child.hidden = true;
  root.append(textarea, keys, toolbar, output, graphs);

  let pending = null; // {controller} while this cell's run is queued or running
  let shown = 0;
  let drawn = []; // the last run's graphs, by call: {figure, view, shape} (see drawGraphs)

  function write(text, className) {
    if (shown >= OUTPUT_SHOWN) return;
    const part = text.slice(0, OUTPUT_SHOWN - shown);
    shown += part.length;
    output.hidden = false;
    const span = make("span", className ? { class: className } : {});
    span.textContent = part; // text, never HTML
    output.append(span);
    if (shown >= OUTPUT_SHOWN) output.append(make("span", { class: "qk-cell-note" }, "\n[output truncated]\n"));
  }

  function say(text) {
    status.textContent = text;
  }
  if (textarea.value !== original) say("Your edited code is back. Reset brings back the original.");

  let saveTimer = null;
  textarea.addEventListener("input", () => {
    clearTimeout(saveTimer);
    saveTimer = setTimeout(() => {
      const kept = writeEdit(editKey, textarea.value === original ? null : textarea.value);
      if (!kept) say("Your edits are not saved: this browser's storage is full or disabled.");
      else if (textarea.value.length > MAX_EDIT) say(`Only the first ${MAX_EDIT} characters are saved.`);
    }, 300);
  });

  async function start() {
    if (pending) return;
    const runtime = getRuntime();
    const controller = new AbortController();
    pending = { controller };
    output.replaceChildren();
    output.hidden = true;
    // The old graphs stay until the new ones are drawn, marked as old and out of reach.
    if (!graphs.hidden) {
      graphs.classList.add("qk-cell-graphs-stale");
      graphs.inert = true;
      graphs.prepend(make("p", { class: "qk-cell-graphs-stale-note" }, "Graphs from the previous run, replaced when this run ends:"));
    }
    shown = 0;
    run.disabled = true;
    stop.disabled = false;
    root.classList.add("qk-cell-running");
    // Until the runtime starts this code (onStart), say what it waits for: Python to start,
    // or the code that is running now (one run at a time, in order).
    const follow = (event) => {
      if (event.detail.status.startsWith("loading")) say(event.detail.message);
      else if (runtime.usable) say(WAITING);
    };
    runtime.addEventListener("status", follow);
    if (!runtime.usable) {
      say(runtime.status.status.startsWith("loading") ? runtime.status.message : "Starting Python…");
    } else if (runtime.busy) {
      say(WAITING);
    }
    let started = performance.now();
    let result;
    try {
      result = await runtime.run(textarea.value, {
        onStart: () => {
          runtime.removeEventListener("status", follow);
          started = performance.now();
          say("Running…");
        },
        onStdout: (text) => write(text),
        onStderr: (text) => write(text, "qk-cell-stderr"),
        signal: controller.signal,
      });
    } finally {
      runtime.removeEventListener("status", follow);
      pending = null;
      run.disabled = false;
      stop.disabled = true;
      root.classList.remove("qk-cell-running");
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    // The graph view's module is loaded the first time a run has a graph to draw; if it cannot
    // be (offline without the course kept, a deploy in between), each graph says so.
    const views = result.graphs.some((payload) => payload.graph) ? await import("./graph-view.js").catch(() => null) : null;
    drawn = drawGraphs(graphs, result.graphs, drawn, views?.mountGraphView);
    const told = graphWords(result.graphs);
    if (result.ok) {
      if (!shown) write("(no output)", "qk-cell-note");
      say(`Finished in ${seconds} s.${told}`);
    } else if (result.stopped) {
      write(`${shown ? "\n" : ""}${result.error}\n`, "qk-cell-note");
      say(`${result.error}${told}`);
    } else {
      write(`${shown ? "\n" : ""}${result.error}`, "qk-cell-error");
      const problem = runtime.status.status === "error" ? ` ${runtime.status.message}` : "";
      say(`The code raised an error (shown in the output).${problem}${told}`);
    }
    root.dispatchEvent(new CustomEvent("quizkit:cell-done", { bubbles: true, detail: { ok: result.ok } }));
  }

  wireEditor(textarea, start);
  run.addEventListener("click", start);
  stop.addEventListener("click", () => {
    if (pending) pending.controller.abort();
  });
  let undoTimer = null;
  reset.addEventListener("click", () => {
    const edited = textarea.value;
    if (edited === original) {
      say("The code is already the original.");
      return;
    }
    textarea.value = original;
    fitRows(textarea);
    writeEdit(editKey, null);
    // Reset is one click from losing work: it can be undone for a minute.
    undo.hidden = false;
    undo.onclick = () => {
      textarea.value = edited;
      fitRows(textarea);
      writeEdit(editKey, edited);
      undo.hidden = true;
      say("Your edited code is back.");
      textarea.focus();
    };
    clearTimeout(undoTimer);
    undoTimer = setTimeout(() => {
      undo.hidden = true;
    }, UNDO_MS);
    say("The code is back to the original. Undo reset brings your edits back.");
  });
  return root;
}

/** What a run's graphs add to the status line (screen readers hear nothing else of them). */
function graphWords(payloads) {
  const drawn = payloads.filter((p) => p.graph).length;
  const big = payloads.filter((p) => !p.graph && !p.skipped).length;
  const parts = [];
  if (drawn) parts.push(`${drawn} ${drawn === 1 ? "graph" : "graphs"} drawn below the output.`);
  if (big) parts.push(`${big === 1 ? "A graph is" : `${big} graphs are`} too large to draw: see below the output.`);
  return parts.length ? ` ${parts.join(" ")}` : "";
}

/** A graph's structure: a new run's graph with the same one keeps the view's step. */
function shapeOf(graph) {
  return JSON.stringify(graph.nodes.map((n) => [n.op, n.label, n.parents]));
}

/**
 * Draw each show_graph payload ({root, nodes, limit, graph, message, note, call, calls}) into
 * `box`: the graph view, or the payload's message when there is nothing to draw (too many
 * nodes, or calls left out). `previous` is what the last run drew (its return value): a
 * graph of the same structure at the same place reuses that view, so the step is kept.
 * With more than two graphs (show_graph in a loop), all but the first and last are folded
 * away. Every word comes from the payload or the view, inserted as text. `mountGraphView` is
 * graph-view.js's, loaded by the caller when some payload has a graph to draw (null when it
 * could not be loaded).
 */
function drawGraphs(box, payloads, previous, mountGraphView) {
  const count = payloads.filter((p) => p.graph || !p.skipped).length;
  const wasOpen = box.querySelector(".qk-cell-graphs-more")?.open ?? false;
  box.replaceChildren();
  box.classList.remove("qk-cell-graphs-stale");
  box.inert = false;
  const drawn = [];
  const figures = payloads.map((payload, i) => {
    if (payload.skipped) {
      const figure = make("section", { class: "qk-cell-graph", "aria-label": "show_graph calls not drawn" });
      figure.append(make("p", { class: "qk-cell-graph-message" }, payload.message));
      return figure;
    }
    const name = payload.calls > 1 ? `show_graph(${payload.root}), call ${payload.call} of ${payload.calls}` : `show_graph(${payload.root})`;
    const label = `Graph ${i + 1} of ${count}`;
    if (!payload.graph || !mountGraphView) {
      const figure = make("section", { class: "qk-cell-graph", "aria-label": label });
      const message = payload.graph ? "This graph cannot be drawn: the page's graph viewer did not load. Reload the page to try again." : payload.message;
      figure.append(make("p", { class: "qk-cell-graph-message" }, message));
      return figure;
    }
    const shape = shapeOf(payload.graph);
    const old = previous[i];
    let entry;
    if (old && old.shape === shape) {
      old.view.update(payload.graph, { name, note: payload.note });
      old.figure.setAttribute("aria-label", label);
      entry = old;
    } else {
      const figure = make("section", { class: "qk-cell-graph", "aria-label": label });
      const view = mountGraphView(figure, payload.graph, { name, note: payload.note });
      entry = { figure, view, shape };
    }
    drawn[i] = entry;
    return entry.figure;
  });
  const graphAt = payloads.map((p, i) => (p.graph ? i : -1)).filter((i) => i >= 0);
  if (graphAt.length > 2) {
    // Everything between the first graph and the last, folded.
    const [first, last] = [graphAt[0], graphAt.at(-1)];
    const folded = graphAt.slice(1, -1);
    const more = make("details", { class: "qk-cell-graphs-more" });
    more.open = wasOpen;
    const calls = folded.map((i) => payloads[i].call);
    const which = calls.length === 1 ? `1 more graph (call ${calls[0]})` : `${calls.length} more graphs (calls ${calls[0]} to ${calls.at(-1)})`;
    more.append(make("summary", {}, which));
    more.append(...figures.slice(first + 1, last));
    box.append(figures[first], more, ...figures.slice(last));
  } else {
    box.append(...figures);
  }
  box.hidden = payloads.length === 0;
  return drawn;
}

/** Mount every not-yet-mounted cell under `scope`; returns the new cells (idempotent). */
export function initCells(scope, getRuntime) {
  return [...scope.querySelectorAll("[data-qk-cell]:not([data-qk-ready])")].map((root) =>
    mountCell(root, getRuntime),
  );
}
