"""The real course builds strictly, self-contained, with every lesson and quiz page."""

from __future__ import annotations

import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

from quizkit.mkdocs import pages
from quizkit.mkdocs.lessons import discover
from tests.site.conftest import FIXTURE_CONFIG, ROOT, Build, build_site

# Attributes that make a browser fetch something (or navigate somewhere).
URL_ATTRS = {"src", "href", "srcset", "action", "data", "poster", "formaction"}
LOCAL_HOSTS = {"127.0.0.1", "localhost"}


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in URL_ATTRS and value:
                self.urls.extend(part.strip().split(" ")[0] for part in value.split(","))
            if name == "style" and value:
                self.urls.extend(re.findall(r"url\(\s*['\"]?([^'\")]+)", value))


def foreign_references(html: str) -> list[str]:
    """URLs in the page's attributes and inline styles that point to another host."""
    parser = _Refs()
    parser.feed(html)
    urls = parser.urls + re.findall(r"@import\s+['\"]([^'\"]+)", html)
    urls += re.findall(r"<style[^>]*>.*?url\(\s*['\"]?(https?:[^'\")]+)", html, re.S)
    foreign = []
    for url in urls:
        host = urlsplit(url).hostname
        if url.startswith("//") or (host and host not in LOCAL_HOSTS):
            foreign.append(url)
    return foreign


def test_foreign_reference_finder_sees_what_it_should():
    html = (
        '<script src="https://cdn.example.org/x.js"></script><a href="lessons/">x</a>'
        '<img srcset="a.png 1x, //cdn.example.org/b.png 2x"><div style="background:url(https://e.org/i)">'
        '<svg xmlns="http://www.w3.org/2000/svg"></svg><link href="http://127.0.0.1:8000/">'
    )
    assert foreign_references(html) == [
        "https://cdn.example.org/x.js",
        "//cdn.example.org/b.png",
        "https://e.org/i",
    ]


def test_strict_build_succeeds_without_warnings(project_build):
    assert project_build.returncode == 0, project_build.output
    assert project_build.warnings() == []


def test_no_page_references_another_host(project_build):
    assert project_build.returncode == 0, project_build.output
    pages = sorted(project_build.site.rglob("*.html"))
    assert len(pages) > 10
    offenders = {
        str(p.relative_to(project_build.site)): foreign_references(p.read_text(encoding="utf-8"))
        for p in pages
    }
    assert {page: refs for page, refs in offenders.items() if refs} == {}


def test_no_stylesheet_or_script_loads_from_another_host(project_build):
    assets = [*project_build.site.rglob("*.css"), *project_build.site.glob("assets/quizkit/*.js")]
    for asset in assets:
        text = asset.read_text(encoding="utf-8", errors="replace")
        remote = re.findall(r"""(?:url\(|@import\s|import\s[^;]*?from\s)\s*['"]?(https?:)""", text)
        assert remote == [], asset


def test_every_lesson_has_a_page_and_a_quiz_page_in_folder_order(project_build):
    site = project_build.site
    lessons = discover(ROOT / "lessons_src")
    nav = (site / "index.html").read_text(encoding="utf-8")
    positions = []
    for lesson in lessons:
        page = site / "lessons" / lesson.topic / "index.html"
        assert page.is_file(), lesson.name
        if lesson.bank_path:
            quiz = (site / "lessons" / lesson.topic / "quiz" / "index.html").read_text()
            assert 'class="qk-bank"' in quiz and "Estimated time" in quiz
        positions.append(nav.index(f'href="lessons/{lesson.topic}/"'))
    assert positions == sorted(positions)


