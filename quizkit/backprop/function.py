"""`Function`: define a new differentiable operation, its forward and backward side by side.

Subclass `Function`, write two static methods on NumPy arrays, and call `apply` on tensors:

    class Softplus(Function):
        @staticmethod
        def forward(ctx, x):            # NumPy arrays in, one NumPy array out
            ctx.save(x)                 # keep what backward will need
            return np.logaddexp(0.0, x)

        @staticmethod
        def backward(ctx, grad):        # dL/d(output) in, one dL/d(input) per input out
            (x,) = ctx.saved
            return grad * 0.5 * (1.0 + np.tanh(0.5 * x))  # times sigma(x), without overflow

    softplus = Softplus.apply           # softplus(t) takes and returns Tensors
    y = softplus(Tensor([0.5, -2.0], requires_grad=True))

The result is an ordinary node of the graph, like the built-in operations in `tensor.py`:
`trace()` shows its name (the class name in lower case, or the class attribute `name`),
`backward(on_visit=...)` visits it, and an input used in several places receives the sum of
its gradients.

The rules:

* Every positional argument of `apply` is an input: a Tensor or a number or array of
  numbers (plain numbers take the precision of the first Tensor argument). `forward`
  receives them as arrays, in the same order. Keyword arguments are passed to `forward`
  unchanged and get no gradient (a slope, an axis); a Tensor passed as a keyword is refused,
  since it would silently get no gradient. Unlike PyTorch's `apply`, which takes positional
  arguments only, options go here by keyword: `Leaky.apply(x, slope=0.1)`.
* The arrays `forward` and `backward` receive are read-only: they belong to the graph, and
  changing one in place would corrupt other operations' results. Compute new arrays.
* The arrays `forward` receives (and so what it saves) are the inputs' own data, not copies:
  changing a leaf's `.data` in place between the forward and the backward pass changes the
  gradient computed from it, silently, as it does for every built-in operation.
* `backward` returns one gradient per input, in order: a bare array when there is one input,
  a tuple otherwise; `None` for an input that has no gradient. Each gradient has the input's
  shape or the output's shape; in the second case an input that broadcasting stretched has
  its gradient summed back to its own shape (`unbroadcast`), as every built-in operation does.
  That summing assumes NumPy's alignment (trailing axes matched, missing leading axes
  added): if `forward` reshaped an input itself (`a[:, None]`), reduce its gradient yourself.
* Anything else raises an error naming the operation, so a mistake is found where it is made.
"""

from __future__ import annotations

import contextlib
import inspect

import numpy as np

from .tensor import Tensor, _as_array, unbroadcast

__all__ = ["Context", "Function"]


class Context:
    """What one call of an operation keeps for its backward pass.

    `ctx.save(*arrays)` stores arrays, read back as the tuple `ctx.saved` (PyTorch's
    `save_for_backward` and `saved_tensors`); a second call replaces what the first saved, so
    save everything in one call. Any other attribute may be set as well (`ctx.slope = 0.1`).
    `ctx.needs_input_grad` says, per input, whether its gradient will be used (a backward may
    skip work for the others).
    """

    _PYTORCH_NAMES = {"save_for_backward": "save", "saved_tensors": "saved"}

    def __init__(self, needs_input_grad: tuple[bool, ...]):
        self.saved: tuple = ()
        self.needs_input_grad = needs_input_grad

    def save(self, *arrays) -> None:
        self.saved = arrays

    def __getattr__(self, attribute: str):
        # Only reached for an attribute that was never set: name the course's spelling of
        # PyTorch's, the first thing a PyTorch user types.
        ours = self._PYTORCH_NAMES.get(attribute)
        hint = f"; the course engine calls it ctx.{ours}" if ours else ""
        raise AttributeError(f"Context has no attribute {attribute!r}{hint}")


class Function:
    """Base class of a differentiable operation written by hand (see the module notes)."""

    name: str | None = None
    """The operation's name in `trace()`; defaults to the class name in lower case."""

    @staticmethod
    def forward(ctx: Context, *inputs: np.ndarray, **options) -> np.ndarray:
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: Context, grad: np.ndarray):
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *inputs, **options) -> Tensor:
        """Run the operation on `inputs` (Tensors or numbers) and record it in the graph."""
        op = cls.name or cls.__name__.lower()
        if not inputs:
            raise TypeError(f"{cls.__name__}.apply() needs at least one input")
        labels = _input_labels(cls, len(inputs))
        _check_arguments(cls, inputs, options, labels)
        first = next((x for x in inputs if isinstance(x, Tensor)), None)
        tensors = tuple(first._lift(x) if first is not None else Tensor(x) for x in inputs)
        ctx = Context(tuple(t.requires_grad for t in tensors))
        with _naming_in_place_writes(cls, "forward"):
            data = cls.forward(ctx, *(_read_only(t.data) for t in tensors), **options)
        if isinstance(data, Tensor) or not isinstance(data, np.ndarray | np.generic | float | int):
            raise TypeError(
                f"{cls.__name__}.forward must return a NumPy array, but returned"
                f" {type(data).__name__}"
                + (
                    " (compute with the arrays it receives, not with Tensors)"
                    if isinstance(data, Tensor)
                    else ""
                )
            )
        out = tensors[0]._result(_as_array(data), tensors, op)
        numbers = [
            (label, x) for label, x in zip(labels, inputs, strict=True) if not isinstance(x, Tensor)
        ]

        def _backward(g):
            with _naming_in_place_writes(cls, "backward"):
                grads = cls.backward(ctx, _read_only(g))
            grads = _one_per_input(cls, grads, len(tensors), numbers)
            for t, grad, label in zip(tensors, grads, labels, strict=True):
                if grad is None:
                    continue
                grad = _fitted(cls, label, grad, t.shape, out.shape)
                if not grad.flags.writeable:
                    # A backward that passes its read-only `g` through would otherwise leave
                    # a leaf's .grad read-only, unlike after a built-in op (x.grad *= 0.5).
                    grad = grad.copy()
                if t.requires_grad:
                    t._accumulate(grad)

        out._backward = _backward
        return out


