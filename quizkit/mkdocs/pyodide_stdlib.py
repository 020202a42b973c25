"""A standard library that starts faster: the modules the page's worker imports at start-up,
compiled once per build with Pyodide's own interpreter (in Node).

Pyodide's python_stdlib.zip holds sources, so every page load compiles each module Python
imports at start-up (about 1 s of a 1.7 s start on a slow machine). The bytecode must be
exactly Pyodide's CPython, hence Node. The scripts are real files of quizkit.runtime_py:
compile_stdlib.js boots Pyodide from the site being built, imports the worker (worker.py)
as the page does, and runs compile_stdlib.py. The same run compiles the engine wheel's
modules (`engine_pycs`), which the page would otherwise compile at every import.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from .engine_wheel import ZIP_DATE
from .runtime_files import copy_if_changed, sha256_file

STDLIB = "python_stdlib.zip"
STDLIB_CACHE = Path("~/.cache/backprop-lab/stdlib")
RUNTIME_PY = Path(__file__).resolve().parents[1] / "runtime_py"
COMPILE_JS = RUNTIME_PY / "compile_stdlib.js"
COMPILE_PY = RUNTIME_PY / "compile_stdlib.py"
WORKER_PY = RUNTIME_PY / "worker.py"
# Written by compile_stdlib.compile_tree beside the compiled tree: .py path -> sha256 of the
# bytes its .pyc was compiled from.
PYC_SOURCES = "pyc-sources.json"


def engine_pycs(archive: Path, sources: dict[str, bytes]) -> dict[str, bytes]:
    """Archive path -> .pyc of each of `sources` (archive path -> .py bytes) that `archive`
    (a zip compile_tree's output was stored in) compiled from exactly those bytes.

    A .pyc is unchecked (Python never compares it with its source), so one compiled from
    other bytes would run code the wheel's .py does not show: such a .pyc is left out.
    """
    with zipfile.ZipFile(archive) as zipped:
        compiled = json.loads(zipped.read(PYC_SOURCES))
        names = set(zipped.namelist())
        pycs = {}
        for path, digest in compiled.items():
            if path not in sources or hashlib.sha256(sources[path]).hexdigest() != digest:
                continue
            folder, _, name = path.rpartition("/")
            prefix = f"{folder}/__pycache__/{name[:-3]}." if folder else f"__pycache__/{name[:-3]}."
            for pyc in (n for n in names if n.startswith(prefix) and n.endswith(".pyc")):
                pycs[pyc] = zipped.read(pyc)
    return dict(sorted(pycs.items()))


def _store_tree(root: Path, archive: Path) -> None:
    """Zip `root` (compile_tree's output) deterministically into `archive`."""
    with zipfile.ZipFile(archive, "w") as out:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            entry = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(entry, path.read_bytes())


def find_node() -> str | None:
    """The `node` executable ($NODE, else on PATH), or None."""
    return os.environ.get("NODE") or shutil.which("node")


def precompile_stdlib(
    pyodide_dir: Path,
    dest: Path,
    lock: dict,
    cache_dir: Path | None = None,
    node: str | None = None,
    engine_sources: dict[str, bytes] | None = None,
) -> tuple[str, dict[str, bytes]]:
    """Write dest/python_stdlib.zip with its start-up modules compiled; returns a report and
    the .pyc files of `engine_sources` (the engine wheel's archive path -> .py bytes) by their
    archive paths (see `engine_pycs`), empty when nothing could be compiled.

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
    sources = engine_sources or {}
    for path, data in sorted(sources.items()):
        inputs.update(path.encode() + b"\0" + hashlib.sha256(data).digest())
    key = inputs.hexdigest()[:20]
    cached = cache_dir / f"python_stdlib-{key}.zip"
    cached_pycs = cache_dir / f"engine-pycs-{key}.zip"
    if cached.is_file() and (cached_pycs.is_file() or not sources):
        copy_if_changed(cached, dest / STDLIB)
        pycs = engine_pycs(cached_pycs, sources) if sources else {}
        engine = f" and {len(pycs)} engine" if sources else ""
        return f"start-up stdlib{engine} modules precompiled (cached)", pycs
    node = node or find_node()
    failure = "node not found"
    if node:
        with_packages = "://" not in lock["packages"]["numpy"]["file_name"]
        with tempfile.TemporaryDirectory() as tmp:
            for path, data in sources.items():
                (Path(tmp) / "engine" / path).parent.mkdir(parents=True, exist_ok=True)
                (Path(tmp) / "engine" / path).write_bytes(data)
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
                counts = proc.stdout.strip().splitlines()
                pycs = {}
                if sources:
                    _store_tree(Path(tmp) / "engine", cached_pycs)
                    pycs = engine_pycs(cached_pycs, sources)
                    report = f"{counts[-2]} start-up stdlib and {len(pycs)} engine modules"
                    return f"{report} precompiled", pycs
                return f"{counts[-1]} start-up stdlib modules precompiled", pycs
            if proc is not None:
                failure = (proc.stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
    copy_if_changed(original, dest / STDLIB)
    return f"stdlib NOT precompiled ({failure}): Python starts about 1 s slower", {}
