"""`gradcheck`: compare backpropagated gradients with centered finite differences."""

from __future__ import annotations

import inspect
from dataclasses import dataclass

import numpy as np

from .tensor import Tensor

__all__ = ["GradcheckReport", "gradcheck"]

TINY = 1e-300
"""Keeps the relative error defined (0) when both gradients are exactly zero."""

EXCELLENT, ACCEPTABLE, BUG = 1e-7, 1e-5, 1e-3
"""Rules of thumb for the relative error in float64 (SYLLABUS, topic 12)."""


def relative_error(analytic: np.ndarray, numeric: np.ndarray) -> float:
    """‖g_a − g_n‖ / (‖g_a‖ + ‖g_n‖ + tiny): 0 for identical gradients, 1 for opposite ones."""
    difference = np.linalg.norm(analytic - numeric)
    return float(difference / (np.linalg.norm(analytic) + np.linalg.norm(numeric) + TINY))


@dataclass
class GradcheckReport:
    """What `gradcheck` found. `bool(report)` is True when the check passed."""

    names: list[str]
    """A label per input: its name, or "input i"."""
    analytic: list[np.ndarray]
    """Gradients from backward(), one per input."""
    numeric: list[np.ndarray]
    """Gradients from centered differences, one per input."""
    errors: list[float]
    """Relative error per input."""
    error: float
    """Relative error over all inputs together."""
    tolerance: float

    @property
    def passed(self) -> bool:
        return self.error <= self.tolerance

    @property
    def verdict(self) -> str:
        """ "excellent" (< 1e-7), "acceptable" (< 1e-5), "suspicious" or "bug" (> 1e-3)."""
        if self.error < EXCELLENT:
            return "excellent"
        if self.error < ACCEPTABLE:
            return "acceptable"
        return "suspicious" if self.error <= BUG else "bug"

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        lines = [f"gradcheck: relative error {self.error:.2e} ({self.verdict})"]
        lines += [f"  {n}: {e:.2e}" for n, e in zip(self.names, self.errors, strict=True)]
        return "\n".join(lines)


def gradcheck(fn, inputs, eps: float = 1e-6, tolerance: float = ACCEPTABLE) -> GradcheckReport:
    """Check the engine's gradients of `fn` with respect to `inputs` numerically.

    `fn` computes a single-number Tensor. It is called as `fn(*inputs)`, or as `fn()` if
    it takes no arguments (a closure over the input tensors). Each input element is
    nudged by ±eps and the centered difference (f(θ+ε) − f(θ−ε)) / 2ε compared with
    backward()'s gradient, all in float64. That costs two evaluations per element, so
    keep the network small.

    If `fn`'s result does not depend on the inputs through the graph (it was computed
    from `.data`, say), the engine's gradient counts as zero, and the finite differences
    show whether that is right. The inputs' data and gradients are restored afterwards.
    """
    inputs = [inputs] if isinstance(inputs, Tensor) else list(inputs)
    call = _caller(fn, inputs)
    saved = [(t.data, t.grad, t.requires_grad) for t in inputs]
    try:
        for t in inputs:
            t.data = np.array(t.data, dtype=np.float64)
            t.grad = None
            t.requires_grad = True
        out = call()
        # A result computed without the graph (from .data, an argmax) has no gradient to
        # pass back: the engine's answer is then zero, which the numbers may contradict.
        if out.requires_grad:
            out.backward()
        analytic = [
            np.zeros_like(t.data) if t.grad is None else np.array(t.grad, dtype=np.float64)
            for t in inputs
        ]
        numeric = [_numeric_gradient(call, t, eps) for t in inputs]
    finally:
        for t, (data, grad, requires_grad) in zip(inputs, saved, strict=True):
            t.data, t.grad, t.requires_grad = data, grad, requires_grad
    errors = [relative_error(a, n) for a, n in zip(analytic, numeric, strict=True)]
    overall = relative_error(
        np.concatenate([a.ravel() for a in analytic]), np.concatenate([n.ravel() for n in numeric])
    )
    names = [t.name or f"input {i}" for i, t in enumerate(inputs)]
    return GradcheckReport(names, analytic, numeric, errors, overall, tolerance)


def _numeric_gradient(call, t: Tensor, eps: float) -> np.ndarray:
    grad = np.zeros_like(t.data)
    flat = t.data.reshape(-1)  # a view: writing to it nudges t.data
    for i in range(flat.size):
        original = flat[i]
        flat[i] = original + eps
        up = float(call().data.item())
        flat[i] = original - eps
        down = float(call().data.item())
        flat[i] = original
        grad.flat[i] = (up - down) / (2 * eps)
    return grad


def _caller(fn, inputs):
    try:
        takes_arguments = len(inspect.signature(fn).parameters) > 0
    except (TypeError, ValueError):  # builtins without a signature
        takes_arguments = True
    return (lambda: fn(*inputs)) if takes_arguments else fn
