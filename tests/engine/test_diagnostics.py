"""The engine's diagnostics: counting the work a computation does."""

from __future__ import annotations

import numpy as np


def test_counting_array_counts_every_product_the_engine_performs():
    from quizkit.backprop import Tensor
    from quizkit.backprop.diagnostics import counting_array

    Counted, Other = counting_array(), counting_array()
    A = Tensor(np.ones((2, 3)), requires_grad=True)
    W = Tensor(np.ones((3, 4)), requires_grad=True)
    A.data, W.data = A.data.view(Counted), W.data.view(Counted)
    out = A @ W  # (2 x 3) @ (3 x 4): 24 multiplications
    assert Counted.multiplies == 24
    out.sum().backward()  # dA = g Wᵀ: (2x4)@(4x3) = 24, dW = Aᵀ g: (3x2)@(2x4) = 24
    assert Counted.multiplies == 72
    assert Other.multiplies == 0  # each counting_array() keeps its own count
