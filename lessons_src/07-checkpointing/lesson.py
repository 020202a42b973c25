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
# # Memory and gradient checkpointing
#
# Lesson 6 ended with the price of backpropagation's speed: memory. The backward pass needs
# values that the forward pass computed, so they must all be kept until the backward pass gets
# to them. For large networks this stored data, not the parameters, is often what runs out
# first. This lesson measures that cost and shows **gradient checkpointing**, a way to trade a
# little extra computation for far less memory: storage that grows like the square root of the
# depth instead of the depth itself. Every number printed below comes from code run when this
# page was built.
#
# In this lesson $L$ is the number of layers, as is usual when talking about checkpointing; we
# will not need a symbol for the loss.
#
# ## What the backward pass has to keep
#
# Recall the backward pass through one layer $z_l = W_l a_{l-1} + b_l$, $a_l = f(z_l)$. The
# weight gradient $\delta_l\, a_{l-1}^{\mathsf T}$ needs the layer's input $a_{l-1}$, and the
# error signal needs $f'(z_l)$, which is computed from $z_l$ (or from $a_l$ for a sigmoid or
# $\tanh$). So every layer's activations must survive from the moment the forward pass creates
# them until the backward pass, which runs in reverse order, comes back for them. The first
# layer's activations are created first and used last.
#
# For a batch of $B$ examples and layers of width $D$, each stored activation is a $B \times D$
# array, and there is (at least) one per layer:
#
# $$
# \text{stored activations} \;\propto\; L \cdot B \cdot D \qquad\text{numbers: } O(L\,B\,D).
# $$
#
# The parameters, by contrast, take $L \cdot D^2$ numbers whatever the batch size. Doubling the
# batch doubles the activation memory and leaves the parameter memory alone; doubling the depth
# doubles both. Real frameworks store several arrays per layer (pre-activations, activations,
# normalisation statistics, attention weights), so the true constant is larger still.
#
# For a sense of scale, here is that count for a network of 100 layers of width 1024 in 32-bit
# floats, with one stored array per layer (arithmetic, not a measurement):


# %%
import math
import tracemalloc

import matplotlib.pyplot as plt
import numpy as np

from quizkit.backprop import Tensor, checkpoint

layers, width, bytes_per_number = 100, 1024, 4  # float32
parameters = layers * width * width * bytes_per_number
for batch in (256, 1024, 4096):
    activations = layers * batch * width * bytes_per_number
    print(
        f"batch {batch:5d}: stored activations {activations / 1e9:5.2f} GB,"
        f"  parameters {parameters / 1e9:5.2f} GB"
    )


# %% [markdown]
# Now measure it. Python's `tracemalloc` sees every array NumPy allocates, so it can tell how
# many bytes the engine's graph holds between the end of the forward pass and the start of the
# backward pass. Here is a stack of 6 $\tanh$ layers of width 64, run on a batch of 128 examples
# and then of 256:


# %%
def bytes_held_for_backward(stack, x):
    """Bytes a forward pass leaves alive until its backward pass, measured by tracemalloc;
    and the bytes of the parameters and their gradients once the backward pass is done."""
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    h = Tensor(x)
    for block in stack:
        h = block(h)
    loss = (h * h).sum()  # the graph is alive here, waiting for loss.backward()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    loss.backward()
    parameters = [p for block in stack for p in block.parameters()]
    return held, sum(p.data.nbytes + p.grad.nbytes for p in parameters)


stack = checkpoint.make_stack(6, 64, rng=0)
batch_x = np.random.default_rng(0).normal(size=(256, 64))
held, parameter_bytes = {}, {}
for batch in (128, 256):
    held[batch], parameter_bytes[batch] = bytes_held_for_backward(stack, batch_x[:batch])
    print(
        f"batch {batch}: the graph holds {held[batch] / 1e3:4.0f} kB for the backward pass;"
        f" parameters and gradients take {parameter_bytes[batch] / 1e3:.0f} kB"
    )
batch_growth = held[256] / held[128]


