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
- `quiz lesson= glossary=`: a lesson's quiz section, after its Markdown "Quiz" heading (so
  the table of contents has it from the page itself); without the items the lesson embeds
  in its prose;
- `toolbar`: the score toolbar of a lesson that embeds items but has no quiz of its own;
- `bank lesson= glossary=`: a lesson's quiz page;
- `course-quiz page=`: the course quiz's shell (quizkit.mkdocs.course_quiz);
- `glossary page=`, `lessons page=`, `interview`, `timing`: written by authors in docs pages
  (bare: `<!-- quizkit: lessons -->`) and given their page's address by `expand_markers`,
  which leaves markers quoted in code alone and refuses any other name (path:line).

Every page's URL is `page_url` of its docs path: MkDocs' directory URLs (`lessons/<topic>/`);
a site with `use_directory_urls: false` is refused (`directory_urls_problem`). A relative
address is written from the page's `Target.base`: its URL for MkDocs, which leaves raw HTML
hrefs as they are, or its source file for a generator that resolves every relative href
against the page's source file, as Zensical does (`Target(plain=True)`, `quizkit bundle`).

A Markdown lesson's own source is turned into its page by `lesson_markdown`:
- figure markers `{{ EXPR = SHOWN }}` become SHOWN (judged by `quizkit check` and the build:
  quizkit.mkdocs.figures), here rather than in a Markdown extension because docs pages quote
  the marker syntax itself;
- links to another lesson's folder (`../06-efficiency/`) point at that lesson's page
  (quizkit.mkdocs.lessons.lesson_links);
- `python runnable` fences are left as they are, for the `quizkit.markdown_ext.cells`
  extension that every generator runs.

Notebook lessons (lesson.py) are executed by mkdocs-jupyter in the MkDocs build. For a
generator without it (`Target(plain=True)`) a notebook lesson is executed when its page is
generated and written as Markdown with its outputs and plots (`notebook_files`,
quizkit.mkdocs.notebook_markdown), then ends as a Markdown lesson's page does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mkdocs.utils import get_relative_url

from quizkit.bank.safe_html import heading_markdown

from . import assets, course_quiz, figures, notebook_markdown, pages
from .client import client_config_module
from .lessons import ContentError, Lesson, lesson_links
from .render import BANK_HEADING_ID

if TYPE_CHECKING:
    from quizkit.course import Course

WEB_DIR = Path(__file__).resolve().parent.parent / "web"
# Where the site's quiz widgets and their settings are (under the site root).
ASSETS = "assets/quizkit"
# The one style sheet every page links: generated_assets joins _style_sources into it.
STYLESHEET = f"{ASSETS}/styles.css"
# The Markdown extension that expands the markers below (quizkit/markdown_ext/quiz.py).
QUIZ_EXTENSION = "quizkit.markdown_ext.quiz"

# Any marker, as written here or by an author (spacing as loose as an embed's, see
# pages.EMBED); its arguments are `key=value` words (values are addresses and folder names,
# which hold no space). `\n?` so that removing one leaves no blank line behind.
MARKER = re.compile(r"\n?<!--\s*quizkit:\s*(?P<name>[\w-]+)(?P<args>(?:\s+[a-z-]+=\S*?)*)\s*-->")
ARGUMENT = re.compile(r"\s(?P<key>[a-z-]+)=(?P<value>\S*)")
# Markers an author writes in a docs page; expand_markers adds the page's address.
AUTHORED = ("glossary", "lessons", "interview", "timing")
# Markdown code, where a marker is quoted rather than used: a fenced block (to its closing
# fence, or the end of the page) or a code span (which never crosses a blank line).
CODE = re.compile(
    r"^[ \t]*(?P<fence>`{3,}|~{3,})[^\n]*\n.*?(?:^[ \t]*(?P=fence)[ \t]*$|\Z)"
    r"|(?P<ticks>`+)(?!`)(?:(?!\n[ \t]*\n).)+?(?<!`)(?P=ticks)(?!`)",
    re.M | re.S,
)


