"""2-D convolution and pooling for batches of images, via im2col.

Images are NCHW arrays: (batch N, channels C, height H, width W). A kernel bank `w` is
(filters F, channels C, kh, kw). Along each spatial axis the output has

    ⌊(H + 2·padding − kh) / stride⌋ + 1

positions (dimension analysis; rows or columns that no window reaches are ignored, as
deep-learning frameworks do, and receive a zero gradient).

`conv2d` is a *cross-correlation*, as in every deep-learning framework: the kernel is slid
over the input without being flipped. It is computed as one matrix product. `_windows`
gathers every receptive field into a column of a matrix (im2col), and every filter's
response at every position is the filters, flattened into rows, times that matrix. The
backward pass is therefore two
matrix products and a scatter-add: the product's backward gives dW (the windows correlated
with the upstream gradient, summed over positions because one kernel is used at all of them)
and the windows' gradient, which `_scatter_windows` adds back to the pixels each window was
read from (col2im; a pixel in several windows collects from each). At stride 1 that dX equals
the full correlation of dY with each kernel rotated by 180°, summed over the filters and then
cropped by the padding on each side; at a larger stride the same holds once dY is placed on
the stride-1 output grid (stride − 1 zeros between entries, and zeros at the far end when the
stride does not divide H + 2·padding − kh).

Pooling reads the same windows: `max_pool2d` routes each window's gradient to its arg-max,
`avg_pool2d` spreads it evenly, and both scatter it back the way `conv2d` does.
"""

from __future__ import annotations

import numpy as np

from .tensor import Tensor

__all__ = ["conv2d", "max_pool2d", "avg_pool2d"]


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _pair(op: str, name: str, value, minimum: int = 1) -> tuple[int, int]:
    """`value` (an int, or a pair for (height, width)) as a checked pair of ints.

    The pair may be a tuple, a list or a NumPy array of two integers (np.array([1, 2])).
    """
    given = value.tolist() if isinstance(value, np.ndarray) else value  # 0-d: a number
    pair = tuple(given) if isinstance(given, tuple | list) else (given, given)
    if len(pair) != 2 or not all(
        isinstance(v, int | np.integer) and not isinstance(v, bool) and v >= minimum for v in pair
    ):
        kind = "a positive" if minimum == 1 else "a non-negative"
        raise ValueError(
            f"{op}: {name} must be {kind} integer or a (height, width) pair of them, got {value!r}"
        )
    return int(pair[0]), int(pair[1])


def _check_images(op: str, x: Tensor) -> None:
    if x.ndim != 4:
        hint = "; an unbatched (C, H, W) image? use x.reshape(1, *x.shape)" if x.ndim == 3 else ""
        raise ValueError(f"{op}: x must be 4-D (N, C, H, W), got shape {x.shape}{hint}")


def _check_fits(op: str, shape, kh: int, kw: int, window: str, what: str, note="") -> None:
    height, width = shape[-2:]
    if kh > height or kw > width:
        raise ValueError(
            f"{op}: the {kh}×{kw} {window} is larger than the {what} {height}×{width}{note},"
            " so the output would have no positions"
        )


def _windows(x: np.ndarray, kh: int, kw: int, stride: tuple[int, int]) -> np.ndarray:
    """Every kh×kw window of x (A, B, H, W) at `stride`, gathered as (kh, kw, A, B, Ho, Wo).

    Ho = ⌊(H − kh) / sh⌋ + 1 and Wo = ⌊(W − kw) / sw⌋ + 1 for stride = (sh, sw).
    Entry [p, q, a, b, i, j] is x[a, b, i·sh + p, j·sw + q]: one strided slice of x
    per kernel offset, copied into a contiguous block (kh·kw vectorised copies, not one per
    window). `conv2d` passes its images with channels first, (C, N, H, W), so that the
    result reshaped to (kh·kw·C, N·Ho·Wo) is the im2col matrix.
    """
    (height, width), (sh, sw) = x.shape[-2:], stride
    out_h, out_w = (height - kh) // sh + 1, (width - kw) // sw + 1
    gathered = np.empty((kh, kw, *x.shape[:2], out_h, out_w), dtype=x.dtype)
    for p in range(kh):
        for q in range(kw):
            gathered[p, q] = x[:, :, _span(p, out_h, sh), _span(q, out_w, sw)]
    return gathered


