"""Backpropagation for a dense network written out in matrix form, as in the textbook.

No `Tensor` here: every derivative is an explicit NumPy expression, which makes this
module an independent check of the engine (the tests require both to agree to 1e-12).

Convention (the textbook's): **one example per column**. A batch `x` has shape
(inputs, batch); layer l holds W_l of shape (outputs, inputs) and b_l of shape (outputs,).

Forward, for l = 1..L:   z_l = W_l a_{l−1} + b_l,   a_l = act(z_l)   (a_0 = x; the last
layer is linear, a_L = z_L, the network's output).

Backward, with δ_l = ∂L/∂z_l, the error signal of layer l:

    δ_L = ∂L/∂a_L
    ∂L/∂W_l = δ_l a_{l−1}ᵀ        ∂L/∂b_l = δ_l summed over the batch (columns)
    δ_{l−1} = (W_lᵀ δ_l) ⊙ act′(z_{l−1})

Activations a and pre-activations z are cached by the forward pass because the backward
pass needs them. `nn.MLP` uses rows instead of columns; `from_mlp` converts.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Cache", "Gradients", "forward", "backward", "loss_and_gradients", "from_mlp"]


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


# Each activation with its derivative written in terms of z.
ACTIVATIONS = {
    "relu": (lambda z: np.maximum(z, 0), lambda z: (z > 0).astype(z.dtype)),
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1 - _sigmoid(z))),
    "tanh": (np.tanh, lambda z: 1 - np.tanh(z) ** 2),
}


@dataclass
class Cache:
    """What the forward pass keeps for the backward pass."""

    zs: list[np.ndarray] = field(default_factory=list)
    """Pre-activations z_1 … z_L."""
    activations: list[np.ndarray] = field(default_factory=list)
    """a_0 = x, a_1 … a_L (a_L = z_L, the output)."""
    activation: str = "relu"

    @property
    def output(self) -> np.ndarray:
        return self.activations[-1]


@dataclass
class Gradients:
    """Per-layer results of the backward pass (index 0 is the first layer)."""

    deltas: list[np.ndarray]
    """Error signals δ_l = ∂L/∂z_l, shape (outputs, batch)."""
    dW: list[np.ndarray]
    """∂L/∂W_l = δ_l a_{l−1}ᵀ."""
    db: list[np.ndarray]
    """∂L/∂b_l = δ_l summed over the batch."""
    dx: np.ndarray
    """∂L/∂x = W_1ᵀ δ_1, the signal that would be passed to an earlier stage."""


def forward(weights, biases, x, activation: str = "relu") -> Cache:
    """Run the network on `x` (inputs, batch), caching every z and a."""
    act, _ = ACTIVATIONS[activation]
    cache = Cache(activation=activation)
    a = np.asarray(x)
    if a.dtype.kind != "f":
        a = a.astype(np.float64)
    cache.activations.append(a)
    last = len(weights) - 1
    for i, (W, b) in enumerate(zip(weights, biases, strict=True)):
        z = W @ a + b[:, None]
        a = z if i == last else act(z)
        cache.zs.append(z)
        cache.activations.append(a)
    return cache


def backward(weights, cache: Cache, grad_output) -> Gradients:
    """Backpropagate ∂L/∂(output) = `grad_output` (outputs, batch) through the cached net."""
    _, act_prime = ACTIVATIONS[cache.activation]
    n = len(weights)
    deltas, dW, db = [None] * n, [None] * n, [None] * n
    delta = np.asarray(grad_output)  # the output layer is linear: δ_L = ∂L/∂a_L
    for l in reversed(range(n)):  # noqa: E741 (l is the textbook's layer index)
        deltas[l] = delta
        dW[l] = delta @ cache.activations[l].T
        db[l] = delta.sum(axis=1)
        passed_back = weights[l].T @ delta  # ∂L/∂a_{l−1}
        if l == 0:
            return Gradients(deltas, dW, db, passed_back)
        delta = passed_back * act_prime(cache.zs[l - 1])
    raise ValueError("a dense network needs at least one layer")


def loss_and_gradients(weights, biases, x, y, activation="relu", loss="mse"):
    """Forward, loss and backward in one call; returns (loss, Gradients, Cache).

    `loss="mse"`: the mean over all output elements of (a_L − y)², as `mse_loss`, with
    y of shape (outputs, batch). `loss="cross_entropy"`: mean over the batch of
    −log softmax(a_L)[y], as `cross_entropy`, with y a class index per column.
    """
    cache = forward(weights, biases, x, activation)
    out = cache.output
    if loss == "mse":
        diff = out - np.asarray(y)
        value = float(np.mean(diff**2))
        grad_output = 2.0 * diff / diff.size
    elif loss == "cross_entropy":
        labels = np.asarray(y, dtype=np.intp).reshape(-1)
        batch = out.shape[1]
        shifted = out - out.max(axis=0, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=0, keepdims=True))
        value = float(-log_probs[labels, np.arange(batch)].mean())
        grad_output = np.exp(log_probs)
        grad_output[labels, np.arange(batch)] -= 1.0
        grad_output /= batch
    else:
        raise ValueError(f'loss must be "mse" or "cross_entropy", not {loss!r}')
    return value, backward(weights, cache, grad_output), cache


def from_mlp(model):
    """The weights and biases of an `nn.MLP` in this module's convention (W transposed)."""
    if getattr(model, "residual", False):
        raise ValueError("dense networks here have no residual connections")
    weights = [layer.W.data.T.copy() for layer in model.layers]
    biases = [layer.b.data.copy() for layer in model.layers]
    return weights, biases
