"""quizkit.mkdocs.runnable.transform: `python runnable` fences become runnable cells."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import markdown
import pytest

from quizkit.mkdocs.runnable import is_runnable, transform

ROOT = Path(__file__).resolve().parents[2]
CELL = re.compile(r'<div class="qk-cell" data-qk-cell="" data-qk-code="([A-Za-z0-9+/=]*)"')


def codes(text: str) -> list[str]:
    return [base64.b64decode(m).decode("utf-8") for m in CELL.findall(text)]


def render(text: str) -> str:
    """HTML as the site renders it (the extensions of mkdocs.yml that matter here)."""
    extensions = ["md_in_html", "attr_list", "pymdownx.highlight", "pymdownx.superfences"]
    return markdown.markdown(transform(text), extensions=extensions)


def test_a_runnable_block_becomes_a_cell_with_its_exact_source():
    source = 'x = "é → ∂"\nif x:\n\n    print(x)  # <b>not html</b>\n'
    out = transform(f"Intro\n\n```python runnable\n{source}```\n\nAfter\n")
    assert codes(out) == [source]
    assert "```python\n" + source + "```" in out  # the no-JavaScript block, plain Python
    assert out.startswith("Intro\n\n") and out.endswith("\n\nAfter\n")


@pytest.mark.parametrize(
    "info, runnable",
    [
        ("python runnable", True),
        ("py runnable", True),
        ("python runnable title='demo'", True),
        ("python", False),
        ("runnable", False),
        ("javascript runnable", False),
        ("pythonrunnable", False),
        ("", False),
    ],
)
def test_which_info_strings_ask_for_a_cell(info, runnable):
    assert is_runnable(info) is runnable


def test_other_blocks_and_nested_fences_are_untouched():
    text = (
        "```python\nprint(1)\n```\n\n"
        "````markdown\nA lesson shows how to write a cell:\n\n"
        "```python runnable\nprint(2)\n```\n````\n\n"
        "~~~python runnable\nprint(3)\n~~~\n"
    )
    out = transform(text)
    assert codes(out) == ["print(3)\n"]
    assert out.startswith(text[: text.index("~~~")])


def test_an_unclosed_fence_is_left_alone():
    text = "```python runnable\nprint(1)\n"
    assert transform(text) == text


def test_indented_blocks_keep_their_indentation_and_lose_it_in_the_code():
    text = (
        "1. Step one:\n\n"
        "    ```python runnable\n    for i in range(2):\n        print(i)\n    ```\n"
    )
    out = transform(text)
    assert codes(out) == ["for i in range(2):\n    print(i)\n"]
    assert '\n    <div class="qk-cell"' in out and "\n    </div>\n" in out


def test_rendered_html_has_a_highlighted_fallback_inside_the_cell():
    html = render("```python runnable\nprint('<b>hi</b>')\n```\n")
    match = re.search(r'<div class="qk-cell"[^>]*>(.*)</div>\s*$', html, re.S)
    assert match, html
    assert 'class="highlight"' in match.group(1)
    assert '<span class="nb">print</span>' in match.group(1)  # highlighted as Python
    assert "&lt;b&gt;hi&lt;/b&gt;" in match.group(1)  # code is escaped, never markup
    assert "runnable" not in match.group(1)


def test_every_runnable_block_of_the_course_round_trips():
    found = 0
    for lesson in sorted((ROOT / "lessons_src").glob("*/lesson.md")):
        text = lesson.read_text(encoding="utf-8")
        blocks = re.findall(r"^```python runnable(?: [^\n]*)?\n(.*?)^```$", text, re.M | re.S)
        assert codes(transform(text)) == blocks, lesson
        found += len(blocks)
    assert found > 0