@dataclass(frozen=True)
class Target:
    """Who renders the generated pages.

    MkDocs (the plugin; `plain=False`) runs notebook lessons with mkdocs-jupyter and leaves raw
    HTML hrefs as written, so addresses are relative to the page's URL. A generator without
    MkDocs plugins (`plain=True`: `quizkit bundle` for Zensical) gets each notebook lesson
    run and written as Markdown (notebook_files), and resolves every relative href against
    the page's source file, so addresses are relative to that file."""

    plain: bool = False

    def base(self, src: str) -> str:
        """What the page at docs path `src` writes its relative addresses from."""
        return src if self.plain else page_url(src)

    def lesson_src(self, course: Course, lesson: Lesson) -> str:
        """The lesson page's docs path: for a notebook, its Markdown page's when plain."""
        return page_path(lesson, course.lessons_url, markdown=self.plain)


MKDOCS = Target()
PLAIN = Target(plain=True)


def marker(name: str, **args: str) -> str:
    """`<!-- quizkit: name key=value ... -->`; keyword `link_terms` is written `link-terms`."""
    words = "".join(f" {key.replace('_', '-')}={value}" for key, value in args.items())
    return f"<!-- quizkit: {name}{words} -->"


def marker_args(match: re.Match) -> dict[str, str]:
    """A MARKER match's arguments, by key."""
    return {m["key"]: m["value"] for m in ARGUMENT.finditer(match["args"])}


def markers_outside_code(markdown: str) -> list[re.Match]:
    """The MARKER matches in a Markdown source that are not inside code (CODE)."""
    code = [m.span() for m in CODE.finditer(markdown)]
    return [
        m for m in MARKER.finditer(markdown)
        if not any(start <= m.start("name") < end for start, end in code)
    ]  # fmt: skip


def page_url(src: str) -> str:
    """The address (from the site root) of the page at docs path `src`, with directory URLs:
    `lessons/x/index.md` -> `lessons/x/`, `glossary.md` -> `glossary/`, `index.md` -> ``."""
    stem = src.rsplit(".", 1)[0]
    if stem == "index":
        return ""
    return stem.removesuffix("index") if stem.endswith("/index") else f"{stem}/"


def relative(url: str, base: str) -> str:
    """`url` (from the site root) as addressed from a page's `base` (Target.base)."""
    return get_relative_url(url, base)


def address(target_src: str | None, page_src: str, target: Target = MKDOCS) -> str:
    """The page at `target_src` as addressed from the page at `page_src` ("" for None)."""
    if target_src is None:
        return ""
    return relative(page_url(target_src), target.base(page_src))


def directory_urls_problem(config_file: Path, use_directory_urls: bool) -> str | None:
    """Why the site of `config_file` cannot be built (None: it can): its pages link each
    other by directory URLs (page_url), which `use_directory_urls: false` would break."""
    if use_directory_urls:
        return None
    return (
        f"{config_file}: use_directory_urls: false is not supported: quizkit's pages link "
        "each other by directory URLs (lessons/<topic>/); remove the setting"
    )


def page_marker(lesson: Lesson, glossary_url: str, link_terms: bool = True) -> str:
    """The marker telling quizkit.markdown_ext.quiz which lesson a page is and where the
    glossary is from it ("" without a glossary page); `link_terms` links terms' first uses."""
    flag = "yes" if link_terms else "no"
    return marker("page", lesson=lesson.name, glossary=glossary_url, link_terms=flag)


def page_path(lesson: Lesson, lessons_url: str = "lessons", markdown: bool = False) -> str:
    """The lesson page's path in the docs tree (lessons/topic/index.md); a notebook lesson's
    is index.py (mkdocs-jupyter renders it) unless `markdown` (notebook_files wrote it)."""
    suffix = ".md" if markdown else lesson.source.suffix
    return f"{lessons_url}/{lesson.topic}/index{suffix}"


