# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Why backpropagation is efficient
#
# Lesson 1 promised that backpropagation computes all $N$ derivatives of the loss for roughly
# the cost of a few forward passes, however large $N$ is. This lesson keeps that promise, and
# it does so by measurement: every number printed on this page was produced by running the
# code beside it when the page was built.
#
# We compare three ways of getting a gradient:
#
# - **finite differences**: nudge each parameter and re-evaluate, $N + 1$ forward passes,
#   and the result is only approximate;
# - **forward-mode automatic differentiation**: exact, but one pass per input direction, so
#   $N$ passes for a full gradient;
# - **reverse-mode automatic differentiation**, which is what backpropagation is: exact, one
#   forward and one backward pass for all $N$ derivatives.

# %%
import time

import matplotlib.pyplot as plt
import numpy as np

from quizkit.backprop import Tensor

rng = np.random.default_rng(0)


def best_time(fn, repeats=5):
    """Run fn several times and return the fastest wall-clock time, in seconds.

    The minimum is the least disturbed by whatever else the machine is doing.
    """
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


# %% [markdown]
# ## Automatic differentiation, two ways
#
# **Automatic differentiation** computes exact derivatives of a program by applying the
# chain rule to each elementary operation it executes. It is neither numerical (no small
# $\varepsilon$, no approximation error) nor symbolic (no giant formula is ever written
# out). There are two orders in which the chain rule's products can be evaluated.
#
# **Forward mode** pushes derivatives along *with* the values. Pick one input direction, say
# "nudge $x_3$", and give every intermediate value $u$ a companion number $\dot u$, its
# derivative with respect to that nudge. Each operation updates both: for $u = a \cdot b$,
# $\dot u = \dot a\, b + a\, \dot b$. When the output is reached, $\dot f = \partial
# f/\partial x_3$. One pass, one input direction. A full gradient of a function of $N$
# inputs needs $N$ passes.
#
# **Reverse mode** first runs the computation forward, storing values, then pushes
# derivatives of *the output* backwards: every value gets an adjoint $\bar u = \partial
# f/\partial u$, starting from $\bar f = 1$. That is exactly the backward pass of lessons 2
# to 5. One pass, one *output*, and every input's derivative at once.
#
# In terms of the Jacobian $J$ of a function $\mathbb{R}^n \to \mathbb{R}^m$ (the $m \times
# n$ matrix of all partial derivatives), a forward-mode pass computes one column ($J v$, a
# Jacobian-vector product) and a reverse-mode pass computes one row ($u^{\mathsf T} J$, a
# vector-Jacobian product). A loss is a single number, $m = 1$: its Jacobian is one row, the
# gradient, and reverse mode gets it in one go.
#
# Try both modes by hand on a tiny function before timing them on bigger ones:
#
# <!-- quiz: eff-forward-vs-reverse -->
#
# Here is forward mode written out for $f(x) = \sum_i \tanh\bigl((Wx)_i\bigr)$, with each
# value carrying its tangent. To get the whole gradient we must seed each input direction in
# turn.

# %%
n_inputs, n_hidden = 50, 40
W = rng.normal(size=(n_hidden, n_inputs)) / np.sqrt(n_inputs)
x0 = rng.normal(size=n_inputs)


def f_with_tangent(x, x_dot):
    """Forward mode: return f(x) and its derivative in the direction x_dot."""
    u, u_dot = W @ x, W @ x_dot
    t = np.tanh(u)
    t_dot = (1 - t**2) * u_dot
    return t.sum(), t_dot.sum()


def gradient_forward_mode(x):
    """One forward-mode pass per input: seed e_i, read off df/dx_i."""
    grad = np.empty_like(x)
    for i in range(len(x)):
        seed = np.zeros_like(x)
        seed[i] = 1.0
        _, grad[i] = f_with_tangent(x, seed)
    return grad


def gradient_reverse_mode(x):
    """One forward and one backward pass through the engine."""
    xt = Tensor(x.reshape(-1, 1), requires_grad=True)  # a column vector
    f = (Tensor(W) @ xt).tanh().sum()
    f.backward()
    return xt.grad.ravel()


g_forward = gradient_forward_mode(x0)
g_reverse = gradient_reverse_mode(x0)
print("passes needed: forward mode", n_inputs, "| reverse mode 1 forward + 1 backward")
print("largest difference between the two gradients:", np.abs(g_forward - g_reverse).max())

# %% [markdown]
# Both are exact; they agree to rounding error. The difference is the *number of passes*.
# Let us time both as the number of inputs grows, keeping the hidden width fixed. Forward
# mode's cost should grow in proportion to $n$; reverse mode's should barely move.

