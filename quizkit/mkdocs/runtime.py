"""The in-browser Python of the built site: Pyodide, NumPy and the engine as a wheel.

`bundle(site_dir)` is called after `mkdocs build` has written the site. It puts into
`site/pyodide/`:

* the Pyodide core files copied from the npm package (`node_modules/pyodide`);
* the engine (`quizkit.backprop`, nothing else of quizkit) built as a pure-Python wheel;
* NumPy's WebAssembly wheel, when one can be had (see `vendor_numpy`);
* `pyodide-lock.json`, listing just those two packages, so the browser's
  `loadPackage("quizkit-backprop")` fetches the engine and NumPy from the site itself.

Everything is a plain function so tests can call it without MkDocs.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import tempfile
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE_DIR = ROOT / "quizkit" / "backprop"
PYODIDE_DIR = ROOT / "node_modules" / "pyodide"
DIST_NAME = "quizkit-backprop"
WHEELS_ENV = "PYODIDE_WHEELS_DIR"
DEFAULT_WHEELS_DIR = Path("~/.cache/backprop-lab/wheels")
# The interpreter, its loader and the standard library; the .map files and console.html
# are for debugging Pyodide itself and are not needed by the site.
STDLIB = "python_stdlib.zip"
CORE_FILES = ("pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", STDLIB)
LOCK = "pyodide-lock.json"
STDLIB_CACHE = Path("~/.cache/backprop-lab/stdlib")
CDN = "https://cdn.jsdelivr.net/pyodide/v{version}/full/"
DOWNLOAD_TIMEOUT_S = 5.0
# Zip entries carry a timestamp; a fixed one makes rebuilds byte-identical.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
PACKAGE_INIT = b'"""Backprop Lab\'s engine, packaged for the browser: see quizkit.backprop."""\n'


class RuntimeBundleError(RuntimeError):
    """The Pyodide runtime could not be put into the site (a missing npm package, say)."""


# -- the engine wheel --------------------------------------------------------------------


def engine_files(engine_dir: Path = ENGINE_DIR) -> dict[str, bytes]:
    """Archive path -> contents of every file the engine wheel ships (sorted by path)."""
    files = {"quizkit/__init__.py": PACKAGE_INIT}
    for path in sorted(engine_dir.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        files[f"quizkit/backprop/{path.relative_to(engine_dir).as_posix()}"] = path.read_bytes()
    return dict(sorted(files.items()))


def base_version() -> str:
    """quizkit's own version (from its installed metadata), e.g. "0.1.0"."""
    try:
        return metadata.version("quizkit").split("+")[0]
    except metadata.PackageNotFoundError:
        return "0"


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def wheel_bytes(files: dict[str, bytes], version: str) -> tuple[str, bytes]:
    """(file name, bytes) of a py3-none-any wheel holding `files`, requiring numpy.

    The version gets a local label made from the contents ("0.1.0+g3f2a...") so that a
    changed engine has a new file name: a browser never pairs a cached old wheel with a new
    lock file's hash.
    """
    content = hashlib.sha256()
    for name, data in files.items():
        content.update(name.encode() + b"\0" + hashlib.sha256(data).digest())
    full_version = f"{version}+g{content.hexdigest()[:12]}"
    dist = f"{DIST_NAME.replace('-', '_')}-{full_version}"
    info = f"{dist}.dist-info"
    entries = dict(files)
    entries[f"{info}/METADATA"] = (
        "Metadata-Version: 2.1\n"
        f"Name: {DIST_NAME}\n"
        f"Version: {full_version}\n"
        "Summary: Backprop Lab's NumPy reverse-mode autodiff engine (quizkit.backprop)\n"
        "License: MIT\n"
        "Requires-Python: >=3.11\n"
        "Requires-Dist: numpy\n"
    ).encode()
    entries[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\n"
        b"Generator: quizkit.mkdocs.runtime\n"
        b"Root-Is-Purelib: true\n"
        b"Tag: py3-none-any\n"
    )
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in entries.items())
    entries[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            entry = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            entry.external_attr = 0o644 << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, data)
    return f"{dist}-py3-none-any.whl", buffer.getvalue()


