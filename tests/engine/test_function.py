"""`Function`, the engine's extension API: a learner's op behaves like a built-in one.

Gradients are compared with centered finite differences (the same `check` as every built-in
op), and every mistake a learner can make in forward or backward must raise an error that
names the operation.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from quizkit.backprop import Tensor, gradcheck, trace
from quizkit.backprop.checking import BUG
from quizkit.backprop.function import Context, Function
from tests.engine.gradient_cases import check


class Softplus(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save(x)
        return np.logaddexp(0.0, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * 0.5 * (1.0 + np.tanh(0.5 * x))  # sigma(x), finite for any x


C = np.sqrt(2.0 / np.pi)


class Gelu(Function):
    """The tanh approximation 0.5·x·(1 + tanh(c(x + 0.044715x³))), c = √(2/π)."""

    @staticmethod
    def forward(ctx, x):
        t = np.tanh(C * (x + 0.044715 * x**3))
        ctx.save(x, t)
        return 0.5 * x * (1.0 + t)

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved
        dt = (1.0 - t * t) * C * (1.0 + 3 * 0.044715 * x * x)
        return grad * (0.5 * (1.0 + t) + 0.5 * x * dt)


class Hypot(Function):
    """√(x² + y²): two inputs, gradients returned at the (broadcast) output's shape."""

    @staticmethod
    def forward(ctx, x, y):
        r = np.sqrt(x * x + y * y)
        ctx.save(x, y, r)
        return r

    @staticmethod
    def backward(ctx, grad):
        x, y, r = ctx.saved
        return grad * x / r, grad * y / r


class RowDot(Function):
    """x @ w for x (n, k) and w (k,): the gradients have the inputs' own shapes."""

    name = "rowdot"

    @staticmethod
    def forward(ctx, x, w):
        ctx.save(x, w)
        return x @ w

    @staticmethod
    def backward(ctx, grad):
        x, w = ctx.saved
        return np.outer(grad, w), x.T @ grad


softplus, gelu, hypot = Softplus.apply, Gelu.apply, Hypot.apply


@pytest.mark.parametrize("op", [softplus, gelu], ids=["softplus", "gelu"])
def test_one_input_ops_match_finite_differences(op):
    rng = np.random.default_rng(0)
    check(op, [rng.normal(scale=2.0, size=(3, 4))], rng)
    check(op, [rng.normal()], rng)  # 0-d: NumPy returns scalars, not arrays


def test_forward_values_are_the_functions_named():
    x = np.array([-3.0, -0.5, 0.0, 0.7, 20.0])
    np.testing.assert_allclose(softplus(Tensor(x)).data, np.log1p(np.exp(x)), rtol=1e-12)
    exact = 0.5 * x * (1 + np.array([math.erf(v / np.sqrt(2)) for v in x]))
    np.testing.assert_allclose(gelu(Tensor(x)).data, exact, atol=1e-3)


@pytest.mark.parametrize(
    ("x_shape", "y_shape"), [((4, 3), (3,)), ((2, 1), (1, 5)), ((3,), ()), ((), (2, 2))]
)
def test_broadcast_inputs_get_gradients_of_their_own_shape(x_shape, y_shape):
    rng = np.random.default_rng(1)
    check(hypot, [rng.normal(size=x_shape) + 2, rng.normal(size=y_shape) + 2], rng)


def test_gradients_at_the_inputs_shapes_are_kept():
    rng = np.random.default_rng(2)
    check(RowDot.apply, [rng.normal(size=(4, 3)), rng.normal(size=3)], rng)


def test_a_value_used_twice_gets_the_sum_of_its_gradients():
    x = Tensor([0.3, -1.2], requires_grad=True)
    (softplus(x) * x + hypot(x, x)).sum().backward()
    s = 1 / (1 + np.exp(-x.data))
    # d/dx [softplus(x)·x] = σ(x)·x + softplus(x);  d/dx √(2x²) = √2·sign(x)
    expected = s * x.data + np.logaddexp(0, x.data) + np.sqrt(2) * np.sign(x.data)
    np.testing.assert_allclose(x.grad, expected, rtol=1e-12)


def test_a_single_number_upstream_gradient_reaches_backward():
    # mul's backward on 0-d operands hands on a NumPy scalar, not an array
    x = Tensor(0.7, requires_grad=True)
    (softplus(x) * x).backward()
    s = 1 / (1 + np.exp(-0.7))
    assert float(x.grad) == pytest.approx(s * 0.7 + np.logaddexp(0, 0.7), rel=1e-12)


def test_plain_numbers_are_inputs_at_the_tensors_precision():
    x = Tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    out = hypot(x, 3)
    assert out.dtype == np.float32 and out.parents[1].dtype == np.float32
    out.sum().backward()
    np.testing.assert_allclose(x.grad, x.data / np.sqrt(x.data**2 + 9), rtol=1e-6)
    only_numbers = hypot(3.0, 4.0)
    assert only_numbers.item() == pytest.approx(5.0) and not only_numbers.requires_grad


