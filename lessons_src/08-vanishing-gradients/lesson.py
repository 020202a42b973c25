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
# # Vanishing gradients
#
# Stack more layers and a network can represent more. For a long time, though, stacking more
# layers made networks *harder* to train: the deeper layers learned, and the layers near the
# input barely changed at all, however long training ran. The cause is hidden in the chain
# rule itself. This lesson finds it, puts numbers on it, and measures it in real networks with
# the engine. Every number printed below comes from code run when this page was built.
#
# As in lesson 5, $K$ is the number of layers and $L$ the loss.
#
# ## A product of many factors
#
# Backpropagation hands the error signal down one layer at a time (lesson 5):
#
# $$
# \delta_{l} = \bigl(W_{l+1}^{\mathsf T}\,\delta_{l+1}\bigr) \odot f'(z_{l}).
# $$
#
# Each step multiplies by a weight matrix and by the activation's derivative. Unroll it, and
# the error signal at layer $l$ is the one at the top multiplied by one such factor for
# **every layer above $l$**. The effect is easiest to see in a chain of single units,
# $z_l = w_l\, a_{l-1}$ and $a_l = f(z_l)$:
#
# $$
# \frac{\partial L}{\partial z_1}
# = \frac{\partial L}{\partial z_K}\;\prod_{l=2}^{K} w_l\, f'(z_{l-1}) .
# $$
#
# The first layer's gradient passes through $K - 1$ factors, the last layer's through none. If
# the factors are typically smaller than one, the product shrinks geometrically with the
# number of layers it crosses: the gradient **vanishes**, and it vanishes most for the layers
# nearest the input.
#
# ## The sigmoid's slope is at most a quarter
#
# For the sigmoid $\sigma(z) = 1/(1 + e^{-z})$ the derivative can be written with the output
# itself:
#
# $$
# \sigma'(z) = \sigma(z)\,\bigl(1 - \sigma(z)\bigr).
# $$
#
# Call $p = \sigma(z)$, a number between $0$ and $1$. The product $p(1 - p)$ is largest when
# $p = \tfrac12$, that is at $z = 0$, where it equals $\tfrac12 \cdot \tfrac12 = 0.25$. Away from
# zero it falls quickly towards $0$, where the sigmoid flattens out (it *saturates*). So every
# sigmoid layer multiplies the gradient by at most $0.25$ times the size of its weight. The
# engine's backward pass agrees:


# %%
import matplotlib.pyplot as plt
import numpy as np

from quizkit.backprop import Tensor, diagnostics, nn

z = Tensor(np.linspace(-6, 6, 241), requires_grad=True)
s = z.sigmoid()
s.sum().backward()  # each entry's gradient is that entry's slope sigma'(z)

peak = int(np.argmax(z.grad))
slope_at = dict(zip(z.data.round(2).tolist(), z.grad.tolist(), strict=True))
print(f"largest slope {z.grad[peak]:.4f} at z = {z.data[peak]:.2f}")
print(f"slope at z = 2: {slope_at[2.0]:.4f},  at z = 5: {slope_at[5.0]:.4f}")

fig, ax = plt.subplots(figsize=(6, 3.2))
ax.plot(z.data, s.data, label="σ(z)")
ax.plot(z.data, z.grad, label="σ′(z) = σ(z)(1 − σ(z))")
ax.axhline(0.25, color="grey", linestyle=":", linewidth=1)
ax.set_xlabel("z")
ax.legend()
ax.set_title("The sigmoid and its slope, which never exceeds 0.25")
fig.tight_layout()
plt.show()


