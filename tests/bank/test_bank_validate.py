"""Semantic checks: the rules beyond the schema, and the one tolerance comparator."""

from __future__ import annotations

import math
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from bankhelp import (
    MATCHING_ITEM,
    MCQ_ITEM,
    ORDERING_ITEM,
    TF_ITEM,
    TRACE_ITEM,
    bank_text,
    with_evidence,
)

from quizkit.bank import safe_html
from quizkit.bank.check import check_paths
from quizkit.bank.kinds.base import tolerance_width, within
from quizkit.bank.load import load_bank
from quizkit.bank.model import Tolerance
from quizkit.bank.validate import (
    MAX_TEXT,
    _renderer,
    _strings,
    costly_markdown,
    markdown_extensions,
    markdown_problems,
    site_markdown,
)


def problems(path) -> list[tuple[int, str, str]]:
    report = check_paths([path], run_evidence=False)
    return [(p.line, p.field, p.message) for p in report.problems]


@pytest.mark.parametrize(
    ("answer", "key", "rel", "abs_", "accepted"),
    [
        (1.0009, 1.0, 1e-3, 1e-6, True),
        (1.0011, 1.0, 1e-3, 1e-6, False),
        (-9.0, 9.0, 1e-3, 1e-6, False),
        (5e-7, 0.0, 1e-3, 1e-6, True),  # abs covers a zero key
        (0.0, 1e-3, 0.5, 0.0, False),  # the window scales with the key, not the answer
        (1e9 + 1e5, 1e9, 1e-3, 1e-6, True),
    ],
)
def test_within(answer, key, rel, abs_, accepted):
    assert within(answer, key, Tolerance(rel=rel, abs=abs_)) is accepted


def test_within_never_accepts_nan():
    assert not within(math.nan, 1.0, Tolerance())
    assert not within(1.0, math.nan, Tolerance())


def test_tolerance_width():
    assert tolerance_width(2000.0, Tolerance()) == pytest.approx(2.0)
    assert tolerance_width(0.0, Tolerance()) == pytest.approx(1e-6)


def test_clean_items_have_no_problems(write_bank):
    assert problems(write_bank(TF_ITEM + MCQ_ITEM + TRACE_ITEM)) == []


def test_mcq_needs_exactly_one_key(write_bank):
    none = MCQ_ITEM.replace("value: 6, correct: true", "value: 6, feedback: x")
    assert problems(write_bank(none)) == [
        (9, "options", "no option has correct: true; exactly one must be the key")
    ]
    two = MCQ_ITEM.replace(
        'value: 5, feedback: "That adds: $2 + 3$, not a product."', "value: 5, correct: true"
    )
    [(line, field, message)] = problems(write_bank(two))
    assert (line, field) == (11, "options[1].correct")
    assert "a second key" in message


def test_every_distractor_needs_feedback(write_bank):
    bare = MCQ_ITEM.replace(
        ', feedback: "That is $2^3$, a power, not a product."', ', feedback: "  "'
    )
    [(line, field, message)] = problems(write_bank(bare))
    assert (line, field) == (12, "options[2]")
    assert message.startswith("distractor 'eight' has no feedback")


def test_distractor_value_equal_to_key_is_reported(write_bank):
    same = MCQ_ITEM.replace("value: 8,", "value: 6.000001,")
    [(line, field, message)] = problems(write_bank(same))
    assert (line, field) == (12, "options[2].value")
    assert "equals the key's value" in message


def test_duplicate_option_ids_and_texts(write_bank):
    twin = MCQ_ITEM.replace('{id: eight, text: "8"', '{id: five, text: "5"')
    assert [field for _, field, _ in problems(write_bank(twin))] == [
        "options[2].id",
        "options[2].text",
    ]


