"""The forward value of every operation against the same formula in plain NumPy.

One table: each operation as the engine computes it and as a NumPy expression written from
its definition (not from the engine's code: the sigmoid as 1/(1 + e⁻ˣ), the convolution as
a sum over windows, log-sum-exp at inputs small enough for the naive formula). The
finite-difference tests check gradients *given* the forward value; this pins the value.
"""

from __future__ import annotations

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from quizkit.backprop import (
    Tensor,
    avg_pool2d,
    bce_with_logits,
    concatenate,
    conv2d,
    cross_entropy,
    log_softmax,
    logsumexp,
    max_pool2d,
    maximum,
    mse_loss,
    softmax,
    stack,
    where,
)
from quizkit.backprop.nn import Linear, linear

rng = np.random.default_rng(11)
A = rng.normal(size=(3, 4))
B = rng.normal(size=(3, 4))
ROW = rng.normal(size=4)
POS = np.abs(A) + 0.5
M = rng.normal(size=(4, 2))
COND = rng.random(size=(3, 4)) < 0.5
LABELS = np.array([0, 3, 1])
Y01 = rng.random(size=(3, 4))
IMAGES = rng.normal(size=(2, 3, 6, 5))
KERNELS = rng.normal(size=(4, 3, 3, 2))
BIAS = rng.normal(size=4)


def naive_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def naive_softmax(x, axis=-1):
    e = np.exp(x)
    return e / e.sum(axis=axis, keepdims=True)


def windows(x, kh, kw, stride):
    """(N, C, Ho, Wo, kh, kw): every kh×kw window of x at `stride`."""
    return sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]


def correlate(x, w, b, stride, padding):
    padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    patches = windows(padded, w.shape[2], w.shape[3], stride)
    return np.einsum("ncijpq,fcpq->nfij", patches, w) + b[None, :, None, None]


T = Tensor  # the table reads better with a short name

