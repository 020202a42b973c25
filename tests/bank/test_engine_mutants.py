"""Bugs planted in the engine: each one applies to today's source, changes what the engine
computes, and is removed again; items that ignore the engine are found by them."""

from __future__ import annotations

import numpy as np
import pytest
from bankhelp import MCQ_ITEM, TF_ITEM, TRACE_ITEM

from quizkit.backprop import (
    Tensor,
    bce_with_logits,
    checkpoint,
    concatenate,
    cross_entropy,
    dense,
    gradcheck,
    log_softmax,
    logsumexp,
    maximum,
    nn,
    softmax,
    stack,
    where,
)
from quizkit.backprop.conv import avg_pool2d, conv2d, max_pool2d
from quizkit.backprop.function import Function
from quizkit.bank.check import check_paths
from quizkit.bank.engine_mutants import BUGS, EngineBug, StaleBug, _functions
from quizkit.bank.mutate import engine_dependence


class Scale(Function):
    """x · s, written by hand: s is broadcast over x's rows."""

    @staticmethod
    def forward(ctx, x, s):
        ctx.save(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved
        return grad * s, grad * x  # the output's shape: s's is summed back by the engine


def probe() -> np.ndarray:
    """Many numbers the engine computes, touching every part a planted bug can edit."""
    rng = np.random.default_rng(7)
    out: list[np.ndarray] = []

    x = Tensor(rng.uniform(0.5, 1.5, (2, 3)), requires_grad=True)
    w = Tensor(rng.normal(size=(3, 2)), requires_grad=True)
    b = Tensor(rng.normal(size=(2,)), requires_grad=True)
    h = x @ w + b  # a broadcast bias
    y = (h.tanh() * h.sigmoid() + h.relu() - h.leaky_relu(0.1) / (x.sum() + 1.0)) ** 2
    z = y.mean() + x.exp().log().sum() * x[0, 0] + x[[0, 0], [1, 1]].sum()
    z = z + ((x - 1.0).relu() * 3.0 + (x - 1.0).leaky_relu(0.1) * 5.0).sum()  # mixed signs
    visited: list[str] = []
    z.backward(on_visit=lambda node: visited.append(node.op))
    out += [x.grad, w.grad, b.grad, np.array([len(visited)])]

    logits = Tensor(rng.normal(size=(2, 4)), requires_grad=True)
    (softmax(logits) * Tensor(rng.normal(size=(2, 4)))).sum().backward()
    out.append(logits.grad)
    logits = Tensor(rng.normal(size=(3, 4)), requires_grad=True)
    cross_entropy(logits, [0, 3, 1]).backward()
    out.append(logits.grad)

    # The later lessons' ops: exact ties (max, maximum), parts of unequal length, a cut graph.
    u = Tensor([[1.0, 3.0, 3.0], [2.0, -1.0, 0.5]], requires_grad=True)
    v = Tensor(
        np.random.default_rng(8).normal(size=(2, 3)), requires_grad=True
    )  # rng's stream kept
    rows = concatenate([u, v, u[:1]], axis=0)  # lengths 2, 2, 1
    columns = [rows.max(axis=0), rows.var(axis=0), (maximum(u, 3.0) + maximum(u, v)).sum(axis=0)]
    pooled = stack(columns, axis=1)
    mixed = where(np.array([True, False, True]), pooled, pooled * 2.0)
    total = logsumexp(mixed, axis=0).sum() + (log_softmax(mixed) * mixed).mean()
    targets = np.array([[0.0, 1.0, 0.3], [1.0, 0.0, 0.7]])
    total = total + bce_with_logits(v * 2.0, targets) + (u.detach() * u).sum() + v.abs().sum()
    total.backward()
    out += [u.grad, v.grad]

    # Convolution and pooling (overlapping windows), and a hand-written Function at a fork.
    other = np.random.default_rng(9)
    images = Tensor(other.normal(size=(2, 2, 5, 5)), requires_grad=True)
    kernels = Tensor(other.normal(size=(3, 2, 3, 3)), requires_grad=True)
    maps = conv2d(images, kernels, padding=1)
    pooled = max_pool2d(maps, 2, stride=1) * 2.0 + avg_pool2d(maps, 2)[..., :1, :1]
    (pooled * Tensor(other.normal(size=pooled.shape))).sum().backward()
    out += [images.grad, kernels.grad]
    a = Tensor(other.normal(size=(2, 3)), requires_grad=True)
    s = Tensor(other.normal(size=3), requires_grad=True)
    scaled = Scale.apply(a, s)
    ((scaled * scaled).sum() + (scaled * a).sum()).backward()
    out += [a.grad, s.grad]

    layer = nn.Linear(3, 2, rng=1)
    inputs = Tensor(rng.normal(size=(4, 3)), requires_grad=True)
    (layer(inputs) ** 2).mean().backward()
    out += [inputs.grad, layer.b.grad]
    nn.SGD(layer.parameters(), lr=0.1).step()
    out.append(layer.W.data.copy())
    for p in layer.parameters():
        p.grad = np.full_like(p.data, 100.0)
    nn.SGD(layer.parameters(), lr=0.1, clip_norm=1.0).step()
    out.append(layer.W.data.copy())

    weights = [rng.normal(size=(3, 2)), rng.normal(size=(1, 3))]
    biases = [rng.normal(size=3), rng.normal(size=1)]
    _, grads, _ = dense.loss_and_gradients(
        weights, biases, rng.normal(size=(2, 4)), rng.normal(size=(1, 4)), "sigmoid"
    )
    out += grads.dW + grads.db

    layers = checkpoint.make_stack(9, 4, rng=3)
    report = checkpoint.checkpointed_backward(
        layers, rng.normal(size=(2, 4)), lambda t: (t * t).mean(), every=3
    )
    out.append(np.array([report.peak_stored, report.layer_forwards]))

    v = Tensor(rng.normal(size=3))
    # Not separable: an entry left nudged changes the other entries' differences.
    out += gradcheck(lambda t: (t * t * t).sum() * t.sum(), [v]).numeric
    return np.concatenate([np.ravel(np.asarray(a, dtype=float)) for a in out])


def test_the_catalogue_has_at_least_a_dozen_distinct_bugs():
    assert len(BUGS) >= 12
    assert len({bug.id for bug in BUGS}) == len(BUGS)


@pytest.mark.parametrize("bug", BUGS, ids=lambda bug: bug.id)
def test_each_bug_changes_what_the_engine_computes_and_is_removed_after(bug):
    clean = probe()
    with bug.applied():
        with np.errstate(all="ignore"):
            try:
                buggy = probe()
            except Exception:  # a bug may also make the engine fail outright
                buggy = None
    assert buggy is None or buggy.shape != clean.shape or not np.array_equal(buggy, clean)
    np.testing.assert_array_equal(probe(), clean)


def test_a_bug_is_removed_even_when_the_code_inside_raises():
    import quizkit.backprop.tensor as tensor_module

    before = {f: f.__code__ for f in _functions(tensor_module)}
    with pytest.raises(ZeroDivisionError), BUGS[0].applied():
        1 / 0  # noqa: B018
    assert {f: f.__code__ for f in _functions(tensor_module)} == before


def test_a_bug_whose_text_is_gone_is_reported_as_stale():
    bug = EngineBug("gone", "quizkit.backprop.tensor", "no such text", "x", "stale")
    with pytest.raises(StaleBug, match="holds the text to edit 0 times"), bug.applied():
        pass


def test_dependence_names_the_bugs_each_item_notices(write_bank):
    report = check_paths([write_bank(TF_ITEM + MCQ_ITEM + TRACE_ITEM)])
    assert report.clean
    dependence = engine_dependence(report.banks, report.outcomes)
    noticed = {
        dependence.items[key].id: set(dependence.noticed.get(key, [])) for key in dependence.items
    }
    # 2 + 2 == 4 runs no engine code; the product x·3 and the trace y = w·x both do.
    assert noticed["two-plus-two"] == set()
    assert "mul-wrong-operand" in noticed["times-table"]
    assert "mul-wrong-operand" in noticed["scale-trace"]
    assert "tanh-slope" not in noticed["scale-trace"]
    [problem] = dependence.problems()
    assert (problem.item_id, problem.field) == ("two-plus-two", "evidence")
    assert dependence.ratio == pytest.approx(2 / 3)


# -- contributed code that changes the engine for everything after it -------------------------

PATCH_UNDER_A_BUG = """
- id: patches-when-wrong
  kind: true_false
  difficulty: easy
  topics: [testing]
  prompt: "Doubling sends 2 back."
  answer: true
  explanation: "d(2x)/dx = 2."
  evidence: |
    x = Tensor(3.0, requires_grad=True)
    (x * 2.0).backward()
    if float(x.grad) != 2.0:  # only under a planted bug: 'repair' the engine for good
        Tensor.__mul__ = lambda a, b: Tensor(a.data * getattr(b, "data", b))
    answer = float(x.grad) == 2.0
"""


def test_evidence_that_changes_the_engine_is_undone_and_reported(write_bank):
    report = check_paths([write_bank(PATCH_UNDER_A_BUG + MCQ_ITEM)])
    assert report.clean
    original = Tensor.__mul__
    dependence = engine_dependence(report.banks, report.outcomes, BUGS[:3])
    assert Tensor.__mul__ is original
    # The patch made under the first bug must not decide the later bugs' runs: the product
    # item still notices a sum that drops its second input (bug 2 breaks no product).
    noticed = {dependence.items[k].id: dependence.noticed.get(k, []) for k in dependence.items}
    assert noticed["times-table"][0] == "mul-wrong-operand"
    tampered = [dependence.items[k].id for k in dependence.tampered]
    assert tampered == ["patches-when-wrong"]
    assert any(
        p.item_id == "patches-when-wrong" and "changes the engine (Tensor.__mul__" in p.message
        for p in dependence.problems()
    )


def test_engine_state_names_and_undoes_changes_to_the_engine_and_numpy():
    from quizkit.bank.engine_mutants import EngineState

    mul, total, add_defaults = Tensor.__mul__, np.sum, Tensor.__add__.__defaults__
    state = EngineState.capture()
    assert state.changes() == []
    try:
        Tensor.__mul__ = Tensor.__add__
        np.sum = len
        Tensor.added_by_evidence = 1
        Tensor.__add__.__defaults__ = (1,)
        assert state.changes() == [
            "np.sum",
            "Tensor.__mul__",
            "Tensor.added_by_evidence",
            "quizkit.backprop.tensor.Tensor.__add__ (its code or defaults)",
        ]
    finally:
        state.restore()
    assert state.changes() == []
    assert Tensor.__mul__ is mul and np.sum is total
    assert Tensor.__add__.__defaults__ == add_defaults
    assert not hasattr(Tensor, "added_by_evidence")


def test_a_warning_raised_inside_the_engine_is_not_a_change_to_it():
    import warnings

    from quizkit.bank.engine_mutants import EngineState

    state = EngineState.capture()
    with warnings.catch_warnings():
        warnings.simplefilter("default")
        Tensor(
            [1000.0 + len(state.functions)]
        ).exp()  # overflow: NumPy warns, Python records it in the module
    assert state.changes() == []


def test_evidence_that_changes_the_engine_is_reported_and_undone(write_bank):
    saboteur = MCQ_ITEM.replace(
        "answer = float(x.grad) * 2.0",
        "answer = float(x.grad) * 2.0\n    Tensor.__mul__ = Tensor.__add__",
    )
    path = write_bank(saboteur + TRACE_ITEM)
    report = check_paths([path])
    [problem] = report.problems
    assert (problem.item_id, problem.field) == ("times-table", "evidence")
    assert "changes the engine (Tensor.__mul__)" in problem.message
    x = Tensor(2.0, requires_grad=True)
    (x * 3.0).backward()  # the real product again, for the trace item and everyone after
    assert float(x.grad) == 3.0
