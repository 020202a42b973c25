"""The engine (`quizkit.backprop`, nothing else of quizkit) as a pure-Python wheel for Pyodide.

Built from the sources at each site build, byte for byte the same for the same sources.
The site's wheel also ships each module's .pyc, compiled by Pyodide's own Python at build
(pyodide_stdlib), so the page does not compile the engine at every load; the .py stay for
tracebacks.
"""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGINE_DIR = ROOT / "quizkit" / "backprop"
DIST_NAME = "quizkit-backprop"
# Zip entries carry a timestamp; a fixed one makes rebuilds byte-identical.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
PACKAGE_INIT = b'"""Backprop Lab\'s engine, packaged for the browser: see quizkit.backprop."""\n'


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
        b"Generator: quizkit.mkdocs.engine_wheel\n"
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


def build_wheel(
    out_dir: Path, engine_dir: Path = ENGINE_DIR, pycs: dict[str, bytes] | None = None
) -> Path:
    """Write the engine wheel into `out_dir` (unless an identical one is there) and return it.

    `pycs` (archive path -> bytes) are compiled modules to ship beside their sources.
    """
    files = {**engine_files(engine_dir), **(pycs or {})}
    name, data = wheel_bytes(dict(sorted(files.items())), base_version())
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / name
    if not (path.is_file() and path.read_bytes() == data):
        path.write_bytes(data)
    return path
