"""Every Tensor operation's gradient against centered finite differences in float64.

Each case builds the objective sum(op(inputs) * R) for a fixed random R, so every output
element carries a different weight, seeds backward() with R directly, and compares with
(f(θ+ε) − f(θ−ε)) / 2ε computed element by element.

The cases are functions of their shapes and a seed, written once here and run twice: with
shapes drawn by hypothesis (test_ops_finite_differences.py, CPython only: hypothesis ships a
compiled extension that Pyodide cannot load) and with fixed shapes, broadcasting pairs and
0-d included (test_ops_fixed_shapes.py, which also runs under Pyodide).
"""

from __future__ import annotations

import numpy as np

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
from quizkit.backprop.nn import linear

EPS = 1e-6
RTOL = 1e-6


def numeric_gradient(f, arrays, index):
    """Centered differences of the scalar f(*arrays) with respect to arrays[index]."""
    x = arrays[index]
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + EPS
        up = f(*arrays)
        x[i] = saved - EPS
        down = f(*arrays)
        x[i] = saved
        grad[i] = (up - down) / (2 * EPS)
    return grad


def check(op, arrays, rng):
    """Compare op's backward() with finite differences for every input array."""
    arrays = [np.array(a, dtype=np.float64) for a in arrays]
    tensors = [Tensor(a, requires_grad=True) for a in arrays]
    out = op(*tensors)
    weights = rng.normal(size=out.shape)
    out.backward(weights)

    def objective(*xs):
        return float(np.sum(op(*[Tensor(x) for x in xs]).data * weights))

    for i, t in enumerate(tensors):
        assert t.grad is not None and t.grad.shape == t.shape
        expected = numeric_gradient(objective, arrays, i)
        np.testing.assert_allclose(t.grad, expected, rtol=RTOL, atol=1e-8)


def away_from_zero(a, gap=0.05):
    """Values at least `gap` from 0, so kinks and poles stay outside the ±ε stencil."""
    return np.where(a >= 0, a + gap, a - gap)


BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b,
    "pow": lambda a, b: a**b,
    "maximum": maximum,
}

REFLECTED = {
    "radd": lambda a: 2.5 + a,
    "rsub": lambda a: 2.5 - a,
    "rmul": lambda a: 2.5 * a,
    "rtruediv": lambda a: 2.5 / a,
    "rpow": lambda a: 2.5**a,
    "pow-number": lambda a: a**3,
    "neg": lambda a: -a,
    "array-left": lambda a: np.linspace(1.0, 2.0, a.shape[-1] if a.ndim else 1) * a,
}

UNARY = {
    "relu": lambda a: a.relu(),
    "leaky_relu": lambda a: a.leaky_relu(0.1),
    "sigmoid": lambda a: a.sigmoid(),
    "tanh": lambda a: a.tanh(),
    "exp": lambda a: a.exp(),
    "log": lambda a: a.log(),
    "T": lambda a: a.T,
    "reshape": lambda a: a.reshape(-1),
    "sum": lambda a: a.sum(),
    "mean": lambda a: a.mean(),
    "softmax": lambda a: softmax(a),
    "var": lambda a: a.var(),
    "max": lambda a: a.max(),
    "abs": lambda a: a.abs(),
    "logsumexp": lambda a: logsumexp(a.reshape(-1)),
    "log_softmax": lambda a: log_softmax(a),
}


def binary_case(name, shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.normal(size=s) for s in shapes)
    if name == "div":
        b = away_from_zero(b, 0.5)
    if name == "pow":
        a = np.abs(a) + 0.5  # a positive base keeps aᵇ and ln a real
    if name == "maximum":
        a = a + np.where(a >= b, 0.05, -0.05)  # no tie within the ±ε stencil
    check(BINARY[name], [a, b], rng)


def reflected_case(name, shape, seed):
    rng = np.random.default_rng(seed)
    check(REFLECTED[name], [away_from_zero(rng.normal(size=shape), 0.5)], rng)


def unary_case(name, shape, seed):
    rng = np.random.default_rng(seed)
    x = away_from_zero(rng.normal(size=shape))
    if name == "log":
        x = np.abs(x)
    check(UNARY[name], [x], rng)


