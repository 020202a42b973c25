"""Every page quizkit adds, as Markdown (quizkit.mkdocs.generate), rendered by plain
Python-Markdown with the quiz extension expanding its markers: what a generator without the
MkDocs plugin (Zensical) shows."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import markdown
import pytest
from mkdocs.utils.meta import get_data

from quizkit.bank.lesson_code import read_lesson
from quizkit.course import Course
from quizkit.mkdocs import assets, course_quiz, generate, notebook_markdown
from quizkit.mkdocs.lessons import ContentError
from quizkit.mkdocs.pages import embedded_ids
from quizkit.mkdocs.render import MarkdownRenderer, Renderer

FIXTURE_LESSONS = Path(__file__).resolve().parent / "fixtures" / "lessons_src"
QUIZ = "quizkit.markdown_ext.quiz"
EXTENSIONS = ["attr_list", "md_in_html", "pymdownx.superfences", "quizkit.markdown_ext.cells",
              QUIZ, "toc"]  # fmt: skip
ITEM = re.compile(r'<section class="qk-item[^"]*" id="[^"]*" data-qk-id="([^"]+)"')
ANY_MARKER = re.compile(r"<!-- quiz(kit)?:")


@pytest.fixture(scope="module")
def course() -> Course:
    return Course.load(FIXTURE_LESSONS.parent)


@pytest.fixture(scope="module")
def given(course) -> dict:
    return {QUIZ: {"course": course, "renderer": Renderer(MarkdownRenderer())}}


def render(text: str, configs: dict) -> tuple[str, list]:
    """The page's HTML and its table of contents (toc extension's tokens). Front matter is
    read off first, as every generator does."""
    text, _ = get_data(text)
    md = markdown.Markdown(extensions=EXTENSIONS, extension_configs={**configs,
                           "toc": {"permalink": True}})  # fmt: skip
    return md.convert(text), md.toc_tokens


def test_page_addresses_follow_directory_urls():
    assert generate.page_url("lessons/basics/index.md") == "lessons/basics/"
    assert generate.page_url("glossary.md") == "glossary/"
    assert generate.page_url("index.md") == ""
    assert generate.address("glossary.md", "lessons/basics/quiz/index.md") == "../../../glossary/"
    assert generate.address("glossary.md", "index.md") == "glossary/"
    assert generate.address(None, "index.md") == ""


def test_markers_round_trip_their_arguments():
    text = generate.marker("page", lesson="01-basics", glossary="../../glossary/", link_terms="no")
    assert text == "<!-- quizkit: page lesson=01-basics glossary=../../glossary/ link-terms=no -->"
    match = generate.MARKER.search(f"<p>x</p>\n{text}")
    assert match["name"] == "page"
    assert generate.marker_args(match) == {
        "lesson": "01-basics", "glossary": "../../glossary/", "link-terms": "no"
    }  # fmt: skip


def test_generated_pages_are_every_lesson_and_quiz_in_nav_order(course):
    pages = generate.generated_pages(course)
    assert list(pages) == [
        "lessons/basics/index.md",
        "lessons/basics/quiz/index.md",
        "lessons/notebook/index.py",
        "lessons/notebook/quiz/index.md",
        "quiz/index.md",
    ]
    # A notebook lesson is its own file, for mkdocs-jupyter to run.
    assert pages["lessons/notebook/index.py"] == course.lessons[1].source


def test_quiz_page_is_its_bank_under_the_escaped_title(course, given):
    text = generate.quiz_page(course, course.lessons[0])
    assert text.startswith("# Quiz: Fixture basics\n")
    html, toc = render(text, given)
    assert not ANY_MARKER.search(html)
    bank = course.banks["01-basics"]
    assert ITEM.findall(html) == [item.id for item in bank.items]
    assert '<section class="qk-bank" aria-labelledby="qk-bank-title">' in html
    assert '<span id="qk-bank-title" hidden>Fixture basics</span>' in html
    assert 'class="qk-toolbar"' in html
    assert [t["name"] for t in toc] == ["Quiz: Fixture basics"]


def test_lesson_page_has_its_quiz_section_under_a_markdown_heading(course, given):
    basics = course.lessons[0]
    html, toc = render(generate.lesson_page(course, basics), given)
    assert not ANY_MARKER.search(html)
    embedded = embedded_ids(basics.source.read_text(encoding="utf-8"))
    assert embedded, "the fixture lesson embeds items"
    section = html[html.index('<section class="qk-bank"') :]
    # The heading Markdown wrote (with its permalink) is inside the section it labels.
    assert section.startswith(
        '<section class="qk-bank" aria-labelledby="qk-bank-title">\n<h2 id="qk-bank-title">'
        'Quiz<a class="headerlink" href="#qk-bank-title"'
    )
    assert html.count('id="qk-bank-title"') == 1
    rest = [item.id for item in course.banks[basics.name].items if item.id not in embedded]
    assert ITEM.findall(section) == rest
    assert ITEM.findall(html[: html.index('<section class="qk-bank"')]) == embedded
    # Its prose links the glossary from two folders down, once per term.
    assert html.count('href="../../glossary/#chain-rule"') == 1
    # The table of contents has the quiz from the Markdown heading itself.
    assert toc[0]["children"][-1]["id"] == "qk-bank-title"


def test_quiz_section_without_a_heading_before_it_makes_its_own(course, given):
    basics = course.lessons[0]
    text = generate.marker("quiz", lesson=basics.name, glossary="")
    html, _ = render(f"Some prose.\n\n{text}\n", given)
    start = '<section class="qk-bank" aria-labelledby="qk-bank-title">'
    assert f'{start}\n<h2 id="qk-bank-title">Quiz</h2>' in html


def test_course_quiz_page_is_the_shell_with_links_to_every_quiz(course, given):
    html, _ = render(generate.course_quiz_page(), given)
    assert html.startswith(f'<h1 id="backpropagation-deep-dive">{course_quiz.TITLE}<a ')
    assert '<div class="qk-course" data-qk-pool="items.json">' in html
    links = re.findall(r'<li><a href="([^"]+)">([^<]+)</a></li>', html)
    assert links == [
        ("../lessons/basics/quiz/", "Fixture basics"),
        ("../lessons/notebook/quiz/", "Fixture notebook"),
    ]  # noqa: E501


def test_course_pool_addresses_lessons_and_glossary_from_the_quiz_page(course):
    renderer = Renderer(MarkdownRenderer())
    data = json.loads(generate.course_pool(course, renderer))
    assert [lesson["url"] for lesson in data["lessons"]] == [
        "../lessons/basics/",
        "../lessons/notebook/",
    ]
    assert [item["id"] for item in data["items"]] == ["fx-mcq", "fx-tf", "fx-match", "fx-order",
                                                      "fx-trace", "fx-nb-tf"]  # fmt: skip


def test_authored_markers_get_their_page_and_expand(course, given):
    page = "Intro.\n\n<!-- quizkit: lessons -->\n\n<!-- quizkit: interview -->\n"
    text = generate.expand_markers(page, "guide/start.md")
    assert "<!-- quizkit: lessons page=guide/start/ -->" in text
    assert "<!-- quizkit: interview glossary=../../glossary/ -->" in text
    html, _ = render(text, given)
    assert not ANY_MARKER.search(html)
    assert re.findall(r'<li><a href="([^"]+)">', html) == [
        "../../lessons/basics/",
        "../../lessons/notebook/",
    ]
    assert '<span class="qk-lesson-figures">(' in html
    assert ITEM.findall(html) == ["fx-interview"]
    assert html.index('class="qk-toolbar"') < html.index('data-qk-id="fx-interview"')


def test_the_glossary_page_lists_every_term_linking_its_lesson(course, given):
    # Without a marker the list goes at the end of the glossary page.
    text = generate.expand_markers("# Glossary\n", "glossary.md")
    assert text.endswith("<!-- quizkit: glossary page=glossary/ -->\n")
    html, _ = render(text, given)
    assert re.findall(r'<dt id="([^"]+)">', html) == [t.slug for t in course.terms]
    assert 'Introduced in <a href="../lessons/basics/">Fixture basics</a>' in html
    # Elsewhere a page without the marker gets no glossary.
    assert generate.expand_markers("# Home\n", "index.md") == "# Home\n"


def test_markers_that_need_no_course_expand_without_one():
    configs = {QUIZ: {"lessons_dir": "/nonexistent"}}
    html, _ = render("<!-- quizkit: timing -->\n", configs)
    assert html.startswith('<table class="qk-timing">')
    # A marker that needs its page's address but was not given one stays as it is.
    configs = {QUIZ: {"lessons_dir": str(FIXTURE_LESSONS)}}
    html, _ = render("<!-- quizkit: timing -->\n\n<!-- quizkit: glossary -->\n", configs)
    assert html.endswith("\n<!-- quizkit: glossary -->")


def test_plain_target_addresses_from_the_source_file(course, given):
    # Zensical resolves every relative href, raw HTML too, against the page's source file:
    # from glossary.md a lesson is lessons/<topic>/, not ../lessons/<topic>/ as from its URL.
    plain = generate.Target(plain=True)
    text = generate.expand_markers("# Glossary\n", "glossary.md", target=plain)
    assert text.endswith("<!-- quizkit: glossary page=glossary.md -->\n")
    html, _ = render(text, given)
    assert 'Introduced in <a href="lessons/basics/">Fixture basics</a>' in html
    page = "<!-- quizkit: lessons -->\n\n<!-- quizkit: interview -->\n"
    html, _ = render(generate.expand_markers(page, "guide/start.md", target=plain), given)
    assert re.findall(r'<li><a href="([^"]+)">', html)[0] == "../lessons/basics/"
    # Index pages' source folder is their URL: the same addresses either way.
    assert generate.address("glossary.md", "lessons/basics/index.md", plain) == "../../glossary/"


def test_every_page_url_is_page_url_and_directory_urls_are_required(course):
    basics = course.lessons[0]
    assert course.lesson_uri(basics.topic) == generate.page_url(course.lesson_src(basics))
    assert course.quiz_uri(basics) == generate.page_url(course.quiz_src(basics))
    assert generate.directory_urls_problem(Path("site/mkdocs.yml"), True) is None
    problem = generate.directory_urls_problem(Path("site/mkdocs.yml"), False)
    assert problem.startswith("site/mkdocs.yml: use_directory_urls: false")


def test_the_bundle_leaves_the_offline_worker_out():
    styles, modules = generate.page_assets()
    assert modules[-1] == "assets/quizkit/offline.js"
    assert styles == ["assets/quizkit/styles.css"]
    styles_out, modules_out = generate.page_assets(offline=False)
    assert modules_out == modules[:-1] and styles_out == styles


def test_markers_in_code_stay_and_an_unknown_marker_is_a_content_error():
    quoted = (
        "Write `<!-- quizkit: lessons -->` where the list goes:\n\n"
        "```markdown\n<!-- quizkit: lessons -->\n<!-- quizkit: lesson -->\n```\n"
    )
    assert generate.expand_markers(quoted, "contributing.md") == quoted
    page = "# Home\n\n<!--quizkit:lessons-->\n\n<!-- quizkit: lesson -->\n"
    with pytest.raises(ContentError) as caught:
        generate.expand_markers(page, "index.md", where="docs/index.md")
    assert caught.value.messages == [
        "docs/index.md:5: quizkit: lesson: no such marker (a page may hold glossary,"
        " lessons, interview, timing)"
    ]
    # Spacing as the embeds allow it is the same marker.
    expanded = generate.expand_markers(page.replace("lesson -->", "timing -->"), "index.md")
    assert "<!-- quizkit: lessons page= -->" in expanded


def test_plain_target_runs_each_notebook_lesson_into_a_markdown_page(course, given):
    notebook = course.lessons[1]
    pages = generate.generated_pages(course, target=generate.PLAIN)
    assert "lessons/notebook/index.md" in pages and "lessons/notebook/index.py" not in pages
    page = pages["lessons/notebook/index.md"]
    assert page.startswith("# Fixture notebook\n")
    # The prose with its figures shown, each code cell and what it printed (6 * 7, by hand),
    # and the exception the lesson says its last cell raises.
    assert "The cell below computes 42, a share of 42%." in page
    assert (
        '```python\nprint("NOTEBOOK-OUTPUT", 6 * 7)\n```\n\n```text\nNOTEBOOK-OUTPUT 42\n```'
        in page
    )
    assert "```python\nanswer / 0\n```\n\n```text\nZeroDivisionError: division by zero\n```" in page
    # The kernel copy's hidden cells are not shown.
    assert "quizkit" not in page.split("## Quiz")[0] and page.count("```python") == 3
    html, toc = render(page, given)
    assert not ANY_MARKER.search(html)
    assert "NOTEBOOK-OUTPUT 42" in html and '<h2 id="qk-bank-title">Quiz' in html
    section = html[html.index('<section class="qk-bank"') :]
    assert ITEM.findall(section) == [item.id for item in course.banks[notebook.name].items]
    assert [t["id"] for t in toc[0]["children"]] == ["qk-bank-title"]
    # The Markdown lesson's links to the notebook lesson reach its Markdown page.
    assert "](../notebook/index.md)" in pages["lessons/basics/index.md"]
    assert [entry for entry in generate.nav_section(course, target=generate.PLAIN)][1] == {
        "Fixture notebook": [
            "lessons/notebook/index.md",
            {"Quiz": "lessons/notebook/quiz/index.md"},
        ]
    }


PLOTTING_LESSON = """# %% [markdown]
# # Plots
#
# ## Training curve {#curve}

