"""The `quizkit` MkDocs plugin: thin hooks over the plain functions of this package."""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from pathlib import Path

from mkdocs.config.config_options import ExtraScriptValue
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import AnchorLink

from quizkit.course import Course
from quizkit.markdown_ext import quiz as quiz_ext

from . import figures, generate, math_render, offline, pages, runtime
from .config import QuizkitConfig
from .generate import ASSETS, QUIZ_EXTENSION, WEB_DIR
from .glossary import page_id_clashes
from .lessons import ContentError, Lesson
from .render import BANK_HEADING_ID, MarkdownRenderer, Renderer
from .runtime_files import RuntimeBundleError

log = logging.getLogger("mkdocs.plugins.quizkit")


class QuizkitPlugin(BasePlugin[QuizkitConfig]):
    """Adds lessons, quiz pages, the glossary and the quiz widgets to a Material site."""

    def __init__(self):
        super().__init__()
        # figures.kernel_results of the notebook page being rendered, from its Markdown
        # event to its content event.
        self._results_env = contextlib.ExitStack()

    def on_config(self, config):
        config_file = Path(config.config_file_path or "mkdocs.yml")
        problem = generate.directory_urls_problem(config_file, config.use_directory_urls)
        if problem:
            raise PluginError(f"quizkit: {problem}")
        root = config_file.resolve().parent
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
        # Lesson pages' quiz embeds and glossary links come from this extension; it is given
        # the course read above instead of reading it again.
        if QUIZ_EXTENSION not in config.markdown_extensions:
            config.markdown_extensions.append(QUIZ_EXTENSION)
        config.mdx_configs[QUIZ_EXTENSION] = {"course": self.course, "renderer": self.renderer}
        return config

    # -- where things go -------------------------------------------------------------------

    def _set_nav(self, config) -> None:
        section = generate.nav_section(self.course)
        config.nav = generate.with_section(config.nav, self.config.nav_section, section)

    def _add_assets(self, config) -> None:
        styles, modules = generate.page_assets()
        config.extra_css[:0] = styles
        scripts = [ExtraScriptValue(p) for p in modules]
        for script in scripts:
            script.type = generate.ASYNC_MODULES["type"]
            script.async_ = generate.ASYNC_MODULES["async"]
        config.extra_javascript[:0] = scripts

    @event_priority(50)  # before mkdocs-jupyter wraps notebook files
    def _add_files(self, files: Files, config) -> Files:
        root = Path(config.config_file_path or ".").resolve().parent
        glossary = self._glossary_src(files)
        generated = generate.generated_pages(self.course, glossary, self.config.link_terms)
        self._generated = set(generated)
        try:
            katex = root / self.config.katex_dir
            generated |= generate.generated_assets(self.course, self.renderer, katex, glossary)
        except (FileNotFoundError, ValueError) as exc:  # no KaTeX; a style sheet not joinable
            raise PluginError(f"quizkit: {exc}") from None
        for src, page in generated.items():
            if isinstance(page, Path):  # copied; or a notebook lesson, for mkdocs-jupyter
                files.append(File.generated(config, src, abs_src_path=str(page)))
            else:
                files.append(File.generated(config, src, content=page))
        return files

    def _glossary_src(self, files: Files) -> str | None:
        """The glossary page's docs path, or None when the site has none."""
        glossary = self.config.glossary_page
        return glossary if files.get_file_from_path(glossary) else None

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

    def _lesson(self, page) -> Lesson | None:
        """The lesson whose page `page` is, or None."""
        src = page.file.src_uri
        return next((x for x in self.course.lessons if self.course.lesson_src(x) == src), None)

    def on_page_markdown(self, markdown, page, config, files):
        if page.file.src_uri not in self._generated:
            # An authored page: its markers get the addresses the quiz extension needs.
            glossary = self._glossary_src(files)
            root = Path(config.config_file_path or ".").resolve().parent
            where = Path(page.file.abs_src_path or page.file.src_uri).resolve()
            shown = where.relative_to(root) if where.is_relative_to(root) else where
            try:
                return generate.expand_markers(markdown, page.file.src_uri, glossary,
                                               where=shown.as_posix())  # fmt: skip
            except ContentError as exc:
                raise PluginError("quizkit: content errors:\n" + str(exc)) from None
        lesson = self._lesson(page)
        if lesson is not None and lesson.is_notebook and lesson.name in self.course.notebooks:
            # mkdocs-jupyter renders the page next; its kernel writes what it saw here, until
            # on_page_content closes this.
            self._results_env.enter_context(figures.kernel_results(self._results_path(lesson)))
        return markdown

    def on_page_content(self, html, page, config, files):
        if page.file.src_uri == self._glossary_src(files):
            problems = page_id_clashes(html, self.course.terms)
            if problems:
                raise _content_errors(config, map(str, problems))
        # Python-Markdown does not render a notebook lesson, so the quiz extension's work
        # (quizkit.markdown_ext.quiz) is done here, on the HTML mkdocs-jupyter made.
        lesson = self._lesson(page)
        if lesson is None or not lesson.is_notebook:
            return html
        self._judge_notebook(lesson)
        glossary_url = generate.address(self._glossary_src(files), page.file.src_uri)
        html = pages.clean_notebook(figures.hide_cells(html))
        html = quiz_ext.lesson_html(html, self.course, self.renderer, lesson, glossary_url,
                                    self.config.link_terms)  # fmt: skip
        if lesson.name in self.course.banks:
            html += quiz_ext.quiz_section(self.course, self.renderer, lesson, glossary_url, None)
            _add_to_toc(page.toc, AnchorLink("Quiz", BANK_HEADING_ID, 2))
        elif pages.embedded_ids(html):
            html += str(self.renderer.toolbar())
        return html

    def _judge_notebook(self, lesson) -> None:
        notebook = self.course.notebooks.get(lesson.name)
        if notebook is None:
            return
        self._results_env.close()
        results = figures.read_results(self._results_path(lesson))
        problems = figures.notebook_problems(notebook, results)
        self._notebook_errors += map(str, problems)

    def on_env(self, env, config, files):
        # Every page is rendered by now: report every notebook's problems at once.
        if self._notebook_errors:
            raise _content_errors(config, self._notebook_errors)
        return env

    def on_post_page(self, output, page, config):
        output = pages.add_head_scripts(pages.name_search_dialog(output))
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
        self._results_env.close()
        self._remove_scratch()
        math_render.close()

    def on_post_build(self, config):
        self._remove_scratch()
        math_render.close()
        try:
            report = runtime.bundle(Path(config.site_dir), assets=ASSETS)
        except RuntimeBundleError as exc:
            # One line saying what is missing and how to fix it, not a traceback.
            raise PluginError(f"quizkit runtime: {exc}") from None
        log.info("quizkit runtime: %s", report)
        # Last: the worker lists every file of the site as built, the runtime's included.
        try:
            log.info("quizkit %s", offline.write_service_worker(Path(config.site_dir), ASSETS))
        except (ValueError, RuntimeBundleError) as exc:
            raise PluginError(f"quizkit offline: {exc}") from None


def _content_errors(config, lines) -> PluginError:
    """The build's error for content problems, one per line, paths relative to mkdocs.yml."""
    root = f"{Path(config.config_file_path or '.').resolve().parent}/"
    return PluginError("quizkit: content errors:\n" + "\n".join(lines).replace(root, ""))


def _add_to_toc(toc, link: AnchorLink) -> None:
    # Under a page's single h1 when it has one, as Material then lists the h1's children.
    items = toc.items
    if len(items) == 1 and items[0].level == 1:
        items[0].children.append(link)
    else:
        items.append(link)
