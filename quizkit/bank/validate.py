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
from typing import Any

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
    problems = list(unsafe_html(loaded)) + list(_control_characters(loaded))
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
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _control_characters(loaded: LoadedBank) -> Iterator[Problem]:
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
    sanitiser would remove from its rendered HTML (quizkit.bank.safe_html)."""
    for loc, text in _strings(loaded.raw, ()):
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
        for removed in safe_html.removals(_markdown().unsanitised(text)):
            line = loaded.locator.text_line(loc, _line_of(text, removed))
            yield loaded.problem(loc, removed.message, line=line)


def _line_of(text: str, removed: safe_html.Removal) -> int:
    """The line of `text` (1-based) that first shows what was removed, else its first line."""
    lowered = text.lower()
    for needle in removed.needles:
        at = lowered.find(needle.lower())
        if needle and at >= 0:
            return text.count("\n", 0, at) + 1
    return 1


@functools.cache
def _markdown():
    """The site's Markdown renderer with its default extensions, made once."""
    # Imported here: Markdown is needed only once a bank is checked, not for the model.
    from quizkit.mkdocs.render import MarkdownRenderer

    return MarkdownRenderer()


def _strings(node: Any, loc: Loc) -> Iterator[tuple[Loc, str]]:
    if isinstance(node, str):
        yield loc, node
    elif isinstance(node, dict):
        for key, value in node.items():
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