def build_wheel(out_dir: Path, engine_dir: Path = ENGINE_DIR) -> Path:
    """Write the engine wheel into `out_dir` (unless an identical one is there) and return it."""
    name, data = wheel_bytes(engine_files(engine_dir), base_version())
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    if not (path.is_file() and path.read_bytes() == data):
        path.write_bytes(data)
    return path


# -- Pyodide core and the lock file ---------------------------------------------------------


def pyodide_version(pyodide_dir: Path = PYODIDE_DIR) -> str:
    """The npm package's version (the lock file's own `info.version` can lag behind)."""
    package = pyodide_dir / "package.json"
    if not package.is_file():
        raise RuntimeBundleError(
            f"Pyodide not found at {pyodide_dir} (no package.json); run `npm ci` to install it"
        )
    return json.loads(package.read_text(encoding="utf-8"))["version"]


def copy_if_changed(source: Path, dest: Path) -> bool:
    """Copy `source` to `dest` unless `dest` already has its size and modification time.

    Returns whether bytes were copied. Times are preserved, so a rebuild into the same
    directory (mkdocs serve, --dirty) skips the large files.
    """
    stat = source.stat()
    if dest.is_file():
        have = dest.stat()
        if have.st_size == stat.st_size and have.st_mtime_ns == stat.st_mtime_ns:
            return False
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(source, dest)
    return True


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


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# -- a standard library that starts faster ------------------------------------------------------
#
# Pyodide's python_stdlib.zip holds Python sources, so every page load compiles each module
# Python imports at start-up (about 1 s of a 1.7 s start on a slow machine). Compiling them
# once, here, with Pyodide's own interpreter (the bytecode must be CPython 3.13's, exactly
# Pyodide's) makes that work vanish for a small cost in bytes: only the modules that starting
# Python, NumPy and the engine import are compiled; the others stay sources.

# Runs in Node: boots Pyodide from the site being built and runs COMPILE_PY in it.
COMPILE_JS = """
const [loader, indexURL, stdLibURL, outDir, withPackages] = process.argv.slice(1);
const { loadPyodide } = await import(loader);
const pyodide = await loadPyodide({ indexURL, stdLibURL });
if (withPackages === "1") {
  await pyodide.loadPackage("quizkit-backprop", { messageCallback() {}, errorCallback() {} });
}
pyodide.FS.mkdirTree("/out");
pyodide.FS.mount(pyodide.FS.filesystems.NODEFS, { root: outDir }, "/out");
console.log(pyodide.runPython(process.env.QUIZKIT_COMPILE_PY));
"""

# Modules the browser worker imports at start-up besides Pyodide's own (see worker.js).
WORKER_IMPORTS = (
    "ast", "contextlib", "inspect", "json", "linecache", "traceback", "numpy",
    "quizkit.backprop", "quizkit.backprop.tracing", "quizkit.backprop.worksheet",
    "quizkit.backprop.nn", "quizkit.backprop.dense", "quizkit.backprop.diagnostics",
    "quizkit.backprop.checkpoint",
)  # fmt: skip

COMPILE_PY = f"""
import importlib, importlib.util, sys, zipfile
from importlib._bootstrap_external import _code_to_hash_pyc

for name in {WORKER_IMPORTS!r}:
    try:
        importlib.import_module(name)
    except ImportError:
        pass  # NumPy is not self-hosted: compile what starting Python alone needs
stdlib = next(p for p in sys.path if p.endswith(".zip"))
used = set()
for module in list(sys.modules.values()):
    path = getattr(module, "__file__", None) or ""
    if path.startswith(stdlib + "/") and path.endswith(".py"):
        used.add(path[len(stdlib) + 1 :])
# An unchecked hash-based .pyc is used as is, and zipimport prefers it to a source.
with zipfile.ZipFile(stdlib) as source, zipfile.ZipFile("/out/{STDLIB}", "w") as out:
    for info in source.infolist():
        data = source.read(info)
        if info.filename in used:
            code = compile(data, stdlib + "/" + info.filename, "exec", dont_inherit=True)
            pyc = _code_to_hash_pyc(code, importlib.util.source_hash(data), checked=False)
            info = zipfile.ZipInfo(info.filename + "c", date_time=info.date_time)
            data = bytes(pyc)
        info.compress_type = zipfile.ZIP_DEFLATED
        out.writestr(info, data)
len(used)
"""


