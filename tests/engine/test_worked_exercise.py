"""SYLLABUS's fixed worked exercise, every named number computed by the engine.

Two-layer chain with a ReLU hidden unit: x = 2, w1 = 0.5, b1 = 0, w2 = 1.5, b2 = 0, y = 3.
The stated numbers (L = 2.25 at z2 = 1.5, dL/dz2 = −3, and L = 1.44 at z2 = 4.2) fit the
squared error L = (y − z2)² and not ½(y − z2)² (which would give 1.125 and −1.5); that is
also `mse_loss` of a single prediction.
"""

from __future__ import annotations

import pytest

from quizkit.backprop import Tensor, mse_loss

ALPHA = 0.1


def forward(w1_value):
    x = Tensor(2.0, name="x")
    w1 = Tensor(w1_value, requires_grad=True, name="w1")
    b1 = Tensor(0.0, requires_grad=True, name="b1")
    w2 = Tensor(1.5, requires_grad=True, name="w2")
    b2 = Tensor(0.0, requires_grad=True, name="b2")
    z1 = w1 * x + b1
    a1 = z1.relu()
    z2 = w2 * a1 + b2
    L = (3.0 - z2) ** 2
    return {"x": x, "w1": w1, "w2": w2, "z1": z1, "a1": a1, "z2": z2, "L": L}


def value(t):
    return float(t.data)


def test_forward_values():
    t = forward(0.5)
    assert value(t["z1"]) == pytest.approx(1.0)
    assert value(t["a1"]) == pytest.approx(1.0)
    assert value(t["z2"]) == pytest.approx(1.5)
    assert value(t["L"]) == pytest.approx(2.25)
    assert value(mse_loss(t["z2"], 3.0)) == pytest.approx(2.25)


def test_backward_values_and_local_derivatives():
    t = forward(0.5)
    t["L"].backward()
    dL_dz2 = float(t["z2"].grad)
    dL_da1 = float(t["a1"].grad)
    dL_dz1 = float(t["z1"].grad)
    assert dL_dz2 == pytest.approx(-3.0)
    assert dL_da1 / dL_dz2 == pytest.approx(1.5)  # dz2/da1 = w2
    assert dL_dz1 / dL_da1 == pytest.approx(1.0)  # da1/dz1: ReLU of a positive input
    assert float(t["w1"].grad) / dL_dz1 == pytest.approx(2.0)  # dz1/dw1 = x
    assert float(t["w1"].grad) == pytest.approx(-9.0)


def test_update_and_new_forward():
    t = forward(0.5)
    t["L"].backward()
    new_w1 = value(t["w1"]) - ALPHA * float(t["w1"].grad)
    assert new_w1 == pytest.approx(1.4)
    again = forward(new_w1)
    assert value(again["z2"]) == pytest.approx(4.2)
    assert value(again["L"]) == pytest.approx(1.44)
    assert value(again["L"]) < value(t["L"])  # the loss fell ...
    assert value(again["z2"]) > 3.0  # ... though z2 overshot y
