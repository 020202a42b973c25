"""Checks that need more than the schema: the rules a bank must follow to be fair to learners.

The schema (quizkit.bank.model) says what shape an item has; this module says whether it
makes sense: one key per multiple-choice question, feedback on every wrong option, no two
things with the same id, tolerances that neither demand exact floats nor accept anything,
parameter ranges that contain their value, and no HTML that could run code in the page.

"Close enough" has one definition, `quizkit.backprop.worksheet.within`: these checks, the
evidence runner, the mutation test and the draw rules call it through `within` below, and
the browser gets it as JSON.
"""

from __future__ import annotations

import ast
import functools
import keyword
import math
import re
from collections.abc import Iterator
from typing import Any

from . import safe_html
from .balance import distractor_problems
from .load import LoadedBank, LoadedYaml, Loc
from .model import (
    Interview,
    Matching,
    Mcq,
    NumericTrace,
    Ordering,
    Param,
    Tolerance,
)
from .problem import Problem

# Tolerances looser than these would mark clearly wrong hand computations as right.
MAX_REL_TOL = 0.05
MAX_ABS_TOL = 0.05

# Fields holding Python rather than Markdown: never rendered as HTML, so not scanned.
PYTHON_FIELDS = frozenset({"evidence", "code", "value"})

_SCRIPT = re.compile(r"<\s*/?\s*(script|iframe|object|embed)\b", re.IGNORECASE)
_HANDLER = re.compile(r"<[a-zA-Z][^<>]*?\s(on[a-zA-Z]+)\s*=", re.DOTALL)
_JS_URL = re.compile(r"javascript\s*:", re.IGNORECASE)


def within(answer: float, key: float, tolerance: Tolerance) -> bool:
    """Whether `answer` is accepted for `key` (the rule: quizkit.backprop.worksheet.within).

    The rule itself lives in the engine's worksheet, because the browser's "New numbers"
    applies it in Python too; this is the bank model's way of calling it.
    """
    from quizkit.backprop import worksheet  # the engine (and NumPy) only when numbers are compared

    return worksheet.within(answer, key, tolerance.rel, tolerance.abs)


def tolerance_width(key: float, tolerance: Tolerance) -> float:
    """How far from `key` an answer may be and still be accepted."""
    from quizkit.backprop import worksheet

    return worksheet.tolerance_width(key, tolerance.rel, tolerance.abs)


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


# Kinds whose key is always something the engine can show: a number it computes, an order
# it visits, a pairing it exhibits. They may not opt out of depending on it.
NEVER_CONCEPTUAL = ("numeric_trace", "matching", "ordering")


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
    """(location inside the item, message) for each rule the validated `item` breaks."""
    yield from _duplicates(item.topics, ("topics",), "topic")
    yield from _duplicates(item.hints, ("hints",), "hint")
    if item.conceptual and item.kind in NEVER_CONCEPTUAL:
        yield (
            ("conceptual",),
            f"a {item.kind} item cannot be conceptual: its key is something the engine can"
            " show (a computed number, an observed order or pairing), so derive it",
        )
    if isinstance(item, Mcq):
        yield from _mcq(item)
    elif isinstance(item, Matching):
        yield from _duplicates([p.id for p in item.pairs], ("pairs",), "pair id", "id")
        yield from _duplicates([p.term for p in item.pairs], ("pairs",), "term", "term")
        yield from _duplicates(
            [p.definition for p in item.pairs], ("pairs",), "definition", "definition"
        )
    elif isinstance(item, Ordering):
        yield from _duplicates([s.id for s in item.steps], ("steps",), "step id", "id")
        yield from _duplicates([s.text for s in item.steps], ("steps",), "step text", "text")
    elif isinstance(item, NumericTrace):
        yield from _numeric_trace(item, reserved)
    elif isinstance(item, Interview):
        yield from _duplicates(
            [f.question for f in item.follow_ups], ("follow_ups",), "question", "question"
        )


def _duplicates(values: list, at: Loc, what: str, attr: str | None = None) -> Iterator:
    first: dict[Any, int] = {}
    for index, value in enumerate(values):
        key = value.strip() if isinstance(value, str) else value
        if key in first:
            loc = at + (index,) + ((attr,) if attr else ())
            yield loc, f"duplicate {what} {value!r} (same as {at[-1]}[{first[key]}])"
        else:
            first[key] = index


