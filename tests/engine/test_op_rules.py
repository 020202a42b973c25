"""The documented rules of the reductions, selections and stable losses, checked by hand.

Finite differences cannot judge a kink (a tie in max, |x| at 0) nor a value that overflows, so
the expected numbers below are worked out from each op's docstring, not from its code.
"""

from __future__ import annotations

import numpy as np
import pytest

from quizkit.backprop import (
    Tensor,
    bce_with_logits,
    concatenate,
    cross_entropy,
    log_softmax,
    logsumexp,
    maximum,
    softmax,
    stack,
    trace,
    where,
)


def grad_of(make, *arrays, seed=None):
    """Gradients of sum(make(*tensors) * seed) (seed defaults to ones) for each input."""
    tensors = [Tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    out = make(*tensors)
    out.backward(np.ones(out.shape) if seed is None else np.asarray(seed, dtype=np.float64))
    return [t.grad for t in tensors]


# -- ties and kinks --------------------------------------------------------------------------


def test_max_splits_the_gradient_evenly_among_tied_maxima():
    x = [[1.0, 3.0, 3.0], [2.0, 0.0, -1.0]]
    [g] = grad_of(lambda t: t.max(axis=1), x, seed=[4.0, 6.0])
    np.testing.assert_allclose(g, [[0, 2, 2], [6, 0, 0]])
    [g] = grad_of(lambda t: t.max(), [2.0, 5.0, 5.0, 5.0])
    np.testing.assert_allclose(g, [0, 1 / 3, 1 / 3, 1 / 3])
    [g] = grad_of(lambda t: t.max(axis=0, keepdims=True), x, seed=[[1.0, 1.0, 1.0]])
    np.testing.assert_allclose(g, [[0, 1, 1], [1, 0, 0]])


def test_max_values_and_shapes_follow_numpy():
    x = np.arange(24.0).reshape(2, 3, 4) % 7
    for axis in (None, 0, -1, (0, 2)):
        for keepdims in (False, True):
            out = Tensor(x).max(axis=axis, keepdims=keepdims)
            np.testing.assert_array_equal(out.data, x.max(axis=axis, keepdims=keepdims))


def test_maximum_sends_the_gradient_to_the_larger_and_halves_it_on_ties():
    ga, gb = grad_of(maximum, [1.0, 2.0, 3.0], [3.0, 2.0, 1.0], seed=[10.0, 10.0, 10.0])
    np.testing.assert_allclose(ga, [0, 5, 10])
    np.testing.assert_allclose(gb, [10, 5, 0])
    # A broadcast operand collects its shares from every position it was compared at.
    ga, gb = grad_of(maximum, [[1.0, 2.0], [2.0, 5.0]], 2.0)
    np.testing.assert_allclose(ga, [[0, 0.5], [0.5, 1]])
    np.testing.assert_allclose(gb, 1 + 0.5 + 0.5)


def test_maximum_with_a_number_is_relu_except_at_the_tie():
    x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    maximum(0.0, x).sum().backward()
    np.testing.assert_allclose(x.grad, [0, 0.5, 1])


def test_abs_uses_slope_zero_at_zero():
    [g] = grad_of(lambda t: t.abs(), [-2.0, 0.0, 3.0])
    np.testing.assert_allclose(g, [-1, 0, 1])
    assert abs(Tensor([-2.0, 3.0])).op == "abs"


# -- variance ------------------------------------------------------------------------------


def test_var_is_the_population_variance_with_gradient_two_deviations_over_n():
    x = Tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    v = x.var()
    assert float(v) == pytest.approx(1.25)  # ((1.5² + 0.5²) · 2) / 4, divided by N not N − 1
    v.backward()
    np.testing.assert_allclose(x.grad, [-0.75, -0.25, 0.25, 0.75])  # 2(x − 2.5)/4


def test_var_gradient_matches_the_graph_built_through_the_mean():
    rng = np.random.default_rng(5)
    x0 = rng.normal(size=(3, 4))
    seed = rng.normal(size=(1, 4))
    [fused] = grad_of(lambda t: t.var(axis=0, keepdims=True), x0, seed=seed)
    [composed] = grad_of(
        lambda t: ((t - t.mean(axis=0, keepdims=True)) ** 2).mean(axis=0, keepdims=True),
        x0,
        seed=seed,
    )
    np.testing.assert_allclose(fused, composed, rtol=1e-12)


# -- where, concatenate, stack ---------------------------------------------------------------


def test_where_routes_each_position_to_the_chosen_input_only():
    cond = np.array([True, False, True])
    ga, gb = grad_of(lambda a, b: where(cond, a, b), [1.0, 2.0, 3.0], 7.0, seed=[1.0, 2.0, 3.0])
    np.testing.assert_allclose(ga, [1, 0, 3])
    np.testing.assert_allclose(gb, 2.0)  # b was broadcast: only the unchosen position counts
    out = where(cond, Tensor([1.0, 2.0, 3.0]), 7.0)
    np.testing.assert_array_equal(out.data, [1, 7, 3])


def test_where_refuses_a_condition_that_is_not_boolean():
    with pytest.raises(TypeError, match=r"where: cond must be a boolean array .* float64"):
        where(np.array([1.0, 0.0]), Tensor([1.0, 2.0]), 0.0)


def test_concatenate_hands_each_input_its_own_slice_of_the_gradient():
    ga, gb = grad_of(
        lambda a, b: concatenate([a, b]), [0.0, 0.0], [0.0, 0.0, 0.0], seed=[1, 2, 3, 4, 5]
    )
    np.testing.assert_array_equal(ga, [1, 2])
    np.testing.assert_array_equal(gb, [3, 4, 5])
    seed = np.arange(10.0).reshape(2, 5)
    ga, gb = grad_of(
        lambda a, b: concatenate([a, b], axis=-1), np.zeros((2, 2)), np.zeros((2, 3)), seed=seed
    )
    np.testing.assert_array_equal(ga, [[0, 1], [5, 6]])
    np.testing.assert_array_equal(gb, [[2, 3, 4], [7, 8, 9]])


def test_stack_hands_each_input_its_own_slice_along_the_new_axis():
    seed = np.arange(6.0).reshape(3, 2)
    ga, gb = grad_of(lambda a, b: stack([a, b], axis=1), np.zeros(3), np.zeros(3), seed=seed)
    np.testing.assert_array_equal(ga, [0, 2, 4])
    np.testing.assert_array_equal(gb, [1, 3, 5])


def test_a_constant_among_concatenated_tensors_gets_no_gradient():
    w = Tensor([1.0, 2.0], requires_grad=True)
    out = concatenate([w, np.array([5.0])])
    (out * out).sum().backward()
    np.testing.assert_allclose(w.grad, [2, 4])
    assert out.parents[1].grad is None


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: concatenate([Tensor(np.zeros((2, 3))), Tensor(np.zeros((2, 4)))]),
            r"concatenate: tensor 1 has shape \(2, 4\) but tensor 0 has shape \(2, 3\);"
            r" all dimensions except axis 0 must match",
        ),
        (
            lambda: concatenate([Tensor(np.zeros((2, 3))), Tensor(np.zeros(3))], axis=1),
            r"concatenate: tensor 1 has shape \(3,\) but tensor 0 has shape \(2, 3\)",
        ),
        (lambda: concatenate([]), "concatenate: needs at least one tensor"),
        (lambda: concatenate([Tensor(1.0)]), r"concatenate: tensor 0 is a single number"),
        (lambda: concatenate([Tensor([1.0])], axis=1), "concatenate: axis 1 is out of range"),
        (
            lambda: stack([Tensor(np.zeros(2)), Tensor(np.zeros(3))]),
            r"stack: tensor 1 has shape \(3,\) but tensor 0 has shape \(2,\)",
        ),
        (lambda: stack([Tensor([1.0])], axis=2), "stack: axis 2 is out of range"),
        (
            lambda: bce_with_logits(Tensor(np.zeros((2, 1))), np.zeros(2)),
            r"bce_with_logits: targets have shape \(2,\) but logits have shape \(2, 1\)",
        ),
    ],
)
def test_bad_input_is_refused_with_the_op_and_the_shapes(make, message):
    with pytest.raises(ValueError, match=message):
        make()