def lesson_markdown(
    lesson: Lesson,
    lessons: list[Lesson],
    glossary_url: str = "",
    link_terms: bool = True,
    quiz: bool = False,
    plain: bool = False,
) -> str:
    """A Markdown lesson's page source: markers shown, then as `finish_lesson` makes it.

    Raises ContentError (`path:line: link: ...`) for a link to a folder that is not a lesson.
    """
    source = lesson.source.read_text(encoding="utf-8")
    text = figures.page_markdown(source, lesson.source)
    return finish_lesson(lesson, lessons, text, glossary_url, link_terms, quiz, plain)


def finish_lesson(
    lesson: Lesson,
    lessons: list[Lesson],
    text: str,
    glossary_url: str,
    link_terms: bool,
    quiz: bool,
    plain: bool,
    source: str | None = None,
) -> str:
    """A lesson page from its Markdown `text`: links to lessons made page links, then its
    quiz section when `quiz` (a "Quiz" heading and the `quiz` marker), or the score toolbar
    when it embeds items without a quiz, and the page marker (page_marker) last. `plain`:
    notebook lessons' pages are Markdown (Target.plain). `source` is the lesson file's text
    when `text`'s lines are not the file's (a notebook's), so that a link error names the
    file's line.

    Raises ContentError (`path:line: link: ...`) for a link to a folder that is not a lesson.
    """
    # Lesson pages are siblings: one lesson's page is ../<topic>/index.<ext> from another.
    siblings = {other.folder.name: page_path(other, "", plain).lstrip("/") for other in lessons}
    text, errors = lesson_links(text, lesson.source, lessons, siblings)
    if source is not None:
        # `text` (a notebook's Markdown) has the file's links but not its lines: the same
        # links are found again in the file, so that each error names the file's line.
        errors = lesson_links(source, lesson.source, lessons, siblings)[1]
    if errors:
        raise ContentError(errors)
    if quiz:
        text += f"\n\n{quiz_section_markdown(lesson, glossary_url)}"
    elif pages.embedded_ids(text):
        text += f"\n\n{marker('toolbar')}"
    return f"{text}\n\n{page_marker(lesson, glossary_url, link_terms)}\n"


def quiz_section_markdown(lesson: Lesson, glossary_url: str) -> str:
    """A lesson page's quiz section: its heading, then the marker of the quiz's widgets."""
    section = marker("quiz", lesson=lesson.name, glossary=glossary_url)
    return f"## Quiz {{#{BANK_HEADING_ID}}}\n\n{section}"


def lesson_page(
    course: Course,
    lesson: Lesson,
    glossary_src: str | None = "glossary.md",
    link_terms=True,
    target: Target = MKDOCS,
) -> str:
    """A Markdown lesson's page (lesson_markdown), its quiz section included when it has one.

    `glossary_src` is the glossary page's docs path (None: the site has none)."""
    glossary_url = address(glossary_src, target.lesson_src(course, lesson), target)
    quiz = lesson.name in course.banks
    return lesson_markdown(lesson, course.lessons, glossary_url, link_terms, quiz, target.plain)


def notebook_files(
    course: Course,
    lesson: Lesson,
    glossary_src: str | None = "glossary.md",
    link_terms: bool = True,
    timeout: float = notebook_markdown.TIMEOUT,
) -> dict[str, str | bytes]:
    """For a generator without mkdocs-jupyter (PLAIN): a notebook lesson run and written as
    Markdown (quizkit.mkdocs.notebook_markdown), ended as a Markdown lesson's page is
    (finish_lesson), and its plots, image files beside it. By docs path. Raises ContentError
    (`path:line: ...`) as the MkDocs build reports the notebook's problems (its cells may run
    `timeout` seconds together), and notebook_markdown.KernelError when the kernel cannot
    run it."""
    written = notebook_markdown.run_notebook(course.notebooks[lesson.name], timeout)
    src = PLAIN.lesson_src(course, lesson)
    glossary_url = address(glossary_src, src, PLAIN)
    source = lesson.source.read_text(encoding="utf-8")
    quiz = lesson.name in course.banks
    text = finish_lesson(lesson, course.lessons, written.markdown, glossary_url, link_terms,
                         quiz, PLAIN.plain, source)  # fmt: skip
    folder = src.rsplit("/", 1)[0]
    return {src: text, **{f"{folder}/{name}": data for name, data in written.images.items()}}


