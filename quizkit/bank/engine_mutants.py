"""Bugs planted in the engine, to find evidence that does not depend on it.

A key mutant (quizkit.bank.mutate) asks "would the evidence notice a wrong key?". That is
not enough: evidence that types its own answer (`answer = "b"`) rejects every wrong key and
proves nothing. The question here is the converse: "would the evidence notice a wrong
*engine*?" Each `EngineBug` is a small edit of the engine's source of the kind people
really make when they write backprop (a swapped operand, a missing factor, σ instead of
σ′, a fork that overwrites instead of adds, the backward pass walked in the wrong order,
a loss gradient without its `− y`, memory counted wrongly ...). With the bug applied, the
item's evidence runs again; the item *depends on the engine* if it then fails, or reaches
a different verdict.

A bug is applied by compiling the edited source of its module and swapping the code of
the functions that changed into the live function objects (`func.__code__`), so every
reference anyone holds to `Tensor.__mul__` or `nn.SGD.step` runs the buggy code until the
bug is removed again. Nothing is written to disk and no module is reloaded.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib
import inspect
import math
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["EngineBug", "BUGS", "EngineState", "StaleBug"]


class StaleBug(Exception):
    """The engine's source no longer holds the text a bug edits (the catalogue needs updating)."""


@dataclass(frozen=True)
class EngineBug:
    """One planted bug: replace `old` (which must occur exactly once) by `new` in `module`."""

    id: str
    module: str
    old: str
    new: str
    description: str

    def source(self) -> tuple[str, str]:
        """The module's file name and its source with the bug written in."""
        module = importlib.import_module(self.module)
        text = inspect.getsource(module)
        count = text.count(self.old)
        if count != 1:
            raise StaleBug(
                f"engine bug {self.id!r}: {self.module} holds the text to edit {count} times"
                f" (expected once): {self.old!r}"
            )
        if self.old.count("\n") != self.new.count("\n"):
            # Later functions keep their line numbers, so only the edited ones differ.
            raise StaleBug(f"engine bug {self.id!r}: the edit must keep the number of lines")
        return module.__file__ or self.module, text.replace(self.old, self.new)

    @contextlib.contextmanager
    def applied(self) -> Iterator[None]:
        """Run the engine with this bug inside the `with` block; restore it afterwards."""
        filename, text = self.source()
        module = importlib.import_module(self.module)
        edited = _code_by_name(compile(text, filename, "exec"))
        swapped: list[tuple[types.FunctionType, types.CodeType]] = []
        try:
            for function in _functions(module):
                code = edited.get(function.__code__.co_qualname)
                if code is not None and code != function.__code__:
                    swapped.append((function, function.__code__))
                    function.__code__ = code
            if not swapped:
                raise StaleBug(f"engine bug {self.id!r} changed no function of {self.module}")
            yield
        finally:
            for function, original in swapped:
                function.__code__ = original


def _code_by_name(code: types.CodeType) -> dict[str, types.CodeType]:
    """Every function's code object inside `code`, by qualified name (Foo.bar, f.<locals>.g)."""
    found: dict[str, types.CodeType] = {}
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            found[const.co_qualname] = const
            found.update(_code_by_name(const))
    return found


def _functions(module: types.ModuleType) -> Iterator[types.FunctionType]:
    """The module's own functions and its classes' methods (properties included)."""
    for value in vars(module).values():
        if isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
            yield value
        elif isinstance(value, type) and value.__module__ == module.__name__:
            for member in vars(value).values():
                if isinstance(member, staticmethod | classmethod):
                    member = member.__func__
                if isinstance(member, property):
                    yield from (f for f in (member.fget, member.fset) if f is not None)
                elif isinstance(member, types.FunctionType):
                    yield member


# -- keeping contributed code from changing the engine for the code run after it --------------