def test_only_inputs_that_need_a_gradient_get_one_and_ctx_says_which():
    seen = []

    class Spy(Hypot):
        @staticmethod
        def forward(ctx, x, y):
            seen.append(ctx.needs_input_grad)
            return Hypot.forward(ctx, x, y)

    w = Tensor(2.0, requires_grad=True)
    c = Tensor(5.0)
    Spy.apply(w, c).backward()
    assert seen == [(True, False)]
    assert c.grad is None and w.grad == pytest.approx(2 / np.sqrt(29))


class Leaky(Function):
    """Leaky ReLU whose slope is an option, meant to be passed by keyword."""

    @staticmethod
    def forward(ctx, x, slope=0.01):
        ctx.save(x)
        ctx.slope = slope
        return np.where(x > 0, x, slope * x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved
        return grad * np.where(x > 0, 1.0, ctx.slope)


def test_keyword_arguments_reach_forward_and_get_no_gradient():
    x = Tensor([-2.0, 3.0], requires_grad=True)
    Leaky.apply(x, slope=0.5).sum().backward()
    np.testing.assert_allclose(x.grad, [0.5, 1.0])
    assert len(Leaky.apply(x, slope=0.5).parents) == 1


def test_trace_shows_the_ops_name_and_on_visit_sees_it():
    x = Tensor([0.5, -1.0], requires_grad=True, name="x")
    w = Tensor([[1.0], [2.0]], requires_grad=True, name="w")
    loss = RowDot.apply(gelu(x).reshape(1, 2), w.reshape(2)).sum()
    ops = [node.op for node in trace(loss).nodes]
    assert "gelu" in ops and "rowdot" in ops
    visited = []
    loss.backward(on_visit=lambda node: visited.append(node.op))
    assert visited.index("rowdot") < visited.index("gelu")


def test_a_wrong_backward_is_caught_by_gradcheck():
    class SoftplusForgotX(Softplus):
        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved
            return grad / (1.0 + np.exp(x))  # sign slip: σ(−x) instead of σ(x)

    x = Tensor(np.linspace(-2, 2, 5), name="x")
    assert gradcheck(lambda t: softplus(t).sum(), [x]).verdict == "excellent"
    report = gradcheck(lambda t: SoftplusForgotX.apply(t).sum(), [x])
    assert not report and report.error > BUG and report.verdict == "bug"
    assert "bug" in str(report) and "x:" in str(report)


def test_backward_returning_the_wrong_number_of_gradients_names_the_op():
    class OneForTwo(Hypot):
        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(
        ValueError, match=r"OneForTwo\.backward returned a single ndarray for 2 inputs"
    ):
        OneForTwo.apply(Tensor(1.0, requires_grad=True), 2.0).backward()

    class ThreeForOne(Softplus):
        @staticmethod
        def backward(ctx, grad):
            return grad, grad, grad

    with pytest.raises(ValueError, match=r"ThreeForOne\.backward returned 3 gradients for 1 input"):
        ThreeForOne.apply(Tensor(1.0, requires_grad=True)).backward()


def test_backward_returning_a_gradient_of_the_wrong_shape_names_the_op_and_input():
    class SummedTooFar(Hypot):
        @staticmethod
        def backward(ctx, grad):
            gx, gy = Hypot.backward(ctx, grad)
            return gx, gy.sum()

    x = Tensor(np.ones((2, 3)), requires_grad=True)
    y = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match=r"SummedTooFar\.backward: the gradient for input 1 \(y\)"):
        SummedTooFar.apply(x, y).sum().backward()

    class Transposed(RowDot):
        @staticmethod
        def backward(ctx, grad):
            gx, gw = RowDot.backward(ctx, grad)
            return gx.T, gw

    with pytest.raises(ValueError, match=r"has shape \(3, 4\), but that input has shape \(4, 3\)"):
        Transposed.apply(np.ones((4, 3)), Tensor(np.ones(3), requires_grad=True)).sum().backward()


