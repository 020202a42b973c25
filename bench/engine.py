"""How fast the engine trains an MLP, next to NumPy written by hand and its matrix products.

    python bench/engine.py [--reps N] [--sizes 784,256,10] [--batch 128]

For each precision (float32, float64) one training step (forward, cross-entropy loss,
backward, SGD update) is timed for:

* engine     quizkit.backprop (nn.MLP + cross_entropy + SGD);
* numpy      the same step written out by hand in NumPy, the target to match (≤ 1.15×);
* matmuls    only the step's matrix products, the floor no NumPy code can beat;
* torch      the same step in PyTorch, if it is importable.

Machines are noisy, so the variants are interleaved: each repetition runs every variant
once, in rotating order, and the ratios are taken as medians of per-repetition ratios.
The engine's forward and backward are timed separately inside its step, and their ratio
is printed beside the ratio of matrix-product FLOPs counted for the net.

Everything runs twice: with the C library's default allocator settings, then (on glibc)
with freed memory kept by the process (mallopt). By default glibc hands big freed arrays
back to the operating system and the next allocation page-faults them in again; in some
sandboxes that costs more than the matrix products and its cost depends on which arrays
happen to be alive, which blurs the comparison. The second run shows the compute alone.
"""

from __future__ import annotations

import argparse
import ctypes
import ctypes.util
import os
import statistics
import time

import numpy as np

from quizkit.backprop import Tensor, cross_entropy
from quizkit.backprop.nn import MLP, SGD

TARGET_VS_NUMPY = 1.15
LR = 0.01


def engine_step(model, opt, x, labels, split):
    opt.zero_grad()
    start = time.perf_counter()
    loss = cross_entropy(model(Tensor(x)), labels)
    middle = time.perf_counter()
    loss.backward()
    end = time.perf_counter()
    opt.step()
    split.append((middle - start, end - middle))


def numpy_step(params, x, labels):
    """Forward, loss gradient, backward and update for a ReLU MLP, by hand."""
    n = x.shape[0]
    activations, h = [x], x
    last = len(params) // 2 - 1
    for i in range(last + 1):
        W, b = params[2 * i], params[2 * i + 1]
        z = h @ W + b
        h = z if i == last else np.maximum(z, 0)
        activations.append(h)
    shifted = h - h.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    total = exp.sum(axis=1, keepdims=True)
    rows = np.arange(n)
    loss = float(np.mean(np.log(total[:, 0]) - shifted[rows, labels]))
    probs = exp / total
    probs[rows, labels] -= 1.0
    delta = probs / n  # ∂L/∂z of the output layer
    grads = [None] * len(params)
    for i in range(last, -1, -1):
        grads[2 * i] = activations[i].T @ delta
        grads[2 * i + 1] = delta.sum(axis=0)
        if i > 0:
            delta = (delta @ params[2 * i].T) * (activations[i] > 0)
    for p, g in zip(params, grads, strict=True):
        p -= LR * g
    return loss


def matmul_step(params, x, hidden, deltas):
    """Only the matrix products of one step: forward, then ∂L/∂W and ∂L/∂a per layer."""
    h = x
    for i in range(len(params) // 2):
        h = (x if i == 0 else hidden[i - 1]) @ params[2 * i]
    for i in range(len(params) // 2 - 1, -1, -1):
        _ = (x if i == 0 else hidden[i - 1]).T @ deltas[i]
        if i > 0:
            _ = deltas[i] @ params[2 * i].T
    return h


def flop_ratio(sizes, batch):
    """Backward/forward matrix-product FLOPs: (textbook count, as executed)."""
    forward = sum(2 * batch * a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True))
    weight_grads = forward  # ∂L/∂W_l = a_{l-1}ᵀ δ_l: same size product as the forward one
    input_grads = [2 * batch * a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)]
    textbook = (weight_grads + sum(input_grads)) / forward
    executed = (weight_grads + sum(input_grads[1:])) / forward  # no ∂L/∂x for the data
    return textbook, executed


def torch_step_factory(sizes, dtype, x, labels):
    try:
        import torch
    except ImportError:
        return None
    torch.manual_seed(0)
    tdtype = torch.float32 if dtype == np.float32 else torch.float64
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        layers += [torch.nn.Linear(a, b, dtype=tdtype), torch.nn.ReLU()]
    net = torch.nn.Sequential(*layers[:-1])
    opt = torch.optim.SGD(net.parameters(), lr=LR)
    tx, tlabels = torch.from_numpy(x), torch.from_numpy(labels)

    def step():
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(tx), tlabels).backward()
        opt.step()

    return step


