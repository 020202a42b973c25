"""The course builds with ProperDocs, the maintained fork of MkDocs 1.6, into the same site.

MkDocs 1.x is unmaintained; ProperDocs runs the same plugins (quizkit, mkdocs-jupyter, search)
and the Material theme, so the course must build with it strictly and produce the site that
MkDocs produces, byte for byte apart from the generator's name. Outside CI a machine without
ProperDocs skips these tests; under CI (`CI` set) its absence fails them, as a missing test
tool must not pass for a passing test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from quizkit.mkdocs.lessons import discover
from quizkit.mkdocs.runtime import runtime_folder
from tests.site.conftest import ROOT, Build, build_site, require_generator

# The one line ProperDocs writes differently: Material names the generator in a meta tag.
GENERATOR = re.compile(rb'<meta name="generator" content="[^"]*">')
# The sitemap's dates are the build's day, which two builds may not share.
LASTMOD = re.compile(rb"<lastmod>[^<]*</lastmod>")
# The service worker lists every file's sha256 and a version made from them, so the HTML's
# generator tag changes them all; the files themselves are compared one by one.
SW_DIGESTS = re.compile(rb'"version":"[0-9a-f]+"|"[0-9a-f]{64}"')
# What identifies a page's structure in its HTML (heading ids) and in the search index
# (each entry's location), independent of what a notebook printed in that run.
HEADINGS = re.compile(r'<h[1-6][^>]* id="([^"]+)"|"location":\s*"([^"]*)"')
NOTEBOOK_LESSONS = [lesson for lesson in discover(ROOT / "lessons_src") if lesson.is_notebook]


@pytest.fixture(scope="module")
def properdocs_build(tmp_path_factory, project_port) -> Build:
    """The real course built by `properdocs build --strict` for the address MkDocs' build uses,
    so that canonical links and the sitemap agree."""
    require_generator("properdocs")
    url = f"http://127.0.0.1:{project_port}/"
    site = tmp_path_factory.mktemp("properdocs-site")
    return build_site(ROOT / "mkdocs.yml", site, url, generator="properdocs")


def test_properdocs_builds_the_course_strictly(properdocs_build):
    assert properdocs_build.returncode == 0, properdocs_build.output
    assert properdocs_build.warnings() == []


def test_properdocs_builds_every_lesson_quiz_and_search_entry(properdocs_build):
    assert properdocs_build.returncode == 0, properdocs_build.output
    site = properdocs_build.site
    index = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    indexed = {doc["location"].split("#")[0] for doc in index["docs"]}
    for lesson in discover(ROOT / "lessons_src"):
        page = (site / "lessons" / lesson.topic / "index.html").read_text(encoding="utf-8")
        assert f"lessons/{lesson.topic}/" in indexed, lesson.name
        if lesson.is_notebook:
            assert "jp-OutputArea-output" in page, lesson.name
        if lesson.bank_path:
            quiz = (site / "lessons" / lesson.topic / "quiz" / "index.html").read_text()
            assert 'class="qk-bank"' in quiz, lesson.name
    cells = sum(p.read_text(encoding="utf-8").count("data-qk-cell") for p in site.rglob("*.html"))
    assert cells > 0, "no runnable cell on any page"
    assert (runtime_folder(site) / "pyodide-lock.json").is_file()


def _normalised(path: Path) -> bytes:
    data = path.read_bytes()
    if path.suffix == ".html":
        data = GENERATOR.sub(b"", data)
    elif path.name == "sitemap.xml":
        data = LASTMOD.sub(b"", data)
    elif path.name == "sw.js":
        data = SW_DIGESTS.sub(b"", data)
    return data


def test_properdocs_site_is_the_mkdocs_site(properdocs_build, project_build):
    assert properdocs_build.returncode == 0, properdocs_build.output
    assert project_build.returncode == 0, project_build.output

    def files(site: Path) -> set[str]:
        # The compressed sitemap embeds the same dates as sitemap.xml, compared there.
        return {
            p.relative_to(site).as_posix()
            for p in site.rglob("*")
            if p.is_file() and p.name != "sitemap.xml.gz"
        }

    ours, theirs = files(properdocs_build.site), files(project_build.site)
    assert ours == theirs, {"only ProperDocs": ours - theirs, "only MkDocs": theirs - ours}
    # A notebook lesson is executed afresh by each build, and its output is not the same from
    # run to run (a timing it prints, how a stream is split into chunks), so its page and the
    # search index that holds its text are compared by what does not depend on the run.
    notebooks = {f"lessons/{lesson.topic}/index.html" for lesson in NOTEBOOK_LESSONS}
    varying = notebooks | {"search/search_index.json"}
    differ = sorted(
        rel
        for rel in ours - varying
        if _normalised(properdocs_build.site / rel) != _normalised(project_build.site / rel)
    )
    assert differ == []
    for rel in sorted(varying):
        mine = (properdocs_build.site / rel).read_text(encoding="utf-8")
        reference = (project_build.site / rel).read_text(encoding="utf-8")
        # Same page: the same headings and search entries, whatever the run printed.
        assert HEADINGS.findall(mine) == HEADINGS.findall(reference), rel