def _scatter_windows(grad: np.ndarray, into: np.ndarray, stride: tuple[int, int]) -> None:
    """The inverse of `_windows` (col2im): add each window's gradient to the pixels it read.

    `grad` is laid out as `_windows` returns (kh, kw, A, B, Ho, Wo) and `into` is (A, B, H, W),
    possibly a transposed view. Windows overlap when stride < k, and a pixel read by several
    windows receives the sum of their gradients: hence `+=`, never `=`.
    """
    kh, kw, _, _, out_h, out_w = grad.shape
    sh, sw = stride
    for p in range(kh):
        for q in range(kw):
            into[:, :, _span(p, out_h, sh), _span(q, out_w, sw)] += grad[p, q]


def _span(offset: int, count: int, stride: int) -> slice:
    """The rows (or columns) that kernel offset `offset` reads in `count` windows."""
    return slice(offset, offset + stride * (count - 1) + 1, stride)


def conv2d(x, w, b=None, stride=1, padding=0) -> Tensor:
    """Cross-correlate images x (N, C, H, W) with filters w (F, C, kh, kw), plus bias b (F,).

    out[n, f, i, j] = b[f] + Σ_c Σ_p Σ_q x_padded[n, c, i·sh + p, j·sw + q] · w[f, c, p, q]

    `stride` and `padding` are ints, or (height, width) pairs. `padding` zeros are added on
    both sides of each image first. The result has shape (N, F, Ho, Wo) with
    Ho = ⌊(H + 2·padding − kh) / stride⌋ + 1 (likewise Wo). One node in `trace`, with
    parents (x, w) or (x, w, b).

    Backward, with G the upstream gradient: dW = the windows correlated with G (summed over
    the batch and every position), db = G summed over batch and positions, and dX = the
    windows' gradient added back to the pixels they came from. At stride 1 that is the full
    correlation of G with each kernel rotated by 180°, summed over the filters, then cropped
    by `padding` on each side; at a larger stride, G must first be placed on the stride-1
    output grid (stride − 1 zeros between entries, and zeros at the far end when the stride
    does not divide H + 2·padding − kh).
    """
    op = "conv2d"
    x, w = _tensor(x), _tensor(w)
    _check_images(op, x)
    if w.ndim != 4:
        raise ValueError(f"{op}: w must be 4-D (F, C, kh, kw), got shape {w.shape}")
    if 0 in w.shape:
        raise ValueError(
            f"{op}: w must have at least one filter, one channel and a 1×1 kernel,"
            f" got shape {w.shape}"
        )
    if x.shape[1] != w.shape[1]:
        raise ValueError(
            f"{op}: x has {x.shape[1]} channels (shape {x.shape}) but w expects"
            f" {w.shape[1]} (shape {w.shape}); w must be (F, C, kh, kw) with C = x.shape[1]"
        )
    filters, channels, kh, kw = w.shape
    parents = (x, w)
    if b is not None:
        b = _tensor(b)
        if b.shape != (filters,):
            raise ValueError(
                f"{op}: b must have shape ({filters},), one bias per filter of w {w.shape},"
                f" got {b.shape}"
            )
        parents = (x, w, b)
    stride = _pair(op, "stride", stride)
    ph, pw = _pair(op, "padding", padding, minimum=0)

    n, _, height, width = x.shape
    padded = np.pad(x.data, ((0, 0), (0, 0), (ph, ph), (pw, pw))) if ph or pw else x.data
    _check_fits(op, padded.shape, kh, kw, "kernel", "padded input", " (H + 2·padding)")
    padded_shape = padded.shape  # backward needs only the shape: `padded` itself is freed
    # im2col: one column per (image, position), one row per (kernel offset, channel).
    cols = _windows(padded.transpose(1, 0, 2, 3), kh, kw, stride)
    out_h, out_w = cols.shape[-2:]
    cols = cols.reshape(kh * kw * channels, n * out_h * out_w)
    kernels = w.data.transpose(0, 2, 3, 1).reshape(filters, -1)  # rows ordered as cols'
    result = kernels @ cols  # (F, N·Ho·Wo): every filter at every position
    if b is not None:
        result += b.data[:, None]
    data = result.reshape(filters, n, out_h, out_w).transpose(1, 0, 2, 3)
    out = x._result(np.ascontiguousarray(data), parents, op)

    def _backward(g):
        g_rows = g.transpose(1, 0, 2, 3).reshape(filters, -1)  # laid out like `result`
        if w.requires_grad:
            # One kernel at every position: its gradient sums the positions' contributions.
            grad_kernels = g_rows @ cols.T
            w._accumulate(grad_kernels.reshape(filters, kh, kw, channels).transpose(0, 3, 1, 2))
        if b is not None and b.requires_grad:
            b._accumulate(g_rows.sum(axis=1))
        if x.requires_grad:
            grad_cols = (kernels.T @ g_rows).reshape(kh, kw, channels, n, out_h, out_w)
            grad_padded = np.zeros(padded_shape, dtype=grad_cols.dtype)
            _scatter_windows(grad_cols, grad_padded.transpose(1, 0, 2, 3), stride)
            x._accumulate(grad_padded[:, :, ph : ph + height, pw : pw + width])

    out._backward = _backward
    return out


