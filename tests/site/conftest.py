"""Fixtures of the site tier: one strict build per site per test session, served locally."""

from __future__ import annotations

import functools
import http.server
import os
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_CONFIG = Path(__file__).resolve().parent / "fixtures" / "mkdocs.yml"


@dataclass
class Build:
    """A finished `mkdocs build --strict`: where the site is and what MkDocs printed."""

    site: Path
    output: str
    returncode: int


def build_site(
    config: Path, site_dir: Path, site_url: str | None = None, *, extra_env: dict | None = None
) -> Build:
    """Run `mkdocs build --strict` as a learner's machine would (from the repository root)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(extra_env or {})}
    if site_url:
        # Material's instant navigation only follows links whose host and port match the
        # sitemap's, so the site is built for the address it is served at.
        env["SITE_URL"] = site_url
    mkdocs = Path(sys.executable).with_name("mkdocs")
    proc = subprocess.run(
        [str(mkdocs), "build", "--strict", "-f", str(config), "-d", str(site_dir)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return Build(site=site_dir, output=proc.stdout + proc.stderr, returncode=proc.returncode)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature is http.server's
        pass


@dataclass
class Served:
    """A built site served on 127.0.0.1."""

    build: Build
    url: str

    def pages(self) -> list[str]:
        """Every HTML page of the site as a path relative to the root URL."""
        found = []
        for html in sorted(self.build.site.rglob("*.html")):
            rel = html.relative_to(self.build.site).as_posix()
            found.append(rel[: -len("index.html")] if rel.endswith("index.html") else rel)
        return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve(build: Build, port: int = 0):
    handler = functools.partial(_QuietHandler, directory=str(build.site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture(scope="session")
def fixture_port() -> int:
    return _free_port()


@pytest.fixture(scope="session")
def project_port() -> int:
    return _free_port()


@pytest.fixture(scope="session")
def fixture_build(tmp_path_factory, fixture_port) -> Build:
    """The fixture course (tests/site/fixtures), built once per session."""
    url = f"http://127.0.0.1:{fixture_port}/"
    return build_site(FIXTURE_CONFIG, tmp_path_factory.mktemp("fixture-site"), url)


@pytest.fixture(scope="session")
def project_build(tmp_path_factory, project_port) -> Build:
    """The real course (mkdocs.yml at the repository root), built once per session."""
    url = f"http://127.0.0.1:{project_port}/"
    return build_site(ROOT / "mkdocs.yml", tmp_path_factory.mktemp("project-site"), url)


def _served(build: Build, port: int):
    assert build.returncode == 0, build.output
    server = _serve(build, port)
    yield Served(build=build, url=f"http://127.0.0.1:{server.server_port}/")
    server.shutdown()


@pytest.fixture(scope="session")
def fixture_site(fixture_build, fixture_port):
    yield from _served(fixture_build, fixture_port)


@pytest.fixture(scope="session")
def project_site(project_build, project_port):
    yield from _served(project_build, project_port)


@pytest.fixture
def requests_seen(page):
    """Every URL the page requests during the test (checked to stay on 127.0.0.1)."""
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen
