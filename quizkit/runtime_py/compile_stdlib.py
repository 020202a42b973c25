"""Compile the standard-library modules the page's worker imports at start-up.

Pyodide's python_stdlib.zip holds sources, so every page load compiles each module Python
imports while starting (about 1 s of a 1.7 s start on a slow machine). Run once per build
inside Pyodide's own interpreter (the bytecode must be exactly Pyodide's CPython), by
compile_stdlib.js under Node, after it has imported the worker (worker.py) and its
STARTUP_MODULES as the page does. Only those modules are compiled; the rest stay sources.
"""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from importlib._bootstrap_external import _code_to_hash_pyc


def used_stdlib_modules(stdlib: str) -> set[str]:
    """Paths inside the `stdlib` zip of the source files imported so far."""
    used = set()
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None) or ""
        if path.startswith(stdlib + "/") and path.endswith(".py"):
            used.add(path[len(stdlib) + 1 :])
    return used


def compile_stdlib(out_path: str) -> int:
    """Write the stdlib zip to `out_path` with the imported modules compiled; their count.

    An unchecked hash-based .pyc is used as is, and zipimport prefers it to a source.
    """
    stdlib = next(p for p in sys.path if p.endswith(".zip"))
    used = used_stdlib_modules(stdlib)
    with zipfile.ZipFile(stdlib) as source, zipfile.ZipFile(out_path, "w") as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename in used:
                code = compile(data, stdlib + "/" + info.filename, "exec", dont_inherit=True)
                pyc = _code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False)
                info = zipfile.ZipInfo(info.filename + "c", date_time=info.date_time)
                data = bytes(pyc)
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, data)
    return len(used)
