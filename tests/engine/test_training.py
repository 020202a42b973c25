"""A small MLP trained with SGD learns XOR."""

from __future__ import annotations

import numpy as np

from quizkit.backprop import cross_entropy, mse_loss
from quizkit.backprop.nn import MLP, SGD

STATED_LOSS = 1e-3


def xor_data(rng, n=64):
    x = rng.uniform(-1, 1, size=(n, 2))
    labels = ((x[:, 0] > 0) ^ (x[:, 1] > 0)).astype(int)
    return x, labels


def test_mlp_learns_xor_corners_with_mse():
    x = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([[0.0], [1.0], [1.0], [0.0]])
    model = MLP([2, 8, 1], activation="tanh", rng=0)
    opt = SGD(model.parameters(), lr=0.1)
    first = None
    for _ in range(1000):
        opt.zero_grad()
        loss = mse_loss(model(x), y)
        loss.backward()
        opt.step()
        first = float(loss.data) if first is None else first
    final = float(mse_loss(model(x), y).data)
    assert first > 0.1
    assert final < STATED_LOSS
    np.testing.assert_allclose(model(x).data, y, atol=0.05)


def test_mlp_classifies_noisy_xor_with_cross_entropy_and_clipping():
    rng = np.random.default_rng(1)
    x, labels = xor_data(rng, 128)
    model = MLP([2, 16, 16, 2], activation="relu", rng=rng)
    opt = SGD(model.parameters(), lr=0.2, clip_norm=5.0)
    for _ in range(600):
        opt.zero_grad()
        cross_entropy(model(x), labels).backward()
        opt.step()
    loss = float(cross_entropy(model(x), labels).data)
    accuracy = float(np.mean(model(x).data.argmax(axis=1) == labels))
    assert loss < 0.15, loss
    assert accuracy > 0.95, accuracy
