"""worksheet.evaluate and worksheet.draw, as the quiz checker and the browser worker call them."""

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