# name: (engine, NumPy), each a function of no arguments returning the value.
FORWARD = {
    "add": (lambda: T(A) + T(ROW), lambda: A + ROW),
    "sub": (lambda: T(A) - T(B), lambda: A - B),
    "mul": (lambda: T(A) * T(B), lambda: A * B),
    "div": (lambda: T(A) / T(POS), lambda: A / POS),
    "pow": (lambda: T(POS) ** T(B), lambda: POS**B),
    "pow-number": (lambda: T(A) ** 3, lambda: A**3),
    "neg": (lambda: -T(A), lambda: -A),
    "radd": (lambda: 2.5 + T(A), lambda: 2.5 + A),
    "rsub": (lambda: 2.5 - T(A), lambda: 2.5 - A),
    "rmul": (lambda: 2.5 * T(A), lambda: 2.5 * A),
    "rtruediv": (lambda: 2.5 / T(POS), lambda: 2.5 / POS),
    "rpow": (lambda: 2.5 ** T(A), lambda: 2.5**A),
    "matmul": (lambda: T(A) @ T(M), lambda: A @ M),
    "matmul-vector": (lambda: T(ROW) @ T(M), lambda: ROW @ M),
    "sum": (lambda: T(A).sum(), lambda: A.sum()),
    "sum-axis": (lambda: T(A).sum(axis=0, keepdims=True), lambda: A.sum(axis=0, keepdims=True)),
    "mean": (lambda: T(A).mean(axis=1), lambda: A.mean(axis=1)),
    "var": (lambda: T(A).var(), lambda: ((A - A.mean()) ** 2).mean()),
    "var-axis": (lambda: T(A).var(axis=0), lambda: np.var(A, axis=0)),
    "max": (lambda: T(A).max(), lambda: A.max()),
    "max-axis": (lambda: T(A).max(axis=1, keepdims=True), lambda: A.max(axis=1, keepdims=True)),
    "reshape": (lambda: T(A).reshape(2, 6), lambda: A.reshape(2, 6)),
    "transpose": (lambda: T(A).T, lambda: A.T),
    "index": (lambda: T(A)[[2, 0, 2], 1:], lambda: A[[2, 0, 2], 1:]),
    "relu": (lambda: T(A).relu(), lambda: np.where(A > 0, A, 0.0)),
    "leaky_relu": (lambda: T(A).leaky_relu(0.1), lambda: np.where(A > 0, A, 0.1 * A)),
    "sigmoid": (lambda: T(A).sigmoid(), lambda: naive_sigmoid(A)),
    "tanh": (lambda: T(A).tanh(), lambda: np.tanh(A)),
    "exp": (lambda: T(A).exp(), lambda: np.exp(A)),
    "log": (lambda: T(POS).log(), lambda: np.log(POS)),
    "abs": (lambda: abs(T(A)), lambda: np.abs(A)),
    "detach": (lambda: T(A, requires_grad=True).detach(), lambda: A),
    "maximum": (lambda: maximum(T(A), T(B)), lambda: np.maximum(A, B)),
    "where": (lambda: where(COND, T(A), T(B)), lambda: np.where(COND, A, B)),
    "concatenate": (
        lambda: concatenate([T(A), T(B)], axis=1),
        lambda: np.concatenate([A, B], axis=1),
    ),
    "stack": (lambda: stack([T(A), T(B)], axis=-1), lambda: np.stack([A, B], axis=-1)),
    "mse_loss": (lambda: mse_loss(T(A), T(B)), lambda: ((A - B) ** 2).mean()),
    "softmax": (lambda: softmax(T(A), axis=0), lambda: naive_softmax(A, axis=0)),
    "cross_entropy": (
        lambda: cross_entropy(T(A), LABELS),
        lambda: -np.log(naive_softmax(A)[np.arange(3), LABELS]).mean(),
    ),
    "logsumexp": (lambda: logsumexp(T(A), axis=1), lambda: np.log(np.exp(A).sum(axis=1))),
    "log_softmax": (lambda: log_softmax(T(A)), lambda: np.log(naive_softmax(A))),
    "bce_with_logits": (
        lambda: bce_with_logits(T(A), Y01),
        lambda: -(Y01 * np.log(naive_sigmoid(A)) + (1 - Y01) * np.log(1 - naive_sigmoid(A))).mean(),
    ),
    "linear": (lambda: linear(T(A), T(M), T(M[0])), lambda: A @ M + M[0]),
    "conv2d": (
        lambda: conv2d(T(IMAGES), T(KERNELS), T(BIAS), stride=2, padding=1),
        lambda: correlate(IMAGES, KERNELS, BIAS, stride=2, padding=1),
    ),
    "conv2d-plain": (
        lambda: conv2d(T(IMAGES), T(KERNELS)),
        lambda: correlate(IMAGES, KERNELS, np.zeros(4), stride=1, padding=0),
    ),
    "max_pool2d": (
        lambda: max_pool2d(T(IMAGES), 2),
        lambda: windows(IMAGES, 2, 2, 2).max(axis=(-2, -1)),
    ),
    "max_pool2d-overlapping": (
        lambda: max_pool2d(T(IMAGES), 3, stride=1),
        lambda: windows(IMAGES, 3, 3, 1).max(axis=(-2, -1)),
    ),
    "avg_pool2d": (
        lambda: avg_pool2d(T(IMAGES), 2),
        lambda: windows(IMAGES, 2, 2, 2).mean(axis=(-2, -1)),
    ),
}


@pytest.mark.parametrize("name", sorted(FORWARD))
def test_forward_value_matches_numpy(name):
    engine, reference = FORWARD[name]
    expected = np.asarray(reference())
    got = engine()
    assert isinstance(got, Tensor)
    assert got.shape == expected.shape, f"{name}: shape {got.shape}, NumPy {expected.shape}"
    np.testing.assert_allclose(got.data, expected, rtol=1e-12, atol=1e-12)


def test_the_table_covers_every_public_operation():
    """A new operation exported by the engine must get a row here."""
    import quizkit.backprop as engine

    not_operations = {"Tensor", "trace", "show_graph", "gradcheck", "Function"}
    operations = set(engine.__all__) - not_operations
    covered = {name.partition("-")[0] for name in FORWARD}
    assert operations <= covered, sorted(operations - covered)
    methods = {"sum", "mean", "var", "max", "reshape", "relu", "leaky_relu", "sigmoid", "tanh"}
    methods |= {"exp", "log", "abs", "detach"}
    assert methods <= covered, sorted(methods - covered)


def test_linear_layer_forward_matches_numpy():
    layer = Linear(4, 2, rng=0)
    for x in (A, ROW, np.stack([A, B])):  # a batch, one example, a stack of batches
        np.testing.assert_allclose(layer(x).data, x @ layer.W.data + layer.b.data, rtol=1e-12)
