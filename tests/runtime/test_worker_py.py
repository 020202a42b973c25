"""The worker's Python half (quizkit/runtime_py/worker.py) in CPython: what a run shows.

The browser tests run it under Pyodide through worker.js; here the same module answers the
same requests directly, so its logic is tested where a failure is quick to read.
"""

from __future__ import annotations

import asyncio
import builtins
import json
import sys
from concurrent.futures import ThreadPoolExecutor

from quizkit.backprop import worksheet
from quizkit.runtime_py import worker
from tests.support import trace_request


def run(code: str) -> dict:
    # In a thread of its own: Playwright's sync API keeps an event loop running in this one
    # when the browser tests ran first.
    with ThreadPoolExecutor(1) as pool:
        return json.loads(pool.submit(asyncio.run, worker.run_cell(code)).result())


def test_the_last_expression_is_echoed_like_a_repl(capsys):
    assert run("x = 6\nx * 7") == {"error": None, "graphs": []}
    assert capsys.readouterr().out == "42\n"
    run("x = 1\nNone")  # None is not echoed
    assert capsys.readouterr().out == ""


def test_a_traceback_starts_at_the_learners_code_and_hides_the_worker():
    error = run("def f():\n    return 1 / 0\n\nf()")["error"]
    lines = error.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[1].startswith('  File "<cell>", line 4')
    assert lines[-1] == "ZeroDivisionError: division by zero"
    assert "worker.py" not in error and "asyncio" not in error


def test_input_explains_itself_once_installed(monkeypatch, capsys):
    monkeypatch.setattr(builtins, "input", builtins.input)  # undone after the test
    worker.install()
    error = run('name = input("Your name? ")')["error"]
    assert capsys.readouterr().out == "Your name? "
    assert error.splitlines()[-1] == f"EOFError: {worker.NO_INPUT}"
    assert "worker.py" not in error  # no_input's own frame is cut off


def test_top_level_await_and_system_exit_are_shown_not_raised():
    assert run("import asyncio\nawait asyncio.sleep(0)") == {"error": None, "graphs": []}
    assert run("raise SystemExit(3)")["error"].splitlines()[-1] == "SystemExit: 3"


def test_show_graph_calls_come_back_in_call_order():
    code = (
        "from quizkit.backprop import Tensor, show_graph\n"
        "a = Tensor(2.0, requires_grad=True)\n"
        "show_graph(a * 3)\n"
        "show_graph(a + 1)\n"
    )
    graphs = run(code)["graphs"]
    assert [g["root"] for g in graphs] == ["mul", "add"]
    assert [g["call"] for g in graphs] == [1, 2]


def test_evaluate_and_new_numbers_answer_as_the_worksheet_does():
    spec = trace_request()
    request = json.dumps({k: spec[k] for k in ("code", "params", "values", "root")})
    expected = worksheet.evaluate(spec["code"], spec["params"], spec["values"], spec["root"])
    assert json.loads(worker.evaluate(request)) == json.loads(json.dumps(expected))


def test_warm_up_imports_the_startup_modules():
    worker.warm_up()
    assert set(worker.STARTUP_MODULES) <= set(sys.modules)
    assert set(worker.LATER_MODULES) <= set(sys.modules)


def test_later_modules_are_imported_one_per_call_until_none_is_left(monkeypatch):
    worker.warm_up()
    for name in worker.LATER_MODULES:
        # Re-importing rebinds the package's attribute too: both come back after the test.
        package, _, child = name.rpartition(".")
        monkeypatch.setattr(sys.modules[package], child, sys.modules[name])
        monkeypatch.delitem(sys.modules, name)
    imported = []
    while worker.warm_up_next():
        imported.append([n for n in worker.LATER_MODULES if n in sys.modules])
    later = worker.LATER_MODULES
    assert imported == [list(later[: i + 1]) for i in range(len(later))]