# %%
sizes = [10, 40, 160, 640]
forward_mode_times, reverse_mode_times = [], []
for n in sizes:
    W = rng.normal(size=(n_hidden, n)) / np.sqrt(n)
    x0 = rng.normal(size=n)
    forward_mode_times.append(best_time(lambda x=x0: gradient_forward_mode(x), repeats=3))
    reverse_mode_times.append(best_time(lambda x=x0: gradient_reverse_mode(x), repeats=3))
    print(
        f"n={n:4d}  forward mode {forward_mode_times[-1] * 1e3:8.2f} ms"
        f"   reverse mode {reverse_mode_times[-1] * 1e3:6.2f} ms"
    )

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.loglog(sizes, forward_mode_times, "o-", label="forward mode (one pass per input)")
ax.loglog(sizes, reverse_mode_times, "s-", label="reverse mode (one backward pass)")
ax.set_xlabel("number of inputs n")
ax.set_ylabel("time for the full gradient (s)")
ax.set_title("Gradient of a scalar function of n inputs")
ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# Forward mode is not a bad method, it is the right method for the opposite shape. For a
# function with a few inputs and many outputs, such as the sensitivity of a whole
# simulation's trajectory to three physical constants, forward mode needs three passes
# where reverse mode would need one per output. Training a network is the extreme case the
# other way: millions of inputs (the parameters) and one output (the loss).
#
# ## How much does the backward pass cost?
#
# "One backward pass" would be no bargain if that pass were enormously expensive. Count the
# arithmetic for a dense layer that maps a batch $A$ of shape $B \times n_{\text{in}}$ to
# $Z = A W^{\mathsf T}$ of shape $B \times n_{\text{out}}$. A matrix product of a $p \times
# q$ and a $q \times r$ matrix takes about $2pqr$ floating-point operations (one multiply and
# one add per term). Writing $\Delta = \partial L/\partial Z$ for the error signal arriving from
# above:
#
# | pass | computes | product | operations |
# |---|---|---|---|
# | forward | the layer's output $Z$ | $A W^{\mathsf T}$ | $2 B\, n_{\text{in}} n_{\text{out}}$ |
# | backward | the weights' gradient | $\Delta^{\mathsf T} A$ | the same |
# | backward | the input's gradient | $\Delta W$ | the same |
#
# The backward pass does **two** matrix products of the same size for every one the forward
# pass did: one for the weights' gradient, one to pass the error signal down. So the
# backward pass costs about **twice** the forward pass, and a full training step (forward,
# backward, and an update that is only $O(N)$) costs about **three** forward passes.
# Element-wise work such as activations and their derivatives is cheap next to the matrix
# products for any layer of reasonable width. (The first layer can skip $\partial
# L/\partial A$, since nobody needs the gradient of the data, so the true ratio is a little
# under two when that saving is taken.)
#
# Let us check the ratio on a real multilayer network in the engine.

# %%
batch, width, depth = 256, 512, 4
layers = [
    (
        Tensor(rng.normal(size=(width, width)) / np.sqrt(width), requires_grad=True),
        Tensor(np.zeros(width), requires_grad=True),
    )
    for _ in range(depth)
]
X = Tensor(rng.normal(size=(batch, width)))
n_params = sum(w.data.size + b.data.size for w, b in layers)


def forward():
    a = X
    for w, b in layers:
        a = (a @ w.T + b).relu()
    return (a**2).mean()


def backward(loss):
    for w, b in layers:
        w.zero_grad()
        b.zero_grad()
    loss.backward()


# Time forward and backward in alternating rounds, so both see the same machine load; the
# fastest round of each is the least disturbed.
forward_times, backward_times = [], []
for _ in range(9):
    start = time.perf_counter()
    loss = forward()
    forward_times.append(time.perf_counter() - start)
    start = time.perf_counter()
    backward(loss)
    backward_times.append(time.perf_counter() - start)
forward_time, backward_time = min(forward_times), min(backward_times)

# Matrix products of the same size: one per layer forward; two per layer backward, except
# that the first layer skips the gradient of the data X.
products_forward, products_backward = depth, 2 * depth - 1
print(f"parameters: {n_params:,}")
print(f"matrix products: forward {products_forward}, backward {products_backward}")
print(f"counted   backward / forward = {products_backward / products_forward:.2f}")
print(f"measured  backward / forward = {backward_time / forward_time:.2f}")
print(f"  (forward {forward_time * 1e3:.1f} ms, backward {backward_time * 1e3:.1f} ms)")
print(f"measured  training step / forward = {(forward_time + backward_time) / forward_time:.2f}")

# %% [markdown]
# The count predicts $7/4 = 1.75$ for this network: four products forward, and two per layer
# backward minus the one the first layer skips. For a deep network that saving becomes
# negligible and the ratio approaches 2, so a training step approaches three forward passes.
# The measured ratio should land close to the count, because the matrix products dominate.
# Departures come from the element-wise work, from memory traffic, and from whatever else
# the machine was doing while this page was built.
#
# Now put the alternatives on the same scale. Finite differences need one forward pass per
# parameter plus one baseline; forward mode needs one pass per parameter too, each costing
# about as much as a forward pass.

# %%
finite_difference_time = (n_params + 1) * forward_time
backprop_time = forward_time + backward_time
print(f"one gradient by backpropagation:     {backprop_time:10.3f} s")
print(f"one gradient by finite differences: ~{finite_difference_time:10.0f} s")
print(
    f"  that is about {finite_difference_time / 3600:.1f} hours, "
    f"{finite_difference_time / backprop_time:,.0f} times slower"
)

# %% [markdown]
# That gap, a factor on the order of the number of parameters, is the whole reason deep
# learning is computationally possible.
#
# ## The price: memory
#
# Reverse mode is not free. Its backward pass needs the forward pass's intermediate values
# (the $A$ in $\Delta^{\mathsf T} A$, the $z$ in $f'(z)$), so all of them must be kept until
# the backward pass reaches them. Forward mode can discard each value as soon as it is used.
# For deep networks and large batches those stored activations are often what limits the
# batch size, and lesson 7 shows how to trade a little extra computation for much less of
# that memory.
#
# ## Summary
#
# - Automatic differentiation applies the chain rule to each executed operation, exactly.
#   Forward mode carries tangents with the values (one pass per input direction, a
#   Jacobian-vector product); reverse mode carries adjoints backwards from the output (one
#   pass per output, a vector-Jacobian product).
# - A loss has one output and millions of inputs, so reverse mode, which is backpropagation,
#   gives all $N$ gradients in one backward pass instead of $N$ passes.
# - For dense layers the backward pass does two matrix products (one for $\partial
#   L/\partial W$, one for $\partial L/\partial a$) per forward product: backward $\approx
#   2\times$ forward, a training step $\approx 3\times$ forward.
# - The price is memory: the forward pass's values must be stored for the backward pass.
