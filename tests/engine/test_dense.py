"""The matrix-form backprop in `dense` agrees with the Tensor engine."""

from __future__ import annotations

import numpy as np
import pytest

from quizkit.backprop import cross_entropy, dense, mse_loss
from quizkit.backprop.nn import MLP

TOL = 1e-12


def assert_agree(ours, engine):
    np.testing.assert_allclose(ours, engine, rtol=TOL, atol=TOL)


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh"])
@pytest.mark.parametrize("loss", ["mse", "cross_entropy"])
def test_dense_matches_tensor_engine(activation, loss):
    rng = np.random.default_rng(7)
    model = MLP([5, 7, 6, 3], activation=activation, rng=rng)
    x = rng.normal(size=(9, 5))  # rows are examples for nn ...
    y = rng.normal(size=(9, 3)) if loss == "mse" else rng.integers(0, 3, size=9)

    pre_activations = []
    out = model.forward(x, record=pre_activations)
    value = mse_loss(out, y) if loss == "mse" else cross_entropy(out, y)
    value.backward()

    weights, biases = dense.from_mlp(model)
    y_dense = y.T if loss == "mse" else y  # ... and columns for dense
    total, grads, cache = dense.loss_and_gradients(weights, biases, x.T, y_dense, activation, loss)

    assert total == pytest.approx(float(value.data), rel=TOL)
    for layer, dW, db in zip(model.layers, grads.dW, grads.db, strict=True):
        assert_agree(dW, layer.W.grad.T)  # ∂L/∂W = δ a_prevᵀ, transposed convention
        assert_agree(db, layer.b.grad)
    # Every z, and every error signal δ_l = ∂L/∂z_l, is the engine's z tensor and its grad.
    engine_zs = [*pre_activations, out]
    for z_engine, z_dense, delta in zip(engine_zs, cache.zs, grads.deltas, strict=True):
        assert_agree(z_dense, z_engine.data.T)
        assert_agree(delta, z_engine.grad.T)
    assert grads.dx.shape == x.T.shape


def test_dense_shapes_follow_the_textbook():
    rng = np.random.default_rng(0)
    weights = [rng.normal(size=(4, 3)), rng.normal(size=(2, 4))]
    biases = [np.zeros(4), np.zeros(2)]
    x = rng.normal(size=(3, 5))  # 3 inputs, batch of 5 in columns
    _, grads, cache = dense.loss_and_gradients(weights, biases, x, np.zeros((2, 5)))
    assert [d.shape for d in grads.deltas] == [(4, 5), (2, 5)]
    assert [g.shape for g in grads.dW] == [(4, 3), (2, 4)]
    assert [g.shape for g in grads.db] == [(4,), (2,)]
    assert len(cache.activations) == 3 and cache.activations[0] is x
    for delta, a_prev, dW in zip(grads.deltas, cache.activations, grads.dW, strict=False):
        assert_agree(dW, delta @ a_prev.T)
