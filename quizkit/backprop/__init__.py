"""Backprop Lab's reverse-mode automatic differentiation engine, in NumPy.

Start with `Tensor`: build a computation from tensors, call `.backward()` on the result,
read `.grad`. The rest of the course's tools live in submodules:

* `nn`: Linear layers, an MLP and SGD;
* `dense`: backprop of a dense network written out in matrix form;
* `diagnostics`: per-layer gradient norms and dead ReLU units;
* `checkpoint`: gradient checkpointing, with measured memory;
* `worksheet`: the numeric-trace exercises' evaluator.

Only NumPy and the standard library are used, so the same code runs in the browser.
"""

from .checking import gradcheck
from .functions import cross_entropy, mse_loss, softmax
from .tensor import Tensor
from .tracing import trace

__all__ = ["Tensor", "trace", "gradcheck", "mse_loss", "softmax", "cross_entropy"]
