"""Unit tests of the plugin's plain functions (no MkDocs build, no browser)."""

from __future__ import annotations

import json
import math
import random
import re
import sys
import unicodedata
from pathlib import Path

import pytest
import yaml

from quizkit.bank.kinds import numeric_trace
from quizkit.bank.kinds.base import shuffled
from quizkit.bank.model import Bank, NumericTrace, Tolerance
from quizkit.mkdocs import client, glossary, numeric_trace_page, pages
from quizkit.mkdocs.glossary import (
    Term,
    bank_texts,
    fold,
    link_first_uses,
    load_terms,
    may_occur,
    duplicate_terms,
    merge_terms,
    term_anchor,
    term_pattern,
    terms_used,
)
from quizkit.mkdocs.lessons import ContentError, discover, read_title
from quizkit.mkdocs.render import (
    RenderContext,
    Renderer,
    decode_payload,
    encode_payload,
    format_number,
    readable_amount,
    tolerance_text,
)
from quizkit.mkdocs.stats import bank_stats

FIXTURES = Path(__file__).parent / "fixtures" / "lessons_src"
BASICS = FIXTURES / "01-basics" / "quiz.yml"


def fixture_bank() -> Bank:
    return Bank.model_validate(yaml.safe_load(BASICS.read_text()))


def trace_results(bank: Bank) -> dict:
    """Stand-in build-time values for the fixture trace (the engine is tested elsewhere)."""
    item = next(i for i in bank.items if i.kind == "numeric_trace")
    values = {"q": 5.0, "f": 20.0, "f.added": 9.0, "dfdx": 4.0}
    assert set(values) == set(numeric_trace.expressions(item))
    return {item.id: {"values": values, "graph": None}}


# -- discovery -------------------------------------------------------------------------------


def test_discover_finds_lessons_in_folder_order():
    lessons = discover(FIXTURES)
    assert [lesson.name for lesson in lessons] == ["01-basics", "02-notebook"]
    basics, notebook = lessons
    assert (basics.topic, basics.number, basics.title) == ("basics", 1, "Fixture basics")
    assert not basics.is_notebook and basics.bank_path and basics.terms_path
    assert notebook.is_notebook and notebook.title == "Fixture notebook"
    assert notebook.terms_path is None


def test_discover_orders_by_folder_name_not_creation(tmp_path):
    for name in ["10-late", "02-early", "03-middle"]:
        (tmp_path / name).mkdir()
        (tmp_path / name / "lesson.md").write_text(f"# {name}\n")
    assert [lesson.topic for lesson in discover(tmp_path)] == ["early", "middle", "late"]


def test_discover_reports_every_broken_folder(tmp_path):
    (tmp_path / "badname").mkdir()
    (tmp_path / "01-empty").mkdir()
    (tmp_path / "02-both").mkdir()
    (tmp_path / "02-both" / "lesson.md").write_text("# A\n")
    (tmp_path / "02-both" / "lesson.py").write_text("# # A\n")
    (tmp_path / "03-untitled").mkdir()
    (tmp_path / "03-untitled" / "lesson.md").write_text("no heading\n")
    with pytest.raises(ContentError) as err:
        discover(tmp_path)
    text = "\n".join(err.value.messages)
    assert "badname: lesson folders are named NN-topic" in text
    assert "01-empty: expected one lesson file, found no lesson.md or lesson.py" in text
    assert "02-both: expected one lesson file, found both" in text
    assert "03-untitled/lesson.md:1: no level-one" in text


def test_read_title_ignores_headings_inside_code(tmp_path):
    md = tmp_path / "lesson.md"
    md.write_text("```python\n# a comment\n```\n\n# Real title\n")
    assert read_title(md) == "Real title"
    py = tmp_path / "lesson.py"
    py.write_text("# %% [markdown]\n# # Notebook title\n\n# %%\n# plain comment\n")
    assert read_title(py) == "Notebook title"


def test_the_real_lessons_are_discovered():
    lessons = discover(Path(__file__).resolve().parents[2] / "lessons_src")
    assert lessons, "the course has lessons"
    assert [lesson.number for lesson in lessons] == sorted(lesson.number for lesson in lessons)


# -- header figures --------------------------------------------------------------------------


def test_bank_stats_are_computed_from_the_bank():
    bank = fixture_bank()
    stats = bank_stats(bank)
    assert stats.questions == 7
    assert stats.difficulty == {"easy": 2, "medium": 3, "hard": 2}
    # One item of each kind: 1 (mcq) + 0.5 (true/false) + 3 (short answer) + 2 (matching)
    # + 2 (ordering) + 5 (interview) + 1.5 for each of the trace's 3 quantities = 18.
    assert stats.minutes == 18
    # chain-rule is on three items, so it leads; the rest keep their first-seen order.
    assert stats.topics[0] == "chain-rule"
    assert stats.topics[1:] == ["gradients", "vocabulary", "training", "worked-example",
                                "interview"]  # fmt: skip
    assert sum(stats.kinds.values()) == 7


# -- glossary --------------------------------------------------------------------------------


def make_term(term, aliases=(), source="a/terms.yml"):
    return Term(term, f"about {term}", tuple(aliases), term_anchor(term), Path(source), "L", "l/")