def test_notebook_lessons_are_executed_at_build_time(project_build):
    for lesson in discover(ROOT / "lessons_src"):
        if lesson.is_notebook:
            html = (project_build.site / "lessons" / lesson.topic / "index.html").read_text()
            assert "jp-OutputArea-output" in html, lesson.name
            assert "Load mathjax" not in html and "Traceback" not in html
            # Cells are numbered, not named by the random ids jupytext draws on each build.
            # One id per cell, a cell being what has an input area.
            cells = html.count('class="jp-InputArea jp-Cell-inputArea"')
            ids = re.findall(r'\bid="(jp-cell-[^"]*)"', html)
            assert cells and ids == [f"jp-cell-{n}" for n in range(1, cells + 1)], lesson.name
            assert "cell-id=" not in html, lesson.name


def test_assets_are_self_hosted(project_build):
    site = project_build.site
    for path in ["assets/katex/katex.min.js", "assets/katex/katex.min.css",
                 "assets/katex/contrib/auto-render.min.js", "assets/quizkit/quiz.js",
                 "assets/quizkit/quiz-config.js", "assets/quizkit/quiz.css"]:  # fmt: skip
        assert (site / path).is_file(), path
    assert list((site / "assets/katex/fonts").glob("*.woff2"))
    page = (site / "lessons").rglob("index.html").__next__().read_text()
    # Async: our modules must not hold up DOMContentLoaded, when Material starts (page_assets).
    assert '<script src="../../assets/quizkit/quiz.js" type="module" async>' in page


def test_every_page_links_one_style_sheet_of_ours_whose_fonts_are_in_the_site(project_build):
    site = project_build.site
    for html in site.rglob("*.html"):
        links = re.findall(r'<link rel="stylesheet" href="([^"]+)">', html.read_text("utf-8"))
        ours = [href for href in links if "assets/" in href and "stylesheets/" not in href]
        assert [href.rsplit("/", 1)[-1] for href in ours] == ["styles.css"], html
    joined = (site / "assets/quizkit/styles.css").read_text(encoding="utf-8")
    for name in ["page.css", "quiz.css", "runtime.css"]:
        assert (site / "assets/quizkit" / name).read_text(encoding="utf-8").strip() in joined
    katex = (site / "assets/katex/katex.min.css").read_text(encoding="utf-8")
    rebased = re.sub(r"url\(fonts/([^)]+)\)", r'url("../katex/fonts/\1")', katex)
    assert rebased.strip() in joined
    fonts = re.findall(r'url\("([^"]+)"\)', joined)
    assert len(fonts) >= 60  # KaTeX's 20 faces, three formats each
    for url in fonts:
        assert (site / "assets/quizkit" / url).resolve().is_file(), url


def test_every_page_runs_its_head_scripts_before_material_starts(project_build):
    # anchors.js's popstate listener must come before Material's, and scripts-failed.js must
    # listen before any script of ours loads: both are inlined in the head, ahead of Material's
    # bundle at the end of the body, and without their comments.
    scripts = pages.head_scripts()
    for path in pages.HEAD_SCRIPTS:
        start = scripts.index(f"<script>/* quizkit/mkdocs/{path.name} */")
        code = scripts[start:].removeprefix("<script>").split("</script>")[0]
        comments = [line for line in path.read_text().splitlines() if line.startswith("// ")]
        assert comments and not any(line in code for line in comments), path
        checked = subprocess.run(["node", "--check", "--input-type=commonjs"], input=code, text=True)
        assert checked.returncode == 0, path
    # 404.html is a template, not a page, and has no anchor or question of its own.
    for path in [project_build.site / "index.html", *project_build.site.rglob("*/index.html")]:
        html = path.read_text()
        assert html.count(scripts) == 1 and html.index(scripts) < html.index("</head>"), path
        assert html.index(scripts) < html.index("assets/javascripts/bundle."), path


def test_glossary_page_lists_every_term(project_build):
    html = (project_build.site / "glossary" / "index.html").read_text()
    terms = []
    for path in sorted((ROOT / "lessons_src").glob("*/terms.yml")):
        terms += re.findall(r'^- term: "([^"]+)"', path.read_text(), re.M)
    assert terms
    for term in terms:
        assert f">{term}</dt>" in html, term


