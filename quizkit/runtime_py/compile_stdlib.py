"""Compile the standard-library modules the page's worker imports at start-up.

Pyodide's python_stdlib.zip holds sources, so every page load compiles each module Python
imports while starting (about 1 s of a 1.7 s start on a slow machine). Run once per build
inside Pyodide's own interpreter (the bytecode must be exactly Pyodide's CPython), by
compile_stdlib.js under Node, after it has imported the worker (worker.py) and the
modules it imports (STARTUP_MODULES, then LATER_MODULES) as the page does. Only those
modules are compiled; the rest stay sources.

`compile_tree` does the same for the engine wheel's sources, which the build hands over as
files: the wheel then ships each module's .pyc beside its .py.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
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


def _unchecked_pyc(source: bytes, filename: str) -> bytes:
    """An unchecked hash-based .pyc of `source`: used as is, whatever the source's mtime."""
    code = compile(source, filename, "exec", dont_inherit=True)
    return bytes(_code_to_hash_pyc(code, importlib.util.source_hash(source), checked=False))


def compile_tree(root: str, install_root: str) -> int:
    """Compile every .py under `root` to its __pycache__ .pyc; returns how many.

    `install_root` is where the tree will be installed (site-packages): tracebacks name the
    installed file. Writes `root`/pyc-sources.json, each .py's path -> sha256 of the bytes
    its .pyc was compiled from, so the build can refuse a .pyc that does not match its source.
    """
    compiled = {}
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(f for f in files if f.endswith(".py")):
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, root).replace(os.sep, "/")
            with open(path, "rb") as handle:
                source = handle.read()
            pyc = _unchecked_pyc(source, f"{install_root}/{relative}")
            target = importlib.util.cache_from_source(path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "wb") as handle:
                handle.write(pyc)
            compiled[relative] = hashlib.sha256(source).hexdigest()
    with open(os.path.join(root, "pyc-sources.json"), "w") as handle:
        json.dump(compiled, handle, indent=1, sort_keys=True)
    return len(compiled)


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
                data = _unchecked_pyc(data, stdlib + "/" + info.filename)
                info = zipfile.ZipInfo(info.filename + "c", date_time=info.date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(info, data)
    return len(used)
