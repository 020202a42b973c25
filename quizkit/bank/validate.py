"""Checks that need more than the schema: the rules a bank must follow to be fair to learners.

The schema (quizkit.bank.model) says what shape an item has; this module says whether it
makes sense. The rules every item keeps are here: no typed keys, no repeated topics or
hints, no item id used twice in the course, and no HTML that could run code in the page.
Each kind's own rules (one key per multiple-choice question, feedback on every wrong
option, tolerances that neither demand exact floats nor accept anything, parameter ranges
that contain their value, ...) are in its module, quizkit/bank/kinds/<kind>.py.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from . import kinds, safe_html
from .kinds.base import duplicates
from .load import LoadedBank, LoadedYaml
from .problem import Loc, Problem

# Fields holding Python rather than Markdown: never rendered as HTML, so not scanned.
PYTHON_FIELDS = frozenset({"evidence", "code", "value"})

_SCRIPT = re.compile(r"<\s*/?\s*(script|iframe|object|embed)\b", re.IGNORECASE)
_HANDLER = re.compile(r"<[a-zA-Z][^<>]*?\s(on[a-zA-Z]+)\s*=", re.DOTALL)
_JS_URL = re.compile(r"javascript\s*:", re.IGNORECASE)


def check_bank(loaded: LoadedBank, reserved: frozenset[str] = frozenset()) -> list[Problem]:
    """Every semantic problem in one loaded bank (schema problems are already in `loaded`).

    `reserved` holds the names the evidence namespace defines (np, Tensor, ...); a
    numeric_trace parameter must not hide one of them.
    """
    problems = list(unsafe_html(loaded)) + list(control_characters(loaded))
    if isinstance(loaded.raw, dict) and isinstance(loaded.raw.get("title"), str):
        problems += title_problems(loaded, ("title",), loaded.raw["title"])
    for index, item in loaded.items:
        at = ("items", index)
        problems += [loaded.problem(at + loc, msg) for loc, msg in item_problems(item, reserved)]
        for lineno, statement in typed_answers(item):
            line = loaded.locator.text_line(at + ("evidence",), lineno)
            message = (
                f"`{statement}` types the key into its own evidence, which then only agrees"
                " with itself: derive `answer` by running the engine (observe, measure,"
                " compute), or mark the item `conceptual: <reason>`"
            )
            problems.append(loaded.problem(at + ("evidence",), message, line=line))
    return problems


def typed_answers(item: Any) -> Iterator[tuple[int, str]]:
    """(line in the evidence, statement) for each typed key of a non-conceptual item.

    A key is typed when `answer` is bound to a literal (anything `ast.literal_eval` accepts:
    an option id, True, a dict or list of ids), to a plain conversion of literals
    (`str("b")`, `"".join(["b"])`, `list(("a", "b"))`), or to a name that is only ever bound
    to such values. Items marked conceptual may do this; they say why instead. Evidence can
    still hide a typed key behind real computation; the engine-bug run of
    `quizkit check --mutation` is what finds that.
    """
    if item.conceptual or not item.evidence:
        return
    try:
        tree = ast.parse(item.evidence)
    except SyntaxError:
        return  # the evidence runner reports it, with its line
    bindings: dict[str, list[ast.expr | None]] = {}
    for node in ast.walk(tree):
        for name, value in _bindings(node):
            bindings.setdefault(name, []).append(value)
    for node in ast.walk(tree):
        for name, value in _bindings(node):
            if name != "answer" or value is None or not _typed(value, bindings):
                continue
            statement = " ".join((ast.get_source_segment(item.evidence, node) or "").split())
            yield node.lineno, statement if len(statement) <= 60 else statement[:57] + "..."


# Calls that only convert what they are given: applied to literals, they type a literal.
_CONVERSIONS = frozenset({"str", "bool", "int", "float", "list", "tuple", "dict", "set", "sorted"})


def _bindings(node: ast.AST) -> Iterator[tuple[str, ast.expr | None]]:
    """(name, value) for each name `node` binds; value None when it is not a plain `=`."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Name):
                yield target.id, node.value
            else:  # unpacking, attributes, subscripts: bound, but not to a plain value
                for sub in ast.walk(target):
                    if isinstance(sub, ast.Name):
                        yield sub.id, None
    elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        yield node.target.id, node.value
    elif isinstance(node, ast.AugAssign | ast.For | ast.comprehension | ast.NamedExpr):
        target = node.target
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name):
                yield sub.id, None
    elif isinstance(node, ast.FunctionDef | ast.ClassDef):
        yield node.name, None
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        # seen.append(...), seen.update(...): the name's value changes after binding
        if isinstance(node.func.value, ast.Name):
            yield node.func.value.id, None


def _typed(value: ast.expr, bindings: dict[str, list[ast.expr | None]], depth: int = 0) -> bool:
    """Whether `value` can only be something the author typed (see `typed_answers`)."""
    if depth > 8:
        return False
    try:
        ast.literal_eval(value)
        return True
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        pass
    if isinstance(value, ast.Name):
        bound = bindings.get(value.id)
        return bool(bound) and all(v is not None and _typed(v, bindings, depth + 1) for v in bound)
    if isinstance(value, ast.Call) and not value.keywords:
        func = value.func
        converts = isinstance(func, ast.Name) and func.id in _CONVERSIONS
        joins = (
            isinstance(func, ast.Attribute)
            and func.attr == "join"
            and isinstance(func.value, ast.Constant)
        )
        return (converts or joins) and all(_typed(a, bindings, depth + 1) for a in value.args)
    return False


