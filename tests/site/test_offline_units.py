"""The service worker's build record (quizkit/mkdocs/offline.py), without a browser."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest

from quizkit.mkdocs import offline
from quizkit.mkdocs.runtime import runtime_folder
from quizkit.mkdocs.runtime_files import RuntimeBundleError


RUNTIME = "pyodide-0123456789abcdef"  # as quizkit.mkdocs.runtime names a runtime folder


def make_site(root: Path) -> Path:
    files = {
        "index.html": "<title>Home</title>",
        "lessons/a/index.html": "<title>A</title>",
        "assets/quizkit/offline.js": "// registrar",
        "assets/quizkit/quiz.js": "// widgets",
        f"{RUNTIME}/pyodide-lock.json": "{}",
        f"{RUNTIME}/pyodide.asm.wasm": "\0asm",
        # A page whose name starts like the runtime's is no runtime.
        "pyodide-tips/index.html": "<title>Tips</title>",
    }
    for path, text in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text, encoding="utf-8")
    return root


def written_build(site: Path) -> dict:
    """The BUILD object as the written sw.js holds it."""
    source = (site / "sw.js").read_text(encoding="utf-8")
    match = re.search(r"^const BUILD = (.*);$", source, re.M)
    assert match, "sw.js has no filled BUILD line"
    return json.loads(match.group(1))


def version_of(site: Path) -> str:
    return offline.build_version(offline.site_files(site))


def test_the_record_lists_every_file_with_the_sha256_of_its_bytes(tmp_path):
    site = make_site(tmp_path)
    offline.write_service_worker(site)
    build = written_build(site)
    expected = {
        p.relative_to(site).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in site.rglob("*")
        if p.is_file() and p.name != "sw.js"
    }
    assert build["files"] == expected
    assert build["assets"] == "assets/quizkit/"
    assert build["runtime"] == f"{RUNTIME}/"
    # How sw.js knows an older build's runtime folder in a cache (JavaScript reads it as is).
    assert re.fullmatch(build["runtime_name"], RUNTIME)
    assert not re.fullmatch(build["runtime_name"], "pyodide-tips")
    assert build["version"] == version_of(site)


def test_same_build_same_version_wherever_and_whenever_it_is_built(tmp_path):
    first = make_site(tmp_path / "one")
    second = make_site(tmp_path / "two")
    (second / "index.html").touch()  # another modification time, same bytes
    assert version_of(first) == version_of(second)
    offline.write_service_worker(first)
    offline.write_service_worker(second)
    assert (first / "sw.js").read_bytes() == (second / "sw.js").read_bytes()
    # The worker is not part of what it describes: writing it again changes nothing.
    offline.write_service_worker(first)
    assert (first / "sw.js").read_bytes() == (second / "sw.js").read_bytes()


@pytest.mark.parametrize(
    "change",
    ["edit a page", "edit the runtime", "add a file", "remove a file", "rename a file"],
)
def test_any_change_to_any_file_changes_the_version(tmp_path, change):
    site = make_site(tmp_path)
    before = version_of(site)
    if change == "edit a page":
        (site / "lessons/a/index.html").write_text("<title>A, revised</title>", encoding="utf-8")
    elif change == "edit the runtime":
        (site / RUNTIME / "pyodide.asm.wasm").write_bytes(b"\0asm\1")
    elif change == "add a file":
        (site / "lessons/b.txt").write_text("", encoding="utf-8")
    elif change == "remove a file":
        (site / "assets/quizkit/quiz.js").unlink()
    else:
        shutil.move(site / "assets/quizkit/quiz.js", site / "assets/quizkit/quiz2.js")
    assert version_of(site) != before


def test_a_site_without_the_registrar_is_refused_with_its_path(tmp_path):
    site = make_site(tmp_path)
    (site / "assets/quizkit/offline.js").unlink()
    with pytest.raises(ValueError, match=re.escape(str(site / "assets/quizkit/offline.js"))):
        offline.write_service_worker(site)
    assert not (site / "sw.js").exists()


def test_a_site_without_python_has_no_runtime_folder(tmp_path):
    site = make_site(tmp_path)
    shutil.rmtree(site / RUNTIME)
    offline.write_service_worker(site)
    assert written_build(site)["runtime"] is None


def test_a_site_with_two_runtime_folders_is_refused_naming_both(tmp_path):
    site = make_site(tmp_path)
    other = "pyodide-fedcba9876543210"
    shutil.copytree(site / RUNTIME, site / other)
    with pytest.raises(
        RuntimeBundleError, match=f"more than one runtime folder .{RUNTIME}, {other}"
    ):
        offline.write_service_worker(site)
    assert not (site / "sw.js").exists()
    with pytest.raises(RuntimeBundleError, match="more than one"):
        runtime_folder(site)
    shutil.rmtree(site / RUNTIME)
    shutil.rmtree(site / other)
    with pytest.raises(RuntimeBundleError, match=re.escape(f"{site}: no runtime folder")):
        runtime_folder(site)


def test_the_template_is_refused_unless_it_has_its_placeholder_once(tmp_path):
    template = tmp_path / "sw.js"
    template.write_text("const BUILD = null;\n", encoding="utf-8")
    with pytest.raises(ValueError, match="placeholder"):
        offline.worker_source({"version": "x"}, template)
    # The real template has it, and as written it refuses to run unfilled.
    source = offline.TEMPLATE.read_text(encoding="utf-8")
    assert source.count(offline.PLACEHOLDER) == 1
    assert 'typeof BUILD !== "object"' in source
