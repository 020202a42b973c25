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
# the cost of a few forward passes, however large $N$ is. This lesson keeps that promise by
# counting: every figure quoted on this page is a count of arithmetic made by the code beside
# it when the page was built. Wall-clock times appear too, as illustrations only: they depend
# on the machine, its linear-algebra library and whatever else it was doing.
#
# We compare three ways of getting a gradient:
#
# - **finite differences**: nudge each parameter and re-evaluate, $N + 1$ forward passes,
#   and the result is only approximate;
# - **forward-mode automatic differentiation**: exact, but one pass per input direction, so
#   $N$ passes for a full gradient, each somewhat dearer than a forward pass;
# - **reverse-mode automatic differentiation**, which is what backpropagation is: exact, one
#   forward and one backward pass for all $N$ derivatives.

# %%
import time
import tracemalloc

import matplotlib.pyplot as plt
import numpy as np

from quizkit.backprop import Tensor, diagnostics

rng = np.random.default_rng(0)


# The engine's counting array: every matrix product it (or anything computed from it)
# enters adds its p·q·r multiplications to Counted.multiplies.
Counted = diagnostics.counting_array()


def count_multiplies(build, leaves):
    """Build a loss from the tensors `leaves` and run its backward pass.

    Returns the scalar multiplications made by the matrix products the engine actually
    performed in the forward pass and in the backward pass.
    """
    originals = [t.data for t in leaves]
    for t, data in zip(leaves, originals, strict=True):
        t.data = data.view(Counted)
    try:
        Counted.multiplies = 0
        loss = build()
        forward = Counted.multiplies
        loss.backward()
        backward = Counted.multiplies - forward
    finally:
        for t, data in zip(leaves, originals, strict=True):
            t.data = data
            if t.grad is not None:
                t.grad = np.asarray(t.grad)
    return forward, backward


def best_time(fn, repeats=3):
    """The fastest of a few wall-clock runs of fn, in seconds (an illustration, not a figure)."""
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
# Try both modes by hand on a tiny function before counting them on bigger ones:
#
# <!-- quiz: eff-forward-vs-reverse -->
#
# Here is forward mode written out for $f(x) = \sum_i \tanh\bigl((Wx)_i\bigr)$, with $W$ of
# shape $h \times n$ and each value carrying its tangent. Every product with $W$ goes through
# `times_W`, which counts its multiplications. To get the whole gradient we must seed each of
# the $n$ input directions in turn.

# %%
n_inputs, n_hidden = 50, 40
multiplies = {"count": 0}


def times_W(W, v):
    """W @ v, counting its scalar multiplications."""
    multiplies["count"] += W.shape[0] * W.shape[1]
    return W @ v


def f_alone(W, x):
    """The plain forward pass: f(x) = sum(tanh(W x))."""
    return np.tanh(times_W(W, x)).sum()


def f_with_tangent(W, x, x_dot):
    """Forward mode: return f(x) and its derivative in the direction x_dot."""
    u, u_dot = times_W(W, x), times_W(W, x_dot)
    t = np.tanh(u)
    t_dot = (1 - t**2) * u_dot
    return t.sum(), t_dot.sum()


def gradient_forward_mode(W, x):
    """One forward-mode pass per input: seed e_i, read off df/dx_i."""
    grad = np.empty_like(x)
    for i in range(len(x)):
        seed = np.zeros_like(x)
        seed[i] = 1.0
        _, grad[i] = f_with_tangent(W, x, seed)
    return grad


def gradient_reverse_mode(W, x):
    """One forward and one backward pass through the engine; also returns the counts."""
    xt = Tensor(x.reshape(-1, 1), requires_grad=True)  # a column vector
    Wt = Tensor(W)
    counts = count_multiplies(lambda: (Wt @ xt).tanh().sum(), [Wt, xt])
    return xt.grad.ravel(), counts


def forward_mode_multiplies(W, x):
    """Multiplications of one plain forward pass, one forward-mode pass, the full gradient."""
    counted = []
    for run in (
        lambda: f_alone(W, x),
        lambda: f_with_tangent(W, x, np.eye(len(x))[0]),
        lambda: gradient_forward_mode(W, x),
    ):
        multiplies["count"] = 0
        run()
        counted.append(multiplies["count"])
    return counted


W = rng.normal(size=(n_hidden, n_inputs)) / np.sqrt(n_inputs)
x0 = rng.normal(size=n_inputs)
g_forward = gradient_forward_mode(W, x0)
g_reverse, _ = gradient_reverse_mode(W, x0)
print("largest difference between the two gradients:", np.abs(g_forward - g_reverse).max())

forward_pass, jvp_pass, _ = forward_mode_multiplies(W, x0)
jvp_per_forward = jvp_pass / forward_pass
print(f"multiplications: forward pass {forward_pass}, one forward-mode pass {jvp_pass}")

