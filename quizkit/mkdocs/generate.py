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
  extension that every generator runs;
- a page marker at the end names the lesson and the glossary page's address from this page,
  for the `quizkit.markdown_ext.quiz` extension (quiz embeds and glossary links).

Notebook lessons (lesson.py) are executed by mkdocs-jupyter and have no plain-Markdown page
yet: that needs the notebook run at generation and its outputs written as Markdown.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import figures
from .lessons import ContentError, Lesson, lesson_links

# Written by page_marker at the end of a lesson page; read and removed by the quiz extension.
PAGE_MARKER = re.compile(
    r"\n?<!-- quizkit: page lesson=(?P<lesson>\S+) glossary=(?P<glossary>\S*)"
    r" link-terms=(?P<link_terms>yes|no) -->"
)


def page_marker(lesson: Lesson, glossary_url: str, link_terms: bool = True) -> str:
    """The marker telling quizkit.markdown_ext.quiz which lesson a page is and where the
    glossary is from it ("" without a glossary page); `link_terms` links terms' first uses."""
    flag = "yes" if link_terms else "no"
    return f"<!-- quizkit: page lesson={lesson.name} glossary={glossary_url} link-terms={flag} -->"


def page_path(lesson: Lesson, lessons_url: str = "lessons") -> str:
    """The lesson page's path in the docs tree, as the plugin names it (lessons/topic/index.md)."""
    return f"{lessons_url}/{lesson.topic}/index{lesson.source.suffix}"


def lesson_markdown(
    lesson: Lesson, lessons: list[Lesson], glossary_url: str = "", link_terms: bool = True
) -> str:
    """A Markdown lesson's page source: markers shown, links to lessons made page links, and
    the page marker (page_marker) last.

    Raises ContentError (`path:line: link: ...`) for a link to a folder that is not a lesson.
    """
    text = figures.page_markdown(lesson.source.read_text(encoding="utf-8"), lesson.source)
    # Lesson pages are siblings: one lesson's page is ../<topic>/index.<ext> from another.
    siblings = {other.folder.name: page_path(other, "").lstrip("/") for other in lessons}
    text, errors = lesson_links(text, lesson.source, lessons, siblings)
    if errors:
        raise ContentError(errors)
    return f"{text}\n\n{page_marker(lesson, glossary_url, link_terms)}\n"


def write_lesson_pages(
    lessons: list[Lesson], docs_dir: Path, lessons_url: str = "lessons", glossary_url: str = ""
):
    """Write every Markdown lesson's page into `docs_dir`; return the paths written, in order.

    `glossary_url` is the glossary page's address from a lesson page (e.g. ../../glossary/).

    Notebook lessons are skipped (they need a notebook kernel: mkdocs-jupyter).
    """
    written = []
    for lesson in lessons:
        if lesson.is_notebook:
            continue
        target = docs_dir / page_path(lesson, lessons_url)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(lesson_markdown(lesson, lessons, glossary_url), encoding="utf-8")
        written.append(target)
    return written
