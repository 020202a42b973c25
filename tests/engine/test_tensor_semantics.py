"""Behaviour a learner relies on: accumulation, errors, dtypes, names, trace, gradcheck."""

from __future__ import annotations

import gc
import json
import re
import weakref

import numpy as np
import pytest

from quizkit.backprop import Tensor, cross_entropy, diagnostics, gradcheck, mse_loss, softmax, trace
from quizkit.backprop.nn import MLP, SGD, Linear


def test_public_names_are_the_ones_the_package_docstring_introduces():
    # help(quizkit.backprop) is where a learner meets the engine: every exported name is
    # introduced there, and every function or class it introduces (besides Tensor's own
    # methods, and before it turns to the submodules) is exported, with a docstring.
    import quizkit.backprop as engine

    package_part, _submodules = engine.__doc__.split("The rest of the course's tools")
    introduced = set(re.findall(r"`([A-Za-z_]\w*)`", package_part)) - set(dir(Tensor))
    assert len(set(engine.__all__)) == len(engine.__all__)
    assert set(engine.__all__) == introduced
    for name in engine.__all__:
        assert getattr(engine, name).__doc__


def test_second_backward_accumulates_into_leaves_only():
    x = Tensor(3.0, requires_grad=True)
    y = x * x
    z = y * 2.0
    z.backward(retain_graph=True)
    assert float(x.grad) == pytest.approx(12.0)
    assert float(y.grad) == pytest.approx(2.0)
    z.backward(retain_graph=True)  # like PyTorch: the leaf's gradient adds up ...
    assert float(x.grad) == pytest.approx(24.0)
    assert float(y.grad) == pytest.approx(2.0)  # ... an intermediate's is this call's alone
    x.zero_grad()
    assert x.grad is None
    z.backward()
    assert float(x.grad) == pytest.approx(12.0)


def test_non_scalar_backward_needs_a_gradient():
    v = Tensor(np.ones(3), requires_grad=True) * 2.0
    with pytest.raises(ValueError, match=r"shape \(3,\).*backward\(grad=\.\.\.\)"):
        v.backward()
    v.backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(v.parents[0].grad, [2.0, 4.0, 6.0])


def test_value_used_twice_gets_the_sum_of_both_paths():
    c = Tensor(1.5, requires_grad=True)
    (c * 2.0 + c * 5.0).backward()
    assert float(c.grad) == pytest.approx(7.0)


def test_constants_get_no_gradient():
    x = Tensor([1.0, 2.0])
    w = Tensor([0.5, -1.0], requires_grad=True)
    (x * w).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(w.grad, [1.0, 2.0])


def test_dtypes_float64_default_and_float32_kept():
    assert Tensor(1).dtype == np.float64
    assert Tensor([1, 2]).dtype == np.float64
    w = Tensor(np.ones((2, 2), np.float32), requires_grad=True)
    out = ((w * 2.5 + 1) @ w).relu().sigmoid().tanh().exp().log().sum() / 3 - 0.5
    assert out.dtype == np.float32
    out.backward()
    assert w.grad.dtype == np.float32
    logits = Tensor(np.ones((2, 3), np.float32), requires_grad=True)
    loss = cross_entropy(logits, [0, 2]) + mse_loss(softmax(logits), np.zeros((2, 3), np.float32))
    loss.backward()
    assert loss.dtype == np.float32 and logits.grad.dtype == np.float32


def test_reflected_operators_with_arrays_and_numbers():
    a = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    out = np.array([3.0, 4.0]) * a + 1.0 - (2.0 / a) + 2.0**a
    assert isinstance(out, Tensor)
    out.sum().backward()
    expected = np.array([3.0, 4.0]) + 2.0 / np.array([1.0, 4.0]) + np.log(2.0) * 2.0**a.data
    np.testing.assert_allclose(a.grad, expected)


def test_requires_grad_leaf_copies_its_data():
    source = np.zeros(3)
    w = Tensor(source, requires_grad=True)
    w.data -= 1.0
    assert np.all(source == 0.0)


def test_graph_is_freed_without_the_cycle_collector():
    gc.disable()
    try:
        x = Tensor(np.ones(3), requires_grad=True)
        hidden = (x * 2.0) ** 2
        probe = weakref.ref(hidden)
        loss = (hidden.sigmoid() / 3.0).mean()
        loss.backward()
        del hidden, loss
        assert probe() is None  # no closure refers to its own output
    finally:
        gc.enable()


def build_named_graph():
    x = Tensor(2.0, name="x")
    y = Tensor(3.0, requires_grad=True, name="y")
    z = Tensor(4.0, requires_grad=True, name="z")
    q = x + y
    q.name = "q"
    f = q * z
    f.name = "f"
    f.backward()
    return f


