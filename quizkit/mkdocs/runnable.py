"""Runnable cells: lesson code blocks that learners can edit and run in the page.

A fenced block whose info string is `python runnable`

    ```python runnable
    from quizkit.backprop import Tensor
    print(Tensor(2.0) * 3)
    ```

is wrapped in `<div class="qk-cell" data-qk-cell data-qk-code="...">`, holding the same
block as an ordinary highlighted Python block (what readers without JavaScript see) and the
exact source, base64-encoded, for the editor that quizkit/web/cells.js builds there. The
wrapper relies on the `md_in_html` Markdown extension. Other fences, including fences
nested in a longer fence (a lesson showing Markdown source), are left alone.
"""

from __future__ import annotations

import base64

# One reader of fences: the lesson checker's (it runs the same cells this module wraps).
from quizkit.bank.lesson_code import fences, is_runnable

__all__ = ["transform", "is_runnable"]


def _plain_info(info: str) -> str:
    """The info string without `runnable` and `raises=...`, for the no-JavaScript code block.

    Those two words are ours; Python-Markdown's fences accept neither.
    """
    words = info.split()
    return " ".join(w for w in words if w != "runnable" and not w.startswith("raises="))


def transform(markdown: str) -> str:
    """Wrap every `python runnable` fenced block of `markdown` as a runnable cell."""
    lines = markdown.splitlines(keepends=True)
    out: list[str] = []
    done = 0  # lines before this index are in `out`
    for fence in fences(lines):
        if not (fence.closed and is_runnable(fence.info)):
            continue
        out.extend(lines[done : fence.start])
        indent, marker, closing = fence.indent, fence.marker, lines[fence.end]
        encoded = base64.b64encode(fence.source(lines).encode("utf-8")).decode("ascii")
        newline = "\n" if closing.endswith("\n") else ""
        out.append(
            f'{indent}<div class="qk-cell" data-qk-cell="" data-qk-code="{encoded}" markdown="1">\n'
            "\n"
            f"{indent}{marker}{_plain_info(fence.info)}\n"
        )
        out.extend(lines[fence.start + 1 : fence.end])
        out.append(f"{indent}{marker}\n\n{indent}</div>{newline}")
        done = fence.end + 1
    out.extend(lines[done:])
    return "".join(out)
