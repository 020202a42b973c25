"""Every page quizkit adds to a site, as plain Markdown that any Python-Markdown generator renders.

The MkDocs plugin is a thin adapter over these functions (issue 11, section 3): each page is a
plain function of the course and of the page's path in the docs tree, so `quizkit bundle`
can write the same pages as files for a generator that runs no MkDocs plugin (Zensical).

Headings and links are Markdown (a link to another lesson is its page's relative `.md` path,
which every generator resolves and strict mode checks). What only the renderer can make
(quiz widgets, the glossary list, the course quiz's shell) is left as a marker comment,
`<!-- quizkit: NAME key=value ... -->`, carrying the page-relative addresses it needs; the
`quizkit.markdown_ext.quiz` extension expands every marker after the page is rendered:

- `page lesson= glossary= link-terms=`: last on a Markdown lesson page: glossary terms'
  first uses linked, `<!-- quiz: item-id -->` embeds in place;
- `quiz lesson= glossary=`: a lesson's quiz section, after its Markdown "Quiz" heading
  (so the table of contents has it from the page itself);
- `toolbar`: the score toolbar of a lesson that embeds items but has no quiz of its own;
- `bank lesson= glossary=`: a lesson's quiz page;
- `course-quiz page=`: the course quiz's shell (quizkit.mkdocs.course_quiz);
- `glossary page=`, `lessons page=`, `interview`, `timing`: written by authors in docs pages
  (bare: `<!-- quizkit: lessons -->`) and given their page's address by `expand_markers`.

Addresses follow MkDocs' directory URLs (`lessons/<topic>/`), as Course.lesson_uri does.

A Markdown lesson's own source is turned into its page by `lesson_markdown`:
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

import re
from pathlib import Path
from typing import TYPE_CHECKING

from mkdocs.utils import get_relative_url

from quizkit.bank.safe_html import heading_markdown

from . import assets, course_quiz, figures, pages
from .client import client_config_module
from .lessons import ContentError, Lesson, lesson_links
from .render import BANK_HEADING_ID

if TYPE_CHECKING:
    from quizkit.course import Course

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
# Where the site's quiz widgets and their settings are (under the site root).
ASSETS = "assets/quizkit"
# The Markdown extension that expands the markers below (quizkit/markdown_ext/quiz.py).
QUIZ_EXTENSION = "quizkit.markdown_ext.quiz"

# Any marker; its arguments are `key=value` words (values are addresses and folder names,
# which hold no space). `\n?` so that removing one leaves no blank line behind.
MARKER = re.compile(r"\n?<!-- quizkit: (?P<name>[a-z-]+)(?P<args>(?: [a-z-]+=\S*)*) -->")
ARGUMENT = re.compile(r" (?P<key>[a-z-]+)=(?P<value>\S*)")
# Markers an author writes in a docs page; expand_markers adds the page's address.
AUTHORED = ("glossary", "lessons", "interview", "timing")


def marker(name: str, **args: str) -> str:
    """`<!-- quizkit: name key=value ... -->`; keyword `link_terms` is written `link-terms`."""
    words = "".join(f" {key.replace('_', '-')}={value}" for key, value in args.items())
    return f"<!-- quizkit: {name}{words} -->"


def marker_args(match: re.Match) -> dict[str, str]:
    """A MARKER match's arguments, by key."""
    return {m["key"]: m["value"] for m in ARGUMENT.finditer(match["args"])}


def page_url(src: str) -> str:
    """The address (from the site root) of the page at docs path `src`, with directory URLs:
    `lessons/x/index.md` -> `lessons/x/`, `glossary.md` -> `glossary/`, `index.md` -> ``."""
    stem = src.rsplit(".", 1)[0]
    if stem == "index":
        return ""
    return stem.removesuffix("index") if stem.endswith("/index") else f"{stem}/"


def address(target_src: str | None, page_src: str) -> str:
    """The page at `target_src` as addressed from the page at `page_src` ("" for None)."""
    if target_src is None:
        return ""
    return get_relative_url(page_url(target_src), page_url(page_src))


