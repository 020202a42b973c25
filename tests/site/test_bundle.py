"""`quizkit bundle OUT`: the docs folder and mkdocs.yml for a generator without MkDocs plugins."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import markdown
import pytest
import yaml

from quizkit.cli import main
from quizkit.mkdocs import generate
from quizkit.mkdocs.bundle import BundleError, write_bundle
from tests.site.conftest import ROOT

QUIZ = "quizkit.markdown_ext.quiz"
FIXTURE_LESSONS = Path(__file__).resolve().parent / "fixtures" / "lessons_src"
KATEX = ROOT / "node_modules" / "katex" / "dist"
CONFIG = f"""site_name: Tiny
site_url: !ENV [SITE_URL, "http://127.0.0.1:8000/"]
nav:
  - Home: index.md
  - Lessons: []
  - Glossary: glossary.md
plugins:
  - search
  - quizkit:
      katex_dir: {KATEX}
  - mkdocs-jupyter:
      execute: true
markdown_extensions:
  - attr_list
  - md_in_html
  - quizkit.markdown_ext.cells
  - quizkit.markdown_ext.quiz
  - toc:
      permalink: true
extra_css:
  - assets/extra.css
"""


def project(tmp_path: Path) -> Path:
    """A site of the fixture lessons: mkdocs.yml, a home page listing them and a glossary."""
    root = tmp_path / "project"
    (root / "docs").mkdir(parents=True)
    (root / "docs" / "index.md").write_text("# Home\n\n<!-- quizkit: lessons -->\n")
    (root / "docs" / "glossary.md").write_text("# Glossary\n")
    shutil.copytree(FIXTURE_LESSONS, root / "lessons_src")
    (root / "mkdocs.yml").write_text(CONFIG)
    return root


def test_bundle_writes_every_page_asset_and_a_config_without_mkdocs_plugins(tmp_path):
    root = project(tmp_path)
    out = tmp_path / "out"
    done = write_bundle(root / "mkdocs.yml", out, with_runtime=False)
    docs = out / "docs"
    assert done.pages == [
        "lessons/basics/index.md",
        "lessons/basics/quiz/index.md",
        "lessons/notebook/index.md",
        "lessons/notebook/quiz/index.md",
        "quiz/index.md",
    ]
    # The notebook lesson was run: its page holds what it printed (6 * 7).
    notebook = (docs / "lessons/notebook/index.md").read_text()
    assert notebook.startswith("# Fixture notebook\n")
    assert "```text\nNOTEBOOK-OUTPUT 42\n```" in notebook
    # Markers are given their page's source file, which Zensical resolves hrefs against.
    assert (docs / "index.md").read_text() == "# Home\n\n<!-- quizkit: lessons page=index.md -->\n"
    glossary = (docs / "glossary.md").read_text()
    assert glossary.endswith("<!-- quizkit: glossary page=glossary.md -->\n")
    for asset in ["assets/quizkit/quiz.js", "assets/quizkit/quiz-config.js", "quiz/items.json",
                  "assets/katex/katex.min.css"]:  # fmt: skip
        assert (docs / asset).is_file(), asset
    # Built without the runtime: no runtime folder, and the worker is told there is none.
    assert not [p.name for p in docs.iterdir() if p.name.startswith(("pyodide", ".quizkit"))]
    location = (docs / "assets/quizkit/runtime-location.js").read_text(encoding="utf-8")
    assert "export const RUNTIME_FOLDER = null;" in location
    settings = yaml.safe_load(done.config.read_text())
    assert settings["docs_dir"] == "docs" and settings["site_dir"] == "site"
    assert settings["site_url"] == "http://127.0.0.1:8000/"
    assert settings["plugins"] == ["search"]
    assert settings["nav"][1] == {
        "Lessons": [
            {
                "Fixture basics": [
                    "lessons/basics/index.md",
                    {"Quiz": "lessons/basics/quiz/index.md"},
                ]
            },
            {
                "Fixture notebook": [
                    "lessons/notebook/index.md",
                    {"Quiz": "lessons/notebook/quiz/index.md"},
                ]
            },
        ]
    }
    assert settings["extra_css"] == ["assets/quizkit/styles.css", "assets/extra.css"]
    scripts = [entry["path"] for entry in settings["extra_javascript"]]
    assert scripts[0] == "assets/quizkit/quiz.js"
    # There is no service worker (it lists the built site), so not its loader either.
    assert "assets/quizkit/offline.js" not in scripts
    # Relative to OUT, where the build runs.
    quiz = {"lessons_dir": "../project/lessons_src", "lessons_url": "lessons"}
    assert {"quizkit.markdown_ext.quiz": quiz} in settings["markdown_extensions"]
    assert (out / quiz["lessons_dir"]).resolve() == (root / "lessons_src").resolve()


def test_bundle_written_again_leaves_nothing_of_the_last_one(tmp_path):
    root = project(tmp_path)
    out = tmp_path / "out"
    done = write_bundle(root / "mkdocs.yml", out, with_runtime=False)
    (out / "docs" / "stale.md").write_text("# From an older bundle\n")
    assert write_bundle(root / "mkdocs.yml", out, with_runtime=False).pages == done.pages
    assert not (out / "docs" / "stale.md").exists()
    assert (out / "docs" / "lessons/basics/index.md").is_file()


def test_bundle_of_a_site_with_its_own_lessons_url(tmp_path, monkeypatch):
    root = project(tmp_path)
    config = root / "mkdocs.yml"
    config.write_text(
        config.read_text().replace(
            "      katex_dir:", "      lessons_url: courses\n      katex_dir:"
        )
    )
    out = tmp_path / "out"
    done = write_bundle(config, out, with_runtime=False)
    assert done.pages[0] == "courses/basics/index.md"
    settings = yaml.safe_load(done.config.read_text())
    configs = next(e for e in settings["markdown_extensions"] if isinstance(e, dict) and QUIZ in e)
    # The home page's list, rendered as the generator will (from OUT) with those settings.
    monkeypatch.chdir(out)
    text = (out / "docs" / "index.md").read_text()
    html = markdown.markdown(text, extensions=[QUIZ], extension_configs=configs)
    assert re.findall(r'<li><a href="([^"]+)">', html) == ["courses/basics/", "courses/notebook/"]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("use_directory_urls: false\n", "mkdocs.yml: use_directory_urls: false is not supported"),
        (
            "plugins:\n  - quizkit:\n      lesson_dir: x\n",
            "mkdocs.yml: plugins: quizkit: lesson_dir:",
        ),
        (
            "plugins:\n  - quizkit:\n      link_terms: 3\n",
            "mkdocs.yml: plugins: quizkit: link_terms:",
        ),
    ],
)
def test_bundle_refuses_settings_it_cannot_build(tmp_path, setting, message):
    root = project(tmp_path)
    config = root / "mkdocs.yml"
    text = config.read_text()
    if setting.startswith("plugins:"):
        text = text[: text.index("plugins:")] + setting + text[text.index("markdown_extensions:") :]
    config.write_text(text + setting if not setting.startswith("plugins:") else text)
    with pytest.raises(BundleError, match=re.escape(message)):
        write_bundle(config, tmp_path / "out", with_runtime=False)
    assert not (tmp_path / "out").exists()


def test_bundle_refuses_a_folder_it_did_not_write(tmp_path):
    root = project(tmp_path)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(BundleError, match="not empty"):
        write_bundle(root / "mkdocs.yml", tmp_path / "mine", with_runtime=False)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("notes.txt", "quizkit bundle: notes.txt is a file; give a folder"),
        ("docs/site", "quizkit bundle: docs/site is inside the docs folder"),
    ],
)
def test_bundle_command_refuses_a_file_or_a_folder_in_docs(
    tmp_path, capsys, monkeypatch, out, message
):
    root = project(tmp_path)
    (root / "notes.txt").write_text("keep me")
    monkeypatch.chdir(root)
    assert main(["bundle", out, "--no-runtime"]) == 1
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err.startswith(message) and printed.err.count("\n") == 1
    assert (root / "notes.txt").read_text() == "keep me"
    assert not (root / "docs" / "site").exists()


def test_bundle_command_reports_content_errors_by_path_and_line(tmp_path, capsys, monkeypatch):
    root = project(tmp_path)
    lesson = root / "lessons_src" / "01-basics" / "lesson.md"
    lesson.write_text(lesson.read_text() + "\n<!-- quiz: no-such-item -->\n")
    line = lesson.read_text().count("\n")
    monkeypatch.chdir(root)
    assert main(["bundle", str(tmp_path / "out"), "--no-runtime"]) == 1
    printed = capsys.readouterr()
    assert printed.out == ""
    assert printed.err.splitlines() == [
        "quizkit bundle: content errors:",
        f"lessons_src/01-basics/lesson.md:{line}: no-such-item: quiz: no item has this id",
    ]
    assert not (tmp_path / "out").exists()


def test_bundle_command_reports_an_unknown_marker_by_path_and_line(tmp_path, capsys, monkeypatch):
    root = project(tmp_path)
    (root / "docs" / "index.md").write_text("# Home\n\n<!-- quizkit: lesson -->\n")
    monkeypatch.chdir(root)
    assert main(["bundle", str(tmp_path / "out"), "--no-runtime"]) == 1
    assert capsys.readouterr().err.splitlines()[1] == (
        "docs/index.md:3: quizkit: lesson: no such marker"
        " (a page may hold glossary, lessons, interview, timing)"
    )


def test_bundle_command_reports_a_failing_notebook_cell_by_path_and_line(
    tmp_path, capsys, monkeypatch
):
    root = project(tmp_path)
    lesson = root / "lessons_src" / "02-notebook" / "lesson.py"
    lesson.write_text(lesson.read_text().replace("answer = 6 * 7", "answer = 6 * sevn"))
    monkeypatch.chdir(root)
    assert main(["bundle", str(tmp_path / "out"), "--no-runtime"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "quizkit bundle: content errors:",
        "lessons_src/02-notebook/lesson.py:14: cell 2: code: raised NameError:"
        " name 'sevn' is not defined at `answer = 6 * sevn`",
    ]
    assert not (tmp_path / "out").exists()


def test_bundle_command_reports_every_content_error_at_once(tmp_path, capsys, monkeypatch):
    # An authored page's marker and a notebook's cell: both.
    root = project(tmp_path)
    (root / "docs" / "index.md").write_text("# Home\n\n<!-- quizkit: lesson -->\n")
    notebook = root / "lessons_src" / "02-notebook" / "lesson.py"
    notebook.write_text(notebook.read_text().replace("answer = 6 * 7", "answer = 6 * sevn"))
    monkeypatch.chdir(root)
    assert main(["bundle", str(tmp_path / "out"), "--no-runtime"]) == 1
    assert capsys.readouterr().err.splitlines() == [
        "quizkit bundle: content errors:",
        "docs/index.md:3: quizkit: lesson: no such marker"
        " (a page may hold glossary, lessons, interview, timing)",
        "lessons_src/02-notebook/lesson.py:14: cell 2: code: raised NameError:"
        " name 'sevn' is not defined at `answer = 6 * sevn`",
    ]


def test_bundle_reports_a_missing_katex_before_running_any_notebook(tmp_path, monkeypatch):
    root = project(tmp_path)
    config = root / "mkdocs.yml"
    config.write_text(config.read_text().replace(str(KATEX), str(tmp_path / "no-katex")))
    # A notebook that would fail: KaTeX is said first, without the notebook being run.
    ran = []
    monkeypatch.setattr(generate.notebook_markdown, "run_notebook", lambda *a: ran.append(a))
    with pytest.raises(FileNotFoundError, match="no-katex"):
        write_bundle(config, tmp_path / "out", with_runtime=False)
    assert ran == []


def test_bundle_command_prints_only_the_error_of_a_notebook_over_its_time_budget(
    tmp_path, capfd, monkeypatch
):
    # capfd: the kernel's own output (its start-up warnings, its messages as it is stopped)
    # would be written to the file descriptor, not through sys.stderr.
    root = project(tmp_path)
    notebook = root / "lessons_src" / "02-notebook" / "lesson.py"
    notebook.write_text(notebook.read_text().replace("answer = 6 * 7", "import time\n"
                        "time.sleep(60)\nanswer = 6 * 7"))  # fmt: skip
    monkeypatch.chdir(root)
    args = ["bundle", str(tmp_path / "out"), "--no-runtime", "--notebook-timeout", "6"]
    assert main(args) == 1
    printed = capfd.readouterr()
    assert printed.out == ""
    assert printed.err.splitlines() == [
        "quizkit bundle: content errors:",
        "lessons_src/02-notebook/lesson.py:13: cell 2: code:"
        " the notebook ran longer than 6 s (all its cells together)",
    ]


def test_bundle_command_says_in_one_line_that_the_kernel_cannot_start(tmp_path):
    # Its own process: nbclient's clean-up at exit must not fail either.
    root = project(tmp_path)
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "ipykernel_launcher.py").write_text("raise SystemExit(3)\n")
    env = {**os.environ, "PYTHONPATH": str(shadow)}
    args = [sys.executable, "-m", "quizkit.cli", "bundle", str(tmp_path / "out"), "--no-runtime"]
    done = subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1 and done.stdout == ""
    command = f"{sys.executable} -m ipykernel_launcher -f '{{connection_file}}'"
    assert done.stderr == (
        f"quizkit bundle: cannot start the Jupyter kernel `{command}` for"
        " lessons_src/02-notebook/lesson.py: Kernel died before replying to kernel_info\n"
    )
    assert not (tmp_path / "out").exists()