# -- detach -----------------------------------------------------------------------------------


def test_detach_keeps_the_values_and_stops_the_gradient():
    x = Tensor([2.0, 3.0], requires_grad=True)
    h = x * x
    cut = h.detach()
    assert cut.parents == () and not cut.requires_grad and cut.op == "detach"
    assert np.shares_memory(cut.data, h.data)
    (cut * x).sum().backward()
    np.testing.assert_allclose(x.grad, [4, 9])  # only the direct path: d(h·x)/dx with h fixed
    assert cut.grad is None


def test_detach_truncates_backpropagation_through_time():
    # h_t = w · h_{t-1}, unrolled three steps; cutting after step 2 leaves only step 3's path.
    w = Tensor(0.5, requires_grad=True)
    h = Tensor(2.0)
    for _ in range(2):
        h = w * h
    h = h.detach()
    (w * h).backward()
    assert float(w.grad) == pytest.approx(0.5)  # h₂ = 0.5² · 2; the full chain would give 1.5
    assert [node.op for node in trace(w * h).nodes] == ["leaf", "detach", "mul"]


# -- stability at large scores -----------------------------------------------------------------


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_bce_with_logits_stays_finite_at_a_thousand():
    z = Tensor([1000.0, -1000.0, 1000.0, -1000.0], requires_grad=True)
    y = np.array([0.0, 1.0, 1.0, 0.0])
    loss = bce_with_logits(z, y)
    # Confidently wrong costs |z| = 1000 each, confidently right costs 0: mean 2000 / 4.
    assert float(loss) == pytest.approx(500.0)
    loss.backward()
    np.testing.assert_allclose(z.grad, [0.25, -0.25, 0, 0])  # (σ(z) − y) / 4
    with np.errstate(all="ignore"):
        p = sigmoid(z.data)
        naive = -(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert not np.all(np.isfinite(naive))  # what the rewrite avoids


def test_bce_with_logits_matches_the_naive_formula_at_moderate_scores():
    rng = np.random.default_rng(3)
    z0, y = rng.normal(size=(4, 3)) * 4, rng.random(size=(4, 3))
    p = sigmoid(z0)
    naive = np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))
    z = Tensor(z0, requires_grad=True)
    loss = bce_with_logits(z, y)
    assert float(loss) == pytest.approx(naive, rel=1e-12)
    loss.backward()
    np.testing.assert_allclose(z.grad, (p - y) / y.size, rtol=1e-12)