# %% [markdown]
# The slope falls to {{ slope_at[2.0] = 0.105 }} at $z = 2$ and {{ slope_at[5.0] = 0.0066 }}
# at $z = 5$.
#
# ## How small is small?
#
# The factor a layer contributes is its weight times its slope, $w\,\sigma'(z)$, so the weight
# matters as much as the sigmoid. With unit weights it is at most $0.25$. Larger weights can
# lift it: $|w|\,\sigma'(0) = |w|/4$ passes one once $|w| > 4$, which is where lesson 9's
# explosions begin. But a large weight also pushes $z$ away from $0$, where the slope is tiny.
# Here is the factor $\partial a_l / \partial a_{l-1}$ of one unit, $a_l = \sigma(w\,a_{l-1})$,
# measured by the engine for an input at $0$ (so $z = 0$) and for the input $0.5$, a typical
# sigmoid output:


# %%
factors = {}
for w in (1.0, 4.0, 8.0):
    for a_in in (0.0, 0.5):
        a_prev = Tensor(a_in, requires_grad=True)
        (Tensor(w) * a_prev).sigmoid().backward()
        factors[w, a_in] = float(a_prev.grad)
    print(
        f"w = {w}: factor {factors[w, 0.0]:.3f} at z = 0,"
        f"  {factors[w, 0.5]:.3f} for the input 0.5 (z = {w * 0.5:g})"
    )


# %% [markdown]
# A weight of $8$ gives a factor of {{ factors[8.0, 0.0] = 2.0 }} at $z = 0$, enough to make
# gradients grow, but only {{ factors[8.0, 0.5] = 0.14 }} for the input $0.5$; unit weights give
# at most {{ factors[1.0, 0.0] = 0.25 }}.
#
# So with unit weights no factor exceeds a quarter. Multiply a quarter by itself ten times:
# even if every factor reached that bound, ten layers would shrink the gradient to
# $0.25^{10} \approx$ {{ products[0.25, 10] = 9.5 × 10⁻⁷ }}. Pre-activations are not all at
# zero, so a typical factor is smaller, say $0.2$: fifteen layers give
# $0.2^{15} \approx$ {{ products[0.2, 15] = 3.3 × 10⁻¹¹ }} and twenty give
# $0.2^{20} \approx$ {{ products[0.2, 20] = 1.0 × 10⁻¹⁴ }}. And even a factor that looks
# harmless compounds: keeping $80\%$ of the gradient at each of twenty layers leaves
# $0.8^{20} \approx$ {{ products[0.8, 20] = 0.012 }}, about {{ products[0.8, 20] = 1% }}.
#
# Here is each of those products computed as what it is, the gradient of a chain of layers
# that each scale their input by the factor:


# %%
products = {}
for factor, layers in [(0.25, 10), (0.2, 15), (0.8, 20), (0.2, 20)]:
    x = Tensor(1.0, requires_grad=True)
    h = x
    for _ in range(layers):
        h = h * factor  # one layer whose local derivative is `factor`
    h.backward()
    products[factor, layers] = float(x.grad)
    print(f"{layers} layers with local derivative {factor}: dh/dx = {float(x.grad):.2e}")


# %% [markdown]
# Trace a three-layer sigmoid chain by hand and compare the gradient of the first weight with
# that of the last:
#
# <!-- quiz: vanish-chain-trace -->
#
# ## Measuring it in a real network
#
# A real network has matrices instead of single weights, but the story is the same. Build a
# network with ten hidden layers of 16 sigmoid units, run one backward pass, and ask the
# engine's `diagnostics.gradient_norms` for the size of each layer's weight gradient. For
# comparison, the same network with ReLU units (whose slope is exactly $1$ when active, with
# weights initialised at the scale lesson 10 explains):


# %%
rng = np.random.default_rng(0)
X = rng.normal(size=(64, 16))
Y = np.sin(X[:, :1]) + 0.5 * X[:, 1:2]  # a smooth target to learn
sizes = [16] * 11 + [1]  # ten hidden layers of 16 units, one linear output

norms = {}
for activation in ("sigmoid", "relu"):
    net = nn.MLP(sizes, activation=activation, rng=0)
    loss = ((net(X) - Y) ** 2).mean()
    loss.backward()
    norms[activation] = diagnostics.gradient_norms(net)
    shown = "  ".join(f"{n:.0e}" for n in norms[activation])
    print(f"{activation:8s} layer 1 .. 11: {shown}")

