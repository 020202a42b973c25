"""Losses and softmax, the functions that sit at the top of a network."""

from __future__ import annotations

import math

import numpy as np

from .tensor import Tensor, stable_sigmoid

__all__ = [
    "mse_loss",
    "softmax",
    "cross_entropy",
    "logsumexp",
    "log_softmax",
    "bce_with_logits",
]


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def mse_loss(pred, target) -> Tensor:
    """Mean squared error: the mean over all elements of (pred − target)².

    For a single prediction this is (y − z)², whose derivative with respect to the
    prediction is 2(z − y). Built from the engine's own operations, so `trace()` shows
    the subtraction, the square and the mean.

    `pred` and `target` must have the same shape; a target that is a single number (shape
    ()) is also accepted and compared with every prediction. Anything else is refused,
    because NumPy would broadcast it without a word: predictions of shape (4, 1) against
    targets of shape (4,) make a (4, 4) table comparing every prediction with every target,
    and a perfect prediction of [1, 2, 3, 4] scores 2.5 instead of 0. (PyTorch's `mse_loss`
    only warns and broadcasts.) Reshape one side so the two match.
    """
    pred = _tensor(pred)
    target_shape = target.shape if isinstance(target, Tensor) else np.shape(target)
    if target_shape != pred.shape and target_shape != ():
        raise ValueError(_shape_mismatch("mse_loss", pred.shape, target_shape))
    return ((pred - target) ** 2).mean()


def _shape_mismatch(op: str, pred: tuple[int, ...], target: tuple[int, ...]) -> str:
    """The error for a prediction and a target of different shapes, with the reshape to use."""
    message = (
        f"{op}: pred has shape {pred} but target has shape {target}; the shapes must be equal"
        " (or the target a single number)"
    )
    try:
        both = np.broadcast_shapes(pred, target)
        message += f", and NumPy would silently broadcast them to {both}"
    except ValueError:
        pass
    if math.prod(pred) == math.prod(target):
        message += f". Reshape one of them: target.reshape{pred} or pred.reshape{target}"
    return message


def softmax(x, axis: int = -1) -> Tensor:
    """Turn scores into probabilities along `axis`: exp(xᵢ) / Σⱼ exp(xⱼ).

    The largest score is subtracted first (which does not change the result), so large
    scores never overflow.
    """
    a = _tensor(x)
    shifted = a.data - a.data.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    p = e / e.sum(axis=axis, keepdims=True)
    out = a._result(p, (a,), "softmax")

    def _backward(g):
        # Jacobian-vector product of softmax: pᵢ (gᵢ − Σⱼ gⱼ pⱼ).
        a._accumulate(p * (g - (g * p).sum(axis=axis, keepdims=True)))

    out._backward = _backward
    return out


def cross_entropy(logits, targets) -> Tensor:
    """Mean cross-entropy of raw scores `logits` (batch, classes) against class indices.

    `targets` holds one integer class index per example. The loss of one example is
    −log softmax(logits)[target], computed as log Σⱼ exp(zⱼ) − z_target with the largest
    score subtracted first (log-sum-exp), so it stays finite for any scores. The result is
    the mean over the batch. A single example may be given as 1-D logits and one index.

    Its gradient with respect to the logits is (softmax − one_hot(target)) / batch.
    """
    z = _tensor(logits)
    data = z.data if z.ndim == 2 else z.data.reshape(1, -1)
    labels = np.asarray(targets.data if isinstance(targets, Tensor) else targets).reshape(-1)
    if labels.dtype.kind not in "iu":
        if not np.all(labels == np.round(labels)):
            raise ValueError("cross_entropy: targets must be integer class indices")
        labels = labels.astype(np.intp)
    n, classes = data.shape
    if labels.shape[0] != n:
        raise ValueError(f"cross_entropy: {n} rows of logits but {labels.shape[0]} targets")
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise ValueError(f"cross_entropy: targets must be class indices in [0, {classes})")
    rows = np.arange(n)
    shifted = data - data.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    losses = np.log(total[:, 0]) - shifted[rows, labels]
    out = z._result(np.asarray(losses.mean(), dtype=data.dtype), (z,), "cross_entropy")

    def _backward(g):
        grad = exp / total  # softmax probabilities
        grad[rows, labels] -= 1.0
        grad *= g / n
        z._accumulate(grad.reshape(z.shape))

    out._backward = _backward
    return out