def test_duplicate_ids_are_reported_at_every_use(tmp_path, write_bank):
    write_bank(TF_ITEM, name="01-a/quiz.yml")
    write_bank(TF_ITEM, name="02-b/quiz.yml")
    report = check_paths([tmp_path], run_evidence=False)
    a, b = tmp_path / "01-a" / "quiz.yml", tmp_path / "02-b" / "quiz.yml"
    assert [str(p) for p in report.problems] == [
        f"{a}:4: two-plus-two: id: duplicate id 'two-plus-two': also used at {b}:4",
        f"{b}:4: two-plus-two: id: duplicate id 'two-plus-two': also used at {a}:4",
    ]


def test_matching_duplicates(write_bank):
    item = with_evidence(MATCHING_ITEM, "answer = observed_pairing()").replace(
        '{id: mul, term: "Multiply gate", definition: "swaps and scales"}',
        '{id: add, term: "Add gate", definition: "passes it on"}',
    )
    assert [field for _, field, _ in problems(write_bank(item))] == [
        "pairs[1].id",
        "pairs[1].term",
        "pairs[1].definition",
    ]


def test_ordering_needs_distinct_steps(write_bank):
    item = with_evidence(ORDERING_ITEM, "answer = observed_order()").replace(
        '{id: loss, text: "Loss"}', '{id: loss, text: " Forward"}'
    )
    [(line, field, message)] = problems(write_bank(item))
    assert (line, field) == (11, "steps[1].text")
    assert "duplicate step text" in message


TOLERANCE = "expect: 3.0"
PARAM = "{value: 1.5, range: [1.0, 2.0], step: 0.5}"


@pytest.mark.parametrize(
    ("written", "instead", "field", "fragment"),
    [
        (TOLERANCE, f"{TOLERANCE}\n      tolerance: {{rel: 0, abs: 0}}", "quantities[0].tolerance",
         "tolerance is zero"),
        (TOLERANCE, f"{TOLERANCE}\n      tolerance: {{rel: 0.2}}", "quantities[0].tolerance.rel",
         "too loose"),
        (TOLERANCE, f"{TOLERANCE}\n      tolerance: {{abs: 1.0}}", "quantities[0].tolerance.abs",
         "too loose"),
        (TOLERANCE, f"{TOLERANCE}\n      tolerance: {{rel: .inf}}", "quantities[0].tolerance",
         "must be finite"),
        (PARAM, "{value: 1.5, range: [2.0, 3.0], step: 0.5}", "params.x.range",
         "excludes the value"),
        (PARAM, "{value: 1.5, range: [2.0, 1.0], step: 0.5}", "params.x.range", "is empty"),
        (PARAM, "{value: 1.5, range: [1.1, 1.9], step: 1.0}", "params.x.step",
         "no multiple of step"),
        (PARAM, "{value: 1.5, step: 0.5}", "params.x.step", "no effect without a range"),
        (PARAM, "{value: .nan}", "params.x.value", "finite"),
    ],
)  # fmt: skip
def test_trace_tolerances_and_param_ranges(write_bank, written, instead, field, fragment):
    [(_, got_field, message)] = problems(write_bank(TRACE_ITEM.replace(written, instead)))
    assert got_field == field
    assert fragment in message


@pytest.mark.parametrize("name", ["np", "Tensor"])
def test_param_may_not_hide_an_engine_name(write_bank, name):
    item = TRACE_ITEM.replace("w: {value: 2.0}", f"{name}: {{value: 2.0}}")
    assert problems(write_bank(item)) == [
        (11, f"params.{name}", f"parameter name {name!r} hides the engine's {name!r}; rename it")
    ]


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "< SCRIPT src='x.js'>",
        '<img src="x.png" onerror="alert(1)">',
        "<a href='#'\n   onclick = 'go()'>x</a>",
        "[click](javascript:alert(1))",
        "<iframe src='https://example.org'></iframe>",
        # The lint cannot see these; the sanitiser's verdict reports them.
        "[click](&#106;avascript:alert(1))",
        "<a href='java&#9;script:alert(1)'>x</a>",
        "![x](data:image/png;base64,AAAA)",
        "<style>.md-header { display: none }</style>",
        "<form action='https://example.org'>go</form>",
        "[x](#a){: onclick='go()' }",
        '<p style="position: fixed; inset: 0">cover the page</p>',
    ],
)
def test_unsafe_html_is_found_on_its_line(write_bank, text):
    prompt = "Line one.\n" + text
    block = "  prompt: |\n" + "".join(f"    {line}\n" for line in prompt.splitlines())
    item = TF_ITEM.replace('  prompt: "Two plus two is four."\n', block)
    [(line, field, message)] = problems(write_bank(item))
    assert (line, field) == (10, "prompt")  # the prompt's second line
    assert "not allowed" in message


