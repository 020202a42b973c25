"""Running a lesson's code and checking the figures its prose quotes (FIGURES.md, issue 8).

A lesson is `lesson.md` (its ```` ```python runnable ```` fences are cells, each run in a
fresh namespace as the browser runs them) or `lesson.py` (a Jupytext percent notebook whose
`# %%` code cells share one namespace). A cell meant to fail says which exception it raises:
```` ```python runnable raises=NameError ```` or `# %% raises=NameError`.

Prose quotes a figure as a marker, `{{ EXPR = SHOWN }}`: EXPR is evaluated in the lesson's
namespace once every cell has run, and SHOWN (what the reader sees, the build puts it in the
marker's place) must state its value to the precision written (see `judge`).

A lesson's prose (its Markdown, or a notebook's Markdown cells) is held to the rules of
quiz text as the site renders it (`prose_problems`): no HTML the sanitiser's lesson list
would remove (scripts, frames, forms, event handlers, javascript: URLs, the theme's classes),
nothing fetched from another host, no Markdown too costly or too deeply nested to render,
and a title that is plain text. The site does not sanitise a lesson page; this check and
review are what keep it safe.

Problems are `Problem`s on lines of the lesson file, printed like a bank's:
``lessons_src/02-chain-rule/lesson.md:35: cell 1: code: raised RuntimeError: boom at `...```.
Nothing here knows about MkDocs or Jupyter; the build's notebook kernel reports what it saw
through `describe` and `raised_as`, so that it is judged by the same rules.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import io
import math
import os
import re
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from quizkit.mkdocs.lessons import MARKDOWN_TITLE, NOTEBOOK_TITLE

from . import safe_html
from .engine_mutants import EngineState

# The evidence runner's time limit, so that a runaway cell is stopped the same way.
from .evidence import (
    TIME_LIMIT,
    EvidenceTimeout,
    TimeLimitDisabled,
    UserInterrupt,
    as_number,
    stop_after,
    traceback_line,
)
from .problem import Problem
from .validate import markdown_problems, site_markdown

LESSON_FILES = ("lesson.md", "lesson.py")
# The item-id column of a problem that belongs to a figure marker or to the whole lesson.
FIGURE = "figure"
LESSON = "(lesson)"

# -- reading a lesson ------------------------------------------------------------------------

FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
PERCENT_HEADER = re.compile(r"^# %%(?P<rest>.*)$")
RAISES = re.compile(r"(?:^|\s)raises=(?P<name>\S*)")
EXCEPTION_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$")
# `{{ ` and ` }}` with their spaces, so that TeX such as `\frac{1}{e^{-z}}` is never one.
MARKER_OPEN = re.compile(r"\{\{\s")
# A marker may wrap across lines of a paragraph, but holds no other `{{` and no blank line.
MARKER = re.compile(r"\{\{\s(?P<body>(?:(?!\{\{|\n[ \t]*\n).)*?)\s\}\}", re.DOTALL)


@dataclass(frozen=True)
class Cell:
    """One runnable cell of a lesson."""

    number: int  # 1-based, in file order: the "cell 3" of messages
    line: int  # the fence or `# %%` line, where `raises=` is written
    first: int  # the file line of the cell's first source line
    source: str
    raises: str | None = None

    @property
    def label(self) -> str:
        return f"cell {self.number}"


@dataclass(frozen=True)
class Marker:
    """One `{{ EXPR = SHOWN }}` in a lesson's prose."""

    line: int
    start: int  # offsets of the whole marker in the file's text
    end: int
    expr: str
    shown: str


@dataclass
class Lesson:
    """A lesson file read into its cells and figure markers."""

    path: Path
    shown_path: str  # the path as problems print it
    notebook: bool
    text: str
    cells: list[Cell] = field(default_factory=list)
    markers: list[Marker] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def problem(self, line: int, item: str, field_name: str, message: str) -> Problem:
        return Problem(self.shown_path, line, item, field_name, message)