def test_load_terms_and_merge_in_alphabetical_order(tmp_path):
    terms = load_terms(FIXTURES / "01-basics" / "terms.yml", "Fixture basics", "lessons/basics/")
    merged = merge_terms([terms, [make_term("backward pass")]])
    assert [t.term for t in merged] == ["backward pass", "chain rule", "computational graph"]
    assert merged[2].aliases == ("compute graph",) and merged[2].slug == "computational-graph"


def test_terms_defined_twice_are_an_error_naming_both_files_and_lines(tmp_path):
    first, second = tmp_path / "a.yml", tmp_path / "b.yml"
    first.write_text('- term: "backward pass"\n  definition: "d"\n- term: "chain rule"\n'
                     '  definition: "d"\n')  # fmt: skip
    second.write_text('- term: "Chain Rule"\n  definition: "d"\n')
    with pytest.raises(ContentError) as err:
        merge_terms([load_terms(first, "A", "a/"), load_terms(second, "B", "b/")])
    assert err.value.messages == [
        f"{second}:1: Chain Rule: term: 'Chain Rule' is already defined in {first}:3 ('chain rule')"
    ]


@pytest.mark.parametrize(
    ("name", "anchor"),
    [
        ("chain rule", "chain-rule"),
        ("vector–Jacobian product", "vector-jacobian-product"),  # an en dash, as in lesson 13
        ("log_softmax", "log-softmax"),
        ("  ReLU & friends! ", "relu-friends"),
        ("Fréchet derivative", "fréchet-derivative"),
        ("Fre\u0301chet", "fréchet"),  # the same, its accent a combining mark
        ("σ", "σ"),
        ("Σ", "σ"),  # links match either case, so the two are one spelling
        ("İ", "i"),  # and "i", "I", "İ" and dotless "ı" are one letter to them
        ("ı", "i"),
        ("μ-law", "μ-law"),
        ("ŷ", "ŷ"),
        ("y\u0302", "ŷ"),
        ("x\u0304", "x\u0304"),  # no precomposed x̄: the mark stays
        ("∂", "∂"),
        ("∇f", "∇f"),
        ("σ′", "σ′"),
        ("दिन", "दिन"),  # a vowel sign is part of the word
        ("バッチ", "バッチ"),  # so is a voicing mark
        ("\u1112\u1161\u11ab\u1100\u1173\u11af", "한글"),  # Hangul jamo, composed as typed
        ("+", "_u002b"),
        ("& !", "_u0026-u0021"),
    ],
)
def test_term_anchor(name, anchor):
    assert term_anchor(name) == anchor


def terms_in(tmp_path, *entries):
    """One terms.yml per entry (a term and its aliases), loaded, in order."""
    groups = []
    for n, (term, *aliases) in enumerate(entries):
        path = tmp_path / f"{n}.yml"
        path.write_text(yaml.safe_dump([{"term": term, "definition": "d", "aliases": aliases}]))
        groups.append(load_terms(path, "L", "l/"))
    return groups


@pytest.mark.parametrize(
    "entries",
    [
        [("y",), ("ŷ",)],
        [("x",), ("x\u0304",)],
        [("f",), ("∇f",), ("∂f",)],
        [("L",), ("∂L",)],
        [("σ",), ("σ′",), ("μ",)],
        [("ano",), ("año",)],
        [("दिन",), ("दान",)],
        [("バッチ",), ("ハッチ",)],
        [("∂",), ("U2202",)],
        [("+",), ("u002b",)],
        [("cost",), ("costly",)],
        [("Maß",), ("Mast",)],
    ],
)
def test_spellings_the_pages_tell_apart_are_all_defined(tmp_path, entries):
    merged = merge_terms(terms_in(tmp_path, *entries))
    assert len({t.slug for t in merged}) == len(entries)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([("chain rule",), ("Chain  Rule",)], "'Chain  Rule' is already defined in {0}:1"),
        ([("i",), ("ı",)], "'ı' is already defined in {0}:1 ('i')"),
        ([("Σ",), ("σ",)], "'σ' is already defined in {0}:1 ('Σ')"),
        ([("loss", "cost"), ("costs",)], "'costs' and 'cost' ({0}:1, 'loss') would both link"
                                         " 'costs'"),
        ([("gradients",), ("gradient",)], "'gradient' and 'gradients' ({0}:1, 'gradients')"),
        ([("GAT", "graph attention"), ("gate",)], "'gate' and 'GAT' ({0}:1, 'GAT') would both"
                                                  " link 'gates'"),
        ([("chain rule",), ("chain-rule",)], "its glossary anchor #chain-rule is the one of"),
        ([("ReLU",), ("ReLU\u200c",)], "'ReLU\u200c' looks the same as 'ReLU' ({0}:1"),
        ([("ReLU",), ("Re\u034fLU",)], "looks the same as 'ReLU'"),
        ([("ReLU",), ("ReLU\ufe00",)], "looks the same as 'ReLU'"),
        ([("backpropagation",), ("back\u00adpropagation",)], "looks the same as"),
        ([("ŷ",), ("yhat", "y\u0302")], "'y\u0302' looks the same as 'ŷ' ({0}:1, 'ŷ'): they"
                                      " differ only in characters that draw nothing or in how"
                                      " an accent is encoded"),
        ([("costs",), ("price", "cost")], "'cost' and 'costs'"),
    ],
)  # fmt: skip
def test_spellings_the_pages_link_alike_are_refused(tmp_path, entries, message):
    with pytest.raises(ContentError) as err:
        merge_terms(terms_in(tmp_path, *entries))
    (found,) = err.value.messages
    assert message.format(tmp_path / "0.yml") in found
    assert found.startswith(f"{tmp_path / '1.yml'}:1: ")