def _check_arguments(cls, inputs: tuple, options: dict, labels: list[str]) -> None:
    """Refuse what would silently go wrong later: a positional option, a Tensor keyword."""
    for label, x in zip(labels, inputs, strict=True):
        if isinstance(x, Tensor):
            continue
        try:
            kind = np.asarray(x).dtype.kind
        except (TypeError, ValueError):  # ragged lists and the like
            kind = "O"
        if kind not in "biuf":
            raise TypeError(
                f"{cls.__name__}.apply: {label}, {x!r}, is not a number; positional arguments"
                f" are inputs, so pass an option such as an axis as a keyword (axis=0)"
            )
    for key, value in options.items():
        if isinstance(value, Tensor):
            raise TypeError(
                f"{cls.__name__}.apply: keyword argument {key}= is a Tensor, but keyword"
                f" arguments get no gradient; pass {key} positionally, as an input"
            )


@contextlib.contextmanager
def _naming_in_place_writes(cls, method: str):
    """NumPy's read-only error, re-raised with the operation that wrote in place."""
    try:
        yield
    except ValueError as exc:
        if "read-only" not in str(exc):
            raise
        raise ValueError(
            f"{cls.__name__}.{method} wrote into an array it received ({exc}); the arrays"
            f" {method} receives are read-only: compute new ones (np.where, x * 2, x.copy())"
        ) from exc


def _read_only(array) -> np.ndarray:
    # An upstream gradient may be a NumPy scalar (a product of 0-d arrays is one), which
    # has no flags to set; asarray makes it a 0-d array and leaves arrays as they are.
    view = np.asarray(array).view()
    view.flags.writeable = False
    return view


def _one_per_input(cls, grads, count: int, numbers: list[tuple[str, object]]) -> tuple:
    if count == 1 and not isinstance(grads, tuple | list):
        grads = (grads,)
    if not isinstance(grads, tuple | list) or len(grads) != count:
        returned = (
            f"{len(grads)} gradients"
            if isinstance(grads, tuple | list)
            else f"a single {type(grads).__name__}"
        )
        raise ValueError(
            f"{cls.__name__}.backward returned {returned} for {count} input"
            f"{'s' if count != 1 else ''}: return one gradient per input of forward, in order"
            f" ({'a tuple' if count > 1 else 'an array'}; None for an input without one)"
            + "".join(
                f". {label} was a plain number, {value!r}: if it is an option such as a slope,"
                f" pass it as a keyword ({_parameter(label)}={value!r})"
                for label, value in numbers[:1]
            )
        )
    return tuple(grads)


def _fitted(cls, label: str, grad, shape: tuple, out_shape: tuple) -> np.ndarray:
    """`grad` checked and reduced to the input's `shape` (summed over broadcast axes)."""
    if isinstance(grad, Tensor) or not isinstance(grad, np.ndarray | np.generic | float | int):
        raise TypeError(
            f"{cls.__name__}.backward: the gradient for {label} is a {type(grad).__name__},"
            f" not a NumPy array"
        )
    if np.iscomplexobj(grad):
        raise TypeError(
            f"{cls.__name__}.backward: the gradient for {label} is complex; gradients of real"
            f" inputs are real"
        )
    grad = _as_array(grad)
    if grad.shape == shape:
        return grad
    if grad.shape == out_shape and _broadcasts_to(shape, out_shape):
        return unbroadcast(grad, shape)
    raise ValueError(
        f"{cls.__name__}.backward: the gradient for {label} has shape {grad.shape}, but"
        f" that input has shape {shape} (and the output {out_shape}); a gradient must have"
        f" the shape of its input, or the output's shape when the input was broadcast"
    )


def _broadcasts_to(shape: tuple, out_shape: tuple) -> bool:
    try:
        return np.broadcast_shapes(shape, out_shape) == out_shape
    except ValueError:  # incompatible: fall through to the error that names the op
        return False


def _parameter(label: str) -> str:
    """`slope` from "input 1 (slope)"; "name" when forward's signature gave none."""
    return label.partition("(")[2].rstrip(")") or "name"


def _input_labels(cls, count: int) -> list[str]:
    """ "input 0 (x)": the position, and the parameter name of forward when it has one."""
    try:
        params = list(inspect.signature(cls.forward).parameters.values())[1:]
    except (TypeError, ValueError):
        params = []
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return [
        f"input {i} ({positional[i]})" if i < len(positional) else f"input {i}"
        for i in range(count)
    ]
