"""The `quizkit` MkDocs plugin: thin hooks over the plain functions of this package."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

from mkdocs.config.config_options import ExtraScriptValue
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import AnchorLink
from mkdocs.utils import get_relative_url

from quizkit.bank.safe_html import heading_markdown
from quizkit.course import Course
from quizkit.markdown_ext import quiz as quiz_ext

from . import assets, course_quiz, figures, generate, math_render, offline, pages, runtime
from .client import client_config_module
from .config import QuizkitConfig
from .lessons import ContentError
from .render import MarkdownRenderer, Renderer
from .runtime_files import RuntimeBundleError

log = logging.getLogger("mkdocs.plugins.quizkit")
WEB_DIR = Path(__file__).resolve().parent.parent / "web"
ASSETS = "assets/quizkit"
QUIZ_EXTENSION = "quizkit.markdown_ext.quiz"


class QuizkitPlugin(BasePlugin[QuizkitConfig]):
    """Adds lessons, quiz pages, the glossary and the quiz widgets to a Material site."""

    def on_config(self, config):
        root = Path(config.config_file_path or ".").resolve().parent
        try:
            self.course = Course.load(root, self.config.lessons_dir, self.config.lessons_url)
        except ContentError as exc:
            # Paths relative to mkdocs.yml read better and match what the CLI prints.
            message = str(exc).replace(f"{root}/", "")
            raise PluginError("quizkit: content errors:\n" + message) from None
        self._set_nav(config)
        self._add_assets(config)
        md = MarkdownRenderer(config.markdown_extensions, config.mdx_configs)
        self.renderer = Renderer(md)
        self.toolbar = str(self.renderer.toolbar())
        # Lesson pages' quiz embeds and glossary links come from this extension; it is given
        # the course read above instead of reading it again.
        if QUIZ_EXTENSION not in config.markdown_extensions:
            config.markdown_extensions.append(QUIZ_EXTENSION)
        config.mdx_configs[QUIZ_EXTENSION] = {"course": self.course, "renderer": self.renderer}
        return config

    # -- where things go -------------------------------------------------------------------

    def _set_nav(self, config) -> None:
        course = self.course
        section = [
            {lesson.title: [course.lesson_src(lesson)]
             + ([{"Quiz": course.quiz_src(lesson)}] if lesson.name in course.banks else [])}
            for lesson in course.lessons
        ]  # fmt: skip
        nav = config.nav if config.nav is not None else []
        for entry in nav:
            if isinstance(entry, dict) and self.config.nav_section in entry:
                entry[self.config.nav_section] = section
                break
        else:
            nav.append({self.config.nav_section: section})
        config.nav = nav

    def _add_assets(self, config) -> None:
        config.extra_css[:0] = [assets.KATEX_CSS, f"{ASSETS}/quiz.css"]
        # No KaTeX script: the build typesets the pages' math (on_post_page), and quiz-math.js
        # loads KaTeX only for math that appears later (feedback, the course quiz).
        modules = [f"{ASSETS}/quiz.js"]
        if (WEB_DIR / "runtime.js").is_file():
            modules.append(f"{ASSETS}/runtime.js")
        modules.append(f"{ASSETS}/offline.js")
        scripts = [ExtraScriptValue(p) for p in modules]
        for script in scripts:
            script.type = "module"
        config.extra_javascript[:0] = scripts

    @event_priority(50)  # before mkdocs-jupyter wraps notebook files
    def _add_files(self, files: Files, config) -> Files:
        root = Path(config.config_file_path or ".").resolve().parent
        for lesson in self.course.lessons:
            files.append(
                File.generated(
                    config, self.course.lesson_src(lesson), abs_src_path=str(lesson.source)
                )
            )
            bank = self.course.banks.get(lesson.name)
            if bank is not None:
                # Escaped as well as checked: a title never adds markup to the heading.
                heading = f"# Quiz: {heading_markdown(bank.title)}\n"
                files.append(File.generated(config, self.course.quiz_src(lesson),
                                            content=heading))  # fmt: skip
        for uri, path in assets.web_files(WEB_DIR, ASSETS):
            files.append(File.generated(config, uri, abs_src_path=str(path)))
        # The course's item ids and kinds: an import naming any other id is refused.
        course_items = {it.id: it.kind for bank in self.course.banks.values() for it in bank.items}
        files.append(File.generated(config, f"{ASSETS}/quiz-config.js",
                                    content=client_config_module(course_items)))  # fmt: skip
        if self.course.banks:
            files.append(File.generated(config, course_quiz.PAGE_SRC,
                                        content=course_quiz.page_markdown()))  # fmt: skip
            files.append(File.generated(config, course_quiz.POOL_URI,
                                        content=self._course_pool(files)))  # fmt: skip
        try:
            katex = assets.katex_files(root / self.config.katex_dir)
        except FileNotFoundError as exc:
            raise PluginError(f"quizkit: {exc}") from None
        for uri, path in katex:
            files.append(File.generated(config, uri, abs_src_path=str(path)))
        return files

    def _course_pool(self, files: Files) -> str:
        """The course quiz's items as JSON, its links relative to the quiz page."""
        here = course_quiz.PAGE_SRC.removesuffix("index.md")
        glossary = files.get_file_from_path(self.config.glossary_page)
        sources = [
            course_quiz.Source(
                bank=self.course.banks[lesson.name],
                path=lesson.bank_path,
                lesson_title=lesson.title,
                lesson_url=get_relative_url(self.course.lesson_uri(lesson.topic), here),
            )
            for lesson in self.course.lessons
            if lesson.name in self.course.banks
        ]
        data = course_quiz.pool(
            sources,
            self.renderer,
            self.course.terms,
            get_relative_url(glossary.url, here) if glossary else "",
            self.course.trace_results,
        )
        return course_quiz.pool_json(data)

    @event_priority(-50)  # after mkdocs-jupyter wrapped them
    def _repair_notebook_files(self, files: Files, config) -> Files:
        # mkdocs-jupyter's wrapper recomputes abs_src_path from a docs folder, which a lesson
        # notebook (outside docs/) does not have; give the wrapper the real path back, or,
        # for a lesson, the copy whose kernel also judges its cells and figures.
        kernel_copies = self._write_kernel_notebooks()
        for file in files:
            inner = getattr(file, "file", None)
            if isinstance(inner, File) and file is not inner:
                path = kernel_copies.get(inner.src_uri, inner.abs_src_path)
                file.__dict__["abs_src_path"] = path
        return files

    def _write_kernel_notebooks(self) -> dict[str, str]:
        """Write each lesson notebook's kernel copy (figures.kernel_notebook); by src_uri."""
        self._remove_scratch()
        self._scratch = Path(tempfile.mkdtemp(prefix="quizkit-notebooks-"))
        self._notebook_errors: list[str] = []
        copies = {}
        for lesson in self.course.lessons:
            notebook = self.course.notebooks.get(lesson.name)
            if notebook is None:
                continue
            # Named as in lessons_src/, so that mkdocs-jupyter's include patterns match it.
            copy = self._scratch / lesson.source.parent.parent.name / lesson.name / "lesson.py"
            copy.parent.mkdir(parents=True)
            copy.write_text(figures.kernel_notebook(notebook), encoding="utf-8")
            copies[self.course.lesson_src(lesson)] = str(copy)
        return copies

    def _results_path(self, lesson) -> Path:
        return self._scratch / f"{lesson.name}.json"

    def _remove_scratch(self) -> None:
        scratch = getattr(self, "_scratch", None)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
            self._scratch = None

    on_files = CombinedEvent(_add_files, _repair_notebook_files)

    # -- pages -----------------------------------------------------------------------------

    def _role(self, page):
        src = page.file.src_uri
        for lesson in self.course.lessons:
            if src == self.course.lesson_src(lesson):
                return "lesson", lesson
            if src == self.course.quiz_src(lesson):
                return "quiz", lesson
        if src == self.config.glossary_page:
            return "glossary", None
        if src == course_quiz.PAGE_SRC:
            return "course", None
        return "page", None

    def on_page_markdown(self, markdown, page, config, files):
        role, lesson = self._role(page)
        if role == "lesson" and lesson.is_notebook and lesson.name in self.course.notebooks:
            # mkdocs-jupyter renders the page next; its kernel writes what it saw here.
            results = self._results_path(lesson)
            results.unlink(missing_ok=True)
            os.environ[figures.RESULTS_ENV] = str(results)
        if role == "lesson" and not lesson.is_notebook:
            # Its runnable cells, quiz embeds and glossary links are made by the
            # quizkit.markdown_ext extensions.
            glossary_url = self._glossary_url(page, files)
            markdown = generate.lesson_markdown(
                lesson, self.course.lessons, glossary_url, self.config.link_terms
            )
        return markdown

    def _glossary_url(self, page, files) -> str:
        """The glossary page's address from `page`, or "" when the site has none."""
        glossary = files.get_file_from_path(self.config.glossary_page)
        return get_relative_url(glossary.url, page.url) if glossary else ""

    def on_page_content(self, html, page, config, files):
        role, lesson = self._role(page)
        glossary_url = self._glossary_url(page, files)
        bank = self.course.banks.get(lesson.name) if lesson else None
        ctx = self.course.render_context(lesson, glossary_url)
        toolbar = self.toolbar
        if role == "lesson":
            if lesson.is_notebook:
                self._judge_notebook(lesson)
                html = pages.clean_notebook(figures.hide_cells(html))
                embedded = pages.embedded_ids(html)
                # Python-Markdown does not render a notebook: the quiz extension's work, here.
                html = quiz_ext.lesson_html(html, self.course, self.renderer, lesson,
                                            glossary_url, self.config.link_terms)  # fmt: skip
            else:
                # Put in place by the quiz extension (see on_page_markdown).
                embedded = pages.embedded_ids(lesson.source.read_text(encoding="utf-8"))
            if bank is not None:
                html += str(self.renderer.bank(
                    bank, ctx, skip=embedded, level=2, title="Quiz", intro=True,
                    toolbar=toolbar,
                ))  # fmt: skip
                _add_to_toc(page.toc, AnchorLink("Quiz", "qk-bank-title", 2))
            elif embedded:
                html += toolbar
        elif role == "quiz":
            html += str(self.renderer.bank(bank, ctx, level=1, intro=True, toolbar=toolbar))
        elif role == "course":
            pool_url = get_relative_url(course_quiz.POOL_URI, page.url)
            quizzes = [
                (lesson.title, get_relative_url(quiz.url, page.url))
                for lesson in self.course.lessons
                if lesson.name in self.course.banks
                and (quiz := files.get_file_from_path(self.course.quiz_src(lesson)))
            ]
            html += str(course_quiz.page_html(pool_url, quizzes))
        elif role == "glossary":
            glossary_html = str(self.renderer.glossary(self.course.terms, page.url))
            html = pages.replace_marker(html, "glossary", glossary_html)
        if pages.MARKER.format(name="lessons") in html:
            html = pages.replace_marker(
                html,
                "lessons",
                pages.lesson_list(
                    self.course.lessons,
                    self.course.banks,
                    lambda topic: get_relative_url(self.course.lesson_uri(topic), page.url),
                ),
            )
        if pages.MARKER.format(name="timing") in html:
            html = pages.replace_marker(html, "timing", pages.timing_table())
        if pages.MARKER.format(name="interview") in html:
            interview = [item for _, item in self.course.items.values() if item.kind == "interview"]
            body = "".join(
                str(self.renderer.item(item, n, ctx, level=2))
                for n, item in enumerate(interview, start=1)
            )
            html = pages.replace_marker(html, "interview", toolbar + body)
        return html

    def _judge_notebook(self, lesson) -> None:
        notebook = self.course.notebooks.get(lesson.name)
        if notebook is None:
            return
        os.environ.pop(figures.RESULTS_ENV, None)
        results = figures.read_results(self._results_path(lesson))
        problems = figures.notebook_problems(notebook, results)
        self._notebook_errors += map(str, problems)

    def on_env(self, env, config, files):
        # Every page is rendered by now: report every notebook's problems at once.
        if self._notebook_errors:
            root = f"{Path(config.config_file_path or '.').resolve().parent}/"
            message = "\n".join(self._notebook_errors).replace(root, "")
            raise PluginError("quizkit: content errors:\n" + message)
        return env

    def on_post_page(self, output, page, config):
        output = pages.name_search_dialog(output)
        # Here, not in on_page_content: the search index keeps the TeX, not KaTeX's HTML.
        katex_dir = Path(config.config_file_path or ".").resolve().parent / self.config.katex_dir
        where = page.file.abs_src_path or page.file.src_uri
        return math_render.typeset_page(output, where, katex_dir)

    def on_post_template(self, output_content, template_name, config):
        # 404.html is rendered as a template, not a page, and has the search dialog too.
        return pages.name_search_dialog(output_content)

    def on_serve(self, server, config, builder):
        root = Path(config.config_file_path or ".").resolve().parent
        server.watch(str(root / self.config.lessons_dir))
        server.watch(str(WEB_DIR))
        return server

    def on_build_error(self, error):
        self._remove_scratch()
        math_render.close()

    def on_post_build(self, config):
        self._remove_scratch()
        math_render.close()
        try:
            report = runtime.bundle(Path(config.site_dir))
        except RuntimeBundleError as exc:
            # One line saying what is missing and how to fix it, not a traceback.
            raise PluginError(f"quizkit runtime: {exc}") from None
        log.info("quizkit runtime: %s", report)
        # Last: the worker lists every file of the site as built, the runtime's included.
        try:
            log.info("quizkit %s", offline.write_service_worker(Path(config.site_dir), ASSETS))
        except ValueError as exc:
            raise PluginError(f"quizkit offline: {exc}") from None


def _add_to_toc(toc, link: AnchorLink) -> None:
    # Under a page's single h1 when it has one, as Material then lists the h1's children.
    items = toc.items
    if len(items) == 1 and items[0].level == 1:
        items[0].children.append(link)
    else:
        items.append(link)