def test_an_anchor_that_another_element_of_the_glossary_page_has_is_a_problem():
    page = '<h1 id="glossary">Glossary</h1><dl><dt id="glossary">G</dt><dt id="σ">σ</dt></dl>'
    terms = [make_term("Glossary", source="t.yml"), make_term("σ")]
    assert [str(p) for p in glossary.page_id_clashes(page, terms)] == [
        "t.yml:1: Glossary: term: its glossary anchor #glossary is also the id of another"
        " element of the glossary page (a heading of it): spell the term differently, or give"
        " the heading another id"
    ]
    assert glossary.page_id_clashes(page.replace('h1 id="glossary"', "h1"), terms) == []


def test_a_glossary_is_checked_with_one_lookup_per_spelling(monkeypatch):
    # Compared pairwise, 2,000 terms took seconds and two entries of 4,800 aliases minutes.
    terms = [make_term(f"term{n}", [f"alias{n}-{k}" for k in range(5)]) for n in range(2000)]
    calls = []
    skeleton = glossary._skeleton
    monkeypatch.setattr(glossary, "_skeleton", lambda name: calls.append(name) or skeleton(name))
    monkeypatch.setattr(glossary, "term_pattern", None)  # no regular expression at all
    assert duplicate_terms([terms]) == []
    assert len(calls) == 2000 * 6


@pytest.mark.parametrize("term", ["\\u3164", "\\u200b\\u00ad", "\\ufe0f", "\\U000e0067"])
def test_a_spelling_that_draws_nothing_is_blank(tmp_path, term):
    path = tmp_path / "terms.yml"
    path.write_text(f'- term: "{term}"\n  definition: d\n')
    with pytest.raises(ContentError) as err:
        load_terms(path, "L", "l/")
    assert err.value.messages == [f"{path}:1: entry 1: term: is blank or invisible: a spelling"
                                  " needs a character a reader sees"]  # fmt: skip


@pytest.mark.parametrize(
    "term",
    [
        "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # Scotland's flag
        "\u0600\u0661",  # the Arabic number sign, drawn around the digits
        "👩\u200d💻",
        "❤\ufe0f",
        "می\u200cخواهم",
    ],
)
def test_spellings_written_with_joiners_and_selectors_are_welcome(tmp_path, term):
    path = tmp_path / "terms.yml"
    path.write_text(yaml.safe_dump([{"term": term, "definition": "d"}], allow_unicode=True))
    assert [t.term for t in load_terms(path, "L", "l/")] == [term]


def test_a_use_is_a_whole_word_in_any_script():
    texts = {
        "मान": "<p>अनुमान, then मान</p>",
        "💻": "<p>👩\u200d💻, then 💻</p>",
        "👍": "<p>👍🏽, then 👍</p>",
        "GT": "<p>score &gt; 0.5 &#71;T; then GT</p>",
    }
    for term, html in texts.items():
        out = link_first_uses(html, [make_term(term)], lambda t: "#")
        link = f'<a class="qk-term" href="#" title="Glossary: {term}">{term}</a>'
        assert out == html.replace(f"then {term}", f"then {link}"), out


def test_a_term_is_not_linked_in_a_letter_a_mark_changes():
    y, heart = make_term("y"), make_term("❤")
    out = link_first_uses("<p>y\u0302 ❤\ufe0f, then y and ❤.</p>", [y, heart], lambda t: "#")
    assert out.startswith("<p>y\u0302 ❤\ufe0f, then <a ")
    assert out.count('class="qk-term"') == 2
    # Every mark in Unicode, wherever it is, ends no use of a term.
    marks = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c))[0] == "M"]
    pattern = term_pattern(make_term("a"))
    assert [m for m in marks if pattern.search("a" + m)] == []


def test_zero_width_joiners_are_part_of_a_spelling(tmp_path):
    path = tmp_path / "terms.yml"
    path.write_text(yaml.safe_dump([{"term": "می\u200cخواهم", "definition": "d"}]))
    assert load_terms(path, "L", "l/")[0].slug == "می\u200cخواهم"


def test_terms_spelled_only_beyond_ascii_get_anchors_of_their_own(tmp_path):
    first, second = tmp_path / "a.yml", tmp_path / "b.yml"
    first.write_text('- term: "σ"\n  definition: "a standard deviation"\n  aliases: ["∂"]\n')
    second.write_text('- term: "μ"\n  definition: "a mean"\n  aliases: ["∇"]\n')
    merged = merge_terms([load_terms(first, "A", "a/"), load_terms(second, "B", "b/")])
    assert [(t.term, t.slug) for t in merged] == [("μ", "μ"), ("σ", "σ")]
    out = link_first_uses("<p>μ minus σ</p>", merged, lambda t: f"../glossary/#{t.slug}")
    assert '<a class="qk-term" href="../glossary/#μ"' in out
    assert '<a class="qk-term" href="../glossary/#σ"' in out
    page = Renderer().glossary(merged, lambda t: t.lesson_url)
    assert '<dt id="μ">μ</dt>' in page and '<dt id="σ">σ</dt>' in page
    third = tmp_path / "c.yml"
    third.write_text('- term: "Σ"\n  definition: "a sum"\n')
    with pytest.raises(ContentError) as err:
        merge_terms([load_terms(first, "A", "a/"), load_terms(third, "C", "c/")])
    assert err.value.messages == [f"{third}:1: Σ: term: 'Σ' is already defined in {first}:1 ('σ')"]


