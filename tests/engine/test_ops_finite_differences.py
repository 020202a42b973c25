"""The finite-difference cases of gradient_cases.py at shapes drawn by hypothesis.

hypothesis searches shapes (broadcasting pairs, 0-d, length-1 axes) the fixed list of
test_ops_fixed_shapes.py may miss. It needs CPython: hypothesis ships a compiled extension
that Pyodide cannot load, so the fixed-shape file is the one that runs under Pyodide.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tests.engine import gradient_cases as cases

FAST = settings(max_examples=25, deadline=None)

shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
pairs = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4)
seeds = st.integers(0, 2**32 - 1)
sizes = st.integers(1, 4)


@pytest.mark.parametrize("name", sorted(cases.BINARY))
@FAST
@given(shapes=pairs, seed=seeds)
def test_binary_ops_with_broadcasting(name, shapes, seed):
    cases.binary_case(name, shapes.input_shapes, seed)


@pytest.mark.parametrize("name", sorted(cases.REFLECTED))
@FAST
@given(shape=shapes, seed=seeds)
def test_reflected_and_unary_arithmetic(name, shape, seed):
    cases.reflected_case(name, shape, seed)


@pytest.mark.parametrize("name", sorted(cases.UNARY))
@FAST
@given(shape=shapes, seed=seeds)
def test_unary_ops(name, shape, seed):
    cases.unary_case(name, shape, seed)


@FAST
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), data=st.data(), seed=seeds)
def test_reductions_over_an_axis(shape, data, seed):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    cases.axis_case(shape, axis, data.draw(st.booleans()), seed)


@FAST
@given(shape=hnp.array_shapes(min_dims=2, max_dims=3, max_side=4), seed=seeds)
def test_reductions_over_several_axes(shape, seed):
    cases.several_axes_case(shape, seed)


@FAST
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=4), seed=seeds)
def test_where_with_broadcasting(shapes, seed):
    cases.where_case(shapes.input_shapes, seed)


@FAST
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), data=st.data(), seed=seeds)
def test_concatenate_and_stack(shape, data, seed):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    lengths = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    new_axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    cases.join_case(shape, axis, lengths, new_axis, seed)


@FAST
@given(n=sizes, k=sizes, m=sizes, seed=seeds)
def test_matmul_all_ranks(n, k, m, seed):
    cases.matmul_case(n, k, m, seed)


@FAST
@given(shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=5), seed=seeds)
def test_indexing_routes_gradient_to_the_picked_elements(shape, seed):
    cases.indexing_case(shape, seed)


@FAST
@given(n=st.integers(1, 5), classes=st.integers(2, 5), seed=seeds)
def test_losses(n, classes, seed):
    cases.losses_case(n, classes, seed)


@FAST
@given(n=sizes, k=sizes, m=sizes, seed=seeds)
def test_fused_linear_layer(n, k, m, seed):
    cases.linear_case(n, k, m, seed)
