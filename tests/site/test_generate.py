"""Every page quizkit adds, as Markdown (quizkit.mkdocs.generate), rendered by plain
Python-Markdown with the quiz extension expanding its markers: what a generator without the
MkDocs plugin (Zensical) shows."""

from __future__ import annotations

import json
import re
from pathlib import Path

import markdown
import pytest
from mkdocs.utils.meta import get_data

from quizkit.course import Course
from quizkit.mkdocs import course_quiz, generate
from quizkit.mkdocs.pages import embedded_ids
from quizkit.mkdocs.render import MarkdownRenderer, Renderer

FIXTURE_LESSONS = Path(__file__).resolve().parent / "fixtures" / "lessons_src"
QUIZ = "quizkit.markdown_ext.quiz"
EXTENSIONS = ["attr_list", "md_in_html", "pymdownx.superfences", "quizkit.markdown_ext.cells",
              QUIZ, "toc"]  # fmt: skip
ITEM = re.compile(r'<section class="qk-item[^"]*" id="[^"]*" data-qk-id="([^"]+)"')
ANY_MARKER = re.compile(r"<!-- quiz(kit)?:")


@pytest.fixture(scope="module")
def course() -> Course:
    return Course.load(FIXTURE_LESSONS.parent)


@pytest.fixture(scope="module")
def given(course) -> dict:
    return {QUIZ: {"course": course, "renderer": Renderer(MarkdownRenderer())}}


def render(text: str, configs: dict) -> tuple[str, list]:
    """The page's HTML and its table of contents (toc extension's tokens). Front matter is
    read off first, as every generator does."""
    text, _ = get_data(text)
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs={**configs,
                           "toc": {"permalink": True}})  # fmt: skip
    return md.convert(text), md.toc_tokens


def test_page_addresses_follow_directory_urls():
    assert generate.page_url("lessons/basics/index.md") == "lessons/basics/"
    assert generate.page_url("glossary.md") == "glossary/"
    assert generate.page_url("index.md") == ""
    assert generate.address("glossary.md", "lessons/basics/quiz/index.md") == "../../../glossary/"
    assert generate.address("glossary.md", "index.md") == "glossary/"
    assert generate.address(None, "index.md") == ""


def test_markers_round_trip_their_arguments():
    text = generate.marker("page", lesson="01-basics", glossary="../../glossary/", link_terms="no")
    assert text == "<!-- quizkit: page lesson=01-basics glossary=../../glossary/ link-terms=no -->"
    match = generate.MARKER.search(f"<p>x</p>\n{text}")
    assert match["name"] == "page"
    assert generate.marker_args(match) == {
        "lesson": "01-basics", "glossary": "../../glossary/", "link-terms": "no"
    }  # fmt: skip


def test_generated_pages_are_every_lesson_and_quiz_in_nav_order(course):
    pages = generate.generated_pages(course)
    assert list(pages) == [
        "lessons/basics/index.md",
        "lessons/basics/quiz/index.md",
        "lessons/notebook/index.py",
        "lessons/notebook/quiz/index.md",
        "quiz/index.md",
    ]
    # A notebook lesson is its own file, for mkdocs-jupyter to run.
    assert pages["lessons/notebook/index.py"] == course.lessons[1].source


def test_quiz_page_is_its_bank_under_the_escaped_title(course, given):
    text = generate.quiz_page(course, course.lessons[0])
    assert text.startswith("# Quiz: Fixture basics\n")
    html, toc = render(text, given)
    assert not ANY_MARKER.search(html)
    bank = course.banks["01-basics"]
    assert ITEM.findall(html) == [item.id for item in bank.items]
    assert '<section class="qk-bank" aria-labelledby="qk-bank-title">' in html
    assert '<span id="qk-bank-title" hidden>Fixture basics</span>' in html
    assert 'class="qk-toolbar"' in html
    assert [t["name"] for t in toc] == ["Quiz: Fixture basics"]


