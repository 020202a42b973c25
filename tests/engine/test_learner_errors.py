"""Mistakes a learner makes that the engine refuses with a message, instead of a wrong number.

A mismatched mse_loss, a backward() with nothing to differentiate, a second backward()
through the same graph, and shape errors in matrix products; plus `nn.Module`, which finds a
model's parameters so that zero_grad() is written once.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from quizkit.backprop import Tensor, gradcheck, mse_loss
from quizkit.backprop.checkpoint import Block
from quizkit.backprop.nn import MLP, SGD, Linear, Module, linear

# -- mse_loss ---------------------------------------------------------------------------------


def test_mse_loss_refuses_a_column_against_a_row_naming_both_shapes_and_the_fix():
    pred = Tensor(np.arange(1.0, 5.0).reshape(4, 1), requires_grad=True)
    target = np.arange(1.0, 5.0)  # a perfect prediction, laid out as (4,)
    assert float(((pred - target) ** 2).mean().data) == 2.5  # what broadcasting would score
    with pytest.raises(ValueError) as caught:
        mse_loss(pred, target)
    message = str(caught.value)
    assert "(4, 1)" in message and "(4,)" in message and "(4, 4)" in message
    assert "target.reshape(4, 1)" in message
    assert float(mse_loss(pred, target.reshape(4, 1)).data) == 0.0  # the suggested fix works
    assert float(mse_loss(pred.reshape(4), target).data) == 0.0  # so does the other one


@pytest.mark.parametrize(
    "pred_shape, target_shape",
    [((3,), (1,)), ((1,), ()), ((2, 3), (3,)), ((2, 1), (1, 2)), ((), (1,))],
)
def test_mse_loss_accepts_equal_shapes_and_a_single_number_target_only(pred_shape, target_shape):
    rng = np.random.default_rng(0)
    pred, target = rng.normal(size=pred_shape), rng.normal(size=target_shape)
    if target_shape == ():
        expected = ((pred - target) ** 2).mean()
        assert float(mse_loss(Tensor(pred), float(target)).data) == pytest.approx(expected)
        assert float(mse_loss(Tensor(pred), Tensor(target)).data) == pytest.approx(expected)
    else:
        with pytest.raises(ValueError, match=re.escape(f"target has shape {target_shape}")):
            mse_loss(Tensor(pred), target)
        with pytest.raises(ValueError, match=re.escape(f"pred has shape {pred_shape}")):
            mse_loss(Tensor(pred), Tensor(target))


# -- backward() with nothing to differentiate ---------------------------------------------


@pytest.mark.parametrize(
    "build",
    [
        lambda w: (Tensor([1.0, 2.0]) * 3.0).sum(),  # constants only
        lambda w: (w.detach() * 2.0).sum(),  # the graph cut by detach
        lambda w: Tensor(w.data * 2.0).sum(),  # arithmetic on .data
        lambda w: Tensor(1.5),  # a leaf without requires_grad
    ],
)
def test_backward_with_nothing_requiring_grad_raises_and_says_how_to_fix_it(build):
    w = Tensor([0.5, -1.0], requires_grad=True)
    loss = build(w)
    with pytest.raises(RuntimeError) as caught:
        loss.backward()
    message = str(caught.value)
    assert "requires_grad=True" in message
    assert "element 0 of tensors does not require grad" in message  # PyTorch's words
    assert w.grad is None


def test_backward_on_a_leaf_that_requires_grad_is_fine():
    w = Tensor(2.0, requires_grad=True)
    w.backward()
    w.backward()  # a leaf holds no graph: nothing is spent, and leaves accumulate
    assert float(w.grad) == 2.0


# -- a second backward() through the same graph ----------------------------------------------


def test_a_second_backward_through_the_same_graph_raises_and_leaves_grads_unchanged():
    w = Tensor(0.8, requires_grad=True)
    hidden = (w * 1.5).named("hidden")
    loss = hidden.tanh()
    loss.backward()
    first = float(w.grad)
    with pytest.raises(RuntimeError) as caught:
        loss.backward()
    message = str(caught.value)
    assert "retain_graph=True" in message and "forward pass again" in message
    assert "Trying to backward through the graph a second time" in message  # PyTorch's words
    assert float(w.grad) == first  # the refused pass added nothing


def test_a_second_loss_sharing_a_spent_trunk_is_refused_too_and_names_the_shared_node():
    w = Tensor(np.array([0.5, -0.2]), requires_grad=True)
    trunk = (w * 3.0).named("trunk")
    first, second = trunk.sum(), (trunk**2).sum()
    first.backward()
    with pytest.raises(RuntimeError, match="'trunk'"):
        second.backward()


def test_retain_graph_allows_one_more_pass_and_leaves_accumulate():
    w = Tensor(np.array([0.5, -0.2]), requires_grad=True)
    trunk = w * 3.0
    first, second = trunk.sum(), (trunk**2).sum()
    first.backward(retain_graph=True)
    second.backward()  # allowed once, as in PyTorch; this call did not retain
    np.testing.assert_allclose(w.grad, 3.0 + 2 * 9.0 * w.data)  # d(first + second)/dw
    with pytest.raises(RuntimeError, match="retain_graph"):
        first.backward()


def test_jacobian_rows_one_backward_per_output_with_retain_graph():
    rng = np.random.default_rng(3)
    x = Tensor(rng.normal(size=3), requires_grad=True)
    W = rng.normal(size=(3, 2))
    y = (x @ Tensor(W)).tanh()
    rows = []
    for i in range(2):
        x.zero_grad()
        y.backward(np.eye(2)[i], retain_graph=True)
        rows.append(x.grad.copy())
    expected = (W * (1 - y.data**2)).T  # dy_i/dx_j = W[j, i] tanh'(z_i)
    np.testing.assert_allclose(np.array(rows), expected, rtol=1e-12)


def test_new_graphs_from_the_same_leaves_accumulate_quietly():
    """Gradient accumulation and the zero_grad bug: one forward pass per backward()."""
    rng = np.random.default_rng(4)
    X, Y = rng.normal(size=(8, 2)), rng.normal(size=(8, 1))
    w = Tensor(np.zeros((2, 1)), requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no noise either
        mse_loss(Tensor(X) @ w, Y).backward()
        once = w.grad.copy()
        mse_loss(Tensor(X) @ w, Y).backward()
    np.testing.assert_allclose(w.grad, 2 * once)
    np.testing.assert_allclose(once, 2 * X.T @ (X @ w.data - Y) / 8)


def test_gradcheck_of_a_result_without_a_graph_reports_a_zero_gradient():
    w = Tensor(np.array([0.3, -0.7]), requires_grad=True)
    report = gradcheck(lambda: Tensor(np.sign(w.data)).sum(), [w])  # flat: no slope anywhere
    np.testing.assert_array_equal(report.analytic[0], [0.0, 0.0])
    assert report
    cut = gradcheck(lambda: Tensor(w.data**2).sum(), [w])  # the slope exists, the graph not
    assert not cut


# -- shape errors in matrix products -------------------------------------------------------


@pytest.mark.parametrize(
    "a, b, expected",
    [
        ((2, 3), (2, 2), "matmul: (2, 3) @ (2, 2): inner dimensions 3 and 2 differ"),
        ((2, 3), (4, 3), "inner dimensions 3 and 4 differ"),
        ((3,), (4,), "matmul: (3,) @ (4,): inner dimensions 3 and 4 differ"),
        ((), (3,), "matmul: () @ (3,): a single number"),
        ((2, 2, 3), (3, 3, 4), "batch dimensions (2,) and (3,) do not broadcast"),
    ],
)
def test_matmul_shape_errors_name_the_operation_and_both_shapes(a, b, expected):
    with pytest.raises(ValueError, match=re.escape(expected)) as caught:
        Tensor(np.ones(a)) @ Tensor(np.ones(b))
    assert "signature" not in str(caught.value)  # not NumPy's gufunc message


def test_matmul_shape_error_suggests_the_transpose_that_fits():
    with pytest.raises(ValueError, match=r"right operand transposed \(\.T\) would fit"):
        Tensor(np.ones((2, 3))) @ Tensor(np.ones((4, 3)))
    with pytest.raises(ValueError, match="matmul: \\(2, 3\\) @ \\(2, 4\\)"):
        np.ones((2, 3)) @ Tensor(np.ones((2, 4)))  # an array on the left: __rmatmul__


def test_linear_function_and_layer_name_the_shapes():
    x, W = Tensor(np.ones((5, 3))), Tensor(np.ones((4, 2)))
    with pytest.raises(ValueError, match=re.escape("linear: (5, 3) @ (4, 2): inner dimensions")):
        linear(x, W, Tensor(np.zeros(2)))
    with pytest.raises(ValueError, match=re.escape("b has shape (3,)")):
        linear(Tensor(np.ones((5, 4))), W, Tensor(np.zeros(3)))
    with pytest.raises(ValueError, match="both must be 2-D"):
        linear(Tensor(np.ones(4)), W, Tensor(np.zeros(2)))
    layer = Linear(4, 2, rng=0)
    for shape in [(5, 3), (3,), (2, 5, 3)]:
        with pytest.raises(ValueError, match=re.escape(f"Linear(4, 2): input has shape {shape}")):
            layer(np.ones(shape))
    with pytest.raises(ValueError, match=re.escape("Linear(4, 3): input has shape (6, 2)")):
        MLP([4, 3, 1], rng=0)(np.ones((6, 2)))


# -- Module ----------------------------------------------------------------------------------


class TwoLayers(Module):
    def __init__(self):
        self.scale = 2.0  # not a Tensor: ignored
        self.first = Linear(3, 4, rng=0, name="1")
        self.constant = Tensor(np.ones(4))  # requires_grad=False: not a parameter
        self.blocks = [Block(4, rng=1, name="2"), [Block(4, rng=2, name="3")]]
        self.gain = Tensor(np.ones(4), requires_grad=True, name="gain")
        self.tied = self.first.W  # the same weight again: listed once

    def forward(self, x):
        h = self.first(x)
        for block in [self.blocks[0], self.blocks[1][0]]:
            h = block(h)
        return h * self.gain


def test_module_finds_parameters_in_attribute_order_recursively_once_each():
    model = TwoLayers()
    names = [p.name for p in model.parameters()]
    assert names == ["W1", "b1", "W2", "b2", "W3", "b3", "gain"]
    assert [p.name for p in TwoLayers().parameters()] == names  # the same order every time


def test_module_zero_grad_clears_every_parameter_and_call_runs_forward():
    model = TwoLayers()
    x = np.random.default_rng(5).normal(size=(2, 3))
    model(x).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    with pytest.raises(NotImplementedError, match="forward"):
        Module()(x)


def test_linear_and_mlp_keep_their_parameters_and_train_with_sgd():
    mlp = MLP([2, 3, 1], rng=0)
    assert isinstance(mlp, Module) and isinstance(mlp.layers[0], Module)
    assert mlp.parameters() == [mlp.layers[0].W, mlp.layers[0].b, mlp.layers[1].W, mlp.layers[1].b]
    x = np.array([[0.5, -1.0], [1.0, 2.0]])
    y = np.array([[1.0], [0.0]])
    opt = SGD(mlp.parameters(), lr=0.1)
    losses = []
    for _ in range(20):
        mlp.zero_grad()
        loss = mse_loss(mlp(x), y)
        loss.backward()
        opt.step()
        losses.append(float(loss.data))
    assert losses[-1] < 0.5 * losses[0]
