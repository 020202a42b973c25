"""What Zensical builds from `quizkit bundle`: every page with its quizzes, notebook lessons
included.

Zensical reads mkdocs.yml and runs Python-Markdown with every extension it lists, but runs
no MkDocs plugin, so it sees only what exists as files: `quizkit bundle` writes them
(quizkit.mkdocs.bundle). Runnable cells come from the `quizkit.markdown_ext.cells`
extension, and every quiz widget, the glossary, the lesson list and the course quiz's shell
from `quizkit.markdown_ext.quiz`. Notebook lessons were run by the bundle and written as
Markdown with their outputs and plots. Links are checked as served under a sub-path (/sub/),
since Zensical resolves every relative href against the page's source file.
Outside CI a machine without Zensical skips these tests; under CI (`CI` set) they fail.
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from quizkit.bank.lesson_code import MARKER, read_lesson
from quizkit.course import Course
from quizkit.mkdocs import course_quiz
from quizkit.mkdocs.bundle import write_bundle
from quizkit.mkdocs.pages import EMBED, embedded_ids
from quizkit.mkdocs.render import decode_payload
from quizkit.mkdocs.runtime import runtime_folder
from tests.site.conftest import ROOT, Build, build_site, require_generator

CELL = re.compile(r'data-qk-cell="" data-qk-code="(?P<code>[A-Za-z0-9+/=]*)"')
PRE = re.compile(r"<pre\b.*?</pre>", re.S)
ITEM = re.compile(r'<section class="qk-item[^"]*" id="[^"]*" data-qk-id="([^"]+)"'
                  r' data-qk-kind="[^"]+" data-qk-payload="([^"]+)"')  # fmt: skip
GLOSSARY = "../../glossary/"  # from a lesson page, with directory URLs


@pytest.fixture(scope="module")
def course() -> Course:
    return Course.load(ROOT)


@pytest.fixture(scope="module")
def zensical_build(tmp_path_factory) -> Build:
    require_generator("zensical")
    out = tmp_path_factory.mktemp("zensical-bundle")
    write_bundle(ROOT / "mkdocs.yml", out)
    return build_site(out / "mkdocs.yml", out / "site", generator="zensical", cwd=out)


def page(build: Build, url: str) -> str:
    return (build.site / url / "index.html").read_text(encoding="utf-8")


def resolves(build: Build, page_url: str, href: str) -> bool:
    """Whether a link on the page at `page_url` reaches a file of the built site when the
    site is served under /sub/ (a link that works only at a domain's root does not)."""
    path_part = urlsplit(urljoin(f"http://site/sub/{page_url}", href)).path
    if not path_part.startswith("/sub/"):
        return False
    target = path_part.removeprefix("/sub/")
    path = build.site / target
    return (path / "index.html").is_file() if target.endswith("/") or not target else path.is_file()


def test_zensical_builds_the_bundle_strictly(zensical_build):
    assert zensical_build.returncode == 0, zensical_build.output
    assert "No issues found" in zensical_build.output, zensical_build.output


def markdown_lessons(course: Course):
    return [lesson for lesson in course.lessons if not lesson.is_notebook]


def test_every_markdown_lesson_has_its_page_cells_and_figures(zensical_build, course):
    assert zensical_build.returncode == 0, zensical_build.output
    assert markdown_lessons(course)
    for lesson in markdown_lessons(course):
        text = page(zensical_build, course.lesson_uri(lesson.topic))
        assert f">{html.escape(lesson.title, quote=False)}" in text, lesson.name
        shown = [base64.b64decode(m["code"]).decode() for m in CELL.finditer(text)]
        runnable = [cell.source for cell in read_lesson(lesson.source).cells]
        assert shown == runnable, lesson.name
        # No figure marker reaches the reader (code blocks may hold braces of their own).
        assert not MARKER.search(PRE.sub("", text)), lesson.name


def test_search_and_nav_list_every_page_in_order(zensical_build, course):
    assert zensical_build.returncode == 0, zensical_build.output
    site = zensical_build.site
    index = json.loads((site / "search.json").read_text(encoding="utf-8"))
    located = {item["location"].split("#")[0] for item in index["items"]}
    home = (site / "index.html").read_text(encoding="utf-8")
    in_nav_order = [
        uri
        for lesson in course.lessons
        for uri, present in [
            (course.lesson_uri(lesson.topic), True),
            (course.quiz_uri(lesson), lesson.name in course.banks),
        ]
        if present
    ]
    assert in_nav_order
    for uri in in_nav_order:
        assert uri in located, uri
    positions = [home.index(f'href="./{uri}"') for uri in in_nav_order]
    assert positions == sorted(positions)
    assert {"quiz/", "glossary/"} <= located


def test_quiz_embeds_and_glossary_links_reach_markdown_lessons(zensical_build, course):
    assert zensical_build.returncode == 0, zensical_build.output
    embeds = linked = 0
    for lesson in markdown_lessons(course):
        text = page(zensical_build, course.lesson_uri(lesson.topic))
        ids = embedded_ids(lesson.source.read_text(encoding="utf-8"))
        # Those the lesson embeds come before its quiz section.
        prose = text.split('<section class="qk-bank"')[0]
        assert [m[0] for m in ITEM.findall(prose)] == ids, lesson.name
        assert not EMBED.search(text) and "quizkit:" not in text, lesson.name
        embeds += len(ids)
        linked += f'href="{GLOSSARY}#' in prose
    assert embeds > 0, "no lesson embeds an item"
    assert linked > 0, "no lesson links a term to the glossary"


def test_every_quiz_page_and_quiz_section_shows_its_bank(zensical_build, course):
    assert zensical_build.returncode == 0, zensical_build.output
    assert course.banks
    for lesson in course.lessons:
        bank = course.banks.get(lesson.name)
        if bank is None:
            continue
        quiz = page(zensical_build, course.quiz_uri(lesson))
        items = ITEM.findall(quiz)
        assert [item_id for item_id, _ in items] == [item.id for item in bank.items], lesson.name
        # The key travels in the payload, which decodes to the item's kind.
        kinds = [decode_payload(payload)["kind"] for _, payload in items]
        assert kinds == [item.kind for item in bank.items], lesson.name
        assert 'class="qk-toolbar"' in quiz and "Estimated time" in quiz, lesson.name
        text = page(zensical_build, course.lesson_uri(lesson.topic))
        opening = '<section class="qk-bank" aria-labelledby="qk-bank-title">'
        section = text[text.index(opening) :]
        # The lesson's Markdown heading, inside the section it labels.
        assert section.startswith(f'{opening}\n<h2 id="qk-bank-title">Quiz'), lesson.name
        embedded = set(embedded_ids(lesson.source.read_text(encoding="utf-8")))
        rest = [item.id for item in bank.items if item.id not in embedded]
        assert [item_id for item_id, _ in ITEM.findall(section)] == rest, lesson.name


def test_course_quiz_page_has_its_shell_pool_and_quiz_links(zensical_build, course):
    assert zensical_build.returncode == 0, zensical_build.output
    text = page(zensical_build, "quiz/")
    pool = re.search(r'<div class="qk-course" data-qk-pool="([^"]+)">', text)
    assert pool and resolves(zensical_build, "quiz/", pool[1])
    data = json.loads((zensical_build.site / course_quiz.POOL_URI).read_text(encoding="utf-8"))
    assert len(data["items"]) >= sum(course_quiz.DRAW.values())
    links = re.findall(r'<li><a href="([^"]+)">', text.split("<noscript>")[1])
    assert len(links) == len(course.banks)
    assert all(resolves(zensical_build, "quiz/", href) for href in links), links


def test_glossary_lists_every_term_and_links_its_lesson(zensical_build, course):
    assert zensical_build.returncode == 0, zensical_build.output
    text = page(zensical_build, "glossary/")
    assert re.findall(r'<dt id="([^"]+)">', text) == [term.slug for term in course.terms]
    introduced = re.findall(r'Introduced in <a href="([^"]+)">', text)
    assert introduced
    for href in introduced:
        assert resolves(zensical_build, "glossary/", href), href


def test_home_lists_every_lesson_and_other_pages_have_their_widgets(zensical_build, course):
    assert zensical_build.returncode == 0, zensical_build.output
    home = page(zensical_build, "")
    listed = re.findall(r'<li><a href="([^"]+)">', home.split('<ol class="qk-lessons">')[1])
    assert listed == [course.lesson_uri(lesson.topic) for lesson in course.lessons]
    for href in listed:
        assert resolves(zensical_build, "", href), href
    interview = page(zensical_build, "interview-prep/")
    wanted = [i for _, i in course.items.values() if i.kind == "interview"]
    assert [item_id for item_id, _ in ITEM.findall(interview)] == [i.id for i in wanted]
    assert '<table class="qk-timing">' in page(zensical_build, "contributing/")


def test_scripts_styles_and_runtime_are_in_the_site(zensical_build, course):
    assert zensical_build.returncode == 0, zensical_build.output
    text = page(zensical_build, course.lesson_uri(markdown_lessons(course)[0].topic))
    url = course.lesson_uri(markdown_lessons(course)[0].topic)
    scripts = re.findall(r'<script src="([^"]+)" type="module" async>', text)
    # No offline.js: the bundle has no service worker for it to register.
    assert [Path(s).name for s in scripts] == ["quiz.js", "runtime.js"]
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)">', text)
    assert [Path(s).name for s in styles if "quizkit" in s] == ["styles.css"]
    for href in scripts + styles:
        assert resolves(zensical_build, url, href), href
    assert (zensical_build.site / "assets/quizkit/quiz-config.js").is_file()
    assert (runtime_folder(zensical_build.site) / "pyodide-lock.json").is_file()
    assert list(runtime_folder(zensical_build.site).glob("quizkit_backprop-*.whl"))