ENGINE = "quizkit.backprop"
# Besides the engine, the shared modules every evidence namespace and lesson cell uses.
_SHARED = {"np": np, "math": math, "builtins": builtins}
_FUNCTION_PARTS = ("__code__", "__defaults__", "__kwdefaults__")


# Module attributes Python itself maintains: `warnings` records each warning it has shown in
# the module that raised it. Engine code that warns (an overflow in exp) is no tampering.
_BOOKKEEPING = frozenset({"__warningregistry__"})


@dataclass
class EngineState:
    """The engine as it is now: its modules' and classes' attributes and its functions' code.

    Evidence and lesson code run in this process and share one engine, so a statement such
    as `Tensor.__mul__ = ...` (or `np.sum = ...`) would change every later item's verdict,
    and would hide the function a planted bug edits from `EngineBug.applied`. Take a
    `capture()` before running contributed code; `changes()` names what it altered and
    `restore()` undoes that. Names added by importing a module (a package's submodule
    attribute) are no change.
    """

    # (label, object) -> a copy of its attribute dict
    attributes: dict[tuple[str, int], tuple[Any, dict[str, Any]]] = field(default_factory=dict)
    # id(function) -> (label, function, (code, defaults, kwdefaults))
    functions: dict[int, tuple[str, types.FunctionType, tuple]] = field(default_factory=dict)

    @classmethod
    def capture(cls) -> EngineState:
        state = cls()
        for label, owner in _owners():
            state.attributes[(label, id(owner))] = (owner, dict(vars(owner)))
        for module in _engine_modules():
            for function in _functions(module):
                label = f"{function.__module__}.{function.__qualname__}"
                parts = tuple(getattr(function, part) for part in _FUNCTION_PARTS)
                state.functions[id(function)] = (label, function, parts)
        return state

    def changes(self) -> list[str]:
        """What was altered since the capture, e.g. ["Tensor.__mul__", "np.sum"]."""
        found = []
        for (label, _), (owner, before) in self.attributes.items():
            now = vars(owner)
            for name in sorted(set(before) | set(now), key=str):
                if name in _BOOKKEEPING:
                    continue
                if name in before and (name not in now or now[name] is not before[name]):
                    found.append(f"{label}.{name}")
                elif name not in before and not isinstance(now[name], types.ModuleType):
                    found.append(f"{label}.{name}")
        for label, function, parts in self.functions.values():
            now = tuple(getattr(function, part) for part in _FUNCTION_PARTS)
            if any(a is not b for a, b in zip(now, parts, strict=True)):
                found.append(f"{label} (its code or defaults)")
        return found

    def restore(self) -> None:
        """Put back everything `changes` would name."""
        for (_, _), (owner, before) in self.attributes.items():
            now = vars(owner)
            for name in list(now):
                if name in _BOOKKEEPING:
                    continue
                if name not in before and not isinstance(now[name], types.ModuleType):
                    _set(owner, name, None, delete=True)
            for name, value in before.items():
                if name in _BOOKKEEPING:
                    continue
                if name not in now or now[name] is not value:
                    _set(owner, name, value)
        for _, function, parts in self.functions.values():
            for part, value in zip(_FUNCTION_PARTS, parts, strict=True):
                if getattr(function, part) is not value:
                    setattr(function, part, value)


def _set(owner: Any, name: str, value: Any, delete: bool = False) -> None:
    if isinstance(owner, types.ModuleType):
        if delete:
            del vars(owner)[name]
        else:
            vars(owner)[name] = value
    elif delete:
        delattr(owner, name)
    else:
        setattr(owner, name, value)


def _engine_modules() -> list[types.ModuleType]:
    return [
        module
        for name, module in list(sys.modules.items())
        if isinstance(module, types.ModuleType)
        and (name == ENGINE or name.startswith(ENGINE + "."))
    ]


def _owners() -> Iterator[tuple[str, Any]]:
    """Every module and class whose attributes `EngineState` keeps, with a label."""
    for label, module in _SHARED.items():
        yield label, module
    for module in _engine_modules():
        yield module.__name__, module
        for value in list(vars(module).values()):
            if isinstance(value, type) and value.__module__ == module.__name__:
                yield value.__qualname__, value


