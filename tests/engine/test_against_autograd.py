"""Composite graphs and MLPs against an independent AD implementation (the autograd package)."""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad

from quizkit.backprop import Tensor, cross_entropy, mse_loss, softmax
from quizkit.backprop.nn import MLP


def relative_error(a, b):
    return np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b) + 1e-300)


def assert_close(ours, reference):
    assert ours.shape == reference.shape
    assert relative_error(ours, reference) <= 1e-10


def ag_sigmoid(z):
    return 1 / (1 + anp.exp(-z))


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
