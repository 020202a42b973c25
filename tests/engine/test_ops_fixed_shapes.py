"""The finite-difference cases of gradient_cases.py at fixed shapes, without hypothesis.

The shapes cover what the hypothesis version draws most often and what breaks engines:
0-d operands, length-1 axes stretched by broadcasting, missing leading axes, negative axes
and a batch of matrices. This file needs only NumPy and pytest, so it also runs under
Pyodide (tests/runtime/test_pyodide_node.py).
"""

from __future__ import annotations

import pytest

from tests.engine import gradient_cases as cases

BROADCAST_PAIRS = [
    ((), ()),
    ((3,), ()),
    ((), (2, 3)),
    ((2, 3), (2, 3)),
    ((2, 3), (3,)),
    ((2, 1), (1, 3)),
    ((4, 1, 3), (2, 1)),
    ((1,), (3, 2, 1)),
]
SHAPES = [(), (1,), (4,), (2, 3), (3, 1, 2)]


@pytest.mark.parametrize("name", sorted(cases.BINARY))
@pytest.mark.parametrize("shapes", BROADCAST_PAIRS, ids=str)
def test_binary_ops_with_broadcasting(name, shapes):
    cases.binary_case(name, shapes, seed=0)


@pytest.mark.parametrize("name", sorted(cases.REFLECTED))
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_reflected_and_unary_arithmetic(name, shape):
    cases.reflected_case(name, shape, seed=1)


@pytest.mark.parametrize("name", sorted(cases.UNARY))
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_unary_ops(name, shape):
    cases.unary_case(name, shape, seed=2)


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_over_an_axis(axis, keepdims):
    cases.axis_case((2, 3, 4), axis, keepdims, seed=3)
    cases.axis_case((1, 4), axis, keepdims, seed=4)


@pytest.mark.parametrize("shape", [(2, 3), (3, 1, 4)], ids=str)
def test_reductions_over_several_axes(shape):
    cases.several_axes_case(shape, seed=5)


@pytest.mark.parametrize(
    "shapes", [((2, 3), (2, 3), (2, 3)), ((3,), (2, 1), ()), ((2, 1), (3,), (1, 3))], ids=str
)
def test_where_with_broadcasting(shapes):
    cases.where_case(shapes, seed=6)


@pytest.mark.parametrize(
    "shape, axis, lengths, new_axis",
    [((3,), 0, [1, 2], 0), ((2, 3), -1, [3, 1, 2], -1), ((2, 2, 3), 1, [2], 3)],
)
def test_concatenate_and_stack(shape, axis, lengths, new_axis):
    cases.join_case(shape, axis, lengths, new_axis, seed=7)


@pytest.mark.parametrize("n, k, m", [(1, 1, 1), (2, 3, 4), (4, 1, 2)])
def test_matmul_all_ranks(n, k, m):
    cases.matmul_case(n, k, m, seed=8)


@pytest.mark.parametrize("shape", [(5,), (3, 2)], ids=str)
def test_indexing_routes_gradient_to_the_picked_elements(shape):
    cases.indexing_case(shape, seed=9)


@pytest.mark.parametrize("n, classes", [(1, 2), (4, 3)])
def test_losses(n, classes):
    cases.losses_case(n, classes, seed=10)


@pytest.mark.parametrize("n, k, m", [(1, 1, 1), (3, 4, 2)])
def test_fused_linear_layer(n, k, m):
    cases.linear_case(n, k, m, seed=11)
