"""Every quizkit marker expanded into HTML, as a Python-Markdown extension.

`- quizkit.markdown_ext.quiz` in mkdocs.yml. The pages quizkit.mkdocs.generate writes carry
marker comments (`<!-- quizkit: NAME key=value ... -->`, listed there) naming what goes where
and the addresses it needs from that page (an extension is not told which page it renders,
nor where others are). After the page is rendered, this extension:

1. on a lesson page (the `page` marker), links the first use of each glossary term to its
   entry (glossary.link_first_uses) and puts each `<!-- quiz: item-id -->` item's widget
   where the comment stands;
2. replaces every other marker with what it names: a quiz section (taking the heading
   before it inside), a quiz page's bank, the course quiz's shell, the glossary, the list of
   lessons, the interview questions, the table of minutes per kind, the score toolbar;

all rendered by the same templates (quizkit.mkdocs.render), so that MkDocs, ProperDocs and
Zensical show the same page. Pages without a marker are left alone; a bare authored marker
that needs its page's address (`<!-- quizkit: lessons -->` not passed through
generate.expand_markers) is left as it is.

Under MkDocs the quizkit plugin hands over the course and renderer it has already built
(options `course` and `renderer`); any other generator gets the course read from
`lessons_dir` (relative to where the build runs), its pages under `lessons_url`, read again
when a file in that folder has changed (as under `zensical serve`), and bank text rendered
with render.py's default extensions.
"""

from __future__ import annotations

import re
from pathlib import Path

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor
from markupsafe import Markup

from quizkit.course import Course
from quizkit.mkdocs import course_quiz, pages
from quizkit.mkdocs.generate import AUTHORED, MARKER, marker_args, relative
from quizkit.mkdocs.glossary import link_first_uses
from quizkit.mkdocs.lessons import Lesson
from quizkit.mkdocs.render import MarkdownRenderer, Renderer

# After Python-Markdown restores raw HTML (30): the markers are HTML comments in the source.
PRIORITY = 5
# The heading (as the toc extension wrote it) just before a `quiz` marker.
HEADING_BEFORE = re.compile(
    r"\s*(<h(?P<level>[1-6])\b[^>]*>(?:(?!</?h[1-6]\b).)*</h(?P=level)>)\s*$", re.S
)
# Markers that need neither the course nor the page's address.
NEEDS_NO_COURSE = {"timing"}

# By (lessons folder, lessons_url): every file and folder under it with its modification
# time when the course was read (a file deleted or added changes the list, even when no
# time is newer), and the course with its renderer.
_courses: dict[tuple[Path, str], tuple[list[tuple[str, float]], Course, Renderer]] = {}


def lesson_html(
    html: str,
    course: Course,
    renderer: Renderer,
    lesson: Lesson,
    glossary_url: str,
    link_terms: bool = True,
) -> str:
    """A rendered lesson page with its glossary terms linked and its quiz embeds in place.

    Also what the plugin does to a notebook lesson, which Python-Markdown does not render.
    """
    if link_terms and glossary_url:
        html = link_first_uses(html, course.terms, lambda t: f"{glossary_url}#{t.slug}")
    ctx = course.render_context(lesson, glossary_url)
    return pages.replace_embeds(
        html, lambda item_id: str(renderer.item(course.items[item_id][1], None, ctx, level=3))
    )


def quiz_section(
    course: Course,
    renderer: Renderer,
    lesson: Lesson,
    glossary_url: str,
    heading: str | None,
) -> str:
    """A lesson page's quiz: its bank without the items the page embeds, under `heading`
    (the page's own "Quiz" heading, as rendered) or, without one, a level-2 "Quiz" heading."""
    ctx = course.render_context(lesson, glossary_url)
    embedded = pages.embedded_ids(lesson.source.read_text(encoding="utf-8"))
    return str(
        renderer.bank(
            course.banks[lesson.name],
            ctx,
            skip=embedded,
            level=2,
            title="Quiz",
            heading=Markup(heading) if heading else None,
            intro=True,
            toolbar=str(renderer.toolbar()),
        )
    )