def find_node() -> str | None:
    """The `node` executable ($NODE, else on PATH), or None."""
    return os.environ.get("NODE") or shutil.which("node")


def precompile_stdlib(
    pyodide_dir: Path, dest: Path, cache_dir: Path | None = None, node: str | None = None
) -> str:
    """Write dest/python_stdlib.zip with its start-up modules compiled; returns a report.

    `dest` must already hold the rest of the runtime (core files, lock, wheels). The result
    is cached under `cache_dir` (default ~/.cache/backprop-lab/stdlib) by the hash of its
    inputs, so a rebuild takes no time and gives the same bytes. Without Node, or if Node
    fails, the original zip is used and the report says why.
    """
    original = pyodide_dir / STDLIB
    cache_dir = (STDLIB_CACHE if cache_dir is None else cache_dir).expanduser()
    lock = json.loads((dest / LOCK).read_text(encoding="utf-8"))
    inputs = hashlib.sha256(COMPILE_JS.encode() + COMPILE_PY.encode())
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
                    [node, "--input-type=module", "-e", COMPILE_JS, "--",
                     (pyodide_dir / "pyodide.mjs").resolve().as_uri(), f"{dest.resolve()}/",
                     str(original.resolve()), tmp, "1" if with_packages else "0"],
                    env={**os.environ, "QUIZKIT_COMPILE_PY": COMPILE_PY},
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


# -- NumPy -------------------------------------------------------------------------------


# What a build may do when it cannot vendor Pyodide's official NumPy wheel (an unreachable
# CDN, a download or a local wheel whose sha256 is not the official one): "official" fails the
# build, so a published site never silently depends on another host or an unverified wheel;
# "fallback" (the default, for previews and tests) uses the local wheel whatever its hash, or
# points the lock at the CDN. `./dev build` and the Pages workflow ask for "official".
NUMPY_POLICY_ENV = "PYODIDE_NUMPY"
NUMPY_POLICIES = ("official", "fallback")


class NumpyNotVerifiedError(RuntimeBundleError):
    """PYODIDE_NUMPY=official and the site cannot vendor Pyodide's official NumPy wheel."""


def numpy_policy() -> str:
    """$PYODIDE_NUMPY ("official" or "fallback"; unset means "fallback")."""
    policy = os.environ.get(NUMPY_POLICY_ENV) or "fallback"
    if policy not in NUMPY_POLICIES:
        raise RuntimeBundleError(
            f"{NUMPY_POLICY_ENV}={policy!r}: expected one of {', '.join(NUMPY_POLICIES)}"
        )
    return policy


@dataclass
class NumpySource:
    """Where the site's NumPy wheel came from, for the lock entry and the build report."""

    how: str  # "local", "downloaded" or "cdn"
    file_name: str  # the lock entry's file_name: a site-relative name or the CDN URL
    sha256: str
    report: str


def wheels_dir() -> Path:
    """The trusted wheels directory: $PYODIDE_WHEELS_DIR, else ~/.cache/backprop-lab/wheels."""
    return Path(os.environ.get(WHEELS_ENV) or DEFAULT_WHEELS_DIR).expanduser()


