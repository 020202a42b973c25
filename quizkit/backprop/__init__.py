"""Backprop Lab's reverse-mode automatic differentiation engine, in NumPy.

Start with `Tensor`: build a computation from tensors, call `.backward()` on the result,
read `.grad`. Besides its methods (arithmetic, `sum`, `mean`, `var`, `max`, `abs`, `relu`,
`sigmoid`, `tanh`, `exp`, `log`, indexing, `detach` ...), the package offers:

* operations on several tensors: `maximum`, `where`, `concatenate`, `stack`;
* losses and their relatives: `mse_loss`, `softmax`, `cross_entropy`, `logsumexp`,
  `log_softmax`, `bce_with_logits` (the last three stable for any scores);
* convolution and pooling: `conv2d`, `max_pool2d`, `avg_pool2d`;
* `Function`, to define a new differentiable operation with its forward and backward;
* `trace` to record a computation's graph, `show_graph` to draw it below a runnable cell,
  and `gradcheck` to test gradients numerically.

The rest of the course's tools live in submodules:

* `nn`: `Module` (a model's `parameters()` and `zero_grad()`), Linear layers, an MLP and SGD;
* `dense`: backprop of a dense network written out in matrix form;
* `diagnostics`: per-layer gradient norms and dead ReLU units;
* `checkpoint`: gradient checkpointing, with measured memory;
* `worksheet`: the numeric-trace exercises' evaluator.

Only NumPy and the standard library are used, so the same code runs in the browser.
"""

# The convolution and loss modules are exported whole: the names are listed once, in their
# own __all__.
from . import conv, functions
from .checking import gradcheck
from .conv import *  # noqa: F403
from .function import Function
from .functions import *  # noqa: F403
from .tensor import Tensor, concatenate, maximum, stack, where
from .tracing import show_graph, trace

__all__ = [
    "Tensor",
    "trace",
    "show_graph",
    "gradcheck",
    "Function",
    *conv.__all__,
    "maximum",
    "where",
    "concatenate",
    "stack",
    *functions.__all__,
]