def item_problems(item: Any, reserved: frozenset[str] = frozenset()) -> Iterator[tuple[Loc, str]]:
    """(location inside the item, message) for each rule the validated `item` breaks: the
    rules every item keeps, then its kind's own (quizkit/bank/kinds/<kind>.py)."""
    kind = kinds.of(item)
    yield from duplicates(item.topics, ("topics",), "topic")
    yield from duplicates(item.hints, ("hints",), "hint")
    if item.conceptual and kind.never_conceptual:
        yield (
            ("conceptual",),
            f"a {item.kind} item cannot be conceptual: its key is something the engine can"
            " show (a computed number, an observed order or pairing), so derive it",
        )
    yield from kind.problems(item, reserved)


# Control characters (other than tab and line breaks) never belong in learner-facing text;
# they almost always come from a backslash escape in a double-quoted YAML string: "\approx"
# is a bell character followed by "pprox".
# A carriage return counts: YAML turns every line break in a file into "\n", so a "\r" can
# only come from an escape, and Markdown would start a new line (or block) there.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def title_problems(loaded: LoadedYaml, loc: Loc, text: str) -> list[Problem]:
    """A problem if `text`, at `loc`, cannot be a title (safe_html.title_problem)."""
    message = safe_html.title_problem(text)
    return [] if message is None else [loaded.problem(loc, message)]


def control_characters(loaded: LoadedYaml) -> Iterator[Problem]:
    """A problem for each control character in a text field of `loaded`."""
    for loc, text in _strings(loaded.raw, ()):
        for match in _CONTROL.finditer(text):
            lineno = text.count("\n", 0, match.start()) + 1
            line = loaded.locator.text_line(loc, lineno)
            message = (
                f"holds the control character U+{ord(match.group()):04X}, which a backslash"
                ' escape in a double-quoted YAML string makes ("\\approx" starts with \\a):'
                " use single quotes or a block scalar for text with backslashes"
            )
            yield loaded.problem(loc, message, line=line)


def unsafe_html(loaded: LoadedYaml) -> Iterator[Problem]:
    """The lint's findings in each text field and, for a field it passes, what the site's
    sanitiser would remove from its rendered HTML (quizkit.bank.safe_html), or why the field
    cannot be rendered (`markdown_problems`)."""
    markdown = site_markdown(Path(loaded.path))
    for loc, text in _strings(loaded.raw, ()):
        too_costly = costly_markdown(text)
        if too_costly:
            lineno, message = too_costly
            yield loaded.problem(loc, message, line=loaded.locator.text_line(loc, lineno))
            continue  # rendering it is what must not happen
        linted = False
        for pattern, describe in (
            (_SCRIPT, lambda m: f"raw HTML <{m.group(1).lower()}> is not allowed"),
            (_HANDLER, lambda m: f"HTML event handler attribute {m.group(1)}= is not allowed"),
            (_JS_URL, lambda m: "javascript: URLs are not allowed"),
        ):
            for match in pattern.finditer(text):
                linted = True
                lineno = text.count("\n", 0, match.start()) + 1
                line = loaded.locator.text_line(loc, lineno)
                yield loaded.problem(loc, describe(match), line=line)
        if linted:
            continue  # the lint names the line; the sanitiser would only say it again
        for lineno, message in markdown_problems(text, markdown, checked_cost=True):
            yield loaded.problem(loc, message, line=loaded.locator.text_line(loc, lineno))


# The longest text field of the course has about 2,100 characters; Markdown is rendered in
# time that can grow with the square of a paragraph's length, so a field is bounded.
MAX_TEXT = 10_000
# Python-Markdown looks for the end of each `[` and `<` over the rest of the paragraph: a few
# thousand of them take minutes. The course's busiest paragraph has 13 `[`; 32 of either
# renders in milliseconds.
MAX_OPENERS = 32
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
# Each list or quote marker opening a line nests one level deeper, and Python-Markdown
# recurses once per level: 600 of them exhaust Python's stack. The course nests 2 deep.
MAX_NESTING = 16
_NESTED = re.compile(
    rf"^(?:[ \t]*(?:[-*+>]|[0-9]{{1,9}}[.)])[ \t]+){{{MAX_NESTING + 1}}}", re.MULTILINE
)