def is_lesson_file(path: Path) -> bool:
    return path.name in LESSON_FILES


def is_runnable(info: str) -> bool:
    """Whether a fence's info string ("python runnable", "py runnable raises=X") makes a cell."""
    words = info.split()
    return bool(words) and words[0] in {"python", "py"} and "runnable" in words[1:]


def read_lesson(path: Path, shown_path: str | None = None) -> Lesson:
    """Read `path` (lesson.md or lesson.py) into cells and markers; problems are collected."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        lesson = Lesson(path, shown_path or str(path), path.suffix == ".py", "")
        lesson.problems.append(lesson.problem(1, LESSON, "-", f"cannot read the lesson: {exc}"))
        return lesson
    return parse_lesson(text, path, shown_path)


def parse_lesson(text: str, path: Path, shown_path: str | None = None) -> Lesson:
    """The cells and markers of `text`, the content of the lesson file `path`."""
    notebook = path.suffix == ".py"
    lesson = Lesson(path, shown_path if shown_path is not None else str(path), notebook, text)
    lines = text.splitlines(keepends=True)
    prose = _notebook_cells(lesson, lines) if notebook else _markdown_cells(lesson, lines)
    _find_markers(lesson, prose)
    lesson.problems += prose_problems(lesson, prose)
    return lesson


def prose_problems(lesson: Lesson, prose: str) -> list[Problem]:
    """What is wrong with the lesson's prose as the site renders it (see the module's doc).

    `prose` keeps every character at its offset in the file, so its lines are the file's.
    """
    problems = []
    # Read where quizkit.mkdocs.lessons.read_title reads it: the file (a notebook), or the
    # prose (which has its fenced code blanked).
    text, pattern = (lesson.text, NOTEBOOK_TITLE) if lesson.notebook else (prose, MARKDOWN_TITLE)
    title = pattern.search(text)
    if title is not None:
        message = safe_html.title_problem(title.group("title"))
        if message:
            line = text.count("\n", 0, title.start()) + 1
            problems.append(lesson.problem(line, LESSON, "title", message))
    markdown = site_markdown(lesson.path)
    for lineno, message in markdown_problems(prose, markdown, lesson=True):
        problems.append(lesson.problem(lineno, LESSON, "markdown", message))
    return problems


def _raises(lesson: Lesson, line: int, options: str) -> str | None:
    match = RAISES.search(options)
    if match is None:
        return None
    name = match["name"]
    if not EXCEPTION_NAME.match(name):
        message = f"raises={name!r} must name an exception class, e.g. raises=NameError"
        lesson.problems.append(lesson.problem(line, LESSON, "raises", message))
        return None
    return name


def _markdown_cells(lesson: Lesson, lines: list[str]) -> str:
    """Collect the runnable fences; return the text with every fence blanked (the prose).

    Fences are read as quizkit/mkdocs/runnable.py reads them: a fence is closed by a line of
    at least as many of the same character, and an unclosed fence is no cell.
    """
    prose = list(lines)
    for fence in fences(lines):
        for k in range(fence.start, min(fence.end + 1, len(lines))):
            prose[k] = _blank(lines[k])
        if fence.closed and is_runnable(fence.info):
            i = fence.start
            lesson.cells.append(
                Cell(len(lesson.cells) + 1, i + 1, i + 2, fence.source(lines),
                     _raises(lesson, i + 1, fence.info))
            )  # fmt: skip
    return "".join(prose)


@dataclass(frozen=True)
class Fence:
    """A fenced code block of a Markdown text, by line index (nested fences are its body)."""

    start: int
    """The opening line."""
    end: int
    """The closing line; len(lines) when the fence is never closed."""
    indent: str
    marker: str
    """The opening run of backticks or tildes."""
    info: str
    closed: bool

    def source(self, lines: list[str]) -> str:
        """The body, with the fence's own indentation taken off."""
        n = len(self.indent)
        return "".join(
            ln[n:] if ln.startswith(self.indent) else ln for ln in lines[self.start + 1 : self.end]
        )


