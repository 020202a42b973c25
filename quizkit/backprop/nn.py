"""Layers, a multilayer perceptron and stochastic gradient descent, built on `Tensor`.

Convention: a batch is a 2-D array with one example per row, so a layer computes
`x @ W + b` with `W` of shape (inputs, outputs). (`dense` uses the textbook's columns
instead; see there.)

`Module` is the base of `Linear` and `MLP`, and of any model you write: set its weights
(Tensors with `requires_grad=True`) and sub-layers as attributes, define `forward`, and it
finds its own `parameters()` and can `zero_grad()` them all, as a PyTorch `nn.Module` does.
"""

from __future__ import annotations

import math

import numpy as np

from .tensor import Tensor, matmul_shape_error

__all__ = ["Module", "Linear", "MLP", "SGD", "linear"]

ACTIVATIONS = ("relu", "sigmoid", "tanh")


def _rng(rng) -> np.random.Generator:
    """A NumPy Generator from a Generator, a seed, or None (fresh, unpredictable)."""
    return rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)


def init_std(init, n_in: int, n_out: int) -> float:
    """Standard deviation of the initial weights for an init scheme.

    * "he": √(2 / n_in), keeps the variance of ReLU activations constant layer to layer;
    * "xavier": √(2 / (n_in + n_out)), the Glorot scheme: variance-preserving for tanh and
      linear layers (a sigmoid layer still shrinks the gradient, by σ′ ≤ ¼);
    * "normal": 1 (the naive choice, instructive for seeing gradients vanish or explode);
    * a number: that standard deviation.
    """
    if init == "he":
        return math.sqrt(2.0 / n_in)
    if init == "xavier":
        return math.sqrt(2.0 / (n_in + n_out))
    if init == "normal":
        return 1.0
    if isinstance(init, int | float) and not isinstance(init, bool):
        return float(init)
    raise ValueError(f'init must be "he", "xavier", "normal" or a number, not {init!r}')


def linear(x: Tensor, W: Tensor, b: Tensor) -> Tensor:
    """z = x @ W + b as one operation (one node in `trace`), for a batch x with one row per example.

    The same result as writing `x @ W + b`, with one array fewer kept for the backward
    pass. Its backward pass is the matrix form of the chain rule:
    ∂L/∂x = g Wᵀ, ∂L/∂W = xᵀ g, ∂L/∂b = g summed over the batch (rows).
    """
    if x.ndim != 2 or W.ndim != 2:
        raise ValueError(
            f"linear: x {x.shape} @ W {W.shape}: both must be 2-D, x (batch, inputs) with one"
            " row per example and W (inputs, outputs)"
        )
    if x.shape[1] != W.shape[0]:
        raise ValueError(matmul_shape_error("linear", x.shape, W.shape))
    if b.shape not in ((W.shape[1],), (1, W.shape[1])):
        raise ValueError(
            f"linear: b has shape {b.shape} but W has shape {W.shape}; b needs one entry per"
            f" output, shape ({W.shape[1]},)"
        )
    z = x.data @ W.data
    z += b.data  # in place: z is a fresh array, so no second (batch, outputs) array
    out = x._result(z, (x, W, b), "linear")

    def _backward(g):
        if x.requires_grad:
            x._accumulate(g @ W.data.T)
        if W.requires_grad:
            W._accumulate(x.data.T @ g)
        if b.requires_grad:
            b._accumulate(g.sum(axis=0))

    out._backward = _backward
    return out