# %% [markdown]
# Doubling the batch multiplies the bytes held by {{ batch_growth = 2.0 }} (each $\tanh$ layer
# keeps two $B \times D$ arrays, $z$ and $\tanh z$), while the parameters and their gradients
# take {{ parameter_bytes[128] == parameter_bytes[256] = the same }}
# {{ parameter_bytes[256] / 1e3 = 399 }} kB at both batch sizes: the backward pass sums the
# examples' contributions into one gradient array per parameter.
#
# ## Store some, recompute the rest
#
# The activations are needed, but they do not have to be *kept*: anything the forward pass
# computed can be computed again from its input. Gradient checkpointing exploits this.
#
# Split the $L$ layers into segments of $k$ layers each. In the forward pass, keep only the
# input of each segment, a **checkpoint**, and throw every other activation away as soon as
# the next layer has used it. In the backward pass, handle the segments from last to first:
#
# 1. take the segment's checkpoint and run the segment's forward pass again, this time
#    keeping its $k$ activations;
# 2. backpropagate through the segment, starting from the gradient that arrived at its output
#    (from the loss, or from the segment after it);
# 3. drop the segment's activations; the gradient at its checkpoint is what the previous
#    segment starts from.
#
# That is exactly what the engine's `checkpoint` module does, and it keeps the code short.
# Practical implementations save one step: PyTorch's `checkpoint_sequential`, for example, runs
# the *last* segment normally in the forward pass and keeps its activations, so the backward
# pass can start on it at once; only the earlier segments are recomputed.
#
# At the busiest moment memory holds all the checkpoints, $L/k$ of them, plus the $k$
# activations of the segment being processed:
#
# $$
# M(k) = \frac{L}{k} + k .
# $$
#
# Few checkpoints mean long segments; short segments mean many checkpoints. The best balance
# comes from setting the derivative to zero: $M'(k) = -L/k^2 + 1 = 0$ gives $k = \sqrt{L}$, and
# then
#
# $$
# M(\sqrt L) = \sqrt L + \sqrt L = 2\sqrt{L}.
# $$
#
# So checkpointing every $\sqrt L$ layers reduces the stored activations from $O(L)$ to
# $O(\sqrt{L})$. (You may meet the garbled claim that it takes memory "from $O(L)$ to $O(L)$";
# that would be no saving at all. The saving is the move from linear to square-root growth.)
# The idea comes from automatic differentiation, where Griewank studied checkpointing in the
# early 1990s; Chen, Xu, Zhang and Guestrin (2016) popularised the $\sqrt L$ scheme for
# training deep networks.
#
# **The price.** Every layer's forward pass now runs twice: once in the original forward pass
# and once when its segment is recomputed. That is one extra forward pass in total (a little
# less, $L - k$ layers instead of $L$, when the last segment is kept). Since a training step
# costs about three forward passes (lesson 6: one forward, a backward of about two),
# checkpointing makes it cost about four: roughly a third more compute for memory that grows
# like $\sqrt{L}$ instead of $L$.
#
# Work out the numbers for one network by hand:
#
# <!-- quiz: ckpt-segments-trace -->
#
# ## Measuring it
#
# The engine's `checkpoint` module runs both versions on a stack of layers and *counts* the
# layer activations that are alive at each moment (it watches each one and notices when Python
# frees it), reporting the peak. Here are stacks of $L = 16$, $64$ and $256$ $\tanh$ layers.


# %%
rng = np.random.default_rng(0)
width, batch = 16, 8
x = rng.normal(size=(batch, width))


def loss_fn(h):
    return (h * h).mean()


depths, plain_peaks, checkpointed_peaks, forwards, identical = [16, 64, 256], [], [], [], []
for depth in depths:
    stack = checkpoint.make_stack(depth, width, rng=depth)
    params = [p for block in stack for p in block.parameters()]
    plain = checkpoint.plain_backward(stack, x, loss_fn)
    plain_grads = [p.grad.copy() for p in params]
    saved = checkpoint.checkpointed_backward(stack, x, loss_fn)  # every = round(sqrt(depth))
    same = all(np.array_equal(g, p.grad) for g, p in zip(plain_grads, params, strict=True))
    plain_peaks.append(plain.peak_stored)
    checkpointed_peaks.append(saved.peak_stored)
    forwards.append((plain.layer_forwards, saved.layer_forwards))
    identical.append(same)
    print(
        f"L = {depth:3d}: plain stores {plain.peak_stored:3d}, checkpointed (k = {saved.every:2d})"
        f" stores {saved.peak_stored:2d};  layer forwards {plain.layer_forwards} vs"
        f" {saved.layer_forwards};  identical gradients: {same}"
    )


# %% [markdown]
# Plain backprop keeps $L + 1$ activations (the input and every layer's output):
# {{ plain_peaks[0] = 17 }}, {{ plain_peaks[1] = 65 }} and {{ plain_peaks[2] = 257 }}. With a
# checkpoint every $\sqrt L$ layers the peak is exactly $2\sqrt{L}$:
# {{ checkpointed_peaks[0] = 8 }}, {{ checkpointed_peaks[1] = 16 }} and
# {{ checkpointed_peaks[2] = 32 }}. The layer forwards
# {{ all(saved == 2 * plain for plain, saved in forwards) = double }}, which is the one extra
# forward pass, and the gradients are
# {{ all(identical) = identical to the last bit }}: checkpointing changes *when* values are
# computed, not *what* is computed.
#
# To see the growth rate, fit a straight line to $\log(\text{peak})$ against $\log L$. A
# quantity growing like $L^p$ has slope $p$.


