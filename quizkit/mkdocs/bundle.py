"""`quizkit bundle OUT`: the course as a docs folder that any Python-Markdown generator builds.

Zensical reads mkdocs.yml but runs no MkDocs plugin, so everything the quizkit plugin adds at
build time is written here as files instead, from the same functions (quizkit.mkdocs.generate):

    OUT/docs/          the authored docs/ with their markers given their page's address,
                       every lesson page (notebook lessons run and written as Markdown,
                       their plots as image files beside them) and quiz page, the course quiz
                       page, the widgets' files, KaTeX, quiz-config.js,
                       quiz/items.json and (unless told not to) the Pyodide runtime under
                       pyodide-<hash>/ (quizkit.mkdocs.runtime);
    OUT/mkdocs.yml     the project's mkdocs.yml with the lessons in the nav, the quiz scripts
                       and style sheets listed, MkDocs-only plugins left out and the quiz
                       extension pointed at the lessons folder (relative to OUT, where the
                       build runs): `cd OUT && zensical build`.

The pages are written for a generator that resolves every relative href against the page's
source file (generate.Target(plain=True)). Pages and quizzes are rendered at build time by
the quizkit.markdown_ext extensions, which read the lessons folder themselves. What the
plugin does after rendering is left out: the pages' math is not typeset at build
(quizkit.mkdocs.math_render) but in the browser, by quiz.js (quiz-math.js loads KaTeX for
formulas as they come near the screen), and the offline service worker, which lists the
built site's files, is not written (nor is offline.js, its loader, linked). Notebook lessons
are run here, in a Jupyter kernel (generate.notebook_files), as mkdocs-jupyter runs them in
the MkDocs build, each given a time budget (notebook_timeout) that the MkDocs build lacks.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from mkdocs.utils.yaml import yaml_load

from quizkit.course import Course

from . import generate, notebook_markdown, runtime
from .config import QuizkitConfig
from .generate import QUIZ_EXTENSION
from .lessons import ContentError
from .render import MarkdownRenderer, Renderer

# Written into OUT: a folder holding it may be emptied and written again.
STAMP = ".quizkit-bundle"
# Plugins that only MkDocs (or ProperDocs) runs: their work is in the bundle already.
MKDOCS_ONLY = ("quizkit", "mkdocs-jupyter")


class BundleError(Exception):
    """A bundle that cannot be written: one line saying why."""


@dataclass
class Bundle:
    """What was written."""

    config: Path
    # Every page generated (docs paths), notebook lessons included.
    pages: list[str] = field(default_factory=list)
    runtime: str = ""


def write_bundle(
    config_file: Path,
    out: Path,
    *,
    with_runtime: bool = True,
    notebook_timeout: float = notebook_markdown.TIMEOUT,
    **runtime_options,
):
    """Write the bundle (see the module's docstring) for the site of `config_file` into
    `out`; returns a Bundle. Raises ContentError (`path:line: ...` lines) for every content
    error of the docs and lessons at once (a notebook's cells may run `notebook_timeout`
    seconds together), BundleError (one line) when `out` is a file, a folder not written by
    an earlier bundle or inside the docs folder, mkdocs.yml has settings the bundle cannot
    build or the Jupyter kernel cannot run, FileNotFoundError when KaTeX is missing (checked
    before any notebook runs) and RuntimeBundleError when the runtime cannot be had.
    Nothing is written before every check has passed but the runtime's."""
    root = config_file.resolve().parent
    with config_file.open(encoding="utf-8") as f:
        config = yaml_load(f)
    problem = generate.directory_urls_problem(config_file, config.get("use_directory_urls", True))
    if problem:
        raise BundleError(problem)
    options = _plugin_options(config, config_file)
    source_docs = root / config.get("docs_dir", "docs")
    _check_out(out, source_docs)
    course = Course.load(root, options.lessons_dir, options.lessons_url)
    target = generate.PLAIN
    glossary = options.glossary_page if (source_docs / options.glossary_page).is_file() else None
    # Relative to OUT, where the build runs (the extension reads it from where it runs).
    lessons_dir = os.path.relpath(root / options.lessons_dir, out.resolve())
    extensions, configs = _extensions(config, lessons_dir, options.lessons_url)
    renderer = Renderer(MarkdownRenderer(extensions, configs))
    # First: a missing KaTeX is said before minutes of notebooks have run.
    assets = generate.generated_assets(course, renderer, root / options.katex_dir, glossary)
    errors: list[str] = []
    try:
        authored = _authored_pages(source_docs, root, glossary, target)
    except ContentError as exc:
        errors += exc.messages
    try:
        pages = generate.generated_pages(
            course, glossary, options.link_terms, target, notebook_timeout
        )
    except ContentError as exc:
        errors += exc.messages
    except notebook_markdown.KernelError as exc:
        raise BundleError(str(exc)) from None
    if errors:
        raise ContentError(errors)
    files = {**authored, **pages, **assets}
    _empty(out)
    docs = out / "docs"
    shutil.copytree(source_docs, docs)
    for src, content in files.items():
        path = docs / src
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copyfile(content, path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    # The notebooks' plots (bytes) are files of their pages, not pages.
    written = Bundle(out / "mkdocs.yml", [src for src, c in pages.items() if isinstance(c, str)])
    if with_runtime:
        written.runtime = runtime.bundle(docs, assets=generate.ASSETS, **runtime_options)
    else:
        # The worker still starts, and says the site has no Python.
        runtime.write_location(docs / generate.ASSETS, None)
    settings = _settings(config, course, options, extensions, configs, target)
    written.config.write_text(yaml.safe_dump(settings, sort_keys=False), encoding="utf-8")
    return written


def _plugin_options(config: dict, config_file: Path) -> QuizkitConfig:
    """The quizkit plugin's options in mkdocs.yml, checked as MkDocs checks them, except that
    a name the plugin does not know (a misspelt option) is an error, not a warning."""
    given = next((entry["quizkit"] or {} for entry in config.get("plugins") or []
                  if isinstance(entry, dict) and "quizkit" in entry), {})  # fmt: skip
    options = QuizkitConfig(config_file_path=str(config_file))
    options.load_dict(given)
    errors, warnings = options.validate()
    problems = [f"{name}: {problem}" for name, problem in [*errors, *warnings]]
    if problems:
        raise BundleError(f"{config_file}: plugins: quizkit: {'; '.join(problems)}")
    return options


def _check_out(out: Path, docs_dir: Path) -> None:
    """Refuse an `out` that is a file, holds something else, or is inside the docs folder
    (the copy of the docs would copy itself)."""
    if out.exists() and not out.is_dir():
        raise BundleError(f"{out} is a file; give a folder")
    if out.resolve().is_relative_to(docs_dir.resolve()):
        raise BundleError(f"{out} is inside the docs folder {docs_dir}; give a folder outside it")
    if out.exists() and any(out.iterdir()) and not (out / STAMP).is_file():
        raise BundleError(f"{out} is not empty and holds no earlier bundle; give a new folder")


def _empty(out: Path) -> None:
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    (out / STAMP).write_text("written by `quizkit bundle`; emptied by the next one\n")


def _authored_pages(docs: Path, root: Path, glossary: str | None, target) -> dict[str, str]:
    """The docs folder's pages with their markers given their address (expand_markers), by
    docs path. Raises ContentError with every page's marker errors at once."""
    written, errors = {}, []
    for page in sorted(docs.rglob("*.md")):
        src = page.relative_to(docs).as_posix()
        where = Path(os.path.relpath(page, root)).as_posix()
        text = page.read_text(encoding="utf-8")
        try:
            written[src] = generate.expand_markers(text, src, glossary, target, where)
        except ContentError as exc:
            errors += exc.messages
    if errors:
        raise ContentError(errors)
    return written


def _plugin_name(entry) -> str:
    return next(iter(entry)) if isinstance(entry, dict) else entry


def _extensions(config: dict, lessons_dir: str, lessons_url: str) -> tuple[list, dict]:
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
    where = {"lessons_dir": lessons_dir, "lessons_url": lessons_url}
    configs[QUIZ_EXTENSION] = {**configs.get(QUIZ_EXTENSION, {}), **where}
    return names, configs


def _settings(config, course, options, extensions, configs, target) -> dict:
    settings = {key: value for key, value in config.items() if key not in ("INHERIT",)}
    settings["docs_dir"] = "docs"
    settings["site_dir"] = "site"
    section = generate.nav_section(course, target=target)
    settings["nav"] = generate.with_section(config.get("nav"), options.nav_section, section)
    settings["plugins"] = [
        entry for entry in config.get("plugins") or [] if _plugin_name(entry) not in MKDOCS_ONLY
    ]
    # No sw.js is written (it lists the built site's files), so not its loader either.
    styles, modules = generate.page_assets(offline=False)
    settings["extra_css"] = [*styles, *(config.get("extra_css") or [])]
    settings["extra_javascript"] = [
        *({"path": path, **generate.ASYNC_MODULES} for path in modules),
        *(config.get("extra_javascript") or []),
    ]
    settings["markdown_extensions"] = [
        {name: configs[name]} if name in configs else name for name in extensions
    ]
    return settings
