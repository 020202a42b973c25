"""`quizkit bundle OUT`: the docs folder and mkdocs.yml for a generator without MkDocs plugins."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from quizkit.cli import main
from quizkit.mkdocs.bundle import BundleError, write_bundle
from tests.site.conftest import ROOT

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
  - assets/site.css
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
        "lessons/notebook/quiz/index.md",
        "quiz/index.md",
    ]
    assert done.skipped == ["lessons/notebook/index.py"]
    assert (docs / "index.md").read_text() == "# Home\n\n<!-- quizkit: lessons page= -->\n"
    assert (
        (docs / "glossary.md").read_text().endswith("<!-- quizkit: glossary page=glossary/ -->\n")
    )
    for asset in ["assets/quizkit/quiz.js", "assets/quizkit/quiz-config.js", "quiz/items.json",
                  "assets/katex/katex.min.css"]:  # fmt: skip
        assert (docs / asset).is_file(), asset
    assert not (docs / "pyodide").exists()
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
            {"Fixture notebook": [{"Quiz": "lessons/notebook/quiz/index.md"}]},
        ]
    }
    assert settings["extra_css"] == [
        "assets/katex/katex.min.css",
        "assets/quizkit/quiz.css",
        "assets/site.css",
    ]
    assert settings["extra_javascript"][0] == {"path": "assets/quizkit/quiz.js", "type": "module"}
    assert {"quizkit.markdown_ext.quiz": {"lessons_dir": str(root / "lessons_src")}} in settings[
        "markdown_extensions"
    ]
    # Written again over its own earlier bundle.
    assert write_bundle(root / "mkdocs.yml", out, with_runtime=False).pages == done.pages


def test_bundle_refuses_a_folder_it_did_not_write(tmp_path):
    root = project(tmp_path)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("keep me")
    with pytest.raises(BundleError, match="not empty"):
        write_bundle(root / "mkdocs.yml", tmp_path / "mine", with_runtime=False)
    assert (tmp_path / "mine" / "notes.txt").read_text() == "keep me"


def test_bundle_command_reports_content_errors_by_path_and_line(tmp_path, capsys, monkeypatch):
    root = project(tmp_path)
    lesson = root / "lessons_src" / "01-basics" / "lesson.md"
    lesson.write_text(lesson.read_text() + "\n<!-- quiz: no-such-item -->\n")
    line = lesson.read_text().count("\n")
    monkeypatch.chdir(root)
    assert main(["bundle", str(tmp_path / "out"), "--no-runtime"]) == 1
    printed = capsys.readouterr().out.splitlines()
    assert printed == [
        "quizkit bundle: content errors:",
        f"lessons_src/01-basics/lesson.md:{line}: no-such-item: quiz: no item has this id",
    ]
    assert not (tmp_path / "out").exists()
