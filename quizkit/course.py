"""The course as read from its lessons folder: what every page of the site is built from.

One reader for the MkDocs plugin, the page generator (quizkit.mkdocs.generate) and the
Markdown extensions (quizkit.markdown_ext), so that each of them sees the same lessons,
banks, glossary terms and item ids, and a problem is reported the same way by all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from quizkit.bank import lesson_code
from quizkit.bank.check import content_problems
from quizkit.bank.load import load_bank
from quizkit.bank.model import Bank, Item
from quizkit.mkdocs import figures, generate, pages
from quizkit.mkdocs.glossary import Term, bank_texts, load_terms, merge_terms, terms_used
from quizkit.mkdocs.lessons import ContentError, Lesson, discover
from quizkit.mkdocs.numeric_trace_page import evaluate
from quizkit.mkdocs.render import RenderContext


@dataclass
class Course:
    """Lessons in folder order, with their banks, glossary terms and everything derived."""

    lessons: list[Lesson]
    lessons_url: str = "lessons"
    # By lesson folder name (lesson.name); only lessons whose quiz.yml loaded.
    banks: dict[str, Bank] = field(default_factory=dict)
    terms: list[Term] = field(default_factory=list)
    # Item id -> (its bank's path, the item); the first use of an id that is used twice.
    items: dict[str, tuple[Path, Item]] = field(default_factory=dict)
    # Item id -> numeric_trace_page.evaluate's result, for every numeric_trace item.
    trace_results: dict[str, dict | None] = field(default_factory=dict)
    # Lesson name -> the glossary terms its bank's prose uses.
    bank_terms: dict[str, list[Term]] = field(default_factory=dict)
    # Lesson name -> a notebook lesson's cells and markers, judged when its kernel has run.
    notebooks: dict[str, lesson_code.Lesson] = field(default_factory=dict)

    @classmethod
    def load(
        cls, root: Path, lessons_dir: str = "lessons_src", lessons_url: str = "lessons"
    ) -> Course:
        """Read every lesson, bank and glossary file under root/lessons_dir.

        Raises ContentError with every problem at once (`path:line: ...` lines): the content
        checks of `quizkit check --no-evidence`, Markdown lessons' cells and figures, embeds
        and lesson links naming nothing, and numeric traces the engine cannot compute.
        """
        course = cls(lessons=discover(root / lessons_dir), lessons_url=lessons_url)
        errors: list[str] = []

        def attempt(load, *args):
            try:
                return load(*args)
            except ContentError as exc:
                errors.extend(exc.messages)
                return None

        loaded = {lesson: load_bank(lesson.bank_path)
                  for lesson in course.lessons if lesson.bank_path}  # fmt: skip
        errors += map(str, content_problems(list(loaded.values())))
        banks = {lesson: bank.bank for lesson, bank in loaded.items() if bank.bank is not None}
        course.banks = {lesson.name: bank for lesson, bank in banks.items()}
        term_groups = [
            attempt(load_terms, lesson.terms_path, lesson.title, course.lesson_uri(lesson.topic))
            for lesson in course.lessons
            if lesson.terms_path
        ]
        course.terms = attempt(merge_terms, [g for g in term_groups if g is not None]) or []
        # Ids used twice are among the content problems above; the first use is embedded.
        for lesson, bank in banks.items():
            for item in bank.items:
                course.items.setdefault(item.id, (lesson.bank_path, item))
        for lesson in course.lessons:
            text = lesson.source.read_text(encoding="utf-8")
            attempt(pages.check_embeds, lesson.source, text, set(course.items))
        errors += course._lesson_code_errors()
        course.trace_results = {
            item_id: attempt(evaluate, item, path)
            for item_id, (path, item) in course.items.items()
            if item.kind == "numeric_trace"
        }
        if errors:
            raise ContentError(errors)
        course.bank_terms = {
            name: terms_used(course.terms, bank_texts(bank)) for name, bank in course.banks.items()
        }
        return course

    def _lesson_code_errors(self) -> list[str]:
        """Markdown lessons' cells run, figures judged and links read; notebooks' markers read.

        A notebook's cells and figures are judged when a kernel has run it (see
        quizkit/mkdocs/figures.py): the MkDocs plugin does that through mkdocs-jupyter.
        """
        errors: list[str] = []
        for lesson in self.lessons:
            if lesson.is_notebook:
                notebook = lesson_code.read_lesson(lesson.source)
                self.notebooks[lesson.name] = notebook
                errors += map(str, notebook.problems)
                continue
            errors += map(str, figures.markdown_problems(lesson.source))
            try:
                generate.lesson_markdown(lesson, self.lessons)
            except ContentError as exc:
                errors += exc.messages
        return errors

    def lesson_uri(self, topic: str) -> str:
        """A lesson page's URL relative to the site root (lessons/<topic>/)."""
        return generate.page_url(f"{self.lessons_url}/{topic}/index.md")

    def lesson_src(self, lesson: Lesson) -> str:
        """The lesson page's path in the docs tree (lessons/<topic>/index.md or .py)."""
        return generate.page_path(lesson, self.lessons_url)

    def quiz_src(self, lesson: Lesson) -> str:
        """The lesson's quiz page's path in the docs tree (lessons/<topic>/quiz/index.md)."""
        return f"{self.lessons_url}/{lesson.topic}/quiz/index.md"

    def quiz_uri(self, lesson: Lesson) -> str:
        """The lesson's quiz page's URL relative to the site root (lessons/<topic>/quiz/)."""
        return generate.page_url(self.quiz_src(lesson))

    def render_context(self, lesson: Lesson | None, glossary_url: str) -> RenderContext:
        """What rendering items on a page of `lesson` (None: a page of no lesson) needs."""
        return RenderContext(
            source=lesson.bank_path if lesson and lesson.bank_path else Path("-"),
            terms=self.bank_terms.get(lesson.name, []) if lesson else [],
            glossary_url=glossary_url,
            trace_results=self.trace_results,
        )
