"""What the parts of the site's Python runtime share: their error, and copying files so a
rebuild into the same directory skips what has not changed."""

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
