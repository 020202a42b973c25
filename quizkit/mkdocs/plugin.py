"""The `quizkit` MkDocs plugin: thin hooks over the plain functions of this package."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

from mkdocs.config.config_options import ExtraScriptValue
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files
from mkdocs.structure.toc import AnchorLink
from mkdocs.utils import get_relative_url

from . import assets, pages
from .banks import load_bank
from .client import client_config_module
from .config import QuizkitConfig
from .glossary import bank_texts, link_first_uses, load_terms, merge_terms, terms_used
from .lessons import ContentError, discover
from .render import MarkdownRenderer, RenderContext, Renderer
from .trace import evaluate

log = logging.getLogger("mkdocs.plugins.quizkit")
WEB_DIR = Path(__file__).resolve().parent.parent / "web"
ASSETS = "assets/quizkit"


def _optional(module: str):
    """A sibling module owned by the runtime, or None while it does not exist yet."""
    try:
        return importlib.import_module(f"quizkit.mkdocs.{module}")
    except ModuleNotFoundError as exc:
        if exc.name != f"quizkit.mkdocs.{module}":
            raise
        return None


class QuizkitPlugin(BasePlugin[QuizkitConfig]):
    """Adds lessons, quiz pages, the glossary and the quiz widgets to a Material site."""

    def on_config(self, config):
        root = Path(config.config_file_path or ".").resolve().parent
        try:
            self._load(root)
        except ContentError as exc:
            # Paths relative to mkdocs.yml read better and match what the CLI prints.
            message = str(exc).replace(f"{root}/", "")
            raise PluginError("quizkit: content errors:\n" + message) from None
        self._set_nav(config)
        self._add_assets(config)
        md = MarkdownRenderer(config.markdown_extensions, config.mdx_configs)
        self.renderer = Renderer(md)
        self.toolbar = str(self.renderer.toolbar())
        return config

    def _load(self, root: Path) -> None:
        """Read every lesson, bank and glossary file; report all their problems at once."""
        self.lessons = discover(root / self.config.lessons_dir)
        errors: list[str] = []

        def attempt(load, *args):
            try:
                return load(*args)
            except ContentError as exc:
                errors.extend(exc.messages)
                return None

        loaded = {lesson: attempt(load_bank, lesson.bank_path)
                  for lesson in self.lessons if lesson.bank_path}  # fmt: skip
        self.banks = {lesson.name: bank for lesson, bank in loaded.items() if bank is not None}
        term_groups = [
            attempt(load_terms, lesson.terms_path, lesson.title, self._lesson_uri(lesson.topic))
            for lesson in self.lessons
            if lesson.terms_path
        ]
        self.terms = attempt(merge_terms, [g for g in term_groups if g is not None]) or []
        by_path = {lesson.bank_path: bank for lesson, bank in loaded.items() if bank is not None}
        self.items = attempt(pages.unique_item_ids, by_path) or {}
        for lesson in self.lessons:
            text = lesson.source.read_text(encoding="utf-8")
            attempt(pages.check_embeds, lesson.source, text, set(self.items))
        self.trace_results = {
            item_id: attempt(evaluate, item, path)
            for item_id, (path, item) in self.items.items()
            if item.kind == "numeric_trace"
        }
        if errors:
            raise ContentError(errors)
        self.bank_terms = {
            name: terms_used(self.terms, bank_texts(bank)) for name, bank in self.banks.items()
        }

    # -- where things go -------------------------------------------------------------------

    def _lesson_uri(self, topic: str) -> str:
        """Site URL (relative to the root) of a lesson."""
        return f"{self.config.lessons_url}/{topic}/"

    def _lesson_src(self, lesson) -> str:
        return f"{self.config.lessons_url}/{lesson.topic}/index{lesson.source.suffix}"

    def _quiz_src(self, lesson) -> str:
        return f"{self.config.lessons_url}/{lesson.topic}/quiz/index.md"

    def _set_nav(self, config) -> None:
        section = [
            {lesson.title: [self._lesson_src(lesson)]
             + ([{"Quiz": self._quiz_src(lesson)}] if lesson.name in self.banks else [])}
            for lesson in self.lessons
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
        classic = [assets.KATEX_JS, assets.KATEX_AUTO_RENDER]
        modules = [f"{ASSETS}/quiz.js"]
        if (WEB_DIR / "runtime.js").is_file():
            modules.append(f"{ASSETS}/runtime.js")
        scripts = [ExtraScriptValue(p) for p in classic + modules]
        for script in scripts[len(classic) :]:
            script.type = "module"
        config.extra_javascript[:0] = scripts

    @event_priority(50)  # before mkdocs-jupyter wraps notebook files
    def _add_files(self, files: Files, config) -> Files:
        root = Path(config.config_file_path or ".").resolve().parent
        for lesson in self.lessons:
            files.append(
                File.generated(config, self._lesson_src(lesson), abs_src_path=str(lesson.source))
            )
            bank = self.banks.get(lesson.name)
            if bank is not None:
                title = bank.title.replace("\n", " ")
                files.append(File.generated(config, self._quiz_src(lesson),
                                            content=f"# Quiz: {title}\n"))  # fmt: skip
        for uri, path in assets.web_files(WEB_DIR, ASSETS):
            files.append(File.generated(config, uri, abs_src_path=str(path)))
        files.append(File.generated(config, f"{ASSETS}/quiz-config.js",
                                    content=client_config_module()))  # fmt: skip
        try:
            katex = assets.katex_files(root / self.config.katex_dir)
        except FileNotFoundError as exc:
            raise PluginError(f"quizkit: {exc}") from None
        for uri, path in katex:
            files.append(File.generated(config, uri, abs_src_path=str(path)))
        return files

    @event_priority(-50)  # after mkdocs-jupyter wrapped them
    def _repair_notebook_files(self, files: Files, config) -> Files:
        # mkdocs-jupyter's wrapper recomputes abs_src_path from a docs folder, which a lesson
        # notebook (outside docs/) does not have; give the wrapper the real path back.
        for file in files:
            inner = getattr(file, "file", None)
            if isinstance(inner, File) and file is not inner:
                file.__dict__["abs_src_path"] = inner.abs_src_path
        return files

    on_files = CombinedEvent(_add_files, _repair_notebook_files)

    # -- pages -----------------------------------------------------------------------------

    def _role(self, page):
        src = page.file.src_uri
        for lesson in self.lessons:
            if src == self._lesson_src(lesson):
                return "lesson", lesson
            if src == self._quiz_src(lesson):
                return "quiz", lesson
        if src == self.config.glossary_page:
            return "glossary", None
        return "page", None

    def on_page_markdown(self, markdown, page, config, files):
        role, lesson = self._role(page)
        if role == "lesson" and not lesson.is_notebook:
            runnable = _optional("runnable")
            if runnable is not None:
                markdown = runnable.transform(markdown)
        return markdown

    def on_page_content(self, html, page, config, files):
        role, lesson = self._role(page)
        glossary = files.get_file_from_path(self.config.glossary_page)
        glossary_url = get_relative_url(glossary.url, page.url) if glossary else ""
        bank = self.banks.get(lesson.name) if lesson else None
        ctx = RenderContext(
            source=lesson.bank_path if lesson and lesson.bank_path else Path("-"),
            terms=self.bank_terms.get(lesson.name, []) if lesson else [],
            glossary_url=glossary_url,
            trace_results=self.trace_results,
        )
        toolbar = self.toolbar
        if role == "lesson":
            if lesson.is_notebook:
                html = pages.clean_notebook(html)
            if self.config.link_terms and glossary:
                html = link_first_uses(html, self.terms, lambda t: f"{glossary_url}#{t.slug}")
            embedded = pages.embedded_ids(html)
            html = pages.replace_embeds(html, lambda item_id: self._embed(item_id, ctx))
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
        elif role == "glossary":
            glossary_html = str(self.renderer.glossary(self.terms, page.url))
            html = pages.replace_marker(html, "glossary", glossary_html)
        if pages.MARKER.format(name="lessons") in html:
            html = pages.replace_marker(
                html,
                "lessons",
                pages.lesson_list(
                    self.lessons,
                    self.banks,
                    lambda topic: get_relative_url(self._lesson_uri(topic), page.url),
                ),
            )
        if pages.MARKER.format(name="timing") in html:
            html = pages.replace_marker(html, "timing", pages.timing_table())
        if pages.MARKER.format(name="interview") in html:
            interview = [item for _, item in self.items.values() if item.kind == "interview"]
            body = "".join(
                str(self.renderer.item(item, n, ctx, level=2))
                for n, item in enumerate(interview, start=1)
            )
            html = pages.replace_marker(html, "interview", toolbar + body)
        return html

    def _embed(self, item_id: str, ctx: RenderContext) -> str:
        return str(self.renderer.item(self.items[item_id][1], None, ctx, level=3))

    def on_post_page(self, output, page, config):
        return pages.name_search_dialog(output)

    def on_post_template(self, output_content, template_name, config):
        # 404.html is rendered as a template, not a page, and has the search dialog too.
        return pages.name_search_dialog(output_content)

    def on_serve(self, server, config, builder):
        root = Path(config.config_file_path or ".").resolve().parent
        server.watch(str(root / self.config.lessons_dir))
        server.watch(str(WEB_DIR))
        return server

    def on_post_build(self, config):
        runtime = _optional("runtime")
        if runtime is not None:
            log.info("quizkit runtime: %s", runtime.bundle(Path(config.site_dir)))


def _add_to_toc(toc, link: AnchorLink) -> None:
    # Under a page's single h1 when it has one, as Material then lists the h1's children.
    items = toc.items
    if len(items) == 1 and items[0].level == 1:
        items[0].children.append(link)
    else:
        items.append(link)
