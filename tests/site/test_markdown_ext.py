"""The in-page pieces as Python-Markdown extensions, and lesson pages as plain Markdown."""

from __future__ import annotations

import markdown
import pytest

from quizkit.mkdocs.generate import lesson_markdown
from quizkit.mkdocs.lessons import ContentError, discover
from quizkit.mkdocs.runnable import transform

EXTENSIONS = ["md_in_html", "pymdownx.superfences"]
PAGE = """# Cells

```python runnable
x = 2
print(x * 3)
```

```python
shown_only = True
```

````markdown
```python runnable
nested = "shown as Markdown source, not a cell"
```
````
"""


def test_cells_extension_renders_what_the_plugin_renders():
    # The plugin rewrites the page's Markdown with runnable.transform before MkDocs renders it.
    expected = markdown.markdown(transform(PAGE), extensions=EXTENSIONS)
    got = markdown.markdown(PAGE, extensions=[*EXTENSIONS, "quizkit.markdown_ext.cells"])
    assert got == expected
    assert got.count("data-qk-cell") == 1


def test_cells_extension_refuses_to_run_without_md_in_html():
    with pytest.raises(ValueError, match="md_in_html"):
        markdown.markdown(PAGE, extensions=["pymdownx.superfences", "quizkit.markdown_ext.cells"])


def _course(tmp_path, body: str):
    for folder, text in [("01-first", "# First\n\nIntro.\n"), ("02-second", body)]:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "lesson.md").write_text(text, encoding="utf-8")
    return discover(tmp_path)


def test_lesson_markdown_shows_figures_and_links_lessons_by_page(tmp_path):
    body = (
        "# Second\n\n```python runnable\nhalf = 1 / 2\n```\n\n"
        "Half is {{ half = 0.5 }}; see [the first](../01-first/#intro).\n"
    )
    lessons = _course(tmp_path, body)
    text = lesson_markdown(lessons[1], lessons)
    assert "Half is 0.5; see [the first](../first/index.md#intro)." in text
    assert "```python runnable\nhalf = 1 / 2\n```" in text  # left for the cells extension


def test_lesson_markdown_names_the_line_of_a_link_to_no_lesson(tmp_path):
    lessons = _course(tmp_path, "# Second\n\nSee [gone](../07-gone/).\n")
    with pytest.raises(ContentError) as caught:
        lesson_markdown(lessons[1], lessons)
    assert caught.value.messages == [
        f"{lessons[1].source}:3: link: ../07-gone/ is not a lesson folder "
        "(lessons: 01-first, 02-second)"
    ]
