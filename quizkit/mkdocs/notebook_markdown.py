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
- images (PNG, SVG or JPEG) as files beside the page, their alt text from the code that drew
  them (pages.describe_plot, as the MkDocs build's pages.plot_alt).

The kernel is this interpreter's ipykernel, whatever other kernels Jupyter knows; its own
output goes to a log, shown only when it died.
"""

from __future__ import annotations

import atexit
import base64
import logging
import re
import shlex
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from quizkit.bank import lesson_code

from . import figures, pages
from .lessons import ContentError

# The longest a lesson's kernel may run, all cells together, in seconds, counted from when
# the kernel is ready (the slowest lesson runs in well under a minute).
TIMEOUT = 300.0
# Lines of the kernel's own output (its log) shown when it died.
LOG_TAIL = 5
# nbclient's and jupyter_client's logger: what they log (a cell timed out, the kernel died)
# is what the errors raised here say, at the cell's line.
QUIET = logging.getLogger(f"{__name__}.kernel")
QUIET.addHandler(logging.NullHandler())
QUIET.propagate = False
# A Markdown heading line, for the section a plot is in.
HEADING = re.compile(r"^#{1,6}[ \t]+(?P<text>.*?)(?:[ \t]+#+)?(?:[ \t]*\{[^}]*\})?[ \t]*$")
# Characters Python-Markdown reads as markup in an image's alt text unless escaped.
ALT_MARKUP = re.compile(r"([\\`*_\[\]])")
# Inline Markdown in a heading, as its text reads: code spans and math keep what is between
# their delimiters, untouched; elsewhere a link keeps its text and emphasis marks go.
INLINE_LITERAL = re.compile(r"(?P<ticks>`+)(?P<code>.+?)(?P=ticks)|\$(?P<math>[^$]+)\$")
INLINE_LINK = re.compile(r"!?\[(?P<text>[^\]]*)\]\([^)]*\)")
EMPHASIS = re.compile(r"\*{1,3}|\b_{1,3}|_{1,3}\b")
# Output images, by preference, with the extension of the file each is written to; SVG is
# text in a notebook, the others base64.
IMAGE_TYPES = {"image/png": "png", "image/svg+xml": "svg", "image/jpeg": "jpg"}


class KernelError(Exception):
    """The Jupyter kernel could not run a notebook at all (not the notebook's fault): one line
    naming the kernel's command."""


@dataclass
class NotebookPage:
    """A notebook lesson as Markdown: the page's text and its images, by file name."""

    markdown: str
    images: dict[str, bytes] = field(default_factory=dict)


def run_notebook(notebook: lesson_code.Lesson, timeout: float = TIMEOUT) -> NotebookPage:
    """Run `notebook`'s kernel copy and write it as Markdown (see the module's docstring).

    Raises ContentError (`path:line: ...`, as the MkDocs build reports it) when a cell fails,
    a figure is wrong, or the cells together run longer than `timeout` seconds; KernelError
    when the kernel does not start, or runs but cannot report (it cannot import quizkit)."""
    return write_markdown(execute(notebook, timeout))


def execute(notebook: lesson_code.Lesson, timeout: float = TIMEOUT):
    """The kernel copy of `notebook` run by nbclient (an nbformat notebook with its outputs)."""
    import jupytext
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    from jupyter_client.manager import AsyncKernelManager
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    nb = jupytext.reads(figures.kernel_notebook(notebook), fmt="py:percent")
    # No kernelspec folder is searched, so "python3" is ipykernel's own kernel run by this
    # interpreter, which has quizkit and the engine, not a python3 kernelspec installed for
    # some other Python (which could not import them).
    manager = AsyncKernelManager(
        kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[]), log=QUIET
    )
    try:
        command = shlex.join(manager.kernel_spec.argv)
    except NoSuchKernel:
        raise KernelError(
            f"cannot start a Jupyter kernel for {notebook.shown_path}: {sys.executable} has no"
            " ipykernel (it comes with mkdocs-jupyter)"
        ) from None
    deadline = [float("inf")]
    running = [-1]  # the index in `nb` of the cell the kernel is running

    def started(notebook) -> None:
        # The budget is the notebook's; the kernel's start-up is not counted in it.
        deadline[0] = time.monotonic() + timeout

    client = NotebookClient(
        nb,
        km=manager,
        resources={"metadata": {"path": str(notebook.path.parent)}},
        on_notebook_start=started,
        # One budget for the whole lesson: each cell gets what the cells before it left.
        timeout_func=lambda cell: max(deadline[0] - time.monotonic(), 0.01),
        on_cell_execute=lambda cell, cell_index: running.__setitem__(0, cell_index),
        log=QUIET,
    )
    with (
        tempfile.TemporaryDirectory(prefix="quizkit-notebook-") as scratch,
        (Path(scratch) / "kernel.log").open("w+", encoding="utf-8") as log,
    ):
        results = Path(scratch) / "results.json"
        # The kernel inherits the environment; its hidden last cell writes to `results`.
        with figures.kernel_results(results):
            try:
                # Its output (start-up warnings, messages as it stops) goes to the log.
                client.execute(cleanup_kc=True, stdout=log, stderr=log)
            except CellTimeoutError:
                message = f"the notebook ran longer than {timeout:g} s (all its cells together)"
                raise ContentError(_stopped(notebook, nb, running[0], message)) from None
            except DeadKernelError:
                message = "the notebook kernel died while running this cell"
                message += _log_tail(log)
                raise ContentError(_stopped(notebook, nb, running[0], message)) from None
            except Exception as exc:
                if deadline[0] != float("inf"):
                    raise
                # Not started (it exited, or is missing): nothing the notebook did.
                raise KernelError(
                    f"cannot start the Jupyter kernel `{command}` for {notebook.shown_path}:"
                    f" {exc}{_log_tail(log)}"
                ) from None
            finally:
                # nbclient's own clean-up at exit, for a kernel whose start failed (which
                # nbclient has already cleaned up), would fail an assertion.
                atexit.unregister(client._cleanup_kernel)
            found = figures.read_results(results)
    if found is None:
        raise KernelError(
            f"the Jupyter kernel `{command}` ran {notebook.shown_path} but its hidden cells"
            f" wrote no results ({_hidden_error(nb) or 'no error shown'}); the kernel must"
            " import quizkit"
        )
    problems = figures.notebook_problems(notebook, found)
    if problems:
        raise ContentError([str(problem) for problem in problems])
    return nb


def _log_tail(log) -> str:
    """The last lines of the kernel's log, as the end of a one-line message ("" if empty)."""
    log.flush()
    log.seek(0)
    lines = [line.strip() for line in log.read().splitlines() if line.strip()]
    return f" (the kernel's output ends: {' | '.join(lines[-LOG_TAIL:])})" if lines else ""


def _hidden_error(nb) -> str | None:
    """The first exception a hidden cell showed, as `Name: message`."""
    for cell in nb.cells:
        if figures.HIDDEN_TAG in cell.metadata.get("tags", []):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    return f"{output.get('ename', '')}: {output.get('evalue', '')}"
    return None


def _stopped(notebook: lesson_code.Lesson, nb, index: int, message: str) -> list[str]:
    """The content errors of a kernel that did not finish, at the cell it was running: by its
    place among the notebook's code cells (the kernel copy's hidden cells aside); the hidden
    last cell evaluates the figures, so its errors are at each figure marker."""
    whole = [str(notebook.problem(1, lesson_code.LESSON, "code", message))]
    if index == len(nb.cells) - 1:  # the hidden last cell (figures.kernel_notebook)
        figure = [notebook.problem(m.line, lesson_code.FIGURE, "marker", message)
                  for m in notebook.markers]  # fmt: skip
        return [str(problem) for problem in figure] or whole
    shown = [
        i for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and c.source.strip()
        and figures.HIDDEN_TAG not in c.metadata.get("tags", [])
    ]  # fmt: skip
    k = shown.index(index) if index in shown else -1
    if 0 <= k < len(notebook.cells):
        found = notebook.cells[k]
        return [str(notebook.problem(found.line, found.label, "code", message))]
    return whole


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
        image = next((kind for kind in IMAGE_TYPES if kind in data), None)
        if image is not None:
            written.append(fenced(text.rstrip("\n")) if text.strip() else "")
            text = ""
            name = f"plot-{len(images) + 1}.{IMAGE_TYPES[image]}"
            content = data[image]
            images[name] = (
                content.encode("utf-8") if image == "image/svg+xml" else base64.b64decode(content)
            )
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
    return heading_text(found[-1]) if found else None


def heading_text(markdown: str) -> str:
    """A heading's Markdown as its text reads (see INLINE_LITERAL)."""
    out, done = [], 0
    for m in INLINE_LITERAL.finditer(markdown):
        literal = m["code"].strip() if m["code"] is not None else m["math"]
        out += [_unmarked(markdown[done : m.start()]), literal]
        done = m.end()
    out.append(_unmarked(markdown[done:]))
    return " ".join("".join(out).split())


def _unmarked(text: str) -> str:
    return EMPHASIS.sub("", INLINE_LINK.sub(lambda m: m["text"], text))
