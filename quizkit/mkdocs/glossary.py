"""The course glossary: merging every lesson's terms.yml, spotting terms, linking them."""

from __future__ import annotations

import collections
import functools
import itertools
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from html import escape, unescape
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from quizkit.bank.load import LoadedYaml, Loc, read_yaml
from quizkit.bank.model import Bank
from quizkit.bank.problem import Problem
from quizkit.bank.validate import control_characters, title_problems, unsafe_html

from .lessons import ContentError


class TermEntry(BaseModel):
    """One entry of a lesson's terms.yml."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    term: Annotated[str, Field(min_length=1)]
    definition: Annotated[str, Field(min_length=1)]
    aliases: list[Annotated[str, Field(min_length=1)]] = []


@dataclass(frozen=True)
class Term:
    """A glossary term with where it was defined."""

    term: str
    definition: str
    aliases: tuple[str, ...]
    slug: str
    source: Path
    lesson_title: str
    lesson_url: str
    line: int = 1  # of its entry in `source`

    @property
    def names(self) -> tuple[str, ...]:
        """The term and its aliases: every spelling that links to the definition."""
        return (self.term, *self.aliases)


def slugify(text: str) -> str:
    """An ASCII name for a lesson's folder: its ASCII letters and digits, casefolded, accents
    dropped first ("é" -> "e"), each run of anything else one "-" ("Vanishing gradients!" ->
    "vanishing-gradients", "Fréchet" -> "frechet", "σ-algebras" -> "algebras"); "" if none."""
    unaccented = "".join(
        c for c in unicodedata.normalize("NFD", text.casefold()) if not unicodedata.combining(c)
    )
    return re.sub(r"[^a-z0-9]+", "-", unaccented).strip("-")


def term_anchor(term: str) -> str:
    """The anchor of a term's entry on the glossary page: the term as the links match it (fold:
    either case), each run of separators one "-" ("chain rule" -> "chain-rule", "Σ" -> "σ",
    "∇f" -> "∇f", "ŷ" -> "ŷ"). Separators are spaces, invisible characters, dashes and ASCII's
    punctuation and symbols, so every anchor of the course reads as it did when anchors kept
    only ASCII letters and digits ("vector–Jacobian product" -> "vector-jacobian-product"),
    and no other character of a term is dropped. A term that is all separators ("+") is named
    by its code points after a "_", which no other anchor starts with ("_u002b")."""
    folded = unicodedata.normalize("NFC", fold(term))
    anchor = re.sub("-+", "-", "".join("-" if _separates(c) else c for c in folded)).strip("-")
    return anchor or "_" + "-".join(f"u{ord(c):04x}" for c in term if _visible(c))


def _separates(char: str) -> bool:
    if char.isascii():
        return not char.isalnum()
    if char in _JOINERS:
        return False
    return _draws_nothing(char) or unicodedata.category(char) in ("Pd", "Zs", "Zl", "Zp", "Cc")


class _LoadedTerms(LoadedYaml):
    """A terms.yml as read by the bank loader: problems name the entry's term."""

    def owner(self, loc: Loc) -> tuple[str, Loc]:
        if loc and isinstance(loc[0], int):
            entry = self.raw[loc[0]] if isinstance(self.raw, list) else None
            term = entry.get("term") if isinstance(entry, dict) else None
            # As a reader would see it; a blank or invisible term is named by its place.
            shown = " ".join(term.split()) if isinstance(term, str) else ""
            named = shown and _visible(shown) and shown.isprintable()
            return (shown if named else f"entry {loc[0] + 1}"), loc[1:]
        return self.WHOLE, loc


def load_terms(path: Path, lesson_title: str, lesson_url: str) -> list[Term]:
    """Read one terms.yml (a list of {term, definition, aliases}); every problem is raised
    at once as a ContentError of `path:line: term: field: message` lines."""
    terms, problems = read_terms(path, lesson_title, lesson_url)
    if problems:
        raise ContentError([str(p) for p in problems])
    return terms


