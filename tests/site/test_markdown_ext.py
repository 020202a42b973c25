"""The in-page pieces as Python-Markdown extensions, and lesson pages as plain Markdown."""

from __future__ import annotations

from pathlib import Path

import markdown
import pytest

from quizkit.course import Course
from quizkit.mkdocs.generate import lesson_markdown
from quizkit.mkdocs.lessons import ContentError, Lesson, discover
from quizkit.mkdocs.render import MarkdownRenderer, Renderer
from quizkit.mkdocs.runnable import transform

EXTENSIONS = ["md_in_html", "pymdownx.superfences"]
PAGE = """# Cells

```python runnable
x = 2
print(x * 3)
```

```python
shown_only = True
```

````markdown
```python runnable
nested = "shown as Markdown source, not a cell"
```
````
"""


def test_cells_extension_renders_what_the_plugin_renders():
    # The plugin rewrites the page's Markdown with runnable.transform before MkDocs renders it.
    expected = markdown.markdown(transform(PAGE), extensions=EXTENSIONS)
    got = markdown.markdown(PAGE, extensions=[*EXTENSIONS, "quizkit.markdown_ext.cells"])
    assert got == expected
    assert got.count("data-qk-cell") == 1


def test_cells_extension_refuses_to_run_without_md_in_html():
    with pytest.raises(ValueError, match="md_in_html"):
        markdown.markdown(PAGE, extensions=["pymdownx.superfences", "quizkit.markdown_ext.cells"])


def _course(tmp_path, body: str):
    for folder, text in [("01-first", "# First\n\nIntro.\n"), ("02-second", body)]:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "lesson.md").write_text(text, encoding="utf-8")
    return discover(tmp_path)


def test_lesson_markdown_shows_figures_and_links_lessons_by_page(tmp_path):
    body = (
        "# Second\n\n```python runnable\nhalf = 1 / 2\n```\n\n"
        "Half is {{ half = 0.5 }}; see [the first](../01-first/#intro).\n"
    )
    lessons = _course(tmp_path, body)
    text = lesson_markdown(lessons[1], lessons)
    assert "Half is 0.5; see [the first](../first/index.md#intro)." in text
    assert "```python runnable\nhalf = 1 / 2\n```" in text  # left for the cells extension


def test_lesson_markdown_names_the_line_of_a_link_to_no_lesson(tmp_path):
    lessons = _course(tmp_path, "# Second\n\nSee [gone](../07-gone/).\n")
    with pytest.raises(ContentError) as caught:
        lesson_markdown(lessons[1], lessons)
    assert caught.value.messages == [
        f"{lessons[1].source}:3: link: ../07-gone/ is not a lesson folder "
        "(lessons: 01-first, 02-second)"
    ]


# -- quiz embeds and glossary links (quizkit.markdown_ext.quiz) --------------------------------

FIXTURE_LESSONS = Path(__file__).resolve().parent / "fixtures" / "lessons_src"
PAGE_EXTENSIONS = [*EXTENSIONS, "quizkit.markdown_ext.cells", "quizkit.markdown_ext.quiz"]


@pytest.fixture(scope="module")
def fixture_course() -> Course:
    return Course.load(FIXTURE_LESSONS.parent)


def _page(lesson: Lesson, lessons, configs: dict, **marker) -> str:
    text = lesson_markdown(lesson, lessons, **marker)
    return markdown.markdown(text, extensions=PAGE_EXTENSIONS, extension_configs=configs)


def test_quiz_extension_embeds_items_where_their_comments_stand(fixture_course):
    basics = fixture_course.lessons[0]
    given = {"course": fixture_course, "renderer": Renderer(MarkdownRenderer())}
    html = _page(basics, fixture_course.lessons, {"quizkit.markdown_ext.quiz": given},
                 glossary_url="../../glossary/")  # fmt: skip
    assert "<!-- quiz:" not in html and "quizkit: page" not in html
    widget = html.index('data-qk-id="fx-trace"')
    assert html.index(">A trace</h2>") < widget < html.index(">Runnable code</h2>")
    # Only the first use of a term is linked, in the prose (not inside the widget).
    assert html.count('href="../../glossary/#chain-rule"') == 1
    assert html.index('href="../../glossary/#chain-rule"') < widget
    # With no course handed over, the extension reads the one under lessons_dir itself.
    loaded = {"quizkit.markdown_ext.quiz": {"lessons_dir": str(FIXTURE_LESSONS)}}
    assert _page(basics, fixture_course.lessons, loaded, glossary_url="../../glossary/") == html


def test_quiz_extension_links_no_term_when_told_not_to(fixture_course):
    basics = fixture_course.lessons[0]
    given = {"course": fixture_course, "renderer": Renderer(MarkdownRenderer())}
    html = _page(basics, fixture_course.lessons, {"quizkit.markdown_ext.quiz": given},
                 glossary_url="../../glossary/", link_terms=False)  # fmt: skip
    assert "glossary/#chain-rule" not in html
    assert 'data-qk-id="fx-trace"' in html


def test_quiz_extension_leaves_pages_without_the_marker_alone():
    # No course is read for them (lessons_dir names no folder).
    configs = {"quizkit.markdown_ext.quiz": {"lessons_dir": "/nonexistent"}}
    page = PAGE + "\n<!-- quiz: fx-trace -->\n"
    got = markdown.markdown(page, extensions=PAGE_EXTENSIONS, extension_configs=configs)
    assert got == markdown.markdown(page, extensions=PAGE_EXTENSIONS[:-1])
    assert "<!-- quiz: fx-trace -->" in got


def test_the_page_marker_leaves_no_trace_in_the_page(tmp_path):
    lessons = _course(tmp_path, "# Second\n\nNo quiz here.\n")
    given = {"course": Course.load(tmp_path, "."), "renderer": Renderer(MarkdownRenderer())}
    with_marker = markdown.markdown(
        lesson_markdown(lessons[1], lessons),
        extensions=PAGE_EXTENSIONS,
        extension_configs={"quizkit.markdown_ext.quiz": given},
    )
    assert with_marker == "<h1>Second</h1>\n<p>No quiz here.</p>"


def test_course_load_reports_every_problem_with_its_line(tmp_path):
    lessons = _course(tmp_path, "# Second\n\n<!-- quiz: no-such-item -->\n\nSee [x](../09-x/).\n")
    with pytest.raises(ContentError) as caught:
        Course.load(tmp_path, lessons_dir=".")
    source = lessons[1].source
    assert caught.value.messages == [
        f"{source}:3: no-such-item: quiz: no item has this id",
        f"{source}:5: link: ../09-x/ is not a lesson folder (lessons: 01-first, 02-second)",
    ]