def _mcq(item: Mcq) -> Iterator[tuple[Loc, str]]:
    keys = [i for i, option in enumerate(item.options) if option.correct]
    if not keys:
        yield ("options",), "no option has correct: true; exactly one must be the key"
    for extra in keys[1:]:
        first = item.options[keys[0]].id
        yield (
            ("options", extra, "correct"),
            f"a second key (options[{keys[0]}] {first!r} is also correct: true);"
            " exactly one option must be correct",
        )
    yield from _duplicates([o.id for o in item.options], ("options",), "option id", "id")
    yield from _duplicates([o.text for o in item.options], ("options",), "option text", "text")
    yield from distractor_problems(item)
    key = item.options[keys[0]] if keys else None
    for index, option in enumerate(item.options):
        if option.value is not None and not math.isfinite(option.value):
            yield ("options", index, "value"), f"value must be a finite number, not {option.value}"
            continue
        if option.correct:
            continue
        if not (option.feedback or "").strip():
            yield (
                ("options", index),
                f"distractor {option.id!r} has no feedback: say why a learner might pick it"
                " and why it is wrong",
            )
        if (
            key is not None
            and key.value is not None
            and option.value is not None
            and math.isfinite(key.value)
            and within(option.value, key.value, Tolerance())
        ):
            yield (
                ("options", index, "value"),
                f"distractor value {option.value:g} equals the key's value {key.value:g}"
                " within tolerance",
            )


def _numeric_trace(item: NumericTrace, reserved: frozenset[str]) -> Iterator[tuple[Loc, str]]:
    for name, param in item.params.items():
        yield from param_problems(name, param, reserved)
    yield from _duplicates([q.name for q in item.quantities], ("quantities",), "quantity", "name")
    for qi, quantity in enumerate(item.quantities):
        at: Loc = ("quantities", qi)
        yield from _tolerance(quantity.tolerance, at + ("tolerance",))
        if quantity.expect is not None and not math.isfinite(quantity.expect):
            yield at + ("expect",), f"expect must be a finite number, not {quantity.expect}"
        yield from _duplicates(
            [m.id for m in quantity.mistakes], at + ("mistakes",), "mistake id", "id"
        )


def param_problems(
    name: str, param: Param, reserved: frozenset[str] = frozenset()
) -> Iterator[tuple[Loc, str]]:
    """(location, message) for each thing wrong with one numeric_trace parameter."""
    at: Loc = ("params", name)
    if not name.isidentifier() or keyword.iskeyword(name):
        yield at, f"parameter name {name!r} is not a Python name the code can use"
    elif name in reserved:
        yield at, f"parameter name {name!r} hides the engine's {name!r}; rename it"
    if not math.isfinite(param.value):
        yield at + ("value",), f"value must be a finite number, not {param.value}"
        return
    if param.range is None:
        if "step" in param.model_fields_set:
            yield at + ("step",), "step has no effect without a range; add range: [low, high]"
        return
    low, high = param.range
    if not (math.isfinite(low) and math.isfinite(high) and math.isfinite(param.step)):
        yield at + ("range",), "range and step must be finite numbers"
        return
    if low > high:
        yield at + ("range",), f"range [{low:g}, {high:g}] is empty: low is above high"
        return
    if not low <= param.value <= high:
        yield (
            at + ("range",),
            f"range [{low:g}, {high:g}] excludes the value {param.value:g}"
            " the bank's keys are written for",
        )
    # Re-drawn values are multiples of step inside the range; there must be at least one.
    first = math.ceil(low / param.step - 1e-9)
    if first * param.step > high + 1e-9 * max(1.0, abs(high)):
        yield (
            at + ("step",),
            f"no multiple of step {param.step:g} lies in [{low:g}, {high:g}];"
            " 'New numbers' could not draw a value",
        )


def _tolerance(tolerance: Tolerance, at: Loc) -> Iterator[tuple[Loc, str]]:
    rel, abs_ = tolerance.rel, tolerance.abs
    if not (math.isfinite(rel) and math.isfinite(abs_)):
        yield at, "tolerance must be finite"
    elif rel == 0 and abs_ == 0:
        yield at, "tolerance is zero: exact float equality rejects correctly rounded answers"
    elif rel > MAX_REL_TOL:
        yield at + ("rel",), f"rel {rel:g} is too loose (at most {MAX_REL_TOL:g})"
    elif abs_ > MAX_ABS_TOL:
        yield at + ("abs",), f"abs {abs_:g} is too loose (at most {MAX_ABS_TOL:g})"


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
