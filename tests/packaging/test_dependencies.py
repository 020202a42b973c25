"""The dependency locks and package.json say what the site needs and what only the tests need.

`requirements/site.lock` is all the Pages build installs; `requirements/test.lock` adds the
test tools on top of it. pip installs both with `--require-hashes`, so every entry must be an
exact pin with hashes, and a package pinned in both files would have two homes that can drift.
"""

from __future__ import annotations

import json
import re
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
SITE_LOCK = ROOT / "requirements" / "site.lock"
TEST_LOCK = ROOT / "requirements" / "test.lock"
PYPROJECT = ROOT / "pyproject.toml"
ENTRY = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\$")


def read_lock(path: Path) -> dict[str, tuple[str, list[str]]]:
    """Package name -> (version, sha256 hashes) of every entry of a pip-compile lock."""
    entries: dict[str, tuple[str, list[str]]] = {}
    current = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.startswith(" "):
            match = re.fullmatch(r"\s+--hash=sha256:([0-9a-f]{64})( \\)?", line)
            assert match and current, f"{path.name}:{number}: not a hash of an entry: {line!r}"
            entries[current][1].append(match.group(1))
            continue
        match = ENTRY.match(line)
        assert match, f"{path.name}:{number}: not an exact pin followed by hashes: {line!r}"
        current = canonicalize_name(match.group(1))
        assert current not in entries, f"{path.name}:{number}: {current} pinned twice"
        entries[current] = (match.group(2), [])
    return entries


@pytest.fixture(scope="module")
def site() -> dict[str, tuple[str, list[str]]]:
    return read_lock(SITE_LOCK)


@pytest.fixture(scope="module")
def test_tools() -> dict[str, tuple[str, list[str]]]:
    return read_lock(TEST_LOCK)


@pytest.fixture(scope="module")
def project() -> dict:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))


def test_every_entry_has_hashes(site, test_tools):
    for name, (version, hashes) in {**site, **test_tools}.items():
        assert hashes, f"{name}=={version} has no hash, so --require-hashes refuses both locks"


def test_each_package_has_one_home(site, test_tools):
    assert sorted(site.keys() & test_tools.keys()) == []


def test_the_site_lock_has_what_the_site_needs_and_no_test_tool(site, test_tools, project):
    needed = [
        *project["build-system"]["requires"],  # ./dev installs the project without isolation
        *project["project"]["dependencies"],
        *project["project"]["optional-dependencies"]["site"],
    ]
    for text in needed:
        req = Requirement(text)
        name = canonicalize_name(req.name)
        assert name in site, f"{text} (pyproject.toml) is missing from site.lock"
        assert req.specifier.contains(site[name][0], prereleases=True), (
            f"site.lock pins {name}=={site[name][0]}, outside pyproject.toml's {text}"
        )
    for text in project["project"]["optional-dependencies"]["test"]:
        name = canonicalize_name(Requirement(text).name)
        assert name in test_tools, f"test tool {text} is not in test.lock"
        assert name not in site, f"test tool {text} is in site.lock, which the Pages build installs"


def test_every_exact_pin_in_pyproject_says_why():
    lines = PYPROJECT.read_text(encoding="utf-8").splitlines()
    pins = [i for i, line in enumerate(lines) if re.search(r'"[A-Za-z0-9._-]+==', line)]
    assert pins, "pyproject.toml has no exact pin"
    for i in pins:
        assert lines[i].strip().startswith('"'), (
            f"pyproject.toml:{i + 1}: an exact pin goes on its own line, under its reason"
        )
        assert lines[i - 1].strip().startswith("#"), (
            f"pyproject.toml:{i + 1}: {lines[i].strip()} needs a comment above it saying why"
        )


def test_the_environment_is_the_locks_and_they_are_closed(site, test_tools, project):
    """Every locked package is installed at its locked version (the virtualenv was made from
    these locks), and everything it requires is locked too (pip would otherwise stop)."""
    locked = {**site, **test_tools}
    roots = [
        *project["build-system"]["requires"],
        *project["project"]["dependencies"],
        *(r for group in project["project"]["optional-dependencies"].values() for r in group),
    ]
    todo = [Requirement(text) for text in roots]
    seen: set[tuple[str, str]] = set()
    while todo:
        req = todo.pop()
        name = canonicalize_name(req.name)
        assert name in locked, f"{req} is required but in neither lock"
        extras = sorted(req.extras) or [""]
        if all((name, extra) in seen for extra in extras):
            continue
        seen.update((name, extra) for extra in extras)
        installed = metadata.version(name)
        assert installed == locked[name][0], (
            f"{name} {installed} is installed but the locks pin {locked[name][0]}: run ./dev,"
            " which rebuilds .venv from the locks"
        )
        for text in metadata.requires(name) or []:
            dep = Requirement(text)
            if dep.marker is None or any(dep.marker.evaluate({"extra": e}) for e in extras):
                todo.append(dep)
    reached = {name for name, _ in seen}
    assert sorted(locked.keys() - reached) == [], "locked but required by none"


# -- npm ---------------------------------------------------------------------------------------


def test_npm_dependencies_are_what_the_site_ships():
    """The site copies files out of node_modules only where product code names a package:
    those are `dependencies`; the rest (axe-core, injected by the browser tests) are dev-only."""
    package = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    product = "\n".join(
        path.read_text(encoding="utf-8")
        for path in sorted((ROOT / "quizkit").rglob("*"))
        if path.suffix in {".py", ".js", ".j2", ".html"}
    )
    read = set(re.findall(r"""node_modules["']?\s*/\s*["']?([A-Za-z0-9@._-]+)""", product))
    assert read, "found no node_modules package in quizkit/; the pattern is out of date"
    assert set(package["dependencies"]) == read
    assert "axe-core" in package["devDependencies"]
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"][""]["dependencies"] == package["dependencies"]
    assert lock["packages"][""]["devDependencies"] == package["devDependencies"]
    assert lock["packages"]["node_modules/axe-core"].get("dev") is True
