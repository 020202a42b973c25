"""Numeric trace: a small computation whose values the learner works out by hand.

The item's `code` builds the computation with the engine; each quantity's key is an
expression the engine evaluates, and each declared mistake one more. The browser gets the
item's `spec` so that "New numbers" can ask the engine for numbers that keep every rule
(quizkit.backprop.worksheet.new_numbers); quizkit.bank.draws checks that over many seeds.
"""

from __future__ import annotations

import keyword
import math
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import Field

from ..problem import Loc
from .base import (
    DEFAULT_TOLERANCE,
    MAX_ABS_TOL,
    MAX_REL_TOL,
    Id,
    ItemBase,
    Kind,
    Mutant,
    Strict,
    Text,
    Tolerance,
    copy,
    duplicates,
    tolerance_width,
    within,
)

# A mutated expectation sits this many tolerance widths from the engine's value; more than
# one width, so it is wrong even after the written `expect`'s own small rounding.
_PERTURB_WIDTHS = 3.0


class Param(Strict):
    """An input of a numeric_trace computation."""

    value: float
    """The value the bank's prose and `expect`s are written for."""
    range: tuple[float, float] | None = None
    """[low, high] for "New numbers"; leave it out to keep the value fixed."""
    step: Annotated[float, Field(gt=0)] = 0.1
    """Re-drawn values are multiples of this, so they stay pleasant by hand."""


class Mistake(Strict):
    """A typical wrong computation of a quantity, recognised so it gets its own feedback."""

    id: Id
    """Kebab-case name, unique within the quantity."""
    value: Text
    """Python expression for the number a learner gets by making this mistake."""
    feedback: Text
    """What went wrong and how to fix it."""


class Quantity(Strict):
    """A number the learner computes by hand and types in."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
    """Python name; the evidence sees the computed value under it."""
    label: Text
    """How the quantity is shown to the learner (Markdown + math)."""
    value: Text
    """Python expression for the key, e.g. "w1_t.grad"; the engine computes it."""
    expect: float | None = None
    """Optional hand-written value at the fixed parameters, checked against the engine."""
    tolerance: Tolerance = Tolerance()
    """How close a typed answer must be."""
    mistakes: list[Mistake] = []
    """Typical wrong computations, each with feedback."""


class NumericTrace(ItemBase):
    """A small computation whose intermediate values the learner works out by hand."""

    kind: Literal["numeric_trace"]
    params: Annotated[dict[str, Param], Field(min_length=1)]
    """The computation's inputs, by Python name."""
    code: Text
    """Python run with the engine's names and each parameter bound as a float."""
    root: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
    """Name of the tensor in `code` whose graph is drawn."""
    quantities: Annotated[list[Quantity], Field(min_length=1)]
    """The numbers the learner computes, in the order they are asked for."""
    evidence: str = ""
    """Optional extra asserts, run with each quantity's computed value bound by name."""
    constraints: list[Text] = []
    """Python conditions every set of numbers ("New numbers" included) must meet, e.g.
    "loss_after < loss_before"; they see the params and each quantity's value by name.

    They are checked in order and the first false one rejects a draw, so an earlier one can
    guard a later one ("x != 0", "1 / x < 2"); one that names no quantity is checked before
    the code runs, so it can keep the code away from numbers where it would fail. Each must
    give a bool. Non-finite values, and mistakes equal to the key or to each other, are
    rejected without any constraint."""


# -- what the engine computes ---------------------------------------------------------------


def mistake_key(quantity: str, mistake: str) -> str:
    """The name under which a mistake's value is computed, e.g. ``"dL_dw1.sign-flip"``."""
    return f"{quantity}.{mistake}"


def expressions(item: NumericTrace) -> dict[str, str]:
    """Every expression a numeric_trace needs: each quantity and each declared mistake."""
    exprs: dict[str, str] = {}
    for quantity in item.quantities:
        exprs[quantity.name] = quantity.value
        for mistake in quantity.mistakes:
            exprs[mistake_key(quantity.name, mistake.id)] = mistake.value
    return exprs