@pytest.mark.parametrize(
    "text",
    [
        "If $a < b$ and one = 1 then $b > a$.",
        "Compare `x<y` with `online=True`.",
        "A script is a program; onerror is a word.",
    ],
)
def test_harmless_text_is_not_flagged(write_bank, text):
    item = TF_ITEM.replace("Two plus two is four.", text)
    assert problems(write_bank(item)) == []


# What the course's fields legitimately render to: each must pass the check and render
# exactly as Python-Markdown wrote it.
LEGITIMATE = [
    "Math $\\partial L / \\partial w$ and $$\\sum_i x_i$$ with `code <b>` and **bold**.",
    "[http](https://example.org/a?b=1#c), [relative](../02-chain-rule/) and [anchor](#quiz).",
    "![figure](figure.png)",
    "- one\n- two\n\n1. first\n2. second",
    "```python\nx = Tensor(1.0)\n```",
    '<span class="note" title="hint">marked</span><br><sub>1</sub><sup>2</sup>',
    "<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>",
    "<details open><summary>More</summary>Hidden.</details>",
]


@pytest.mark.parametrize("text", LEGITIMATE)
def test_legitimate_markdown_passes_and_renders_unchanged(write_bank, text):
    from quizkit.mkdocs.render import MarkdownRenderer

    block = "  prompt: |\n" + "".join(f"    {line}\n" for line in text.splitlines())
    assert problems(write_bank(TF_ITEM.replace('  prompt: "Two plus two is four."\n', block))) == []
    md = MarkdownRenderer()
    assert _parsed(str(md.block(text))) == _parsed(md.unsanitised(text))


def _parsed(html: str) -> list[tuple]:
    """`html` as the parser reads it: `<img />` and `<img>` are the same element."""
    from html.parser import HTMLParser

    events: list[tuple] = []
    parser = HTMLParser(convert_charrefs=True)
    parser.handle_starttag = lambda tag, attrs: events.append(("<", tag, sorted(attrs)))
    parser.handle_startendtag = parser.handle_starttag
    parser.handle_endtag = lambda tag: events.append(("</", tag))
    parser.handle_data = lambda data: events.append(("text", data))
    parser.feed(html)
    parser.close()
    # A valueless attribute (<details open>) is the same as open="".
    return [(e[0], e[1], [(k, v or "") for k, v in e[2]]) if e[0] == "<" else e for e in events]


def test_rendered_fields_lose_what_the_check_reports():
    from quizkit.mkdocs.render import MarkdownRenderer

    md = MarkdownRenderer()
    html = str(md.block('[x](&#106;avascript:alert(1)) <img src="a.png" onerror="go()"> <svg/>'))
    assert html == '<p><a>x</a> <img src="a.png"> </p>'
    assert str(md.inline("<script>alert(1)</script>ok")) == "ok"


def test_python_fields_are_not_scanned_as_html(write_bank):
    item = TF_ITEM.replace(
        'evidence: "answer = 2 + 2 == 4"',
        "evidence: \"html = '<script>'; answer = html.startswith('<')\"",
    )
    assert problems(write_bank(item)) == []