# %% [markdown]
# Both are exact; they agree to rounding error. The difference is in how much arithmetic
# each needs. One forward-mode pass does {{ jvp_per_forward = 2.0 }} times the
# multiplications of a plain forward pass, because every product with $W$ is done twice:
# once for the values, once for the tangents. (Counting the element-wise work as well, a
# Jacobian-vector product costs between two and three forward passes in general; it is
# never free.)
#
# So a forward-mode pass is itself a pass over the whole function, about $2nh$
# multiplications here, and the full gradient needs $n$ of them: about $2n^2h$. Reverse mode
# needs one forward pass and one backward pass, each about $nh$. Let the number of inputs
# grow with the hidden width fixed, and count:

# %%
sizes = [10, 40, 160, 640]
forward_mode_count, reverse_mode_count, ratio = {}, {}, {}
forward_mode_times, reverse_mode_times = [], []
for n in sizes:
    W = rng.normal(size=(n_hidden, n)) / np.sqrt(n)
    x0 = rng.normal(size=n)
    forward_mode_count[n] = forward_mode_multiplies(W, x0)[2]
    _, (forward_products, backward_products) = gradient_reverse_mode(W, x0)
    reverse_mode_count[n] = forward_products + backward_products
    ratio[n] = forward_mode_count[n] / reverse_mode_count[n]
    # Wall-clock times, for the right-hand plot only.
    forward_mode_times.append(best_time(lambda W=W, x=x0: gradient_forward_mode(W, x)))
    reverse_mode_times.append(best_time(lambda W=W, x=x0: gradient_reverse_mode(W, x)))
    print(
        f"n={n:4d}  multiplications: forward mode {forward_mode_count[n]:>10d}"
        f"   reverse mode {reverse_mode_count[n]:>7d}"
        f"   ratio {ratio[n]:5.0f}"
    )

growth = sizes[-1] // sizes[-2]
fig, (counted, timed) = plt.subplots(1, 2, figsize=(9, 3.5))
counted.loglog(sizes, list(forward_mode_count.values()), "o-", label="forward mode")
counted.loglog(sizes, list(reverse_mode_count.values()), "s-", label="reverse mode")
counted.set_title("Multiplications for the full gradient")
timed.loglog(sizes, forward_mode_times, "o-", label="forward mode")
timed.loglog(sizes, reverse_mode_times, "s-", label="reverse mode")
timed.set_title("Wall-clock time (illustration only)")
for ax in (counted, timed):
    ax.set_xlabel("number of inputs n")
    ax.legend()
fig.tight_layout()
plt.show()

# %% [markdown]
# When $n$ grows {{ growth = 4 }} times, from 160 to 640, forward mode's count grows
# {{ forward_mode_count[640] / forward_mode_count[160] = 16 }} times, as $n^2$, and reverse
# mode's {{ reverse_mode_count[640] / reverse_mode_count[160] = 4 }} times, as $n$. Their
# ratio is {{ all(ratio[n] == n for n in sizes) = exactly $n$ }} at every size: the number of
# passes forward mode needs. Both modes pay for each pass in proportion to the size of the
# function; what separates them is how many passes they make. The timings on the right are
# an illustration: they depend on the machine, and at small sizes fixed overheads blur what
# the counts show.
#
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
# q$ and a $q \times r$ matrix takes $pqr$ multiplications (and about as many additions).
# Writing $\Delta = \partial L/\partial Z$ for the error signal arriving from above:
#
# | pass | computes | product | multiplications |
# |---|---|---|---|
# | forward | the layer's output $Z$ | $A W^{\mathsf T}$ | $B\, n_{\text{in}} n_{\text{out}}$ |
# | backward | the weights' gradient | $\Delta^{\mathsf T} A$ | the same |
# | backward | the input's gradient | $\Delta W$ | the same |
#
# The backward pass does **two** matrix products of the same size for every one the forward
# pass did: one for the weights' gradient, one to pass the error signal down. So the
# backward pass costs about **twice** the forward pass, and a full training step (forward,
# backward, and an update that is only $O(N)$) costs about **three** forward passes.
# Element-wise work such as activations and their derivatives is cheap next to the matrix
# products for any layer of reasonable width. The first layer can skip $\partial
# L/\partial A$, since nobody needs the gradient of the data, so the true ratio is a little
# under two.
#
# Let us count on a real multilayer network in the engine: every matrix product it performs,
# forward and backward, is counted as it runs.

# %%
batch, width, depth = 128, 512, 4
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


def zero_grads():
    for w, b in layers:
        w.zero_grad()
        b.zero_grad()


forward_multiplies, backward_multiplies = count_multiplies(
    forward, [X] + [t for layer in layers for t in layer]
)
update_multiplies = n_params  # p - lr * grad: one multiplication per parameter
step_multiplies = forward_multiplies + backward_multiplies + update_multiplies
print(f"parameters: {n_params}")
print(f"multiplications: forward {forward_multiplies}, backward {backward_multiplies}")
print(f"counted   backward / forward      = {backward_multiplies / forward_multiplies:.3f}")
print(f"counted   training step / forward = {step_multiplies / forward_multiplies:.3f}")