def download(url: str, timeout: float = DOWNLOAD_TIMEOUT_S) -> bytes:
    """The bytes at `url` (raises OSError on any network problem, quickly when offline)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - fixed https URL
        return response.read()


def vendor_numpy(
    official: dict,
    dest: Path,
    version: str,
    *,
    local_dir: Path | None = None,
    fetch: Callable[[str], bytes] | None = None,
    policy: str | None = None,
) -> NumpySource:
    """Put NumPy's wasm wheel into `dest`, trying in turn (`official` is its lock entry):

    1. the trusted wheels directory: copied and re-hashed; a hash that differs from
       Pyodide's official one is reported (a rebuilt wheel, not a tampered download);
    2. the official Pyodide CDN for this version: kept only if its sha256 is the official
       one (and saved into the wheels directory for the next build);
    3. neither: the lock entry points at the CDN URL, so the browser fetches NumPy from
       there (the site then needs the internet for NumPy).

    Under `policy` "official" (default: $PYODIDE_NUMPY, see NUMPY_POLICY_ENV) a local wheel
    must have the official hash too, and case 3 raises NumpyNotVerifiedError instead.
    """
    name = official["file_name"]
    policy = numpy_policy() if policy is None else policy
    local_dir = wheels_dir() if local_dir is None else local_dir
    fetch = download if fetch is None else fetch
    local = local_dir / name
    if local.is_file():
        sha = sha256_file(local)
        if sha != official["sha256"] and policy == "official":
            raise NumpyNotVerifiedError(
                f"{local}: sha256 {sha[:12]}… is not Pyodide {version}'s official"
                f" {official['sha256'][:12]}…, and {NUMPY_POLICY_ENV}=official publishes only"
                f" the official wheel (set {NUMPY_POLICY_ENV}=fallback to vendor this one)"
            )
        copy_if_changed(local, dest / name)
        note = (
            "" if sha == official["sha256"]
            else f"; NOTICE: its sha256 {sha[:12]}… differs from Pyodide's official"
                 f" {official['sha256'][:12]}…, the lock uses the local wheel's"
        )  # fmt: skip
        return NumpySource("local", name, sha, f"numpy vendored from {local_dir}{note}")
    url = CDN.format(version=version) + name
    try:
        data = fetch(url)
    except OSError as exc:
        failure = f"download failed ({exc})"
    else:
        sha = hashlib.sha256(data).hexdigest()
        if sha == official["sha256"]:
            (dest / name).write_bytes(data)
            try:
                local_dir.mkdir(parents=True, exist_ok=True)
                local.write_bytes(data)
            except OSError:
                pass  # only a cache for the next build
            return NumpySource("downloaded", name, sha, f"numpy downloaded from {url}, sha256 ok")
        failure = f"downloaded wheel's sha256 {sha[:12]}… is not the official one"
    if policy == "official":
        raise NumpyNotVerifiedError(
            f"NumPy's official wheel could not be verified: no {name} in {local_dir} and"
            f" {failure}. Put the official wheel in {WHEELS_ENV} (default {DEFAULT_WHEELS_DIR}),"
            f" or set {NUMPY_POLICY_ENV}=fallback to let the site load NumPy from {url}"
        )
    return NumpySource(
        "cdn",
        url,
        official["sha256"],
        f"numpy NOT vendored: no {name} in {local_dir} and {failure}; the lock points at {url}"
        f" (set {WHEELS_ENV} to a directory holding the wheel to self-host it)",
    )


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
    pyodide_dir: Path = PYODIDE_DIR,
    engine_dir: Path = ENGINE_DIR,
    local_wheels: Path | None = None,
    fetch: Callable[[str], bytes] | None = None,
    stdlib_cache: Path | None = None,
    node: str | None = None,
) -> str:
    """Put Pyodide, NumPy and the engine wheel into `site_dir/pyodide`; return a one-line report."""
    dest = Path(site_dir) / "pyodide"
    version = pyodide_version(pyodide_dir)
    dest.mkdir(parents=True, exist_ok=True)
    copied = copy_core(pyodide_dir, dest)
    wheel = build_wheel(dest, engine_dir)
    official = json.loads((pyodide_dir / LOCK).read_text(encoding="utf-8"))["packages"]["numpy"]
    numpy = vendor_numpy(official, dest, version, local_dir=local_wheels, fetch=fetch)
    write_lock(pyodide_dir / LOCK, dest, numpy, wheel)
    stdlib = precompile_stdlib(pyodide_dir, dest, stdlib_cache, node)
    stale = [p for p in dest.glob(f"{DIST_NAME.replace('-', '_')}-*.whl") if p.name != wheel.name]
    for path in stale:
        path.unlink()
    core = f"{len(copied)} core files copied" if copied else "core unchanged"
    return f"Pyodide {version} ({core}; {stdlib}), engine {wheel.name}; {numpy.report}"