class Module:
    """The base of a model: it finds its own parameters and clears their gradients.

    A subclass stores its weights as attributes (Tensors with `requires_grad=True`),
    possibly inside other Modules or in lists of them, and defines `forward`; calling the
    module calls `forward`. Nothing has to be registered: `parameters()` looks through the
    attributes in the order they were set.
    """

    def forward(self, *args, **kwargs) -> Tensor:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs) -> Tensor:
        return self.forward(*args, **kwargs)

    def parameters(self) -> list[Tensor]:
        """Every Tensor with `requires_grad=True` this module holds, each once.

        Attributes are searched in the order they were set (a list in its own order), going
        into Modules and lists or tuples of Tensors and Modules, so the order is the same on
        every run; a weight shared by two layers is listed once, where it is first found.
        """
        found: list[Tensor] = []
        seen: set[int] = set()  # membership only; the order comes from the attributes
        _collect(vars(self).values(), found, seen)
        return found

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (`.grad` becomes None) before the next backward."""
        for p in self.parameters():
            p.zero_grad()


def _collect(values, found: list[Tensor], seen: set[int]) -> None:
    for value in values:
        if isinstance(value, Tensor):
            if value.requires_grad and id(value) not in seen:
                seen.add(id(value))
                found.append(value)
        elif isinstance(value, Module):
            if id(value) not in seen:  # a sub-module shared twice, or one holding itself
                seen.add(id(value))
                _collect(vars(value).values(), found, seen)
        elif isinstance(value, list | tuple):
            _collect(value, found, seen)


class Linear(Module):
    """A fully connected layer: `y = x @ W + b`.

    `Linear(n_in, n_out, init="he", rng=None)` draws W from a normal distribution with
    the init's standard deviation (see `init_std`) and sets b to zero. Pass `rng` (a seed
    or a `numpy.random.Generator`) for reproducible weights. Its input's last dimension
    must be n_in: a batch (batch, n_in), a single example (n_in,) or a stack of batches.
    """

    def __init__(self, n_in: int, n_out: int, init="he", rng=None, dtype=np.float64, name=""):
        std = init_std(init, n_in, n_out)
        weights = _rng(rng).normal(0.0, std, size=(n_in, n_out)).astype(dtype)
        self.W = Tensor(weights, requires_grad=True, name=f"W{name}")
        self.b = Tensor(np.zeros(n_out, dtype=dtype), requires_grad=True, name=f"b{name}")

    def forward(self, x) -> Tensor:
        x = x if isinstance(x, Tensor) else Tensor(x)
        if x.ndim == 0 or x.shape[-1] != self.W.shape[0]:
            raise ValueError(
                f"{self!r}: input has shape {x.shape} but its last dimension must be"
                f" {self.W.shape[0]}, the layer's number of inputs (W has shape {self.W.shape})"
            )
        if x.ndim != 2:
            return x @ self.W + self.b  # a single example or a stack of batches
        return linear(x, self.W, self.b)

    def __repr__(self) -> str:
        return f"Linear({self.W.shape[0]}, {self.W.shape[1]})"


class MLP(Module):
    """A multilayer perceptron: Linear layers with an activation between them.

    `MLP([2, 16, 16, 1], activation="relu")` has layers 2→16, 16→16 and 16→1. The last
    layer has no activation (it outputs raw scores; put a loss after it).

    With `residual=True`, a hidden layer whose input and output have the same width adds
    its input to its output, h ← h + act(layer(h)): an identity path for the gradient.

    `init` defaults to "he" for ReLU and "xavier" otherwise (right for tanh; with sigmoid
    the gradient still shrinks layer by layer, which lesson 8 measures).
    """

    def __init__(
        self,
        sizes,
        activation: str = "relu",
        residual: bool = False,
        init=None,
        rng=None,
        dtype=np.float64,
    ):
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, not {activation!r}")
        if len(sizes) < 2:
            raise ValueError("an MLP needs at least an input and an output size")
        self.sizes = list(sizes)
        self.activation = activation
        self.residual = residual
        init = init or ("he" if activation == "relu" else "xavier")
        rng = _rng(rng)
        self.layers = [
            Linear(n_in, n_out, init=init, rng=rng, dtype=dtype, name=str(i + 1))
            for i, (n_in, n_out) in enumerate(zip(self.sizes[:-1], self.sizes[1:], strict=True))
        ]

    def forward(self, x, record: list | None = None) -> Tensor:
        """The output for a batch `x`; hidden pre-activations z are appended to `record`."""
        h = x if isinstance(x, Tensor) else Tensor(x)
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            z = layer(h)
            if i == last:
                return z
            if record is not None:
                record.append(z)
            a = getattr(z, self.activation)()
            h = h + a if self.residual and a.shape == h.shape else a
        raise AssertionError("unreachable: an MLP has at least one layer")

    def __repr__(self) -> str:
        extra = ", residual=True" if self.residual else ""
        return f"MLP({self.sizes}, activation={self.activation!r}{extra})"


class SGD:
    """Stochastic gradient descent: θ ← θ − lr · ∂L/∂θ for every parameter.

    With `clip_norm`, if the gradients' global norm ‖g‖ (all parameters together) exceeds
    it, they are scaled by clip_norm/‖g‖ first: the direction is kept, the step is bounded.
    """

    def __init__(self, params, lr: float, clip_norm: float | None = None):
        self.params = list(params)
        self.lr = lr
        self.clip_norm = clip_norm

    def grad_norm(self) -> float:
        """The global gradient norm: √(sum of every parameter's squared gradient entries)."""
        return math.sqrt(
            sum(float(np.vdot(p.grad, p.grad)) for p in self.params if p.grad is not None)
        )

    def step(self) -> None:
        """Update every parameter that has a gradient (clipping first if asked to)."""
        scale = 1.0
        if self.clip_norm is not None:
            norm = self.grad_norm()
            if norm > self.clip_norm:
                scale = self.clip_norm / norm
        for p in self.params:
            if p.grad is not None:
                p.data -= (self.lr * scale) * p.grad

    def zero_grad(self) -> None:
        """Forget every parameter's gradient before the next backward pass."""
        for p in self.params:
            p.grad = None
