"""Page-level HTML pieces (embeds, the lesson list, the timing table, notebook clean-up)."""

from __future__ import annotations

import functools
import html as html_lib
import itertools
import re
from collections.abc import Callable
from pathlib import Path

from markupsafe import Markup

from quizkit.bank.model import Bank

from .lessons import ContentError, Lesson

EMBED = re.compile(r"<!--\s*quiz:\s*(?P<id>[a-z0-9][a-z0-9-]*)\s*-->")
# mkdocs-jupyter inserts a MathJax loader (with an empty address) into every notebook page;
# the site renders math with its own KaTeX, so the block is dropped.
# Output images (plots): nbconvert gives those without alt text this placeholder, which tells
# a screen-reader user nothing; it is replaced (as is a missing alt) by the plot's titles.
NOTEBOOK_IMAGE = re.compile(r"<img\b(?P<attrs>[^>]*)>")
NOTEBOOK_ALT = re.compile(r'\salt="(?P<alt>[^"]*)"')
NBCONVERT_PLACEHOLDER = "No description has been provided for this image"
NOTEBOOK_CODE = re.compile(r'<div class="highlight-ipynb[^"]*"')
# In the code that drew a plot: the titles it gave the figure and its axes, in code order.
# An f-string's replacement fields ({lr}) are read as "…": their values are not known here.
PLOT_TITLE = re.compile(
    r"""\b(?:set_title|suptitle|title)\(\s*(?P<f>[fF]?)(?P<q>["'])(?P<text>.*?)(?P=q)"""
)
FSTRING_FIELD = re.compile(r"\{[^{}]*\}")
HEADING = re.compile(r"<h[1-6]\b[^>]*>(?P<text>.*?)</h[1-6]>", re.S)
TAG = re.compile(r"<[^>]+>")
NOTEBOOK_MATHJAX = re.compile(
    r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S
)
# nbconvert's id of a cell: the notebook's cell id, which jupytext draws at random each time it
# reads a lesson.py, so a cold build changed every notebook page; numbered in page order instead.
NOTEBOOK_CELL = re.compile(r'<div\b[^>]*\bclass="jp-Cell[ "][^>]*>')
NOTEBOOK_CELL_ID = re.compile(r'\sid="cell-id=[^"]*"')


def embedded_ids(markdown: str) -> list[str]:
    """Ids of the items a lesson embeds with `<!-- quiz: item-id -->`, in page order."""
    return [m.group("id") for m in EMBED.finditer(markdown)]


def check_embeds(source: Path, markdown: str, known: set[str]) -> None:
    """Raise ContentError (with line numbers) for embeds naming no item of the course."""
    errors = []
    for match in EMBED.finditer(markdown):
        if match.group("id") not in known:
            line = markdown.count("\n", 0, match.start()) + 1
            errors.append(f"{source}:{line}: {match.group('id')}: quiz: no item has this id")
    if errors:
        raise ContentError(errors)


def replace_embeds(html: str, render: Callable[[str], str]) -> str:
    """Put each embedded item's widget where its comment stands in the page."""
    return EMBED.sub(lambda m: render(m.group("id")), html)


def clean_notebook(html: str) -> str:
    """Fit a converted notebook into the site.

    Drops the MathJax loader (math is typeset by the site's KaTeX), numbers the cells' ids
    (jp-cell-1, …: the same for every build), gives plots a text alternative (see plot_alt),
    and makes the code cells, which scroll sideways, reachable by keyboard as Material does
    for its own code blocks.
    """
    html = NOTEBOOK_MATHJAX.sub("", html)
    number = itertools.count(1)

    def numbered(cell: re.Match) -> str:
        tag = cell.group(0)
        if not NOTEBOOK_CELL_ID.search(tag):
            return tag  # nbconvert gives some cells no id
        return NOTEBOOK_CELL_ID.sub(f' id="jp-cell-{next(number)}"', tag, count=1)

    html = NOTEBOOK_CELL.sub(numbered, html)

    def describe(match: re.Match) -> str:
        attrs = match.group("attrs")
        alt = NOTEBOOK_ALT.search(attrs)
        if alt and alt.group("alt") != NBCONVERT_PLACEHOLDER:
            return match.group(0)  # written by the author
        text = html_lib.escape(plot_alt(html[: match.start()]), quote=True)
        return f'<img alt="{text}"{NOTEBOOK_ALT.sub("", attrs, count=1)}>'

    html = NOTEBOOK_IMAGE.sub(describe, html)
    return NOTEBOOK_CODE.sub(r'\g<0> tabindex="0"', html)