def test_log_softmax_and_logsumexp_stay_finite_at_a_thousand():
    z = Tensor([[0.0, 1000.0], [-1000.0, -1000.0]], requires_grad=True)
    out = log_softmax(z)
    np.testing.assert_allclose(out.data, [[-1000, 0], [-np.log(2), -np.log(2)]])
    out.backward(np.array([[1.0, 0.0], [1.0, 0.0]]))
    # g − softmax · Σg: row 1 has softmax (0, 1), row 2 (½, ½).
    np.testing.assert_allclose(z.grad, [[1, -1], [0.5, -0.5]])
    lse = logsumexp(Tensor([1000.0, 1000.0]))
    assert float(lse) == pytest.approx(1000 + np.log(2), rel=1e-15)
    assert float(logsumexp(Tensor([-np.inf, -np.inf]))) == -np.inf
    with np.errstate(all="ignore"):
        assert not np.isfinite(np.log(np.exp(z.data[0]).sum()))  # the naive form overflows


def test_log_softmax_and_logsumexp_match_the_naive_formulas_at_moderate_scores():
    z = np.random.default_rng(4).normal(size=(3, 5)) * 3
    naive_lse = np.log(np.exp(z).sum(axis=0, keepdims=True))
    np.testing.assert_allclose(
        logsumexp(Tensor(z), axis=0, keepdims=True).data, naive_lse, rtol=1e-13
    )
    naive = np.log(np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True))
    np.testing.assert_allclose(log_softmax(Tensor(z)).data, naive, rtol=1e-12, atol=1e-13)


def test_softmax_and_cross_entropy_are_still_stable():
    z = Tensor([[1000.0, 0.0, -1000.0]], requires_grad=True)
    np.testing.assert_allclose(softmax(z).data, [[1, 0, 0]])
    loss = cross_entropy(z, [1])
    assert float(loss) == pytest.approx(1000.0)
    loss.backward()
    np.testing.assert_allclose(z.grad, [[1, -1, 0]])


# -- names and precision --------------------------------------------------------------------------


def test_each_new_op_is_named_in_the_trace_and_keeps_float32():
    x = Tensor(np.array([[1.0, -2.0], [3.0, 0.5]], dtype=np.float32), requires_grad=True)
    made = {
        "var": x.var(axis=0),
        "max": x.max(),
        "abs": x.abs(),
        "maximum": maximum(x, 0.0),
        "where": where(x.data > 0, x, 1.0),
        "concatenate": concatenate([x, x]),
        "stack": stack([x, x]),
        "logsumexp": logsumexp(x),
        "log_softmax": log_softmax(x),
        "bce_with_logits": bce_with_logits(x, np.ones((2, 2))),
        "detach": x.detach(),
    }
    for op, out in made.items():
        assert trace(out).root.op == op
        assert out.dtype == np.float32, op
        if op != "detach":
            out.backward(np.ones(out.shape, dtype=np.float32))
            assert x.grad.dtype == np.float32, op
            x.grad = None
