"""Running each item's evidence against the engine, and checking that it confirms the key.

Every item carries Python (`evidence`, and for numeric_trace its `code`) that runs in a
fresh namespace holding the engine's public names. The work is split in two steps:

- `run` executes that code once and records what it found: the `answer` the evidence
  bound (normalised per kind) or, for numeric_trace, the value of every quantity and every
  declared mistake, computed by `quizkit.backprop.worksheet.evaluate` exactly as the
  browser computes them.
- `confirm` compares the item's written key with that outcome. It is cheap and pure, so
  the mutation test (quizkit.bank.mutate) calls it on many altered copies of an item
  without running the evidence again.

Any error in contributed code becomes a Problem pointing at the line of the YAML file
that raised it; nothing here lets an exception escape.
"""

from __future__ import annotations

import ast
import contextlib
import io
import math
import signal
import threading
import time
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import numpy as np

from .load import LoadedBank, Loc
from .model import (
    Interview,
    Matching,
    Mcq,
    NumericTrace,
    Ordering,
    ShortAnswer,
    Tolerance,
    TrueFalse,
)
from .problem import Problem
from .validate import within

# Seconds one item's code may run before it is stopped and reported.
TIME_LIMIT = 10.0
# Names the namespace holds even when the engine cannot be imported (see reserved_names).
_BASE_NAMES = ("np", "math", "nn", "dense", "diagnostics", "checkpoint")


class EvidenceTimeout(BaseException):
    """Raised inside runaway evidence; a BaseException so `except Exception` can't eat it."""


class UserInterrupt(KeyboardInterrupt):
    """Ctrl-C while contributed code runs: stops the check. A `KeyboardInterrupt` that the
    code raises itself is only that code's error, reported like any other."""


def namespace() -> dict[str, Any]:
    """A fresh namespace for one item: numpy, math and the engine's public names.

    The engine's worksheet builds it, so evidence sees exactly what a numeric_trace's code
    sees in CI and in the browser.
    """
    from quizkit.backprop import worksheet

    return worksheet.namespace()


def reserved_names() -> frozenset[str]:
    """Names every evidence namespace defines; parameters must not hide them."""
    try:
        return frozenset(namespace())
    except ImportError:
        return frozenset(_BASE_NAMES)


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


def fixed_params(item: NumericTrace) -> dict[str, float]:
    """The parameters as written in the bank, before any re-draw."""
    return {name: param.value for name, param in item.params.items()}


@dataclass
class Outcome:
    """What running one item's evidence established."""

    problems: list[Problem] = field(default_factory=list)
    # The evidence's verdict in a form `confirm` compares with the key: an option id or a
    # number (mcq), a bool (true_false), {term: definition} (matching), a tuple of step ids
    # (ordering). None when the kind has no key or the evidence failed.
    answer: Any = None
    # numeric_trace: every quantity and mistake (see `expressions`) at the fixed params.
    values: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    # True when the code was stopped by the time limit (its verdict is then unknown).
    timed_out: bool = False


def check(loaded: LoadedBank, index: int, item: Any, time_limit: float = TIME_LIMIT) -> Outcome:
    """Run the item's evidence and confirm its key; all problems end up in `.problems`."""
    outcome = run(loaded, index, item, time_limit)
    if not outcome.problems:
        outcome.problems += confirm(loaded, index, item, outcome)
    if not outcome.problems and isinstance(item, NumericTrace):
        # Only once the bank's own numbers are right: then every draw "New numbers" can
        # show must keep the item's rules too.
        from .draws import check_draws  # here, not at the top: draws imports this module

        at = ("items", index)
        outcome.problems += [loaded.problem(at + loc, msg) for loc, msg in check_draws(item)]
    return outcome


