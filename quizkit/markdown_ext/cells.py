"""Runnable cells as a Python-Markdown extension (`- quizkit.markdown_ext.cells` in mkdocs.yml).

A ```` ```python runnable ```` fence is wrapped as quizkit.mkdocs.runnable describes, before
any fence or HTML block is parsed, so that every generator that runs Python-Markdown (MkDocs,
ProperDocs, Zensical) shows the same cell. The wrapper is a `markdown="1"` block, so the
`md_in_html` extension must be enabled too; without it the cell would reach the page as
escaped text, so the extension refuses to run without it.
"""

from __future__ import annotations

from markdown import Extension, Markdown
from markdown.preprocessors import Preprocessor

from quizkit.mkdocs.runnable import transform

# Above Python-Markdown's own preprocessors (normalize_whitespace 30, html_block 20) and
# SuperFences' (fenced_code_block 25): they must see the wrapper, not the bare fence.
PRIORITY = 35


class RunnableCellsPreprocessor(Preprocessor):
    def run(self, lines: list[str]) -> list[str]:
        # md_in_html installs its own HTML block reader; it registers no extension object.
        reader = (
            self.md.preprocessors["html_block"] if "html_block" in self.md.preprocessors else None
        )
        if type(reader).__module__ != "markdown.extensions.md_in_html":
            raise ValueError(
                "quizkit.markdown_ext.cells needs the md_in_html extension: "
                "add `- md_in_html` under markdown_extensions"
            )
        return transform("\n".join(lines)).split("\n")


class RunnableCellsExtension(Extension):
    def extendMarkdown(self, md: Markdown) -> None:  # noqa: N802 - Python-Markdown's name
        md.registerExtension(self)
        md.preprocessors.register(RunnableCellsPreprocessor(md), "quizkit_cells", PRIORITY)


def makeExtension(**kwargs) -> RunnableCellsExtension:  # noqa: N802 - Python-Markdown's name
    return RunnableCellsExtension(**kwargs)