def test_search_index_holds_questions_but_no_answers(fixture_build):
    assert fixture_build.returncode == 0, fixture_build.output
    index = (fixture_build.site / "search" / "search_index.json").read_text(encoding="utf-8")
    assert "Order a training step." in index
    for secret in ("MCQ-EXPLANATION", "FIVE-FEEDBACK", "SHORT-MODEL-ANSWER", "INTERVIEW-ANSWER"):
        assert secret not in index


def copy_fixture_lessons(tmp_path: Path) -> Path:
    """The fixture course's lessons copied into tmp_path, for a test to break."""
    lessons = tmp_path / "lessons_src"
    shutil.copytree(FIXTURE_CONFIG.parent / "lessons_src", lessons)
    return lessons


def build_copied_lessons(tmp_path: Path) -> Build:
    """The real course's settings and docs built strictly with the lessons in tmp_path."""
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        f"INHERIT: {ROOT / 'mkdocs.yml'}\n"
        f"docs_dir: {ROOT / 'docs'}\n"
        "plugins:\n"
        "  - quizkit:\n"
        f"      katex_dir: {ROOT / 'node_modules/katex/dist'}\n"
    )
    return build_site(config, tmp_path / "site")


def test_content_errors_stop_the_build_with_located_messages(tmp_path):
    lessons = copy_fixture_lessons(tmp_path)
    lesson = lessons / "01-basics" / "lesson.md"
    lesson.write_text(
        lesson.read_text() + "\n<!-- quiz: no-such-item -->\n\nSee [lesson 7](../07-absent/).\n"
    )
    bank = lessons / "02-notebook" / "quiz.yml"
    bank.write_text(bank.read_text().replace("difficulty: easy", "difficulty: trivial"))
    build = build_copied_lessons(tmp_path)
    assert build.returncode != 0
    assert "quizkit: content errors:" in build.output
    # Every problem is reported in one run, each with its file and line.
    assert re.search(r"lessons_src/02-notebook/quiz\.yml:\d+: fx-nb-tf: difficulty: ", build.output)
    line = lesson.read_text().splitlines().index("<!-- quiz: no-such-item -->") + 1
    assert f"lessons_src/01-basics/lesson.md:{line}: no-such-item: quiz: no item has this id" in (
        build.output
    )
    link_line = lesson.read_text().splitlines().index("See [lesson 7](../07-absent/).") + 1
    assert (
        f"lessons_src/01-basics/lesson.md:{link_line}: link: ../07-absent/ is not a lesson folder"
        " (lessons: 01-basics, 02-notebook)"
    ) in build.output
    assert "Traceback" not in build.output


def test_a_term_whose_anchor_is_a_heading_of_the_glossary_page_stops_the_build(tmp_path):
    lessons = copy_fixture_lessons(tmp_path)
    terms = lessons / "01-basics" / "terms.yml"
    terms.write_text(terms.read_text() + '- term: "Glossary"\n  definition: "A list."\n')
    build = build_copied_lessons(tmp_path)
    assert build.returncode != 0 and "Traceback" not in build.output
    line = terms.read_text().splitlines().index('- term: "Glossary"') + 1
    assert (
        f"lessons_src/01-basics/terms.yml:{line}: Glossary: term: its glossary anchor #glossary is"
        " also the id of another element of the glossary page"
    ) in build.output