def run(
    loaded: LoadedBank,
    index: int,
    item: Any,
    time_limit: float = TIME_LIMIT,
    *,
    skip_asserts: bool = False,
) -> Outcome:
    """Execute the item's code once and record its verdict (see `Outcome`).

    `skip_asserts=True` runs the evidence without its `assert` statements (as `python -O`
    does). The engine-bug run uses it for items with a key, to ask whether the *key*
    depends on the engine, not merely some assertion written beside a typed answer.
    """
    outcome = Outcome()
    runner = _Runner(loaded, index, outcome, optimize=1 if skip_asserts else 0)
    started = time.perf_counter()
    # Evidence prints and warns freely (an exploding-gradient demo overflows on purpose);
    # none of that belongs in the checker's report. Seeding numpy's global generator makes
    # evidence that forgets to seed its own random numbers give the same verdict each run.
    random_state = np.random.get_state()
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.random.seed(0)
        try:
            with stop_after(time_limit):
                if isinstance(item, NumericTrace):
                    runner.numeric_trace(item)
                else:
                    runner.keyed(item)
        except EvidenceTimeout as exc:
            field_name = runner.current or "evidence"
            loc = ("items", index, field_name)
            lineno = traceback_line(exc.__traceback__, f"<{field_name}>")
            line = loaded.locator.text_line(loc, lineno) if lineno else None
            message = f"did not finish within {time_limit:g} s (stopped here)"
            outcome.timed_out = True
            outcome.problems.append(loaded.problem(loc, message, line=line))
            outcome.answer = None
        finally:
            np.random.set_state(random_state)
    outcome.seconds = time.perf_counter() - started
    return outcome


class _Runner:
    def __init__(self, loaded: LoadedBank, index: int, outcome: Outcome, optimize: int = 0) -> None:
        self.loaded = loaded
        self.index = index
        self.outcome = outcome
        self.optimize = optimize
        # The field whose code ran last: where a timeout is reported.
        self.current: str | None = None

    def fail(self, loc: Loc, message: str, line: int | None = None) -> None:
        self.outcome.problems.append(
            self.loaded.problem(("items", self.index) + loc, message, line=line)
        )

    def execute(self, field_name: str, source: str, names: dict[str, Any]) -> bool:
        """exec `source` (the item's field `field_name`); False, with a problem, if it raised."""
        filename = f"<{field_name}>"
        loc = ("items", self.index, field_name)
        self.current = field_name
        try:
            exec(compile(source, filename, "exec", optimize=self.optimize), names)
        except (EvidenceTimeout, UserInterrupt):
            raise
        except SyntaxError as exc:
            lineno = exc.lineno if exc.filename == filename else None
            line = self.loaded.locator.text_line(loc, lineno) if lineno else None
            self.fail((field_name,), f"SyntaxError: {exc.msg}", line)
            return False
        except BaseException as exc:  # SystemExit too: contributed code must not end the run
            lineno = traceback_line(exc.__traceback__, filename)
            statement = _source_line(source, lineno)
            where = f" at `{statement}`" if statement else ""
            line = self.loaded.locator.text_line(loc, lineno) if lineno else None
            self.fail((field_name,), f"raised {describe(exc)}{where}", line)
            return False
        return True

    def keyed(self, item: Any) -> None:
        names = namespace()
        if not self.execute("evidence", item.evidence, names):
            return
        if isinstance(item, ShortAnswer | Interview):
            if not _has_assert(item.evidence):
                self.fail(
                    ("evidence",),
                    "evidence asserts nothing; assert the claims the model answer makes",
                )
            return
        if "answer" not in names:
            self.fail(("evidence",), f"evidence must bind `answer` ({_ANSWER_RULES[item.kind]})")
            return
        answer = _normalise(item, names["answer"], names)
        if isinstance(answer, _Bad):
            self.fail(("evidence",), f"{answer.message} ({_ANSWER_RULES[item.kind]})")
            return
        self.outcome.answer = answer

    def numeric_trace(self, item: NumericTrace) -> None:
        from quizkit.backprop import worksheet

        params = fixed_params(item)
        exprs = expressions(item)
        # Run the code ourselves first: a failure then points at the exact line, and the
        # resulting names are what the optional evidence sees.
        names = namespace()
        names.update(params)
        if not self.execute("code", item.code, names):
            return
        self.current = "code"
        try:
            result = worksheet.evaluate(item.code, params, exprs, item.root)
        except Exception:
            self._locate_failure(worksheet, item, params, exprs)
            return
        values = {key: float(value) for key, value in result["values"].items()}
        self.outcome.values = values
        if item.evidence.strip():
            names.update({q.name: values[q.name] for q in item.quantities})
            self.execute("evidence", item.evidence, names)

    def _locate_failure(self, worksheet: Any, item: NumericTrace, params, exprs) -> None:
        """Find which expression (or the root) made the engine's evaluate fail."""
        where = expression_locs(item)
        found = False
        for key, expr in exprs.items():
            try:
                worksheet.evaluate(item.code, params, {key: expr}, None)
            except Exception as exc:
                self.fail(where[key], f"`{expr}` raised {describe(exc)}")
                found = True
        if found:
            return
        try:
            worksheet.evaluate(item.code, params, {}, item.root)
        except Exception as exc:
            self.fail(("root",), f"cannot trace root {item.root!r}: {describe(exc)}")