def test_trace_is_deterministic_topological_and_json_ready():
    first = trace(build_named_graph()).to_dict()
    second = trace(build_named_graph()).to_dict()
    assert first == second
    nodes = first["nodes"]
    assert [n["label"] for n in nodes] == ["x", "y", "q", "z", "f"]
    assert [n["op"] for n in nodes] == ["leaf", "leaf", "add", "leaf", "mul"]
    assert nodes[-1]["parents"] == [2, 3] and first["root"] == 4
    position = {n["id"]: i for i, n in enumerate(nodes)}
    assert all(position[p] < position[n["id"]] for n in nodes for p in n["parents"])
    by_label = {n["label"]: n for n in nodes}
    assert by_label["f"]["value"] == 20.0
    assert by_label["y"]["grad"] == 4.0 and by_label["z"]["grad"] == 5.0
    assert by_label["x"]["grad"] is None
    assert json.loads(json.dumps(first, allow_nan=False)) == first


def test_trace_writes_non_finite_numbers_as_strings():
    t = Tensor(np.array([np.inf, -np.inf, np.nan]))
    assert trace(t).to_dict()["nodes"][0]["value"] == ["inf", "-inf", "nan"]


def test_gradcheck_passes_correct_gradients_and_catches_wrong_ones():
    rng = np.random.default_rng(0)
    W = Tensor(rng.normal(size=(3, 2)), requires_grad=True, name="W")
    x = Tensor(rng.normal(size=(4, 3)))
    report = gradcheck(lambda: ((x @ W).tanh() ** 2).sum(), [W])
    assert report and report.error < 1e-7 and report.verdict == "excellent"
    assert report.names == ["W"] and len(report.errors) == 1
    assert W.grad is None and W.data.shape == (3, 2)  # restored

    def wrong_square(t):
        out = t._result(t.data**2, (t,), "square")
        out._backward = lambda g: t._accumulate(g * t.data)  # forgot the factor 2
        return out

    bad = gradcheck(lambda w: wrong_square(w).sum(), Tensor(rng.normal(size=3) + 3.0))
    assert not bad and bad.verdict == "bug"
    assert bad.error == pytest.approx(1 / 3, rel=1e-6)  # ‖g − 2g‖ / (‖g‖ + ‖2g‖)
    assert "bug" in str(bad)


def test_nn_init_and_sgd_clipping():
    layer = Linear(400, 300, init="he", rng=0)
    assert np.std(layer.W.data) == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert np.std(Linear(400, 300, init="xavier", rng=0).W.data) == pytest.approx(
        np.sqrt(2 / 700), rel=0.02
    )
    assert np.std(Linear(400, 300, init="normal", rng=0).W.data) == pytest.approx(1.0, rel=0.02)
    with pytest.raises(ValueError, match="init"):
        Linear(2, 2, init="glorot")
    w = Tensor(np.zeros(2), requires_grad=True)
    w.grad = np.array([30.0, 40.0])  # norm 50
    opt = SGD([w], lr=0.1, clip_norm=5.0)
    assert opt.grad_norm() == pytest.approx(50.0)
    opt.step()
    np.testing.assert_allclose(w.data, [-0.3, -0.4])  # scaled to norm 5, times lr
    opt.zero_grad()
    assert w.grad is None


def test_diagnostics_gradient_norms_and_dead_units():
    model = MLP([3, 4, 4, 2], rng=0)
    x = np.random.default_rng(1).normal(size=(8, 3))
    cross_entropy(model(x), [0, 1] * 4).backward()
    norms = diagnostics.gradient_norms(model)
    assert norms == pytest.approx([float(np.linalg.norm(layer.W.grad)) for layer in model.layers])
    assert 0.0 <= diagnostics.dead_relu_fraction(model, x) <= 1.0
    model.layers[0].b.data[:] = [-100.0, -100.0, -100.0, 0.0]  # three units never fire
    model.layers[0].W.data[:, 3] = np.abs(model.layers[0].W.data[:, 3]) + 1
    fractions = diagnostics.dead_relu_fraction(model, np.abs(x), per_layer=True)
    assert fractions[0] == pytest.approx(0.75)
    assert diagnostics.dead_relu_fraction(model, np.abs(x)) == pytest.approx(
        (3 + fractions[1] * 4) / 8
    )


def test_numpy_functions_read_tensor_values():
    t = Tensor([3.0, 4.0], requires_grad=True)
    assert np.linalg.norm(t) == pytest.approx(5.0)
    assert np.array(t).tolist() == [3.0, 4.0]
    assert Tensor(t).data.tolist() == [3.0, 4.0]
    assert (t * 2).named("double").name == "double"