def _logsumexp(data: np.ndarray, axis) -> np.ndarray:
    """log Σ exp(data) along `axis` (kept as a length-1 axis), never overflowing.

    With m the largest entry, log Σ eˣ = m + log Σ eˣ⁻ᵐ: every exponent is then ≤ 0, so no
    term overflows, and the largest is e⁰ = 1, so the sum cannot underflow to 0 either. A
    slice that is all −∞ keeps the answer −∞ (its m is replaced by 0 to avoid −∞ − (−∞)).
    """
    m = data.max(axis=axis, keepdims=True)
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):  # log 0 = −∞ for an all −∞ slice is the answer
        return m + np.log(np.exp(data - m).sum(axis=axis, keepdims=True))


def logsumexp(x, axis: int = -1, keepdims: bool = False) -> Tensor:
    """log Σⱼ exp(xⱼ) along `axis`, computed stably (the largest entry is factored out).

    Written naively, exp(1000) overflows to inf and the answer becomes inf; factoring out
    the maximum m, m + log Σ exp(xⱼ − m), gives 1000 + log(…) exactly. Its gradient is
    softmax(x): each entry's share of the sum.
    """
    a = _tensor(x)
    lse = _logsumexp(a.data, axis)
    out = a._result(lse if keepdims else np.squeeze(lse, axis=axis), (a,), "logsumexp")

    def _backward(g):
        if not keepdims:
            g = np.expand_dims(g, axis)
        a._accumulate(g * np.exp(a.data - lse))

    out._backward = _backward
    return out


def log_softmax(x, axis: int = -1) -> Tensor:
    """log softmax(x) along `axis`, computed as x − logsumexp(x).

    Taking the log of `softmax` breaks for large score gaps: a probability that underflows
    to 0 gives log 0 = −inf. Subtracting the stable log-sum-exp never forms the tiny
    probability, so the result stays finite (−1000 rather than −inf). The backward is a
    vector–Jacobian product, not element-wise: every output depends on every input through
    the sum, so dL/dxᵢ = gᵢ − softmax(x)ᵢ · Σⱼ gⱼ.
    """
    a = _tensor(x)
    out = a._result(a.data - _logsumexp(a.data, axis), (a,), "log_softmax")

    def _backward(g):
        p = np.exp(out.data)
        a._accumulate(g - p * g.sum(axis=axis, keepdims=True))

    out._backward = _backward
    return out


def bce_with_logits(logits, targets) -> Tensor:
    """Mean binary cross-entropy of raw scores `logits` against targets y in [0, 1].

    For one score z with p = σ(z) the loss is −y·log p − (1 − y)·log(1 − p). Computed that
    way it fails for large |z|: σ(40) rounds to 1 in float64, so log(1 − p) = log 0 = −inf.
    Rewritten in z alone it is max(z, 0) − z·y + log(1 + e^(−|z|)): the exponent is never
    positive, so nothing overflows, and the loss stays finite for any z. `targets` have the
    shape of `logits` and are constants (no gradient).

    Its gradient with respect to the logits is (σ(z) − y) / N, with N the number of elements.
    """
    z = _tensor(logits)
    y = np.asarray(targets.data if isinstance(targets, Tensor) else targets, dtype=z.dtype)
    if y.shape != z.shape:
        raise ValueError(
            f"bce_with_logits: targets have shape {y.shape} but logits have shape {z.shape};"
            " give one target per logit"
        )
    losses = np.maximum(z.data, 0) - z.data * y + np.log1p(np.exp(-np.abs(z.data)))
    out = z._result(np.asarray(losses.mean(), dtype=z.dtype), (z,), "bce_with_logits")
    n = max(z.data.size, 1)

    def _backward(g):
        z._accumulate((stable_sigmoid(z.data) - y) * (g / n))

    out._backward = _backward
    return out
