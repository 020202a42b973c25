"""Numeric-trace exercises: run an exercise's code, read off its named quantities, and draw
new numbers that keep the exercise's promises.

The quiz checker (in CI), the site build and the browser's worker all call these functions,
so a learner's answer is checked against exactly the numbers the course was validated with,
and "New numbers" in the page obeys exactly the rules the checker verified over many seeds.

An exercise's *spec* is the plain dict the page carries (quizkit.bank.draws.spec builds it
from the bank):

    code         the exercise's Python, run with each param bound as a float
    params       {name: {"value": v, "range": [lo, hi] or None, "step": s}}
    root         name of the tensor whose graph is drawn, or None
    expressions  {key: Python expression}: each quantity under its name, each of its
                 mistakes under "<quantity>.<mistake id>"
    tolerances   {quantity: {"rel": r, "abs": a}}, the `within` rule's two numbers
    mistakes     {quantity: [the keys of its mistakes in `expressions`]}
    constraints  [Python bool expressions over the params and the quantities' values]
"""

from __future__ import annotations

import ast
import importlib
import math
import traceback
from typing import Any

import numpy as np

__all__ = [
    "namespace",
    "evaluate",
    "draw",
    "new_numbers",
    "violations",
    "constraint_holds",
    "within",
    "tolerance_width",
    "ConstraintError",
    "DrawError",
    "MAX_ATTEMPTS",
]

# Draws "New numbers" tries for one seed before it shows the bank's own numbers instead.
MAX_ATTEMPTS = 20

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


def within(answer: float, key: float, rel: float, abs_: float) -> bool:
    """True when `answer` is accepted for `key`: |answer - key| <= max(abs_, rel * |key|).

    The one definition of "close enough": the bank's checks, the mutation test and the draw
    rules call it, and the browser gets it as JSON (quizkit.bank.schema). The tolerance
    scales with the key, not with the learner's answer, so a wild answer cannot widen its
    own acceptance window. NaN is never accepted.
    """
    return abs(answer - key) <= tolerance_width(key, rel, abs_)


def tolerance_width(key: float, rel: float, abs_: float) -> float:
    """How far from `key` an answer may be and still be accepted."""
    return max(abs_, rel * abs(key))


def draw(params: dict[str, dict], seed: int) -> dict[str, float]:
    """New values for an exercise's parameters: the first draw `new_numbers` tries.

    A param with a `range` [lo, hi] gets a uniformly drawn multiple of its `step` (default
    0.1) within the range; others keep their `value`. Params are visited in sorted-name
    order with `numpy.random.default_rng(seed)`, so a seed gives the same numbers in
    CPython and in the browser.
    """
    return _draw(np.random.default_rng(seed), params)


def _draw(rng: np.random.Generator, params: dict[str, dict]) -> dict[str, float]:
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


# -- "New numbers" that keep the exercise's promises ----------------------------------------


class ConstraintError(ValueError):
    """A constraint that cannot be judged: it does not compile, raises, or is not a bool."""

    def __init__(self, index: int, expression: str, problem: str, params: dict[str, float]):
        self.index = index
        self.expression = expression
        self.problem = problem
        self.params = params
        where = f" (at {_show(params)})" if params else ""
        super().__init__(f"constraints[{index}] `{expression}` {problem}{where}")


class DrawError(ValueError):
    """The exercise's code or one of its expressions failed at a set of numbers."""

    def __init__(self, params: dict[str, float], error: Exception):
        self.params = params
        self.error = error
        problem = traceback.format_exception_only(error)[-1].strip()
        super().__init__(f"at {_show(params)}: {problem}")


def new_numbers(spec: dict, seed: int, *, graph: bool = True, attempts: int = MAX_ATTEMPTS) -> dict:
    """Numbers for "New numbers": params drawn for `seed` that break none of the exercise's
    rules (see `violations`), with the values and graph the engine computes at them.

    Draws come from one `numpy.random.default_rng(seed)` stream, `draw`'s recipe repeated:
    the first is `draw(spec["params"], seed)`, and each rejected draw is followed by the
    stream's next. So a seed always gives the same numbers, in CPython and in the browser.
    When `attempts` draws in a row are rejected, the bank's own numbers are returned with
    "fallback": True, so that the page can say which numbers it shows.

    Returns {"seed", "params", "values", "graph" (None unless `graph`), "fallback",
    "rejected": [{"params", "violations"}, ...] in the order they were drawn}. Raises
    ConstraintError for a constraint that cannot be judged, DrawError when the code or an
    expression fails at drawn numbers (a constraint on the params alone can rule them out:
    such constraints are checked before the code runs).
    """
    rules = _Rules(spec)
    rng = np.random.default_rng(seed)
    drawable = any(p.get("range") is not None for p in spec["params"].values())
    rejected: list[dict] = []
    # A small grid repeats itself; a repeated draw gets its first verdict, without re-running.
    verdicts: dict[tuple, list[dict]] = {}
    for _ in range(attempts if drawable else 1):
        params = _draw(rng, spec["params"])
        signature = tuple(params.items())
        broken = verdicts.get(signature)
        if broken is None:
            broken = rules.before_code(params)
            if not broken:
                result = _evaluate_at(spec, params, graph)
                broken = rules.after_code(params, result["values"])
                if not broken:
                    return _numbers(seed, params, result, False, rejected)
            verdicts[signature] = broken
        rejected.append({"params": params, "violations": broken})
    fixed = {name: float(spec["params"][name]["value"]) for name in sorted(spec["params"])}
    return _numbers(seed, fixed, _evaluate_at(spec, fixed, graph), True, rejected)


