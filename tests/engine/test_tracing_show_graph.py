"""show_graph and the graph payload it shares with the trace exercises (Trace.to_dict)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from quizkit.backprop import Tensor, worksheet
from quizkit.backprop.tracing import (
    GRAPH_NODE_LIMIT,
    GRAPHS_PER_RUN,
    collect_graphs,
    show_graph,
    trace,
)


def small_loss():
    """L = (w*x + b - y)^2 at x = 2, w = 0.5, b = 0.1, y = 3: values worked out by hand below."""
    x = Tensor(2.0)
    w = Tensor(0.5, requires_grad=True)
    b = Tensor(0.1, requires_grad=True)
    z = w * x + b
    err = z - 3.0
    loss = err**2
    return x, w, b, z, err, loss


def by_label(shown: dict) -> dict:
    return {n["label"]: n for n in shown["graph"]["nodes"]}


def chain(n: int) -> Tensor:
    """A graph of exactly n nodes: one leaf and n - 1 operations, each on the last result."""
    t = Tensor(0.1, requires_grad=True)
    for _ in range(n - 1):
        t = t.tanh()
    return t


def test_payload_holds_the_engines_values_gradients_and_local_derivatives():
    x, w, b, z, err, loss = small_loss()
    loss.backward()
    shown = show_graph(loss)
    # w, x, mul, b, z, 3, err, 2 (the exponent), loss
    assert shown["nodes"] == len(shown["graph"]["nodes"]) == 9
    assert shown["root"] == "loss" and shown["limit"] == GRAPH_NODE_LIMIT
    assert shown["message"] is None and shown["note"] is None
    nodes = by_label(shown)
    # By hand: z = 1.1, err = -1.9, loss = 3.61, dL/dz = 2 err = -3.8, dL/dw = -3.8 x = -7.6.
    assert nodes["z"]["value"] == pytest.approx(1.1)
    assert nodes["loss"]["value"] == pytest.approx(3.61)
    assert nodes["z"]["grad"] == pytest.approx(-3.8)
    assert nodes["w"]["grad"] == pytest.approx(-7.6)
    assert nodes["b"]["grad"] == pytest.approx(-3.8)
    assert nodes["x"]["grad"] is None  # a constant
    # The same numbers the engine holds, node by node.
    for tensor in (w, b, z, err, loss):
        assert any(n["grad"] == pytest.approx(float(tensor.grad)) for n in nodes.values())
    # Local derivatives from the engine's backward code: d(w*x)/dw = x, d(err^2)/d err = 2 err.
    mul = next(n for n in shown["graph"]["nodes"] if n["op"] == "mul")
    assert mul["local"] == [pytest.approx(2.0), None]  # x needs no gradient
    assert nodes["loss"]["local"][0] == pytest.approx(-3.8)
    assert shown["graph"]["grad_of"] == "loss"
    # Reading the local derivatives left every gradient as backward() had set it.
    assert float(w.grad) == pytest.approx(-7.6) and x.grad is None
    assert json.loads(json.dumps(shown, allow_nan=False)) == shown


def test_it_is_the_trace_exercises_payload():
    *_, loss = small_loss()
    loss.backward()
    assert show_graph(loss)["graph"] == trace(loss, {id(loss): "loss"}).to_dict()
    result = worksheet.evaluate(
        "a = Tensor(a0, requires_grad=True)\nf = a * a\nf.backward()\n", {"a0": 3.0}, {}, "f"
    )
    square = result["graph"]["nodes"][-1]
    # a used twice by one mul: each edge carries d(a*b)/da = b = 3, and they add up to 2a.
    assert square["local"] == [pytest.approx(3.0), pytest.approx(3.0)]
    assert result["graph"]["nodes"][0]["grad"] == pytest.approx(6.0)


def test_unnamed_tensors_are_labelled_by_their_variable_without_being_renamed():
    x, w, b, z, err, loss = small_loss()
    labels = [n["label"] for n in show_graph(loss)["graph"]["nodes"]]
    assert labels[:2] == ["w", "x"] and "err" in labels and labels[-1] == "loss"
    assert loss.name is None and z.name is None
    named = Tensor(1.0, requires_grad=True, name="input")
    assert show_graph(named * 2.0)["graph"]["nodes"][0]["label"] == "input"


def test_before_backward_it_shows_values_and_says_why_there_are_no_gradients():
    *_, loss = small_loss()
    shown = show_graph(loss)
    assert all(n["grad"] is None for n in shown["graph"]["nodes"])
    assert shown["graph"]["grad_of"] is None
    assert "backward() has not been called" in shown["note"]
    assert "loss.backward()" in shown["note"]
    constant = Tensor(2.0) * 3.0
    assert "requires_grad=True" in show_graph(constant)["note"]


def test_gradients_of_a_later_result_are_not_called_the_roots():
    x, w, b, z, err, loss = small_loss()
    loss.backward()
    shown = show_graph(z)
    assert shown["graph"]["grad_of"] is None
    assert by_label(shown)["z"]["grad"] == pytest.approx(-3.8)
    assert "did not start at z" in shown["note"]


def test_a_graph_over_the_limit_is_not_drawn_and_the_message_says_the_limit():
    assert show_graph(chain(GRAPH_NODE_LIMIT))["graph"] is not None
    big = chain(GRAPH_NODE_LIMIT + 17)
    big.backward()
    shown = show_graph(big)
    assert shown["graph"] is None and shown["note"] is None
    assert shown["nodes"] == GRAPH_NODE_LIMIT + 17
    assert f"{GRAPH_NODE_LIMIT + 17} nodes" in shown["message"]
    assert f"the {GRAPH_NODE_LIMIT} the view draws" in shown["message"]
    assert "smaller part of the computation" in shown["message"]


def test_plain_python_prints_nothing_and_records_nothing(capsys):
    *_, loss = small_loss()
    loss.backward()
    shown = show_graph(loss)
    assert isinstance(shown, dict)
    assert capsys.readouterr() == ("", "")
    with collect_graphs() as log:
        pass
    assert log.payloads() == []  # the call before the block was not collected


@pytest.mark.parametrize(
    "value, kind", [(3.0, "float"), (np.ones(2), "ndarray"), (None, "NoneType")]
)
def test_anything_but_a_tensor_is_refused_clearly(value, kind):
    with pytest.raises(
        TypeError, match=f"show_graph\\(\\) needs a Tensor such as loss, not a {kind}"
    ):
        show_graph(value)


def test_a_run_collects_its_calls_in_order_up_to_the_limit():
    x, w, b, z, err, loss = small_loss()
    with collect_graphs() as log:
        show_graph(z)
        loss.backward()
        show_graph(loss)
    first, second = log.payloads()
    assert (first["root"], second["root"]) == ("z", "loss")
    assert first["note"] is not None and second["note"] is None  # each as it was at the call
    with collect_graphs() as log:
        for _ in range(GRAPHS_PER_RUN + 3):
            show_graph(z)
    payloads = log.payloads()
    assert len(payloads) == GRAPHS_PER_RUN + 1
    assert payloads[-1]["graph"] is None
    assert payloads[-1]["message"].startswith("3 more show_graph calls not drawn")
    assert f"at most {GRAPHS_PER_RUN} graphs" in payloads[-1]["message"]


def test_repeated_labels_are_numbered_and_named_labels_are_marked():
    t = Tensor(0.1, requires_grad=True)
    for _ in range(3):
        t = t.tanh()
    # The chain's results are all "tanh" by their operation: numbered in order.
    chain_nodes = trace(t).to_dict()["nodes"]
    assert [n["label"] for n in chain_nodes] == ["0.1", "tanh₁", "tanh₂", "tanh₃"]
    assert not any(n["named"] for n in chain_nodes)
    w = Tensor(1.0, requires_grad=True)
    loss = (w * 3.0 - 2.0) ** 2
    nodes = show_graph(loss)["graph"]["nodes"]
    # A subscript after a digit would read as part of the number, so constants get "#".
    assert [n["label"] for n in nodes] == ["w", "3", "mul", "2 #1", "sub", "2 #2", "loss"]
    assert [n["named"] for n in nodes] == [True, False, False, False, False, False, True]


def layer():
    """Z = X @ W + b, H = tanh(Z), L = mean(H²) on a 2×3 · 3×2 product."""
    rng = np.random.default_rng(1)
    X = Tensor(rng.normal(size=(2, 3)))
    W = Tensor(rng.normal(size=(3, 2)), requires_grad=True)
    b = Tensor(np.zeros(2), requires_grad=True)
    P = X @ W
    Z = P + b
    H = Z.tanh()
    L = (H**2).mean()
    L.backward()
    return X, W, b, P, Z, H, L


def test_operations_on_arrays_carry_their_gradient_rule_in_the_graphs_names():
    X, W, b, P, Z, H, L = layer()  # show_graph labels them by these variables
    nodes = by_label(show_graph(L))
    assert "local" not in nodes["P"] and "rules" not in nodes["W"]  # inputs have no rule
    assert nodes["P"]["rules"] == ["dX = dP · Wᵀ", "dW = Xᵀ · dP"]
    assert nodes["Z"]["rules"] == [
        "dP = dZ",
        "db = dZ, summed over the broadcast axes back to b's shape (length 2)",
    ]
    assert nodes["H"]["rules"] == ["dZ = dH ⊙ (1 − H²)"]
    assert nodes["pow"]["rules"][0] == "dH = dpow ⊙ 2·H"
    # mean over the 4 entries of a 2×2 array: the count comes from the shapes.
    assert nodes["L"]["rules"] == ["dpow = dL / 4, copied to each of the 4 entries averaged"]
    # One-number operations keep their numbers instead of a rule.
    *_, loss = small_loss()
    loss.backward()
    assert all("rules" not in n for n in show_graph(loss)["graph"]["nodes"])


def test_graphs_of_a_run_are_numbered_by_call():
    *_, z, err, loss = small_loss()
    with collect_graphs(limit=2) as log:
        for tensor in (z, err, loss):
            show_graph(tensor)
    first, second, note = log.payloads()
    assert (first["call"], second["call"]) == (1, 2) and first["calls"] == second["calls"] == 3
    assert note["skipped"] == 1 and note["graph"] is None
    assert note["message"].startswith("1 more show_graph call not drawn")


def test_the_too_large_message_suggests_fewer_operations_not_fewer_examples():
    message = show_graph(chain(GRAPH_NODE_LIMIT + 1))["message"]
    assert "fewer layers or operations" in message
    assert "fewer inputs" not in message and "adds no nodes" in message
