"""`quizkit bundle OUT`: the course as a docs folder that any Python-Markdown generator builds.

Zensical reads mkdocs.yml but runs no MkDocs plugin, so everything the quizkit plugin adds at
build time is written here as files instead, from the same functions (quizkit.mkdocs.generate):

    OUT/docs/          the authored docs/ with their markers given their page's address,
                       every lesson page and quiz page, the course quiz page, the widgets'
                       files, KaTeX, quiz-config.js, quiz/items.json and (unless told not to)
                       the Pyodide runtime under pyodide/;
    OUT/mkdocs.yml     the project's mkdocs.yml with the lessons in the nav, the quiz scripts
                       and style sheets listed, MkDocs-only plugins left out and the quiz
                       extension pointed at the lessons folder: `zensical build -f OUT/mkdocs.yml`.

Pages and quizzes are rendered at build time by the quizkit.markdown_ext extensions, which
read the lessons folder themselves. What the plugin does after rendering is left out: the
pages' math is not typeset at build (quizkit.mkdocs.math_render) but in the browser, by
quiz.js (quiz-math.js loads KaTeX for formulas as they come near the screen), and the
offline service worker, which lists the built site's files, is not written. Notebook lessons
are not bundled: they need a kernel at build time (mkdocs-jupyter).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from mkdocs.utils.yaml import yaml_load

from quizkit.course import Course

from . import generate, runtime
from .generate import QUIZ_EXTENSION
from .render import MarkdownRenderer, Renderer

# Written into OUT: a folder holding it may be emptied and written again.
STAMP = ".quizkit-bundle"
# Plugins that only MkDocs (or ProperDocs) runs: their work is in the bundle already, or, for
# notebook lessons, not done (see Bundle.skipped).
MKDOCS_ONLY = ("quizkit", "mkdocs-jupyter")
# The quizkit plugin's options and their defaults (quizkit.mkdocs.config.QuizkitConfig).
OPTIONS = {
    "lessons_dir": "lessons_src",
    "lessons_url": "lessons",
    "nav_section": "Lessons",
    "glossary_page": "glossary.md",
    "katex_dir": "node_modules/katex/dist",
    "link_terms": True,
}


class BundleError(Exception):
    """A bundle that cannot be written: one line saying why."""


@dataclass
class Bundle:
    """What was written."""

    config: Path
    pages: list[str] = field(default_factory=list)
    # Notebook lessons: they need a kernel at build time (mkdocs-jupyter), which no
    # Python-Markdown extension has.
    skipped: list[str] = field(default_factory=list)
    runtime: str = ""


def _plugin_options(config: dict) -> dict:
    for entry in config.get("plugins") or []:
        if isinstance(entry, dict) and "quizkit" in entry:
            return {**OPTIONS, **(entry["quizkit"] or {})}
    return dict(OPTIONS)


def _plugin_name(entry) -> str:
    return next(iter(entry)) if isinstance(entry, dict) else entry


def _prepare(out: Path) -> None:
    if out.exists() and any(out.iterdir()) and not (out / STAMP).is_file():
        raise BundleError(f"{out} is not empty and holds no earlier bundle; give a new folder")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / STAMP).write_text("written by `quizkit bundle`; emptied by the next one\n")


def write_bundle(config_file: Path, out: Path, *, with_runtime: bool = True, **runtime_options):
    """Write the bundle (see the module's docstring) for the site of `config_file` into
    `out`; returns a Bundle. Raises ContentError (`path:line: ...` lines) for content errors,
    BundleError when `out` is another folder, FileNotFoundError when KaTeX is missing and
    RuntimeBundleError when the runtime cannot be had."""
    root = config_file.resolve().parent
    with config_file.open(encoding="utf-8") as f:
        config = yaml_load(f)
    options = _plugin_options(config)
    course = Course.load(root, options["lessons_dir"], options["lessons_url"])
    extensions, configs = _extensions(config, root / options["lessons_dir"])
    renderer = Renderer(MarkdownRenderer(extensions, configs))
    _prepare(out)
    docs = out / "docs"
    shutil.copytree(root / config.get("docs_dir", "docs"), docs)
    glossary_page = options["glossary_page"]
    glossary = glossary_page if (docs / glossary_page).is_file() else None
    for page in sorted(docs.rglob("*.md")):
        src = page.relative_to(docs).as_posix()
        text = page.read_text(encoding="utf-8")
        page.write_text(generate.expand_markers(text, src, glossary), encoding="utf-8")
    written = Bundle(config=out / "mkdocs.yml")
    pages = generate.generated_pages(course, glossary, options["link_terms"])
    katex = root / options["katex_dir"]
    files = pages | generate.generated_assets(course, renderer, katex, glossary)
    for src, content in files.items():
        target = docs / src
        target.parent.mkdir(parents=True, exist_ok=True)
        if src in pages and isinstance(content, Path):
            written.skipped.append(src)
        elif isinstance(content, Path):
            shutil.copyfile(content, target)
        else:
            target.write_text(content, encoding="utf-8")
            if src in pages:
                written.pages.append(src)
    if with_runtime:
        written.runtime = runtime.bundle(docs, **runtime_options)
    settings = _settings(config, course, options, extensions, configs, set(written.pages))
    written.config.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return written


def _extensions(config: dict, lessons_dir: Path) -> tuple[list, dict]:
    """mkdocs.yml's Markdown extensions (names, and settings by name), the quiz extension
    told where the lessons are (it reads them itself when no plugin hands them over)."""
    names, configs = [], {}
    for entry in config.get("markdown_extensions") or []:
        name = _plugin_name(entry)
        names.append(name)
        if isinstance(entry, dict) and entry[name]:
            configs[name] = entry[name]
    if QUIZ_EXTENSION not in names:
        names.append(QUIZ_EXTENSION)
    configs[QUIZ_EXTENSION] = {**configs.get(QUIZ_EXTENSION, {}), "lessons_dir": str(lessons_dir)}
    return names, configs


def _settings(config, course, options, extensions, configs, pages: set[str]) -> dict:
    settings = {key: value for key, value in config.items() if key not in ("INHERIT",)}
    settings["docs_dir"] = "docs"
    settings["site_dir"] = "site"
    section = generate.nav_section(course, pages)
    settings["nav"] = generate.with_section(config.get("nav"), options["nav_section"], section)
    settings["plugins"] = [
        entry for entry in config.get("plugins") or [] if _plugin_name(entry) not in MKDOCS_ONLY
    ]
    styles, modules = generate.page_assets()
    settings["extra_css"] = [*styles, *(config.get("extra_css") or [])]
    settings["extra_javascript"] = [
        *({"path": path, "type": "module"} for path in modules),
        *(config.get("extra_javascript") or []),
    ]
    settings["markdown_extensions"] = [
        {name: configs[name]} if name in configs else name for name in extensions
    ]
    return settings