_TENSOR = "quizkit.backprop.tensor"
_FUNCTIONS = "quizkit.backprop.functions"
_CONV = "quizkit.backprop.conv"
_FUNCTION = "quizkit.backprop.function"

# The catalogue. Each entry is a mistake a person writing this engine could make; the
# test suite checks that every one still applies to the current source and changes what
# the engine computes.
BUGS: tuple[EngineBug, ...] = (
    EngineBug(
        "mul-wrong-operand",
        _TENSOR,
        "a._accumulate(unbroadcast(g * b.data, a.shape))",
        "a._accumulate(unbroadcast(g * a.data, a.shape))",
        "a product's first input is scaled by itself instead of by the other input",
    ),
    EngineBug(
        "add-drops-second-input",
        _TENSOR,
        "                b._accumulate(unbroadcast(g, b.shape))",
        "                b._accumulate(unbroadcast(0 * g, b.shape))",
        "a sum sends no gradient to its second input",
    ),
    EngineBug(
        "sub-sign",
        _TENSOR,
        "b._accumulate(unbroadcast(-g, b.shape))",
        "b._accumulate(unbroadcast(g, b.shape))",
        "a difference's second input gets +g instead of −g",
    ),
    EngineBug(
        "div-sign",
        _TENSOR,
        "unbroadcast(-g * a.data / (b.data * b.data), b.shape)",
        "unbroadcast(g * a.data / (b.data * b.data), b.shape)",
        "a quotient's denominator gets +a/b² instead of −a/b²",
    ),
    EngineBug(
        "matmul-input-grad-dropped",
        _TENSOR,
        "grad_a = g2 @ np.swapaxes(b_data, -1, -2)",
        "grad_a = 0 * g2 @ np.swapaxes(b_data, -1, -2)",
        "a matrix product passes no gradient to its left operand",
    ),
    EngineBug(
        "matmul-ignores-upstream",
        _TENSOR,
        "grad_b = np.swapaxes(a_data, -1, -2) @ g2",
        "grad_b = np.swapaxes(a_data, -1, -2) @ np.ones_like(g2)",
        "a matrix product's right operand ignores the upstream gradient (chain rule forgotten)",
    ),
    EngineBug(
        "pow-missing-exponent",
        _TENSOR,
        "g * b.data * a.data ** (b.data - 1)",
        "g * a.data ** (b.data - 1)",
        "the derivative of aᵇ forgets the factor b (x² gives x, not 2x)",
    ),
    EngineBug(
        "mean-not-divided",
        _TENSOR,
        "np.broadcast_to(g / count, a.shape)",
        "np.broadcast_to(g, a.shape)",
        "a mean spreads g back without dividing by the count",
    ),
    EngineBug(
        "relu-slope-one",
        _TENSOR,
        "lambda: x > 0)",
        "lambda: x > -np.inf)",
        "ReLU passes the gradient everywhere, as if its slope were 1",
    ),
    EngineBug(
        "leaky-relu-no-leak",
        _TENSOR,
        "np.where(positive, 1.0, slope)",
        "np.where(positive, 1.0, 0.0)",
        "leaky ReLU's backward uses slope 0 for negative inputs",
    ),
    EngineBug(
        "sigmoid-value-not-slope",
        _TENSOR,
        "lambda: s * (1.0 - s)",
        "lambda: s",
        "sigmoid's backward multiplies by σ instead of σ(1 − σ)",
    ),
    EngineBug(
        "tanh-slope",
        _TENSOR,
        "lambda: 1.0 - t * t",
        "lambda: 1.0 - t",
        "tanh's backward uses 1 − t instead of 1 − t²",
    ),
    EngineBug(
        "exp-slope-one",
        _TENSOR,
        'self._elementwise("exp", e, lambda: e)',
        'self._elementwise("exp", e, lambda: 1)',
        "exp's backward forgets that eˣ is its own derivative",
    ),
    EngineBug(
        "log-slope",
        _TENSOR,
        "lambda: 1.0 / x",
        "lambda: x",
        "log's backward multiplies by x instead of dividing",
    ),
    EngineBug(
        "fork-overwrites",
        _TENSOR,
        "            self.grad = self.grad + grad",
        "            self.grad = grad",
        "a value used twice keeps only the last gradient (= instead of +=)",
    ),
    EngineBug(
        "backward-forward-order",
        _TENSOR,
        "        for node in reversed(passes):",
        "        for node in passes:",
        "the backward pass visits nodes in forward order, before their gradients are complete",
    ),
    EngineBug(
        "broadcast-averaged",
        _TENSOR,
        "        grad = grad.sum(axis=tuple(range(extra)))",
        "        grad = grad.mean(axis=tuple(range(extra)))",
        "a broadcast operand (a bias) gets the batch's mean gradient instead of the sum",
    ),
    EngineBug(
        "index-overwrites",
        _TENSOR,
        "np.add.at(grad, index, g)",
        "grad.__setitem__(index, g)",
        "an element picked twice by indexing receives only one gradient",
    ),
    EngineBug(
        "softmax-elementwise",
        _FUNCTIONS,
        "a._accumulate(p * (g - (g * p).sum(axis=axis, keepdims=True)))",
        "a._accumulate(p * (1 - p) * g)",
        "softmax's backward treats it as element-wise (only the Jacobian's diagonal)",
    ),
    EngineBug(
        "cross-entropy-no-minus-one",
        _FUNCTIONS,
        "grad[rows, labels] -= 1.0",
        "grad[rows, labels] -= 0.0",
        "cross-entropy's gradient is p instead of p − y",
    ),
    EngineBug(
        "cross-entropy-not-averaged",
        _FUNCTIONS,
        "grad *= g / n",
        "grad *= g / 1",
        "cross-entropy's gradient is not divided by the batch size",
    ),
    EngineBug(
        "var-uncentred",
        _TENSOR,
        "a._accumulate(g * (2.0 / count) * centred)",
        "a._accumulate(g * (2.0 / count) * a.data)",
        "variance's backward forgets to subtract the mean: 2x/N instead of 2(x − μ)/N",
    ),
    EngineBug(
        "var-backward-n-minus-one",
        _TENSOR,
        "a._accumulate(g * (2.0 / count) * centred)",
        "a._accumulate(g * (2.0 / (count - 1)) * centred)",
        "variance divides by N forward but by N − 1 backward (two conventions mixed)",
    ),
    EngineBug(
        "max-routes-to-all",
        _TENSOR,
        "a._accumulate(np.where(winners, g / ties, 0))",
        "a._accumulate(np.where(winners | True, g / ties, 0))",
        "max sends the gradient to every element, not only to the arg-max",
    ),
    EngineBug(
        "max-ties-not-split",
        _TENSOR,
        "a._accumulate(np.where(winners, g / ties, 0))",
        "a._accumulate(np.where(winners, g / 1, 0))",
        "each tied maximum receives the whole gradient, so the shares add up to k·g",
    ),
    EngineBug(
        "maximum-to-both",
        _TENSOR,
        "b._accumulate(unbroadcast(g * (1 - share), b.shape))",
        "b._accumulate(unbroadcast(g * (1 - 0 * share), b.shape))",
        "an element-wise maximum sends the gradient to the smaller input too",
    ),
    EngineBug(
        "maximum-tie-to-first",
        _TENSOR,
        "np.where(a.data == b.data, 0.5, 0.0)",
        "np.where(a.data == b.data, 1.0, 0.0)",
        "an element-wise maximum gives a tie's whole gradient to its first input",
    ),
    EngineBug(
        "abs-no-sign",
        _TENSOR,
        "lambda: np.sign(x)",
        "lambda: 1",
        "|x|'s backward passes g unchanged, forgetting the slope −1 for negative x",
    ),
    EngineBug(
        "where-routes-to-both",
        _TENSOR,
        "a._accumulate(unbroadcast(np.where(cond, g, zero), a.shape))",
        "a._accumulate(unbroadcast(g, a.shape))",
        "where sends the gradient to its first input also where the second was chosen",
    ),
    EngineBug(
        "concatenate-split-at-lengths",
        _TENSOR,
        "ends = np.cumsum([t.shape[axis] for t in parts])",
        "ends = np.array([t.shape[axis] for t in parts])",
        "concatenate splits the gradient at each part's length, not at the running offset",
    ),
    EngineBug(
        "stack-wrong-axis",
        _TENSOR,
        "t._accumulate(np.take(g, i, axis=axis))",
        "t._accumulate(np.take(g, i, axis=0))",
        "stack's backward slices the gradient along axis 0 instead of the new axis",
    ),
    EngineBug(
        "detach-returns-self",
        _TENSOR,
        'return self._result(self.data, (), "detach")',
        "return self",
        "detach returns the tensor itself, so the gradient still flows into its history",
    ),
    EngineBug(
        "logsumexp-no-normalising",
        _FUNCTIONS,
        "a._accumulate(g * np.exp(a.data - lse))",
        "a._accumulate(g * np.exp(a.data))",
        "log-sum-exp's backward uses eˣ instead of eˣ/Σeˣ (softmax)",
    ),
    EngineBug(
        "log-softmax-elementwise",
        _FUNCTIONS,
        "a._accumulate(g - p * g.sum(axis=axis, keepdims=True))",
        "a._accumulate(g * (1 - p))",
        "log-softmax's backward treats it as element-wise (only the Jacobian's diagonal)",
    ),
    EngineBug(
        "bce-no-minus-y",
        _FUNCTIONS,
        "z._accumulate((stable_sigmoid(z.data) - y) * (g / n))",
        "z._accumulate((stable_sigmoid(z.data) - 0) * (g / n))",
        "BCE-with-logits' gradient is σ(z) instead of σ(z) − y",
    ),
    EngineBug(
        "bce-not-averaged",
        _FUNCTIONS,
        "z._accumulate((stable_sigmoid(z.data) - y) * (g / n))",
        "z._accumulate((stable_sigmoid(z.data) - y) * (g / 1))",
        "BCE-with-logits' gradient is not divided by the number of elements",
    ),
    EngineBug(
        "conv-dx-not-flipped",
        _CONV,
        "grad_cols = (kernels.T @ g_rows).reshape(kh, kw, channels, n, out_h, out_w)",
        "grad_cols = (w.data[:, :, ::-1, ::-1].transpose(0, 2, 3, 1).reshape(filters, -1).T"
        " @ g_rows).reshape(kh, kw, channels, n, out_h, out_w)",
        "conv2d's input gradient correlates G with the kernel as it is: the 180° flip forgotten",
    ),
    EngineBug(
        "conv-dw-flipped",
        _CONV,
        "w._accumulate(grad_kernels.reshape(filters, kh, kw, channels).transpose(0, 3, 1, 2))",
        "w._accumulate(grad_kernels.reshape(filters, kh, kw, channels).transpose(0, 3, 1, 2)"
        "[:, :, ::-1, ::-1])",
        "conv2d's kernel gradient is a convolution (flipped) instead of X correlated with G",
    ),
    EngineBug(
        "max-pool-spreads",
        _CONV,
        "np.put_along_axis(routed, winner, g[None], axis=0)",
        "routed += g[None] / size",
        "max-pooling spreads each window's gradient over the window instead of to its arg-max",
    ),
    EngineBug(
        "avg-pool-not-divided",
        _CONV,
        "share = np.broadcast_to(g / size, (*k, *g.shape))",
        "share = np.broadcast_to(g, (*k, *g.shape))",
        "average-pooling hands every element the window's whole gradient, not g/k²",
    ),
    EngineBug(
        "function-fork-overwrites",
        _FUNCTION,
        "                    t._accumulate(grad)",
        "                    t.grad = grad",
        "a custom Function's input keeps only that Function's gradient, losing the other uses",
    ),
    EngineBug(
        "function-upstream-ignored",
        _FUNCTION,
        "grads = cls.backward(ctx, _read_only(g))",
        "grads = cls.backward(ctx, _read_only(np.ones_like(g)))",
        "a custom Function's backward is handed ones, not the upstream gradient (no chain rule)",
    ),
    EngineBug(
        "function-broadcast-averaged",
        _FUNCTION,
        "return unbroadcast(grad, shape)",
        "return unbroadcast(grad, shape) * (np.prod(shape) / grad.size)",
        "a broadcast input of a custom Function gets the mean of its gradients, not the sum",
    ),
    EngineBug(
        "linear-bias-averaged",
        "quizkit.backprop.nn",
        "b._accumulate(g.sum(axis=0))",
        "b._accumulate(g.mean(axis=0))",
        "a Linear layer's bias gets the batch's mean gradient instead of the sum",
    ),
    EngineBug(
        "linear-input-grad-dropped",
        "quizkit.backprop.nn",
        "x._accumulate(g @ W.data.T)",
        "x._accumulate(0 * g @ W.data.T)",
        "a Linear layer passes no gradient back to its input (only to its parameters)",
    ),
    EngineBug(
        "sgd-ascent",
        "quizkit.backprop.nn",
        "p.data -= (self.lr * scale) * p.grad",
        "p.data += (self.lr * scale) * p.grad",
        "SGD steps up the gradient instead of down",
    ),
    EngineBug(
        "clip-not-scaled",
        "quizkit.backprop.nn",
        "                scale = self.clip_norm / norm",
        "                scale = 1.0",
        "gradient clipping never scales the gradient",
    ),
    EngineBug(
        "dense-delta-without-slope",
        "quizkit.backprop.dense",
        "delta = passed_back * act_prime(cache.zs[l - 1])",
        "delta = passed_back * 1",
        "matrix-form backprop forgets the activation's derivative (δ without f′)",
    ),
    EngineBug(
        "dense-bias-averaged",
        "quizkit.backprop.dense",
        "db[l] = delta.sum(axis=1)",
        "db[l] = delta.mean(axis=1)",
        "matrix-form backprop averages the bias gradient over the batch",
    ),
    EngineBug(
        "census-counts-all",
        "quizkit.backprop.checkpoint",
        "alive = sum(ref() is not None for ref in self.watched)",
        "alive = len(self.watched)",
        "checkpointing's memory count includes activations already freed",
    ),
    EngineBug(
        "checkpoint-recompute-uncounted",
        "quizkit.backprop.checkpoint",
        "            forwards += 1",
        "            forwards += 0",
        "checkpointing does not count the layers it recomputes",
    ),
    EngineBug(
        "gradcheck-no-restore",
        "quizkit.backprop.checking",
        "        flat[i] = original\n        grad.flat[i]",
        "        flat[i] = original - eps\n        grad.flat[i]",
        "gradcheck leaves each nudged entry at θ − ε instead of restoring it",
    ),
    EngineBug(
        "graph-walk-first-input-only",
        _TENSOR,
        "        for parent in reversed(node._parents):",
        "        for parent in reversed(node._parents[:1]):",
        "the walk that orders the graph follows only the first input of each operation",
    ),
    EngineBug(
        "gradcheck-one-sided",
        "quizkit.backprop.checking",
        "grad.flat[i] = (up - down) / (2 * eps)",
        "grad.flat[i] = (up - down) / eps",
        "gradcheck's centered difference is not divided by 2ε",
    ),
)