def page_marker(lesson: Lesson, glossary_url: str, link_terms: bool = True) -> str:
    """The marker telling quizkit.markdown_ext.quiz which lesson a page is and where the
    glossary is from it ("" without a glossary page); `link_terms` links terms' first uses."""
    flag = "yes" if link_terms else "no"
    return marker("page", lesson=lesson.name, glossary=glossary_url, link_terms=flag)


def page_path(lesson: Lesson, lessons_url: str = "lessons") -> str:
    """The lesson page's path in the docs tree, as the plugin names it (lessons/topic/index.md)."""
    return f"{lessons_url}/{lesson.topic}/index{lesson.source.suffix}"


def lesson_markdown(
    lesson: Lesson,
    lessons: list[Lesson],
    glossary_url: str = "",
    link_terms: bool = True,
    quiz: bool = False,
) -> str:
    """A Markdown lesson's page source: markers shown, links to lessons made page links,
    then its quiz section when `quiz` (a "Quiz" heading and the `quiz` marker), or the score
    toolbar when it embeds items without a quiz, and the page marker (page_marker) last.

    Raises ContentError (`path:line: link: ...`) for a link to a folder that is not a lesson.
    """
    source = lesson.source.read_text(encoding="utf-8")
    text = figures.page_markdown(source, lesson.source)
    # Lesson pages are siblings: one lesson's page is ../<topic>/index.<ext> from another.
    siblings = {other.folder.name: page_path(other, "").lstrip("/") for other in lessons}
    text, errors = lesson_links(text, lesson.source, lessons, siblings)
    if errors:
        raise ContentError(errors)
    if quiz:
        text += f"\n\n{quiz_section_markdown(lesson, glossary_url)}"
    elif pages.embedded_ids(source):
        text += f"\n\n{marker('toolbar')}"
    return f"{text}\n\n{page_marker(lesson, glossary_url, link_terms)}\n"


def quiz_section_markdown(lesson: Lesson, glossary_url: str) -> str:
    """A lesson page's quiz section: its heading, then the marker of the quiz's widgets."""
    section = marker("quiz", lesson=lesson.name, glossary=glossary_url)
    return f"## Quiz {{#{BANK_HEADING_ID}}}\n\n{section}"


def lesson_page(
    course: Course, lesson: Lesson, glossary_src: str | None = "glossary.md", link_terms=True
) -> str:
    """A Markdown lesson's page (lesson_markdown), its quiz section included when it has one.

    `glossary_src` is the glossary page's docs path (None: the site has none)."""
    glossary_url = address(glossary_src, course.lesson_src(lesson))
    quiz = lesson.name in course.banks
    return lesson_markdown(lesson, course.lessons, glossary_url, link_terms, quiz)


def quiz_page(course: Course, lesson: Lesson, glossary_src: str | None = "glossary.md") -> str:
    """A lesson's quiz page: its title as the heading, then the `bank` marker."""
    bank = course.banks[lesson.name]
    glossary_url = address(glossary_src, course.quiz_src(lesson))
    # Escaped as well as checked: a title never adds markup to the heading.
    heading = f"# Quiz: {heading_markdown(bank.title)}"
    return f"{heading}\n\n{marker('bank', lesson=lesson.name, glossary=glossary_url)}\n"


def course_quiz_page() -> str:
    """The course quiz's page: its title, then the `course-quiz` marker of its shell."""
    shell = marker("course-quiz", page=page_url(course_quiz.PAGE_SRC))
    return f"{course_quiz.page_markdown()}\n{shell}\n"


def course_pool(course: Course, renderer, glossary_src: str | None = "glossary.md") -> str:
    """The course quiz's items as JSON (course_quiz.POOL_URI), links relative to its page."""
    here = course_quiz.PAGE_SRC
    sources = [
        course_quiz.Source(
            bank=course.banks[lesson.name],
            path=lesson.bank_path,
            lesson_title=lesson.title,
            lesson_url=address(course.lesson_src(lesson), here),
        )
        for lesson in course.lessons
        if lesson.name in course.banks
    ]
    glossary_url = address(glossary_src, here)
    data = course_quiz.pool(sources, renderer, course.terms, glossary_url, course.trace_results)
    return course_quiz.pool_json(data)


