"""2-D convolution and pooling for batches of images, via im2col.

Images are NCHW arrays: (batch N, channels C, height H, width W). A kernel bank `w` is
(filters F, channels C, kh, kw). Along each spatial axis the output has

    ⌊(H + 2·padding − kh) / stride⌋ + 1

positions (dimension analysis; rows or columns that no window reaches are ignored, as
deep-learning frameworks do, and receive a zero gradient).

`conv2d` is a *cross-correlation*, as in every deep-learning framework: the kernel is slid
over the input without being flipped. It is computed as one matrix product. `_windows`
gathers every receptive field into a row of a matrix (im2col), and a filter's response at
every position is that matrix times the filter flattened. The backward pass is therefore two
matrix products and a scatter-add: the product's backward gives dW (the windows correlated
with the upstream gradient, summed over positions because one kernel is used at all of them)
and the windows' gradient, which `_scatter_windows` adds back to the pixels each window was
read from (col2im; a pixel in several windows collects from each). That dX equals the full
correlation of dY with the kernel rotated by 180°.

Pooling reads the same windows: `max_pool2d` routes each window's gradient to its arg-max,
`avg_pool2d` spreads it evenly, and both scatter it back the way `conv2d` does.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .tensor import Tensor

__all__ = ["conv2d", "max_pool2d", "avg_pool2d"]


def _tensor(x) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _positive_int(op: str, name: str, value, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        kind = "a positive" if minimum == 1 else "a non-negative"
        raise ValueError(f"{op}: {name} must be {kind} integer, got {value!r}")
    return int(value)


def _check_images(op: str, x: Tensor) -> None:
    if x.ndim != 4:
        raise ValueError(f"{op}: x must be 4-D (N, C, H, W), got shape {x.shape}")


def _output_size(op: str, shape, kh: int, kw: int, stride: int, what: str) -> tuple[int, int]:
    """(Ho, Wo) for windows of kh×kw at `stride` over an image of `shape` (already padded)."""
    height, width = shape[-2:]
    if kh > height or kw > width:
        raise ValueError(f"{op}: the {kh}×{kw} window does not fit in the {what} {height}×{width}")
    return (height - kh) // stride + 1, (width - kw) // stride + 1


def _windows(x: np.ndarray, kh: int, kw: int, stride: int) -> np.ndarray:
    """Every kh×kw window of x (N, C, H, W) at `stride`: a view of shape (N, C, Ho, Wo, kh, kw)."""
    return sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]


def _scatter_windows(grad: np.ndarray, shape, stride: int) -> np.ndarray:
    """The inverse gather of `_windows` (col2im): add each window's gradient to its pixels.

    `grad` has shape (N, C, Ho, Wo, kh, kw). One strided slice per kernel offset (kh·kw
    vectorised additions, not one per window); windows overlap when stride < k, and a
    pixel read by several windows receives the sum of their gradients.
    """
    _, _, out_h, out_w, kh, kw = grad.shape
    dx = np.zeros(shape, dtype=grad.dtype)
    for i in range(kh):
        for j in range(kw):
            rows = slice(i, i + stride * (out_h - 1) + 1, stride)
            cols = slice(j, j + stride * (out_w - 1) + 1, stride)
            dx[:, :, rows, cols] += grad[:, :, :, :, i, j]
    return dx


def conv2d(x, w, b=None, stride: int = 1, padding: int = 0) -> Tensor:
    """Cross-correlate images x (N, C, H, W) with filters w (F, C, kh, kw), plus bias b (F,).

    out[n, f, i, j] = b[f] + Σ_c Σ_p Σ_q x_padded[n, c, i·stride + p, j·stride + q] · w[f, c, p, q]

    `padding` zeros are added on every side of each image first. The result has shape
    (N, F, Ho, Wo) with Ho = ⌊(H + 2·padding − kh) / stride⌋ + 1 (likewise Wo). One node
    in `trace`, with parents (x, w) or (x, w, b).

    Backward, with G the upstream gradient: dW = the windows correlated with G (summed over
    the batch and every position), db = G summed over batch and positions, and dX = the
    windows' gradient added back to the pixels they came from, which (for stride 1) is the
    full correlation of G with each kernel rotated by 180°.
    """
    op = "conv2d"
    x, w = _tensor(x), _tensor(w)
    _check_images(op, x)
    if w.ndim != 4:
        raise ValueError(f"{op}: w must be 4-D (F, C, kh, kw), got shape {w.shape}")
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
    stride = _positive_int(op, "stride", stride)
    padding = _positive_int(op, "padding", padding, minimum=0)

    n = x.shape[0]
    p = padding
    padded = np.pad(x.data, ((0, 0), (0, 0), (p, p), (p, p))) if p else x.data
    out_h, out_w = _output_size(op, padded.shape, kh, kw, stride, "padded input")
    # im2col: one row per (image, position), one column per (channel, kernel offset).
    cols = _windows(padded, kh, kw, stride).transpose(0, 2, 3, 1, 4, 5)
    cols = cols.reshape(n * out_h * out_w, channels * kh * kw)
    kernels = w.data.reshape(filters, -1)
    result = cols @ kernels.T  # (N·Ho·Wo, F): every filter at every position
    if b is not None:
        result += b.data
    data = result.reshape(n, out_h, out_w, filters).transpose(0, 3, 1, 2)
    out = x._result(np.ascontiguousarray(data), parents, op)

    def _backward(g):
        rows = g.transpose(0, 2, 3, 1).reshape(-1, filters)  # (N·Ho·Wo, F), like `result`
        if w.requires_grad:
            # One kernel at every position: its gradient sums the positions' contributions.
            w._accumulate((rows.T @ cols).reshape(w.shape))
        if b is not None and b.requires_grad:
            b._accumulate(g.sum(axis=(0, 2, 3)))
        if x.requires_grad:
            grad_cols = (rows @ kernels).reshape(n, out_h, out_w, channels, kh, kw)
            grad_padded = _scatter_windows(
                grad_cols.transpose(0, 3, 1, 2, 4, 5), padded.shape, stride
            )
            x._accumulate(grad_padded[:, :, p : p + x.shape[2], p : p + x.shape[3]])

    out._backward = _backward
    return out


def _pool_windows(op: str, x: Tensor, k, stride) -> tuple[np.ndarray, int]:
    """The checked k×k windows of x at `stride` (default k), and the stride."""
    _check_images(op, x)
    k = _positive_int(op, "k", k)
    stride = k if stride is None else _positive_int(op, "stride", stride)
    _output_size(op, x.shape, k, k, stride, "input")
    return _windows(x.data, k, k, stride), stride


def max_pool2d(x, k: int, stride: int | None = None) -> Tensor:
    """The largest value of each k×k window of x (N, C, H, W); `stride` defaults to k.

    Backward: each window's whole gradient goes to the element that was its maximum (the
    arg-max), and the others get nothing from that window. On a tie the gradient goes to
    the first maximal element in reading order (row by row, left to right), as NumPy's
    argmax picks it. With stride < k windows overlap, and an element that is the maximum of
    several windows receives the sum of their gradients.
    """
    op = "max_pool2d"
    x = _tensor(x)
    windows, stride = _pool_windows(op, x, k, stride)
    n, c, out_h, out_w, k, _ = windows.shape
    flat = windows.reshape(n, c, out_h, out_w, k * k)
    winner = flat.argmax(axis=-1)[..., None]  # the first maximum on a tie
    data = np.take_along_axis(flat, winner, axis=-1)[..., 0]
    out = x._result(data, (x,), op)

    def _backward(g):
        routed = np.zeros((n, c, out_h, out_w, k * k), dtype=g.dtype)
        np.put_along_axis(routed, winner, g[..., None], axis=-1)
        x._accumulate(_scatter_windows(routed.reshape(windows.shape), x.shape, stride))

    out._backward = _backward
    return out


def avg_pool2d(x, k: int, stride: int | None = None) -> Tensor:
    """The mean of each k×k window of x (N, C, H, W); `stride` defaults to k.

    Backward: each element of a window receives 1/k² of the window's gradient (summed over
    the windows it belongs to when stride < k makes them overlap).
    """
    op = "avg_pool2d"
    x = _tensor(x)
    windows, stride = _pool_windows(op, x, k, stride)
    k = windows.shape[-1]
    out = x._result(windows.mean(axis=(-2, -1)), (x,), op)

    def _backward(g):
        share = np.broadcast_to((g / (k * k))[..., None, None], windows.shape)
        x._accumulate(_scatter_windows(share, x.shape, stride))

    out._backward = _backward
    return out
