"""Losses and softmax, the functions that sit at the top of a network."""

from __future__ import annotations

import numpy as np

from .tensor import Tensor

__all__ = ["mse_loss", "softmax", "cross_entropy"]


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def mse_loss(pred, target) -> Tensor:
    """Mean squared error: the mean over all elements of (pred − target)².

    For a single prediction this is (y − z)², whose derivative with respect to the
    prediction is 2(z − y). Built from the engine's own operations, so `trace()` shows
    the subtraction, the square and the mean.
    """
    pred = _tensor(pred)
    return ((pred - target) ** 2).mean()


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
