"""The Python half of the page's worker (quizkit/web/worker.js).

worker.js writes this file into Pyodide's file system as `quizkit_worker.py`, imports it,
calls `install()` once, and then answers each request with one call: `run_cell` for a
runnable cell, `evaluate` and `new_numbers` for a numeric-trace exercise. Requests and
answers cross the JavaScript boundary as JSON text.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import importlib
import inspect
import json
import linecache
import sys
import traceback

CELL = "<cell>"
# This file's frames are hidden from the learner's tracebacks.
HERE = __file__
NO_INPUT = (
    "input() is not available in the page: code here cannot wait for you to type. "
    'Set the value in the code instead, for example name = "Ada" in place of name = input().'
)
# Imported once the engine is installed, before the worker says it is ready: what a cell's
# first run needs (the engine's package imports tracing, which collects show_graph calls).
STARTUP_MODULES = ("numpy", "quizkit.backprop")
# Imported one at a time once the worker is ready, between requests, so that neither the first
# run nor a later trace check or cell waits for them; the stdlib precompile step imports
# these too (compile_stdlib.py).
LATER_MODULES = (
    "quizkit.backprop.worksheet",
    "quizkit.backprop.nn",
    "quizkit.backprop.dense",
    "quizkit.backprop.diagnostics",
    "quizkit.backprop.checkpoint",
)


def no_input(prompt=""):
    """Stands in for input(): Pyodide's stdin is empty, which gave a bare EOFError."""
    if prompt:
        print(prompt, end="")  # as input() shows it, before the error
    # An EOFError still, so code written to handle a closed stdin keeps working.
    raise EOFError(NO_INPUT)


def install() -> None:
    """Make the interpreter the page's: input() explains itself instead of failing bare."""
    builtins.input = no_input


def warm_up(later: bool = True) -> None:
    """Import STARTUP_MODULES, and LATER_MODULES unless `later` is false (raises ImportError
    when NumPy or the engine is missing)."""
    for name in STARTUP_MODULES + (LATER_MODULES if later else ()):
        importlib.import_module(name)


def warm_up_next() -> bool:
    """Import the first of LATER_MODULES not yet imported; whether one was left to import."""
    name = next((n for n in LATER_MODULES if n not in sys.modules), None)
    if name is None:
        return False
    importlib.import_module(name)
    return True


def _site_packages() -> str | None:
    return next((p for p in sys.path if p.endswith("site-packages")), None)


def _short(text: str) -> str:
    # "/lib/python3.13/site-packages/quizkit/backprop/tensor.py" reads better as the module path.
    site = _site_packages()
    return text.replace(site + "/", "") if site else text


def format_error(exc: BaseException) -> str:
    """The traceback from the learner's first frame on: Pyodide's own frames are noise."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename != CELL:
        tb = tb.tb_next
    exc.__traceback__ = tb
    # Frames of this file after the learner's (no_input) are ours too: cut them off.
    while tb is not None:
        if tb.tb_next is not None and tb.tb_next.tb_frame.f_code.co_filename == HERE:
            tb.tb_next = None
        tb = tb.tb_next
    return _short("".join(traceback.format_exception(exc)))


def _graph_log():
    """The engine's collector of show_graph calls, or a stand-in when it failed to load."""
    try:
        from quizkit.backprop.tracing import collect_graphs
    except ImportError:  # NumPy or the engine is missing: plain Python still runs
        return contextlib.nullcontext(None)
    return collect_graphs()


async def run_cell(code: str) -> str:
    """Run a cell in a fresh namespace; show the last expression's value like a REPL does.

    Returns JSON: {"error": the traceback or None, "graphs": [what each show_graph call of
    the run asked to draw, in call order]}; graphs shown before an error are kept.
    """
    with _graph_log() as log:
        error = await _run_cell(code, log)
    return json.dumps({"error": error, "graphs": log.payloads() if log else []})


async def _run_cell(code: str, log) -> str | None:
    linecache.cache[CELL] = (len(code), None, code.splitlines(True), CELL)
    namespace = {"__name__": "__main__"}
    try:
        tree = ast.parse(code, CELL)
        last = None
        if tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
        for part, mode in ((tree, "exec"), (last, "eval")):
            if part is None:
                continue
            compiled = compile(part, CELL, mode, flags=flags)
            result = eval(compiled, namespace)
            if compiled.co_flags & inspect.CO_COROUTINE:  # the cell used top-level await
                result = await result
            # A last line show_graph(loss) draws the graph; its dict would only echo it.
            shown = log is not None and any(result is g for g in log.graphs)
            if mode == "eval" and result is not None and not shown:
                print(repr(result))
    except BaseException as exc:  # SystemExit and KeyboardInterrupt too: show, never crash
        return format_error(exc)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return None


def evaluate(request: str) -> str:
    """worksheet.evaluate on {"code", "params", "values", "root"}; its graph is the engine's."""
    from quizkit.backprop import worksheet

    spec = json.loads(request)
    result = worksheet.evaluate(spec["code"], spec["params"], spec["values"], spec.get("root"))
    return json.dumps(result)


def new_numbers(request: str) -> str:
    """worksheet.new_numbers on {"spec", "seed"} ("New numbers")."""
    from quizkit.backprop import worksheet

    spec = json.loads(request)
    return json.dumps(worksheet.new_numbers(spec["spec"], int(spec["seed"])))