def confirm(loaded: LoadedBank, index: int, item: Any, outcome: Outcome) -> list[Problem]:
    """Problems where the item's written key disagrees with what its evidence established.

    Pure and cheap: it only compares `item` with `outcome`, so it can be called again on
    altered copies of the item (quizkit.bank.mutate) without re-running any code.
    """
    at = ("items", index)
    return [loaded.problem(at + loc, message) for loc, message in _disagreements(item, outcome)]


def _disagreements(item: Any, outcome: Outcome) -> Iterator[tuple[Loc, str]]:
    answer = outcome.answer
    if isinstance(item, NumericTrace):
        yield from _trace_disagreements(item, outcome.values)
    elif answer is None:
        return
    elif isinstance(item, Mcq):
        yield from _mcq_disagreements(item, answer)
    elif isinstance(item, TrueFalse):
        if answer != item.answer:
            yield (
                ("answer",),
                f"evidence measured {str(answer).lower()}, but the key says"
                f" {str(item.answer).lower()}",
            )
    elif isinstance(item, Matching):
        for pi, pair in enumerate(item.pairs):
            claimed = answer.get(pair.term)
            if claimed is None:
                yield ("pairs", pi, "term"), f"evidence matches {pair.term!r} with nothing"
            elif claimed != pair.definition:
                yield (
                    ("pairs", pi, "definition"),
                    f"evidence matches {pair.term!r} with {claimed!r}, not with this definition",
                )
    elif isinstance(item, Ordering):
        written = [step.id for step in item.steps]
        for si, (seen, wrote) in enumerate(zip(answer, written, strict=True)):
            if seen != wrote:
                yield (
                    ("steps", si, "id"),
                    f"evidence observed the order {', '.join(answer)}; step {si + 1} should be"
                    f" {seen!r}, not {wrote!r}",
                )
                break


def _mcq_disagreements(item: Mcq, answer: str | float) -> Iterator[tuple[Loc, str]]:
    keys = [i for i, option in enumerate(item.options) if option.correct]
    if len(keys) != 1:
        return  # validate reports the missing or extra key
    ki = keys[0]
    key = item.options[ki]
    if isinstance(answer, str):
        if answer != key.id:
            message = f"evidence says {answer!r}, but the key is {key.id!r}"
            yield ("options", ki, "correct"), message
        return
    tolerance = Tolerance()
    if key.value is None:
        yield (
            ("options", ki),
            f"evidence computes {answer:.6g}, but the key has no value to compare it with",
        )
    elif not within(key.value, answer, tolerance):
        yield (
            ("options", ki, "value"),
            f"evidence computes {answer:.6g}, but the key's value is {key.value:.6g}",
        )
    for oi, option in enumerate(item.options):
        if oi != ki and option.value is not None and within(option.value, answer, tolerance):
            yield (
                ("options", oi, "value"),
                f"evidence computes {answer:.6g}, which this distractor's value matches:"
                " the distractor is not refuted",
            )


def _trace_disagreements(item: NumericTrace, values: dict[str, float]) -> Iterator:
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
                f"the tolerance accepts 0 for the key {key:.3g}: lower abs below {abs(key):.2g}",
            )
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


_ANSWER_RULES = {
    "mcq": "the correct option's id, or a number compared with the options' values",
    "true_false": "True or False, as measured",
    "matching": "a dict mapping each pair id to the id of the pair whose definition fits it",
    "ordering": "the list of step ids in the order the evidence observed them",
}


@dataclass
class _Bad:
    message: str