@pytest.mark.parametrize(
    ("statement", "flagged"),
    [
        ('answer = "six"', True),
        ("answer = {'a': 'a', 'b': 'b'}", True),
        ("answer = ['forward', ('backward', 1)]", True),
        ("answer: bool = False", True),
        ("answer = -3.5", True),
        ("answer = float(x.grad)", False),
        ("answer = observed", False),
        ('answer = str("b")', True),
        ('answer = "".join(["b"])', True),
        ("answer = list(('a', 'b'))", True),
        ("answer = str(measured)", False),
        ("answer = str(x.grad > 0).lower()", False),
        ("answer = 2 + 2 == 4", False),
        ("answers = 'six'", False),
    ],
)
def test_typed_answers_are_found(statement, flagged):
    from quizkit.bank.validate import typed_answers

    item = type("Item", (), {"conceptual": None, "evidence": f"x = 1\n{statement}\n"})()
    assert [line for line, _ in typed_answers(item)] == ([2] if flagged else [])
    item.conceptual = "a definition"
    assert list(typed_answers(item)) == []


@pytest.mark.parametrize(
    ("evidence", "flagged_lines"),
    [
        ('k = "b"\nanswer = k\n', [2]),
        ('k = "b"\nk = "c"\nanswer = k\n', [3]),
        ('k = "b"\nif x.grad > 0:\n    k = "c"\nanswer = k\n', [4]),
        ('k = "b"\nk = pick(x)\nanswer = k\n', []),
        ("seen = []\nseen.append('a')\nanswer = seen\n", []),
        ("for k in ids:\n    pass\nanswer = k\n", []),
        ("a, k = 1, 'b'\nanswer = k\n", []),
    ],
)
def test_a_typed_key_behind_a_name_is_found(evidence, flagged_lines):
    from quizkit.bank.validate import typed_answers

    item = type("Item", (), {"conceptual": None, "evidence": evidence})()
    assert [line for line, _ in typed_answers(item)] == flagged_lines


# -- titles, remote sources, classes, costly Markdown (the attacker's review, issue 11) ------

ATTACK_TITLE = "Attack {: tabindex=0 autofocus onfocus=\"document.title='PWNED'\" }"