def test_bad_terms_file_names_the_line_entry_and_field(tmp_path):
    path = tmp_path / "terms.yml"
    path.write_text('- term: "x"\n  definition: "d"\n- term: "y"\n  definiton: "typo"\n'
                    "  aliases: [ok, 3]\n")  # fmt: skip
    with pytest.raises(ContentError) as err:
        load_terms(path, "L", "l/")
    assert err.value.messages == [
        f"{path}:3: y: definition: Field required",
        f"{path}:4: y: definiton: Extra inputs are not permitted",
        f"{path}:5: y: aliases[1]: Input should be a valid string",
    ]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("- &t {term: x, definition: d}\n- *t\n", 1, "anchors (&name) and aliases"),
        ("[" * 5000 + "]" * 5000 + "\n", 1, "levels deep"),
        ("term: x\n", 1, "expected a list of {term, definition, aliases}"),
        ('- term: "a\\ud800"\n  definition: d\n', 1, "\\ud800 is half of a UTF-16 pair"),
        ('- term: " "\n  definition: d\n', 1, "entry 1: term: is blank or invisible"),
        ('- term: x\n  definition: d\n  aliases: [y, "\\u00a0"]\n', 3,
         "x: aliases[1]: is blank or invisible"),
        ('- term: "\\u200b"\n  definition: d\n', 1, "entry 1: term: is blank or invisible"),
        ('- term: x\n  definition: d\n  aliases: ["\\u00ad"]\n', 3,
         "x: aliases[0]: is blank or invisible"),
        # The entry's name in the message stays on its line, whatever the term holds.
        ('- term: "a\\nb"\n  definition: d\n', 1, "a b: term: a title is plain text"),
        ('- term: x\n  definition: |\n    fine\n    <a href="&#106;avascript:alert(1)">x</a>\n',
         4, "href='javascript:alert(1)' on <a> is not allowed"),
    ],
)  # fmt: skip
def test_hostile_or_unsafe_terms_file_is_refused_on_its_line(tmp_path, text, line, message):
    path = tmp_path / "terms.yml"
    path.write_text(text)
    with pytest.raises(ContentError) as err:
        load_terms(path, "L", "l/")
    first = err.value.messages[0]
    assert first.startswith(f"{path}:{line}: ") and message in first, first


def test_terms_used_matches_aliases_plurals_and_line_breaks():
    vanishing = make_term("vanishing gradient")
    graph = make_term("computational graph", aliases=["compute graph"])
    relu = make_term("ReLU")
    used = terms_used([graph, relu, vanishing], ["Vanishing\ngradients hurt", "a compute graph"])
    assert used == [graph, vanishing]
    assert terms_used([relu], ["LeakyReLU-like"]) == []
    # Two texts (a prompt and its hint, say) are not one: no term across their boundary.
    assert terms_used([vanishing], ["falls when vanishing", "gradient descent"]) == []


PRINTABLE_ASCII = [chr(point) for point in range(0x20, 0x7F)]


def test_fold_turns_every_character_ignorecase_matches_to_ascii_into_that_character():
    # terms_used and link_first_uses skip the regular expression when a term's casefolded
    # first word (ASCII) is not in fold(text): sound only if every code point that a pattern's
    # literal ASCII character matches, case-insensitively, folds to that character's fold.
    any_ascii = re.compile("[ -~]", re.IGNORECASE)
    for point in range(sys.maxunicode + 1):
        char = chr(point)
        if not any_ascii.fullmatch(char):
            continue
        matched = {x.casefold() for x in PRINTABLE_ASCII if re.fullmatch(re.escape(x), char, re.I)}
        assert matched == {fold(char)}, (hex(point), fold(char), matched)


def test_a_term_the_pattern_finds_is_never_ruled_out_by_its_clue():
    # Names and texts drawn from words spelled with every case-folding oddity the pattern
    # accepts; whatever term_pattern finds, may_occur must let through.
    words = [
        "gradient",
        "kernel",
        "loss",
        "grad\u0130ent",
        "gradıent",
        "\u212aernel",
        "lo\u017fs",
        "ReLU",
        "re-lu",
        "soft-max",
        "Straße",
        "STRASSE",
        "ﬁt",
        "fit",
        "σ",
        "Σ",
        "x2",
        "x²",
        "(b)",
        "a.b",
        "ǅ",
        "\u00a0a",
    ]
    rng = random.Random(12)
    for _ in range(3000):
        names = [" ".join(rng.choices(words, k=rng.randint(1, 3))) for _ in range(2)]
        term = make_term(names[0], aliases=names[1:])
        spelled = " ".join(rng.choices(words, k=4))
        for text in (spelled, spelled.upper(), spelled.lower(), names[0].upper() + "s"):
            if term_pattern(term).search(text):
                assert may_occur(term, fold(text)), (names, text)