def test_lesson_page_has_its_quiz_section_under_a_markdown_heading(course, given):
    basics = course.lessons[0]
    html, toc = render(generate.lesson_page(course, basics), given)
    assert not ANY_MARKER.search(html)
    embedded = embedded_ids(basics.source.read_text(encoding="utf-8"))
    assert embedded, "the fixture lesson embeds items"
    section = html[html.index('<section class="qk-bank"') :]
    # The heading Markdown wrote (with its permalink) is inside the section it labels.
    assert section.startswith(
        '<section class="qk-bank" aria-labelledby="qk-bank-title">\n<h2 id="qk-bank-title">'
        'Quiz<a class="headerlink" href="#qk-bank-title"'
    )
    assert html.count('id="qk-bank-title"') == 1
    rest = [item.id for item in course.banks[basics.name].items if item.id not in embedded]
    assert ITEM.findall(section) == rest
    assert ITEM.findall(html[: html.index('<section class="qk-bank"')]) == embedded
    # Its prose links the glossary from two folders down, once per term.
    assert html.count('href="../../glossary/#chain-rule"') == 1
    # The table of contents has the quiz from the Markdown heading itself.
    assert toc[0]["children"][-1]["id"] == "qk-bank-title"


def test_quiz_section_without_a_heading_before_it_makes_its_own(course, given):
    basics = course.lessons[0]
    text = generate.marker("quiz", lesson=basics.name, glossary="")
    html, _ = render(f"Some prose.\n\n{text}\n", given)
    start = '<section class="qk-bank" aria-labelledby="qk-bank-title">'
    assert f'{start}\n<h2 id="qk-bank-title">Quiz</h2>' in html


def test_course_quiz_page_is_the_shell_with_links_to_every_quiz(course, given):
    html, _ = render(generate.course_quiz_page(), given)
    assert html.startswith(f'<h1 id="backpropagation-deep-dive">{course_quiz.TITLE}<a ')
    assert '<div class="qk-course" data-qk-pool="items.json">' in html
    links = re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', html)
    assert links == [
        ("../lessons/basics/quiz/", "Fixture basics"),
        ("../lessons/notebook/quiz/", "Fixture notebook"),
    ]  # noqa: E501


def test_course_pool_addresses_lessons_and_glossary_from_the_quiz_page(course):
    renderer = Renderer(MarkdownRenderer())
    data = json.loads(generate.course_pool(course, renderer))
    assert [lesson["url"] for lesson in data["lessons"]] == [
        "../lessons/basics/",
        "../lessons/notebook/",
    ]
    assert [item["id"] for item in data["items"]] == ["fx-mcq", "fx-tf", "fx-match", "fx-order",
                                                      "fx-trace", "fx-nb-tf"]  # fmt: skip


def test_authored_markers_get_their_page_and_expand(course, given):
    page = "Intro.\n\n<!-- quizkit: lessons -->\n\n<!-- quizkit: interview -->\n"
    text = generate.expand_markers(page, "guide/start.md")
    assert "<!-- quizkit: lessons page=guide/start/ -->" in text
    assert "<!-- quizkit: interview glossary=../../glossary/ -->" in text
    html, _ = render(text, given)
    assert not ANY_MARKER.search(html)
    assert re.findall(r'<li><a href="([^"]+)">', html) == [
        "../../lessons/basics/",
        "../../lessons/notebook/",
    ]
    assert '<span class="qk-lesson-figures">(' in html
    assert ITEM.findall(html) == ["fx-interview"]
    assert html.index('class="qk-toolbar"') < html.index('data-qk-id="fx-interview"')


def test_the_glossary_page_lists_every_term_linking_its_lesson(course, given):
    # Without a marker the list goes at the end of the glossary page.
    text = generate.expand_markers("# Glossary\n", "glossary.md")
    assert text.endswith("<!-- quizkit: glossary page=glossary/ -->\n")
    html, _ = render(text, given)
    assert re.findall(r'<dt id="([^"]+)">', html) == [t.slug for t in course.terms]
    assert 'Introduced in <a href="../lessons/basics/">Fixture basics</a>' in html
    # Elsewhere a page without the marker gets no glossary.
    assert generate.expand_markers("# Home\n", "index.md") == "# Home\n"


def test_markers_that_need_no_course_expand_without_one():
    configs = {QUIZ: {"lessons_dir": "/nonexistent"}}
    html, _ = render("<!-- quizkit: timing -->\n", configs)
    assert html.startswith('<table class="qk-timing">')
    # A marker that needs its page's address but was not given one stays as it is.
    configs = {QUIZ: {"lessons_dir": str(FIXTURE_LESSONS)}}
    html, _ = render("<!-- quizkit: timing -->\n\n<!-- quizkit: glossary -->\n", configs)
    assert html.endswith("\n<!-- quizkit: glossary -->")