def _text(fragment: str) -> str:
    return " ".join(html_lib.unescape(TAG.sub("", fragment)).replace("\u00b6", "").split())


def plot_alt(before: str) -> str:
    """Alt text for a plot, from the page's HTML up to it.

    A plot says what it shows in its titles (the figure's and each panel's), set in the code
    cell that drew it: the last code cell before the image. Those titles are the alt text; a
    plot without titles is named by the section it is in, so a screen-reader user still
    learns where it belongs (and the prose around it describes it).
    """
    cells = list(NOTEBOOK_CODE.finditer(before))
    code = _text(before[cells[-1].start() :]) if cells else ""
    headings = list(HEADING.finditer(before))
    return describe_plot(code, _text(headings[-1].group("text")) if headings else None)


def describe_plot(code: str, section: str | None) -> str:
    """Alt text for a plot drawn by `code` (plot_alt) in the section headed `section`."""
    titles = [
        FSTRING_FIELD.sub("\u2026", m.group("text")) if m.group("f") else m.group("text")
        for m in PLOT_TITLE.finditer(code)
    ]
    if titles:
        # Each title once: a cell's source can reach the page twice (the highlighted input
        # and a copy of it), and a title repeated says nothing new.
        return "Plot: " + "; ".join(dict.fromkeys(titles))
    where = f" in the section \u201c{section}\u201d" if section else ""
    return f"Plot drawn by the code cell above{where}"


def lesson_list(lessons: list[Lesson], banks: dict[str, Bank], url: Callable[[str], str]) -> str:
    """The home page's list of lessons, each with its quiz's figures."""
    from .stats import bank_stats

    rows = []
    for lesson in lessons:
        link = f'<a href="{url(lesson.topic)}">{Markup.escape(lesson.title)}</a>'
        bank = banks.get(lesson.name)
        extra = ""
        if bank is not None:
            stats = bank_stats(bank)
            questions = f"{stats.questions} question{'s' if stats.questions != 1 else ''}"
            minutes = f"{stats.minutes} minute{'s' if stats.minutes != 1 else ''}"
            extra = f' <span class="qk-lesson-figures">({questions}, about {minutes})</span>'

        rows.append(f"<li>{link}{extra}</li>")
    return '<ol class="qk-lessons">\n' + "\n".join(rows) + "\n</ol>"


def timing_table() -> str:
    """The minutes per kind that estimated times are made of, for the contributor guide:
    the kinds timed per question first, then those timed per part of a question."""
    from quizkit.bank import kinds

    ordered = sorted(kinds.all_kinds(), key=lambda kind: kind.minutes_per != "question")
    rows = [
        f"<tr><td>{kind.label}</td><td>{kind.minutes_each:g} per {kind.minutes_per}</td></tr>"
        for kind in ordered
    ]
    return (
        '<table class="qk-timing"><thead><tr><th scope="col">Kind</th>'
        '<th scope="col">Minutes</th></tr></thead><tbody>'
        + "".join(rows)
        + "</tbody></table><p>The total is rounded up to whole minutes.</p>"
    )


# Material's search overlay is a dialog without an accessible name (axe: aria-dialog-name).
_SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'


def name_search_dialog(html: str) -> str:
    """Give Material's search dialog an accessible name."""
    return html.replace(_SEARCH_DIALOG, _SEARCH_DIALOG[:-1] + ' aria-label="Search">', 1)


# Scripts every page runs from its head, before any other script: each file inlined without
# its comment lines (see the files for why they must run first).
HEAD_SCRIPTS = [Path(__file__).with_name(name) for name in ("anchors.js", "scripts-failed.js")]


@functools.cache  # every page carries them: read once per build, not once per page
def head_scripts() -> str:
    """HEAD_SCRIPTS as inline script elements, each headed by the name of its source (which is
    also how bench/site.py tells them from Material's inline scripts)."""
    elements = []
    for path in HEAD_SCRIPTS:
        lines = path.read_text(encoding="utf-8").splitlines()
        code = "\n".join(line for line in lines if not line.lstrip().startswith("//"))
        elements.append(f"<script>/* quizkit/mkdocs/{path.name} */\n{code}</script>")
    return "".join(elements)


def add_head_scripts(html: str) -> str:
    """`html` with head_scripts() at the end of its head, before Material's script has run."""
    head_end = html.find("</head>")
    if head_end < 0:
        return html
    return html[:head_end] + head_scripts() + html[head_end:]