def _normalise(item: Any, answer: Any, names: dict[str, Any]) -> Any:
    """The evidence's `answer` in the form `confirm` compares, or _Bad saying what's wrong.

    None (no verdict) when the item's own ids repeat: validate reports that, and any
    comparison made through ambiguous ids would only add confusing follow-on problems.
    """
    if len(set(_ids(item))) != len(_ids(item)):
        return None
    if isinstance(item, Mcq):
        if isinstance(answer, str):
            ids = [option.id for option in item.options]
            if answer not in ids:
                return _Bad(f"answer {answer!r} is not an option id ({', '.join(ids)})")
            return answer
        number = as_number(answer, names)
        if number is None:
            return _Bad(f"answer is {_show(answer)}")
        if not math.isfinite(number):
            return _Bad(f"answer is {number}")
        return number
    if isinstance(item, TrueFalse):
        if isinstance(answer, bool | np.bool_):
            return bool(answer)
        return _Bad(f"answer is {_show(answer)}")
    if isinstance(item, Matching):
        ids = {pair.id: pair for pair in item.pairs}
        if not isinstance(answer, dict):
            return _Bad(f"answer is {_show(answer)}")
        if set(answer) != set(ids) or not all(v in ids for v in answer.values()):
            return _Bad(f"answer {answer!r} must use exactly the pair ids {', '.join(ids)}")
        # Resolved to text now, so that `confirm` on an altered copy of the item compares
        # the pairs the evidence proved, not ids that moved with the alteration.
        return {ids[term].term: ids[defn].definition for term, defn in answer.items()}
    if isinstance(item, Ordering):
        ids = [step.id for step in item.steps]
        if not isinstance(answer, list | tuple) or sorted(map(str, answer)) != sorted(ids):
            return _Bad(f"answer {_show(answer)} must list each step id ({', '.join(ids)}) once")
        return tuple(answer)
    return None


def _ids(item: Any) -> list[str]:
    for attr in ("options", "pairs", "steps"):
        if hasattr(item, attr):
            return [part.id for part in getattr(item, attr)]
    return []


def as_number(value: Any, names: dict[str, Any]) -> float | None:
    tensor = names.get("Tensor")
    if isinstance(tensor, type) and isinstance(value, tensor):
        value = value.data
    if isinstance(value, bool | np.bool_ | str):
        return None
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an int beyond a float
        return None
    return float(array.reshape(())) if array.size == 1 else None


def _show(value: Any) -> str:
    text = repr(value)
    return f"{text[:60]}... ({type(value).__name__})" if len(text) > 60 else text


def expression_locs(item: NumericTrace) -> dict[str, Loc]:
    locs: dict[str, Loc] = {}
    for qi, quantity in enumerate(item.quantities):
        locs[quantity.name] = ("quantities", qi, "value")
        for mi, mistake in enumerate(quantity.mistakes):
            key = mistake_key(quantity.name, mistake.id)
            locs[key] = ("quantities", qi, "mistakes", mi, "value")
    return locs


def _has_assert(source: str) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return True  # already reported when it ran
    return any(isinstance(node, ast.Assert) for node in ast.walk(tree))


def describe(exc: BaseException) -> str:
    """The last line of the exception as Python would print it."""
    return traceback.format_exception_only(exc)[-1].strip()


def traceback_line(tb: TracebackType | None, filename: str) -> int | None:
    """The line, inside code compiled as `filename`, where the traceback last passed (the
    deepest such line, so an error inside a function is placed where it happened)."""
    lineno = None
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            lineno = tb.tb_lineno
        tb = tb.tb_next
    return lineno


def _source_line(source: str, lineno: int | None) -> str:
    lines = source.splitlines()
    if lineno is None or not 1 <= lineno <= len(lines):
        return ""
    return lines[lineno - 1].strip()


@contextlib.contextmanager
def stop_after(seconds: float | None) -> Iterator[None]:
    """Interrupt the code inside after `seconds` (main thread on POSIX; otherwise no limit)."""
    usable = (
        seconds
        and seconds > 0
        and hasattr(signal, "setitimer")
        and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def stop(signum: int, frame: Any) -> None:
        raise EvidenceTimeout

    def interrupt(signum: int, frame: Any) -> None:
        raise UserInterrupt

    previous = signal.signal(signal.SIGALRM, stop)
    previous_interrupt = signal.signal(signal.SIGINT, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        signal.signal(signal.SIGINT, previous_interrupt)
