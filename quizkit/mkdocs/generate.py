"""Lesson pages as plain Markdown, which any Python-Markdown site generator can render.

This is the first step of the thin adapter (issue 11, section 3): what the MkDocs plugin does
to a Markdown lesson's source before rendering it is a plain function of the lesson, so that
a generator which runs no MkDocs plugin (Zensical) can be given the same page as a file.

- figure markers `{{ EXPR = SHOWN }}` become SHOWN (judged by `quizkit check` and the build:
  quizkit.mkdocs.figures), here rather than in a Markdown extension because docs pages quote
  the marker syntax itself;
- links to another lesson's folder (`../06-efficiency/`) point at that lesson's page
  (quizkit.mkdocs.lessons.lesson_links);
- `python runnable` fences are left as they are, for the `quizkit.markdown_ext.cells`
  extension that every generator runs.

Notebook lessons (lesson.py) are executed by mkdocs-jupyter and have no plain-Markdown page
yet: that needs the notebook run at generation and its outputs written as Markdown.
"""

from __future__ import annotations

from pathlib import Path

from . import figures
from .lessons import ContentError, Lesson, lesson_links


def page_path(lesson: Lesson, lessons_url: str = "lessons") -> str:
    """The lesson page's path in the docs tree, as the plugin names it (lessons/topic/index.md)."""
    return f"{lessons_url}/{lesson.topic}/index{lesson.source.suffix}"


def lesson_markdown(lesson: Lesson, lessons: list[Lesson]) -> str:
    """A Markdown lesson's page source: markers shown, links to lessons made page links.

    Raises ContentError (`path:line: link: ...`) for a link to a folder that is not a lesson.
    """
    text = figures.page_markdown(lesson.source.read_text(encoding="utf-8"), lesson.source)
    # Lesson pages are siblings: one lesson's page is ../<topic>/index.<ext> from another.
    siblings = {other.folder.name: page_path(other, "").lstrip("/") for other in lessons}
    text, errors = lesson_links(text, lesson.source, lessons, siblings)
    if errors:
        raise ContentError(errors)
    return text


def write_lesson_pages(lessons: list[Lesson], docs_dir: Path, lessons_url: str = "lessons"):
    """Write every Markdown lesson's page into `docs_dir`; return the paths written, in order.

    Notebook lessons are skipped (they need a notebook kernel: mkdocs-jupyter).
    """
    written = []
    for lesson in lessons:
        if lesson.is_notebook:
            continue
        target = docs_dir / page_path(lesson, lessons_url)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(lesson_markdown(lesson, lessons), encoding="utf-8")
        written.append(target)
    return written