# %%
plain_slope = np.polyfit(np.log(depths), np.log(plain_peaks), 1)[0]
checkpointed_slope = np.polyfit(np.log(depths), np.log(checkpointed_peaks), 1)[0]
print(f"plain backprop:        peak grows like L^{plain_slope:.3f}")
print(f"checkpointed backprop: peak grows like L^{checkpointed_slope:.3f}")

fig, ax = plt.subplots(figsize=(6, 3.5))
ax.loglog(depths, plain_peaks, "o-", label="plain backprop")
ax.loglog(depths, checkpointed_peaks, "s-", label="checkpoint every √L layers")
ax.loglog(depths, [2 * math.sqrt(d) for d in depths], "k:", label="2√L")
ax.set_xticks(depths, [str(d) for d in depths])
ax.minorticks_off()
ax.set_xlabel("number of layers L")
ax.set_ylabel("peak stored activations")
ax.set_title("Stored activations during one backward pass")
ax.legend()
fig.tight_layout()
plt.show()


# %% [markdown]
# The plain slope is {{ plain_slope = 0.98 }}, essentially $1$ (linear growth), and the
# checkpointed slope is {{ checkpointed_slope = 0.500 }}: the square root, measured.
#
# ## Choosing the spacing
#
# The formula $M(k) = L/k + k$ predicts a U-shaped curve with its bottom at $k = \sqrt L$.
# Measure it for $L = 64$:


# %%
stack = checkpoint.make_stack(64, width, rng=1)
spacing_peaks = {}
for every in (1, 2, 4, 8, 16, 32, 64):
    report = checkpoint.checkpointed_backward(stack, x, loss_fn, every=every)
    spacing_peaks[every] = report.peak_stored
    print(f"k = {every:2d}: peak {report.peak_stored:2d}   (L/k + k = {64 // every + every})")


# %% [markdown]
# The measured peaks follow $L/k + k$
# {{ all(peak == 64 // k + k for k, peak in spacing_peaks.items()) = exactly }}, with the minimum
# {{ min(spacing_peaks.values()) = 16 }} at
# $k =$ {{ min(spacing_peaks, key=spacing_peaks.get) = 8 }}, which is $\sqrt{64}$.
# At the ends nothing is gained: $k = 1$ makes every activation a checkpoint, and $k = L$ makes
# one segment that is recomputed in full.
#
# Other trade-offs exist. Keeping *only* the network's input and recomputing from it for every
# layer's backward step needs almost no stored activations but about $L^2/2$ layer
# evaluations. Applying checkpointing recursively inside segments brings memory down to
# $O(\log L)$ for $O(L \log L)$ computation. The $\sqrt L$ scheme sits at a sweet spot: a
# constant extra cost (one forward pass) for a large saving.
#
# ## In practice
#
# Deep-learning frameworks provide checkpointing as a wrapper around a block of layers
# (`torch.utils.checkpoint` in PyTorch, `jax.checkpoint` in JAX). The usual choice is to
# checkpoint at natural block boundaries, such as each transformer block, and to keep
# activations that are expensive to recompute but cheap to store. It is one of several tools
# for fitting training into memory, next to smaller batches with gradient accumulation, lower
# precision (16-bit activations halve the memory) and splitting the model across devices.
#
# ## Summary
#
# - The backward pass needs every layer's activations, so plain backprop stores
#   $O(L\,B\,D)$ numbers: linear in depth, batch size and width. Parameters do not depend on
#   the batch size.
# - Gradient checkpointing stores only every $k$-th activation and recomputes each segment
#   during the backward pass (practical implementations keep the last segment instead of
#   recomputing it). Peak storage is $L/k + k$, smallest at $k = \sqrt L$ where it is
#   $2\sqrt L$: from $O(L)$ to $O(\sqrt L)$.
# - The cost is about one extra forward pass (a training step goes from about three to about
#   four forward passes), and the gradients are exactly the same.
# - Measured with the engine: peaks of {{ checkpointed_peaks[0] = 8 }},
#   {{ checkpointed_peaks[1] = 16 }}, {{ checkpointed_peaks[2] = 32 }} for $L = 16, 64, 256$, a
#   log-log slope of {{ checkpointed_slope = 0.5 }}.