def read_terms(
    path: Path, lesson_title: str = "", lesson_url: str = "", shown: str | None = None
) -> tuple[list[Term], list[Problem]]:
    """The terms of one terms.yml and every problem with it (the build's and
    `quizkit check`'s, so the two agree); problems name the file as `shown` (default: path)."""
    loaded = _LoadedTerms(str(path) if shown is None else shown)
    if read_yaml(path, loaded) and not isinstance(loaded.raw, list):
        message = "expected a list of {term, definition, aliases}"
        loaded.problems.append(loaded.file_problem(1, "-", message))
    if loaded.problems:
        return [], sorted(loaded.problems)
    terms = []
    for index, raw in enumerate(loaded.raw):
        try:
            entry = TermEntry.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                loaded.problems.append(loaded.problem((index, *err["loc"]), err["msg"]))
            continue
        # A term is the heading of its glossary entry; every spelling is shown as written.
        spellings = [((index, "term"), entry.term)]
        spellings += [((index, "aliases", k), alias) for k, alias in enumerate(entry.aliases)]
        for loc, name in spellings:
            loaded.problems += title_problems(loaded, loc, name)
            if not _visible(name):  # min_length lets " ", a no-break space, a U+200B through
                message = "is blank or invisible: a spelling needs a character a reader sees"
                loaded.problems.append(loaded.problem(loc, message))
        terms.append(
            Term(
                term=entry.term,
                definition=entry.definition,
                aliases=tuple(entry.aliases),
                slug=term_anchor(entry.term),
                source=path,
                lesson_title=lesson_title,
                lesson_url=lesson_url,
                line=loaded.locator.line((index,)),
            )
        )
    # Definitions are rendered like bank text, so they are held to the same rules.
    loaded.problems += unsafe_html(loaded)
    loaded.problems += control_characters(loaded)
    return terms, sorted(loaded.problems)


# Characters that draw nothing, or only change how the character before them is drawn:
# Hangul's fillers and Braille's blank, the combining grapheme joiner, Khmer's and Mongolian's
# inherent vowels and selectors, and the variation selectors; with every format character
# (category Cf: a zero-width space, a soft hyphen, the joiners, bidirectional controls, tags)
# but the few that are drawn (the Arabic, Syriac and Kaithi signs that span a number).
_DRAWS_NOTHING = frozenset(
    "\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5\u180b\u180c\u180d\u180f"
    + "".join(map(chr, range(0xFE00, 0xFE10)))
    + "".join(map(chr, range(0xE0100, 0xE01F0)))
)
_DRAWN_FORMAT = frozenset(
    "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"
)
# Invisible, but part of how some scripts and emoji are written: kept in anchors.
_JOINERS = frozenset("\u200c\u200d")


def _draws_nothing(char: str) -> bool:
    if char in _DRAWS_NOTHING:
        return True
    return unicodedata.category(char) == "Cf" and char not in _DRAWN_FORMAT


def _visible(name: str) -> bool:
    """Whether `name` has a character a reader sees: not only spaces, controls and characters
    that draw nothing (a character newer than this Python's Unicode counts as seen)."""
    return any(
        not c.isspace() and not _draws_nothing(c) and unicodedata.category(c) not in ("Cc", "Cs")
        for c in name
    )


def _skeleton(spelling: str) -> str:
    """`spelling` as the links compare it and a reader sees it: folded (either case),
    composed (an accent as one character or two), without what draws nothing, one space
    between words. Two spellings with one skeleton look alike, or link alike."""
    drawn = "".join(c for c in unicodedata.normalize("NFC", spelling) if not _draws_nothing(c))
    return " ".join(fold(drawn).split())


def merge_terms(groups: Iterable[list[Term]]) -> list[Term]:
    """All terms in alphabetical order; a spelling defined twice is an error naming both files."""
    groups = list(groups)
    problems = duplicate_terms(groups)
    if problems:
        raise ContentError([str(p) for p in problems])
    unique = {id(t): t for group in groups for t in group}.values()
    return sorted(unique, key=lambda t: t.term.casefold())


