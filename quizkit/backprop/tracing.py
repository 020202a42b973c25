"""`trace(root)`: the recorded computation as a list of nodes, ready to print or draw."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .tensor import Tensor, topological_order

__all__ = ["Node", "Trace", "trace"]


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
        return {
            "id": self.id,
            "op": self.op,
            "label": self.label,
            "value": _json_ready(self.tensor.data),
            "grad": None if grad is None else _json_ready(grad),
            "parents": list(self.parents),
        }


@dataclass(frozen=True)
class Trace:
    """The nodes of a computation in a fixed topological order (each after its parents)."""

    nodes: tuple[Node, ...]

    @property
    def root(self) -> Node:
        return self.nodes[-1]

    def to_dict(self) -> dict:
        """JSON-ready form: {"nodes": [...], "root": id}. Non-finite numbers become strings."""
        return {"nodes": [node.to_dict() for node in self.nodes], "root": self.root.id}


def trace(root: Tensor) -> Trace:
    """Record the graph that computed `root`.

    Node ids are positions in a depth-first topological order that follows each
    operation's arguments in order, so the same code always yields the same ids. Values
    and gradients are read when you call `to_dict()`, so trace after `backward()` to see
    the gradients.
    """
    if not isinstance(root, Tensor):
        raise TypeError(f"trace() needs a Tensor, got {type(root).__name__}")
    order = topological_order(root)
    index = {id(tensor): i for i, tensor in enumerate(order)}
    nodes = tuple(
        Node(
            id=i,
            op=tensor._op,
            label=_label(tensor),
            tensor=tensor,
            parents=tuple(index[id(p)] for p in tensor._parents),
        )
        for i, tensor in enumerate(order)
    )
    return Trace(nodes)


def _label(tensor: Tensor) -> str:
    if tensor.name:
        return str(tensor.name)
    if tensor._op != "leaf":
        return tensor._op
    if tensor.data.size == 1:
        return f"{float(tensor.data.item()):g}"
    return "array" + str(tensor.shape)


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
