"""Quiz embeds and glossary links in lesson pages, as a Python-Markdown extension.

`- quizkit.markdown_ext.quiz` in mkdocs.yml. A lesson page written by
quizkit.mkdocs.generate ends with a page marker naming its lesson and the glossary page's
address relative to it (an extension is not told which page it renders, nor where others
are). On such a page this extension, after the page is rendered:

1. links the first use of each glossary term to its entry (glossary.link_first_uses);
2. puts each `<!-- quiz: item-id -->` item's widget where the comment stands, rendered by
   the same templates as the quiz pages (quizkit.mkdocs.render).

Pages without the marker are left alone. Under MkDocs the quizkit plugin hands over the
course and renderer it has already built (options `course` and `renderer`); any other
generator gets the course read from `lessons_dir` (relative to where it runs) once per process,
and bank text rendered with render.py's default extensions.
"""

from __future__ import annotations

from pathlib import Path

from markdown import Extension, Markdown
from markdown.postprocessors import Postprocessor

from quizkit.course import Course
from quizkit.mkdocs import pages
from quizkit.mkdocs.generate import PAGE_MARKER
from quizkit.mkdocs.glossary import link_first_uses
from quizkit.mkdocs.lessons import Lesson
from quizkit.mkdocs.render import MarkdownRenderer, Renderer

# After Python-Markdown restores raw HTML (30): the embeds are HTML comments in the source.
PRIORITY = 5

_courses: dict[Path, tuple[Course, Renderer]] = {}


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


def _load(lessons_dir: str) -> tuple[Course, Renderer]:
    where = Path(lessons_dir).resolve()
    if where not in _courses:
        _courses[where] = (Course.load(where.parent, where.name), Renderer(MarkdownRenderer()))
    return _courses[where]


class QuizPostprocessor(Postprocessor):
    def __init__(self, md: Markdown, extension: QuizExtension):
        super().__init__(md)
        self.extension = extension

    def run(self, text: str) -> str:
        match = PAGE_MARKER.search(text)
        if match is None:
            return text
        text = text[: match.start()] + text[match.end() :]
        course = self.extension.getConfig("course")
        renderer = self.extension.getConfig("renderer")
        if not (course and renderer):
            course, renderer = _load(self.extension.getConfig("lessons_dir"))
        lesson = next(lesson for lesson in course.lessons if lesson.name == match["lesson"])
        return lesson_html(
            text, course, renderer, lesson, match["glossary"], match["link_terms"] == "yes"
        )


class QuizExtension(Extension):
    def __init__(self, **kwargs):
        self.config = {
            "lessons_dir": ["lessons_src", "The lessons folder, relative to where the build runs"],
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
