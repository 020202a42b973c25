"""worksheet.evaluate, draw, new_numbers and within, as the checker and the browser call them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from quizkit.backprop import worksheet

CODE = """
x_t = Tensor(x, name="x")
w1_t = Tensor(w1, requires_grad=True, name="w1")
z1 = w1_t * x_t
z1.name = "z1"
a1 = z1.relu()
a1.name = "a1"
z2 = a1 * w2
z2.name = "z2"
L = mse_loss(z2, y)
L.name = "L"
L.backward()
"""
PARAMS = {"x": 2.0, "w1": 0.5, "w2": 1.5, "y": 3.0}


def test_evaluate_returns_floats_and_the_graph():
    values = {"z2": "z2.data", "L": "L", "dw1": "w1_t.grad", "sum": "x + w2", "n": "2"}
    result = worksheet.evaluate(CODE, PARAMS, values, root="L")
    assert result["values"] == pytest.approx(
        {"z2": 1.5, "L": 2.25, "dw1": -9.0, "sum": 3.5, "n": 2.0}
    )
    assert all(type(v) is float for v in result["values"].values())
    graph = result["graph"]
    assert graph["nodes"][-1]["label"] == "L"
    json.dumps(graph, allow_nan=False)
    assert worksheet.evaluate(CODE, PARAMS, {}, None) == {"values": {}, "graph": None}


def test_evaluate_namespace_is_fresh_and_complete():
    code = "leak = 1\nassert all(n in globals() for n in ['np', 'math', 'nn', 'dense', 'diagnostics', 'checkpoint', 'Tensor', 'trace', 'gradcheck', 'softmax', 'cross_entropy'])"  # noqa: E501
    worksheet.evaluate(code, {}, {})
    with pytest.raises(NameError):
        worksheet.evaluate("", {}, {"leak": "leak"})
    assert type(worksheet.evaluate("", {"p": 2}, {"p": "p"})["values"]["p"]) is float


@pytest.mark.parametrize(
    "expression,message",
    [
        ("np.ones(3)", r"'q' must be a single number, not shape \(3,\)"),
        ("Tensor([1.0, 2.0])", r"'q' must be a single number"),
        ("x_t.grad", r"'q' is None"),
        ("'text'", r"'q' is not a number"),
    ],
)
def test_evaluate_rejects_non_scalars_naming_the_quantity(expression, message):
    with pytest.raises(ValueError, match=message):
        worksheet.evaluate(CODE, PARAMS, {"q": expression})


def test_evaluate_root_must_be_a_tensor():
    with pytest.raises(ValueError, match="'nowhere' is not defined"):
        worksheet.evaluate(CODE, PARAMS, {}, root="nowhere")
    with pytest.raises(ValueError, match="'x' is a float"):
        worksheet.evaluate(CODE, PARAMS, {}, root="x")


SPECS = {
    "x": {"value": 2.0, "range": [1.0, 3.0], "step": 0.5},
    "w1": {"value": 0.5, "range": [0.25, 1.0], "step": 0.25},
    "b": {"value": 0.0},
    "y": {"value": 3.0, "range": [0.15, 0.45], "step": 0.1},
}


def test_draw_is_deterministic_and_stays_on_the_grid():
    seen = set()
    for seed in range(200):
        drawn = worksheet.draw(SPECS, seed)
        assert drawn == worksheet.draw(SPECS, seed)
        assert list(drawn) == sorted(SPECS)
        assert drawn["b"] == 0.0
        for name in ("x", "w1", "y"):
            lo, hi = SPECS[name]["range"]
            step = SPECS[name]["step"]
            assert lo - 1e-12 <= drawn[name] <= hi + 1e-12
            assert drawn[name] / step == pytest.approx(round(drawn[name] / step), abs=1e-9)
            assert drawn[name] == round(drawn[name], 10)  # no 0.30000000000000004
        seen.add(drawn["x"])
    assert seen == {1.0, 1.5, 2.0, 2.5, 3.0}  # every grid value is reachable


def test_draw_matches_a_documented_recipe():
    # The browser relies on exactly this sequence: sorted names, one integers() call each.
    rng = np.random.default_rng(42)
    expected = {
        "b": 0.0,
        "w1": round(int(rng.integers(1, 5)) * 0.25, 10),
        "x": round(int(rng.integers(2, 7)) * 0.5, 10),
        "y": round(int(rng.integers(2, 5)) * 0.1, 10),
    }
    assert worksheet.draw(SPECS, 42) == expected


def test_draw_rejects_an_empty_range():
    with pytest.raises(ValueError, match="'a': no multiple of 0.5"):
        worksheet.draw({"a": {"value": 1.1, "range": [1.1, 1.2], "step": 0.5}}, 0)


def test_unnamed_tensors_take_their_variable_names_in_the_graph():
    code = "a = Tensor(2.0, requires_grad=True)\nb = a * 3.0\nc = b.relu().named('out')\nd = c\n"
    graph = worksheet.evaluate(code, {}, {}, root="d")["graph"]
    assert [n["label"] for n in graph["nodes"]] == ["a", "3", "b", "out"]


# -- within: the one tolerance rule ------------------------------------------------------------


@pytest.mark.parametrize(
    "answer,key,accepted",
    [
        (1.0009, 1.0, True),  # 0.0009 <= 0.001 (rel of the key)
        (1.0011, 1.0, False),
        (999.0, 1000.0, True),  # |1| <= 1e-3 * 1000 = 1.0: the key's size sets the window ...
        (1000.0, 999.0, False),  # ... so a large answer cannot widen it (1 > 0.999)
        (5e-7, 0.0, True),  # near zero the absolute part decides
        (2e-6, 0.0, False),
        (float("nan"), 1.0, False),
        (1.0, float("nan"), False),
    ],
)
def test_within_scales_with_the_key_not_the_answer(answer, key, accepted):
    assert worksheet.within(answer, key, 1e-3, 1e-6) is accepted


def test_tolerance_width_is_the_larger_of_the_two_parts():
    assert worksheet.tolerance_width(-250.0, 0.01, 0.5) == 2.5
    assert worksheet.tolerance_width(10.0, 0.01, 0.5) == 0.5


# -- new_numbers: draws that keep the exercise's rules -----------------------------------------

TOL = {"rel": 1e-3, "abs": 1e-6}
# y = x², dy/dx = 2x, with two mistakes for dy/dx: "x" (forgot the 2) and "x * x" (took y).
# The rules rule out x = -3 (the constraint), 0 (both mistakes give the key 0), 2 ("x * x"
# gives the key 4) and 1 (both mistakes give 1), so only -2, -1 and 3 may be shown.
SQUARE = {
    "code": "xt = Tensor(x, requires_grad=True)\ny = xt * xt\ny.name = 'y'\ny.backward()\n",
    "params": {"x": {"value": 3.0, "range": [-3.0, 3.0], "step": 1.0}},
    "root": "y",
    "expressions": {"y": "y.data", "dydx": "xt.grad", "dydx.no-two": "x", "dydx.took-y": "x * x"},
    "tolerances": {"y": TOL, "dydx": TOL},
    "mistakes": {"y": [], "dydx": ["dydx.no-two", "dydx.took-y"]},
    "constraints": ["x != -3"],
}
SHOWABLE = {-2.0, -1.0, 3.0}


def square(**changes) -> dict:
    return {**SQUARE, **changes}


def raw_draws(seed: int, count: int, lo: int = -3, hi: int = 3) -> list[float]:
    """The documented recipe: one default_rng(seed) stream, one integers() call per draw."""
    rng = np.random.default_rng(seed)
    return [float(rng.integers(lo, hi + 1)) for _ in range(count)]


def test_new_numbers_shows_only_numbers_that_keep_every_rule():
    shown = set()
    for seed in range(300):
        numbers = worksheet.new_numbers(SQUARE, seed)
        x = numbers["params"]["x"]
        assert x in SHOWABLE and numbers["fallback"] is False
        assert numbers["values"] == {
            "y": x * x,
            "dydx": 2 * x,
            "dydx.no-two": x,
            "dydx.took-y": x * x,
        }
        assert numbers["graph"]["nodes"][-1]["label"] == "y"
        shown.add(x)
    assert shown == SHOWABLE


def test_new_numbers_follows_the_seeds_stream_and_says_what_it_rejected():
    seed = next(
        s
        for s in range(100)
        if raw_draws(s, 3)[:2] == [0.0, 1.0] and raw_draws(s, 3)[2] in SHOWABLE
    )
    numbers = worksheet.new_numbers(SQUARE, seed)
    assert numbers["params"] == {"x": raw_draws(seed, 3)[2]}
    assert worksheet.draw(SQUARE["params"], seed) == {"x": 0.0}  # the first draw is draw()'s
    first, second = numbers["rejected"]
    assert first["params"] == {"x": 0.0}
    assert [(v["rule"], v["key"]) for v in first["violations"]] == [
        ("mistake", "dydx.no-two"),
        ("mistake", "dydx.took-y"),
        ("tie", "dydx.took-y"),
    ]
    assert second["params"] == {"x": 1.0}
    assert second["violations"] == [
        {
            "rule": "tie",
            "key": "dydx.took-y",
            "other": "dydx.no-two",
            "message": "`dydx.took-y` and `dydx.no-two` both give 1",
        }
    ]


def test_new_numbers_is_deterministic_and_what_the_browser_gets():
    # The worker receives the spec as JSON and sends the result back as JSON.
    browser_spec = json.loads(json.dumps(SQUARE))
    for seed in (0, 7, 2**31 - 1):
        numbers = worksheet.new_numbers(SQUARE, seed)
        assert numbers == worksheet.new_numbers(SQUARE, seed)
        assert json.loads(json.dumps(numbers, allow_nan=False)) == worksheet.new_numbers(
            browser_spec, seed
        )


def test_constraints_see_params_and_quantities_and_run_in_order():
    # "y > 1" needs the code's result; "x < 3" does not.
    spec = square(constraints=["y > 1", "x < 3"])
    for seed in range(100):
        assert worksheet.new_numbers(spec, seed)["params"]["x"] in {-3.0, -2.0}
    numbers = worksheet.new_numbers(spec, next(s for s in range(100) if raw_draws(s, 1) == [3.0]))
    # x = 3 broke only "x < 3", checked before the code ran (so "y > 1" was not reached).
    assert numbers["rejected"][0]["violations"] == [
        {"rule": "constraint", "index": 1, "message": "`x < 3` is false"}
    ]


def test_a_constraint_on_the_params_keeps_the_code_away_from_numbers_where_it_fails():
    spec = square(
        code="r = 1 / x\n",
        root=None,
        expressions={"r": "r"},
        tolerances={"r": TOL},
        mistakes={},
        constraints=[],
    )
    seed = next(s for s in range(100) if raw_draws(s, 1) == [0.0])
    with pytest.raises(worksheet.DrawError, match="at x=0: ZeroDivisionError") as error:
        worksheet.new_numbers(spec, seed)
    assert error.value.params == {"x": 0.0}
    guarded = {**spec, "constraints": ["x != 0", "1 / x < 0.9"]}  # the first guards the second
    assert worksheet.new_numbers(guarded, seed)["params"]["x"] in {-3.0, -2.0, -1.0, 2.0, 3.0}


def test_non_finite_values_are_rejected():
    spec = square(expressions={**SQUARE["expressions"], "y": "math.inf if x == -1 else y.data"})
    seed = next(s for s in range(100) if raw_draws(s, 2) == [-1.0, -2.0])
    numbers = worksheet.new_numbers(spec, seed)
    assert numbers["params"] == {"x": -2.0}
    assert numbers["rejected"][0]["violations"] == [
        {"rule": "finite", "key": "y", "message": "`y` is inf"}
    ]


def test_after_too_many_rejections_the_banks_own_numbers_come_back_marked():
    spec = square(constraints=["x == 3"])
    # A seed whose first MAX_ATTEMPTS draws all miss 3 (about 1 seed in 20).
    seed = next(s for s in range(1000) if 3.0 not in raw_draws(s, worksheet.MAX_ATTEMPTS))
    numbers = worksheet.new_numbers(spec, seed)
    assert numbers["fallback"] is True
    assert numbers["params"] == {"x": 3.0}
    assert numbers["values"] == {"y": 9.0, "dydx": 6.0, "dydx.no-two": 3.0, "dydx.took-y": 9.0}
    assert [r["params"]["x"] for r in numbers["rejected"]] == raw_draws(
        seed, worksheet.MAX_ATTEMPTS
    )
    # One more draw allowed, and the same seed finds its 3.
    extra = worksheet.new_numbers(spec, seed, attempts=worksheet.MAX_ATTEMPTS + 50)
    assert extra["fallback"] is False and extra["params"] == {"x": 3.0}
    # Rules nothing can meet: the fixed numbers, without re-drawing a fixed-only exercise.
    fixed = square(params={"x": {"value": 3.0}}, constraints=["x > 10"])
    numbers = worksheet.new_numbers(fixed, 1)
    assert numbers["fallback"] is True and len(numbers["rejected"]) == 1


@pytest.mark.parametrize(
    "constraint,message",
    [
        ("x >", r"constraints\[0\] `x >` is not Python: "),
        ("x + 1", r"constraints\[0\] `x \+ 1` gives .* \(float\), not True or False \(at x="),
        ("1 / (x - x) > 0", r"`1 / \(x - x\) > 0` raised ZeroDivisionError: .* \(at x="),
        ("z > 0", r"raised NameError: name 'z' is not defined"),
    ],
)
def test_a_constraint_that_cannot_be_judged_is_an_error(constraint, message):
    with pytest.raises(worksheet.ConstraintError, match=message) as error:
        worksheet.new_numbers(square(constraints=[constraint]), 0)
    assert error.value.index == 0


def test_violations_and_constraint_holds_judge_given_numbers():
    values = worksheet.evaluate(SQUARE["code"], {"x": 2.0}, SQUARE["expressions"])["values"]
    assert worksheet.violations(SQUARE, {"x": 2.0}, values) == [
        {
            "rule": "mistake",
            "key": "dydx.took-y",
            "message": "`dydx.took-y` gives 4, within tolerance of 4",
        }
    ]
    spec = square(constraints=["y < 5", "dydx < 0"])
    assert worksheet.constraint_holds(spec, 0, {"x": 2.0}, values) is True
    assert worksheet.constraint_holds(spec, 1, {"x": 2.0}, values) is False
    # A mistake just outside the key's tolerance window is fine.
    near = {**values, "dydx.took-y": 4.0 + 0.0041}
    assert worksheet.violations(SQUARE, {"x": 2.0}, near) == []
