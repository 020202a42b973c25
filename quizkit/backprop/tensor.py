"""The `Tensor`: a NumPy array that remembers how it was computed, so it can backpropagate.

Every operation below has the same shape. It computes its result with NumPy (the forward
pass) and, right beside it, defines a small `_backward(g)` function: given `g`, the gradient
of the final output with respect to this result, it adds each input's share of `g` to that
input's `.grad` (the local derivative times `g`, the chain rule). Reading one operation
tells you both halves of its story. The element-wise functions (`relu`, `sigmoid`, `tanh`,
`exp`, `log`, `abs`, negation) share one `_backward`, in `_elementwise`: each writes only
its derivative, as a `lambda:` beside its forward computation.

`backward()` visits the recorded operations in reverse topological order, so a tensor's
gradient is complete (summed over every place it was used) before it is passed further back.

Three rules worth knowing:

* A gradient is only computed for tensors that need one: leaves created with
  `requires_grad=True` and everything computed from them. Constants (inputs, targets) get
  `.grad = None` and cost nothing in the backward pass. Calling `backward()` on a result
  that needs no gradient at all is an error, as in PyTorch: there would be nothing to fill.
* Leaves *accumulate*: every `backward()` adds its gradients to the leaves' `.grad`, as
  PyTorch does, so a training loop calls `zero_grad()` on the leaves (or the model's or
  optimizer's `zero_grad()`) between steps, and summing the gradients of several batches
  (gradient accumulation) needs nothing special. Intermediate results do not accumulate:
  after each `backward()` their `.grad` is the gradient of that call alone.
* A graph is backpropagated through once. A second `backward()` that would pass through
  an operation an earlier `backward()` already went through raises an error instead of
  silently adding the same gradients to the leaves again; rebuild the graph (run the
  forward pass again) for each `backward()`. To go through one graph twice on purpose (two
  losses sharing a trunk, or to watch the leaves accumulate), call the first `backward()`
  with `retain_graph=True`, the flag PyTorch uses for the same purpose.

The engine never changes a gradient array in place, so two tensors may share one array
(the two inputs of an addition both receive the same upstream gradient). Copy a `.grad`
before modifying it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["Tensor", "concatenate", "maximum", "stack", "where"]


def _as_array(data, dtype=None) -> np.ndarray:
    """`data` as a float array: float arrays keep their precision, others become float64."""
    if isinstance(data, Tensor):
        data = data.data
    array = np.asarray(data, dtype=dtype)
    if dtype is None and array.dtype.kind != "f":
        array = array.astype(np.float64)
    return array


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `grad` over the axes NumPy broadcasting added or stretched, so it has `shape`.

    If `b` of shape (3,) was added to every row of a (4, 3) array, `b` was used four
    times; its gradient is the sum of the four rows' gradients. Every binary operation
    passes its operands' gradients through here.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def matmul_shape_error(op: str, a: tuple[int, ...], b: tuple[int, ...]) -> str:
    """Why `a @ b` fails for these shapes, naming `op` and both shapes (NumPy's own message
    names a gufunc signature instead).

    The left operand's last dimension must equal the right operand's second-to-last (its
    only one if it is 1-D); any dimensions before the last two are a batch and broadcast.
    """
    head = f"{op}: {a} @ {b}"
    if not a or not b:
        return f"{head}: a single number has no rows or columns; multiply with * instead"
    inner_b = b[-2] if len(b) > 1 else b[0]
    if a[-1] != inner_b:
        which = "first" if len(b) < 3 else "second-to-last"
        message = (
            f"{head}: inner dimensions {a[-1]} and {inner_b} differ (the left operand's last"
            f" dimension must equal the right operand's {which} dimension)"
        )
        if len(b) == 2 and a[-1] == b[-1]:
            message += "; the right operand transposed (.T) would fit"
        elif len(a) == 2 and a[0] == inner_b:
            message += "; the left operand transposed (.T) would fit"
        return message
    return f"{head}: the batch dimensions {a[:-2]} and {b[:-2]} do not broadcast"


def stable_sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) for an array, as 0.5(1 + tanh(x/2)): equal to 1/(1 + e⁻ˣ), never overflowing."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


class Tensor:
    """An array of numbers that records the operations applied to it.

    `Tensor(data, requires_grad=False, name=None)`:

    * `data`: a number, list or NumPy array. Floating-point arrays keep their precision
      (float32 stays float32); everything else becomes float64.
    * `requires_grad=True` marks a leaf whose gradient you want (a weight, a bias, an
      input you are curious about). Its data is copied, so updating it never changes the
      array you passed in.
    * `name`: an optional label shown by `trace()`; you can also set `t.name = "z1"` later.

    After `loss.backward()`, `t.grad` holds dL/dt with the same shape as `t.data`.
    """

    # Make NumPy hand `array + tensor` over to Tensor.__radd__ instead of looping itself.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad: bool = False, name: str | None = None):
        self.data = _as_array(data)
        if requires_grad:
            self.data = self.data.copy()
        self.requires_grad = bool(requires_grad)
        self.grad: np.ndarray | None = None
        self.name = name
        self._parents: tuple[Tensor, ...] = ()
        self._op = "leaf"
        self._backward = None
        self._spent = False

    # -- bookkeeping -------------------------------------------------------------------

    def _result(self, data: np.ndarray, parents: tuple[Tensor, ...], op: str) -> Tensor:
        """A new tensor computed by `op` from `parents` (skipping __init__'s checks: hot path)."""
        out = Tensor.__new__(Tensor)
        out.data = data
        out.requires_grad = any(p.requires_grad for p in parents)
        out.grad = None
        out.name = None
        out._parents = parents
        out._op = op
        out._backward = None
        out._spent = False  # set once a backward() without retain_graph went through it
        return out

    def _lift(self, other) -> Tensor:
        """`other` as a Tensor; plain numbers take this tensor's precision."""
        if isinstance(other, Tensor):
            return other
        array = np.asarray(other)
        if array.dtype.kind != "f" or array.ndim == 0:
            array = array.astype(self.data.dtype)
        return Tensor(array)

    def _accumulate(self, grad: np.ndarray) -> None:
        """Add one contribution to this tensor's gradient (a value used twice gets two)."""
        if self.grad is None:
            self.grad = grad
        else:
            self.grad = self.grad + grad

    # -- properties ----------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def op(self) -> str:
        """The operation that produced this tensor ("leaf" if you created it)."""
        return self._op

    @property
    def parents(self) -> tuple[Tensor, ...]:
        """The tensors this one was computed from, in argument order."""
        return self._parents

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        return float(self.data.item())

    def __float__(self) -> float:
        return self.item()

    def __array__(self, dtype=None, copy=None):
        # Lets NumPy functions read a Tensor's values (np.linalg.norm(t), np.array(t)).
        # The result is a plain array: nothing computed from it is recorded.
        if copy:
            return np.array(self.data, dtype=dtype)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def named(self, name: str) -> Tensor:
        """Set the name shown by `trace()` and return the tensor: `z1 = (w1 * x).named("z1")`."""
        self.name = name
        return self

    def __repr__(self) -> str:
        label = f", name={self.name!r}" if self.name else ""
        grad = ", requires_grad=True" if self.requires_grad else ""
        return f"Tensor({np.array2string(self.data, precision=4)}{grad}{label})"

    # -- arithmetic ----------------------------------------------------------------------

    def __add__(self, other) -> Tensor:
        a, b = self, self._lift(other)
        out = self._result(a.data + b.data, (a, b), "add")

        def _backward(g):
            # d(a+b)/da = d(a+b)/db = 1: both inputs receive g unchanged.
            if a.requires_grad:
                a._accumulate(unbroadcast(g, a.shape))
            if b.requires_grad:
                b._accumulate(unbroadcast(g, b.shape))

        out._backward = _backward
        return out

    def __sub__(self, other) -> Tensor:
        a, b = self, self._lift(other)
        out = self._result(a.data - b.data, (a, b), "sub")

        def _backward(g):
            if a.requires_grad:
                a._accumulate(unbroadcast(g, a.shape))
            if b.requires_grad:
                b._accumulate(unbroadcast(-g, b.shape))

        out._backward = _backward
        return out

    def __mul__(self, other) -> Tensor:
        a, b = self, self._lift(other)
        out = self._result(a.data * b.data, (a, b), "mul")

        def _backward(g):
            # Swap and scale: each input gets g times the *other* input.
            if a.requires_grad:
                a._accumulate(unbroadcast(g * b.data, a.shape))
            if b.requires_grad:
                b._accumulate(unbroadcast(g * a.data, b.shape))

        out._backward = _backward
        return out

    def __truediv__(self, other) -> Tensor:
        a, b = self, self._lift(other)
        out = self._result(a.data / b.data, (a, b), "div")

        def _backward(g):
            # d(a/b)/da = 1/b,  d(a/b)/db = -a/b².
            if a.requires_grad:
                a._accumulate(unbroadcast(g / b.data, a.shape))
            if b.requires_grad:
                b._accumulate(unbroadcast(-g * a.data / (b.data * b.data), b.shape))

        out._backward = _backward
        return out

    def __matmul__(self, other) -> Tensor:
        a, b = self, self._lift(other)
        try:
            product = a.data @ b.data
        except ValueError:
            raise ValueError(matmul_shape_error("matmul", a.shape, b.shape)) from None
        out = self._result(product, (a, b), "matmul")

        def _backward(g):
            # For 2-D a (n, k) and b (k, m): dL/da = g bᵀ and dL/db = aᵀ g.
            # 1-D operands are treated as a row (a) or a column (b), as NumPy does.
            a_data = a.data if a.ndim > 1 else a.data[None, :]
            b_data = b.data if b.ndim > 1 else b.data[:, None]
            g2 = g.reshape(a_data.shape[:-1] + b_data.shape[-1:])
            if a.requires_grad:
                grad_a = g2 @ np.swapaxes(b_data, -1, -2)
                a._accumulate(unbroadcast(grad_a, a_data.shape).reshape(a.shape))
            if b.requires_grad:
                grad_b = np.swapaxes(a_data, -1, -2) @ g2
                b._accumulate(unbroadcast(grad_b, b_data.shape).reshape(b.shape))

        out._backward = _backward
        return out

    def __pow__(self, other) -> Tensor:
        a, b = self, self._lift(other)
        power = a.data**b.data
        out = self._result(power, (a, b), "pow")

        def _backward(g):
            # d(aᵇ)/da = b·aᵇ⁻¹;  d(aᵇ)/db = aᵇ·ln a (only needed if the exponent is learned).
            if a.requires_grad:
                a._accumulate(unbroadcast(g * b.data * a.data ** (b.data - 1), a.shape))
            if b.requires_grad:
                b._accumulate(unbroadcast(g * power * np.log(a.data), b.shape))

        out._backward = _backward
        return out

    def __neg__(self) -> Tensor:
        return self._elementwise("neg", -self.data, lambda: -1.0)

    # The reflected forms (2 * t, 1 - t, ...) lift the number and reuse the ops above.
    def __radd__(self, other) -> Tensor:
        return self._lift(other) + self

    def __rsub__(self, other) -> Tensor:
        return self._lift(other) - self

    def __rmul__(self, other) -> Tensor:
        return self._lift(other) * self

    def __rtruediv__(self, other) -> Tensor:
        return self._lift(other) / self

    def __rmatmul__(self, other) -> Tensor:
        return self._lift(other) @ self

    def __rpow__(self, other) -> Tensor:
        return self._lift(other) ** self

    # -- reductions and shape --------------------------------------------------------------

    def sum(self, axis=None, keepdims: bool = False) -> Tensor:
        """Sum of the elements (over `axis` if given), like `ndarray.sum`."""
        a = self
        out = self._result(a.data.sum(axis=axis, keepdims=keepdims), (a,), "sum")

        def _backward(g):
            # Every summed element contributed with slope 1: spread g back over them.
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            a._accumulate(np.broadcast_to(g, a.shape).copy())

        out._backward = _backward
        return out

    def mean(self, axis=None, keepdims: bool = False) -> Tensor:
        """Mean of the elements (over `axis` if given), like `ndarray.mean`."""
        a = self
        out = self._result(a.data.mean(axis=axis, keepdims=keepdims), (a,), "mean")
        count = a.data.size // max(out.data.size, 1)

        def _backward(g):
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            a._accumulate(np.broadcast_to(g / count, a.shape).copy())

        out._backward = _backward
        return out

    def var(self, axis=None, keepdims: bool = False) -> Tensor:
        """Population variance (ddof=0: divided by N, not N − 1) over `axis`, like `ndarray.var`.

        v = Σᵢ (xᵢ − μ)² / N with μ the mean. Each xᵢ reaches v twice: directly, and through μ
        (which every term subtracts). The direct path gives 2(xᵢ − μ)/N; the path through μ
        gives −(2/N)·Σⱼ(xⱼ − μ)/N, which is zero because deviations from their mean sum to
        zero. So dv/dxᵢ = 2(xᵢ − μ)/N. (In BatchNorm the path through μ does not vanish: there
        μ also reaches the output through x − μ, not only through v.)
        """
        a = self
        centred = a.data - a.data.mean(axis=axis, keepdims=True)
        out = self._result((centred * centred).mean(axis=axis, keepdims=keepdims), (a,), "var")
        count = a.data.size // max(out.data.size, 1)

        def _backward(g):
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            a._accumulate(g * (2.0 / count) * centred)

        out._backward = _backward
        return out

    def max(self, axis=None, keepdims: bool = False) -> Tensor:
        """Largest element (over `axis` if given), like `ndarray.max`.

        The gradient goes to the arg-max: no other element changed the result. When k elements
        tie for the maximum, each receives g/k (as PyTorch's `amax` and the autograd package
        do), so the shares still add up to g.
        """
        a = self
        top = a.data.max(axis=axis, keepdims=True)
        out = self._result(top if keepdims else np.squeeze(top, axis=axis), (a,), "max")

        def _backward(g):
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            winners = a.data == top
            ties = np.maximum(winners.sum(axis=axis, keepdims=True), 1).astype(a.dtype)
            a._accumulate(np.where(winners, g / ties, 0))

        out._backward = _backward
        return out

    def reshape(self, *shape) -> Tensor:
        """The same numbers arranged in a new shape (`t.reshape(2, 3)` or `t.reshape((2, 3))`)."""
        if len(shape) == 1 and isinstance(shape[0], tuple | list):
            shape = tuple(shape[0])
        a = self
        out = self._result(a.data.reshape(shape), (a,), "reshape")

        def _backward(g):
            a._accumulate(g.reshape(a.shape))

        out._backward = _backward
        return out

    @property
    def T(self) -> Tensor:
        """The transpose (axes reversed), like `ndarray.T`."""
        a = self
        out = self._result(a.data.T, (a,), "transpose")

        def _backward(g):
            a._accumulate(g.T)

        out._backward = _backward
        return out

    def __getitem__(self, index) -> Tensor:
        """Select elements with NumPy indexing; the gradient flows back to those positions."""
        a = self
        if isinstance(index, Tensor):
            index = index.data.astype(np.intp)
        out = self._result(a.data[index], (a,), "index")

        def _backward(g):
            grad = np.zeros_like(a.data)
            np.add.at(grad, index, g)  # add.at: an element picked twice gets both gradients
            a._accumulate(grad)

        out._backward = _backward
        return out

    # -- element-wise functions ----------------------------------------------------------
    #
    # Each output element depends on its own input element only, so the chain rule is one
    # product: the input's gradient is g · f′(x). Each function gives `_elementwise` its
    # value f(x) and, beside it, its derivative f′(x) as a `lambda:`: the backward pass calls
    # it, so the derivative costs nothing until a gradient is wanted, and the graph keeps
    # only the arrays the lambda reads.

    def _elementwise(self, op: str, value: np.ndarray, derivative) -> Tensor:
        """The result f(x) of the element-wise function `op`; `derivative()` gives f′(x)."""
        a = self
        out = self._result(value, (a,), op)

        def _backward(g):
            a._accumulate(g * derivative())

        out._backward = _backward
        return out

    def relu(self) -> Tensor:
        """max(0, x). Its derivative is 1 where x > 0 and 0 elsewhere (0 is used at x = 0).

        Computed with `np.maximum`, which propagates NaN: a NaN input gives a NaN output
        (a version written with `np.where(x > 0, x, 0)` would turn it into 0)."""
        x = self.data
        return self._elementwise("relu", np.maximum(x, 0), lambda: x > 0)

    def leaky_relu(self, slope: float = 0.01) -> Tensor:
        """x for x > 0, slope·x otherwise: negative inputs still pass a small gradient."""
        x = self.data
        positive = x > 0
        return self._elementwise(
            "leaky_relu",
            np.where(positive, x, slope * x),
            lambda: np.where(positive, 1.0, slope).astype(x.dtype, copy=False),
        )

    def sigmoid(self) -> Tensor:
        """σ(x) = 1 / (1 + e⁻ˣ), with derivative σ(x)(1 − σ(x)) (at most 0.25)."""
        s = stable_sigmoid(self.data)
        return self._elementwise("sigmoid", s, lambda: s * (1.0 - s))

    def tanh(self) -> Tensor:
        """tanh(x), with derivative 1 − tanh²(x)."""
        t = np.tanh(self.data)
        return self._elementwise("tanh", t, lambda: 1.0 - t * t)

    def exp(self) -> Tensor:
        """eˣ, which is its own derivative."""
        e = np.exp(self.data)
        return self._elementwise("exp", e, lambda: e)

    def log(self) -> Tensor:
        """Natural logarithm, with derivative 1/x."""
        x = self.data
        return self._elementwise("log", np.log(x), lambda: 1.0 / x)

    def abs(self) -> Tensor:
        """|x|, with derivative sign(x): −1, +1, and 0 at x = 0 (a subgradient, as NumPy's sign)."""
        x = self.data
        return self._elementwise("abs", np.abs(x), lambda: np.sign(x))

    def __abs__(self) -> Tensor:  # abs(t), as for NumPy arrays
        return self.abs()

    def detach(self) -> Tensor:
        """The same numbers as a new input: no parents, no gradient, the data array shared.

        Nothing computed from the result sends a gradient back into this tensor's graph. It is
        how truncated backpropagation through time cuts an RNN's hidden state between chunks:
        `h = h.detach()` keeps the values, forgets the history. The data is shared, not copied,
        so changing one's `.data` in place changes the other's. `trace()` shows it as an input
        labelled "detach".
        """
        return self._result(self.data, (), "detach")

    # -- backpropagation -------------------------------------------------------------------

    def backward(self, grad=None, *, on_visit=None, retain_graph: bool = False) -> None:
        """Backpropagate from this tensor: fill `.grad` of everything it was computed from.

        `grad` is dL/d(this tensor). It defaults to 1 when this tensor holds a single
        number (a loss); for any other shape you must say which gradient to start from.

        Leaves accumulate: each call adds its gradients to the leaves' `.grad`, so call
        `zero_grad()` between training steps; intermediate results hold this call's
        gradient only. Two mistakes raise a RuntimeError instead of passing silently:

        * nothing to differentiate: no tensor this one was computed from has
          `requires_grad=True` (PyTorch raises "element 0 of tensors does not require grad
          and does not have a grad_fn");
        * a second pass through the same graph: it would add the same gradients to the
          leaves again, usually because the forward pass was not run again. PyTorch raises
          "Trying to backward through the graph a second time" when the pass needs a value
          the first one freed, which is most operations; this engine frees nothing but
          raises for every operation, so the rule has no exceptions. As in PyTorch,
          `retain_graph=True` on a call allows one more pass through its graph (a second
          loss sharing a trunk, or watching the leaves accumulate on purpose). A new graph,
          even one built from the same leaves, is always fine.

        `on_visit(node)`, if given, is called for every computed tensor at the moment the
        pass sends its (complete) gradient `node.grad` on to its parents, in the order the
        pass does so. It lets you watch backpropagation happen, e.g. record the order:
        `loss.backward(on_visit=lambda n: seen.append(n.name))`.
        """
        if not self.requires_grad:
            raise RuntimeError(_NOTHING_REQUIRES_GRAD.format(what=_describe(self)))
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward() without a gradient needs a single-number tensor (a loss), but"
                    f" this one has shape {self.shape}; reduce it first (e.g. .sum() or"
                    f" .mean()) or pass backward(grad=...) with an array of that shape"
                )
            grad = np.ones_like(self.data)
        else:
            grad = _as_array(grad.data if isinstance(grad, Tensor) else grad, self.data.dtype)
            if grad.shape != self.shape:
                grad = np.broadcast_to(grad, self.shape).copy()

        order = topological_order(self)
        # Only the operations this pass runs: constants' results need no gradient.
        passes = [node for node in order if node._backward is not None and node.requires_grad]
        spent = next((node for node in passes if node._spent), None)
        if spent is not None:
            raise RuntimeError(_SECOND_PASS.format(what=_describe(spent)))
        # Results computed along the way get this call's gradient only; leaves keep theirs.
        for node in order:
            if node._backward is not None:
                node.grad = None
        self._accumulate(grad)
        for node in reversed(passes):
            if node.grad is not None:
                if on_visit is not None:
                    on_visit(node)
                node._backward(node.grad)
        if not retain_graph:
            for done in passes:
                done._spent = True

    def zero_grad(self) -> None:
        """Forget this tensor's gradient (`.grad` becomes None); the next backward starts at 0."""
        self.grad = None


