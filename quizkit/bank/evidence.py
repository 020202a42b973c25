"""Running each item's evidence against the engine: a fresh namespace, a time limit, the
output captured, and every error turned into a Problem on its line.

Every item carries Python (`evidence`, and for numeric_trace its `code`) that runs in a
fresh namespace holding the engine's public names. The work is split in two steps:

- `run` executes that code once and records what it found in an `Outcome`: the `answer`
  the evidence bound, in the form its kind compares (`Kind.normalise`), or whatever a kind
  that runs its own code records (`Kind.run`: a numeric trace's computed values).
- `confirm` compares the item's written key with that outcome; how is the kind's own
  business (`Kind.disagreements`, in quizkit/bank/kinds/<kind>.py). It is cheap and pure,
  so the mutation test (quizkit.bank.mutate) calls it on many altered copies of an item
  without running the evidence again.

Any error in contributed code becomes a Problem pointing at the line of the YAML file
that raised it; nothing here lets an exception escape.
"""

from __future__ import annotations

import ast
import contextlib
import io
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

from . import kinds
from .kinds.base import Bad
from .load import LoadedBank
from .problem import Loc, Problem

# Seconds one item's code may run before it is stopped and reported.
TIME_LIMIT = 10.0
# Names the namespace holds even when the engine cannot be imported (see reserved_names).
_BASE_NAMES = ("np", "math", "nn", "dense", "diagnostics", "checkpoint")


class EvidenceTimeout(BaseException):
    """Raised inside runaway evidence; a BaseException so `except Exception` can't eat it."""

    def message(self, time_limit: float) -> str:
        """What to tell the author, for a problem on the line where the code was stopped."""
        return f"did not finish within {time_limit:g} s (stopped here)"


class TimeLimitDisabled(EvidenceTimeout):
    """Raised when code that ran under `stop_after` changed or cleared its timer or its signal
    handler. The time limit is not a sandbox: code can switch it off and then run until
    the CI job's own timeout (review is the guard against that); this at least reports code
    that switched it off and still finished."""

    def message(self, time_limit: float) -> str:
        return (
            "switched off its time limit (changed the SIGALRM timer or handler): contributed"
            " code must leave signal and setitimer alone"
        )


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


@dataclass
class Outcome:
    """What running one item's evidence established."""

    problems: list[Problem] = field(default_factory=list)
    # The evidence's verdict in the form its kind compares with the key (Kind.normalise).
    # None when the kind has no key or the evidence failed.
    answer: Any = None
    # What a kind that runs its own code computed, by name (a numeric trace's quantities
    # and mistakes at the fixed params).
    values: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    # True when the code was stopped by the time limit (its verdict is then unknown).
    timed_out: bool = False


def check(loaded: LoadedBank, index: int, item: Any, time_limit: float = TIME_LIMIT) -> Outcome:
    """Run the item's evidence and confirm its key; all problems end up in `.problems`."""
    outcome = run(loaded, index, item, time_limit)
    if not outcome.problems:
        outcome.problems += confirm(loaded, index, item, outcome)
    if not outcome.problems:
        at = ("items", index)
        after = kinds.of(item).after_key(item)
        outcome.problems += [loaded.problem(at + loc, msg) for loc, msg in after]
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
                kind = kinds.of(item)
                if kind.custom_run:
                    kind.run(runner, item)
                else:
                    runner.evidence(item)
        except EvidenceTimeout as exc:
            field_name = runner.current or "evidence"
            loc = ("items", index, field_name)
            lineno = traceback_line(exc.__traceback__, f"<{field_name}>")
            line = loaded.locator.text_line(loc, lineno) if lineno else None
            message = exc.message(time_limit)
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

    def evidence(self, item: Any) -> None:
        """Run the evidence: it asserts the model answer's claims (a self-assessed kind) or
        binds `answer`, kept as its kind compares it."""
        kind = kinds.of(item)
        names = namespace()
        if not self.execute("evidence", item.evidence, names):
            return
        if kind.answer_rule is None:
            if not _has_assert(item.evidence):
                self.fail(
                    ("evidence",),
                    "evidence asserts nothing; assert the claims the model answer makes",
                )
            return
        if "answer" not in names:
            self.fail(("evidence",), f"evidence must bind `answer` ({kind.answer_rule})")
            return
        ids = kind.ids(item)
        if len(set(ids)) != len(ids):
            # The content checks report the repeated ids; a comparison through ambiguous
            # ids would only add confusing follow-on problems.
            return
        answer = kind.normalise(item, names["answer"], names)
        if isinstance(answer, Bad):
            self.fail(("evidence",), f"{answer.message} ({kind.answer_rule})")
            return
        self.outcome.answer = answer


def confirm(loaded: LoadedBank, index: int, item: Any, outcome: Outcome) -> list[Problem]:
    """Problems where the item's written key disagrees with what its evidence established.

    Pure and cheap: it only compares `item` with `outcome`, so it can be called again on
    altered copies of the item (quizkit.bank.mutate) without re-running any code.
    """
    at = ("items", index)
    found = kinds.of(item).disagreements(item, outcome)
    return [loaded.problem(at + loc, message) for loc, message in found]


def as_number(value: Any, names: dict[str, Any]) -> float | None:
    """A one-element number (a float, a NumPy scalar or array, an engine Tensor), else None."""
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
    finished = False
    try:
        yield
        finished = True
    finally:
        # Still counting down, not past the limit, no repeat, and our handler: anything else
        # means the code inside rearranged its own time limit.
        remaining, interval = signal.setitimer(signal.ITIMER_REAL, 0)
        intact = (
            signal.getsignal(signal.SIGALRM) is stop and 0 < remaining <= seconds and interval == 0
        )
        signal.signal(signal.SIGALRM, previous)
        signal.signal(signal.SIGINT, previous_interrupt)
    if finished and not intact:
        raise TimeLimitDisabled