def quiz_page(
    course: Course, lesson: Lesson, glossary_src: str | None = "glossary.md", target=MKDOCS
) -> str:
    """A lesson's quiz page: its title as the heading, then the `bank` marker."""
    bank = course.banks[lesson.name]
    glossary_url = address(glossary_src, course.quiz_src(lesson), target)
    # Escaped as well as checked: a title never adds markup to the heading.
    heading = f"# Quiz: {heading_markdown(bank.title)}"
    return f"{heading}\n\n{marker('bank', lesson=lesson.name, glossary=glossary_url)}\n"


def course_quiz_page() -> str:
    """The course quiz's page: its title, then the `course-quiz` marker of its shell.

    Its addresses are from the page's URL for every target: quiz.js reads the pool's
    address from an attribute and the pool's links from JSON, which no generator rewrites
    (the page is an index.md, whose source folder is its URL anyway)."""
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


def expand_markers(
    markdown: str,
    page_src: str,
    glossary_src: str | None = "glossary.md",
    target: Target = MKDOCS,
    where: str | None = None,
) -> str:
    """An authored docs page with its markers (`<!-- quizkit: lessons -->`, AUTHORED) given
    the page's address and the glossary's, for the quiz extension to expand. Markers
    quoted in code are left alone.

    The glossary page gets its list at its marker, or at the end when it has none.
    Raises ContentError (`where:line: quizkit: name: ...`, `where` defaulting to page_src)
    for a marker of any other name.
    """
    found = markers_outside_code(markdown)
    unknown = [m for m in found if m["name"] not in AUTHORED]
    if unknown:
        raise ContentError([
            f"{where or page_src}:{markdown.count(chr(10), 0, m.start('name')) + 1}: quizkit: "
            f"{m['name']}: no such marker (a page may hold {', '.join(AUTHORED)})"
            for m in unknown
        ])  # fmt: skip
    if page_src == glossary_src and not any(m["name"] == "glossary" for m in found):
        markdown = f"{markdown.rstrip()}\n\n{marker('glossary')}\n"
        found = markers_outside_code(markdown)
    base = target.base(page_src)
    args = {
        "glossary": {"page": base},
        "lessons": {"page": base},
        "interview": {"glossary": address(glossary_src, page_src, target)},
        "timing": {},
    }
    out, done = [], 0
    for m in found:
        # The line break MARKER takes in before a marker stays.
        lead = "\n" if m.group(0).startswith("\n") else ""
        out += [markdown[done : m.start()], lead, marker(m["name"], **args[m["name"]])]
        done = m.end()
    return "".join(out) + markdown[done:]


def generated_pages(
    course: Course,
    glossary_src: str | None = "glossary.md",
    link_terms: bool = True,
    target: Target = MKDOCS,
    notebook_timeout: float = notebook_markdown.TIMEOUT,
) -> dict[str, str | Path | bytes]:
    """Every page quizkit adds, by docs path, in nav order: each lesson's page and quiz page,
    then the course quiz page (when any lesson has a quiz). A page is its Markdown, or for a
    notebook lesson the notebook's own file (it needs a kernel: mkdocs-jupyter runs it), or
    for a plain target its Markdown followed by its plots' files (notebook_files, each
    notebook's cells given `notebook_timeout` seconds).

    Raises ContentError with every lesson's problems at once."""
    written: dict[str, str | Path | bytes] = {}
    errors: list[str] = []
    for lesson in course.lessons:
        try:
            if not lesson.is_notebook:
                written[target.lesson_src(course, lesson)] = lesson_page(
                    course, lesson, glossary_src, link_terms, target
                )
            elif target.plain:
                written.update(
                    notebook_files(course, lesson, glossary_src, link_terms, notebook_timeout)
                )
            else:
                written[target.lesson_src(course, lesson)] = lesson.source
        except ContentError as exc:
            errors += exc.messages
        if lesson.name in course.banks:
            written[course.quiz_src(lesson)] = quiz_page(course, lesson, glossary_src, target)
    if errors:
        raise ContentError(errors)
    if course.banks:
        written[course_quiz.PAGE_SRC] = course_quiz_page()
    return written