def fences(lines: list[str]) -> Iterator[Fence]:
    """Every top-level fence of `lines` (lines with their line breaks), in order.

    A fence is closed by a line of at least as many of the same character, as CommonMark
    and Python-Markdown's superfences read it. This is the one reader of fences: the lesson
    checker and quizkit.mkdocs.runnable (which wraps runnable cells) both use it.
    """
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i].rstrip("\r\n"))
        if not match:
            i += 1
            continue
        marker = match["fence"]
        end = i + 1
        while end < len(lines) and not _closes(lines[end], marker):
            end += 1
        yield Fence(i, end, match["indent"], marker, match["info"], end < len(lines))
        i = end + 1


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}


def _notebook_cells(lesson: Lesson, lines: list[str]) -> str:
    """Collect the code cells of a percent notebook; return its Markdown cells' text (the prose).

    The prose keeps every character at its offset in the file: code lines are blanked and a
    Markdown line's leading "# " becomes two spaces, so a marker's offsets are the file's.
    """
    prose = [_blank(line) for line in lines]
    headers = [i for i, line in enumerate(lines) if PERCENT_HEADER.match(line.rstrip("\r\n"))]
    start = 0
    if lines and lines[0].startswith("# ---"):  # Jupytext's YAML header is metadata
        start = next((i + 1 for i in range(1, len(lines)) if lines[i].startswith("# ---")), 0)
    segments = [(None, start, headers[0] if headers else len(lines))]
    segments += [
        (h, h + 1, nxt) for h, nxt in zip(headers, headers[1:] + [len(lines)], strict=True)
    ]
    for header, begin, end in segments:
        rest = (
            PERCENT_HEADER.match(lines[header].rstrip("\r\n"))["rest"] if header is not None else ""
        )
        body = lines[begin:end]
        if "[markdown]" in rest or "[md]" in rest:
            for k in range(begin, end):
                prose[k] = re.sub(r"^#( ?)", lambda m: " " * len(m.group(0)), lines[k])
            continue
        if "[raw]" in rest or not "".join(body).strip():
            continue  # Jupyter runs no raw cell and no empty one
        line = header + 1 if header is not None else begin + 1
        lesson.cells.append(
            Cell(len(lesson.cells) + 1, line, begin + 1, "".join(body), _raises(lesson, line, rest))
        )
    return "".join(prose)


def _blank(line: str) -> str:
    """A line of the same length holding only spaces (and its line break)."""
    stripped = line.rstrip("\r\n")
    return " " * len(stripped) + line[len(stripped) :]


def _find_markers(lesson: Lesson, prose: str) -> None:
    taken: list[tuple[int, int]] = []
    for match in MARKER.finditer(prose):
        line = prose.count("\n", 0, match.start()) + 1
        taken.append((match.start(), match.end()))
        body = " ".join(match["body"].split())  # a marker may wrap across prose lines
        expr, sep, shown = body.rpartition(" = ")
        if not sep or not expr.strip() or not shown.strip():
            message = f"`{{{{ {body} }}}}` is not a figure marker: write {{{{ EXPR = SHOWN }}}}"
            lesson.problems.append(lesson.problem(line, FIGURE, "marker", message))
            continue
        lesson.markers.append(Marker(line, match.start(), match.end(), expr.strip(), shown.strip()))
    for match in MARKER_OPEN.finditer(prose):
        if not any(start <= match.start() < end for start, end in taken):
            line = prose.count("\n", 0, match.start()) + 1
            message = "`{{` opens a figure marker that is not closed by ` }}`"
            lesson.problems.append(lesson.problem(line, FIGURE, "marker", message))


def render_markers(text: str, markers: list[Marker]) -> str:
    """`text` with every marker replaced by what it shows (what the reader sees)."""
    for marker in sorted(markers, key=lambda m: m.start, reverse=True):
        text = text[: marker.start] + marker.shown + text[marker.end :]
    return text