def test_the_build_runs_the_content_checks_of_quizkit_check(tmp_path, monkeypatch):
    """What `quizkit check --no-evidence` reports about a bank (two keys, a disguised script
    link) stops the strict build with the same lines; a hostile terms.yml does too."""
    from quizkit.bank.check import check_paths

    lessons = copy_fixture_lessons(tmp_path)
    bank = lessons / "01-basics" / "quiz.yml"
    text = bank.read_text()
    text = text.replace("value: 5, feedback:", "value: 5, correct: true, feedback:")
    text = text.replace('explanation: "TF-EXPLANATION."',
                        'explanation: "See [why](&#106;avascript:alert(1))."')  # fmt: skip
    bank.write_text(text)
    terms = lessons / "02-notebook" / "terms.yml"
    terms.write_text('- &t {term: "kernel", definition: "Runs the cells."}\n- *t\n')
    build = build_copied_lessons(tmp_path)
    assert build.returncode != 0
    assert "Traceback" not in build.output
    lines = text.splitlines()
    two_keys = next(i for i, line in enumerate(lines, 1) if "id: five" in line)
    assert (
        f"lessons_src/01-basics/quiz.yml:{two_keys}: fx-mcq: options[1].correct: a second key"
        " (options[0] 'six' is also correct: true); exactly one option must be correct"
    ) in build.output
    link = next(i for i, line in enumerate(lines, 1) if "&#106;avascript" in line)
    assert (
        f"lessons_src/01-basics/quiz.yml:{link}: fx-tf: explanation: href='javascript:alert(1)'"
        " on <a> is not allowed"
    ) in build.output
    assert "lessons_src/02-notebook/terms.yml:1: -: yaml: anchors (&name) and aliases" in (
        build.output
    )
    # Every line quizkit check prints for the bank, and no other wording of it.
    monkeypatch.chdir(tmp_path)
    checked = check_paths(["lessons_src/01-basics/quiz.yml"], run_evidence=False)
    printed = [p for p in checked.problems if p.path.endswith("quiz.yml")]
    assert printed and all(str(p) in build.output for p in printed)


def test_links_to_lesson_folders_point_at_their_pages(fixture_build):
    """`[...](../02-notebook/)` in a lesson's source becomes a link to the notebook lesson's
    page, which the strict build has then checked (quizkit.mkdocs.lessons.lesson_links)."""
    assert fixture_build.returncode == 0, fixture_build.output
    basics = (fixture_build.site / "lessons" / "basics" / "index.html").read_text()
    assert 'href="../notebook/"' in basics
    assert 'href="../notebook/#slopes"' in basics
    assert "02-notebook" not in basics


def test_a_runtime_that_cannot_be_bundled_stops_the_build_in_one_line(tmp_path):
    build = build_site(FIXTURE_CONFIG, tmp_path / "site", extra_env={"PYODIDE_NUMPY": "whatever"})
    assert build.returncode != 0
    assert "quizkit runtime: " in build.output
    assert "PYODIDE_NUMPY" in build.output
    assert "Traceback" not in build.output


def test_the_build_refuses_unknown_markers_and_file_urls(tmp_path):
    """A docs page's marker of no known name is a content error at its line; a site without
    directory URLs is refused naming its mkdocs.yml (quizkit's pages link by them)."""
    copy_fixture_lessons(tmp_path)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text(
        "# Home\n\nQuoted: `<!-- quizkit: nav -->`\n\n<!-- quizkit: lesson -->\n"
    )
    config = tmp_path / "mkdocs.yml"
    settings = (
        "site_name: Tiny\n"
        "plugins:\n"
        "  - quizkit:\n"
        f"      katex_dir: {ROOT / 'node_modules/katex/dist'}\n"
        "markdown_extensions:\n  - quizkit.markdown_ext.quiz\n"
    )
    config.write_text(settings)
    build = build_site(config, tmp_path / "site")
    assert build.returncode != 0
    assert (
        "quizkit: content errors:\ndocs/index.md:5: quizkit: lesson: no such marker"
        " (a page may hold glossary, lessons, interview, timing)"
    ) in build.output, build.output
    assert "Traceback" not in build.output
    config.write_text(settings + "use_directory_urls: false\n")
    build = build_site(config, tmp_path / "site")
    assert build.returncode != 0
    assert f"quizkit: {config}: use_directory_urls: false is not supported" in build.output
    assert "Traceback" not in build.output