def expression_locs(item: NumericTrace) -> dict[str, Loc]:
    """Where in the item each expression of `expressions` is written."""
    locs: dict[str, Loc] = {}
    for qi, quantity in enumerate(item.quantities):
        locs[quantity.name] = ("quantities", qi, "value")
        for mi, mistake in enumerate(quantity.mistakes):
            key = mistake_key(quantity.name, mistake.id)
            locs[key] = ("quantities", qi, "mistakes", mi, "value")
    return locs


def fixed_params(item: NumericTrace) -> dict[str, float]:
    """The parameters as written in the bank, before any re-draw."""
    return {name: param.value for name, param in item.params.items()}


def evaluate(item: NumericTrace) -> dict:
    """The engine's {"values": {expression key: float}, "graph": root's graph} at the
    fixed params. Raises whatever the item's code or an expression raises."""
    from quizkit.backprop import worksheet

    result = worksheet.evaluate(item.code, fixed_params(item), expressions(item), item.root)
    values = {key: float(value) for key, value in result["values"].items()}
    return {"values": values, "graph": result["graph"]}


def spec(item: NumericTrace) -> dict[str, Any]:
    """Everything the engine needs to draw and check an item's numbers (the format is in
    quizkit.backprop.worksheet). The page's payload carries exactly this dict, so the
    browser applies the rules quizkit.bank.draws checks."""
    return {
        "code": item.code,
        "params": {name: param.model_dump() for name, param in item.params.items()},
        "root": item.root,
        "expressions": expressions(item),
        "tolerances": {q.name: q.tolerance.model_dump() for q in item.quantities},
        "mistakes": {
            q.name: [mistake_key(q.name, m.id) for m in q.mistakes] for q in item.quantities
        },
        "constraints": list(item.constraints),
    }


# -- content checks -------------------------------------------------------------------------


def param_problems(
    name: str, param: Param, reserved: frozenset[str] = frozenset()
) -> Iterator[tuple[Loc, str]]:
    """(location, message) for each thing wrong with one numeric_trace parameter."""
    at: Loc = ("params", name)
    if not name.isidentifier() or keyword.iskeyword(name):
        yield at, f"parameter name {name!r} is not a Python name the code can use"
    elif name in reserved:
        yield at, f"parameter name {name!r} hides the engine's {name!r}; rename it"
    if not math.isfinite(param.value):
        yield at + ("value",), f"value must be a finite number, not {param.value}"
        return
    if param.range is None:
        if "step" in param.model_fields_set:
            yield at + ("step",), "step has no effect without a range; add range: [low, high]"
        return
    low, high = param.range
    if not (math.isfinite(low) and math.isfinite(high) and math.isfinite(param.step)):
        yield at + ("range",), "range and step must be finite numbers"
        return
    if low > high:
        yield at + ("range",), f"range [{low:g}, {high:g}] is empty: low is above high"
        return
    if not low <= param.value <= high:
        yield (
            at + ("range",),
            f"range [{low:g}, {high:g}] excludes the value {param.value:g}"
            " the bank's keys are written for",
        )
    # Re-drawn values are multiples of step inside the range; there must be at least one.
    first = math.ceil(low / param.step - 1e-9)
    if first * param.step > high + 1e-9 * max(1.0, abs(high)):
        yield (
            at + ("step",),
            f"no multiple of step {param.step:g} lies in [{low:g}, {high:g}];"
            " 'New numbers' could not draw a value",
        )


def _tolerance(tolerance: Tolerance, at: Loc) -> Iterator[tuple[Loc, str]]:
    rel, abs_ = tolerance.rel, tolerance.abs
    if not (math.isfinite(rel) and math.isfinite(abs_)):
        yield at, "tolerance must be finite"
    elif rel == 0 and abs_ == 0:
        yield at, "tolerance is zero: exact float equality rejects correctly rounded answers"
    elif rel > MAX_REL_TOL:
        yield at + ("rel",), f"rel {rel:g} is too loose (at most {MAX_REL_TOL:g})"
    elif abs_ > MAX_ABS_TOL:
        yield at + ("abs",), f"abs {abs_:g} is too loose (at most {MAX_ABS_TOL:g})"