# -- judging a figure ------------------------------------------------------------------------


def describe(value: Any) -> dict[str, Any]:
    """A figure's value in the JSON form `judge` reads (the build's kernel sends the same):
    {"bool": ...}, {"str": ...}, {"number": ...} or {"other": what it is}."""
    if isinstance(value, bool | np.bool_) or (
        isinstance(value, np.ndarray) and value.dtype == bool and value.size == 1
    ):
        return {"bool": bool(np.asarray(value).reshape(()))}
    if isinstance(value, str):
        return {"str": value}
    if isinstance(value, int) and abs(value) > sys.float_info.max:
        return {"number": value}  # a Python int beyond a float's range is judged as it is
    number = as_number(value, {"Tensor": _tensor_class()})
    if number is not None:
        return {"number": number}
    text = repr(value)
    return {"other": f"{type(value).__name__} {text[:60]}{'...' if len(text) > 60 else ''}"}


def _tensor_class() -> type | None:
    try:
        from quizkit.backprop import Tensor
    except ImportError:
        return None
    return Tensor


SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻", "0123456789-")
# [0-9], not \d: \d takes any Unicode digit ("٣", "３"), which the reader would see as written.
_SIGN = r"(?P<sign>[-−]?)"
_DECIMAL = r"(?P<int>[0-9]+)(?:\.(?P<frac>[0-9]+))?"
_EXPONENT = (
    r"(?:[eE](?P<e>[-+−]?[0-9]+)|\s*×\s*10(?:\^(?P<caret>[-+−]?[0-9]+)|(?P<sup>⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+)))"
)
SHOWN_NUMBER = re.compile(rf"^{_SIGN}{_DECIMAL}{_EXPONENT}?(?P<percent>\s?%)?$")
SHOWN_POWER = re.compile(
    r"^(?P<sign>[-−]?)10(?:\^(?P<caret>[-+−]?[0-9]+)|(?P<sup>⁻?[⁰¹²³⁴⁵⁶⁷⁸⁹]+))$"
)
THOUSANDS = re.compile(r"[0-9],[0-9]{3}(?![0-9])")
FORMS = "0.03, 54, −1.5, 1.2e-5, 1.2 × 10⁻⁵, 10⁵⁴, 12%"


@dataclass(frozen=True)
class Stated:
    """A number as SHOWN states it: a value and how close the truth must be."""

    value: float  # for a bare power of ten, only its sign (±1) counts
    half_unit: float = 0.0  # |truth − value| ≤ half_unit ...
    power: int | None = None  # ... or, for a bare power of ten, round(log10 |truth|) == power
    percent: bool = False  # the truth is compared × 100


def stated_number(shown: str) -> Stated | str:
    """What a figure's SHOWN text states, or why it states no number the check can read."""
    text = shown.strip()
    text = re.sub(r"^[≈~]\s*", "", text)
    if THOUSANDS.search(text):
        return (
            f"{shown!r} has a thousands separator; write the number without one"
            f" ({THOUSANDS.sub(lambda m: m.group(0).replace(',', ''), text)})"
        )
    power = SHOWN_POWER.match(text)
    match = SHOWN_NUMBER.match(text)
    if power is None and match is None:
        return f"{shown!r} is not a number in a form the check reads ({FORMS})"
    m = power or match
    sign = -1.0 if m["sign"] else 1.0
    exponent_text = m["caret"] or (m["sup"] and m["sup"].translate(SUPERSCRIPTS))
    if match is not None and match["e"]:
        exponent_text = match["e"]
    exponent = int(exponent_text.replace("−", "-")) if exponent_text else None
    if power is not None or (exponent is not None and match["int"] == "1" and not match["frac"]):
        return Stated(sign, power=exponent)  # 10⁵⁴, 10^54, and 1e54 or 1 × 10⁵⁴ alike
    digits = match["frac"] or ""
    # Built from text, so that an exponent beyond a float's range gives inf, never an error.
    value = sign * float(f"{match['int']}.{digits or '0'}e{exponent or 0}")
    half_unit = float(f"5e{(exponent or 0) - len(digits) - 1}")
    return Stated(value, half_unit, percent=bool(match["percent"]))