def duplicate_terms(groups: Iterable[list[Term]]) -> list[Problem]:
    """A problem for each spelling (term or alias) that would link a text an earlier entry's
    spelling links, or that looks like one; and for each term whose glossary anchor an
    earlier term has. The pages link a spelling in either case, with any spaces between its
    words, and as a plural (term_pattern), so a spelling links its skeleton, plus "s" and
    plus "es": two spellings clash when those overlap ("cost" and "costs", "GAT" and "gate",
    which both link "gates"). One lookup per spelling, however large the course."""
    linked: dict[str, tuple[Term, str]] = {}  # a text linked -> the entry and spelling
    anchors: dict[str, Term] = {}
    problems = []
    for term in (term for group in groups for term in group):
        messages = []
        for name in term.names:
            skeleton = _skeleton(name)
            if not skeleton:
                continue  # blank: read_terms refuses it
            texts = (skeleton, skeleton + "s", skeleton + "es")
            clash = next(
                (linked[t] + (t,) for t in texts if linked.get(t, (term,))[0] is not term), None
            )
            if clash is not None:
                messages.append(_clash_message(name, *clash))
                continue
            for text in texts:
                linked.setdefault(text, (term, name))
        first = anchors.setdefault(term.slug, term)
        if first is not term and not messages:  # a clash of spellings says enough
            messages.append(
                f"its glossary anchor #{term.slug} is the one of '{first.term}' ({first.source}:"
                f"{first.line}): spell one of them differently"
            )
        problems += [Problem(str(term.source), term.line, term.term, "term", m) for m in messages]
    return problems


def page_id_clashes(html: str, terms: Iterable[Term]) -> list[Problem]:
    """A problem for each term whose anchor is also the id of another element of the glossary
    page, whose content as built is `html` (its heading "Glossary" has the id "glossary":
    a link to the term "Glossary" would land on the heading)."""
    ids = collections.Counter(unescape(i) for i in re.findall(r'\sid="([^"]*)"', html))
    message = (
        "its glossary anchor #{} is also the id of another element of the glossary page (a"
        " heading of it): spell the term differently, or give the heading another id"
    )
    return [
        Problem(str(t.source), t.line, t.term, "term", message.format(t.slug))
        for t in terms
        if ids[t.slug] > 1
    ]


def _clash_message(name: str, first: Term, spelt: str, text: str) -> str:
    where = f"{first.source}:{first.line}"
    if _skeleton(name) != _skeleton(spelt):
        return (
            f"'{name}' and '{spelt}' ({where}, '{first.term}') would both link '{text}': the"
            " pages link a spelling in either case and as a plural"
        )
    if fold(" ".join(name.split())) == fold(" ".join(spelt.split())):
        return f"'{name}' is already defined in {where} ('{first.term}')"
    return (
        f"'{name}' looks the same as '{spelt}' ({where}, '{first.term}'): they differ only in"
        " characters that draw nothing or in how an accent is encoded"
    )


def _mark_ranges() -> list[tuple[int, int]]:
    """The code point ranges of what joins the characters beside it into one: combining
    marks, variation selectors, emoji skin tones and the zero-width joiner (re's \\w has
    none of them)."""
    ranges: list[list[int]] = []
    # Unicode has no marks beyond plane 1 but the variation selectors of plane 14.
    for code in itertools.chain(range(0x20000), range(0xE0000, 0xE1000)):
        mark = unicodedata.category(chr(code)) in ("Mn", "Mc", "Me")
        if mark or code == 0x200D or 0x1F3FB <= code <= 0x1F3FF:  # emoji skin tones
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return [(a, b) for a, b in ranges]


def _marks(ranges: list[tuple[int, int]], limit: int = 0x10FFFF) -> str:
    """A character class of the `ranges` up to code point `limit`."""
    kept = [(a, min(b, limit)) for a, b in ranges if a <= limit]
    return "[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in kept) + "]"