# Wall-clock, as an illustration: alternate the two passes so both see the same load.
forward_times, backward_times = [], []
for _ in range(3):
    zero_grads()
    start = time.perf_counter()
    loss = forward()
    forward_times.append(time.perf_counter() - start)
    start = time.perf_counter()
    loss.backward()
    backward_times.append(time.perf_counter() - start)
forward_time, backward_time = min(forward_times), min(backward_times)
print(f"timed     backward / forward      = {backward_time / forward_time:.2f} (this machine)")

# %% [markdown]
# The count gives {{ backward_multiplies / forward_multiplies = 1.75 }}: four products
# forward, and two per layer backward minus the one the first layer skips, $7/4$. For a
# deep network that saving becomes negligible and the ratio approaches 2. With the update's
# one multiplication per parameter, a training step comes to
# {{ step_multiplies / forward_multiplies = 2.76 }} forward passes, approaching three.
#
# The timed ratio printed under the count is there as an illustration only. Wall-clock time
# also pays for memory traffic, the element-wise work, Python's own overhead and whatever
# else the machine was doing, so it can land well away from the count, and it changes from
# run to run; this page asserts only the count.
#
# Now put the alternatives on the same scale. Finite differences need one forward pass per
# parameter plus one baseline; forward mode needs one pass per parameter too, each costing
# two to three forward passes. Backpropagation needs the forward and the backward pass:

# %%
finite_difference_multiplies = (n_params + 1) * forward_multiplies
backprop_multiplies = forward_multiplies + backward_multiplies
print(f"one gradient by backpropagation:    {backprop_multiplies:.3g} multiplications")
print(f"one gradient by finite differences: {finite_difference_multiplies:.3g} multiplications")
print(f"ratio: {finite_difference_multiplies / backprop_multiplies:.3g}")

# %% [markdown]
# For this network's {{ n_params == 1050624 = 1 050 624 }} parameters, finite differences
# need {{ finite_difference_multiplies / backprop_multiplies = 3.8 × 10⁵ }} times the
# arithmetic of backpropagation, and forward mode more still. That gap, a factor on the order
# of the number of parameters, is the whole reason deep learning is computationally possible.
#
# ## The price: memory
#
# Reverse mode is not free. Its backward pass needs the forward pass's intermediate values
# (the $A$ in $\Delta^{\mathsf T} A$, the $z$ in $f'(z)$), so all of them must be kept until
# the backward pass reaches them. A forward pass on its own can drop each layer's values as
# soon as the next layer has used them. Python's `tracemalloc` measures the memory each way
# holds, for the network above (its weights were allocated earlier, so they are not counted):


# %%
def forward_alone():
    """The same forward pass in NumPy: each layer's output replaces the previous one."""
    a = X.data
    for w, b in layers:
        a = np.maximum(a @ w.data.T + b.data, 0)
    return float((a**2).mean())


def memory_of(run):
    """(bytes still held when run() returns, with its result kept; peak bytes during it)."""
    tracemalloc.start()
    result = run()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del result
    return held, peak


one_layer = batch * width * X.data.itemsize  # bytes of one layer's output
graph_held, _ = memory_of(forward)  # the loss tensor keeps its recorded graph alive
_, alone_peak = memory_of(forward_alone)
print(f"one layer's output:                  {one_layer / 2**20:.2f} MiB")
print(f"kept by the recorded graph:          {graph_held / 2**20:.2f} MiB")
print(f"most held at once by forward alone:  {alone_peak / 2**20:.2f} MiB")

# %% [markdown]
# The recorded graph keeps {{ graph_held / one_layer = 13 }} arrays the size of one layer's
# output alive until the backward pass: three per layer (the product, the bias added, the
# ReLU) and one for the squares that the loss averages. The forward pass on its own never
# holds more than about {{ alone_peak / one_layer = 3 }} at once, however deep the network.
# For deep networks and large batches those stored activations are often what limits the
# batch size, and lesson 7 shows how to trade a little extra computation for much less of
# that memory.
#
# ## Summary
#
# - Automatic differentiation applies the chain rule to each executed operation, exactly.
#   Forward mode carries tangents with the values (one pass per input direction, a
#   Jacobian-vector product costing two to three forward passes); reverse mode carries
#   adjoints backwards from the output (one pass per output, a vector-Jacobian product).
# - Each pass of either mode costs in proportion to the size of the function. A gradient of
#   $n$ inputs takes forward mode $n$ passes and reverse mode one, so forward mode's cost
#   grows as $n^2 h$ where reverse mode's grows as $n h$: the ratio grows in proportion to $n$.
# - For dense layers the backward pass does two matrix products (one for $\partial
#   L/\partial W$, one for $\partial L/\partial a$) per forward product: backward $\approx
#   2\times$ forward, a training step $\approx 3\times$ forward.
# - The price is memory: the forward pass's values must be stored for the backward pass.