# %%
import matplotlib.pyplot as plt

lr = 0.1
print("fence: ```")
fig, ax = plt.subplots()
ax.plot([1, 2, 3], [3, 1, 2])
ax.set_title(f"Loss at lr={lr}")
plt.show()

# %%
fig, ax = plt.subplots()
ax.plot([1, 2], [2, 1])
plt.show()
"""


def test_a_notebook_page_writes_plots_as_pngs_with_the_alt_text_of_their_titles(tmp_path):
    source = tmp_path / "03-plots" / "lesson.py"
    source.parent.mkdir()
    source.write_text(PLOTTING_LESSON)
    written = notebook_markdown.run_notebook(read_lesson(source))
    assert sorted(written.images) == ["plot-1.png", "plot-2.png"]
    assert all(data.startswith(b"\x89PNG\r\n\x1a\n") for data in written.images.values())
    # A printed fence does not close the block that shows it.
    assert "````text\nfence: ```\n````" in written.markdown
    # The titles the code gave the plot (an f-string's field read as "…"), else its section.
    html = markdown.markdown(written.markdown, extensions=["attr_list", "fenced_code"])
    alts = re.findall(r'<img alt="([^"]*)" src="([^"]+)"', html)
    assert alts == [
        ("Plot: Loss at lr=\u2026", "plot-1.png"),
        (
            "Plot drawn by the code cell above in the section \u201cTraining curve\u201d",
            "plot-2.png",
        ),
    ]


def broken_lesson(tmp_path: Path, text: str):
    """A notebook lesson (lessons_src/03-broken/lesson.py) of `text`, read."""
    source = tmp_path / "03-broken" / "lesson.py"
    source.parent.mkdir(exist_ok=True)
    source.write_text(text)
    return read_lesson(source, "03-broken/lesson.py")


def test_a_failing_notebook_cell_is_a_content_error_at_its_line(tmp_path):
    notebook = broken_lesson(
        tmp_path, "# %% [markdown]\n# # Broken\n#\n\n# %%\ntotal = 1\nmissing_name + total\n"
    )
    with pytest.raises(ContentError) as caught:
        notebook_markdown.run_notebook(notebook)
    assert caught.value.messages == [
        "03-broken/lesson.py:7: cell 1: code: raised NameError: name 'missing_name' is not"
        " defined at `missing_name + total`"
    ]


SLOW_LESSON = """# %% [markdown]
# # Slow
#
# Quick: {{ quick = 1 }}.