sigmoid_ratio = norms["sigmoid"][-1] / norms["sigmoid"][0]
per_layer = sigmoid_ratio ** (1 / (len(norms["sigmoid"]) - 1))  # the average shrinkage per layer
relu_spread = max(norms["relu"]) / min(norms["relu"])
print(f"sigmoid: the last layer's gradient is {sigmoid_ratio:.1e} times the first layer's")
print(f"sigmoid: on average each layer shrinks it by a factor of {per_layer:.1f}")
print(f"ReLU: the largest layer gradient is {relu_spread:.1f} times the smallest")

fig, ax = plt.subplots(figsize=(6, 3.5))
layer_numbers = np.arange(1, len(sizes))
ax.semilogy(layer_numbers, norms["sigmoid"], "o-", label="sigmoid")
ax.semilogy(layer_numbers, norms["relu"], "s-", label="ReLU (He initialisation)")
ax.set_xlabel("layer (1 = nearest the input)")
ax.set_ylabel("‖∂L/∂W‖ (log scale)")
ax.set_title("Per-layer gradient norms after one backward pass")
ax.legend()
fig.tight_layout()
plt.show()


# %% [markdown]
# The sigmoid network's gradients shrink by a factor of about {{ per_layer = 4.4 }} per layer
# on the way to the input, so the first layer's gradient is {{ sigmoid_ratio = 2.8 × 10⁶ }} times
# smaller than the last one's: millions. The ReLU network's gradients stay within a factor of
# {{ relu_spread = 4 }} of each other. Note what vanishing is *not*: it is not the same
# shrinkage for every layer. It is a profile, worst at the bottom and mild at the top.
#
# ## Early layers stay where they started
#
# A gradient a million times smaller means updates a million times smaller. Train the sigmoid
# network and the ReLU network with the same plain gradient descent, and measure how far each
# layer's weights have moved from their initial values, relative to their size:
# $\lVert W_{\text{now}} - W_{\text{start}} \rVert / \lVert W_{\text{start}} \rVert$. Then train
# ten times longer and measure again.


# %%
sizes = [16] * 9 + [1]  # eight hidden layers
after = {}  # (activation, step) -> (loss, first layer moved, last layer moved)
for activation in ("sigmoid", "relu"):
    net = nn.MLP(sizes, activation=activation, rng=1)
    start = [layer.W.data.copy() for layer in net.layers]
    optimiser = nn.SGD(net.parameters(), lr=0.1)
    for step in range(1, 2001):
        optimiser.zero_grad()
        loss = ((net(X) - Y) ** 2).mean()
        loss.backward()
        optimiser.step()
        if step in (200, 2000):
            moved = [
                np.linalg.norm(layer.W.data - w0) / np.linalg.norm(w0)
                for layer, w0 in zip(net.layers, start, strict=True)
            ]
            after[activation, step] = (float(loss.data), moved[0], moved[-1])
            print(
                f"{activation:7s} step {step:4d}  loss {float(loss.data):.4f}  "
                f"first layer moved {moved[0]:.1e}, last layer moved {moved[-1]:.1e}"
            )


