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
from quizkit.bank.lesson_code import FENCE, is_runnable

__all__ = ["transform", "is_runnable"]


def _plain_info(info: str) -> str:
    """The info string without `runnable` and `raises=...`, for the no-JavaScript code block.

    Those two words are ours; Python-Markdown's fences accept neither.
    """
    words = info.split()
    return " ".join(w for w in words if w != "runnable" and not w.startswith("raises="))


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return stripped.startswith(fence[0] * len(fence)) and set(stripped) == {fence[0]}


def transform(markdown: str) -> str:
    """Wrap every `python runnable` fenced block of `markdown` as a runnable cell."""
    lines = markdown.splitlines(keepends=True)
    out: list[str] = []
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i].rstrip("\r\n"))
        if not match:
            out.append(lines[i])
            i += 1
            continue
        indent, fence, info = match["indent"], match["fence"], match["info"]
        end = i + 1
        while end < len(lines) and not _closes(lines[end], fence):
            end += 1
        body = lines[i + 1 : end]
        closing = lines[end] if end < len(lines) else ""
        if not is_runnable(info) or not closing:
            out.extend(lines[i : end + 1])
            i = end + 1
            continue
        source = "".join(line[len(indent) :] if line.startswith(indent) else line for line in body)
        encoded = base64.b64encode(source.encode("utf-8")).decode("ascii")
        newline = "\n" if closing.endswith("\n") else ""
        out.append(
            f'{indent}<div class="qk-cell" data-qk-cell="" data-qk-code="{encoded}" markdown="1">\n'
            "\n"
            f"{indent}{fence}{_plain_info(info)}\n"
        )
        out.extend(body)
        out.append(f"{indent}{fence}\n\n{indent}</div>{newline}")
        i = end + 1
    return "".join(out)