def costly_markdown(text: str, *, max_length: int | None = MAX_TEXT) -> tuple[int, str] | None:
    """(line in `text`, why) when rendering `text` could take long, else None.

    Checked before rendering: the site's renderer must never be handed such text.
    """
    if max_length is not None and len(text) > max_length:
        return 1, (
            f"{len(text):,} characters, more than the {max_length:,} a text field may hold:"
            " shorten it or split the item"
        )
    nested = _NESTED.search(text)
    if nested:
        return text.count("\n", 0, nested.start()) + 1, (
            f"lists or quotes nested more than {MAX_NESTING} deep on one line, more than the"
            " site's Markdown renderer can follow: flatten them"
        )
    start = 0
    for gap in [*_PARAGRAPH.finditer(text), None]:
        end = gap.start() if gap else len(text)
        for opener in "[<":
            count = text.count(opener, start, end)
            if count > MAX_OPENERS:
                return text.count("\n", 0, start) + 1, (
                    f"a paragraph with {count} '{opener}', more than the {MAX_OPENERS} the"
                    " site renders in reasonable time: write fewer, or split the paragraph"
                )
        start = gap.end() if gap else end
    return None


def markdown_problems(
    text: str, markdown: Any, *, lesson: bool = False, checked_cost: bool = False
) -> list[tuple[int, str]]:
    """(line in `text`, message) for each problem of Markdown `text` as `markdown` (the
    site's renderer) renders it: too costly to render (`costly_markdown`, unless the caller
    `checked_cost`), nested too deeply for the renderer, or HTML the sanitiser would remove
    (quizkit.bank.safe_html.removals; `lesson` selects the lesson page's list)."""
    if not checked_cost:
        too_costly = costly_markdown(text, max_length=None if lesson else MAX_TEXT)
        if too_costly:
            return [too_costly]
    try:
        html = markdown.unsanitised(text)
    except RecursionError:
        # Python-Markdown recurses once per nested list, quote or HTML block.
        message = (
            "nested too deeply for the Markdown renderer (lists, quotes or HTML blocks inside"
            " one another): flatten it"
        )
        return [(1, message)]
    return [(_line_of(text, r), r.message) for r in safe_html.removals(html, lesson=lesson)]


def _line_of(text: str, removed: safe_html.Removal) -> int:
    """The line of `text` (1-based) that first shows what was removed, else its first line."""
    lowered = text.lower()
    for needle in removed.needles:
        at = lowered.find(needle.lower())
        if needle and at >= 0:
            return text.count("\n", 0, at) + 1
    return 1


SITE_CONFIG = "mkdocs.yml"


def site_markdown(path: Path):
    """The Markdown renderer of the site `path` belongs to: the extensions listed in the
    nearest mkdocs.yml above it (the build renders with that list), else the renderer's
    defaults. Made once per site."""
    for folder in Path(path).resolve().parents:
        if (folder / SITE_CONFIG).is_file():
            return _renderer(folder / SITE_CONFIG)
    return _renderer(None)


@functools.cache
def _renderer(config: Path | None):
    # Imported here: Markdown is needed only once a bank is checked, not for the model.
    from quizkit.mkdocs.render import MarkdownRenderer

    if config is None:
        return MarkdownRenderer()
    return MarkdownRenderer(*markdown_extensions(config))


class _ConfigLoader(yaml.SafeLoader):
    """Reads mkdocs.yml, whose `!ENV` and `!!python/name:` values no extension list needs."""


_ConfigLoader.add_multi_constructor("!", lambda loader, suffix, node: None)
_ConfigLoader.add_multi_constructor("tag:yaml.org,2002:python/", lambda loader, s, n: None)


def markdown_extensions(config: Path) -> tuple[list[str], dict[str, dict]]:
    """The `markdown_extensions` of an mkdocs.yml: their names, and each one's settings."""
    data = yaml.load(config.read_text(encoding="utf-8"), Loader=_ConfigLoader) or {}
    names: list[str] = []
    settings: dict[str, dict] = {}
    for entry in data.get("markdown_extensions") or []:
        if isinstance(entry, dict):
            for name, options in entry.items():
                names.append(name)
                settings[name] = options or {}
        else:
            names.append(entry)
    return names, settings


# A mapping key that is a plain name holds no markup; any other is text like the rest.
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def _strings(node: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    """Every text value under `node` (keys that are not plain names too), with its path.

    After the loader (which builds only text, numbers, true/false, null, lists and
    mappings), nothing else can hold text.
    """
    if isinstance(node, str):
        yield loc, node
    elif isinstance(node, dict):
        for key, value in node.items():
            if isinstance(key, str) and not _PLAIN_KEY.fullmatch(key):
                yield loc + (key,), key
            if key in PYTHON_FIELDS and isinstance(value, str):
                continue
            yield from _strings(value, loc + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, loc + (index,))


def duplicate_ids(banks: list[LoadedBank]) -> list[Problem]:
    """One problem per use of an item id that appears more than once in the course."""
    uses: dict[str, list[tuple[LoadedBank, int]]] = {}
    for loaded in banks:
        for index, item in loaded.items:
            uses.setdefault(item.id, []).append((loaded, index))
    problems = []
    for item_id, places in uses.items():
        if len(places) < 2:
            continue
        for loaded, index in places:
            others = [
                f"{other.path}:{other.locator.line(('items', i, 'id'))}"
                for other, i in places
                if not (other is loaded and i == index)
            ]
            message = f"duplicate id {item_id!r}: also used at {', '.join(others)}"
            problems.append(loaded.problem(("items", index, "id"), message))
    return problems