def axis_case(shape, axis, keepdims, seed):
    """The reductions and softmaxes over one axis."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=shape)
    check(lambda a: a.sum(axis=axis, keepdims=keepdims), [x], rng)
    check(lambda a: a.mean(axis=axis, keepdims=keepdims), [x], rng)
    check(lambda a: softmax(a, axis=axis), [x], rng)
    check(lambda a: a.var(axis=axis, keepdims=keepdims), [x], rng)
    check(lambda a: a.max(axis=axis, keepdims=keepdims), [x], rng)
    check(lambda a: logsumexp(a, axis=axis, keepdims=keepdims), [x], rng)
    check(lambda a: log_softmax(a, axis=axis), [x], rng)


def several_axes_case(shape, seed):
    rng = np.random.default_rng(seed)
    axes = (0, -1)
    x = rng.normal(size=shape)
    for keepdims in (False, True):
        check(lambda a, k=keepdims: a.var(axis=axes, keepdims=k), [x], rng)
        check(lambda a, k=keepdims: a.max(axis=axes, keepdims=k), [x], rng)


def where_case(shapes, seed):
    rng = np.random.default_rng(seed)
    cond_shape, a_shape, b_shape = shapes
    cond = rng.random(cond_shape) < 0.5
    check(lambda a, b: where(cond, a, b), [rng.normal(size=a_shape), rng.normal(size=b_shape)], rng)


def join_case(shape, axis, lengths, new_axis, seed):
    """concatenate parts that differ in length along `axis`; stack parts of one shape."""
    rng = np.random.default_rng(seed)
    arrays = []
    for n in lengths:
        part = list(shape)
        part[axis] = n
        arrays.append(rng.normal(size=part))
    check(lambda *ts: concatenate(ts, axis=axis), arrays, rng)
    same = [rng.normal(size=shape) for _ in lengths]
    check(lambda *ts: stack(ts, axis=new_axis), same, rng)


def matmul_case(n, k, m, seed):
    """Every rank combination NumPy's matmul accepts: 2-D, 1-D on either side, batched."""
    rng = np.random.default_rng(seed)
    matmul = lambda a, b: a @ b  # noqa: E731
    check(matmul, [rng.normal(size=(n, k)), rng.normal(size=(k, m))], rng)
    check(matmul, [rng.normal(size=k), rng.normal(size=(k, m))], rng)
    check(matmul, [rng.normal(size=(n, k)), rng.normal(size=k)], rng)
    check(matmul, [rng.normal(size=k), rng.normal(size=k)], rng)
    check(matmul, [rng.normal(size=(2, n, k)), rng.normal(size=(k, m))], rng)


def indexing_case(shape, seed):
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, shape[0], size=6)  # repeats on purpose: their gradients add
    check(lambda a: a[picks], [rng.normal(size=shape)], rng)


def losses_case(n, classes, seed):
    rng = np.random.default_rng(seed)
    targets = rng.integers(0, classes, size=n)
    check(lambda z: cross_entropy(z, targets), [rng.normal(size=(n, classes)) * 3], rng)
    y = rng.normal(size=(n, classes))
    check(lambda p: mse_loss(p, y), [rng.normal(size=(n, classes))], rng)
    check(lambda p, t: mse_loss(p, t), [rng.normal(size=(n, 1)), rng.normal(size=(n, 1))], rng)
    check(lambda p: mse_loss(p, 0.5), [rng.normal(size=(n, classes))], rng)
    y01 = rng.random(size=(n, classes))  # soft targets in [0, 1]
    check(lambda z: bce_with_logits(z, y01), [rng.normal(size=(n, classes)) * 3], rng)
    check(lambda z: bce_with_logits(z, y01[:, 0]), [rng.normal(size=n) * 3], rng)


def linear_case(n, k, m, seed):
    rng = np.random.default_rng(seed)
    shapes = [(n, k), (k, m), (m,)]
    check(linear, [rng.normal(size=s) for s in shapes], rng)
    x, W, b = (Tensor(rng.normal(size=s)) for s in shapes)
    np.testing.assert_allclose(linear(x, W, b).data, (x @ W + b).data, rtol=1e-14)