def _pool_windows(op: str, x: Tensor, k, stride):
    """The checked windows of x as (kh·kw, N, C, Ho, Wo), with (kh, kw) and the stride.

    A pooling's backward must not keep these windows (kh·kw copies of the input's values)
    alive until it runs: it needs only their shape, or the arg-max for max-pooling.

    `k` and `stride` are ints or (height, width) pairs; `stride` defaults to `k`. The first
    axis runs over a window's elements in reading order (row by row).
    """
    _check_images(op, x)
    k = _pair(op, "k", k)
    stride = k if stride is None else _pair(op, "stride", stride)
    _check_fits(op, x.shape, *k, "window", "input")
    windows = _windows(x.data, *k, stride)
    return windows.reshape(k[0] * k[1], *windows.shape[2:]), k, stride


def max_pool2d(x, k, stride=None) -> Tensor:
    """The largest value of each k×k window of x (N, C, H, W); `stride` defaults to k.

    `k` and `stride` are ints, or (height, width) pairs: k=(1, 2) pools pairs of neighbours
    along a row, which is how a 1-D signal stored as a (N, C, 1, L) image is pooled.

    Backward: each window's whole gradient goes to the element that was its maximum (the
    arg-max), and the others get nothing from that window. On a tie the gradient goes to
    the first maximal element in reading order (row by row, left to right), as NumPy's
    argmax picks it. With stride < k windows overlap, and an element that is the maximum of
    several windows receives the sum of their gradients.
    """
    op = "max_pool2d"
    x = _tensor(x)
    windows, k, stride = _pool_windows(op, x, k, stride)
    winner = windows.argmax(axis=0)[None]  # the first maximum on a tie
    out = x._result(np.take_along_axis(windows, winner, axis=0)[0], (x,), op)
    size = k[0] * k[1]

    def _backward(g):
        routed = np.zeros((size, *g.shape), dtype=g.dtype)
        np.put_along_axis(routed, winner, g[None], axis=0)
        grad = np.zeros(x.shape, dtype=g.dtype)
        _scatter_windows(routed.reshape(*k, *g.shape), grad, stride)
        x._accumulate(grad)

    out._backward = _backward
    return out


def avg_pool2d(x, k, stride=None) -> Tensor:
    """The mean of each k×k window of x (N, C, H, W); `stride` defaults to k.

    `k` and `stride` are ints, or (height, width) pairs. Backward: each of a window's
    kh·kw elements receives 1/(kh·kw) of the window's gradient (1/k² for a square window),
    summed over the windows it belongs to when stride < k makes them overlap.
    """
    op = "avg_pool2d"
    x = _tensor(x)
    windows, k, stride = _pool_windows(op, x, k, stride)
    out = x._result(windows.mean(axis=0), (x,), op)
    size = k[0] * k[1]

    def _backward(g):
        share = np.broadcast_to(g / size, (*k, *g.shape))
        grad = np.zeros(x.shape, dtype=g.dtype)
        _scatter_windows(share, grad, stride)
        x._accumulate(grad)

    out._backward = _backward
    return out
