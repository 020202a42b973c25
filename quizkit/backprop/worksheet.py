"""Numeric-trace exercises: run an exercise's code and read off its named quantities.

The quiz checker (in CI) and the browser's worker both call these two functions, so a
learner's answer is checked against exactly the numbers the course was validated with.
"""

from __future__ import annotations

import importlib
import math

import numpy as np

__all__ = ["namespace", "evaluate", "draw"]

SUBMODULES = ("nn", "dense", "diagnostics", "checkpoint")


def namespace() -> dict:
    """A fresh dict with `np`, `math`, the engine's public names and its submodules."""
    from . import checkpoint, dense, diagnostics, nn

    package = importlib.import_module(__package__)
    names = {"np": np, "math": math}
    names.update({name: getattr(package, name) for name in package.__all__})
    names.update({"nn": nn, "dense": dense, "diagnostics": diagnostics, "checkpoint": checkpoint})
    return names


def evaluate(code: str, params: dict[str, float], values: dict[str, str], root=None) -> dict:
    """Run `code` with each param bound as a float, then evaluate each expression in `values`.

    Returns {"values": {name: float}, "graph": trace(<root>).to_dict() or None}. Every
    expression must give a single number (a Python number, or a size-1 array or Tensor);
    anything else raises ValueError naming the quantity.

    Tensors the code left without a name are labelled in the graph by the variable that
    holds them (the first such variable, in the order the code bound them), so `z1 = w1 * x`
    shows up as "z1" without writing `z1.name = "z1"`.
    """
    from .tensor import Tensor
    from .tracing import trace

    names = namespace()
    names.update({key: float(value) for key, value in params.items()})
    exec(compile(code, "<trace code>", "exec"), names)
    results = {}
    for key, expression in values.items():
        value = eval(compile(expression, f"<quantity {key}>", "eval"), names)
        results[key] = _scalar(key, value.data if isinstance(value, Tensor) else value)
    for key, value in list(names.items()):
        if isinstance(value, Tensor) and value.name is None and not key.startswith("_"):
            value.name = key
    graph = None
    if root is not None:
        if root not in names:
            raise ValueError(f"root {root!r} is not defined by the code")
        if not isinstance(names[root], Tensor):
            raise ValueError(f"root {root!r} is a {type(names[root]).__name__}, not a Tensor")
        graph = trace(names[root]).to_dict()
    return {"values": results, "graph": graph}


def _scalar(key: str, value) -> float:
    if value is None:
        raise ValueError(f"quantity {key!r} is None (was backward() called before reading a grad?)")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"quantity {key!r} is not a number: {value!r}") from None
    if array.size != 1:
        raise ValueError(f"quantity {key!r} must be a single number, not shape {array.shape}")
    return float(array.reshape(()))


def draw(params: dict[str, dict], seed: int) -> dict[str, float]:
    """New values for an exercise's parameters ("New numbers").

    A param with a `range` [lo, hi] gets a uniformly drawn multiple of its `step` (default
    0.1) within the range; others keep their `value`. Params are visited in sorted-name
    order with `numpy.random.default_rng(seed)`, so a seed gives the same numbers in
    CPython and in the browser.
    """
    rng = np.random.default_rng(seed)
    drawn = {}
    for name in sorted(params):
        spec = params[name]
        if spec.get("range") is None:
            drawn[name] = float(spec["value"])
            continue
        lo, hi = (float(v) for v in spec["range"])
        step = float(spec.get("step", 0.1))
        if step <= 0:
            raise ValueError(f"param {name!r}: step must be positive, not {step}")
        # Small slack so that a bound which is a multiple of step (up to rounding) counts.
        first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
        if last < first:
            raise ValueError(f"param {name!r}: no multiple of {step} lies in [{lo}, {hi}]")
        k = int(rng.integers(first, last + 1))
        drawn[name] = round(k * step, 10)
    return drawn
