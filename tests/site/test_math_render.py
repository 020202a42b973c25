"""Math typeset at build time (quizkit/mkdocs/math_render.py): the pieces, against KaTeX run
directly in Node, and a built site whose pages carry KaTeX's HTML and no KaTeX script."""

from __future__ import annotations

import html as html_lib
import json
import logging
import posixpath
import re
import subprocess
from pathlib import Path

import pytest

from quizkit.mkdocs import assets, math_render
from quizkit.mkdocs.math_render import TypesetError, Typesetter

ROOT = Path(__file__).resolve().parents[2]
KATEX_DIR = ROOT / "node_modules" / "katex" / "dist"
QUIZ_MATH = ROOT / "quizkit" / "web" / "quiz-math.js"


def katex_direct(tex: str, display: bool) -> str:
    """KaTeX's own renderToString, run in a Node of its own: the reference the build must
    reproduce (the options are the browser's, quiz-math.js)."""
    script = (
        "const k = require(process.argv[1]);"
        "const [tex, display] = JSON.parse(process.argv[2]);"
        "process.stdout.write(k.renderToString(tex,"
        " {displayMode: display, throwOnError: false, trust: false}));"
    )
    args = [str(KATEX_DIR / "katex.js"), json.dumps([tex, display])]
    return subprocess.run(
        ["node", "-e", script, *args], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture(scope="module")
def typesetter():
    with Typesetter(KATEX_DIR) as typesetter:
        yield typesetter


def test_inline_and_display_math_are_katex_html_marked_typeset(typesetter):
    page = (
        r'<p>So <span class="arithmatex">\(f = (x + y) \cdot z\)</span>, and</p>'
        "\n"
        r'<div class="arithmatex">\[\frac{\partial f}{\partial x} = z\]</div>'
    )
    out = typesetter.typeset_page(page, "page.md")
    inline = katex_direct(r"f = (x + y) \cdot z", False)
    display = katex_direct(r"\frac{\partial f}{\partial x} = z", True)
    assert out == (
        f'<p>So <span class="arithmatex" data-qk-math="">{inline}</span>, and</p>\n'
        f'<div class="arithmatex" data-qk-math="">{display}</div>'
    )
    assert 'class="katex-display"' in display and 'class="katex-display"' not in inline


def test_html_entities_reach_katex_as_characters(typesetter):
    # arithmatex escapes <, > and & in the TeX it keeps; KaTeX must see the characters.
    page = (
        r'<span class="arithmatex">\(a &lt; b &gt; c\)</span>'
        r'<div class="arithmatex">\[\begin{aligned} x &amp;= 1 \\ y &amp;= 2 \end{aligned}\]</div>'
    )
    out = typesetter.typeset_page(page, "page.md")
    assert katex_direct("a < b > c", False) in out
    assert katex_direct(r"\begin{aligned} x &= 1 \\ y &= 2 \end{aligned}", True) in out
    assert "katex-error" not in out


def test_math_in_code_scripts_and_already_typeset_math_is_left_alone(typesetter):
    page = (
        r"<pre><code>\(x\) $y$</code></pre><p><code>$z$</code></p>"
        "<script>const s = '<span class=\"arithmatex\">\\\\(w\\\\)</span>';</script>"
        r'<span class="arithmatex" data-qk-math=""><span class="katex">done</span></span>'
    )
    assert typesetter.typeset_page(page, "page.md") == page
    # Typesetting a typeset page changes nothing (the marks say what is done).
    once = typesetter.typeset_page(r'<p><span class="arithmatex">\(x^2\)</span></p>', "p.md")
    assert typesetter.typeset_page(once, "p.md") == once


def test_notebook_markdown_dollars_are_split_as_auto_render_splits_them(typesetter):
    cell = (
        '<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown" data-mime-type="text/markdown">'
        "<p>Costs $5, or more: $a &lt; b$ and <code>$c$</code>,</p>\n"
        "<div><em>$$\\sum_i x_i$$</em> then $\\frac{1}{2}</div></div><p>$outside$</p>"
    )
    out = typesetter.typeset_page(cell, "lesson.py")
    a_lt_b = katex_direct("a < b", False)
    total = katex_direct(r"\sum_i x_i", True)
    assert out == (
        '<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown" data-mime-type="text/markdown"'
        ' data-qk-math="">'
        # "$5, or more: $" pairs up as auto-render pairs it: a formula "5, or more: ".
        f"<p>Costs <span>{katex_direct('5, or more: ', False)}</span>a &lt; b$ and"
        " <code>$c$</code>,</p>\n"
        f"<div><em><span>{total}</span></em> then $\\frac{{1}}{{2}}</div></div><p>$outside$</p>"
    )
    assert a_lt_b not in out  # its opening $ closed the formula before it


def test_math_in_a_label_exposes_its_glyphs_not_its_mathml(typesetter):
    # A control's accessible name comes from its label's text, to which MathML adds nothing.
    page = r'<label><input type="radio"> <span class="arithmatex">\(\partial f\)</span></label>'
    out = typesetter.typeset_page(page, "quiz.md")
    assert out.count('<span class="katex-mathml" aria-hidden="true">') == 1
    assert out.count('<span class="katex-html">') == 1
    assert '<span class="katex-html" aria-hidden="true">' in katex_direct(r"\partial f", False)
    outside = typesetter.typeset_page(page.replace("label>", "p>"), "quiz.md")
    assert '<span class="katex-html" aria-hidden="true">' in outside


def test_a_katex_error_is_rendered_as_katex_does_and_reported_with_page_and_line(
    typesetter, tmp_path, caplog, monkeypatch
):
    source = tmp_path / "lesson.md"
    source.write_text("# A lesson\n\nFine $x$.\n\nBroken $\\frac{1}$ here.\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    page = (
        r'<p>Fine <span class="arithmatex">\(x\)</span>.'
        r' Broken <span class="arithmatex">\(\frac{1}\)</span></p>'
    )
    with caplog.at_level(logging.WARNING, logger="mkdocs.plugins.quizkit"):
        out = typesetter.typeset_page(page, str(source))
    assert katex_direct(r"\frac{1}", False) in out
    assert 'class="katex-error"' in out
    [record] = [r for r in caplog.records if r.levelno == logging.WARNING]
    message = record.getMessage()
    assert message.startswith("quizkit math: lesson.md:5: KaTeX cannot typeset '\\\\frac{1}'")
    assert "Unexpected end of input" in message


def test_one_node_process_serves_many_pages_and_repeats_are_not_asked_again(typesetter):
    asked = []
    ask = typesetter._ask

    def counting(requests):
        asked.append(list(requests))
        return ask(requests)

    typesetter._ask = counting
    try:
        pages = [f'<span class="arithmatex">\\(x_{{{n % 3}}}\\)</span>' for n in range(30)]
        outs = [typesetter.typeset_page(page, f"page{n}.md") for n, page in enumerate(pages)]
        pid = typesetter._proc.pid
        typesetter.typeset_page(r'<span class="arithmatex">\(y\)</span>', "last.md")
        assert typesetter._proc.pid == pid
    finally:
        del typesetter._ask
    assert [tex for batch in asked for tex, _ in batch] == ["x_{0}", "x_{1}", "x_{2}", "y"]
    assert outs[0] == outs[3] and outs[0] != outs[1]


def test_the_shared_typesetter_is_one_process_until_the_build_closes_it(typesetter):
    page = r'<p><span class="arithmatex">\(e^{i\pi}\)</span></p>'
    assert math_render.typeset_page(page, "a.md", KATEX_DIR) == typesetter.typeset_page(
        page, "a.md"
    )
    shared = math_render._shared[KATEX_DIR.resolve()]
    process = shared._proc
    math_render.typeset_page(page.replace("pi", "theta"), "b.md", KATEX_DIR)
    assert shared._proc is process and process.poll() is None
    math_render.close()
    assert process.poll() == 0 and not math_render._shared


def test_no_node_is_a_clear_build_error():
    with pytest.raises(TypesetError, match="not found"):
        Typesetter(KATEX_DIR, node="no-such-node-binary").typeset_page(
            r'<span class="arithmatex">\(x\)</span>', "page.md"
        )


def test_the_browser_loads_katex_from_where_the_plugin_puts_it():
    from quizkit.mkdocs.plugin import ASSETS

    text = QUIZ_MATH.read_text(encoding="utf-8")
    found = dict(re.findall(r'const (KATEX_\w+) = new URL\("([^"]+)", import\.meta\.url\)', text))
    here = posixpath.dirname(f"{ASSETS}/quiz-math.js")
    resolved = {name: posixpath.normpath(posixpath.join(here, rel)) for name, rel in found.items()}
    assert resolved == {
        "KATEX_JS": assets.KATEX_JS,
        "KATEX_AUTO_RENDER": assets.KATEX_AUTO_RENDER,
    }


# -- a built site ------------------------------------------------------------------------------


def test_built_lessons_ship_typeset_math_and_no_katex_script(fixture_build):
    assert fixture_build.returncode == 0, fixture_build.output
    site = fixture_build.site
    for page in ["lessons/basics/index.html", "lessons/notebook/index.html"]:
        html = (site / page).read_text(encoding="utf-8")
        assert 'class="katex"' in html, page
        assert not re.search(r'class="arithmatex">', html), page  # every one marked typeset
        assert not re.search(r"<script\b[^>]*katex", html), page
        assert 'href="../../assets/quizkit/styles.css"' in html  # KaTeX's styles are in it
    notebook = (site / "lessons/notebook/index.html").read_text(encoding="utf-8")
    assert "$a^2$" not in html_lib.unescape(re.sub(r"<[^>]+>", "", notebook))
    # The search index keeps the TeX a reader would search for, not KaTeX's markup.
    index = (site / "search/search_index.json").read_text(encoding="utf-8")
    assert "katex-html" not in index
    # The script the browser loads on demand is still shipped.
    assert (site / assets.KATEX_JS).is_file()
