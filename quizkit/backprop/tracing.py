"""`trace(root)`: the recorded computation as a list of nodes, ready to print or draw.

`trace(root).to_dict()` is the one description of a graph that the course draws: the live
trace exercises (through `worksheet.evaluate`) and `show_graph` both send it to the page's
graph view (quizkit/web/trace-view.js), which reads nothing else.

`show_graph(t)` asks for `t`'s graph to be drawn. In the page, a runnable cell's calls are
collected while it runs (`collect_graphs`) and drawn below its output; anywhere else (a
test, `quizkit check`, a learner's own Python) it prints nothing and only returns what it
would draw.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from .tensor import Tensor, topological_order

__all__ = [
    "Node",
    "Trace",
    "trace",
    "show_graph",
    "collect_graphs",
    "GraphLog",
    "GRAPH_NODE_LIMIT",
    "GRAPHS_PER_RUN",
    "variable_names",
]

# The most nodes the graph view draws: one column of boxes per step of the computation, and
# beyond about this many a learner scrolls more than reads (a 2-layer MLP's loss has ~15).
GRAPH_NODE_LIMIT = 40
# The most show_graph calls of one run drawn in the page (a call inside a training loop would
# otherwise draw hundreds); the run is told how many more there were.
GRAPHS_PER_RUN = 10


@dataclass(frozen=True)
class Node:
    """One tensor of a traced computation."""

    id: int
    """Position in the topological order (inputs first, the root last)."""
    op: str
    """The operation that produced it ("leaf" for tensors you created)."""
    label: str
    """Its name if you gave one, otherwise a short description."""
    tensor: Tensor
    parents: tuple[int, ...]
    """Ids of the nodes it was computed from, in argument order."""

    def to_dict(self) -> dict:
        grad = self.tensor.grad
        out = {
            "id": self.id,
            "op": self.op,
            "label": self.label,
            "value": _json_ready(self.tensor.data),
            "grad": None if grad is None else _json_ready(grad),
            "parents": list(self.parents),
        }
        local = _local_derivatives(self.tensor)
        if local is not None:
            out["local"] = local
        return out


@dataclass(frozen=True)
class Trace:
    """The nodes of a computation in a fixed topological order (each after its parents)."""

    nodes: tuple[Node, ...]

    @property
    def root(self) -> Node:
        return self.nodes[-1]

    def to_dict(self) -> dict:
        """JSON-ready form: {"nodes": [...], "root": id, "grad_of": label or None}.

        Each node is {"id", "op", "label", "value", "grad", "parents"} and, when it and its
        parents hold one number each, "local": d node / d parent for each parent (None for a
        parent that needs no gradient), taken from the engine's own backward code. Values
        and gradients are read now, so call this after `backward()` to see gradients.

        "grad_of" names what the gradients are derivatives of: the root's label when the
        last backward pass started at the root (its gradient is 1), None when there are no
        gradients or the pass started at a tensor computed later. Non-finite numbers become
        strings ("nan", "inf", "-inf").
        """
        root = self.root.tensor
        started_here = (
            root.grad is not None and root.data.size == 1 and float(np.sum(root.grad)) == 1.0
        )
        return {
            "nodes": [node.to_dict() for node in self.nodes],
            "root": self.root.id,
            "grad_of": self.root.label if started_here else None,
        }


def trace(root: Tensor, names: Mapping[int, str] | None = None) -> Trace:
    """Record the graph that computed `root`.

    Node ids are positions in a depth-first topological order that follows each
    operation's arguments in order, so the same code always yields the same ids. Values
    and gradients are read when you call `to_dict()`, so trace after `backward()` to see
    the gradients. `names` ({id(tensor): label}) labels tensors that have no `name`.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"trace() needs a Tensor, got {type(root).__name__}")
    order = topological_order(root)
    index = {id(tensor): i for i, tensor in enumerate(order)}
    names = names or {}
    nodes = tuple(
        Node(
            id=i,
            op=tensor._op,
            label=_label(tensor, names.get(id(tensor))),
            tensor=tensor,
            parents=tuple(index[id(p)] for p in tensor._parents),
        )
        for i, tensor in enumerate(order)
    )
    return Trace(nodes)


def _label(tensor: Tensor, variable: str | None = None) -> str:
    if tensor.name:
        return str(tensor.name)
    if variable:
        return variable
    if tensor._op != "leaf":
        return tensor._op
    if tensor.data.size == 1:
        return f"{float(tensor.data.item()):g}"
    return "array" + str(tensor.shape)


def _local_derivatives(tensor: Tensor) -> list | None:
    """d tensor / d parent for each parent, from the engine's own backward code, or None.

    An operation's backward adds (local derivative x upstream gradient) to its parents'
    .grad; called with an upstream gradient of 1 on one-number tensors, that is the local
    derivative itself. Only one-number tensors and parents have one local derivative each.
    The parents' gradients are put back afterwards. A parent used twice by the operation
    (x * x) receives both shares at once, so each of its edges shows half the sum: exact
    for the symmetric operations (add, mul) where this happens in practice.
    """
    backward = tensor._backward
    parents = tensor._parents
    if backward is None or not parents or tensor.data.size != 1:
        return None
    if any(p.data.size != 1 for p in parents):
        return None
    saved = [(p, p.grad) for p in parents]
    try:
        for p in parents:
            p.grad = None
        backward(np.ones_like(tensor.data))
        uses = {id(p): sum(q is p for q in parents) for p in parents}
        return [
            None if p.grad is None else _number(float(np.sum(p.grad)) / uses[id(p)])
            for p in parents
        ]
    except Exception:  # a custom operation's backward may refuse this call: draw no label
        return None
    finally:
        for p, grad in saved:
            p.grad = grad