# %%
import time

quick, runs = 1, 0

# %% [markdown]
# Slow: {{ slow() = 1 }}, and {{ quick + 1 = 2 }}.

# %%
def slow():
    time.sleep(FIGURE_SLEEP)
    return 1

# %%
runs += 1
time.sleep(CELL_SLEEP if runs == 2 else 0)

# %%
runs += 1
time.sleep(CELL_SLEEP if runs == 2 else 0)
"""


@pytest.mark.parametrize(
    ("cell_sleep", "figure_sleep", "where"),
    [
        # The cell running when the budget ran out: the second of two cells with the same
        # text, so found by its place among the lesson's cells (line 23), not by its text.
        (30, 0, ["03-broken/lesson.py:23: cell 4: code"]),
        # The figures are evaluated after the last cell: at each figure marker's line.
        (
            0,
            30,
            [
                "03-broken/lesson.py:4: figure: marker",
                "03-broken/lesson.py:12: figure: marker",
                "03-broken/lesson.py:12: figure: marker",
            ],
        ),  # fmt: skip
    ],
)
def test_a_notebook_over_its_time_budget_is_a_content_error_where_it_stopped(
    tmp_path, cell_sleep, figure_sleep, where
):
    text = SLOW_LESSON.replace("CELL_SLEEP", str(cell_sleep))
    text = text.replace("FIGURE_SLEEP", str(figure_sleep))
    with pytest.raises(ContentError) as caught:
        notebook_markdown.run_notebook(broken_lesson(tmp_path, text), timeout=8)
    message = "the notebook ran longer than 8 s (all its cells together)"
    assert caught.value.messages == [f"{at}: {message}" for at in where]


def test_a_notebook_runs_in_this_python_whatever_python3_kernel_jupyter_finds(
    tmp_path, monkeypatch
):
    # A python3 kernelspec for another Python (here one that cannot start a kernel at all),
    # found first by Jupyter.
    spec = tmp_path / "jupyter" / "kernels" / "python3"
    spec.mkdir(parents=True)
    other = ["/nonexistent/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": other, "display_name": "Other Python", "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    page = notebook_markdown.run_notebook(
        broken_lesson(tmp_path, "# %% [markdown]\n# # Fine\n\n# %%\nprint(6 * 7)\n")
    )
    assert "```text\n42\n```" in page.markdown


def shadowing(tmp_path: Path, module: str, code: str) -> str:
    """A folder for PYTHONPATH holding a module `module` (a package when it has no dot in its
    file name) that runs `code`, hiding the real one from the kernel's Python."""
    folder = tmp_path / "shadow"
    (folder / module).mkdir(parents=True)
    (folder / module / "__init__.py").write_text(code)
    return str(folder)


