"""conv2d, max_pool2d and avg_pool2d: finite differences, loop-based references, routing.

The references here are written with plain loops, independently of the im2col code they
check: a direct cross-correlation for the forward pass, the full correlation with the
180°-rotated kernel for dX and the input correlated with dY for dW. Pooling gradients are
compared with arrays worked out by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from quizkit.backprop import Tensor
from quizkit.backprop.conv import avg_pool2d, conv2d, max_pool2d
from tests.engine.gradient_cases import check


def correlate_valid(image: np.ndarray, kernel: np.ndarray, stride=(1, 1)) -> np.ndarray:
    """out[i, j] = Σ_p Σ_q image[i·sh + p, j·sw + q] · kernel[p, q], one window at a time."""
    kh, kw = kernel.shape
    sh, sw = stride
    out_h = (image.shape[0] - kh) // sh + 1
    out_w = (image.shape[1] - kw) // sw + 1
    out = np.zeros((out_h, out_w))
    for i in range(out_h):
        for j in range(out_w):
            total = 0.0
            for p in range(kh):
                for q in range(kw):
                    total += image[i * sh + p, j * sw + q] * kernel[p, q]
            out[i, j] = total
    return out


def direct_conv2d(x, w, b, stride, padding):
    """conv2d by its definition: every (image, filter) pair correlated channel by channel."""
    n, channels = x.shape[:2]
    filters = w.shape[0]
    stride = stride if isinstance(stride, tuple) else (stride, stride)
    ph, pw = padding if isinstance(padding, tuple) else (padding, padding)
    pad = ((ph, ph), (pw, pw))
    maps = [
        [
            sum(correlate_valid(np.pad(x[i, c], pad), w[f, c], stride) for c in range(channels))
            + (0.0 if b is None else b[f])
            for f in range(filters)
        ]
        for i in range(n)
    ]
    return np.array(maps)


def distinct_values(rng, shape):
    """Values in [-1, 1) at least 2/size apart in random order.

    No two lie within the ±ε stencil of each other, so no arg-max flips; small magnitudes
    keep the objective's rounding error below the comparison's tolerance.
    """
    size = int(np.prod(shape))
    return rng.permutation(size).reshape(shape) * (2.0 / size) - 1.0


CONV_CASES = [  # (stride, padding, (kh, kw))
    (1, 0, (3, 3)),
    (1, 1, (3, 3)),
    (2, 0, (3, 3)),  # 7 rows: (7 − 3) // 2 + 1 = 3 windows reach every row
    (2, 1, (2, 3)),
    (3, 2, (3, 2)),  # windows skip pixels: those get zero gradient
    (1, 0, (1, 1)),
    ((1, 2), (0, 1), (2, 2)),  # (height, width) pairs
    ((2, 1), (2, 0), (1, 3)),
]


@pytest.mark.parametrize("with_bias", [True, False])
@pytest.mark.parametrize(("stride", "padding", "kernel"), CONV_CASES)
def test_conv2d_gradients_match_finite_differences(stride, padding, kernel, with_bias):
    rng = np.random.default_rng(stride * 10 + padding)
    arrays = [rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, *kernel))]
    if with_bias:
        arrays.append(rng.normal(size=4))
    check(lambda *t: conv2d(*t, stride=stride, padding=padding), arrays, rng)


@pytest.mark.parametrize(("stride", "padding", "kernel"), CONV_CASES)
def test_conv2d_forward_equals_a_direct_loop_correlation(stride, padding, kernel):
    rng = np.random.default_rng(1)
    x, w, b = rng.normal(size=(2, 3, 7, 6)), rng.normal(size=(4, 3, *kernel)), rng.normal(size=4)
    out = conv2d(Tensor(x), Tensor(w), Tensor(b), stride=stride, padding=padding)
    np.testing.assert_allclose(out.data, direct_conv2d(x, w, b, stride, padding), rtol=1e-12)
    no_bias = conv2d(x, w, stride=stride, padding=padding)
    np.testing.assert_allclose(no_bias.data, direct_conv2d(x, w, None, stride, padding), rtol=1e-12)


@pytest.mark.parametrize("padding", [0, 1])
def test_conv2d_backward_is_two_correlations(padding):
    """dX = full correlation of dY with the rotated kernel; dW = X correlated with dY."""
    rng = np.random.default_rng(2)
    x_data, w_data = rng.normal(size=(2, 3, 6, 5)), rng.normal(size=(4, 3, 3, 2))
    x, w = Tensor(x_data, requires_grad=True), Tensor(w_data, requires_grad=True)
    b = Tensor(np.zeros(4), requires_grad=True)
    out = conv2d(x, w, b, padding=padding)
    dy = rng.normal(size=out.shape)
    out.backward(dy)

    kh, kw = w_data.shape[2:]
    full = ((kh - 1, kh - 1), (kw - 1, kw - 1))
    pad = ((padding, padding), (padding, padding))
    crop = (slice(padding, padding + 6), slice(padding, padding + 5))
    for i in range(2):
        for c in range(3):
            dx = sum(
                correlate_valid(np.pad(dy[i, f], full), w_data[f, c, ::-1, ::-1]) for f in range(4)
            )
            np.testing.assert_allclose(x.grad[i, c], dx[crop], rtol=1e-12, atol=1e-12)
    for f in range(4):
        for c in range(3):
            dw = sum(correlate_valid(np.pad(x_data[i, c], pad), dy[i, f]) for i in range(2))
            np.testing.assert_allclose(w.grad[f, c], dw, rtol=1e-12)
    np.testing.assert_allclose(b.grad, [dy[:, f].sum() for f in range(4)], rtol=1e-12)


def test_conv2d_unreached_pixels_get_zero_gradient():
    # 5 columns, kernel 2, stride 2: windows start at columns 0 and 2, so column 4 is unread.
    x = Tensor(np.ones((1, 1, 2, 5)), requires_grad=True)
    out = conv2d(x, np.ones((1, 1, 2, 2)), stride=2)
    assert out.shape == (1, 1, 1, 2)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad[0, 0], [[1, 1, 1, 1, 0], [1, 1, 1, 1, 0]])


def test_conv2d_is_one_node_and_skips_constants():
    w = Tensor(np.ones((2, 1, 2, 2)), requires_grad=True, name="w")
    x = Tensor(np.arange(9.0).reshape(1, 1, 3, 3))
    out = conv2d(x, w)
    assert out.op == "conv2d" and out.parents == (x, w)
    out.sum().backward()
    assert x.grad is None
    # Each kernel entry meets four pixels (one per position): the sum of those pixels.
    np.testing.assert_array_equal(w.grad[0, 0], [[8, 12], [20, 24]])


def test_conv2d_keeps_float32():
    rng = np.random.default_rng(3)
    x = Tensor(rng.normal(size=(1, 2, 5, 5)).astype(np.float32), requires_grad=True)
    w = Tensor(rng.normal(size=(3, 2, 3, 3)).astype(np.float32), requires_grad=True)
    b = Tensor(np.zeros(3, dtype=np.float32), requires_grad=True)
    out = conv2d(x, w, b, padding=1)
    out.sum().backward()
    assert out.dtype == np.float32
    assert x.grad.dtype == w.grad.dtype == b.grad.dtype == np.float32


@pytest.mark.parametrize(
    ("k", "stride"),
    [(2, None), (2, 1), (3, 2), (3, None), (1, None), ((1, 2), None), ((2, 3), (1, 2))],
)
def test_pooling_gradients_match_finite_differences(k, stride):
    rng = np.random.default_rng([*np.ravel(k), *np.ravel(stride or 0)])
    x = distinct_values(rng, (2, 3, 7, 6))
    check(lambda t: max_pool2d(t, k, stride), [x], rng)
    check(lambda t: avg_pool2d(t, k, stride), [x], rng)


@pytest.mark.parametrize(
    ("pool", "stride", "image", "pooled", "upstream", "expected"),
    [
        pytest.param(
            max_pool2d,
            None,
            [[1, 3, 2, 0], [4, 2, 1, 5], [0, 6, 7, 1], [2, 1, 3, 3]],
            [[4, 5], [6, 7]],
            [[10, 20], [30, 40]],
            [[0, 0, 0, 0], [10, 0, 0, 20], [0, 30, 40, 0], [0, 0, 0, 0]],
            id="max_pool_routes_each_gradient_to_its_arg_max",
        ),
        pytest.param(
            max_pool2d,
            1,
            [[1, 2, 1], [2, 9, 2], [1, 2, 1]],
            [[9, 9], [9, 9]],
            [[1, 2], [3, 4]],
            [[0, 0, 0], [0, 10, 0], [0, 0, 0]],
            id="max_pool_overlapping_windows_add_at_a_shared_maximum",
        ),
        pytest.param(
            avg_pool2d,
            None,
            np.arange(16).reshape(4, 4),
            [[2.5, 4.5], [10.5, 12.5]],
            [[4, 8], [12, 16]],
            [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]],
            id="avg_pool_spreads_a_quarter_to_each_element",
        ),
    ],
)
def test_two_by_two_pooling_worked_by_hand(pool, stride, image, pooled, upstream, expected):
    t = Tensor(np.array(image, dtype=float)[None, None], requires_grad=True)
    out = pool(t, 2, stride=stride)
    np.testing.assert_array_equal(out.data[0, 0], pooled)
    out.backward(np.array(upstream, dtype=float)[None, None])
    np.testing.assert_array_equal(t.grad[0, 0], expected)


def test_pooling_a_row_with_a_one_by_two_window():
    # A 1-D signal stored as a (1, 1, 1, L) image, pooled in pairs of neighbours.
    t = Tensor(np.array([[[[3.0, 1.0, -2.0, 4.0, 7.0]]]]), requires_grad=True)
    out = max_pool2d(t, (1, 2))
    np.testing.assert_array_equal(out.data[0, 0], [[3, 4]])  # the fifth value is unreached
    out.backward(np.array([[[[10.0, 20.0]]]]))
    np.testing.assert_array_equal(t.grad[0, 0], [[10, 0, 0, 20, 0]])
    t.zero_grad()
    avg = avg_pool2d(t, (1, 2), stride=1)
    np.testing.assert_array_equal(avg.data[0, 0], [[2, -0.5, 1, 5.5]])
    avg.sum().backward()
    np.testing.assert_array_equal(t.grad[0, 0], [[0.5, 1, 1, 1, 0.5]])


def test_max_pool_tie_goes_to_the_first_maximum_in_reading_order():
    # Left window: four equal values -> top-left. Right window: 5 at (0, 1) and (1, 0) ->
    # (0, 1), the first of the two when the window is read row by row.
    x = np.array([[2, 2, 0, 5], [2, 2, 5, 1]], dtype=float)
    t = Tensor(x[None, None], requires_grad=True)
    max_pool2d(t, 2).sum().backward()
    np.testing.assert_array_equal(t.grad[0, 0], [[1, 0, 0, 1], [0, 0, 0, 0]])


def test_avg_pool_overlapping_windows_add_their_shares():
    t = Tensor(np.zeros((1, 1, 3, 3)), requires_grad=True)
    avg_pool2d(t, 2, stride=1).sum().backward()
    np.testing.assert_array_equal(t.grad[0, 0], np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]]) / 4)


def test_pooling_ignores_rows_and_columns_no_window_reaches():
    t = Tensor(np.arange(25.0).reshape(1, 1, 5, 5), requires_grad=True)
    out = max_pool2d(t, 2)
    assert out.shape == (1, 1, 2, 2)
    out.sum().backward()
    assert not t.grad[0, 0, 4].any() and not t.grad[0, 0, :, 4].any()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: conv2d(np.zeros((3, 8, 8)), np.zeros((2, 3, 3, 3))),
            r"conv2d: x must be 4-D.*\(3, 8, 8\); an unbatched \(C, H, W\) image\?"
            r" use x\.reshape\(1, \*x\.shape\)",
        ),
        (
            lambda: conv2d(np.zeros((1, 3, 8, 8)), np.zeros((2, 3, 3))),
            r"conv2d: w must be 4-D.*\(2, 3, 3\)",
        ),
        (
            lambda: conv2d(np.zeros((1, 3, 8, 8)), np.zeros((2, 4, 3, 3))),
            r"conv2d: x has 3 channels \(shape \(1, 3, 8, 8\)\)"
            r" but w expects 4 \(shape \(2, 4, 3, 3\)\)",
        ),
        (
            lambda: conv2d(np.zeros((1, 3, 8, 8)), np.zeros((2, 3, 3, 3)), np.zeros(3)),
            r"conv2d: b must have shape \(2,\).*got \(3,\)",
        ),
        (
            lambda: conv2d(np.zeros((1, 1, 2, 2)), np.zeros((1, 1, 3, 3))),
            r"conv2d: the 3×3 kernel is larger than the padded input 2×2 \(H \+ 2·padding\),"
            r" so the output would have no positions",
        ),
        (
            lambda: conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 2, 2)), stride=0),
            r"conv2d: stride must be a positive integer or a \(height, width\) pair.*got 0",
        ),
        (
            lambda: conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 2, 2)), padding=-1),
            r"conv2d: padding must be a non-negative integer",
        ),
        (
            lambda: conv2d(np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 2, 2)), stride=1.5),
            r"conv2d: stride must be a positive integer.*got 1.5",
        ),
        (
            lambda: max_pool2d(np.zeros((1, 1, 2, 2)), 3),
            r"max_pool2d: the 3×3 window is larger than the input 2×2",
        ),
        (lambda: max_pool2d(np.zeros((4, 4)), 2), r"max_pool2d: x must be 4-D.*\(4, 4\)$"),
        (
            lambda: conv2d(np.zeros((1, 1, 5, 5)), np.zeros((1, 1, 0, 3))),
            r"conv2d: w must have at least one filter, one channel and a 1×1 kernel,"
            r" got shape \(1, 1, 0, 3\)",
        ),
        (
            lambda: conv2d(np.zeros((1, 1, 5, 5)), np.zeros((0, 1, 3, 3))),
            r"conv2d: w must have at least one filter.*\(0, 1, 3, 3\)",
        ),
        (
            lambda: conv2d(np.zeros((1, 0, 5, 5)), np.zeros((2, 0, 3, 3))),
            r"conv2d: w must have at least one filter.*\(2, 0, 3, 3\)",
        ),
        (
            lambda: conv2d(
                np.zeros((1, 1, 4, 4)), np.zeros((1, 1, 2, 2)), stride=np.array([1.5, 1])
            ),
            r"conv2d: stride must be a positive integer.*got array\(\[1\.5, 1\. *\]\)",
        ),
        (
            lambda: avg_pool2d(np.zeros((1, 1, 4, 4)), 0),
            r"avg_pool2d: k must be a positive integer.*got 0",
        ),
        (
            lambda: max_pool2d(np.zeros((1, 1, 4, 4)), (2, 2, 2)),
            r"max_pool2d: k must be .* a \(height, width\) pair of them, got \(2, 2, 2\)",
        ),
        (
            lambda: avg_pool2d(np.zeros((1, 1, 4, 4)), 2, stride=-2),
            r"avg_pool2d: stride must be a positive integer",
        ),
    ],
)
def test_errors_name_the_op_and_the_shapes(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_pairs_may_be_numpy_arrays():
    rng = np.random.default_rng(4)
    x, w = rng.normal(size=(1, 2, 7, 6)), rng.normal(size=(3, 2, 3, 2))
    as_array = conv2d(x, w, stride=np.array([2, 1]), padding=np.array([1, 0]))
    np.testing.assert_array_equal(as_array.data, conv2d(x, w, stride=(2, 1), padding=(1, 0)).data)
    np.testing.assert_array_equal(
        max_pool2d(x, np.array([1, 2]), stride=np.int64(1)).data, max_pool2d(x, (1, 2), 1).data
    )
    np.testing.assert_array_equal(avg_pool2d(x, np.array(2)).data, avg_pool2d(x, 2).data)


def test_conv2d_strided_backward_is_the_stride_one_rule_on_a_dilated_gradient():
    """At stride s, dY placed on the stride-1 grid (s − 1 zeros between entries, zeros at the
    far end when s does not divide H + 2p − k) obeys the stride-1 rules of the docstring."""
    rng = np.random.default_rng(5)
    stride, padding, k, height = 2, 1, 3, 8  # (8 + 2 − 3) = 7: s does not divide it
    x_data, w_data = rng.normal(size=(height, height)), rng.normal(size=(k, k))
    x, w = (
        Tensor(x_data[None, None], requires_grad=True),
        Tensor(w_data[None, None], requires_grad=True),
    )
    out = conv2d(x, w, stride=stride, padding=padding)
    dy = rng.normal(size=out.shape[2:])
    out.backward(dy[None, None])

    grid = height + 2 * padding - k + 1  # the stride-1 output size
    dilated = np.zeros((grid, grid))
    dilated[::stride, ::stride] = dy
    assert (dilated.shape, dy.shape) == ((8, 8), (4, 4))  # 2·4 − 1 = 7 rows would be too few
    full = np.pad(dilated, k - 1)
    crop = slice(padding, padding + height)
    dx = correlate_valid(full, w_data[::-1, ::-1])[crop, crop]
    np.testing.assert_allclose(x.grad[0, 0], dx, rtol=1e-12, atol=1e-12)
    dw = correlate_valid(np.pad(x_data, padding), dilated)
    np.testing.assert_allclose(w.grad[0, 0], dw, rtol=1e-12)


def captured_arrays(out: Tensor) -> list[np.ndarray]:
    """The arrays an op's backward closure keeps alive until backward runs."""
    cells = out._backward.__closure__ or ()
    return [c.cell_contents for c in cells if isinstance(c.cell_contents, np.ndarray)]


def test_pooling_backward_keeps_no_copy_of_the_windows():
    # Stride 1 with k = 3 reads every pixel up to nine times: the windows hold 9·36 values.
    x = Tensor(np.random.default_rng(6).normal(size=(2, 3, 8, 8)), requires_grad=True)
    assert captured_arrays(avg_pool2d(x, 3, stride=1)) == []
    out = max_pool2d(x, 3, stride=1)
    kept = captured_arrays(out)
    # Only the winners' indices: one integer per output value.
    assert sum(a.size for a in kept) == out.size and all(a.dtype.kind == "i" for a in kept)


def test_conv2d_backward_keeps_only_the_im2col_matrix_and_the_kernels():
    # With padding the padded copy of x is a separate array; backward needs only its shape.
    x = Tensor(np.ones((2, 3, 8, 8)), requires_grad=True)
    w = Tensor(np.ones((4, 3, 3, 3)), requires_grad=True)
    out = conv2d(x, w, padding=2, stride=2)
    columns = 3 * 3 * 3 * 2 * out.shape[2] * out.shape[3]  # one per (offset, channel, window)
    assert sum(a.size for a in captured_arrays(out)) == columns + w.size
