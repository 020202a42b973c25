"""Composite graphs and MLPs against an independent AD implementation (the autograd package)."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad

from quizkit.backprop import (
    Tensor,
    bce_with_logits,
    concatenate,
    cross_entropy,
    log_softmax,
    logsumexp,
    maximum,
    mse_loss,
    softmax,
    stack,
    where,
)
from quizkit.backprop.nn import MLP


def relative_error(a, b):
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b) + 1e-300)


def assert_close(ours, reference):
    assert ours.shape == reference.shape
    assert relative_error(ours, reference) <= 1e-10


def ag_sigmoid(z):
    return 1 / (1 + anp.exp(-z))


def ag_logsumexp(x, axis, keepdims=False):
    m = anp.max(x, axis=axis, keepdims=True)  # its gradient cancels: d/dm of the whole is 0
    out = m + anp.log(anp.sum(anp.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else anp.squeeze(out, axis=axis)


def ag_cross_entropy(logits, targets):
    shifted = logits - anp.max(logits, axis=1, keepdims=True)
    log_probs = shifted - anp.log(anp.sum(anp.exp(shifted), axis=1, keepdims=True))
    return -anp.mean(log_probs[anp.arange(len(targets)), targets])


def test_composite_graph_with_reuse_and_broadcasting():
    rng = np.random.default_rng(1)
    x0, w0, b0 = rng.normal(size=(5, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)

    def ours(x, w, b):
        h = (x @ w + b).tanh()
        gate = (h * 2.0 - 0.5).sigmoid()
        mixed = h * gate + (h**2) / (1.0 + gate.exp())  # h and gate each used several times
        return (mixed.sum(axis=0) * b).mean() + (-((x.T @ x) ** 2)).exp().sum()

    def reference(x, w, b):
        h = anp.tanh(anp.dot(x, w) + b)
        gate = ag_sigmoid(h * 2.0 - 0.5)
        mixed = h * gate + h**2 / (1.0 + anp.exp(gate))
        return anp.mean(anp.sum(mixed, axis=0) * b) + anp.sum(anp.exp(-(anp.dot(x.T, x) ** 2)))

    tensors = [Tensor(a, requires_grad=True) for a in (x0, w0, b0)]
    ours(*tensors).backward()
    for i, t in enumerate(tensors):
        assert_close(t.grad, grad(reference, i)(x0, w0, b0))


def test_softmax_cross_entropy_and_mse_graph():
    rng = np.random.default_rng(2)
    z0 = rng.normal(size=(6, 4)) * 4
    targets = rng.integers(0, 4, size=6)
    y = rng.normal(size=(6, 4))

    z = Tensor(z0, requires_grad=True)
    (cross_entropy(z, targets) + mse_loss(softmax(z), y) * 3.0).backward()

    def reference(logits):
        e = anp.exp(logits - anp.max(logits, axis=1, keepdims=True))
        p = e / anp.sum(e, axis=1, keepdims=True)
        return ag_cross_entropy(logits, targets) + anp.mean((p - y) ** 2) * 3.0

    assert_close(z.grad, grad(reference)(z0))


def test_new_ops_in_one_graph_with_ties():
    """max, maximum, abs, var, where, concatenate, stack and the stable losses together.

    The data hold exact ties (max and maximum) and a zero (abs), where the gradient is a
    convention: the autograd package splits ties evenly and uses sign(0) = 0, as documented
    for ours.
    """
    rng = np.random.default_rng(4)
    x0 = np.array([[1.0, 3.0, 3.0], [0.0, -2.0, 0.5]])
    w0 = rng.normal(size=(3, 3))
    y01 = rng.random(size=(2, 3))
    cond = np.array([True, False, True])

    def ours(x, w):
        h = x @ w
        pooled = x.max(axis=1, keepdims=True) + maximum(x, 1.0) + x.abs()
        joined = concatenate([pooled, h], axis=0)  # (4, 3)
        picked = where(cond, joined, joined * 0.5)
        stacked = stack([picked.var(axis=0), picked.max(axis=0)], axis=1)  # (3, 2)
        return (
            logsumexp(stacked, axis=0).sum()
            + (log_softmax(h) * h).mean()
            + bce_with_logits(h * 3.0, y01)
        )

    def reference(x, w):
        h = anp.dot(x, w)
        pooled = anp.max(x, axis=1, keepdims=True) + anp.maximum(x, 1.0) + anp.abs(x)
        joined = anp.concatenate([pooled, h], axis=0)
        picked = anp.where(cond, joined, joined * 0.5)
        stacked = anp.stack([anp.var(picked, axis=0), anp.max(picked, axis=0)], axis=1)
        z = h * 3.0
        bce = anp.mean(anp.maximum(z, 0) - z * y01 + anp.log1p(anp.exp(-anp.abs(z))))
        log_p = h - ag_logsumexp(h, axis=-1, keepdims=True)
        return anp.sum(ag_logsumexp(stacked, axis=0)) + anp.mean(log_p * h) + bce

    tensors = [Tensor(a, requires_grad=True) for a in (x0, w0)]
    ours(*tensors).backward()
    assert float(ours(Tensor(x0), Tensor(w0))) == pytest.approx(reference(x0, w0), rel=1e-12)
    for i, t in enumerate(tensors):
        assert_close(t.grad, grad(reference, i)(x0, w0))


def mlp_reference(activation, residual):
    act = {"relu": lambda z: anp.maximum(z, 0), "sigmoid": ag_sigmoid, "tanh": anp.tanh}[activation]

    def loss(params, x, targets):
        h = x
        for i in range(0, len(params), 2):
            z = anp.dot(h, params[i]) + params[i + 1]
            if i == len(params) - 2:
                return ag_cross_entropy(z, targets)
            a = act(z)
            h = h + a if residual and a.shape == h.shape else a

    return loss


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("residual", [False, True])
def test_mlp_gradients_match_autograd(activation, residual):
    rng = np.random.default_rng(3)
    model = MLP([4, 8, 8, 8, 3], activation=activation, residual=residual, rng=rng)
    x = rng.normal(size=(10, 4))
    targets = rng.integers(0, 3, size=10)
    cross_entropy(model(x), targets).backward()
    params = [p.data for p in model.parameters()]
    reference = grad(mlp_reference(activation, residual))(params, x, targets)
    for p, expected in zip(model.parameters(), reference, strict=True):
        assert_close(p.grad, expected)