@pytest.mark.parametrize(
    ("module", "code", "message"),
    [
        # The kernel starts but cannot import quizkit: it could not report what it saw.
        (
            "quizkit",
            "raise ImportError('quizkit hidden by a test')",
            "the Jupyter kernel `{command}` ran 03-broken/lesson.py but its hidden cells wrote"
            " no results (ImportError: quizkit hidden by a test); the kernel must import"
            " quizkit",
        ),
        # The kernel exits as it starts.
        (
            "ipykernel_launcher",
            "import sys\nprint('the launcher gives up', file=sys.stderr)\nsys.exit(3)",
            "cannot start the Jupyter kernel `{command}` for 03-broken/lesson.py: Kernel died"
            " before replying to kernel_info (the kernel's output ends: the launcher gives up)",
        ),
    ],
)
def test_a_kernel_that_cannot_run_the_notebook_is_a_kernel_error_naming_its_command(
    tmp_path, monkeypatch, module, code, message
):
    monkeypatch.setenv("PYTHONPATH", shadowing(tmp_path, module, code))
    notebook = broken_lesson(tmp_path, "# %% [markdown]\n# # Fine\n\n# %%\nprint(6 * 7)\n")
    with pytest.raises(notebook_markdown.KernelError) as caught:
        notebook_markdown.run_notebook(notebook)
    command = f"{sys.executable} -m ipykernel_launcher -f '{{connection_file}}'"
    assert str(caught.value) == message.format(command=command)


