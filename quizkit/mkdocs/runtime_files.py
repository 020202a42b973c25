"""What the parts of the site's Python runtime share: their error, copying files so a
rebuild into the same directory skips what has not changed, and naming a set of files by
their bytes (the runtime's folder, the service worker's build version)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path


class RuntimeBundleError(RuntimeError):
    """The Pyodide runtime could not be put into the site (a missing npm package, say)."""


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


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def folder_files(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """sha256 of every file under `folder` but those named in `skip`, by path, sorted."""
    folder = Path(folder)
    files = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if path.is_file() and rel not in skip:
            files[rel] = sha256_file(path)
    return files


def content_version(files: dict[str, str]) -> str:
    """A short name for a set of files: changes when any file's path or bytes change, and
    only then."""
    text = "".join(f"{path}\0{digest}\n" for path, digest in sorted(files.items()))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