def agrees(stated: Stated, truth: float) -> bool:
    """Whether `truth` is what `stated` says, to the precision written."""
    if stated.power is not None:
        if truth == 0 or not _finite(truth) or (truth < 0) != (stated.value < 0):
            return False
        return math.floor(math.log10(abs(truth)) + 0.5) == stated.power
    if abs(truth) > sys.float_info.max:
        return False  # no written digits state a value beyond a float's range (or inf)
    if not math.isfinite(stated.value):
        return False  # beyond a float's range: no value the engine computes is that
    if stated.percent:
        truth *= 100
    slack = 1e-9 * max(abs(truth), abs(stated.value))  # binary floats: 0.035 − 0.03
    return abs(truth - stated.value) <= stated.half_unit + slack


def judge(marker: Marker, value: dict[str, Any]) -> str | None:
    """Why `value` (from `describe`) contradicts the marker's SHOWN, or None when it agrees."""
    expr, shown = marker.expr, marker.shown
    if "error" in value:
        return value["error"]
    if "bool" in value:
        return None if value["bool"] else f"`{expr}` is False (the prose says {shown!r})"
    if "str" in value:
        if value["str"] == shown:
            return None
        return f"prose says {shown!r} but `{expr}` is {value['str']!r}"
    if "number" in value:
        truth = value["number"]
        stated = stated_number(shown)
        if isinstance(stated, str):
            return f"`{expr}` is {_number_text(truth)}, but {stated}"
        if agrees(stated, truth):
            return None
        extra = ""
        if stated.power is not None and truth != 0 and _finite(truth):
            extra = f" (10^{math.log10(abs(truth)):.2f})"
        elif stated.percent:
            extra = f" ({_number_text(truth * 100, 4)}%)"
        return f"prose says {shown} but `{expr}` is {_number_text(truth)}{extra}"
    return f"`{expr}` is {value.get('other')}: a figure must be a number, a bool or a str"


def _finite(number: float | int) -> bool:
    """math.isfinite, for a Python int beyond a float's range too (which it cannot convert)."""
    return isinstance(number, int) or math.isfinite(number)


def _number_text(number: float | int, digits: int = 6) -> str:
    """`number` to `digits` significant digits; a Python int beyond a float's range too."""
    if isinstance(number, int) and abs(number) > sys.float_info.max:
        return f"{'-' if number < 0 else ''}10^{math.log10(abs(number)):.2f}"
    return f"{number:.{digits}g}"


def raised_as(expected: str, class_names: list[str]) -> bool:
    """Whether an exception whose classes (its MRO, see `class_names`) are these is `expected`."""
    return expected in class_names


def class_names(exc: BaseException) -> list[str]:
    """Every name `raises=` may use for `exc`: each class of its MRO, bare and qualified."""
    names = []
    for cls in type(exc).__mro__:
        names += [cls.__name__, f"{cls.__module__}.{cls.__qualname__}"]
    return names


# -- running a lesson ------------------------------------------------------------------------


@dataclass
class LessonReport:
    """What checking one lesson found."""

    lesson: Lesson
    problems: list[Problem] = field(default_factory=list)
    ran: bool = False
    seconds: float = 0.0


def check_lesson(
    path: Path, shown_path: str | None = None, *, run: bool = True, time_limit: float = TIME_LIMIT
) -> LessonReport:
    """Read the lesson and (unless `run` is False) run its cells and judge its figures."""
    started = time.perf_counter()
    lesson = read_lesson(path, shown_path)
    report = LessonReport(lesson, list(lesson.problems))
    if run and lesson.text:
        report.problems += run_lesson(lesson, time_limit)
        report.ran = True
    report.seconds = time.perf_counter() - started
    return report