def test_terms_spelled_with_letters_casefold_changes_are_still_found_and_linked():
    gradient = make_term("vanishing gradient")
    kernel = make_term("kernel")
    loss = make_term("loss")
    mobius = make_term("Möbius strip")  # a word beyond ASCII: always searched for
    texts = ["VANİSHİNG GRADİENTS", "a \u212aernel", "the lo\u017fs", "MÖBIUS STRIPS"]
    assert terms_used([gradient, kernel, loss, mobius], texts) == [gradient, kernel, loss, mobius]
    out = link_first_uses("<p>the vanıshıng gradıent</p>", [gradient], lambda t: "#")
    assert '">vanıshıng gradıent</a>' in out


def test_bank_texts_are_the_prose_a_learner_reads():
    texts = bank_texts(fixture_bank())
    assert "What is $2 \\times 3$?" in texts and "HINT-ONE" in texts
    assert "FOLLOW-UP-ANSWER." in texts and "Add gate" in texts
    assert "answer = 'six'" not in texts and "fx-mcq" not in texts and "q.data" not in texts


def test_link_first_uses_links_once_and_skips_code_headings_links_and_math():
    chain = make_term("chain rule")
    html = (
        "<h2>The chain rule</h2>"
        '<p><code>chain rule</code> <a href="x">chain rule</a> '
        '<span class="arithmatex">chain rule</span> the chain rule, and the chain rule.</p>'
    )
    out = link_first_uses(html, [chain], lambda t: f"../glossary/#{t.slug}")
    assert out.count('class="qk-term"') == 1
    assert "<h2>The chain rule</h2>" in out
    assert "<code>chain rule</code>" in out
    assert 'the <a class="qk-term" href="../glossary/#chain-rule"' in out
    assert out.endswith("and the chain rule.</p>")


def test_link_first_uses_leaves_raw_tex_alone():
    relu = make_term("ReLU")
    out = link_first_uses(r"<p>$\mathrm{ReLU}(z)$ is a ReLU</p>", [relu], lambda t: "#")
    link = '<a class="qk-term" href="#" title="Glossary: ReLU">ReLU</a>'
    assert out == r"<p>$\mathrm{ReLU}(z)$ is a " + link + "</p>"


def test_link_first_uses_leaves_quiz_widgets_alone():
    chain = make_term("chain rule")
    html = '<section class="qk-item"><p>chain rule</p></section><p>chain rule</p>'
    out = link_first_uses(html, [chain], lambda t: "#")
    assert out.startswith('<section class="qk-item"><p>chain rule</p></section><p><a ')


def test_link_first_uses_leaves_a_notebooks_code_and_its_copy_text_alone():
    # A code cell as mkdocs-jupyter writes it (outside any <pre>: the highlighted cell's
    # wrapper, and the plain text its copy button copies), then the prose after it.
    relu = make_term("ReLU")
    html = (
        '<div class="highlight-ipynb hl-python"><span class="c1"># a ReLU layer</span></div>'
        '<div class="clipboard-copy-txt" id="cell-4">a = (a @ w.T + b).relu()  # ReLU</div>'
        "<p>Each ReLU keeps its input.</p>"
    )
    out = link_first_uses(html, [relu], lambda t: "#")
    assert out.count('class="qk-term"') == 1
    assert out.endswith('<p>Each <a class="qk-term" href="#" title="Glossary: ReLU">ReLU</a>'
                        " keeps its input.</p>")  # fmt: skip


def test_link_first_uses_handles_several_terms_in_one_text_node():
    terms = [make_term("graph"), make_term("computational graph")]
    out = link_first_uses("<p>a computational graph and a graph</p>", terms, lambda t: t.slug)
    assert '<a class="qk-term" href="computational-graph"' in out
    assert out.count("<a ") == 2


# -- rendering and payloads ------------------------------------------------------------------


def test_payload_round_trips_unicode_and_hides_text():
    data = {"model": "<p>∂L/∂w = −9 «ok»</p>", "correct": [2]}
    encoded = encode_payload(data)
    assert re.fullmatch(r"[A-Za-z0-9+/=]+", encoded)
    assert "∂L" not in encoded and decode_payload(encoded) == data


def test_shuffled_is_deterministic_and_never_the_original_order():
    items = list(range(5))
    assert shuffled(items, "seed") == shuffled(items, "seed")
    for seed in map(str, range(50)):
        order = shuffled(items, seed)
        assert sorted(order) == items and order != items
    assert shuffled([1], "x") == [1]


def test_format_number_uses_six_significant_digits():
    assert format_number(-9.0) == "-9"
    assert format_number(1.0 / 3.0) == "0.333333"
    assert format_number(-0.0) == "0"
    assert format_number(1e-7) == "1e-07"


def test_tolerance_text_states_the_rule():
    text = tolerance_text(Tolerance(rel=0.01, abs=0.001))
    assert "within 1% of the exact value" in text and "within 0.001" in text
    assert "within 10\u207b\u2076 of it" in tolerance_text(Tolerance())
    assert readable_amount(2e-6) == "2e-06" and readable_amount(0.0) == "0"


def render_bank_html() -> tuple[Bank, str]:
    bank = fixture_bank()
    ctx = RenderContext(source=BASICS, trace_results=trace_results(bank))
    return bank, str(Renderer().bank(bank, ctx, level=1, toolbar="<div>TOOLBAR</div>"))


def sections(html: str) -> dict[str, str]:
    found = re.findall(r'(<section class="qk-item.*?</section>)', html, re.S)
    return {re.search(r'data-qk-id="([^"]+)"', s).group(1): s for s in found}