_NOTHING_REQUIRES_GRAD = (
    "backward() on {what}, which needs no gradient: no tensor it was computed from was"
    " created with requires_grad=True, so there is no .grad to fill. Create the leaves you"
    " want gradients for (weights, biases, an input you are curious about) with"
    " Tensor(..., requires_grad=True); a .detach() or arithmetic on .data also cuts the"
    ' graph. PyTorch raises here too: "element 0 of tensors does not require grad and does'
    ' not have a grad_fn".'
)

_SECOND_PASS = (
    "backward() through a graph that an earlier backward() already went through (at {what})."
    " A second pass would add the same gradients to the leaves' .grad again. In a training"
    " loop, run the forward pass again for every backward() (and zero_grad() between steps)."
    " To go through the same graph again on purpose (two losses sharing a trunk, one pass"
    " per row of a Jacobian), pass retain_graph=True to every backward() but the last, as in"
    ' PyTorch, which raises "Trying to backward through the graph a second time" here.'
)


def _describe(t: Tensor) -> str:
    """How an error names a tensor: its name, or its operation and shape."""
    kind = "a leaf" if t._op == "leaf" else f"the result of {t._op}"
    label = f"{t.name!r}, " if t.name else ""
    return f"{label}{kind} of shape {t.shape}"


# -- operations on several tensors -----------------------------------------------------------


