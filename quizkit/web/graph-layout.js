// Where the graph view (graph-view.js) puts each node of a computation graph: a pure
// function of the graph's nodes and edges, with no DOM, so it runs (and is tested) anywhere.
//
//   layout({nodes: [{id, parents: [ids]}, ...]})
//     -> {position: Map(id -> {x, y} of the box's top-left corner), children: Map(id -> [ids]),
//         width, height}

export const NODE_W = 112;
export const NODE_H = 64;
// Wide enough for a local derivative ("×-0.123457") between a node and the arrowhead.
export const GAP_X = 72;
export const GAP_Y = 22;
export const PAD = 12;

/**
 * Columns left to right: an operation sits one column right of its latest input, and an
 * input (a leaf) sits just left of the first operation that uses it, so no edge is longer
 * than it must be. Within a column nodes are ordered by their inputs' rows.
 */
export function layout(graph) {
  const nodes = graph.nodes;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const children = new Map(nodes.map((n) => [n.id, []]));
  for (const n of nodes) for (const p of n.parents) children.get(p).push(n.id);
  const column = new Map();
  for (const n of nodes) {
    if (n.parents.length) column.set(n.id, 1 + Math.max(...n.parents.map((p) => column.get(p) ?? 0)));
  }
  for (const n of nodes) {
    if (n.parents.length) continue;
    const users = children.get(n.id).map((c) => column.get(c));
    column.set(n.id, users.length ? Math.max(0, Math.min(...users) - 1) : 0);
  }
  const columns = [];
  for (const n of nodes) (columns[column.get(n.id)] ??= []).push(n.id);
  const row = new Map();
  for (const ids of columns) {
    if (!ids) continue;
    const key = (id) => {
      const rows = byId.get(id).parents.map((p) => row.get(p)).filter((r) => r !== undefined);
      return rows.length ? rows.reduce((a, b) => a + b, 0) / rows.length : Infinity;
    };
    ids.sort((a, b) => key(a) - key(b) || a - b);
    ids.forEach((id, i) => row.set(id, i));
  }
  const height = Math.max(...columns.filter(Boolean).map((ids) => ids.length));
  const position = new Map();
  columns.forEach((ids, c) => {
    if (!ids) return;
    const offset = (height - ids.length) / 2; // centre short columns
    ids.forEach((id, r) => {
      position.set(id, { x: PAD + c * (NODE_W + GAP_X), y: PAD + (r + offset) * (NODE_H + GAP_Y) });
    });
  });
  return {
    position,
    children,
    width: PAD * 2 + columns.length * NODE_W + (columns.length - 1) * GAP_X,
    height: PAD * 2 + height * NODE_H + (height - 1) * GAP_Y,
  };
}