SVG_LESSON = """# %% [markdown]
# # Shapes
#
# ## The `relu` *kink* at $z = 0$

# %%
from IPython.display import SVG, display

display(SVG('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><circle r="2"/></svg>'))
"""


def test_a_notebook_page_writes_svg_images_as_files_with_the_sections_text_as_alt(tmp_path):
    written = notebook_markdown.run_notebook(broken_lesson(tmp_path, SVG_LESSON))
    assert list(written.images) == ["plot-1.svg"]
    assert b'<circle r="2"/>' in written.images["plot-1.svg"]
    # The heading's code, emphasis and math marks are not part of its text.
    html = markdown.markdown(written.markdown, extensions=["attr_list", "fenced_code"])
    assert re.findall(r'<img alt="([^"]*)" src="([^"]+)"', html) == [
        ("Plot drawn by the code cell above in the section \u201cThe relu kink at z = 0\u201d",
         "plot-1.svg")
    ]  # fmt: skip


def test_generated_pages_collect_every_lessons_errors(tmp_path):
    # A failing notebook (the second lesson) and a Markdown lesson's link that broke after
    # the course was read (the first): neither error hides the other.
    lessons = tmp_path / "lessons_src"
    shutil.copytree(FIXTURE_LESSONS, lessons)
    notebook = lessons / "02-notebook" / "lesson.py"
    notebook.write_text(notebook.read_text().replace("answer = 6 * 7", "answer = 6 * sevn"))
    course = Course.load(tmp_path)
    basics = lessons / "01-basics" / "lesson.md"
    basics.write_text(basics.read_text() + "\nSee [the end](../99-nope/).\n")
    with pytest.raises(ContentError) as caught:
        generate.generated_pages(course, target=generate.PLAIN)
    assert [message.split(": ", 2)[:2] for message in caught.value.messages] == [
        [f"{basics}:{basics.read_text().count(chr(10))}", "link"],
        [f"{notebook}:14", "cell 2"],
    ]


