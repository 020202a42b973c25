"""Gradient checkpointing: trade one extra forward pass for far less stored activation.

Plain backprop keeps the output of every layer of a deep stack alive until the backward
pass has used it: L stored activations for L layers. Checkpointed backprop keeps only the
input of every k-th layer (a checkpoint). The backward pass then works segment by segment,
from the last: it recomputes the segment's k outputs from its checkpoint, backpropagates
through them, and drops them. At most L/k checkpoints plus k recomputed outputs are alive
at once; with k ≈ √L that is about 2√L instead of L.

Both functions below *measure* how many layer activations are alive (they watch each
layer output with a weak reference, which sees exactly when Python frees it) and report
the peak, so the √L claim can be checked by running it.
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass

import numpy as np

from .nn import Linear, Module
from .tensor import Tensor

__all__ = ["Block", "Report", "make_stack", "plain_backward", "checkpointed_backward"]


class Block(Module):
    """One layer of a deep stack: a `Linear` followed by an activation."""

    def __init__(self, width: int, activation: str = "tanh", rng=None, init="xavier", name=""):
        self.linear = Linear(width, width, init=init, rng=rng, name=name)
        self.activation = activation

    def forward(self, h: Tensor) -> Tensor:
        return getattr(self.linear(h), self.activation)()


def make_stack(depth: int, width: int, activation: str = "tanh", rng=None) -> list[Block]:
    """`depth` Blocks of the same width, with reproducible weights if `rng` is a seed."""
    rng = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    return [Block(width, activation, rng=rng, name=str(i + 1)) for i in range(depth)]


@dataclass
class Report:
    """What one (checkpointed) backward pass over a stack did."""

    loss: float
    peak_stored: int
    """Most layer activations (inputs, outputs and checkpoints) alive at any one time."""
    layer_forwards: int
    """Layer evaluations, recomputation included: L for plain backprop, 2L checkpointed."""
    every: int | None
    """Checkpoint spacing k (None for plain backprop)."""
    input_grad: np.ndarray
    """∂L/∂x, to compare the two methods."""


class _Census:
    """Counts the watched tensors still alive; keeps the peak."""

    def __init__(self):
        self.watched: list[weakref.ref] = []
        self.peak = 0

    def watch(self, tensor: Tensor) -> Tensor:
        self.watched.append(weakref.ref(tensor))
        alive = sum(ref() is not None for ref in self.watched)
        self.peak = max(self.peak, alive)
        return tensor


def _zero_grads(layers) -> None:
    for layer in layers:
        for p in layer.parameters():
            p.zero_grad()


def plain_backward(layers, x, loss_fn, on_visit=None) -> Report:
    """Ordinary backprop through `layers` (each is called on a Tensor and returns a Tensor,
    and has `.parameters()`, like `nn.Linear` or `Block` here).

    `loss_fn` turns the last output into a single-number Tensor. The layers' parameter
    gradients are set from zero. `on_visit` is passed to `Tensor.backward`, to watch the
    pass (name a layer's output, e.g. `layer(h).named("3")`, to recognise it there).
    """
    _zero_grads(layers)
    census = _Census()
    h = census.watch(Tensor(x, requires_grad=True))
    first = h
    for layer in layers:
        h = census.watch(layer(h))
    loss = loss_fn(h)
    loss.backward(on_visit=on_visit)
    return Report(float(loss.data), census.peak, len(layers), None, first.grad)


def checkpointed_backward(layers, x, loss_fn, every: int | None = None, on_visit=None) -> Report:
    """The same gradients as `plain_backward`, storing only every `every`-th activation.

    `every` defaults to round(√L). Each segment's activations are computed twice (once
    in the forward pass, once again just before its backward pass). `on_visit` is passed
    to each segment's `backward`, as in `plain_backward`.
    """
    _zero_grads(layers)
    depth = len(layers)
    every = every or max(1, round(math.sqrt(depth)))
    census = _Census()
    starts = list(range(0, depth, every))

    # Forward: keep only each segment's input. A segment's graph is freed as soon as its
    # output has been copied into the next checkpoint.
    checkpoints: list[Tensor] = []
    h = np.asarray(x)
    for start in starts:
        checkpoint = census.watch(Tensor(h, requires_grad=True))
        checkpoints.append(checkpoint)
        out = checkpoint
        for layer in layers[start : start + every]:
            out = census.watch(layer(out))
        h = out.data
        del out

    # Backward, last segment first: recompute it from its checkpoint, backpropagate the
    # gradient arriving from the segment after it, then drop the checkpoint.
    grad = None
    loss_value = math.nan
    forwards = depth
    for start in reversed(starts):
        checkpoint = checkpoints.pop()
        out = checkpoint
        for layer in layers[start : start + every]:
            out = census.watch(layer(out))
            forwards += 1
        if grad is None:
            loss = loss_fn(out)
            loss_value = float(loss.data)
            loss.backward(on_visit=on_visit)
            del loss
        else:
            out.backward(grad, on_visit=on_visit)
        del out
        grad = checkpoint.grad
        del checkpoint
    return Report(loss_value, census.peak, forwards, every, grad)
