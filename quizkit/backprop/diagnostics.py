"""Diagnostics: per-layer gradient norms, dead ReLU units, and counting the work done."""

from __future__ import annotations

import numpy as np

from .tensor import Tensor

__all__ = ["gradient_norms", "dead_relu_fraction", "counting_array"]


def gradient_norms(model) -> list[float]:
    """The norm ‖∂L/∂W‖ of each layer's weight gradient, first layer first.

    Call it after one `backward()`. Vanishing gradients show up as norms that shrink
    towards the input; exploding ones as norms that grow. `model` is an `nn.MLP` (or
    anything with `.layers` holding `Linear`s) or a list of parameter tensors. A weight
    without a gradient counts as 0.
    """
    tensors = [layer.W for layer in model.layers] if hasattr(model, "layers") else list(model)
    return [0.0 if t.grad is None else float(np.linalg.norm(t.grad)) for t in tensors]


def dead_relu_fraction(model, x, per_layer: bool = False):
    """Fraction of hidden ReLU units that output 0 for *every* example in the batch `x`.

    Such a unit passes no gradient to its weights, so it cannot recover by training on
    this data. More than half dead is a warning sign. Returns one fraction over all
    hidden units, or a list with one fraction per hidden layer if `per_layer=True`.
    """
    if getattr(model, "activation", "relu") != "relu":
        raise ValueError("dead units are a ReLU notion; this model uses " + model.activation)
    pre_activations: list[Tensor] = []
    model.forward(x, record=pre_activations)
    dead = [np.all(z.data <= 0, axis=0) for z in pre_activations]
    if per_layer:
        return [float(d.mean()) for d in dead]
    return float(np.concatenate(dead).mean()) if dead else 0.0


def counting_array() -> type:
    """A fresh ndarray subclass that counts the multiplications of every matrix product.

    `Counted = counting_array()`, then `t.data = t.data.view(Counted)` for a network's data
    and weights: whatever is computed from them is Counted too, so every product the engine
    performs, forward or backward, adds its p·q·r multiplications (for a (p × q) @ (q × r)
    product) to `Counted.multiplies` as it runs. Each call gives a new class with its own
    count, so two measurements never share one.
    """
    return type("Counted", (_Counted,), {"multiplies": 0})


class _Counted(np.ndarray):
    multiplies = 0

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        counted = type(self)

        def plain(x):
            return x.view(np.ndarray) if isinstance(x, _Counted) else x

        inputs = [plain(x) for x in inputs]
        if "out" in kwargs:
            kwargs["out"] = tuple(plain(x) for x in kwargs["out"])
        if ufunc is np.matmul and method == "__call__":
            a, b = inputs  # (p, q) @ (q, r): p q r multiplications; a 1-D b is one column
            counted.multiplies += np.size(a) * (b.shape[-1] if np.ndim(b) > 1 else 1)
        result = getattr(ufunc, method)(*inputs, **kwargs)
        return result.view(counted) if isinstance(result, np.ndarray) else result