class _Heading(HTMLParser):
    """The attributes of the first <h1> and the text it shows."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: list | None = None
        self.text = ""
        self._inside = False

    def handle_starttag(self, tag, attrs):
        if tag == "h1" and self.attrs is None:
            self.attrs, self._inside = attrs, True
        elif self._inside:
            self.text += f"<{tag}>"  # any element inside the heading is markup

    def handle_endtag(self, tag):
        if tag == "h1":
            self._inside = False

    def handle_data(self, data):
        if self._inside:
            self.text += data


@pytest.mark.parametrize(
    "title",
    [
        ATTACK_TITLE,
        "Attack\r# A second heading <img src=x onerror=alert(1)>",
        "[click](javascript:alert(1)) *em* `code` $x$ C# a&amp;b \\{: .x}",
        'Xavier/Glorot: log_softmax (x) – it\'s "fine"',
    ],
)
def test_heading_markdown_shows_the_title_and_adds_no_markup(title):
    markdown = site_markdown(Path(__file__))  # the site's own extensions, attr_list included
    heading = _Heading()
    heading.feed(markdown.unsanitised(f"# Quiz: {safe_html.heading_markdown(title)}\n"))
    assert heading.attrs == []
    assert heading.text == "Quiz: " + " ".join(title.replace("\r", " ").split())


def test_heading_markdown_is_needed_raw_titles_do_get_attributes():
    heading = _Heading()
    heading.feed(site_markdown(Path(__file__)).unsanitised(f"# Quiz: {ATTACK_TITLE}\n"))
    assert ("onfocus", "document.title='PWNED'") in heading.attrs


@pytest.mark.parametrize(
    ("title", "bad"),
    [
        ("The chain rule", None),
        ("Xavier/Glorot initialisation: log_softmax", None),
        (ATTACK_TITLE, "'{'"),
        ("A <b>bold</b> title", "'<'"),
        ("Two\nlines", "U+000A"),
        ("Line\u2028separator", "U+2028"),
        ("[link](https://example.org/)", "'['"),
    ],
)
def test_title_problem(title, bad):
    message = safe_html.title_problem(title)
    assert (message is None) if bad is None else (bad in message)


@pytest.mark.parametrize(
    ("url", "remote"),
    [
        ("https://img.example/x.png", True),
        ("HTTP://img.example/x.png", True),
        ("//img.example/x.png", True),
        ("/\\img.example/x.png", True),
        (" \t//img.example/x.png", True),
        ("/\t/img.example/x.png", True),
        ("figure.png", False),
        ("../02-chain-rule/figure.png", False),
        ("/assets/figure.png", False),
        ("#section", False),
    ],
)
def test_is_remote(url, remote):
    assert safe_html.is_remote(url) is remote


def test_remote_images_are_cleaned_away_but_links_to_other_sites_stay():
    html = (
        '<p><img src="https://img.example/x.png" alt="x"><a href="https://example.org/">a</a></p>'
    )
    assert safe_html.clean(html) == '<p><img alt="x"><a href="https://example.org/">a</a></p>'


def test_only_content_classes_survive():
    html = '<p class="arithmatex md-consent__overlay">x</p><span class="language-python k">y</span>'
    assert safe_html.clean(html) == (
        '<p class="arithmatex">x</p><span class="language-python k">y</span>'
    )
    assert [r.message.split(" on ")[0] for r in safe_html.removals(html)] == [
        "class 'md-consent__overlay'"
    ]


def test_every_class_the_real_course_writes_is_allowed():
    # Rendered with the site's extensions: quiz text, definitions and lesson prose are clean.
    report = check_paths([Path(__file__).parents[2] / "lessons_src"], run_evidence=False)
    assert [p for p in report.problems if "class" in p.message] == []


@pytest.mark.parametrize(
    "text",
    ["[" * 10_000, "<a " * 3_000, "[`" * 5_000, "- " * 600 + "x", "x" * 100_000],
)
def test_costly_markdown_is_refused_before_rendering_and_quickly(text):
    started = time.perf_counter()
    assert costly_markdown(text) is not None
    assert markdown_problems(text, site_markdown(Path(__file__)))
    assert time.perf_counter() - started < 0.1


def test_the_course_is_far_below_the_markdown_bounds():
    texts = []
    for path in (Path(__file__).parents[2] / "lessons_src").glob("*/*.yml"):
        loaded = load_bank(path) if path.name == "quiz.yml" else None
        raw = loaded.raw if loaded else yaml.safe_load(path.read_text(encoding="utf-8"))
        texts += [text for _, text in _strings(raw, ())]
    assert max(map(len, texts)) * 3 < MAX_TEXT
    assert all(costly_markdown(text) is None for text in texts)


def test_a_bank_is_checked_with_the_site_markdown_extensions(tmp_path):
    # Footnotes are in mkdocs.yml's list only: with it, the check sees their ids go.
    (tmp_path / "mkdocs.yml").write_text("markdown_extensions:\n  - footnotes\n")
    bank = tmp_path / "quiz.yml"
    prompt = 'prompt: "What is $2 \\\\times 3$?[^1]\\n\\n[^1]: A note."'
    bank.write_text(bank_text(MCQ_ITEM.replace('prompt: "What is $2 \\\\times 3$?"', prompt)))
    assert any("attribute id= on <sup>" in m for _, _, m in problems(bank))
    (tmp_path / "mkdocs.yml").write_text("markdown_extensions:\n  - attr_list\n")
    _renderer.cache_clear()
    assert not any("attribute id=" in m for _, _, m in problems(bank))


def test_markdown_extensions_reads_names_and_settings(tmp_path):
    config = tmp_path / "mkdocs.yml"
    config.write_text(
        "site_url: !ENV [SITE_URL, 'x']\nmarkdown_extensions:\n  - abbr\n"
        "  - toc:\n      permalink: true\n  - pymdownx.arithmatex:\n      generic: true\n"
    )
    assert markdown_extensions(config) == (
        ["abbr", "toc", "pymdownx.arithmatex"],
        {"toc": {"permalink": True}, "pymdownx.arithmatex": {"generic": True}},
    )


def test_a_recursion_error_in_the_renderer_is_a_problem_not_a_traceback():
    class Deep:
        def unsanitised(self, text):
            raise RecursionError

    [(line, message)] = markdown_problems("x", Deep())
    assert line == 1
    assert "nested too deeply" in message