def without_fallback(section: str) -> str:
    return re.sub(r'<details class="qk-fallback"[^>]*>.*?</details>', "", section, flags=re.S)


def test_every_kind_renders_with_a_key_only_in_payload_and_fallback():
    bank, html = render_bank_html()
    items = sections(html)
    assert set(items) == {i.id for i in bank.items}
    assert "TOOLBAR" in html and "about 18 minutes" in html
    for item in bank.items:
        section = items[item.id]
        payload = decode_payload(re.search(r'data-qk-payload="([^"]+)"', section).group(1))
        assert payload["kind"] == item.kind
        assert "EXPLANATION" in payload["explanation"]
        question = without_fallback(section)
        # Explanations, model answers and feedback appear only in the payload and fallback.
        for secret in ("EXPLANATION", "MODEL-ANSWER", "FEEDBACK", "INTERVIEW-ANSWER"):
            assert secret not in question, (item.id, secret)
        assert '<details class="qk-fallback" data-search-exclude>' in section
        assert "<fieldset" in section or "<textarea" in section
    mcq = decode_payload(re.search(r'data-qk-payload="([^"]+)"', items["fx-mcq"]).group(1))
    shown = re.findall(r'<label for="qk-fx-mcq-o\d">(.*?)</label>', items["fx-mcq"])
    assert [shown[i] for i in mcq["correct"]] == ["6"]
    wrong = [f for f in mcq["feedback"] if f]
    assert len(wrong) == 2 and all("FEEDBACK" in f for f in wrong)


def test_matching_and_ordering_controls_carry_no_key():
    _, html = render_bank_html()
    items = sections(html)
    match = without_fallback(items["fx-match"])
    assert re.findall(r'<option value="(\d*)">', match) == ["", "0", "1", "2"] * 3
    assert "add" not in re.findall(r'value="([^"]*)"', match)
    payload = decode_payload(re.search(r'data-qk-payload="([^"]+)"', match).group(1))
    defs = re.findall(r"<li>(.*?)</li>", match.split("qk-definitions")[1].split("</ol>")[0])
    assert [defs[k] for k in payload["key"]] == [
        "passes the gradient unchanged",
        "swaps and scales",
        "routes it to the larger input",
    ]
    order = without_fallback(items["fx-order"])
    steps = re.findall(r'class="qk-step-text"[^>]*>(.*?)</span>', order)
    key = decode_payload(re.search(r'data-qk-payload="([^"]+)"', order).group(1))["order"]
    assert [steps[i] for i in key] == [
        "Forward pass",
        "Compute the loss",
        "Backward pass",
        "Update the weights",
    ]
    assert steps != [steps[i] for i in key]


def test_numeric_trace_payload_carries_the_runtime_spec():
    bank, html = render_bank_html()
    item = next(i for i in bank.items if isinstance(i, NumericTrace))
    section = sections(html)["fx-trace"]
    payload = decode_payload(re.search(r'data-qk-payload="([^"]+)"', section).group(1))
    assert payload["values"] == {"q": 5.0, "f": 20.0, "f.added": 9.0, "dfdx": 4.0}
    assert payload["spec"]["code"] == item.code and payload["spec"]["root"] == "f"
    assert payload["spec"]["params"]["x"] == {"value": 2.0, "range": [1.0, 3.0], "step": 1.0}
    assert payload["spec"]["expressions"] == numeric_trace.expressions(item)
    quantities = {q["name"]: q for q in payload["quantities"]}
    assert quantities["dfdx"]["tolerance"] == {"rel": 0.01, "abs": 0.001}
    assert quantities["f"]["mistakes"][0]["key"] == "f.added"
    assert 'inputmode="decimal"' in section and "within 1% of the exact value" in section
    # The no-JS fallback lists the build-time values.
    assert "<td>20</td>" in section


def test_trace_expressions_cover_quantities_and_mistakes():
    item = next(i for i in fixture_bank().items if isinstance(i, NumericTrace))
    assert numeric_trace.expressions(item) == {
        "q": "q.data",
        "f": "f.data",
        "f.added": "q.data + z",
        "dfdx": "xt.grad",
    }
    assert numeric_trace.fixed_params(item) == {"x": 2.0, "y": 3.0, "z": 4.0}


def test_trace_errors_name_bank_item_and_field(monkeypatch):
    # Only the error report is under test here, so the engine is replaced by one that fails.
    def failing(code, params, values, root=None):
        raise ValueError("quantity 'f' is not a scalar")

    from quizkit.backprop import worksheet

    monkeypatch.setattr(worksheet, "evaluate", failing)
    item = next(i for i in fixture_bank().items if isinstance(i, NumericTrace))
    with pytest.raises(ContentError) as err:
        numeric_trace_page.evaluate(item, BASICS)
    assert str(err.value) == f"{BASICS}: fx-trace: code: ValueError: quantity 'f' is not a scalar"


# -- banks, embeds, pages --------------------------------------------------------------------


def test_embeds_are_found_and_unknown_ids_reported_with_lines():
    md = "# T\n\n<!-- quiz: fx-mcq -->\n\ntext\n<!--quiz:nope-->\n"
    assert pages.embedded_ids(md) == ["fx-mcq", "nope"]
    with pytest.raises(ContentError) as err:
        pages.check_embeds(Path("l.md"), md, {"fx-mcq"})
    assert str(err.value) == "l.md:6: nope: quiz: no item has this id"
    assert pages.replace_embeds("<p>a</p><!-- quiz: fx-mcq -->", lambda i: f"[{i}]") == (
        "<p>a</p>[fx-mcq]"
    )