def generated_assets(
    course: Course, renderer, katex_dir: Path, glossary_src: str | None = "glossary.md"
) -> dict[str, str | Path]:
    """Every other file quizkit adds, by site path: its text, or the file to copy. The quiz
    widgets (quizkit/web), the client's settings (quiz-config.js), the course quiz's items,
    the pages' style sheet (STYLESHEET) and KaTeX (raises FileNotFoundError, saying how to
    install it, when it is missing)."""
    written: dict[str, str | Path] = dict(assets.web_files(WEB_DIR, ASSETS))
    # The course's item ids and kinds: an import naming any other id is refused.
    items = {item.id: item.kind for bank in course.banks.values() for item in bank.items}
    written[f"{ASSETS}/quiz-config.js"] = client_config_module(items)
    if course.banks:
        written[course_quiz.POOL_URI] = course_pool(course, renderer, glossary_src)
    written.update(assets.katex_files(katex_dir))
    written[STYLESHEET] = assets.stylesheet(_style_sources(katex_dir), STYLESHEET)
    return written


# How the page loads the scripts of page_assets: modules, each run as soon as it has loaded.
ASYNC_MODULES = {"type": "module", "async": True}


def _ships_runtime() -> bool:
    """Whether pages load the Python runtime's module (and its styles): quizkit/web has it."""
    return (WEB_DIR / "runtime.js").is_file()


def page_assets(offline: bool = True) -> tuple[list[str], list[str]]:
    """The style sheets and the module scripts every page loads (site paths, in order);
    without the offline worker's loader unless `offline` (the site then has no sw.js).

    The scripts are loaded as async modules (ASYNC_MODULES): a deferred module holds up
    DOMContentLoaded until it and every module it imports have loaded, and Material starts its
    own components on DOMContentLoaded, so on a slow connection Material's start-up work would
    wait for ours and land later in the page's loading, where it blocks the reader
    (on the chain-rule lesson, six interleaved Lighthouse runs: median total blocking time
    1.39 s deferred, 0.83 s async, 0.70 s without our scripts). dom.js onEveryPage copes with
    a module that runs before Material's script."""
    # No KaTeX script: the build typesets the pages' math (math_render), and quiz-math.js
    # loads KaTeX only for math that appears later (feedback, the course quiz).
    modules = [f"{ASSETS}/quiz.js"]
    if _ships_runtime():
        modules.append(f"{ASSETS}/runtime.js")
    if offline:
        modules.append(f"{ASSETS}/offline.js")
    return [STYLESHEET], modules


def _style_sources(katex_dir: Path) -> list[tuple[str, Path]]:
    """The style sheets joined into STYLESHEET, (site URI, source file) in cascade order:
    KaTeX's, then ours (quiz.css: questions; runtime.css: runnable cells; page.css: the page
    around them, last as it adjusts what comes before). Each is also in the site on its own.
    runtime.css is in it, not added by runtime.js: a style sheet added after the page has
    rendered makes the browser style the whole page again."""
    ours = ["quiz.css"]
    if _ships_runtime():
        ours.append("runtime.css")
    ours.append("page.css")
    return [
        (assets.KATEX_CSS, katex_dir / "katex.min.css"),
        *((f"{ASSETS}/{name}", WEB_DIR / name) for name in ours),
    ]


def nav_section(course: Course, target: Target = MKDOCS) -> list[dict]:
    """The nav's lessons section: each lesson's page, then its quiz page."""
    section = []
    for lesson in course.lessons:
        children: list = [target.lesson_src(course, lesson)]
        if lesson.name in course.banks:
            children.append({"Quiz": course.quiz_src(lesson)})
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