def run_lesson(lesson: Lesson, time_limit: float = TIME_LIMIT) -> list[Problem]:
    """Run every cell and judge every marker; the problems, on lines of the lesson file."""
    problems: list[Problem] = []
    merged: dict[str, Any] = {"__name__": "__main__"}
    failed = False
    with _isolated():
        engine = EngineState.capture()
        for cell in lesson.cells:
            names = merged if lesson.notebook else {"__name__": "__main__"}
            found = _run_cell(lesson, cell, names, time_limit)
            found += _engine_changed(lesson, cell, engine)
            problems += found
            failed = failed or bool(found)
            if not lesson.notebook:
                merged.update(names)
            if found and lesson.notebook:
                break  # later cells would only fail for want of this one's names
        if not failed:  # figures computed by failed cells would only repeat the failure
            for marker in lesson.markers:
                message = _figure(marker, merged, time_limit)
                if message:
                    problems.append(lesson.problem(marker.line, FIGURE, "marker", message))
                changed = engine.changes()
                if changed:
                    engine.restore()
                    message = f"`{marker.expr}` changed {_listed(changed)}; a figure only reads"
                    problems.append(lesson.problem(marker.line, FIGURE, "marker", message))
    return problems


def _engine_changed(lesson: Lesson, cell: Cell, engine: EngineState) -> list[Problem]:
    """A problem if the cell left the engine (or numpy, math, builtins) changed; undone.

    In the page every cell shares one engine, so a change would reach the learner's later
    cells; here it would reach every later lesson and every item's evidence.
    """
    changed = engine.changes()
    if not changed:
        return []
    engine.restore()
    message = (
        f"changed {_listed(changed)} for every later cell; change a copy or a subclass, or put"
        " it back before the cell ends"
    )
    return [lesson.problem(cell.line, cell.label, "code", message)]


def _listed(names: list[str]) -> str:
    return ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _run_cell(
    lesson: Lesson, cell: Cell, names: dict[str, Any], time_limit: float
) -> list[Problem]:
    filename = str(lesson.path)
    try:
        with stop_after(time_limit):
            tree = ast.parse(cell.source, filename)
            ast.increment_lineno(tree, cell.first - 1)  # line numbers are the lesson file's
            exec(compile(tree, filename, "exec"), names)
    except EvidenceTimeout as exc:
        line = traceback_line(exc.__traceback__, filename) or cell.first
        return [lesson.problem(line, cell.label, "code", exc.message(time_limit))]
    except UserInterrupt:
        raise
    except BaseException as exc:  # SystemExit too: a lesson must not end the check
        return _raised(lesson, cell, exc, filename)
    if cell.raises:
        message = f"raises={cell.raises}, but the cell ran without raising"
        return [lesson.problem(cell.line, cell.label, "raises", message)]
    return []


def _raised(lesson: Lesson, cell: Cell, exc: BaseException, filename: str) -> list[Problem]:
    if cell.raises and raised_as(cell.raises, class_names(exc)):
        return []
    if isinstance(exc, SyntaxError) and exc.filename == filename:
        line = cell.first - 1 + (exc.lineno or 1)
        what = f"has a SyntaxError: {exc.msg}"
    else:
        line = traceback_line(exc.__traceback__, filename) or cell.first
        statement = _line_text(lesson, line)
        what = f"raised {describe_exception(exc)}" + (f" at `{statement}`" if statement else "")
    if cell.raises:
        message = f"raises={cell.raises}, but the cell {what}"
        return [lesson.problem(line, cell.label, "raises", message)]
    return [lesson.problem(line, cell.label, "code", what)]


def _figure(marker: Marker, names: dict[str, Any], time_limit: float) -> str | None:
    return judge(marker, evaluate_figure(marker.expr, names, time_limit))


