// The graph view: a computation graph from quizkit.backprop's trace(...).to_dict() drawn as
// an SVG, with a step-through of the forward pass (node by node, values) and then the
// backward pass (node by node, each local derivative and what it sends to each input).
// Where each box goes is graph-layout.js's (a pure function); this module draws and steps.
//
//   import { mountGraphView } from "./graph-view.js";
//   const view = mountGraphView(container, graph, { name: "Worked example" });
//   view.update(newGraph);   // after "New numbers": same steps, new numbers
//
// graph = {nodes: [{id, op, label, value, grad, parents: [ids], local?: [numbers]}], root,
// grad_of}, exactly quizkit.backprop.tracing's Trace.to_dict(), whether it was computed at
// build time (trace exercises), by the worker ("New numbers") or by show_graph in a cell.
// `local` (d node / d parent, one per parent) comes from the engine's own backward code.
// `grad_of` names what the gradients are derivatives of (the root, when the backward pass
// started there); null means no backward pass started at the root. Without gradients the
// view steps through the forward pass only. `options.note` (show_graph's) is shown as is.
// An operation on arrays has no `local` numbers but `rules` (one per parent, "dW = Xᵀ · dZ"):
// the narration quotes them; every word of a rule is Python's.
import { make, makeSvg } from "./dom.js";
import { NODE_H, NODE_W, PAD, layout } from "./graph-layout.js";
import { formatNumber } from "./quiz-check.js";

// Arrowheads are drawn this size (px) whatever the edge's width, and an edge's local
// derivative ends LABEL_GAP px before its arrowhead, on the edge's last, straight stretch.
const ARROW = 9;
const LABEL_GAP = 4;
const EDGE_SPREAD = 16; // px between the ends of edges into one node: a label's height
// Arrays up to this many entries are written out in the narration, tooltips and table (a
// 2×3 · 3×2 product's operands have 6); a box only has room for the shape.
const SMALL_ARRAY = 12;
const ARRAY_DIGITS = 3;
// Widths of an average character of a box's label (13px bold) and operation (11.5px): a label
// is cut with "…" where it would run into the operation's name.
const LABEL_CHAR = 7.8;
const OP_CHAR = 6.4;
let viewCount = 0;

function shapeOf(value) {
  const shape = [];
  for (let v = value; Array.isArray(v); v = v[0]) shape.push(v.length);
  return shape;
}

/**
 * A number, "nan"/"inf" (as the engine writes non-finite values) or an array: written out
 * ("[[1, 2], [3, 4]]", entries to 3 significant digits) when it has at most SMALL_ARRAY
 * entries, else its shape. `short` gives the shape of any array (a box's room).
 */
export function formatValue(value, { short = false } = {}) {
  if (value === null || value === undefined) return "—";
  if (typeof value === "number") return formatNumber(value);
  if (typeof value === "string") return value;
  const flat = value.flat(Infinity);
  if (flat.length === 1) return formatValue(flat[0]);
  const shape = `array ${shapeOf(value).join("×")}`;
  if (short || flat.length > SMALL_ARRAY || flat.length === 0) return shape;
  const entry = (v) => (typeof v === "number" ? formatNumber(Number(v.toPrecision(ARRAY_DIGITS))) : String(v));
  const write = (v) => (Array.isArray(v) ? `[${v.map(write).join(", ")}]` : entry(v));
  return write(value);
}

/** A box's label, cut with "…" where it would reach the operation's name on its right. */
export function fitLabel(label, opText) {
  const room = NODE_W - 16 - (opText ? opText.length * OP_CHAR + 6 : 0);
  const chars = Math.max(3, Math.floor(room / LABEL_CHAR));
  return label.length <= chars ? label : `${label.slice(0, chars - 1)}…`;
}

/** The word a box shows right of its label: the operation, "input", or nothing when the label is it. */
function opText(n) {
  if (!n.parents.length) return "input";
  const unnamed = n.named === undefined ? n.label === n.op : !n.named;
  return unnamed ? "" : n.op;
}

function asNumber(value) {
  if (typeof value === "number") return value;
  if (Array.isArray(value)) {
    const flat = value.flat(Infinity);
    return flat.length === 1 && typeof flat[0] === "number" ? flat[0] : null;
  }
  return null;
}