def expand_markers(markdown: str, page_src: str, glossary_src: str | None = "glossary.md") -> str:
    """An authored docs page with its markers (`<!-- quizkit: lessons -->`, AUTHORED) given
    the page's address and the glossary's, for the quiz extension to expand.

    The glossary page gets its list at its marker, or at the end when it has none.
    """
    if page_src == glossary_src and pages.MARKER.format(name="glossary") not in markdown:
        markdown = f"{markdown.rstrip()}\n\n{pages.MARKER.format(name='glossary')}\n"
    args = {
        "glossary": {"page": page_url(page_src)},
        "lessons": {"page": page_url(page_src)},
        "interview": {"glossary": address(glossary_src, page_src)},
        "timing": {},
    }
    for name in AUTHORED:
        markdown = markdown.replace(pages.MARKER.format(name=name), marker(name, **args[name]))
    return markdown


def generated_pages(
    course: Course, glossary_src: str | None = "glossary.md", link_terms: bool = True
) -> dict[str, str | Path]:
    """Every page quizkit adds, by docs path, in nav order: each lesson's page and quiz page,
    then the course quiz page (when any lesson has a quiz). A page is its Markdown, or for a
    notebook lesson the notebook's own file (it needs a kernel: mkdocs-jupyter runs it)."""
    written: dict[str, str | Path] = {}
    for lesson in course.lessons:
        written[course.lesson_src(lesson)] = (
            lesson.source
            if lesson.is_notebook
            else lesson_page(course, lesson, glossary_src, link_terms)
        )
        if lesson.name in course.banks:
            written[course.quiz_src(lesson)] = quiz_page(course, lesson, glossary_src)
    if course.banks:
        written[course_quiz.PAGE_SRC] = course_quiz_page()
    return written


def generated_assets(
    course: Course, renderer, katex_dir: Path, glossary_src: str | None = "glossary.md"
) -> dict[str, str | Path]:
    """Every other file quizkit adds, by site path: its text, or the file to copy. The quiz
    widgets (quizkit/web), the client's settings (quiz-config.js), the course quiz's items,
    and KaTeX (raises FileNotFoundError, saying how to install it, when it is missing)."""
    written: dict[str, str | Path] = dict(assets.web_files(WEB_DIR, ASSETS))
    # The course's item ids and kinds: an import naming any other id is refused.
    items = {item.id: item.kind for bank in course.banks.values() for item in bank.items}
    written[f"{ASSETS}/quiz-config.js"] = client_config_module(items)
    if course.banks:
        written[course_quiz.POOL_URI] = course_pool(course, renderer, glossary_src)
    written.update(assets.katex_files(katex_dir))
    return written


def page_assets() -> tuple[list[str], list[str]]:
    """The style sheets and the module scripts every page loads (site paths, in order)."""
    # No KaTeX script: the build typesets the pages' math (math_render), and quiz-math.js
    # loads KaTeX only for math that appears later (feedback, the course quiz).
    styles, modules = [assets.KATEX_CSS, f"{ASSETS}/quiz.css"], [f"{ASSETS}/quiz.js"]
    if (WEB_DIR / "runtime.js").is_file():
        # Linked in the page, not added by runtime.js: a style sheet added after the page has
        # rendered makes the browser style the whole page again.
        styles.append(f"{ASSETS}/runtime.css")
        modules.append(f"{ASSETS}/runtime.js")
    modules.append(f"{ASSETS}/offline.js")
    return styles, modules


def nav_section(course: Course, pages: set[str] | None = None) -> list[dict]:
    """The nav's lessons section: each lesson's page, then its quiz page. `pages`: only
    these docs paths (None: all of them)."""
    section = []
    for lesson in course.lessons:
        page, quiz = course.lesson_src(lesson), course.quiz_src(lesson)
        children: list = [page] if pages is None or page in pages else []
        if lesson.name in course.banks and (pages is None or quiz in pages):
            children.append({"Quiz": quiz})
        if children:
            section.append({lesson.title: children})
    return section


def with_section(nav: list | None, title: str, section: list) -> list:
    """`nav` with the entry named `title` holding `section` (added at the end without one)."""
    nav = list(nav or [])
    for k, entry in enumerate(nav):
        if isinstance(entry, dict) and title in entry:
            nav[k] = {title: section}
            return nav
    return [*nav, {title: section}]