def expand(text: str, course_of) -> str:
    """`text` with every marker replaced (see the module's docstring); `course_of()` gives
    the (Course, Renderer) pair, asked for only when a marker needs it."""
    found = list(MARKER.finditer(text))
    if not found:
        return text
    course = renderer = None
    if any(m["name"] not in NEEDS_NO_COURSE for m in found):
        course, renderer = course_of()
    page = next((m for m in found if m["name"] == "page"), None)
    if page is not None:
        # First: terms are linked in the lesson's own prose, never in what is added below.
        args = marker_args(page)
        text = text[: page.start()] + text[page.end() :]
        text = lesson_html(text, course, renderer, _lesson(course, args["lesson"]),
                           args["glossary"], args.get("link-terms") == "yes")  # fmt: skip
    out, done = [], 0
    for match in MARKER.finditer(text):
        name, args = match["name"], marker_args(match)
        before = text[done : match.start()]
        if name == "quiz":
            # The section takes in the heading written just before its marker.
            heading = HEADING_BEFORE.search(before)
            if heading is not None:
                before = before[: heading.start()]
            lesson = _lesson(course, args["lesson"])
            html = quiz_section(course, renderer, lesson, args["glossary"],
                                heading.group(1) if heading else None)  # fmt: skip
        else:
            html = _expansion(name, args, course, renderer)
            if html is None:
                html = match.group(0)
            elif name in AUTHORED and match.group(0).startswith("\n"):
                html = "\n" + html  # in place of the author's comment; the line break stays
        out += [before, html]
        done = match.end()
    return "".join(out) + text[done:]


def _expansion(name: str, args: dict, course, renderer) -> str | None:
    """The HTML of one marker other than `page` and `quiz` (None: leave it as it is)."""
    if name == "timing":
        return pages.timing_table()
    if name == "toolbar":
        return str(renderer.toolbar())
    if name == "bank":
        lesson = _lesson(course, args["lesson"])
        ctx = course.render_context(lesson, args["glossary"])
        bank = course.banks[lesson.name]
        return str(renderer.bank(bank, ctx, level=1, intro=True, toolbar=str(renderer.toolbar())))
    if name == "interview":
        ctx = course.render_context(None, args.get("glossary", ""))
        interview = [item for _, item in course.items.values() if item.kind == "interview"]
        body = "".join(
            str(renderer.item(item, n, ctx, level=2)) for n, item in enumerate(interview, 1)
        )
        return str(renderer.toolbar()) + body
    if "page" not in args:
        return None
    here = args["page"]
    if name == "glossary":
        return str(renderer.glossary(course.terms, lambda t: relative(t.lesson_url, here)))
    if name == "lessons":
        return pages.lesson_list(
            course.lessons,
            course.banks,
            lambda topic: relative(course.lesson_uri(topic), here),
        )
    if name == "course-quiz":
        quizzes = [
            (lesson.title, relative(course.quiz_uri(lesson), here))
            for lesson in course.lessons
            if lesson.name in course.banks
        ]
        return str(course_quiz.page_html(relative(course_quiz.POOL_URI, here), quizzes))
    return None


def _lesson(course: Course, name: str) -> Lesson:
    return next(lesson for lesson in course.lessons if lesson.name == name)


def _load(lessons_dir: str, lessons_url: str) -> tuple[Course, Renderer]:
    where = Path(lessons_dir).resolve()
    files = sorted((str(path), path.stat().st_mtime) for path in where.rglob("*"))
    cached = _courses.get((where, lessons_url))
    if cached is None or cached[0] != files:
        course = Course.load(where.parent, where.name, lessons_url)
        cached = _courses[where, lessons_url] = (files, course, Renderer(MarkdownRenderer()))
    return cached[1], cached[2]


class QuizPostprocessor(Postprocessor):
    def __init__(self, md: Markdown, extension: QuizExtension):
        super().__init__(md)
        self.extension = extension

    def run(self, text: str) -> str:
        return expand(text, self._course)

    def _course(self) -> tuple[Course, Renderer]:
        course = self.extension.getConfig("course")
        renderer = self.extension.getConfig("renderer")
        if course and renderer:
            return course, renderer
        return _load(
            self.extension.getConfig("lessons_dir"), self.extension.getConfig("lessons_url")
        )


class QuizExtension(Extension):
    def __init__(self, **kwargs):
        self.config = {
            "lessons_dir": ["lessons_src", "The lessons folder, relative to where the build runs"],
            "lessons_url": ["lessons", "Where the lesson pages are under the site's root"],
            # "" for none: Python-Markdown reads an option whose default is None as a bool.
            "course": ["", "A quizkit.course.Course already loaded (the MkDocs plugin's)"],
            "renderer": ["", "The quizkit.mkdocs.render.Renderer to render items with"],
        }
        super().__init__(**kwargs)

    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        md.registerExtension(self)
        md.postprocessors.register(QuizPostprocessor(md, self), "quizkit_quiz", PRIORITY)


def makeExtension(**kwargs) -> QuizExtension:  # noqa: N802 - Python-Markdown's name
    return QuizExtension(**kwargs)