def test_the_extension_reads_the_course_again_when_a_file_goes(tmp_path):
    lessons = tmp_path / "lessons_src"
    shutil.copytree(FIXTURE_LESSONS, lessons)
    # The file that goes is no newer than those that stay.
    for path in lessons.rglob("*"):
        os.utime(path, (1_000_000, 1_000_000))
    configs = {QUIZ: {"lessons_dir": str(lessons), "lessons_url": "courses"}}
    quizzes = re.compile(r'<span class="qk-lesson-figures">')
    html, _ = render("<!-- quizkit: lessons page= -->\n", configs)
    assert len(quizzes.findall(html)) == 2
    (lessons / "02-notebook" / "quiz.yml").unlink()
    html, _ = render("<!-- quizkit: lessons page= -->\n", configs)
    assert len(quizzes.findall(html)) == 1


def test_the_extension_reads_the_course_again_when_a_lesson_changes(tmp_path):
    lessons = tmp_path / "lessons_src"
    shutil.copytree(FIXTURE_LESSONS, lessons)
    configs = {QUIZ: {"lessons_dir": str(lessons), "lessons_url": "courses"}}
    html, _ = render("<!-- quizkit: lessons page= -->\n", configs)
    assert re.findall(r'<li><a href="([^"]+)">([^<]+)<', html)[0] == (
        "courses/basics/", "Fixture basics")  # fmt: skip
    source = lessons / "01-basics" / "lesson.md"
    source.write_text(source.read_text().replace("# Fixture basics", "# Renamed basics", 1))
    later = source.stat().st_mtime + 5
    os.utime(source, (later, later))
    html, _ = render("<!-- quizkit: lessons page= -->\n", configs)
    assert re.findall(r'<li><a href="[^"]+">([^<]+)<', html)[0] == "Renamed basics"


def test_style_sheets_are_joined_with_their_urls_rebased(tmp_path):
    katex = tmp_path / "katex.min.css"
    katex.write_text(
        '@font-face{src:url(fonts/A.woff2) format("woff2"),url("fonts/B.woff")}'
        ".x{background:url(data:image/png;base64,AA==)}.y{mask:url(/root.svg)}"
        ".z{filter:url(#blur)}.w{src:URL('fonts/a b.eot?#iefix')}/* no @import here */",
        encoding="utf-8",
    )
    ours = tmp_path / "quiz.css"
    ours.write_text(".qk-item { margin: 0; }\n", encoding="utf-8")
    joined = assets.stylesheet(
        [("assets/katex/katex.min.css", katex), ("assets/quizkit/quiz.css", ours)],
        "assets/quizkit/styles.css",
    )
    assert joined == (
        "/* assets/katex/katex.min.css */\n"
        '@font-face{src:url("../katex/fonts/A.woff2") format("woff2"),'
        'url("../katex/fonts/B.woff")}'
        ".x{background:url(data:image/png;base64,AA==)}.y{mask:url(/root.svg)}"
        '.z{filter:url(#blur)}.w{src:url("../katex/fonts/a b.eot?#iefix")}/* no @import here */\n'
        "\n/* assets/quizkit/quiz.css */\n.qk-item { margin: 0; }\n"
    )
    ours.write_text('@import "theme.css";\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"quiz\.css: @import cannot be joined"):
        assets.stylesheet([("assets/quizkit/quiz.css", ours)], "assets/quizkit/styles.css")