def bench(dtype, sizes, batch, reps):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, sizes[0])).astype(dtype)
    labels = rng.integers(0, sizes[-1], size=batch)
    model = MLP(sizes, activation="relu", rng=1, dtype=dtype)
    opt = SGD(model.parameters(), lr=LR)
    params = [p.data.copy() for p in model.parameters()]
    hidden = [rng.normal(size=(batch, n)).astype(dtype) for n in sizes[1:-1]]
    deltas = [rng.normal(size=(batch, n)).astype(dtype) for n in sizes[1:]]
    split: list[tuple[float, float]] = []

    variants = {
        "engine": lambda: engine_step(model, opt, x, labels, split),
        "numpy": lambda: numpy_step(params, x, labels),
        "matmuls": lambda: matmul_step(params, x, hidden, deltas),
    }
    torch_step = torch_step_factory(sizes, dtype, x, labels)
    if torch_step is not None:
        variants["torch"] = torch_step
    names = list(variants)
    for _ in range(20):  # warm up caches and BLAS
        for name in names:
            variants[name]()
    split.clear()
    times = {name: [] for name in names}
    for rep in range(reps):
        order = names[rep % len(names) :] + names[: rep % len(names)]
        for name in order:
            start = time.perf_counter()
            variants[name]()
            times[name].append(time.perf_counter() - start)

    def ratio(a, b):
        return statistics.median(x / y for x, y in zip(times[a], times[b], strict=True))

    ms = {name: statistics.median(t) * 1e3 for name, t in times.items()}
    forward = statistics.median(f for f, _ in split)
    backward = statistics.median(b for _, b in split)
    textbook, executed = flop_ratio(sizes, batch)
    vs_numpy = ratio("engine", "numpy")
    print(
        f"\n{np.dtype(dtype).name}  (MLP {'-'.join(map(str, sizes))}, batch {batch}, {reps} reps)"
    )
    for name in names:
        print(f"  step time, {name:<8} {ms[name]:7.3f} ms")
    verdict = "meets" if vs_numpy <= TARGET_VS_NUMPY else "misses"
    print(
        f"  engine / hand-written NumPy   {vs_numpy:5.2f}x"
        f"  ({verdict} the {TARGET_VS_NUMPY}x target)"
    )
    print(f"  engine / matmuls alone        {ratio('engine', 'matmuls'):5.2f}x  (the NumPy floor)")
    print(f"  numpy  / matmuls alone        {ratio('numpy', 'matmuls'):5.2f}x")
    if "torch" in names:
        print(f"  engine / PyTorch              {ratio('engine', 'torch'):5.2f}x")
    else:
        print("  engine / PyTorch              n/a (torch is not importable)")
    print(f"  engine backward / forward     {backward / forward:5.2f}  (measured time)")
    print(
        f"  matmul FLOPs backward/forward {textbook:5.2f}  (textbook count, ∂L/∂a for every layer);"
        f" {executed:.2f} as executed (no gradient for the input batch)"
    )
    return vs_numpy


def keep_freed_memory() -> bool:
    """Ask glibc to keep freed memory (no trimming, no mmap for big arrays); False if not glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        ok = libc.mallopt(m_trim_threshold, 1 << 30) and libc.mallopt(m_mmap_threshold, 1 << 25)
    except (OSError, AttributeError):
        return False
    return bool(ok)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=300)
    parser.add_argument("--sizes", default="784,256,10")
    parser.add_argument("--batch", type=int, default=128)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"NumPy {np.__version__}, {os.cpu_count()} CPUs, OPENBLAS_NUM_THREADS={threads}")
    print("\n== allocator: C library defaults ==")
    for dtype in (np.float32, np.float64):
        bench(dtype, sizes, args.batch, args.reps)
    if keep_freed_memory():
        print("\n== allocator: freed memory kept by the process (glibc mallopt) ==")
        for dtype in (np.float32, np.float64):
            bench(dtype, sizes, args.batch, args.reps)
        print(
            "\nWhere the two runs disagree, the gap is page faults, not computation: with the"
            "\ndefault allocator the fault cost moves to whichever variant allocates fresh memory"
            "\n(the engine keeps last step's gradients alive while the others run)."
        )
    else:
        print("\n(not glibc: the second run, with freed memory kept, is skipped)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
