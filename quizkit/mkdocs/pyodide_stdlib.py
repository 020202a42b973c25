"""A standard library that starts faster: the modules the page's worker imports at start-up,
compiled once per build with Pyodide's own interpreter (in Node).

Pyodide's python_stdlib.zip holds sources, so every page load compiles each module Python
imports at start-up (about 1 s of a 1.7 s start on a slow machine). The bytecode must be
exactly Pyodide's CPython, hence Node. The scripts are real files of quizkit.runtime_py:
compile_stdlib.js boots Pyodide from the site being built, imports the worker (worker.py)
as the page does, and runs compile_stdlib.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .runtime_files import copy_if_changed, sha256_file

STDLIB = "python_stdlib.zip"
STDLIB_CACHE = Path("~/.cache/backprop-lab/stdlib")
RUNTIME_PY = Path(__file__).resolve().parents[1] / "runtime_py"
COMPILE_JS = RUNTIME_PY / "compile_stdlib.js"
COMPILE_PY = RUNTIME_PY / "compile_stdlib.py"
WORKER_PY = RUNTIME_PY / "worker.py"


def find_node() -> str | None:
    """The `node` executable ($NODE, else on PATH), or None."""
    return os.environ.get("NODE") or shutil.which("node")


def precompile_stdlib(
    pyodide_dir: Path,
    dest: Path,
    lock: dict,
    cache_dir: Path | None = None,
    node: str | None = None,
) -> str:
    """Write dest/python_stdlib.zip with its start-up modules compiled; returns a report.

    `dest` must already hold the rest of the runtime (core files, wheels, and `lock`, the
    site's pyodide-lock.json). The result is cached under `cache_dir` (default
    ~/.cache/backprop-lab/stdlib) by the hash of its inputs, so a rebuild takes no time and
    gives the same bytes. Without Node, or if Node fails, the original zip is used and the
    report says why.
    """
    original = pyodide_dir / STDLIB
    cache_dir = (STDLIB_CACHE if cache_dir is None else cache_dir).expanduser()
    inputs = hashlib.sha256()
    for script in (COMPILE_JS, COMPILE_PY, WORKER_PY):
        inputs.update(script.read_bytes())
    inputs.update(sha256_file(original).encode())
    inputs.update(json.dumps(lock["packages"], sort_keys=True).encode())
    cached = cache_dir / f"python_stdlib-{inputs.hexdigest()[:20]}.zip"
    if cached.is_file():
        copy_if_changed(cached, dest / STDLIB)
        return "start-up stdlib modules precompiled (cached)"
    node = node or find_node()
    failure = "node not found"
    if node:
        with_packages = "://" not in lock["packages"]["numpy"]["file_name"]
        with tempfile.TemporaryDirectory() as tmp:
            try:
                proc = subprocess.run(
                    [node, "--input-type=module", "-e", COMPILE_JS.read_text("utf-8"), "--",
                     (pyodide_dir / "pyodide.mjs").resolve().as_uri(), f"{dest.resolve()}/",
                     str(original.resolve()), tmp, "1" if with_packages else "0",
                     str(WORKER_PY), str(COMPILE_PY)],
                    capture_output=True, text=True, timeout=300,
                )  # fmt: skip
            except (OSError, subprocess.TimeoutExpired) as exc:
                proc, failure = None, str(exc)
            built = Path(tmp) / STDLIB
            if proc is not None and proc.returncode == 0 and built.is_file():
                cache_dir.mkdir(parents=True, exist_ok=True)
                shutil.copy2(built, cached)
                cached.chmod(0o644)  # Node wrote it with its own umask
                copy_if_changed(cached, dest / STDLIB)
                count = proc.stdout.strip().splitlines()[-1]
                return f"{count} start-up stdlib modules precompiled"
            if proc is not None:
                failure = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
    copy_if_changed(original, dest / STDLIB)
    return f"stdlib NOT precompiled ({failure}): Python starts about 1 s slower"
