"""A notebook lesson as plain Markdown, for a generator that runs no notebook (`quizkit bundle`).

MkDocs runs a notebook lesson with mkdocs-jupyter. A generator without MkDocs plugins
(Zensical) gets this instead: the same kernel copy (figures.kernel_notebook) executed here
with nbclient and judged the way the MkDocs build judges it (figures.notebook_problems, so a
failing cell or a wrong figure is the same `path:line` content error), then written out as
Markdown:

- Markdown cells as they are (their figure markers already read as SHOWN in the kernel copy);
- code cells as ```` ```python ```` fences, the hidden cells the kernel copy adds (tagged
  figures.HIDDEN_TAG) left out;
- text outputs (printed text, a cell's value, an expected exception) as plain fenced blocks;
- images as PNG files beside the page, their alt text from the code that drew them
  (pages.describe_plot, as the MkDocs build's pages.plot_alt).
"""

from __future__ import annotations

import base64
import os
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from quizkit.bank import lesson_code

from . import figures, pages
from .lessons import ContentError

# The longest a lesson's kernel may run, all cells together, in seconds (the slowest lesson
# runs in well under a minute).
TIMEOUT = 300.0
# A Markdown heading line, for the section a plot is in.
HEADING = re.compile(r"^#{1,6}[ \t]+(?P<text>.*?)(?:[ \t]+#+)?(?:[ \t]*\{[^}]*\})?[ \t]*$")
# Characters Python-Markdown reads as markup in an image's alt text unless escaped.
ALT_MARKUP = re.compile(r"([\\`*_\[\]])")


@dataclass
class NotebookPage:
    """A notebook lesson as Markdown: the page's text and its images, by file name."""

    markdown: str
    images: dict[str, bytes] = field(default_factory=dict)


def notebook_page(notebook: lesson_code.Lesson, timeout: float = TIMEOUT) -> NotebookPage:
    """Run `notebook`'s kernel copy and write it as Markdown (see the module's docstring).

    Raises ContentError (`path:line: ...`, as the MkDocs build reports it) when a cell fails,
    a figure is wrong, or the cells together run longer than `timeout` seconds."""
    return write_markdown(execute(notebook, timeout))


def execute(notebook: lesson_code.Lesson, timeout: float = TIMEOUT):
    """The kernel copy of `notebook` run by nbclient (an nbformat notebook with its outputs)."""
    import jupytext
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    nb = jupytext.reads(figures.kernel_notebook(notebook), fmt="py:percent")
    deadline = time.monotonic() + timeout
    running: list = [None]
    client = NotebookClient(
        nb,
        kernel_name="python3",
        resources={"metadata": {"path": str(notebook.path.parent)}},
        # One budget for the whole lesson: each cell gets what the cells before it left.
        timeout_func=lambda cell: max(deadline - time.monotonic(), 0.01),
        on_cell_execute=lambda cell, cell_index: running.__setitem__(0, cell),
    )
    with tempfile.TemporaryDirectory(prefix="quizkit-notebook-") as scratch:
        results = Path(scratch) / "results.json"
        previous = os.environ.get(figures.RESULTS_ENV)
        # The kernel inherits this environment; its hidden last cell writes there.
        os.environ[figures.RESULTS_ENV] = str(results)
        try:
            client.execute()
        except CellTimeoutError:
            message = f"the notebook ran longer than {timeout:g} s (all its cells together)"
            raise ContentError([_stopped(notebook, running[0], message)]) from None
        except DeadKernelError:
            message = "the notebook kernel died while running this cell"
            raise ContentError([_stopped(notebook, running[0], message)]) from None
        finally:
            if previous is None:
                os.environ.pop(figures.RESULTS_ENV, None)
            else:
                os.environ[figures.RESULTS_ENV] = previous
        problems = figures.notebook_problems(notebook, figures.read_results(results))
    if problems:
        raise ContentError([str(problem) for problem in problems])
    return nb


def _stopped(notebook: lesson_code.Lesson, cell, message: str) -> str:
    """The content error of a kernel that did not finish: at the cell it was running."""
    source = (cell.source if cell is not None else "").strip()
    found = next((c for c in notebook.cells if c.source.strip() == source), None)
    line, label = (found.line, found.label) if found else (1, lesson_code.LESSON)
    return str(notebook.problem(line, label, "code", message))


def write_markdown(nb) -> NotebookPage:
    """An executed notebook as Markdown and images (see the module's docstring)."""
    page = NotebookPage("")
    parts: list[str] = []
    section = None
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            parts.append(cell.source.strip("\n"))
            section = _last_heading(cell.source) or section
        elif cell.cell_type == "code" and figures.HIDDEN_TAG not in cell.metadata.get("tags", []):
            if cell.source.strip():
                parts.append(fenced(cell.source.strip("\n"), "python"))
            parts += _outputs(cell, section, page.images)
    page.markdown = "\n\n".join(part for part in parts if part) + "\n"
    return page


def _outputs(cell, section: str | None, images: dict[str, bytes]) -> list[str]:
    """A code cell's outputs as Markdown; its images are added to `images`."""
    written: list[str] = []
    text = ""  # consecutive text outputs make one block, as they read in the notebook
    for output in cell.get("outputs", []):
        kind = output.get("output_type")
        data = output.get("data", {})
        if kind == "stream":
            text += output.get("text", "")
            continue
        if kind == "error":
            text += f"{output.get('ename', '')}: {output.get('evalue', '')}\n"
            continue
        if "image/png" in data:
            written.append(fenced(text.rstrip("\n")) if text.strip() else "")
            text = ""
            name = f"plot-{len(images) + 1}.png"
            images[name] = base64.b64decode(data["image/png"])
            alt = ALT_MARKUP.sub(r"\\\1", pages.describe_plot(cell.source, section))
            written.append(f"![{alt}]({name})")
        elif "text/plain" in data:
            text += data["text/plain"].rstrip("\n") + "\n"
    if text.strip():
        written.append(fenced(text.rstrip("\n")))
    return written


def fenced(text: str, language: str = "text") -> str:
    """`text` as a fenced code block, its fence longer than any backtick run inside it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{language}\n{text}\n{fence}"


def _last_heading(markdown: str) -> str | None:
    """The text of the last heading of a Markdown cell (outside its code blocks), or None."""
    lines = markdown.splitlines(keepends=True)
    code = {i for f in lesson_code.fences(lines) for i in range(f.start, f.end + 1)}
    headings = [HEADING.match(line.rstrip("\r\n")) for i, line in enumerate(lines) if i not in code]
    found = [m["text"] for m in headings if m]
    return found[-1] if found else None