# Timed per quantity: each one is a small hand computation.
class NumericTraceKind(
    Kind,
    model=NumericTrace,
    position=60,
    label="Trace by hand",
    minutes_each=1.5,
    minutes_per="quantity",
):
    # `params` and `numbers` are the drawn parameters and the engine's values for them
    # (absent for the printed numbers); `seed` is the draw they came from.
    response = {
        "values": "textmap",
        "params": "nummap|null",
        "numbers": "nummap|null",
        "seed": "int|null",
    }
    # The values for drawn parameters come from the engine, run on the seed, not from a file.
    recomputed = ("numbers",)
    never_conceptual = True
    custom_run = True

    def minutes(self, item: NumericTrace) -> float:
        return self.minutes_each * len(item.quantities)

    def problems(self, item: NumericTrace, reserved: frozenset[str]) -> Iterator[tuple[Loc, str]]:
        for name, param in item.params.items():
            yield from param_problems(name, param, reserved)
        yield from duplicates(
            [q.name for q in item.quantities], ("quantities",), "quantity", "name"
        )
        for qi, quantity in enumerate(item.quantities):
            at: Loc = ("quantities", qi)
            yield from _tolerance(quantity.tolerance, at + ("tolerance",))
            if quantity.expect is not None and not math.isfinite(quantity.expect):
                yield at + ("expect",), f"expect must be a finite number, not {quantity.expect}"
            yield from duplicates(
                [m.id for m in quantity.mistakes], at + ("mistakes",), "mistake id", "id"
            )

    # -- evidence -----------------------------------------------------------------------

    def run(self, runner: Any, item: NumericTrace) -> None:
        """Run the code, compute every quantity and mistake with the engine exactly as the
        browser does (into `outcome.values`), then the optional evidence."""
        # Here, not at the top: the evidence runner dispatches to this module.
        from ..evidence import namespace

        # Run the code ourselves first: a failure then points at the exact line, and the
        # resulting names are what the optional evidence sees.
        names = namespace()
        names.update(fixed_params(item))
        if not runner.execute("code", item.code, names):
            return
        runner.current = "code"
        try:
            values = evaluate(item)["values"]
        except Exception:
            self._locate_failure(runner, item)
            return
        runner.outcome.values = values
        if item.evidence.strip():
            names.update({q.name: values[q.name] for q in item.quantities})
            runner.execute("evidence", item.evidence, names)

    def _locate_failure(self, runner: Any, item: NumericTrace) -> None:
        """Find which expression (or the root) made the engine's evaluate fail."""
        from quizkit.backprop import worksheet

        from ..evidence import describe

        params = fixed_params(item)
        where = expression_locs(item)
        found = False
        for key, expr in expressions(item).items():
            try:
                worksheet.evaluate(item.code, params, {key: expr}, None)
            except Exception as exc:
                runner.fail(where[key], f"`{expr}` raised {describe(exc)}")
                found = True
        if found:
            return
        try:
            worksheet.evaluate(item.code, params, {}, item.root)
        except Exception as exc:
            runner.fail(("root",), f"cannot trace root {item.root!r}: {describe(exc)}")

    def disagreements(self, item: NumericTrace, outcome: Any) -> Iterator[tuple[Loc, str]]:
        values = outcome.values
        if not values:
            return
        for qi, quantity in enumerate(item.quantities):
            at: Loc = ("quantities", qi)
            key = values.get(quantity.name)
            if key is None:
                continue
            tolerance = quantity.tolerance
            if not math.isfinite(key):
                yield at + ("value",), f"is {key} at the fixed parameters"
                continue
            if quantity.expect is not None and not within(quantity.expect, key, tolerance):
                yield (
                    at + ("expect",),
                    f"expect {quantity.expect:.6g}, but the engine computes {key:.6g}"
                    f" (tolerance rel {tolerance.rel:g}, abs {tolerance.abs:g})",
                )
            if key != 0 and within(0.0, key, tolerance):
                yield (
                    at + ("tolerance",),
                    f"the tolerance accepts 0 for the key {key:.3g}: lower abs below"
                    f" {abs(key):.2g}",
                )
            yield from _mistake_disagreements(quantity, at, key, values)

    def after_key(self, item: NumericTrace) -> Iterator[tuple[Loc, str]]:
        """Once the bank's own numbers are right, every draw "New numbers" can show must
        keep the item's rules too."""
        from ..draws import check_draws  # here, not at the top: draws reads this module

        yield from check_draws(item)

    def changed(self, item: NumericTrace, clean: Any, buggy: Any) -> bool:
        tolerances = {q.name: q.tolerance for q in item.quantities}
        for key, value in clean.values.items():
            other = buggy.values.get(key)
            tolerance = tolerances.get(key.split(".")[0], DEFAULT_TOLERANCE)
            if other is None or not within(value, other, tolerance):
                return True
        return False

    def mutants(self, item: NumericTrace, outcome: Any) -> list[Mutant]:
        """Each quantity's `expect` moved beyond its tolerance, both ways (when no `expect`
        is written, one is added at the engine's value moved beyond tolerance)."""
        result = []
        for qi, quantity in enumerate(item.quantities):
            key = outcome.values.get(quantity.name)
            if key is None:
                continue
            base = quantity.expect if quantity.expect is not None else key
            step = _PERTURB_WIDTHS * tolerance_width(key, quantity.tolerance)
            for sign in (1.0, -1.0):
                wrong = base + sign * step
                quantities = list(item.quantities)
                quantities[qi] = copy(quantity, expect=wrong)
                description = f"{quantity.name} expected as {wrong:.6g} instead of {key:.6g}"
                result.append(Mutant(description, copy(item, quantities=quantities)))
        return result

    # -- the page -----------------------------------------------------------------------

    def payload(self, item: NumericTrace, md: Any, ctx: Any) -> tuple[dict, dict]:
        result = ctx.numeric_trace_values(item)
        quantities = [
            {
                "name": q.name,
                "tolerance": q.tolerance.model_dump(),
                "mistakes": [
                    {"key": mistake_key(q.name, m.id), "feedback": str(md.block(m.feedback))}
                    for m in q.mistakes
                ],
            }
            for q in item.quantities
        ]
        payload = {
            "quantities": quantities,
            "values": result["values"],
            "graph": result["graph"],
            "spec": spec(item),
        }
        return {"values": result["values"], "params": fixed_params(item)}, payload


def _mistake_disagreements(
    quantity: Quantity, at: Loc, key: float, values: dict[str, float]
) -> Iterator[tuple[Loc, str]]:
    """A mistake that is not finite, that the key's tolerance accepts, or that no learner
    could tell apart from an earlier one."""
    tolerance = quantity.tolerance
    first: dict[float, str] = {}
    for mi, mistake in enumerate(quantity.mistakes):
        wrong = values.get(mistake_key(quantity.name, mistake.id))
        if wrong is None:
            continue
        loc = at + ("mistakes", mi, "value")
        if not math.isfinite(wrong):
            yield loc, f"is {wrong} at the fixed parameters"
        elif within(wrong, key, tolerance):
            yield (
                loc,
                f"gives {wrong:.6g}, within tolerance of the key {key:.6g}: a learner"
                " making this mistake would be marked right",
            )
        else:
            same = next((m for v, m in first.items() if within(wrong, v, tolerance)), None)
            if same is not None:
                yield (
                    loc,
                    f"gives {wrong:.6g}, the same as mistake {same!r}: the learner could"
                    " not be told which one they made",
                )
            else:
                first[wrong] = mistake.id


KIND = NumericTraceKind()