def _tensors(values) -> list[Tensor]:
    """Arguments as Tensors; plain numbers and arrays take the precision of the first Tensor."""
    values = list(values)
    model = next((v for v in values if isinstance(v, Tensor)), None)
    if model is None:
        return [Tensor(v) for v in values]
    return [model._lift(v) for v in values]


def maximum(a, b) -> Tensor:
    """Element-wise maximum of `a` and `b` (broadcast like `np.maximum`).

    The gradient goes to the larger input. Where the two are equal each receives g/2, so the
    two shares still add up to g (the rule PyTorch and the autograd package use).
    """
    a, b = _tensors((a, b))
    out = a._result(np.maximum(a.data, b.data), (a, b), "maximum")

    def _backward(g):
        share = np.where(a.data > b.data, 1.0, np.where(a.data == b.data, 0.5, 0.0))
        share = share.astype(g.dtype, copy=False)
        if a.requires_grad:
            a._accumulate(unbroadcast(g * share, a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(g * (1 - share), b.shape))

    out._backward = _backward
    return out


def where(cond, a, b) -> Tensor:
    """`a` where `cond` is True, `b` elsewhere (broadcast like `np.where`).

    `cond` is a boolean array (e.g. `x.data > 0`) and is not differentiated. Each position's
    gradient goes to the input that was chosen there, and none to the other.
    """
    cond = cond.data if isinstance(cond, Tensor) else np.asarray(cond)
    if cond.dtype != np.bool_:
        raise TypeError(
            f"where: cond must be a boolean array (e.g. x.data > 0), got dtype {cond.dtype}"
        )
    a, b = _tensors((a, b))
    out = a._result(np.where(cond, a.data, b.data), (a, b), "where")

    def _backward(g):
        zero = np.zeros((), dtype=g.dtype)
        if a.requires_grad:
            a._accumulate(unbroadcast(np.where(cond, g, zero), a.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(np.where(cond, zero, g), b.shape))

    out._backward = _backward
    return out


def _axis_of(op: str, axis: int, ndim: int) -> int:
    if not -ndim <= axis < ndim:
        raise ValueError(f"{op}: axis {axis} is out of range for {ndim}-dimensional results")
    return axis % ndim


def concatenate(tensors, axis: int = 0) -> Tensor:
    """Join tensors end to end along an existing `axis`, like `np.concatenate`.

    Each input gets back the slice of the gradient that lies over its own part of the result.
    """
    parts = _tensors(tensors)
    if not parts:
        raise ValueError("concatenate: needs at least one tensor")
    first = parts[0].shape
    if not first:
        raise ValueError("concatenate: tensor 0 is a single number (shape ()); use stack")
    axis = _axis_of("concatenate", axis, len(first))
    for i, t in enumerate(parts):
        others = t.shape[:axis] + t.shape[axis + 1 :]
        if t.ndim != len(first) or others != first[:axis] + first[axis + 1 :]:
            raise ValueError(
                f"concatenate: tensor {i} has shape {t.shape} but tensor 0 has shape {first};"
                f" all dimensions except axis {axis} must match"
            )
    out = parts[0]._result(
        np.concatenate([t.data for t in parts], axis=axis), tuple(parts), "concatenate"
    )
    ends = np.cumsum([t.shape[axis] for t in parts])

    def _backward(g):
        for t, piece in zip(parts, np.split(g, ends[:-1], axis=axis), strict=True):
            if t.requires_grad:
                t._accumulate(piece)

    out._backward = _backward
    return out


def stack(tensors, axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new `axis`, like `np.stack`.

    Each input gets back its own slice of the gradient along the new axis.
    """
    parts = _tensors(tensors)
    if not parts:
        raise ValueError("stack: needs at least one tensor")
    first = parts[0].shape
    for i, t in enumerate(parts):
        if t.shape != first:
            raise ValueError(
                f"stack: tensor {i} has shape {t.shape} but tensor 0 has shape {first};"
                " all must have the same shape"
            )
    axis = _axis_of("stack", axis, len(first) + 1)
    out = parts[0]._result(np.stack([t.data for t in parts], axis=axis), tuple(parts), "stack")

    def _backward(g):
        for i, t in enumerate(parts):
            if t.requires_grad:
                t._accumulate(np.take(g, i, axis=axis))

    out._backward = _backward
    return out


def topological_order(root: Tensor) -> list[Tensor]:
    """Every tensor `root` depends on, each listed after all of its parents, root last.

    A depth-first walk that visits parents in argument order, so the same computation
    always gives the same order (the ids in `trace()` and the course's figures rely on it).
    """
    order: list[Tensor] = []
    seen: set[int] = set()  # membership only; the order never depends on ids
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        # Pushed in reverse so the first parent is explored first.
        for parent in reversed(node._parents):
            if id(parent) not in seen:
                stack.append((parent, False))
    return order