def evaluate_figure(expr: str, names: dict[str, Any], time_limit: float = TIME_LIMIT) -> dict:
    """EXPR's value in `names` as `describe` gives it, or {"error": why it has none}."""
    try:
        with stop_after(time_limit):
            value = eval(compile(expr, "<figure>", "eval"), names)
    except TimeLimitDisabled as exc:
        return {"error": f"`{expr}` {exc.message(time_limit)}"}
    except EvidenceTimeout:
        return {"error": f"`{expr}` did not finish within {time_limit:g} s"}
    except UserInterrupt:
        raise
    except SyntaxError as exc:
        return {"error": f"`{expr}` is not a Python expression: {exc.msg}"}
    except BaseException as exc:
        return {"error": f"`{expr}` raised {describe_exception(exc)}"}
    return describe(value)


def _line_text(lesson: Lesson, line: int) -> str:
    lines = lesson.text.splitlines()
    return lines[line - 1].strip() if 1 <= line <= len(lines) else ""


def describe_exception(exc: BaseException) -> str:
    """The last line of the exception as Python would print it."""
    return traceback.format_exception_only(exc)[-1].strip()


def _no_exit(status: Any = 0) -> None:
    raise RuntimeError(
        "os._exit() would end the check with this status, hiding every problem after it"
    )


def _no_input(prompt: Any = "") -> str:
    raise RuntimeError(
        "input() cannot wait for a reader while lessons are checked; give the value in the code"
    )


@contextlib.contextmanager
def _isolated() -> Iterator[None]:
    """Run lesson code so that an honest mistake in it cannot disturb the checker.

    Output is captured, warnings are silenced (a demo may overflow on purpose), `input()`
    and `os._exit()` fail at once (the latter would end the check with the cell's exit
    status, hiding every later problem), the working folder is a temporary one that is then
    removed (so files a cell writes by a *relative* path vanish), matplotlib draws
    off-screen (Agg), and numpy's global random state, error and print settings are restored
    afterwards, so one lesson cannot change the numbers of the next. (Changes to the engine
    itself: see `_engine_changed`.)

    This is no sandbox: the code runs in this process with the contributor's rights. It can
    write absolute paths, read the environment, open sockets, import anything, patch the
    checker, and switch off its time limit (`stop_after` reports that when the code still
    finishes). Reviewing a lesson's code is the guard (docs/contributing.md).
    """
    cwd = os.getcwd()
    random_state = np.random.get_state()
    errors = np.geterr()
    printing = np.get_printoptions()
    stdin = sys.stdin
    with (
        _agg(),
        tempfile.TemporaryDirectory(prefix="quizkit-lesson-") as scratch,
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")
        original_input, original_exit = builtins.input, os._exit
        builtins.input = _no_input
        os._exit = _no_exit
        sys.stdin = io.StringIO("")
        os.chdir(scratch)
        try:
            yield
        finally:
            os.chdir(cwd)
            builtins.input = original_input
            os._exit = original_exit
            sys.stdin = stdin
            np.random.set_state(random_state)
            np.seterr(**errors)
            np.set_printoptions(**printing)
            pyplot = sys.modules.get("matplotlib.pyplot")
            if pyplot is not None:
                pyplot.close("all")


@contextlib.contextmanager
def _agg() -> Iterator[None]:
    """Make matplotlib draw off-screen: a cell's plt.show() must never open a window.

    The variable is put back afterwards: a Jupyter kernel started later by this process
    (the build's) must keep its own inline backend.
    """
    previous = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "Agg"
    if "matplotlib" in sys.modules:
        sys.modules["matplotlib"].use("Agg", force=True)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = previous


__all__ = [
    "FIGURE",
    "LESSON",
    "LESSON_FILES",
    "Cell",
    "Lesson",
    "LessonReport",
    "Marker",
    "Stated",
    "agrees",
    "check_lesson",
    "class_names",
    "describe",
    "describe_exception",
    "evaluate_figure",
    "is_lesson_file",
    "is_runnable",
    "judge",
    "parse_lesson",
    "raised_as",
    "read_lesson",
    "render_markers",
    "run_lesson",
    "stated_number",
]
