"""Lesson code and prose figures at build time (FIGURES.md), on top of quizkit.bank.lesson_code.

A Markdown lesson's cells are not run by anything else at build, so `markdown_problems` runs
them here (as `quizkit check` does) and `page_markdown` puts each marker's SHOWN in its place.

A notebook lesson is already executed by mkdocs-jupyter, in a Jupyter kernel; running it a
second time only to evaluate its figures would double the build's slowest step. Instead
mkdocs-jupyter is given a copy of the notebook (`kernel_notebook`) in which:

- every marker already reads as SHOWN;
- every code cell is tagged `raises-exception`, so that a failing cell does not stop the
  kernel with a traceback of its own: the failure is reported like `quizkit check` reports it;
- a hidden first cell (`watch`) records, in the kernel, which exception each cell raised, and
  a hidden last cell (`report`) evaluates every marker's EXPR in the notebook's namespace and
  writes both to the JSON file named by the environment variable RESULTS_ENV.

`kernel_problems` then judges those results with the checker's own rules. When a cell did
not behave, or when mkdocs-jupyter did not run the kernel (its cache had the page), the
lesson is run in-process instead (`lesson_code.run_lesson`), so every problem is reported with
exactly the message and line `quizkit check` prints. `hide_cells` removes the two hidden cells'
empty boxes from the page.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from quizkit.bank import lesson_code
from quizkit.bank.lesson_code import Lesson, class_names, raised_as
from quizkit.bank.problem import Problem

RESULTS_ENV = "QUIZKIT_LESSON_RESULTS"
HIDDEN_TAG = "quizkit-hidden"
# The first line of each hidden cell; the kernel's records skip the cells that start so.
HIDDEN_SENTINEL = "# quizkit: hidden cell, removed from the page"
_HIDDEN_HEADER = (
    f'# %% tags=["{HIDDEN_TAG}", "raises-exception"] transient={{"remove_source": true}}'
)
_HIDDEN_CELL = re.compile(
    rf"<div[^>]*\bcelltag_{HIDDEN_TAG}\b[^>]*>\s*(?:<div[^>]*\bcelltag_{HIDDEN_TAG}\b[^>]*>\s*</div>\s*)?</div>\s*"
)
_RAISES_OPTION = re.compile(r"\s*\braises=\S*")
_TAGS_OPTION = re.compile(r"\btags=\[")

# -- Markdown lessons ------------------------------------------------------------------------


def markdown_problems(source: Path) -> list[Problem]:
    """Every problem of a Markdown lesson: its markers read, its cells run, its figures judged."""
    return lesson_code.check_lesson(source).problems


def page_markdown(text: str, source: Path) -> str:
    """A Markdown lesson as the page shows it: each figure marker replaced by its SHOWN.

    (A runnable fence's `raises=` is dropped by quizkit.mkdocs.runnable, which wraps it.)"""
    return lesson_code.render_markers(text, lesson_code.parse_lesson(text, source).markers)


# -- notebook lessons: the copy the kernel runs ----------------------------------------------


def kernel_notebook(lesson: Lesson) -> str:
    """The notebook mkdocs-jupyter executes instead of `lesson` (see the module's docstring)."""
    lines = lesson_code.render_markers(lesson.text, lesson.markers).splitlines(keepends=True)
    first_header = None
    for i, line in enumerate(lines):
        match = lesson_code.PERCENT_HEADER.match(line.rstrip("\r\n"))
        if not match:
            continue
        first_header = i if first_header is None else first_header
        rest = match["rest"]
        if any(kind in rest for kind in ("[markdown]", "[md]", "[raw]")):
            continue
        lines[i] = f"# %%{_tagged(rest)}\n"
    watch = _hidden_cell(f'__import__("{__name__}", fromlist=["watch"]).watch(get_ipython())')
    exprs = [marker.expr for marker in lesson.markers]
    report = _hidden_cell(
        f'__import__("{__name__}", fromlist=["report"]).report(get_ipython(), {exprs!r})'
    )
    at = first_header if first_header is not None else len(lines)
    text = "".join(lines[:at]) + watch + "".join(lines[at:])
    return text.rstrip("\n") + "\n\n" + report


def _tagged(rest: str) -> str:
    """A code cell's header options, without `raises=` and with the `raises-exception` tag."""
    rest = _RAISES_OPTION.sub("", rest)
    if _TAGS_OPTION.search(rest):
        return _TAGS_OPTION.sub('tags=["raises-exception", ', rest, count=1)
    return f'{rest} tags=["raises-exception"]'


def _hidden_cell(code: str) -> str:
    return f"{_HIDDEN_HEADER}\n{HIDDEN_SENTINEL}\n{code}\n\n"


def hide_cells(html: str) -> str:
    """The page without the hidden cells' empty boxes."""
    return _HIDDEN_CELL.sub("", html)


# -- notebook lessons: inside the kernel -----------------------------------------------------

_records: list[dict[str, Any]] = []


def watch(ipython: Any) -> None:
    """In the kernel: record each cell's source and the exception it raised, if any."""

    def after(result: Any) -> None:
        source = result.info.raw_cell if result.info is not None else ""
        if source.lstrip().startswith(HIDDEN_SENTINEL):
            return
        error = result.error_before_exec or result.error_in_exec
        _records.append(
            {
                "source": source,
                "error": None
                if error is None
                else {"names": class_names(error), "text": lesson_code.describe_exception(error)},
            }
        )

    _records.clear()
    ipython.events.register("post_run_cell", after)


def report(ipython: Any, exprs: list[str]) -> None:
    """In the kernel: evaluate each figure and write the cells' records and the figures."""
    path = os.environ.get(RESULTS_ENV)
    if not path:
        return
    with (
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
        warnings.catch_warnings(),
    ):
        warnings.simplefilter("ignore")  # nothing may appear in the hidden cell's output
        figures = [lesson_code.evaluate_figure(expr, ipython.user_ns) for expr in exprs]
    Path(path).write_text(json.dumps({"cells": _records, "figures": figures}), encoding="utf-8")


# -- notebook lessons: judging what the kernel saw -------------------------------------------


def notebook_problems(lesson: Lesson, results: dict | None) -> list[Problem]:
    """The notebook's problems, from the kernel's results when they settle it, else in-process.

    `results` is what `report` wrote, or None when the kernel did not run (a cached page).
    """
    judged = kernel_problems(lesson, results) if results is not None else None
    if judged is not None:
        return judged
    found = lesson_code.run_lesson(lesson)
    if found or results is None:
        return found
    # The kernel saw a cell misbehave that the in-process run did not: say what it saw.
    return _kernel_cell_problems(lesson, results) or found


def kernel_problems(lesson: Lesson, results: dict) -> list[Problem] | None:
    """Problems of the figures the kernel evaluated; None when its cells did not all behave
    (then only a run in-process can say where, as `quizkit check` does)."""
    if _kernel_cell_problems(lesson, results):
        return None
    figures = results.get("figures", [])
    if len(figures) != len(lesson.markers):
        return None
    problems = []
    for marker, value in zip(lesson.markers, figures, strict=True):
        message = lesson_code.judge(marker, value)
        if message:
            problems.append(lesson.problem(marker.line, lesson_code.FIGURE, "marker", message))
    return problems


def _kernel_cell_problems(lesson: Lesson, results: dict) -> list[Problem]:
    """A problem for each cell whose kernel record contradicts the lesson (or is missing)."""
    records = iter(results.get("cells", []))
    problems = []
    for cell in lesson.cells:
        record = next((r for r in records if r["source"].strip() == cell.source.strip()), None)
        if record is None:
            message = "the notebook kernel did not run this cell"
            return problems + [lesson.problem(cell.line, cell.label, "code", message)]
        error = record["error"]
        if cell.raises and error is None:
            message = f"raises={cell.raises}, but the cell ran without raising"
            problems.append(lesson.problem(cell.line, cell.label, "raises", message))
        elif cell.raises and not raised_as(cell.raises, error["names"]):
            message = f"raises={cell.raises}, but the cell raised {error['text']}"
            problems.append(lesson.problem(cell.line, cell.label, "raises", message))
        elif not cell.raises and error is not None:
            message = f"raised {error['text']} in the notebook kernel"
            problems.append(lesson.problem(cell.line, cell.label, "code", message))
    return problems


@contextlib.contextmanager
def kernel_results(path: Path) -> Iterator[Path]:
    """While open, a kernel started (it inherits the environment) writes its results to
    `path` (RESULTS_ENV), no earlier results left there; the variable is restored after."""
    path.unlink(missing_ok=True)
    previous = os.environ.get(RESULTS_ENV)
    os.environ[RESULTS_ENV] = str(path)
    try:
        yield path
    finally:
        if previous is None:
            os.environ.pop(RESULTS_ENV, None)
        else:
            os.environ[RESULTS_ENV] = previous


def read_results(path: Path) -> dict | None:
    """What the kernel's hidden last cell wrote, or None when it wrote nothing."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
