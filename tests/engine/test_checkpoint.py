"""Checkpointed backprop: the same gradients as plain backprop, with √L stored activations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from quizkit.backprop.checkpoint import checkpointed_backward, make_stack, plain_backward


def loss(out):
    return (out**2).mean()


def grads(layers):
    return [p.grad.copy() for layer in layers for p in layer.parameters()]


@pytest.mark.parametrize("depth,every", [(16, 4), (10, 3), (7, 1), (5, 5), (9, None)])
def test_checkpointing_gives_identical_gradients(depth, every):
    rng = np.random.default_rng(depth)
    layers = make_stack(depth, width=6, rng=rng)
    x = rng.normal(size=(4, 6))
    plain = plain_backward(layers, x, loss)
    expected = grads(layers)
    checkpointed = checkpointed_backward(layers, x, loss, every=every)
    assert checkpointed.loss == pytest.approx(plain.loss, rel=1e-15)
    np.testing.assert_allclose(checkpointed.input_grad, plain.input_grad, rtol=1e-12, atol=0)
    for got, want in zip(grads(layers), expected, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    assert plain.peak_stored == depth + 1  # the input and every layer's output
    assert checkpointed.layer_forwards == 2 * depth  # one extra forward pass


def test_peak_storage_grows_like_square_root_of_depth():
    depths = [16, 64, 256]
    plain_peaks, checkpoint_peaks = [], []
    for depth in depths:
        layers = make_stack(depth, width=4, rng=0)
        x = np.ones((2, 4))
        plain_peaks.append(plain_backward(layers, x, loss).peak_stored)
        report = checkpointed_backward(layers, x, loss, every=round(math.sqrt(depth)))
        checkpoint_peaks.append(report.peak_stored)
    logs = np.log(depths)
    exponent = np.polyfit(logs, np.log(checkpoint_peaks), 1)[0]
    plain_exponent = np.polyfit(logs, np.log(plain_peaks), 1)[0]
    assert 0.4 <= exponent <= 0.6, (checkpoint_peaks, exponent)
    assert plain_exponent > 0.95, (plain_peaks, plain_exponent)
    assert all(c <= 2 * math.sqrt(d) + 1 for c, d in zip(checkpoint_peaks, depths, strict=True))


def test_on_visit_watches_every_layer_output_once_per_backward_in_reverse_order():
    class Named:
        def __init__(self, i, block):
            self.i, self.block = i, block

        def parameters(self):
            return self.block.parameters()

        def __call__(self, h):
            return self.block(h).named(str(self.i))

    layers = [Named(i, b) for i, b in enumerate(make_stack(6, 3, rng=0))]
    for run in (plain_backward, checkpointed_backward):
        seen: list[str] = []
        run(
            layers,
            np.ones((2, 3)),
            lambda h: h.sum(),
            on_visit=lambda n, seen=seen: seen.append(n.name),
        )
        assert [name for name in seen if name is not None] == ["5", "4", "3", "2", "1", "0"]