def test_forward_or_backward_returning_a_non_array_names_the_op():
    class Forgot(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save(x)

    with pytest.raises(TypeError, match=r"Forgot\.forward must return a NumPy array.*NoneType"):
        Forgot.apply(Tensor(1.0))

    class UsesTensors(Function):
        @staticmethod
        def forward(ctx, x):
            return Tensor(x).exp()

    with pytest.raises(TypeError, match=r"UsesTensors\.forward.*not with Tensors"):
        UsesTensors.apply(Tensor(1.0))

    class GradAsList(Softplus):
        @staticmethod
        def backward(ctx, grad):
            return [grad]  # a list of one is read as one gradient per input: fine

    GradAsList.apply(Tensor(1.0, requires_grad=True)).backward()

    class GradAsString(Softplus):
        @staticmethod
        def backward(ctx, grad):
            return "grad"

    with pytest.raises(TypeError, match=r"GradAsString\.backward: the gradient for input 0 \(x\)"):
        GradAsString.apply(Tensor(1.0, requires_grad=True)).backward()


def test_the_arrays_an_op_receives_cannot_be_changed_in_place():
    class ClampsInPlace(Function):
        @staticmethod
        def forward(ctx, x):
            x[x < 0] = 0.0
            return x

    x = Tensor([-1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=r"ClampsInPlace\.forward wrote into .*read-only"):
        ClampsInPlace.apply(x)
    np.testing.assert_array_equal(x.data, [-1.0, 2.0])

    class DoublesGradInPlace(Function):
        @staticmethod
        def forward(ctx, x):
            return 2.0 * x

        @staticmethod
        def backward(ctx, grad):
            grad *= 2.0
            return grad

    with pytest.raises(ValueError, match=r"DoublesGradInPlace\.backward wrote into .*read-only"):
        DoublesGradInPlace.apply(x).sum().backward()


def test_a_function_without_forward_or_backward_says_so():
    class Empty(Function):
        pass

    with pytest.raises(NotImplementedError, match="forward"):
        Empty.apply(1.0)


class Identity(Function):
    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad  # the read-only upstream gradient, passed through


def test_a_passed_through_gradient_leaves_a_writable_grad_as_built_in_ops_do():
    x = Tensor([1.0, 2.0], requires_grad=True)
    Identity.apply(x).backward(np.array([4.0, 6.0]))
    x.grad *= 0.5  # what gradient clipping does in place
    np.testing.assert_array_equal(x.grad, [2.0, 3.0])


def test_a_gradient_of_incompatible_shape_names_the_op_not_numpy():
    class MatVec(RowDot):
        @staticmethod
        def backward(ctx, grad):
            x, w = ctx.saved
            return np.outer(grad, w), grad  # BUG: w's gradient is x.T @ grad

    x = Tensor(np.ones((2, 3)), requires_grad=True)
    w = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(
        ValueError, match=r"MatVec\.backward: the gradient for input 1 \(w\) has shape \(2,\)"
    ):
        MatVec.apply(x, w).sum().backward()


class SumOver(Function):
    @staticmethod
    def forward(ctx, x, axis=None):
        ctx.shape, ctx.axis = x.shape, axis
        return x.sum(axis=axis)

    @staticmethod
    def backward(ctx, grad):
        return np.broadcast_to(np.expand_dims(grad, ctx.axis), ctx.shape)


@pytest.mark.parametrize("option", [None, "rows"])
def test_a_positional_argument_that_is_not_a_number_names_the_op(option):
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(
        TypeError, match=r"SumOver\.apply: input 1 \(axis\), .*, is not a number.*keyword"
    ):
        SumOver.apply(x, option)
    SumOver.apply(x, axis=0).sum().backward()  # the same option by keyword works
    np.testing.assert_array_equal(x.grad, np.ones((2, 3)))


def test_a_tensor_passed_as_a_keyword_is_refused():
    class Scale(Function):
        @staticmethod
        def forward(ctx, x, w=1.0):
            return x * w

        @staticmethod
        def backward(ctx, grad):
            return grad

    w = Tensor([2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"Scale\.apply: keyword argument w= is a Tensor"):
        Scale.apply(Tensor([1.0]), w=w)


def test_an_option_passed_positionally_gets_a_hint_to_pass_it_by_keyword():
    x = Tensor([-1.0, 2.0], requires_grad=True)
    out = Leaky.apply(x, 0.1)  # the PyTorch habit: the slope becomes a second input
    with pytest.raises(ValueError, match=r"input 1 \(slope\) was a plain number.*slope=0\.1"):
        out.sum().backward()


def test_pytorch_names_on_ctx_point_to_the_course_names():
    class TorchStyle(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return 2.0 * x

    with pytest.raises(AttributeError, match=r"save_for_backward.*ctx\.save"):
        TorchStyle.apply(Tensor(1.0))
    ctx = Context((True,))
    with pytest.raises(AttributeError, match=r"saved_tensors.*ctx\.saved"):
        ctx.saved_tensors  # noqa: B018
    with pytest.raises(AttributeError, match=r"'slope'$"):  # no hint for other names
        ctx.slope  # noqa: B018


def test_a_second_save_replaces_the_first_as_documented():
    ctx = Context((True,))
    ctx.save(np.ones(2))
    ctx.save(np.zeros(3))
    assert len(ctx.saved) == 1 and ctx.saved[0].shape == (3,)


def test_changing_a_leaf_in_place_before_backward_changes_its_gradient_as_documented():
    # Saved arrays are the inputs' own data, exactly as for built-in operations.
    for square in (lambda t: t * t, lambda t: Hypot.apply(t, 0.0)):
        x = Tensor([3.0], requires_grad=True)
        out = square(x)
        x.data[...] = -x.data  # an in-place update between forward and backward
        out.sum().backward()
        assert np.sign(x.grad[0]) == -1.0


def test_a_complex_gradient_is_refused_not_cast_to_real():
    class Rotate(Identity):
        @staticmethod
        def backward(ctx, grad):
            return grad * 1j

    with pytest.raises(TypeError, match=r"Rotate\.backward: the gradient for input 0 \(x\)"):
        Rotate.apply(Tensor([1.0], requires_grad=True)).sum().backward()