# %% [markdown]
# The sigmoid network's loss is stuck: after 2000 steps it is
# {{ round(after["sigmoid", 2000][0], 4) == round(after["sigmoid", 200][0], 4) = the same }},
# to four decimals, as after 200. Its last layer moved by {{ after["sigmoid", 2000][2] = 25% }}
# of its initial size, its first layer by {{ after["sigmoid", 2000][1] = 0.04% }}. The later
# layers trained normally; they simply learned to make the best of what the early layers
# provide, which is a nearly random transformation of the input, and then the whole network
# sat on a plateau. Training ten times longer changed nothing, and training a hundred times
# longer would not either: the shrinkage is built into the product, not into the number of
# steps. A larger learning rate does not help either, since it scales every layer's update by
# the same factor; the ratio between the layers stays, and the top layers become unstable long
# before the bottom ones move. Meanwhile the ReLU network, whose every layer moved, fitted the
# data: its loss fell to {{ after["relu", 2000][0] < 1e-4 = below 10⁻⁴ }}.
#
# ## Not only sigmoids, and not only at the start
#
# It is tempting to file vanishing gradients under "sigmoids are bad". The sigmoid makes them
# the rule, since its slope never exceeds $0.25$: only weights larger than $4$ in size could
# lift a factor to one, and such weights push $z$ into the flat tails. But the product has a
# weight in every factor, whatever the activation. Whenever the typical factor $|w\,f'(z)|$
# is below one, any activation function vanishes:
#
# - $\tanh$ has a slope of at most $1$, and less than $1$ everywhere except at $0$, so with
#   weights of size one or less it shrinks the gradient too, more slowly than the sigmoid,
#   and much faster once its units saturate;
# - a ReLU network whose weights are too small shrinks the error signal at every layer, even
#   though ReLU's own slope is exactly $1$.
#
# Here is the second case. The engine's `MLP.forward` can record every hidden layer's
# pre-activations $z_l$, and after the backward pass `z.grad` is the error signal
# $\delta_l = \partial L/\partial z_l$:


# %%
deltas = {}
for label, init in (("He scale", "he"), ("half scale", 0.5 * np.sqrt(2 / 16))):
    net = nn.MLP([16] * 11 + [1], activation="relu", init=init, rng=0)
    pre_activations = []
    loss = ((net.forward(X, record=pre_activations) - Y) ** 2).mean()
    loss.backward()
    deltas[label] = [float(np.linalg.norm(z.grad)) for z in pre_activations]
    print(f"ReLU, {label:10s}: |delta| from layer 10 down to layer 1:")
    print("   ", "  ".join(f"{d:.0e}" for d in reversed(deltas[label])))
half_first_to_tenth = deltas["half scale"][0] / deltas["half scale"][-1]


# %% [markdown]
# With weights at half the right scale, each layer roughly halves the error signal on its way
# down (on average it keeps {{ half_first_to_tenth ** (1 / 9) = 0.46 }} of it), and the first
# layer receives about {{ half_first_to_tenth = 10⁻³ }} of what the tenth does: a thousandth.
# Vanishing gradients are a
# property of the whole product: activation slopes *and* weights, across *all* the layers a
# gradient must cross.
#
# ## Where this leads
#
# If factors below one make gradients vanish, factors above one make them explode: the next
# lesson. Lesson 10 then shows the remedies, each of which keeps the factors near one or gives
# the gradient a path around them: ReLU activations, careful initialisation, normalisation and
# residual connections. And lesson 12 returns to the per-layer gradient norms used here as a
# standard diagnostic.
#
# ## Summary
#
# - The gradient reaching layer $l$ is a product of one factor, weight times activation
#   slope, for every later layer. Factors below one make it shrink geometrically with depth.
# - The sigmoid's slope $\sigma'(z) = \sigma(z)(1 - \sigma(z))$ peaks at $0.25$, at $z = 0$,
#   so with unit weights every factor is at most $0.25$ (weights above $4$ in size can push
#   it past one near $z = 0$, lesson 9). $0.25^{10} \approx$ {{ products[0.25, 10] = 9.5 × 10⁻⁷ }},
#   $0.2^{15} \approx$ {{ products[0.2, 15] = 3.3 × 10⁻¹¹ }},
#   $0.2^{20} \approx$ {{ products[0.2, 20] = 1.0 × 10⁻¹⁴ }}, and even
#   $0.8^{20} \approx$ {{ products[0.8, 20] = 0.012 }}.
# - Early layers, nearest the input, suffer most: they barely move from their initial
#   weights, while later layers train normally. Training longer does not help.
# - It is not a sigmoid-only effect and not the same for every layer: tanh, and ReLU with
#   weights that are too small, vanish too, and the damage grows with distance from the
#   output. Per-layer gradient norms after one backward pass reveal it.