def _json_ready(array: np.ndarray):
    """A float (one number) or nested lists of floats; NaN and ±inf become "nan"/"inf"/"-inf"."""
    if array.size == 1 and array.ndim == 0:
        return _number(float(array))
    return _nested(array.tolist())


def _nested(value):
    if isinstance(value, list):
        return [_nested(v) for v in value]
    return _number(float(value))


def _number(x: float):
    return x if math.isfinite(x) else str(x)


# -- show_graph ------------------------------------------------------------------------------


class GraphLog:
    """The show_graph calls of one run, in call order: the first `limit` are kept."""

    def __init__(self, limit: int = GRAPHS_PER_RUN):
        self.limit = limit
        self.graphs: list[dict] = []
        self.skipped = 0

    def add(self, shown: dict) -> None:
        if len(self.graphs) < self.limit:
            self.graphs.append(shown)
        else:
            self.skipped += 1

    def payloads(self) -> list[dict]:
        """What the page draws: the kept graphs, then a note if calls were left out."""
        if not self.skipped:
            return list(self.graphs)
        calls = "call" if self.skipped == 1 else "calls"
        message = (
            f"{self.skipped} more show_graph {calls} not drawn: a run draws at most"
            f" {self.limit} graphs. Call show_graph outside the loop, or once at the end."
        )
        return [*self.graphs, {"root": None, "nodes": None, "limit": self.limit,
                               "graph": None, "message": message, "note": None}]  # fmt: skip


_logs: list[GraphLog] = []


@contextmanager
def collect_graphs(limit: int = GRAPHS_PER_RUN) -> Iterator[GraphLog]:
    """Collect every show_graph call made inside the block (the page's worker runs cells so)."""
    log = GraphLog(limit)
    _logs.append(log)
    try:
        yield log
    finally:
        _logs.remove(log)


def show_graph(tensor: Tensor) -> dict:
    """Draw the computation that produced `tensor` below the cell's output, in the page.

    Call it after `loss.backward()` to see gradients as well as values. Unnamed tensors are
    labelled by the variable that holds them where show_graph is called. The graph is
    recorded as it is at the call: later changes are not shown.

    Returns what the page draws, a dict: {"root": the tensor's label, "nodes": how many
    nodes its graph has, "limit": GRAPH_NODE_LIMIT, "graph": trace(tensor).to_dict() (None
    when the graph has more than `limit` nodes), "message": why nothing is drawn (None when
    it is), "note": what the drawing lacks, such as gradients (None when nothing)}. Outside
    the page nothing is printed or drawn. Raises TypeError for anything but a Tensor.
    """
    if not isinstance(tensor, Tensor):
        kind = type(tensor).__name__
        hint = (
            " (pass the tensor itself, not .data, .item() or float())" if kind != "NoneType" else ""
        )
        raise TypeError(f"show_graph() needs a Tensor such as loss, not a {kind}{hint}")
    caller = sys._getframe(1)
    try:
        names = variable_names(caller.f_locals)
    finally:
        del caller  # a frame kept alive keeps every local of the learner's cell alive
    traced = trace(tensor, names)
    count = len(traced.nodes)
    root = traced.root.label
    if count > GRAPH_NODE_LIMIT:
        shown = {
            "root": root,
            "nodes": count,
            "limit": GRAPH_NODE_LIMIT,
            "graph": None,
            "message": (
                f"The graph of {root} has {count} nodes, more than the {GRAPH_NODE_LIMIT} the"
                f" view draws legibly. Call show_graph on a smaller part of the computation"
                f" (one layer's output, or the same code with fewer inputs) to see it drawn."
            ),
            "note": None,
        }
    else:
        graph = traced.to_dict()
        shown = {
            "root": root,
            "nodes": count,
            "limit": GRAPH_NODE_LIMIT,
            "graph": graph,
            "message": None,
            "note": _gradient_note(tensor, root, graph),
        }
    if _logs:
        _logs[-1].add(shown)
    return shown


def _gradient_note(tensor: Tensor, root: str, graph: dict) -> str | None:
    """What the drawing does not show about gradients, or None when they are all there."""
    if graph["grad_of"] is not None:
        return None
    if not tensor.requires_grad:
        return (
            f"No tensor that {root} was computed from has requires_grad=True, so there are no"
            f" gradients: the graph shows values only."
        )
    if tensor.grad is None:
        return (
            f"backward() has not been called yet, so the graph shows values only. Call"
            f" {root}.backward() before show_graph({root}) to see the gradients too."
        )
    return (
        f"The gradients shown come from a backward pass that did not start at {root}: each is"
        f" the derivative of that pass's result, not of {root}."
    )


def variable_names(namespace: Mapping) -> dict[int, str]:
    """{id(tensor): variable} for the unnamed tensors of `namespace`, first binding first."""
    names: dict[int, str] = {}
    for key, value in list(namespace.items()):
        if isinstance(value, Tensor) and not key.startswith("_"):
            names.setdefault(id(value), key)
    return names