# A use is a whole word: not next to a letter, a digit or "-", nor to a mark that joins it to
# the character beside it ("y" is not a use of a term "y" in "ŷ" written as y and U+0302, nor
# "मान" in "अनुमान", nor "💻" in the emoji "👩‍💻"). Before a use, only the marks of the first
# plane are looked for: the look-behind is tried at every position of every text searched,
# and a class reaching beyond it is a list the engine reads through each time (seven times
# slower a search); the few marks beyond (skin tones, old scripts') mostly follow a letter.
_MARK_RANGES = _mark_ranges()
_WORD_BEFORE = rf"(?<![\w-]|(?-i:{_marks(_MARK_RANGES, 0xFFFF)}))"
_WORD_GOES_ON = rf"(?![\w-]|(?-i:{_marks(_MARK_RANGES)}))"


def _name_pattern(name: str) -> str:
    # Line breaks inside a term still count as a use.
    return r"\s+".join(re.escape(w) for w in name.split())


def term_pattern(term: Term) -> re.Pattern[str]:
    """A case-insensitive pattern matching any spelling of the term as whole words."""
    return _pattern(term.names)


@functools.cache  # by spellings alone: an edited definition under `mkdocs serve` reuses it
def _pattern(names: tuple[str, ...]) -> re.Pattern[str]:
    ordered = sorted(names, key=len, reverse=True)
    spellings = "|".join(_name_pattern(n) for n in ordered)
    # Whole words, and plurals ("vanishing gradients") too.
    return re.compile(rf"{_WORD_BEFORE}(?:{spellings})(?:s|es)?{_WORD_GOES_ON}", re.IGNORECASE)


# A build looks for every term in every question's text and in every text node of every page
# (about 420,000 searches), and a pattern that starts with a look-behind is tried at every
# position of the text. A substring test first rules out almost all of them: a cached build
# of the course went from 13.2-13.7 s to 11.5 s, the site byte for byte the same. It must
# never rule out a text the pattern matches: re.IGNORECASE matches an ASCII letter to the
# letters casefold() turns into it, and also "i" to "İ" and dotless "ı", which fold() turns
# into "i" first (tests/site/test_site_units.py checks every code point).


def fold(text: str) -> str:
    """`text` casefolded as term_pattern compares letters: a term's match in `text` is a match
    of its casefolded words in fold(text)."""
    return text.replace("İ", "i").replace("ı", "i").casefold()


@functools.cache
def _clues(names: tuple[str, ...]) -> tuple[str, ...] | None:
    """The casefolded first word of each spelling, one of which every match contains; None
    (search every text) when a first word is not ASCII, where fold() is not proven right."""
    firsts = [name.split()[:1] for name in names]
    if not all(first and first[0].isascii() for first in firsts):
        return None
    return tuple(first[0].casefold() for first in firsts)


def may_occur(term: Term, folded: str) -> bool:
    """False only when term_pattern(term) cannot match the text whose fold() is `folded`."""
    clues = _clues(term.names)
    return clues is None or any(clue in folded for clue in clues)


def terms_used(terms: Iterable[Term], texts: Iterable[str]) -> list[Term]:
    """The terms that occur in any of `texts`, in glossary order."""
    # Joined by a character that is neither a word's nor a space (the pattern's \s+ between a
    # term's words): a term's words at the end of one text and the start of the next are
    # not a use of it.
    blob = "\x00".join(texts)
    folded = fold(blob)
    return [t for t in terms if may_occur(t, folded) and term_pattern(t).search(blob)]


# Fields of a bank that a learner reads (ids, code and evidence are not prose).
_PROSE_FIELDS = {"title", "intro", "prompt", "text", "explanation", "hints", "model_answer",
                 "term", "definition", "answer", "question", "label", "feedback"}  # fmt: skip


