"""Lesson code at build time: figures shown as SHOWN, wrong ones and failing cells stop the
strict build with the `path:line` messages `quizkit check` prints (FIGURES.md)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

from quizkit.bank import lesson_code
from quizkit.mkdocs import figures
from tests.site.conftest import FIXTURE_CONFIG, ROOT, build_site

FIXTURE_LESSONS = FIXTURE_CONFIG.parent / "lessons_src"


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def fixture_copy(tmp_path: Path) -> Path:
    """The fixture course's lessons in tmp_path/lessons_src, and a config building them with
    mkdocs-jupyter's cache in tmp_path (so a test decides whether the kernel runs)."""
    shutil.copytree(FIXTURE_LESSONS, tmp_path / "lessons_src")
    # A plugin's options are not merged with the inherited ones: repeat the fixture's.
    plugins = yaml.safe_load(FIXTURE_CONFIG.read_text())["plugins"]
    jupyter = next(
        p["mkdocs-jupyter"] for p in plugins if isinstance(p, dict) and "mkdocs-jupyter" in p
    )
    jupyter = {**jupyter, "cache_dir": str(tmp_path / "notebook-cache")}
    config = {
        "INHERIT": str(ROOT / "mkdocs.yml"),
        "docs_dir": str(ROOT / "docs"),
        "plugins": [
            "search",
            {"quizkit": {"katex_dir": str(ROOT / "node_modules/katex/dist")}},
            {"mkdocs-jupyter": jupyter},
        ],
    }
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config))
    return tmp_path / "lessons_src"


def test_figures_render_as_shown_and_raises_cells_as_code(fixture_build):
    assert fixture_build.returncode == 0, fixture_build.output
    basics = (fixture_build.site / "lessons" / "basics" / "index.html").read_text()
    notebook = (fixture_build.site / "lessons" / "notebook" / "index.html").read_text()
    for html in (basics, notebook):
        assert "{{" not in html
    assert "is 12, which is\nmore than ten." in basics
    # The fence that fails on purpose is an ordinary runnable cell, highlighted as Python.
    assert "raises=" not in basics
    assert basics.count('class="qk-cell"') == 3
    assert "undefined_name" in basics and "<code>python" not in basics
    assert "The cell below computes 42, a share of 42%." in notebook
    # The kernel's hidden cells leave nothing on the page.
    assert "celltag_quizkit-hidden" not in notebook and "hidden cell" not in notebook
    assert "get_ipython" not in notebook


def test_a_wrong_markdown_figure_stops_the_strict_build_at_its_line(tmp_path):
    lessons = fixture_copy(tmp_path)
    lesson = lessons / "01-basics" / "lesson.md"
    lesson.write_text(lesson.read_text().replace("{{ slope = 12 }}", "{{ slope = 13 }}"))
    build = build_site(tmp_path / "mkdocs.yml", tmp_path / "site")
    assert build.returncode != 0
    line = line_of(lesson, "{{ slope = 13 }}")
    assert "quizkit: content errors:" in build.output
    assert (
        f"lessons_src/01-basics/lesson.md:{line}: figure: marker: prose says 13 but `slope` is 12"
    ) in build.output
    assert "Traceback" not in build.output


def test_notebook_figures_and_cells_fail_the_build_from_the_kernel_and_from_the_cache(tmp_path):
    lessons = fixture_copy(tmp_path)
    wrong = lessons / "02-notebook" / "lesson.py"
    wrong.write_text(wrong.read_text().replace("{{ answer = 42 }}", "{{ answer = 43 }}"))
    planted = lessons / "03-planted" / "lesson.py"
    planted.parent.mkdir()
    text = (FIXTURE_LESSONS / "02-notebook" / "lesson.py").read_text()
    planted.write_text(text.replace("answer = 6 * 7", 'raise RuntimeError("planted")\nanswer = 42'))
    expected = [
        f"lessons_src/02-notebook/lesson.py:{line_of(wrong, '{{ answer = 43 }}')}: figure:"
        " marker: prose says 43 but `answer` is 42",
        f"lessons_src/03-planted/lesson.py:{line_of(planted, 'raise RuntimeError')}: cell 2:"
        ' code: raised RuntimeError: planted at `raise RuntimeError("planted")`',
    ]
    # First build: the kernel runs both notebooks. Second: mkdocs-jupyter's cache has their
    # pages, no kernel runs, and the plugin runs them itself; the verdict is the same.
    for attempt, log in (("kernel", "Cache miss"), ("cache", "Cache hit")):
        build = build_site(tmp_path / "mkdocs.yml", tmp_path / "site")
        assert build.returncode != 0, attempt
        assert log in build.output and ("execute=True" in build.output) == (attempt == "kernel")
        assert "quizkit: content errors:" in build.output, attempt
        for message in expected:
            assert message in build.output, (attempt, build.output)
        assert "Traceback" not in build.output


# -- the kernel's report, judged without running the notebook again ------------------------

NOTEBOOK = """# %% [markdown]
# # N
#
# Four is {{ four = 4 }}.

# %%
four = 2 + 2
raise SystemExit("this would end the build if the plugin ran it again")
"""


def test_kernel_results_settle_the_figures_without_a_second_run(tmp_path):
    path = tmp_path / "lesson.py"
    path.write_text(NOTEBOOK)
    lesson = lesson_code.read_lesson(path)
    cell = {"source": lesson.cells[0].source, "error": None}
    agree = {"cells": [cell], "figures": [{"number": 4.0}]}
    assert figures.notebook_problems(lesson, agree) == []
    disagree = json.loads(json.dumps(agree))
    disagree["figures"] = [{"number": 5.0}]
    assert [str(p) for p in figures.notebook_problems(lesson, disagree)] == [
        f"{path}:4: figure: marker: prose says 4 but `four` is 5"
    ]


def test_a_cell_the_kernel_saw_fail_is_run_again_for_its_exact_line(tmp_path):
    path = tmp_path / "lesson.py"
    path.write_text(NOTEBOOK)
    lesson = lesson_code.read_lesson(path)
    error = {"names": ["SystemExit", "BaseException"], "text": "SystemExit: ..."}
    results = {"cells": [{"source": lesson.cells[0].source, "error": error}], "figures": []}
    assert [str(p) for p in figures.notebook_problems(lesson, results)] == [
        f"{path}:8: cell 1: code: raised SystemExit: this would end the build if the plugin ran"
        ' it again at `raise SystemExit("this would end the build if the plugin ran it again")`'
    ]


def test_kernel_notebook_tags_every_code_cell_and_shows_figures(tmp_path):
    path = tmp_path / "lesson.py"
    path.write_text(NOTEBOOK.replace("# %%\nfour", "# %% raises=SystemExit\nfour"))
    copy = figures.kernel_notebook(lesson_code.read_lesson(path))
    assert "Four is 4." in copy and "{{" not in copy
    assert '# %% tags=["raises-exception"]\nfour = 2 + 2' in copy
    assert "raises=SystemExit" not in copy
    assert copy.count(f'tags=["{figures.HIDDEN_TAG}", "raises-exception"]') == 2
    assert copy.rstrip().endswith(f"report(get_ipython(), {['four']!r})")