def violations(spec: dict, params: dict[str, float], values: dict[str, float]) -> list[dict]:
    """The rules that numbers break; empty when "New numbers" may show them.

    `values` holds every expression of the spec evaluated at `params`. The rules, checked in
    this order, the first broken stage ending the check:

    1. the constraints that mention no quantity (these can run before the code);
    2. every value is finite;
    3. the other constraints;
    4. no mistake lies within its quantity's tolerance of the key (the learner making it
       would be marked right), and no two mistakes of a quantity lie within tolerance of
       each other (the learner could not be told which one they made).

    Within a stage of constraints the first false one ends the check, so a constraint can
    guard a later one ("x != 0", "1 / x < 2"). Each violation is a dict: {"rule":
    "constraint", "index"} | {"rule": "finite", "key"} | {"rule": "mistake", "key"} |
    {"rule": "tie", "key", "other"} (`key` the later of the two mistakes), each with a
    "message". Raises ConstraintError for a constraint that cannot be judged.
    """
    rules = _Rules(spec)
    return rules.before_code(params) or rules.after_code(params, values)


def constraint_holds(
    spec: dict, index: int, params: dict[str, float], values: dict[str, float]
) -> bool:
    """Whether constraint `index` of the spec holds for these numbers, judged on its own
    (the others need not even compile).

    Raises ConstraintError when it cannot be judged (see `violations`).
    """
    return _Rules(spec, compiled=False).holds(index, params, values)


class _Rules:
    """An exercise's rules, compiled once for the many draws of one call.

    Raises ConstraintError for a constraint that does not compile, unless `compiled` is
    False (then only judging that constraint raises).
    """

    def __init__(self, spec: dict, compiled: bool = True) -> None:
        self.tolerances = spec.get("tolerances", {})
        self.mistakes = spec.get("mistakes", {})
        self.quantities = [key for key in spec["expressions"] if key in self.tolerances]
        self.expressions = list(spec.get("constraints", []))
        self.compiled: dict[int, Any] = {}
        self.syntax: dict[int, str] = {}
        self.early, self.late = [], []
        for index, expression in enumerate(self.expressions):
            try:
                tree = ast.parse(expression, f"<constraint {index}>", "eval")
            except SyntaxError as exc:
                self.syntax[index] = f"is not Python: {exc.msg}"
                if compiled:
                    raise ConstraintError(index, expression, self.syntax[index], {}) from None
                continue
            self.compiled[index] = compile(tree, f"<constraint {index}>", "eval")
            names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
            (self.late if names & set(self.quantities) else self.early).append(index)

    def before_code(self, params: dict[str, float]) -> list[dict]:
        return self._constraints(self.early, params, {})

    def after_code(self, params: dict[str, float], values: dict[str, float]) -> list[dict]:
        broken = [
            {"rule": "finite", "key": key, "message": f"`{key}` is {value}"}
            for key, value in values.items()
            if not math.isfinite(value)
        ]
        return broken or self._constraints(self.late, params, values) or self._mistakes(values)

    def holds(self, index: int, params: dict[str, float], values: dict[str, float]) -> bool:
        return not self._constraints([index], params, values)

    def _constraints(self, indices, params, values) -> list[dict]:
        names = {"np": np, "math": math, **params}
        names.update({name: values[name] for name in self.quantities if name in values})
        for index in indices:
            expression = self.expressions[index]
            if index in self.syntax:
                raise ConstraintError(index, expression, self.syntax[index], {})
            try:
                verdict = eval(self.compiled[index], dict(names))
            except Exception as exc:
                problem = traceback.format_exception_only(exc)[-1].strip()
                raise ConstraintError(index, expression, f"raised {problem}", params) from None
            if not isinstance(verdict, bool | np.bool_):
                problem = f"gives {verdict!r} ({type(verdict).__name__}), not True or False"
                raise ConstraintError(index, expression, problem, params)
            if not verdict:
                message = f"`{expression}` is false"
                return [{"rule": "constraint", "index": index, "message": message}]
        return []

    def _mistakes(self, values: dict[str, float]) -> list[dict]:
        broken = []
        for quantity in self.quantities:
            key = values[quantity]
            tolerance = self.tolerances[quantity]
            rel, abs_ = float(tolerance["rel"]), float(tolerance["abs"])
            keys = self.mistakes.get(quantity, [])
            for position, mistake in enumerate(keys):
                wrong = values[mistake]
                if within(wrong, key, rel, abs_):
                    message = f"`{mistake}` gives {wrong:.6g}, within tolerance of {key:.6g}"
                    broken.append({"rule": "mistake", "key": mistake, "message": message})
                for earlier in keys[:position]:
                    other = values[earlier]
                    if within(wrong, other, rel, abs_) or within(other, wrong, rel, abs_):
                        message = f"`{mistake}` and `{earlier}` both give {wrong:.6g}"
                        broken.append(
                            {"rule": "tie", "key": mistake, "other": earlier, "message": message}
                        )
        return broken


def _evaluate_at(spec: dict, params: dict[str, float], graph: bool) -> dict:
    root = spec.get("root") if graph else None
    try:
        return evaluate(spec["code"], params, spec["expressions"], root)
    except Exception as exc:  # the exercise's own code: say at which numbers it failed
        raise DrawError(params, exc) from exc


def _numbers(seed, params, result, fallback, rejected) -> dict:
    return {
        "seed": seed,
        "params": params,
        "values": result["values"],
        "graph": result["graph"],
        "fallback": fallback,
        "rejected": rejected,
    }


def _show(params: dict[str, float]) -> str:
    return ", ".join(f"{name}={value:g}" for name, value in params.items())
