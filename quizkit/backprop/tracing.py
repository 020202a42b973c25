"""`trace(root)`: the recorded computation as a list of nodes, ready to print or draw.

`trace(root).to_dict()` is the one description of a graph that the course draws: the live
trace exercises (through `worksheet.evaluate`) and `show_graph` both send it to the page's
graph view (quizkit/web/graph-view.js), which reads nothing else.

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
    """Its name if you gave one, otherwise a short description, numbered if repeated."""
    tensor: Tensor
    parents: tuple[int, ...]
    """Ids of the nodes it was computed from, in argument order."""
    named: bool = False
    """Whether the label is a name you gave (or a variable's), not the operation or value."""

    def to_dict(self, labels: Mapping[int, str] | None = None) -> dict:
        """The node as JSON; `labels` ({node id: label}) names its parents in "rules"."""
        grad = self.tensor.grad
        out = {
            "id": self.id,
            "op": self.op,
            "label": self.label,
            "named": self.named,
            "value": _json_ready(self.tensor.data),
            "grad": None if grad is None else _json_ready(grad),
            "parents": list(self.parents),
        }
        local = _local_derivatives(self.tensor)
        if local is not None:
            out["local"] = local
        elif self.parents and labels is not None:
            out["rules"] = _rules(self, [labels[p] for p in self.parents])
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

        Each node is {"id", "op", "label", "named", "value", "grad", "parents"} and, when it
        and its parents hold one number each, "local": d node / d parent for each parent
        (None for a parent that needs no gradient), taken from the engine's own backward
        code. An operation on arrays has "rules" instead: for each parent, the rule that
        gives its gradient in the d-notation of lesson 13 ("dW = Xᵀ · dZ"), or None for an
        operation without one. Values and gradients are read now, so call this after
        `backward()` to see gradients.

        "grad_of" names what the gradients are derivatives of: the root's label when the
        last backward pass started at the root (its gradient is 1), None when there are no
        gradients or the pass started at a tensor computed later. Non-finite numbers become
        strings ("nan", "inf", "-inf").
        """
        root = self.root.tensor
        started_here = (
            root.grad is not None and root.data.size == 1 and float(np.sum(root.grad)) == 1.0
        )
        labels = {node.id: node.label for node in self.nodes}
        return {
            "nodes": [node.to_dict(labels) for node in self.nodes],
            "root": self.root.id,
            "grad_of": self.root.label if started_here else None,
        }


def trace(root: Tensor, names: Mapping[int, str] | None = None) -> Trace:
    """Record the graph that computed `root`.

    Node ids are positions in a depth-first topological order that follows each
    operation's arguments in order, so the same code always yields the same ids. Values
    and gradients are read when you call `to_dict()`, so trace after `backward()` to see
    the gradients. `names` ({id(tensor): label}) labels tensors that have no `name`.
    Labels that would repeat (a chain of tanh, two constants 2) are numbered in that order:
    tanh₁, tanh₂, and 2 #1, 2 #2 for a label that ends in a digit.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"trace() needs a Tensor, got {type(root).__name__}")
    order = topological_order(root)
    index = {id(tensor): i for i, tensor in enumerate(order)}
    names = names or {}
    labels = [_label(tensor, names.get(id(tensor))) for tensor in order]
    nodes = tuple(
        Node(
            id=i,
            op=tensor._op,
            label=label,
            tensor=tensor,
            parents=tuple(index[id(p)] for p in tensor._parents),
            named=bool(tensor.name or names.get(id(tensor))),
        )
        for i, (tensor, label) in enumerate(zip(order, _numbered(labels), strict=True))
    )
    return Trace(nodes)


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _numbered(labels: list[str]) -> list[str]:
    """The labels with each repeated one numbered in order (tanh₁, tanh₂; 2 #1, 2 #2)."""
    counts: dict[str, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        if counts[label] == 1:
            out.append(label)
            continue
        seen[label] = seen.get(label, 0) + 1
        # A subscript after a digit would read as part of the number ("2₁").
        n = str(seen[label])
        out.append(f"{label} #{n}" if label[-1:].isdigit() else label + n.translate(_SUBSCRIPTS))
    return out


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


def _rules(node: Node, parents: list[str]) -> list[str | None]:
    """For each parent of an operation on arrays, the rule that gives its gradient, or None.

    Written with the labels of the graph in lesson 13's notation: dX is the gradient of the
    pass with respect to X, ⊙ the entry-by-entry product. The shapes decide the wording
    (a broadcast input's gradient is summed back to its shape; a mean divides by the count).
    """
    tensor = node.tensor
    o = node.label
    op = node.op
    inputs = tensor._parents
    rules: list[str | None] = []
    for i, (parent, a) in enumerate(zip(inputs, parents, strict=True)):
        rule = _rule(op, i, o, parents, tensor, parent, inputs)
        if rule is not None and op in _BROADCASTING and parent.shape != tensor.shape:
            rule += f", summed over the broadcast axes back to {a}'s shape ({_shape(parent)})"
        rules.append(rule)
    return rules


# Operations whose inputs are broadcast to the output's shape (their backward sums them back).
_BROADCASTING = {"add", "sub", "mul", "div", "maximum", "where"}


def _shape(t: Tensor) -> str:
    """ "2×3", "length 2" or "one number"."""
    if t.ndim == 0:
        return "one number"
    return f"length {t.shape[0]}" if t.ndim == 1 else "×".join(map(str, t.shape))


def _times(t: Tensor) -> str:
    """⊙ between arrays, · when one side is a single number."""
    return "·" if t.data.size == 1 else "⊙"


def _rule(op: str, i: int, o: str, labels: list[str], tensor: Tensor, parent: Tensor, inputs):
    """The gradient rule of input `i` of `op` (inputs labelled `labels`, output `o`)."""
    a = labels[i]
    other = labels[1 - i] if len(labels) == 2 else None
    d, da = f"d{o}", f"d{a}"
    if op == "add":
        return f"{da} = {d}"
    if op == "sub":
        return f"{da} = {d}" if i == 0 else f"{da} = −{d}"
    if op == "mul":
        return f"{da} = {d} {_times(inputs[1 - i])} {other}"
    if op == "div":
        return f"{da} = {d} / {other}" if i == 0 else f"{da} = −{d} ⊙ {other} / {a}²"
    if op == "matmul":
        return f"{da} = {d} · {other}ᵀ" if i == 0 else f"{da} = {other}ᵀ · {d}"
    if op == "linear":
        return (
            f"{da} = {d} · {labels[1]}ᵀ",
            f"{da} = {labels[0]}ᵀ · {d}",
            f"{da} = {d} summed over the batch (rows)",
        )[i]
    if op == "pow":
        if i == 1:
            return f"{da} = {d} ⊙ {o} ⊙ ln {other}"
        exponent = inputs[1].data
        if exponent.size == 1:
            p = float(exponent)
            power = f"{a}" if p == 2 else f"{a}^{p - 1:g}"
            return f"{da} = {d} ⊙ {p:g}·{power}"
        return f"{da} = {d} ⊙ {other}·{a}^({other} − 1)"
    n = parent.data.size // max(tensor.data.size, 1)
    simple = {
        "neg": f"{da} = −{d}",
        "sum": f"{da} = {d} copied to every entry that was summed",
        "mean": f"{da} = {d} / {n}, copied to each of the {n} entries averaged",
        "var": f"{da} = {d} ⊙ 2({a} − mean)/{n}",
        "max": f"{da} = {d} at the largest entry (the first, on ties), 0 elsewhere",
        "reshape": f"{da} = {d} reshaped back to {_shape(parent)}",
        "transpose": f"{da} = ({d})ᵀ",
        "index": f"{da} = {d} put back at the positions taken (repeats add), 0 elsewhere",
        "relu": f"{da} = {d} ⊙ [{a} > 0]",
        "leaky_relu": f"{da} = {d} ⊙ (1 where {a} > 0, the slope elsewhere)",
        "sigmoid": f"{da} = {d} ⊙ {o} ⊙ (1 − {o})",
        "tanh": f"{da} = {d} ⊙ (1 − {o}²)",
        "exp": f"{da} = {d} ⊙ {o}",
        "log": f"{da} = {d} / {a}",
        "abs": f"{da} = {d} ⊙ sign({a})",
        "softmax": f"{da} = {o} ⊙ ({d} − Σ {d} ⊙ {o}), the sum along the softmax axis",
        "log_softmax": f"{da} = {d} − softmax({a}) · Σ {d}, the sum along the axis",
        "logsumexp": f"{da} = {d} ⊙ softmax({a})",
        "cross_entropy": f"{da} = {d} · (softmax({a}) − one-hot targets) / batch size",
        "bce_with_logits": f"{da} = {d} · (σ({a}) − targets) / count",
        "maximum": f"{da} = {d} where {a} is the larger (half on ties), 0 elsewhere",
        "where": f"{da} = {d} where {a} was chosen, 0 elsewhere",
        "concatenate": f"{da} = its slice of {d}",
        "stack": f"{da} = its slice of {d}",
    }
    return simple.get(op)


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
        """What the page draws: the kept graphs, then a note if calls were left out.

        Each kept graph gains "call" (its 1-based call number) and "calls" (how many calls
        the run made), so that graphs drawn from a loop can be told apart. The note is
        {"graph": None, "message": ..., "skipped": how many calls were not drawn}.
        """
        calls = len(self.graphs) + self.skipped
        kept = [{**shown, "call": i + 1, "calls": calls} for i, shown in enumerate(self.graphs)]
        if not self.skipped:
            return kept
        word = "call" if self.skipped == 1 else "calls"
        message = (
            f"{self.skipped} more show_graph {word} not drawn: a run draws at most"
            f" {self.limit} graphs. Call show_graph outside the loop, or once at the end."
        )
        return [*kept, {"root": None, "nodes": None, "limit": self.limit, "graph": None,
                        "message": message, "note": None, "skipped": self.skipped}]  # fmt: skip


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
                f" view draws legibly. Call show_graph on a smaller part of the computation,"
                f" with fewer layers or operations (one layer's output, such as"
                f" show_graph(layer(x))), to see it drawn. More examples in a batch do not help:"
                f" a batch is one array, so it adds no nodes."
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