def bank_texts(bank: Bank) -> list[str]:
    """The learner-facing text of a bank, where its glossary terms are looked for."""

    def walk(value, key=None):
        if isinstance(value, str):
            if key in _PROSE_FIELDS:
                yield value
        elif isinstance(value, dict):
            for k, v in value.items():
                yield from walk(v, k)
        elif isinstance(value, list):
            for v in value:
                yield from walk(v, key)

    return list(walk(bank.model_dump()))


# Elements whose text must never become a link: links themselves, code, headings, form
# controls and their labels, math, and the quiz widgets; and a notebook's code cells as
# mkdocs-jupyter writes them (highlight-ipynb), with the copy button's plain text of the
# code (clipboard-copy-txt), a <div> outside the cell's <pre>.
_SKIP_TAGS = {
    "a", "code", "pre", "script", "style", "h1", "h2", "h3", "h4", "h5", "h6",
    "label", "button", "summary", "select", "option", "textarea", "legend", "svg",
    "kbd", "math", "abbr", "dt",
}  # fmt: skip
_SKIP_CLASS = re.compile(
    r"""class\s*=\s*["'][^"']*\b(arithmatex|katex|qk-item|qk-bank|highlight-ipynb|clipboard-copy-txt)\b"""
)
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}  # fmt: skip
# What is not prose in a text node: TeX still written between dollars (notebook Markdown keeps
# it that way), and character references ("&gt;": a term "GT" must not link inside one).
_NOT_PROSE = re.compile(
    r"(\$\$.*?\$\$|\$[^$]+\$|&(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);)", re.DOTALL
)
_TOKEN = re.compile(r"(<!--.*?-->|<[^>]*>)", re.DOTALL)
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)")


def link_first_uses(html: str, terms: Iterable[Term], href: Callable[[Term], str]) -> str:
    """Link the first use of each term in the page's prose to its glossary entry.

    Text inside links, code, headings, math, form controls and quiz widgets is left alone.
    """
    # Longer terms first, so "computational graph" is linked whole rather than its "graph".
    ordered = sorted(terms, key=lambda t: max(len(n) for n in t.names), reverse=True)
    pending = [(t, term_pattern(t)) for t in ordered]
    pieces = _TOKEN.split(html)
    stack: list[tuple[str, bool]] = []  # (tag, skipping) for each open element
    for i, piece in enumerate(pieces):
        if not pending:
            break
        if i % 2 == 1:  # a tag or a comment
            match = _TAG.match(piece)
            if not match:
                continue
            closing, tag = match.group(1) == "/", match.group(2).lower()
            if closing:
                while stack:
                    if stack.pop()[0] == tag:
                        break
            elif tag not in _VOID and not piece.endswith("/>"):
                skipping = tag in _SKIP_TAGS or bool(_SKIP_CLASS.search(piece))
                stack.append((tag, skipping))
            continue
        if any(skipping for _, skipping in stack) or not piece.strip():
            continue
        pieces[i], pending = _link_in_text(piece, pending, href)
    return "".join(pieces)


def _link_in_text(text, pending, href):
    # The text node as segments; a segment that became a link is never searched again, and
    # neither is what is not prose (_NOT_PROSE).
    segments: list[tuple[str, bool]] = [
        (part, i % 2 == 1) for i, part in enumerate(_NOT_PROSE.split(text))
    ]
    # Each segment is a piece of `text`, and fold() maps letter by letter: a term whose clue
    # is not in fold(text) is in none of them.
    folded = fold(text)
    still = []
    for term, pattern in pending:
        if not may_occur(term, folded):
            still.append((term, pattern))
            continue
        for k, (segment, is_link) in enumerate(segments):
            match = None if is_link else pattern.search(segment)
            if match:
                link = (
                    f'<a class="qk-term" href="{href(term)}" title="Glossary: {escape(term.term)}">'
                    f"{match.group(0)}</a>"
                )
                segments[k : k + 1] = [
                    (segment[: match.start()], False),
                    (link, True),
                    (segment[match.end() :], False),
                ]
                break
        else:
            still.append((term, pattern))
    return "".join(s for s, _ in segments), still
