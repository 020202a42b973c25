"""Python that runs in the page, under Pyodide, next to the engine (quizkit.backprop).

These are real modules so that ruff and the tests read them like any other code; the site
build (quizkit.mkdocs.runtime) copies them into its runtime folder, site/pyodide-<hash>/,
where the browser worker (quizkit/web/worker.js) and the stdlib precompile step (Node) load
them:

* `worker`: what the page's Python worker does for each request (run a cell, evaluate a
  numeric-trace exercise, draw new numbers), and the modules it imports at start-up;
* `compile_stdlib`: compiles, once per build, the standard-library modules that starting
  the worker imports, and the engine wheel's modules, so the page does not compile them on
  every load.

Nothing here imports quizkit.backprop at import time: a cell of plain Python still runs
when NumPy or the engine failed to load.
"""
