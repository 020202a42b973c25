"""Fixtures of the runtime tier: the runtime's own minimal site, built once and served locally."""

from __future__ import annotations

import functools
import http.server
import json
import os
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

from quizkit.mkdocs.runtime import runtime_folder

sys.path.insert(0, str(Path(__file__).resolve().parent))

import page  # noqa: E402 - the test site builder next to this file


@dataclass
class Site:
    """A runtime test site on disk and what `runtime.bundle` reported for it."""

    root: Path
    report: str
    url: str = ""

    @property
    def has_numpy(self) -> bool:
        """Whether NumPy's wheel is self-hosted: the built site's lock file names a local
        wheel (not a CDN address) and that file is there. Read from the site, not from the
        wording of the bundle's report."""
        folder = runtime_folder(self.root)
        lock = json.loads((folder / "pyodide-lock.json").read_text(encoding="utf-8"))
        file_name = lock["packages"].get("numpy", {}).get("file_name", "")
        return bool(file_name) and "://" not in file_name and (folder / file_name).is_file()

    def require_numpy(self) -> None:
        """Skip a test that needs NumPy in the browser when the wheel is not self-hosted.

        Under CI (the `CI` variable set) that is a failure instead: CI is given the wheel
        (.ci/run points PYODIDE_WHEELS_DIR at it), so its absence is a broken setup, and
        these tests must never pass there by skipping.
        """
        if self.has_numpy:
            return
        reason = f"NumPy's wasm wheel is not self-hosted here ({self.report})"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the NumPy-in-browser tests")
        pytest.skip(reason)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature is http.server's
        pass


@pytest.fixture(scope="session")
def runtime_site(tmp_path_factory) -> Site:
    root = tmp_path_factory.mktemp("runtime-site")
    report = page.build(root)
    print(f"runtime.bundle: {report}")
    return Site(root=root, report=report)


@pytest.fixture(scope="session")
def served_site(runtime_site):
    handler = functools.partial(_QuietHandler, directory=str(runtime_site.root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    runtime_site.url = f"http://127.0.0.1:{server.server_port}/"
    yield runtime_site
    server.shutdown()
