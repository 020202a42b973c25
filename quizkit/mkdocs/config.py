"""Options of the `quizkit` MkDocs plugin, declared once with their defaults."""

from __future__ import annotations

from mkdocs.config import config_options as c
from mkdocs.config.base import Config


class QuizkitConfig(Config):
    """What a site author can set under `plugins: - quizkit:` in mkdocs.yml."""

    # Folder (relative to mkdocs.yml) holding one sub-folder per lesson, e.g. 02-chain-rule/.
    lessons_dir = c.Type(str, default="lessons_src")
    # URL prefix of the lesson pages: lessons/<topic>/ and lessons/<topic>/quiz/.
    lessons_url = c.Type(str, default="lessons")
    # Title of the nav entry whose children the plugin fills with the lessons. Added at the
    # end of the nav when mkdocs.yml does not list it.
    nav_section = c.Type(str, default="Lessons")
    # The page (in docs/) into which the glossary built from every terms.yml is inserted.
    glossary_page = c.Type(str, default="glossary.md")
    # KaTeX's distribution folder; its JS, CSS and fonts are copied into the site.
    katex_dir = c.Type(str, default="node_modules/katex/dist")
    # Link the first occurrence of each glossary term on a lesson page to its definition.
    link_terms = c.Type(bool, default=True)