def test_notebook_mathjax_is_dropped_and_code_reachable():
    html = (
        "<p>a</p><!-- Load mathjax --><script src=''></script><!-- End of mathjax configuration -->"
    )
    assert pages.clean_notebook(html) == "<p>a</p>"
    cell = '<div class="highlight-ipynb hl-python"><pre>x = 1</pre></div>'
    assert pages.clean_notebook(cell).startswith(
        '<div class="highlight-ipynb hl-python" tabindex="0">'
    )
    cells = (
        '<div class="jp-Cell jp-MarkdownCell" id="cell-id=5bb507ef"><p>id="cell-id=1"</p></div>'
        '<div class="jp-Cell jp-CodeCell celltag_raises-exception" id="cell-id=45ff5704"></div>'
        '<div class="jp-Cell-inputWrapper"></div><div class="jp-Cell"></div>'
        '<div id="cell-id=0a" data-x="1" class="jp-Cell"></div>'
    )
    assert pages.clean_notebook(cells) == (
        '<div class="jp-Cell jp-MarkdownCell" id="jp-cell-1"><p>id="cell-id=1"</p></div>'
        '<div class="jp-Cell jp-CodeCell celltag_raises-exception" id="jp-cell-2"></div>'
        '<div class="jp-Cell-inputWrapper"></div><div class="jp-Cell"></div>'
        '<div id="jp-cell-3" data-x="1" class="jp-Cell"></div>'
    )
    plot = '<img src="data:image/png;base64,AAAA"><img alt="kept" src="x.png">'
    assert pages.clean_notebook(plot) == (
        '<img alt="Plot drawn by the code cell above" src="data:image/png;base64,AAAA">'
        '<img alt="kept" src="x.png">'
    )


# A notebook page as mkdocs-jupyter writes it: nbconvert's placeholder alt on every plot.
PLACEHOLDER = f'<img alt="{pages.NBCONVERT_PLACEHOLDER}" class="" src="data:image/png;base64,A">'
PLOT_CELL = (
    '<div class="highlight-ipynb hl-python"><pre><span class="n">fig</span>, (a, b) = '
    'plt.subplots(1, 2)\na.set_title(<span class="s2">&quot;Gradient norms &amp; '
    'depth&quot;</span>)\nb.set_title(<span class="s1">&#39;Loss&#39;</span>)'
    "\nplt.show()</pre></div>"
)


def alts(html: str) -> list[str]:
    return re.findall(r'<img alt="([^"]*)"', pages.clean_notebook(html))


def test_notebook_plots_are_described_by_their_titles():
    heading = '<h2 id="s">Deep nets<a class="anchor-link" href="#s">\u00b6</a></h2>'
    untitled = '<div class="highlight-ipynb hl-python"><pre>plt.plot(x)</pre></div>'
    html = heading + PLOT_CELL + PLACEHOLDER + untitled + PLACEHOLDER
    assert alts(html) == [
        "Plot: Gradient norms &amp; depth; Loss",  # escaped once, as an attribute must be
        "Plot drawn by the code cell above in the section \u201cDeep nets\u201d",
    ]
    assert pages.NBCONVERT_PLACEHOLDER not in pages.clean_notebook(html)
    # Each image keeps its other attributes, and an author's alt text is left alone.
    assert 'class="" src="data:image/png;base64,A">' in pages.clean_notebook(html)
    assert alts(PLOT_CELL + '<img alt="Two curves" src="p.png">') == ["Two curves"]


def test_plot_alt_names_each_title_once_and_reads_f_strings():
    cell = (
        '<div class="highlight-ipynb hl-python"><pre>ax.set_title(f"Loss at lr={lr:.2f}")\n'
        'ax2.set_title("Loss")</pre></div>'
    )
    twice = cell + cell.replace("highlight-ipynb", "copy")  # the source again
    assert pages.plot_alt(twice) == "Plot: Loss at lr=\u2026; Loss"


def test_every_notebook_plot_of_the_course_has_a_title_for_its_alt_text():
    """The course's plots get their alt text from their titles: each drawing cell sets one."""
    root = Path(__file__).resolve().parents[2] / "lessons_src"
    plots = 0
    for lesson in sorted(root.glob("*/lesson.py")):
        for cell in lesson.read_text(encoding="utf-8").split("# %%"):
            if "plt.show()" in cell:
                plots += 1
                assert pages.PLOT_TITLE.search(cell), f"{lesson}: a plot without a title"
    assert plots, "the course draws plots, so this check reads them"


# -- numbers shared with the browser ---------------------------------------------------------

ACCEPTED = {"-9": -9, "\u22129": -9, ".5": 0.5, "1e-3": 1e-3, "0,5": 0.5, "+2": 2, "5.": 5,
            " 4.25 ": 4.25, "2E3": 2000, "-1,5e\u22122": -0.015, "0,125": 0.125, "1,5": 1.5,
            "1,2345": 1.2345, "1000": 1000, "1.000": 1}  # fmt: skip
REJECTED = ["", "abc", "1.2.3", "1,2,3", "--9", "1e", "e3", "0x10", "NaN", "Infinity", "1 000",
            "\u00bd", "9-", ".", ",", "1/2", "<img src=x onerror=alert(1)>"]  # fmt: skip