# A line each notebook lesson prints, checked by hand from its source: lesson 6's network has
# 4 layers of a 512 x 512 weight and 512 biases (4 x 262 656 parameters); lesson 7 stores
# L + 1 activations for L = 16 layers and 2 sqrt(L) = 8 when checkpointed; lesson 8's sigmoid
# slope s(1 - s) is largest at z = 0, where s = 1/2.
PRINTED = {
    "06-efficiency": "parameters: 1050624",
    "07-checkpointing": "L =  16: plain stores  17, checkpointed (k =  4) stores  8",
    "08-vanishing-gradients": "largest slope 0.2500 at z = 0.00",
}
IMG = re.compile(r'<img alt="(?P<alt>[^"]*)" src="(?P<src>[^"]+)"')


def test_notebook_lessons_show_their_prose_code_outputs_plots_and_quiz(zensical_build, course):
    assert zensical_build.returncode == 0, zensical_build.output
    notebooks = [lesson for lesson in course.lessons if lesson.is_notebook]
    assert [lesson.name for lesson in notebooks] == list(PRINTED)
    for lesson in notebooks:
        url = course.lesson_uri(lesson.topic)
        text = page(zensical_build, url)
        assert f">{html.escape(lesson.title, quote=False)}<a " in text, lesson.name
        notebook = course.notebooks[lesson.name]
        # Its prose (a sentence of its first paragraph) and its figures shown.
        prose = re.findall(r"^# ([A-Z][a-z].*)$", notebook.text, re.M)[0]
        assert " ".join(prose.split()[:4]) in text, lesson.name
        assert not MARKER.search(PRE.sub("", text)), lesson.name
        blocks = [html.unescape(re.sub(r"<[^>]+>", "", b)) for b in PRE.findall(text)]
        first_cell = notebook.cells[0].source.strip().splitlines()[0]
        assert any(b.lstrip().startswith(first_cell) for b in blocks), lesson.name
        assert any(PRINTED[lesson.name] in b for b in blocks), lesson.name
        assert not any("quizkit: hidden cell" in b for b in blocks), lesson.name
        images = IMG.findall(text)
        assert images, lesson.name
        for alt, src in images:
            assert alt.startswith("Plot"), (lesson.name, alt)
            assert resolves(zensical_build, url, src), src
            assert (zensical_build.site / url / src).read_bytes().startswith(b"\x89PNG")
        quiz = text[text.index('<section class="qk-bank"') :]
        assert ITEM.findall(quiz), lesson.name
        assert "quizkit:" not in text and "jp-OutputArea" not in text, lesson.name
