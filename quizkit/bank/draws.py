"""Checking that "New numbers" keeps a numeric_trace's promises, over many seeded draws.

The browser's "New numbers" asks the engine for `worksheet.new_numbers(spec(item), seed)`
with a random seed; that function rejects and re-draws numbers that break a rule (a
declared constraint, a non-finite value, a mistake within tolerance of the key or of another
mistake) and, after too many rejections, shows the bank's own numbers instead. Here the
checker calls the same function, with the same spec, for many seeds, and reports, at the
place in the item an author has to change:

- a constraint that the bank's own numbers break (they are what the page shows first, and
  what it falls back to);
- a constraint that does not compile, raises, or gives something other than a bool;
- code or an expression that fails at drawn numbers;
- rules that reject so many draws that more than MAX_FALLBACK of the seeds end on the
  bank's own numbers;
- any number the function returned although it breaks a rule.

Each message names a seed that shows the problem ("?seed=N" in the page's address shows it
too). Non-finite values and mistakes that coincide at the bank's own numbers are not
repeated here: `evidence.confirm` reports them.

The spec is the numeric_trace kind's (quizkit.bank.kinds.numeric_trace.spec), the one the
page carries.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from .evidence import describe
from .kinds.numeric_trace import NumericTrace, expression_locs, fixed_params, param_problems, spec
from .problem import Loc

# Seeds `quizkit check` tries per item (seeds 1..CHECK_DRAWS); the test suite tries 500.
CHECK_DRAWS = 50
# Share of seeds that may end on the bank's own numbers before the rules count as too strict.
MAX_FALLBACK = 0.2


def check_draws(
    item: NumericTrace, seeds: Iterable[int] = range(1, CHECK_DRAWS + 1)
) -> list[tuple[Loc, str]]:
    """(location inside the item, message) for every way "New numbers" could break `item`
    for one of `seeds` (see the module docstring). Empty when every draw keeps its promises.
    """
    from quizkit.backprop import worksheet

    rules = spec(item)
    locs = expression_locs(item)
    problems = _own_numbers(worksheet, item, rules)
    if problems is None:
        return []  # the code fails at the bank's own numbers: evidence reports where
    ranged = any(param.range is not None for param in item.params.values())
    if not ranged or any(any(param_problems(n, p)) for n, p in item.params.items()):
        return problems  # nothing to draw, or validate already reports the broken range

    seeds = list(seeds)
    # A constraint already reported at the bank's numbers is not reported again for a seed.
    said = {(kind, loc) for loc, _ in problems for kind in ("own", "error")}
    fallbacks: list[int] = []
    rejections: Counter[Loc] = Counter()
    example: dict[Loc, tuple[int, dict, dict]] = {}
    tried = 0

    def say(kind: str, loc: Loc, message: str) -> None:
        if (kind, loc) not in said:  # one message of a kind per place, with its first seed
            said.add((kind, loc))
            problems.append((loc, message))

    for seed in seeds:
        try:
            numbers = worksheet.new_numbers(rules, seed, graph=False)
        except worksheet.ConstraintError as exc:
            where = f"with seed {seed} ({_show(exc.params)})"
            say("error", ("constraints", exc.index), f"{exc.problem} {where}")
            continue
        except worksheet.DrawError as exc:
            say(
                "error",
                ("params",),
                f"with seed {seed} ({_show(exc.params)}): {describe(exc.error)};"
                " rule these numbers out with a constraint on the params",
            )
            continue
        tried += len(numbers["rejected"]) + (0 if numbers["fallback"] else 1)
        for rejected in numbers["rejected"]:
            for broken in rejected["violations"]:
                loc = _loc(broken, locs)
                rejections[loc] += 1
                example.setdefault(loc, (seed, rejected["params"], broken))
        if numbers["fallback"]:
            fallbacks.append(seed)
            continue
        # Rejection should make this impossible; this is what the page would show.
        for broken in worksheet.violations(rules, numbers["params"], numbers["values"]):
            say(
                "shown",
                _loc(broken, locs),
                f"seed {seed} ({_show(numbers['params'])}) was shown although {broken['message']}",
            )

    if seeds and len(fallbacks) > MAX_FALLBACK * len(seeds):
        top = rejections.most_common(1)[0][1]
        for loc, count in rejections.most_common():
            if count * 2 < top:
                break  # name the rules that do most of the rejecting
            seed, params, broken = example[loc]
            say(
                "fallback",
                loc,
                f"{len(fallbacks)} of {len(seeds)} seeds (e.g. {fallbacks[0]}) found no numbers"
                f" that keep every rule in {worksheet.MAX_ATTEMPTS} draws, so the page shows the"
                f" bank's own numbers for them; {_rejected_by(broken)} {count} of"
                f" the {tried} draws tried (e.g. seed {seed}: {_show(params)}):"
                f" {_REMEDY[broken['rule']]}",
            )
    return problems


def _rejected_by(broken: dict) -> str:
    """How a "too many fall back" message names the kind of rule that rejected the draws."""
    if broken["rule"] == "tie":
        return f"this mistake gives the same value as `{broken['other']}` in"
    return {
        "constraint": "this constraint is false in",
        "finite": "this value is not finite in",
        "mistake": "this mistake gives the key's value in",
    }[broken["rule"]]


# What helps when a kind of rule rejects too many draws.
_REMEDY = {
    "constraint": "widen the range or loosen the constraint",
    "finite": "narrow the ranges, or rule these numbers out with a constraint on the params",
    "mistake": "change the ranges so that the mistake and the key differ",
    "tie": "change the ranges so that the two mistakes differ",
}


def _own_numbers(worksheet: Any, item: NumericTrace, rules: dict) -> list | None:
    """Each constraint judged on its own at the bank's numbers; None if the code fails there."""
    fixed = fixed_params(item)
    try:
        values = worksheet.evaluate(item.code, fixed, rules["expressions"], None)["values"]
    except Exception:
        return None
    problems = []
    for index, expression in enumerate(item.constraints):
        loc = ("constraints", index)
        try:
            if not worksheet.constraint_holds(rules, index, fixed, values):
                message = (
                    f"`{expression}` is false for the bank's own numbers ({_show(fixed)}),"
                    ' which the page shows first and falls back to after "New numbers"'
                )
                problems.append((loc, message))
        except worksheet.ConstraintError as exc:
            problems.append((loc, f"{exc.problem} at the bank's own numbers ({_show(fixed)})"))
    return problems


def _loc(broken: dict, locs: dict[str, Loc]) -> Loc:
    """Where in the item a broken rule (a violation from the engine) is written."""
    if broken["rule"] == "constraint":
        return ("constraints", broken["index"])
    return locs[broken["key"]]


def _show(params: dict[str, float]) -> str:
    return ", ".join(f"{name}={value:g}" for name, value in sorted(params.items()))