# Refused with a message of their own (the text the browser must show, from client.py).
AMBIGUOUS = ["1,000", "-2,500", "12,345", "1,000,000", "12,345.5", "1,000e3"]
NOT_FINITE = ["1e309", "-1e309", "1,5e400", "\u22129e999"]
REFUSED = {
    **dict.fromkeys(AMBIGUOUS, client.NUMBER_AMBIGUOUS_HELP),
    **dict.fromkeys(NOT_FINITE, client.NUMBER_NOT_FINITE),
}


def read_number(text: str) -> float | str | None:
    """Apply the exported number rules (as quiz-check.js does) to check the rules themselves:
    the value, the message of a refusal that has one, or None for text that is no number."""
    text = text.strip()
    if re.match(client.NUMBER_AMBIGUOUS_PATTERN, text):
        return client.NUMBER_AMBIGUOUS_HELP
    if not re.match(client.NUMBER_PATTERN, text):
        return None
    for old, new in client.NUMBER_REPLACEMENTS.items():
        text = text.replace(old, new)
    value = float(text)
    return value if math.isfinite(value) else client.NUMBER_NOT_FINITE


@pytest.mark.parametrize("text", ACCEPTED)
def test_number_rules_accept(text):
    assert read_number(text) == pytest.approx(ACCEPTED[text])


@pytest.mark.parametrize("text", REJECTED)
def test_number_rules_reject(text):
    assert read_number(text) is None


@pytest.mark.parametrize("text", REFUSED)
def test_number_rules_refuse_with_a_reason(text):
    assert read_number(text) == REFUSED[text]


def test_the_help_names_only_numbers_the_rules_read():
    for example in client.NUMBER_EXAMPLES:
        assert isinstance(read_number(example), float), example
        assert example in client.NUMBER_HELP
    assert "1,000" in client.NUMBER_AMBIGUOUS_HELP and "1000" in client.NUMBER_AMBIGUOUS_HELP
    assert read_number("1000") == 1000 and read_number("1.000") == 1  # what it suggests


def test_client_config_module_is_the_exported_json():
    module = client.client_config_module()
    body = module.split("export default ", 1)[1].rstrip().rstrip(";")
    config = json.loads(body)
    assert config == client.client_config()
    assert config["items"] is None  # the course's ids come from the plugin's banks
    with_items = client.client_config_module({"b-2": "mcq", "a-1": "ordering"})
    shipped = json.loads(with_items.split("export default ", 1)[1].rstrip().rstrip(";"))
    assert shipped["items"] == {"a-1": "ordering", "b-2": "mcq"}
    assert config["defaultTolerance"] == {"rel": 1e-3, "abs": 1e-6}
    assert config["storageKey"].endswith(":v1") and config["storageVersion"] == 1
    assert config["kinds"] == list(__import__("quizkit.bank.model").bank.model.KINDS)


# -- progress schema ---------------------------------------------------------------------------


def test_progress_schema_covers_every_kind_and_reaches_the_browser():
    from quizkit.bank.model import KINDS
    from quizkit.mkdocs import progress

    schema = client.client_config()["progress"]
    assert schema == json.loads(json.dumps(progress.progress_schema()))
    assert set(schema["responses"]) == set(KINDS)
    known = {
        "text",
        "text|null",
        "bool",
        "self",
        "texts",
        "ints",
        "textmap",
        "nummap|null",
        "int|null",
    }
    for kind, fields in schema["responses"].items():
        assert fields and set(fields.values()) <= known, kind
    # A note fits in a record, and a record many times over in the total.
    assert schema["maxNoteChars"] < schema["maxRecordChars"] < schema["maxTotalChars"] / 20


def test_the_scoring_rule_in_the_page_states_the_numbers_the_browser_uses():
    from markupsafe import escape

    from quizkit.mkdocs import progress

    rule = progress.scoring_rule()
    assert f"{round(progress.HINT_COST * 100)}% off" in rule
    assert f"{round(progress.RECHECK_COST * 100)}% off" in rule
    assert f"below {round(progress.MIN_CREDIT * 100)}%" in rule
    html = Renderer().toolbar()
    assert str(escape(rule)) in html and "How the score is counted" in html
    assert f"{progress.MAX_NOTE_CHARS:,} characters" in html


@pytest.mark.parametrize(
    ("markdown", "plain"),
    [
        (r"$\partial v/\partial u$: from this step alone", "∂v/∂u: from this step alone"),
        (r"about $9.5 \times 10^{-7}$", "about 9.5 × 10⁻⁷"),
        (
            r"grows like $\sqrt{L}$; about $L^2/2$ evaluations",
            "grows like √L; about L²/2 evaluations",
        ),
        (r"the factor $s^T$, then $\tanh'$", "the factor sᵀ, then tanh′"),
        (r"$\frac{1}{n}$ and $\frac{a+b}{2}$", "1/n and (a+b)/2"),
        (r"$z_{k}$, $W_1$ and $x_{\text{in}}$", "zₖ, W₁ and xᵢₙ"),
        (r"**bold**, `code`", "bold, code"),
    ],
)
def test_plain_text_shows_math_where_html_cannot_go(markdown, plain):
    from quizkit.mkdocs.render import plain_text

    assert plain_text(markdown) == plain
