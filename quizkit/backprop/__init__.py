"""Backprop Lab's reverse-mode automatic differentiation engine, in NumPy.

Start with `Tensor`: build a computation from tensors, call `.backward()` on the result,
read `.grad`. Besides its methods (arithmetic, `sum`, `mean`, `var`, `max`, `abs`, `relu`,
`sigmoid`, `tanh`, `exp`, `log`, indexing, `detach` ...), the package offers:

* operations on several tensors: `maximum`, `where`, `concatenate`, `stack`;
* losses and their relatives: `mse_loss`, `softmax`, `cross_entropy`, `logsumexp`,
  `log_softmax`, `bce_with_logits` (the last three stable for any scores);
* `trace` to record a computation's graph and `gradcheck` to test gradients numerically.

The rest of the course's tools live in submodules:

* `nn`: Linear layers, an MLP and SGD;
* `dense`: backprop of a dense network written out in matrix form;
* `diagnostics`: per-layer gradient norms and dead ReLU units;
* `checkpoint`: gradient checkpointing, with measured memory;
* `worksheet`: the numeric-trace exercises' evaluator.

Only NumPy and the standard library are used, so the same code runs in the browser.
"""

from .checking import gradcheck
from .functions import (
    bce_with_logits,
    cross_entropy,
    log_softmax,
    logsumexp,
    mse_loss,
    softmax,
)
from .tensor import Tensor, concatenate, maximum, stack, where
from .tracing import trace

__all__ = [
    "Tensor",
    "trace",
    "gradcheck",
    "maximum",
    "where",
    "concatenate",
    "stack",
    "mse_loss",
    "softmax",
    "cross_entropy",
    "logsumexp",
    "log_softmax",
    "bce_with_logits",
]
