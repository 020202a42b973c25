"""The in-browser Python of the built site: Pyodide, NumPy and the engine as a wheel.

`bundle(site_dir)` is called after `mkdocs build` has written the site. It puts into one
folder, `site/pyodide-<hash>/`, named after its files' bytes (see RUNTIME_PREFIX):

* the Pyodide core files copied from the npm package (`node_modules/pyodide`);
* the engine wheel (engine_wheel.py), its modules precompiled, and NumPy's WebAssembly
  wheel, when one can be had (numpy_wheel.py);
* `pyodide-lock.json`, listing just those two packages, so the browser's
  `loadPackage("quizkit-backprop")` fetches the engine and NumPy from the site itself;
* the worker's Python half (quizkit/runtime_py/worker.py, as quizkit_worker.py);
* the standard library, its start-up modules precompiled (pyodide_stdlib.py);

and writes the folder's name into `assets/quizkit/runtime-location.js`, which the worker
(quizkit/web/worker.js) imports.

Everything is a plain function so tests can call it without MkDocs.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

from .engine_wheel import ENGINE_DIR, build_wheel, engine_files
from .numpy_wheel import NumpySource, vendor_numpy
from .pyodide_stdlib import STDLIB, WORKER_PY, precompile_stdlib
from .runtime_files import RuntimeBundleError, content_version, copy_if_changed, folder_files

ROOT = Path(__file__).resolve().parents[2]
PYODIDE_DIR = ROOT / "node_modules" / "pyodide"
# The interpreter, its loader and the standard library; the .map files and console.html
# are for debugging Pyodide itself and are not needed by the site.
CORE_FILES = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", STDLIB)
LOCK = "pyodide-lock.json"
# The name worker.js fetches worker.py by (and imports it as).
WORKER_FILE = "quizkit_worker.py"
# The runtime's folder is named after its files' bytes (runtime_files.content_version), as
# bundlers name assets after their hashes: under that name a host has this build's runtime or
# nothing, never another build's. So the service worker passes its megabytes on to the page as
# they arrive (the wasm compiles while it downloads) instead of hashing them first, and still
# no page runs on a mix of builds (quizkit/web/sw.js).
RUNTIME_PREFIX = "pyodide-"
# Only a folder with this name and a lock file in it is taken for a runtime: a page of the
# docs may well be called pyodide-tips/.
RUNTIME_NAME = re.compile(rf"{RUNTIME_PREFIX}[0-9a-f]{{16}}")
# Where the runtime is assembled before it is named: a name no author gives a page. A later
# bundle into the same site starts from the runtime there, so unchanged files are not copied.
STAGING = ".quizkit-runtime-staging"
LOCATION_MODULE = "runtime-location.js"


def pyodide_version(pyodide_dir: Path = PYODIDE_DIR) -> str:
    """The npm package's version (the lock file's own `info.version` can lag behind)."""
    package = pyodide_dir / "package.json"
    if not package.is_file():
        raise RuntimeBundleError(
            f"Pyodide not found at {pyodide_dir} (no package.json); run `npm ci` to install it"
        )
    return json.loads(package.read_text(encoding="utf-8"))["version"]


def copy_core(pyodide_dir: Path, dest: Path) -> list[str]:
    """Copy the Pyodide core files but the standard library (see `precompile_stdlib`) into
    `dest`; returns the names that had to be copied."""
    missing = [name for name in CORE_FILES if not (pyodide_dir / name).is_file()]
    if missing:
        raise RuntimeBundleError(
            f"Pyodide at {pyodide_dir} lacks {', '.join(missing)}; run `npm ci` to reinstall it"
        )
    return [
        name
        for name in CORE_FILES
        if name != STDLIB and copy_if_changed(pyodide_dir / name, dest / name)
    ]


def write_lock(official_lock: Path, dest: Path, numpy: NumpySource, wheel: Path) -> dict:
    """Write dest/pyodide-lock.json with NumPy and the engine wheel only; returns its data.

    The site hosts just those two packages, so the lock lists just them: every other entry
    of Pyodide's lock would point at a file the site does not have.
    """
    from pyodide_lock import PyodideLockSpec
    from pyodide_lock.utils import add_wheels_to_spec

    full = PyodideLockSpec.from_json(official_lock)
    numpy_spec = full.packages["numpy"].model_copy(
        update={"file_name": numpy.file_name, "sha256": numpy.sha256}
    )
    lock = full.model_copy(update={"packages": {"numpy": numpy_spec}})
    lock = add_wheels_to_spec(lock, [wheel], base_path=dest)
    data = lock.model_dump()
    text = json.dumps(data, indent=1, sort_keys=True) + "\n"
    path = dest / LOCK
    if not (path.is_file() and path.read_text(encoding="utf-8") == text):
        path.write_text(text, encoding="utf-8")
    return data


def bundle(
    site_dir: Path,
    *,
    assets: str = "assets/quizkit",
    pyodide_dir: Path = PYODIDE_DIR,
    engine_dir: Path = ENGINE_DIR,
    local_wheels: Path | None = None,
    fetch: Callable[[str], bytes] | None = None,
    stdlib_cache: Path | None = None,
    node: str | None = None,
) -> str:
    """Put Pyodide, NumPy and the engine wheel into `site_dir/pyodide-<hash>/` (the hash of its
    files' bytes) and that name into `site_dir/<assets>/runtime-location.js`; return a
    one-line report."""
    site_dir = Path(site_dir)
    dest = site_dir / STAGING
    for earlier in runtime_folders(site_dir):  # an earlier bundle into this site
        if dest.exists():
            shutil.rmtree(earlier)
        else:
            earlier.rename(dest)
    version = pyodide_version(pyodide_dir)
    dest.mkdir(parents=True, exist_ok=True)
    copied = copy_core(pyodide_dir, dest)
    wheel = build_wheel(dest, engine_dir)
    official = json.loads((pyodide_dir / LOCK).read_text(encoding="utf-8"))["packages"]["numpy"]
    numpy = vendor_numpy(official, dest, version, local_dir=local_wheels, fetch=fetch)
    lock = write_lock(pyodide_dir / LOCK, dest, numpy, wheel)
    copy_if_changed(WORKER_PY, dest / WORKER_FILE)
    stdlib, pycs = precompile_stdlib(
        pyodide_dir, dest, lock, stdlib_cache, node, engine_sources=engine_files(engine_dir)
    )
    if pycs:
        # Compiled by the interpreter booted with the sources-only wheel; the site ships
        # (and its lock names) the wheel with the .pyc files in it.
        wheel = build_wheel(dest, engine_dir, pycs)
        write_lock(pyodide_dir / LOCK, dest, numpy, wheel)
    # Whatever an earlier bundle left that this one did not write (an older engine or NumPy
    # wheel) would count towards the folder's name and be downloaded by every learner.
    written = {*CORE_FILES, LOCK, WORKER_FILE, wheel.name, numpy.file_name}
    for path in dest.iterdir():
        if path.name in written:
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    folder = site_dir / f"{RUNTIME_PREFIX}{content_version(folder_files(dest))}"
    dest.rename(folder)
    write_location(site_dir / assets, folder.name)
    core = f"{len(copied)} core files copied" if copied else "core unchanged"
    return (
        f"Pyodide {version} ({core}; {stdlib}), engine {wheel.name}; {numpy.report}; "
        f"in {folder.name}/"
    )


def runtime_folders(site_dir: Path) -> list[Path]:
    """The runtime folders in `site_dir`: named as RUNTIME_NAME says, with a lock file."""
    site_dir = Path(site_dir)
    if not site_dir.is_dir():
        return []
    return sorted(
        p for p in site_dir.iterdir() if RUNTIME_NAME.fullmatch(p.name) and (p / LOCK).is_file()
    )


def built_runtime_folder(site_dir: Path) -> Path | None:
    """The built site's runtime folder, `site_dir/pyodide-<hash of its files>/`, or None for a
    site built without the runtime; more than one is an error (bundle() leaves one)."""
    found = runtime_folders(site_dir)
    if len(found) > 1:
        names = ", ".join(folder.name for folder in found)
        raise RuntimeBundleError(f"{site_dir}: more than one runtime folder ({names})")
    return found[0] if found else None


def runtime_folder(site_dir: Path) -> Path:
    """The built site's runtime folder, which it must have (built_runtime_folder)."""
    folder = built_runtime_folder(site_dir)
    if folder is None:
        raise RuntimeBundleError(
            f"{site_dir}: no runtime folder ({RUNTIME_PREFIX}<hash>/ with {LOCK})"
        )
    return folder


def write_location(assets_dir: Path, folder: str | None) -> None:
    """The module that tells the worker (a sibling of it) the runtime folder's name; null for
    a site built without the runtime (`quizkit bundle --no-runtime`)."""
    assets_dir.mkdir(parents=True, exist_ok=True)
    name = None if folder is None else f"{folder}/"
    (assets_dir / LOCATION_MODULE).write_text(
        "// Written by quizkit/mkdocs/runtime.py: this build's Python runtime, a folder of the\n"
        "// site named after its files' bytes (null: the site was built without it).\n"
        f"export const RUNTIME_FOLDER = {json.dumps(name)};\n",
        encoding="utf-8",
    )
