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
    """A finished strict build: where the site is and what the generator printed."""

    site: Path
    output: str
    returncode: int

    def warnings(self) -> list[str]:
        """The generator's own warning lines. The notebook kernel's start-up notice about its
        local TCP transport ("[IPKernelApp] WARNING | ...") is not a build warning."""
        return [line for line in self.output.splitlines() if line.startswith("WARNING")]


def generator_command(name: str) -> Path:
    """The command of a site generator installed beside this Python (mkdocs, properdocs,
    zensical)."""
    return Path(sys.executable).with_name(name)


def require_generator(name: str) -> Path:
    """A generator installed only for the tests that compare it with MkDocs: outside CI a
    machine without it skips them; under CI (`CI` set) its absence fails them, as a missing
    test tool must not pass for a passing test."""
    command = generator_command(name)
    if command.is_file():
        return command
    message = (
        f"{name} is not installed ({command} not found): install the test "
        f"dependencies from requirements/test.lock ({name})"
    )
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def build_site(
    config: Path,
    site_dir: Path,
    site_url: str | None = None,
    *,
    extra_env: dict | None = None,
    generator: str = "mkdocs",
    cwd: Path = ROOT,
) -> Build:
    """Run `<generator> build --strict` as a learner's machine would (from the repository root
    unless `cwd` says otherwise). Zensical takes no site folder on its command line: it
    writes to its config's site_dir, which must be `site_dir`, and is told to drop its cache."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(extra_env or {})}
    if site_url:
        # Material's instant navigation only follows links whose host and port match the
        # sitemap's, so the site is built for the address it is served at.
        env["SITE_URL"] = site_url
    command = [str(generator_command(generator)), "build", "--strict", "-f", str(config)]
    command += ["--clean"] if generator == "zensical" else ["-d", str(site_dir)]
    proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)
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