// -- steps -------------------------------------------------------------------------------------------

/** Local derivative of `node` with respect to its i-th parent, or null when unknown. */
export function localDerivative(node, i) {
  return node.local ? asNumber(node.local[i]) : null;
}

/** What the gradients are derivatives of: the root's label, or null (the pass began elsewhere). */
function gradOf(graph, rootLabel) {
  return graph.grad_of === undefined ? rootLabel : graph.grad_of;
}

/** How the gradient of `label` is written: ∂root/∂label, or in words when the pass began elsewhere. */
function gradientOf(graph, rootLabel, label) {
  const of = gradOf(graph, rootLabel);
  return of === null ? `the gradient of ${label}` : `∂${of}/∂${label}`;
}

/** The short prefix of a node's gradient in its box: "∂L" or "grad". */
function gradientPrefix(graph, rootLabel) {
  const of = gradOf(graph, rootLabel);
  return of === null ? "grad" : `∂${of}`;
}

/** The step-through script: every forward step, then every backward step. */
export function steps(graph) {
  const nodes = graph.nodes;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const label = (id) => byId.get(id).label;
  const rootId = graph.root ?? nodes[nodes.length - 1].id;
  const root = label(rootId);
  const d = (name) => gradientOf(graph, root, name);
  const script = [];
  for (const n of nodes) {
    const value = formatValue(n.value);
    const call = `${n.op}(${n.parents.map(label).join(", ")})`;
    // An unnamed result is labelled by its operation already: "mul = mul(w, x)" says it twice.
    const text = !n.parents.length
      ? `Forward: ${n.label} is an input, with value ${value}.`
      : n.label === n.op
        ? `Forward: ${call} = ${value}.`
        : `Forward: ${n.label} = ${call} = ${value}.`;
    script.push({ phase: "forward", node: n.id, text });
  }
  const rootGrad = byId.get(rootId).grad;
  if (rootGrad === null) return script; // no backward pass yet: nothing to step back through
  script.push({
    phase: "backward",
    node: rootId,
    start: true,
    text: graph.grad_of === null
      ? `Backward: start at ${root}, whose gradient from the backward pass is ${formatValue(rootGrad)}.`
      : `Backward: start at ${root} with ${d(root)} = 1.`,
  });
  for (const n of [...nodes].reverse()) {
    if (!n.parents.length || n.grad === null) continue;
    script.push({ phase: "backward", node: n.id, text: backwardText(graph, byId, root, n) });
  }
  return script;
}

const ORDINALS = ["first", "second", "third"];

/**
 * A backward step's narration: the node's gradient, then what each input receives: the
 * local derivative times the gradient (one-number nodes), the rule from Python (arrays),
 * and which use it is when an input is used more than once (x * x).
 */
function backwardText(graph, byId, root, n) {
  const d = (name) => gradientOf(graph, root, name);
  const grad = asNumber(n.grad);
  let ruled = false;
  const parts = n.parents.map((p, i) => {
    const parent = byId.get(p);
    const uses = n.parents.filter((q) => q === p).length;
    const nth = n.parents.slice(0, i + 1).filter((q) => q === p).length;
    const who = uses > 1 ? `${parent.label} (${ORDINALS[nth - 1] ?? `use ${nth}`} use)` : parent.label;
    if (parent.grad === null) return `${parent.label} is a constant and needs no gradient`;
    const local = localDerivative(n, i);
    if (local === null) {
      const rule = n.rules ? n.rules[i] : null;
      if (rule) {
        ruled = true;
        return `${who} receives ${rule}`;
      }
      return `${who} receives its share of the gradient (this operation's rule is not shown)`;
    }
    const sent = grad === null ? "" : ` = ${formatValue(grad * local)}`;
    return `local derivative ∂${n.label}/∂${parent.label} = ${formatValue(local)}, so ${who} receives ${formatValue(n.grad)} × ${formatValue(local)}${sent}`;
  });
  const notation = ruled
    ? ` (d${n.label} means ${d(n.label)}, and so on for the other names; ⊙ multiplies entry by entry.)`
    : "";
  const unique = [...new Set(parts)]; // x * x with x a constant: say it once
  return `Backward through ${n.label} (${n.op}), where ${d(n.label)} = ${formatValue(n.grad)}: ${unique.join("; ")}.${notation}`;
}

// -- the view ----------------------------------------------------------------------------------------

/**
 * Draw `graph` into `container` with step-through controls; returns {update(graph), element}.
 * `options.name` names the graph in its summary; `options.note` is shown above it.
 */
export function mountGraphView(container, graph, options = {}) {
  options = { ...options };
  const id = `qk-tv-${++viewCount}`;
  const root = make("div", { class: "qk-trace-view", id });
  const summary = make("p", { class: "qk-tv-summary", id: `${id}-summary` });
  const note = make("p", { class: "qk-tv-note", hidden: "" });
  // The scroll area is focusable (keyboard scrolling), so it needs a name: the summary's.
  const scroller = make("div", { class: "qk-tv-scroll", tabindex: "0", role: "group", "aria-labelledby": `${id}-summary` });
  const controls = make("div", { class: "qk-tv-controls" });
  const restart = make("button", { type: "button", class: "md-button qk-tv-restart" }, "Start over");
  const back = make("button", { type: "button", class: "md-button qk-tv-back" }, "Previous step");
  const next = make("button", { type: "button", class: "md-button md-button--primary qk-tv-next" }, "Next step");
  const all = make("button", { type: "button", class: "md-button qk-tv-all" }, "Show all");
  const counter = make("span", { class: "qk-tv-counter" });
  controls.append(restart, back, next, all, counter);
  const narration = make("p", { class: "qk-tv-narration", "aria-live": "polite" });
  const tableBox = make("details", { class: "qk-tv-table" });
  tableBox.append(make("summary", {}, "The graph as a table"));
  // The narration grows and shrinks from step to step: below the drawing, it never moves it.
  root.append(summary, note, controls, scroller, narration, tableBox);
  container.append(root);

  let state = null; // {graph, script, shapes, step}

  function build(g) {
    const geometry = layout(g);
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    const script = steps(g);
    const drawing = makeSvg("svg", {
      class: "qk-tv-svg",
      width: geometry.width,
      height: geometry.height,
      viewBox: `0 0 ${geometry.width} ${geometry.height}`,
      role: "img",
      // Not the summary again (the group around it already says it).
      "aria-label": "Drawing of the graph; the table below lists the same nodes",
    });
    const defs = makeSvg("defs");
    const marker = makeSvg("marker", {
      id: `${id}-arrow`, viewBox: "0 0 10 10", refX: "10", refY: "5", markerUnits: "userSpaceOnUse",
      markerWidth: ARROW, markerHeight: ARROW, orient: "auto-start-reverse",
    }); // prettier-ignore
    marker.append(makeSvg("path", { d: "M 0 0 L 10 5 L 0 10 z", class: "qk-tv-arrowhead" }));
    defs.append(marker);
    drawing.append(defs);
    const edges = new Map(); // node id -> [{parent, path, label}]
    const edgeLayer = makeSvg("g", { class: "qk-tv-edges" });
    for (const n of g.nodes) {
      const to = geometry.position.get(n.id);
      edges.set(n.id, n.parents.map((p, i) => {
        const from = geometry.position.get(p);
        const x1 = from.x + NODE_W, y1 = from.y + NODE_H / 2 + (i - (n.parents.length - 1) / 2) * 4;
        const x2 = to.x, y2 = to.y + NODE_H / 2 + (i - (n.parents.length - 1) / 2) * EDGE_SPREAD;
        const mid = (x1 + x2) / 2;
        const path = makeSvg("path", {
          d: `M ${x1} ${y1} C ${mid} ${y1}, ${mid} ${y2}, ${x2 - 1} ${y2}`,
          class: "qk-tv-edge", "marker-end": `url(#${id}-arrow)`,
        }); // prettier-ignore
        // On the line (a halo in CSS hides the line behind it), clear of the arrowhead.
        const text = makeSvg("text", {
          x: x2 - 1 - ARROW - LABEL_GAP, y: y2, class: "qk-tv-local", "text-anchor": "end", "dominant-baseline": "central",
        }); // prettier-ignore
        edgeLayer.append(path, text);
        return { parent: p, index: i, path, text };
      })); // prettier-ignore
    }
    drawing.append(edgeLayer);
    const shapes = new Map();
    for (const n of g.nodes) {
      const { x, y } = geometry.position.get(n.id);
      const group = makeSvg("g", { class: "qk-tv-node", transform: `translate(${x} ${y})`, "data-node": n.id });
      const title = makeSvg("title"); // the full label, value and gradient
      const op = opText(n);
      group.append(
        title,
        makeSvg("rect", { width: NODE_W, height: NODE_H, rx: 8, class: "qk-tv-box" }),
        makeSvg("text", { x: 8, y: 18, class: "qk-tv-label" }, fitLabel(n.label, op)),
        makeSvg("text", { x: NODE_W - 8, y: 18, class: "qk-tv-op", "text-anchor": "end" }, op),
      );
      const value = makeSvg("text", { x: 8, y: 38, class: "qk-tv-value" });
      const grad = makeSvg("text", { x: 8, y: 56, class: "qk-tv-grad" });
      group.append(value, grad);
      drawing.append(group);
      shapes.set(n.id, { group, title, value, grad });
    }
    scroller.replaceChildren(drawing);
    const name = options.name ? `${options.name}: ` : "";
    summary.textContent = `${name}computation graph of ${byId.get(g.root ?? g.nodes.at(-1).id).label}, ${g.nodes.length} nodes, inputs on the left.`;
    note.textContent = options.note || "";
    note.hidden = !options.note;
    table(g);
    return { graph: g, byId, geometry, script, shapes, edges };
  }

  function table(g) {
    const byId = new Map(g.nodes.map((n) => [n.id, n]));
    const t = make("table");
    const head = make("tr");
    // The boxes follow the steps; the table is the finished computation.
    for (const h of ["Node", "Operation", "Inputs", "Value", "Gradient (after the backward pass)"]) head.append(make("th", { scope: "col" }, h));
    t.append(make("thead"), make("tbody"));
    t.tHead.append(head);
    for (const n of g.nodes) {
      const tr = make("tr");
      const cells = [n.label, n.parents.length ? n.op : "input", n.parents.map((p) => byId.get(p).label).join(", ") || "—",
        formatValue(n.value), n.grad === null ? "none (constant)" : formatValue(n.grad)]; // prettier-ignore
      for (const c of cells) tr.append(make("td", {}, c));
      t.tBodies[0].append(tr);
    }
    tableBox.querySelector("table")?.remove();
    tableBox.append(t);
  }

  /** Show the graph as it stands after `step` steps (0: nothing computed yet). */
  function render(step) {
    const { graph: g, script, shapes, edges, byId } = state;
    state.step = step;
    const rootId = g.root ?? g.nodes.at(-1).id;
    const rootLabel = byId.get(rootId).label;
    const prefix = gradientPrefix(g, rootLabel);
    const done = script.slice(0, step);
    const forwardDone = new Set(done.filter((s) => s.phase === "forward").map((s) => s.node));
    const backwardDone = done.filter((s) => s.phase === "backward");
    const processed = new Set(backwardDone.filter((s) => !s.start).map((s) => s.node));
    const current = step > 0 ? script[step - 1] : null;
    // Gradient received so far by each node: the sum, over processed consumers, of their
    // gradient times the local derivative (final once every consumer has been processed).
    const received = new Map();
    if (backwardDone.length) received.set(rootId, asNumber(byId.get(rootId).grad) ?? NaN);
    for (const nodeId of processed) {
      const n = byId.get(nodeId);
      const g0 = asNumber(n.grad);
      n.parents.forEach((p, i) => {
        const local = localDerivative(n, i);
        if (byId.get(p).grad === null) return;
        const add = local !== null && g0 !== null ? g0 * local : NaN;
        received.set(p, (received.get(p) ?? 0) + add);
      });
    }
    for (const n of g.nodes) {
      const shape = shapes.get(n.id);
      const known = forwardDone.has(n.id);
      shape.value.textContent = known ? `value ${formatValue(n.value, { short: true })}` : "value ?";
      const consumers = state.geometry.children.get(n.id);
      const final = n.id === rootId ? backwardDone.length > 0 : consumers.length > 0 && consumers.every((c) => processed.has(c) || byId.get(c).grad === null);
      let gradText = "";
      let gradWords = ""; // the same for the tooltip, arrays written out
      if (backwardDone.length) {
        if (n.grad === null) gradText = gradWords = "no gradient";
        else if (final) {
          gradText = `${prefix} ${formatValue(n.grad, { short: true })}`;
          gradWords = `${prefix} ${formatValue(n.grad)}`;
        } else if (received.has(n.id)) {
          const sum = received.get(n.id);
          gradText = gradWords = Number.isNaN(sum) ? `${prefix} …` : `${prefix} ${formatValue(sum)} so far`;
        }
      }
      shape.grad.textContent = gradText;
      const classes = ["qk-tv-node"];
      if (known) classes.push("qk-tv-known");
      if (final && backwardDone.length && n.grad !== null) classes.push("qk-tv-graded");
      if (current && current.node === n.id) classes.push(current.phase === "forward" ? "qk-tv-current-forward" : "qk-tv-current-backward");
      shape.group.setAttribute("class", classes.join(" "));
      const valueWords = known ? `value ${formatValue(n.value)}` : "value not computed yet";
      shape.title.textContent = `${n.label} (${n.parents.length ? n.op : "input"}): ${valueWords}${gradWords ? `, ${gradWords}` : ""}`;
    }
    for (const [nodeId, list] of edges) {
      const n = byId.get(nodeId);
      for (const edge of list) {
        const active = current && current.phase === "backward" && !current.start && current.node === nodeId;
        const local = localDerivative(n, edge.index);
        const show = processed.has(nodeId) && byId.get(edge.parent).grad !== null && local !== null;
        edge.text.textContent = show ? `×${formatValue(local)}` : "";
        edge.path.setAttribute("class", `qk-tv-edge${active ? " qk-tv-edge-active" : ""}${forwardDone.has(nodeId) ? " qk-tv-edge-used" : ""}`);
      }
    }
    narration.textContent = current ? current.text : "Press Next step to compute the graph node by node.";
    if (current) reveal(byId.get(current.node));
    const total = script.length;
    const phase = current ? (current.phase === "forward" ? "forward pass" : "backward pass") : "not started";
    counter.textContent = `Step ${step} of ${total} (${phase})`;
    // A focused button that disables itself would drop the keyboard's focus to the page:
    // hand it to the control that goes the other way first.
    const disabled = new Map([[back, step === 0], [restart, step === 0], [next, step === total], [all, step === total]]);
    for (const [button, off] of disabled) if (!off) button.disabled = false; // focusable first
    if (disabled.get(document.activeElement)) (step === 0 ? next : back).focus();
    for (const [button, off] of disabled) if (off) button.disabled = true;
  }

  /**
   * Scroll the graph sideways (only) so the current node and its inputs (which a backward
   * step sends gradients to) are in view; when they do not fit, the node at the right edge.
   */
  function reveal(n) {
    const { position } = state.geometry;
    const right = position.get(n.id).x + NODE_W;
    const left = Math.min(position.get(n.id).x, ...n.parents.map((p) => position.get(p).x));
    const width = scroller.clientWidth;
    const from = scroller.scrollLeft;
    if (right - left > width) scroller.scrollLeft = right - width;
    else if (left < from) scroller.scrollLeft = left - Math.min(PAD, width - (right - left));
    else if (right > from + width) scroller.scrollLeft = right - width + Math.min(PAD, width - (right - left));
  }

  restart.addEventListener("click", () => render(0));
  back.addEventListener("click", () => render(Math.max(0, state.step - 1)));
  next.addEventListener("click", () => render(Math.min(state.script.length, state.step + 1)));
  all.addEventListener("click", () => render(state.script.length));

  /** Draw `g` instead (same steps kept unless `keepStep` is false); `name`/`note` as in options. */
  function update(g, { keepStep = true, name = options.name, note = options.note } = {}) {
    const step = state && keepStep ? state.step : 0;
    Object.assign(options, { name, note });
    state = build(g);
    render(Math.min(step, state.script.length));
  }

  update(graph, { keepStep: false });
  return { element: root, update, get step() { return state.step; }, show: render }; // prettier-ignore
}
