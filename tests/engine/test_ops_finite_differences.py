"""Every Tensor operation's gradient against centered finite differences in float64.

Each test builds the objective sum(op(inputs) * R) for a fixed random R, so every output
element carries a different weight, seeds backward() with R directly, and compares with
(f(θ+ε) − f(θ−ε)) / 2ε computed element by element. Shapes come from hypothesis,
broadcasting pairs included.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

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
FAST = settings(max_examples=25, deadline=None)

shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)
seeds = st.integers(0, 2**32 - 1)


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


@pytest.mark.parametrize("name", sorted(BINARY))
@FAST
@given(shapes=pairs, seed=seeds)
def test_binary_ops_with_broadcasting(name, shapes, seed):
    rng = np.random.default_rng(seed)
    a, b = (rng.normal(size=s) for s in shapes.input_shapes)
    if name == "div":
        b = away_from_zero(b, 0.5)
    if name == "pow":
        a = np.abs(a) + 0.5  # a positive base keeps aᵇ and ln a real
    if name == "maximum":
        a = a + np.where(a >= b, 0.05, -0.05)  # no tie within the ±ε stencil
    check(BINARY[name], [a, b], rng)


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


@pytest.mark.parametrize("name", sorted(REFLECTED))
@FAST
@given(shape=shapes, seed=seeds)
def test_reflected_and_unary_arithmetic(name, shape, seed):
    rng = np.random.default_rng(seed)
    check(REFLECTED[name], [away_from_zero(rng.normal(size=shape), 0.5)], rng)


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


@pytest.mark.parametrize("name", sorted(UNARY))
@FAST
@given(shape=shapes, seed=seeds)
def test_unary_ops(name, shape, seed):
    rng = np.random.default_rng(seed)
    x = away_from_zero(rng.normal(size=shape))
    if name == "log":
        x = np.abs(x)
    check(UNARY[name], [x], rng)


@FAST
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), data=st.data(), seed=seeds)
def test_sum_and_mean_over_an_axis(shape, data, seed):
    rng = np.random.default_rng(seed)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    keepdims = data.draw(st.booleans())
    x = rng.normal(size=shape)
    check(lambda a: a.sum(axis=axis, keepdims=keepdims), [x], rng)
    check(lambda a: a.mean(axis=axis, keepdims=keepdims), [x], rng)
    check(lambda a: softmax(a, axis=axis), [x], rng)
    check(lambda a: a.var(axis=axis, keepdims=keepdims), [x], rng)
    check(lambda a: a.max(axis=axis, keepdims=keepdims), [x], rng)
    check(lambda a: logsumexp(a, axis=axis, keepdims=keepdims), [x], rng)
    check(lambda a: log_softmax(a, axis=axis), [x], rng)


@FAST
@given(shape=hnp.array_shapes(min_dims=2, max_dims=3, max_side=4), seed=seeds)
def test_reductions_over_several_axes(shape, seed):
    rng = np.random.default_rng(seed)
    axes = (0, -1)
    x = rng.normal(size=shape)
    for keepdims in (False, True):
        check(lambda a, k=keepdims: a.var(axis=axes, keepdims=k), [x], rng)
        check(lambda a, k=keepdims: a.max(axis=axes, keepdims=k), [x], rng)


@FAST
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=4), seed=seeds)
def test_where_with_broadcasting(shapes, seed):
    rng = np.random.default_rng(seed)
    cond_shape, a_shape, b_shape = shapes.input_shapes
    cond = rng.random(cond_shape) < 0.5
    check(lambda a, b: where(cond, a, b), [rng.normal(size=a_shape), rng.normal(size=b_shape)], rng)


@FAST
@given(
    shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
    data=st.data(),
    seed=seeds,
)
def test_concatenate_and_stack(shape, data, seed):
    rng = np.random.default_rng(seed)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    lengths = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    arrays = []
    for n in lengths:  # the parts differ in length along `axis` only
        part = list(shape)
        part[axis] = n
        arrays.append(rng.normal(size=part))
    check(lambda *ts: concatenate(ts, axis=axis), arrays, rng)
    new_axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    same = [rng.normal(size=shape) for _ in lengths]
    check(lambda *ts: stack(ts, axis=new_axis), same, rng)


@FAST
@given(n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4), seed=seeds)
def test_matmul_all_ranks(n, k, m, seed):
    rng = np.random.default_rng(seed)
    matmul = lambda a, b: a @ b  # noqa: E731
    check(matmul, [rng.normal(size=(n, k)), rng.normal(size=(k, m))], rng)
    check(matmul, [rng.normal(size=k), rng.normal(size=(k, m))], rng)
    check(matmul, [rng.normal(size=(n, k)), rng.normal(size=k)], rng)
    check(matmul, [rng.normal(size=k), rng.normal(size=k)], rng)
    check(matmul, [rng.normal(size=(2, n, k)), rng.normal(size=(k, m))], rng)


@FAST
@given(shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=5), seed=seeds)
def test_indexing_routes_gradient_to_the_picked_elements(shape, seed):
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, shape[0], size=6)  # repeats on purpose: their gradients add
    check(lambda a: a[picks], [rng.normal(size=shape)], rng)


@FAST
@given(n=st.integers(1, 5), classes=st.integers(2, 5), seed=seeds)
def test_losses(n, classes, seed):
    rng = np.random.default_rng(seed)
    targets = rng.integers(0, classes, size=n)
    check(lambda z: cross_entropy(z, targets), [rng.normal(size=(n, classes)) * 3], rng)
    y = rng.normal(size=(n, classes))
    check(lambda p: mse_loss(p, y), [rng.normal(size=(n, classes))], rng)
    check(lambda p, t: mse_loss(p, t), [rng.normal(size=(n, 1)), rng.normal(size=(n, 1))], rng)
    y01 = rng.random(size=(n, classes))  # soft targets in [0, 1]
    check(lambda z: bce_with_logits(z, y01), [rng.normal(size=(n, classes)) * 3], rng)
    check(lambda z: bce_with_logits(z, y01[:, 0]), [rng.normal(size=n) * 3], rng)


@FAST
@given(n=st.integers(1, 4), k=st.integers(1, 4), m=st.integers(1, 4), seed=seeds)
def test_fused_linear_layer(n, k, m, seed):
    rng = np.random.default_rng(seed)
    shapes = [(n, k), (k, m), (m,)]
    check(linear, [rng.normal(size=s) for s in shapes], rng)
    x, W, b = (Tensor(rng.normal(size=s)) for s in shapes)
    np.testing.assert_allclose(linear(x, W, b).data, (x @ W + b).data, rtol=1e-14)
