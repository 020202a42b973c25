"""Reading a quiz.yml into the bank model while remembering where everything was written.

PyYAML forgets line numbers once it has built Python objects, so the loader walks the
node tree it composed and records, for every mapping key and sequence item, the line it
sits on. Schema errors from pydantic carry a location such as
``("items", 3, "mcq", "options", 1, "feedback")``; that location is turned back into a line
of the file, so each problem can be printed as ``path:line: item-id: field: message``.

The same reading serves every YAML file of the course (banks here, glossaries in
quizkit.mkdocs.glossary): `read_yaml` refuses, before anything is built from the text, what
only hostile or mistaken files hold: anchors and aliases (nine lines of nested aliases expand
to a billion strings), nesting deeper than any bank needs (which would exhaust Python's
recursion), files far larger than a lesson's, every type but text, numbers, true/false,
null, lists and mappings (`!!binary` would build bytes that no text check reads, a date
would build a datetime) and integers longer than any bank's (Python refuses to build one of
over 4,300 digits).

Nothing in here raises for bad input: every problem is collected and returned.
"""

from __future__ import annotations

import difflib
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import yaml
from pydantic import BaseModel, ValidationError

from . import kinds
from .model import Bank, Item
from .problem import BANK, Loc, Problem

# The deepest bank the schema allows nests about 8 levels (items, an item, its quantities,
# a quantity, its mistakes, ...); the largest bank is about 50 kB. These leave ample room.
MAX_DEPTH = 24
MAX_BYTES = 500_000
# The longest whole number in the course has 4 digits.
MAX_DIGITS = 30
# The types a bank or glossary is written in: whatever YAML infers or is told (a `!!tag`)
# must be one of these.
_CORE = "tag:yaml.org,2002:"
ALLOWED_TAGS = frozenset(
    _CORE + name for name in ("str", "int", "float", "bool", "null", "seq", "map")
)


@dataclass
class Locator:
    """Where each part of a YAML document was written (1-based lines)."""

    # path -> line of its key (mapping entries) or of its first token (sequence items)
    lines: dict[Loc, int] = field(default_factory=lambda: {(): 1})
    # path -> line on which a string's text begins (the line after `|` for block scalars)
    text_starts: dict[Loc, int] = field(default_factory=dict)

    def line(self, path: Loc) -> int:
        """The line of `path`, or of its nearest written ancestor when it is missing."""
        for end in range(len(path), -1, -1):
            found = self.lines.get(tuple(path[:end]))
            if found is not None:
                return found
        return 1

    def text_line(self, path: Loc, lineno: int) -> int:
        """The file line holding line `lineno` (1-based) of the string at `path`."""
        start = self.text_starts.get(tuple(path))
        if start is None:
            return self.line(path)
        return start + max(lineno, 1) - 1


@dataclass
class LoadedYaml:
    """One YAML file of the course after reading: its data, where each part was written,
    and what is wrong with it."""

    path: str
    raw: Any = None
    locator: Locator = field(default_factory=Locator)
    problems: list[Problem] = field(default_factory=list)

    # Shown in the item-id column for problems of the file as a whole.
    WHOLE: ClassVar[str] = "-"

    def owner(self, loc: Loc) -> tuple[str, Loc]:
        """Whose problem a data path is (the item-id column), and the path inside it."""
        return self.WHOLE, loc

    def problem(self, loc: Loc, message: str, *, line: int | None = None) -> Problem:
        """A Problem at data path `loc` (e.g. ``("items", 2, "options", 0, "id")``)."""
        if line is None:
            line = self.locator.line(loc)
        owner, inside = self.owner(loc)
        return Problem(self.path, line, owner, format_field(inside), message)

    def file_problem(self, line: int, where: str, message: str) -> Problem:
        """A Problem of the file itself (its bytes, its YAML), in column `where`."""
        return Problem(self.path, line, self.WHOLE, where, message)


@dataclass
class LoadedBank(LoadedYaml):
    """One quiz.yml after loading: the raw data, where it was, and what validated."""

    bank: Bank | None = None
    # (index in the file, validated item) for every item that passed the schema, even
    # when other items of the same bank did not; later checks run on these.
    items: list[tuple[int, Item]] = field(default_factory=list)

    WHOLE: ClassVar[str] = BANK

    def item_id(self, index: int) -> str:
        """The id written for item `index`, or a positional name when it has none."""
        items = self.raw.get("items") if isinstance(self.raw, dict) else None
        if isinstance(items, list) and 0 <= index < len(items):
            entry = items[index]
            if isinstance(entry, dict) and isinstance(entry.get("id"), str) and entry["id"]:
                return entry["id"]
        return f"items[{index}]"

    def owner(self, loc: Loc) -> tuple[str, Loc]:
        if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
            return self.item_id(loc[1]), loc[2:]
        return BANK, loc


def format_field(loc: Loc) -> str:
    """``("options", 1, "feedback")`` -> ``"options[1].feedback"``; empty -> ``"-"``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "-"


# PyYAML's wording assumes you know its grammar; these say what usually went wrong.
_YAML_HINTS = (
    ("expected <block end>", "; check this line's indentation"),
    ("mapping values are not allowed", "; a value containing ': ' must be quoted"),
    ("found character '\\t'", "; indent with spaces, not tabs"),
)


class _TooDeep(Exception):
    """Raised while composing a document nested deeper than MAX_DEPTH."""

    def __init__(self, line: int):
        super().__init__(line)
        self.line = line


_NO_ALIASES = (
    "anchors (&name) and aliases (*name) are not allowed: write each value out"
    " (and quote text that starts with '&' or '*')"
)


_SURROGATE = re.compile("[\ud800-\udfff]")


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing anchors, aliases, deep nesting, other types than
    `ALLOWED_TAGS` and overlong integers as it composes.

    Each refusal is noted at the event that would have caused it, before any node is built
    for it: an alias is never looked up (so nothing expands) and nesting stops at MAX_DEPTH
    (so the composer's recursion stays shallow). A subclass, so nothing global is modified.
    """

    def __init__(self, stream: str):
        super().__init__(stream)
        self.depth = 0
        self.refused: dict[int, str] = {}  # line -> the first refusal on it

    def fetch_flow_collection_start(self, TokenClass):
        # The scanner looks ahead over every open bracket on a line, at a cost that grows
        # with the square of their number: stop it here, before the composer would.
        if self.flow_level >= MAX_DEPTH:
            raise _TooDeep(self.line + 1)
        super().fetch_flow_collection_start(TokenClass)

    def compose_node(self, parent, index):
        event = self.peek_event()
        line = event.start_mark.line + 1
        if isinstance(event, yaml.AliasEvent):
            self.get_event()
            self.refused.setdefault(line, _NO_ALIASES)
            # A null in its place lets composing go on to find every other refusal.
            return yaml.ScalarNode("tag:yaml.org,2002:null", "", event.start_mark, event.end_mark)
        if event.anchor is not None:
            self.refused.setdefault(line, _NO_ALIASES)
            event.anchor = None  # never registered, so no alias can reach it
        if not isinstance(event, yaml.SequenceStartEvent | yaml.MappingStartEvent):
            return self._allowed(super().compose_node(parent, index), line)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _TooDeep(line)
        try:
            return self._allowed(super().compose_node(parent, index), line)
        finally:
            self.depth -= 1

    def _allowed(self, node: yaml.Node, line: int) -> yaml.Node:
        """`node`, or a null in its place (with the refusal noted) when no bank may hold it."""
        message = None
        if node.tag not in ALLOWED_TAGS:
            name = node.tag.removeprefix(_CORE)
            shown = f"!!{name}" if name != node.tag else node.tag
            message = (
                f"the YAML type {shown} is not allowed: a bank or glossary holds only text,"
                " numbers, true/false, lists and mappings (put text that looks like a date or"
                " starts with '!' in quotes)"
            )
        elif node.tag == _CORE + "int" and sum(c.isdigit() for c in node.value) > MAX_DIGITS:
            message = f"a whole number of more than {MAX_DIGITS} digits, which no bank needs"
        elif isinstance(node, yaml.ScalarNode) and (half := _SURROGATE.search(node.value)):
            # Only a \u escape makes one; no page could show it, and it cannot even be encoded.
            message = (
                f"the escape \\u{ord(half.group()):04x} is half of a UTF-16 pair, not a character:"
                " write the character itself, or \\U and its eight hex digits"
            )
        if message is None:
            return node
        self.refused.setdefault(line, message)
        return yaml.ScalarNode(_CORE + "null", "", node.start_mark, node.end_mark)


def read_yaml(path: str | Path, loaded: LoadedYaml) -> bool:
    """Read and parse one YAML file into `loaded` (its `raw` data and `locator`).

    False, with the reasons in `loaded.problems`, when there is nothing to go on with.
    """
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        loaded.problems.append(loaded.file_problem(1, "-", f"cannot read: {exc.strerror}"))
        return False
    if len(data) > MAX_BYTES:
        message = (
            f"the file is {len(data):,} bytes, more than the {MAX_BYTES:,} a file of the"
            " course may hold: split it"
        )
        loaded.problems.append(loaded.file_problem(1, "-", message))
        return False
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        loaded.problems.append(loaded.file_problem(line, "yaml", "the file is not UTF-8 text"))
        return False
    return _parse(text, loaded)


def load_bank(path: str | Path, shown: str | None = None) -> LoadedBank:
    """Read, parse and schema-validate one bank; every problem ends up in `.problems`.

    Problems name the file as `shown` (default: `path` as given).
    """
    loaded = LoadedBank(str(path) if shown is None else shown)
    if read_yaml(path, loaded):
        _validate(loaded)
    return loaded


def _parse(text: str, loaded: LoadedYaml) -> bool:
    loader = None
    try:
        loader = _Loader(text)  # reads the first chunk, so it can already fail
        node = loader.get_single_node()
        if not loader.refused:
            loaded.raw = None if node is None else loader.construct_document(node)
            if node is not None:
                _record(loader, node, (), loaded)
    except _TooDeep as exc:
        message = f"nested more than {MAX_DEPTH} levels deep, which no bank or glossary needs"
        loader.refused[exc.line] = message
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        message = f"YAML syntax error: {exc.problem or exc.context}"
        if exc.context and exc.problem and exc.context_mark:
            message += f" ({exc.context} on line {exc.context_mark.line + 1})"
        message += next((hint for key, hint in _YAML_HINTS if key in str(exc.problem)), "")
        loaded.problems.append(loaded.file_problem(line, "yaml", message))
        return False
    except yaml.reader.ReaderError as exc:
        line = text.count("\n", 0, exc.position) + 1
        message = f"YAML syntax error: character {exc.character!r} is not allowed"
        loaded.problems.append(loaded.file_problem(line, "yaml", message))
        return False
    except yaml.YAMLError as exc:  # any other parser complaint still gets a location
        loaded.problems.append(loaded.file_problem(1, "yaml", f"YAML error: {exc}"))
        return False
    finally:
        if loader is not None:
            loader.dispose()
    for line, message in sorted(loader.refused.items()):
        loaded.problems.append(loaded.file_problem(line, "yaml", message))
    return not loader.refused


def _record(loader: _Loader, node: yaml.Node, path: Loc, loaded: LoadedYaml) -> None:
    locator = loaded.locator
    if isinstance(node, yaml.ScalarNode):
        block = node.style in ("|", ">")
        locator.text_starts[path] = node.start_mark.line + (2 if block else 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, child in enumerate(node.value):
            locator.lines[path + (index,)] = child.start_mark.line + 1
            _record(loader, child, path + (index,), loaded)
    elif isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                continue
            key = loader.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                message = (
                    f"duplicate key {key!r} (first written on line {seen[key]});"
                    " YAML keeps only the last one"
                )
                loaded.problems.append(loaded.problem(path + (key,), message, line=line))
            seen[key] = line
            locator.lines[path + (key,)] = line
            _record(loader, value_node, path + (key,), loaded)


def _validate(loaded: LoadedBank) -> None:
    raw = loaded.raw
    if not isinstance(raw, dict):
        what = "empty" if raw is None else f"a {type(raw).__name__}"
        message = f"the file is {what}; a bank is a mapping with title, intro and items"
        loaded.problems.append(Problem(loaded.path, 1, BANK, "-", message))
        return
    try:
        loaded.bank = kinds.bank_model().model_validate(raw)
    except ValidationError as exc:
        broken: set[int] = set()
        for error in exc.errors():
            loc = tuple(error["loc"])
            if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
                broken.add(loc[1])
            loaded.problems.append(_schema_problem(loaded, error))
        items = raw.get("items")
        if isinstance(items, list):
            for index, entry in enumerate(items):
                if index not in broken:
                    loaded.items.append((index, kinds.item_adapter().validate_python(entry)))
        return
    loaded.items = list(enumerate(loaded.bank.items))


def _schema_problem(loaded: LoadedBank, error: dict) -> Problem:
    loc = _clean_loc(loaded.raw, tuple(error["loc"]))
    if error["type"] in ("union_tag_not_found", "union_tag_invalid"):
        loc += ("kind",)
    return loaded.problem(loc, _message(error, tuple(error["loc"])))


def _clean_loc(raw: Any, loc: Loc) -> Loc:
    """A pydantic location as a data path: without the union tag or dict-key markers."""
    node, clean = raw, []
    for part in loc:
        if isinstance(node, dict) and part not in node and node.get("kind") == part:
            continue  # the discriminated union inserts the item's kind; it is not a key
        if part == "[key]":
            continue
        clean.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(clean)


def _message(error: dict, loc: Loc) -> str:
    kind = error["type"]
    if kind == "missing":
        if len(loc) >= 2 and loc[-2] == "range":
            return "a range is two numbers, [low, high]"
        return "required field is missing"
    if kind == "extra_forbidden":
        name = str(loc[-1])
        allowed = _fields_at(loc[:-1])
        close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        known = f"; allowed here: {', '.join(allowed)}" if allowed and not close else ""
        return f"unknown field {name!r}{hint}{known}"
    if kind == "union_tag_invalid":
        tag = error.get("ctx", {}).get("tag", "?")
        close = difflib.get_close_matches(str(tag), kinds.names(), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown kind {tag!r}{hint}; expected one of: {', '.join(kinds.names())}"
    if kind == "union_tag_not_found":
        return f"required field is missing (one of: {', '.join(kinds.names())})"
    if kind == "string_type" and isinstance(error.get("input"), int | float | bool):
        return f"{error['msg']}; got {error['input']!r}: put the text in quotes"
    if kind == "string_pattern_mismatch":
        if loc[-1] == "id" or (len(loc) >= 2 and loc[-2] == "topics"):
            return f"{error['input']!r} is not kebab-case (lowercase letters, digits and '-')"
        if loc[-1] in ("name", "root"):
            return f"{error['input']!r} is not a Python name (letters, digits and '_')"
    if kind == "too_short" and isinstance(error.get("input"), list | dict):
        need = error.get("ctx", {}).get("min_length", 1)
        return f"needs at least {need} entr{'y' if need == 1 else 'ies'}"
    return error["msg"]


def _fields_at(loc: Loc) -> list[str]:
    """Field names the model at schema location `loc` accepts (empty when unknown)."""
    tp: Any = kinds.bank_model()
    for part in loc:
        tp = _descend(tp, part)
        if tp is None:
            return []
    tp = _strip(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return []


def _strip(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            members = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(members) == 1:
                tp = members[0]
                continue
        return tp


def _descend(tp: Any, part: str | int) -> Any:
    tp = _strip(tp)
    origin = typing.get_origin(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        info = tp.model_fields.get(str(part))
        return info.annotation if info else None
    if origin in (list, tuple):
        return typing.get_args(tp)[0]
    if origin is dict:
        return typing.get_args(tp)[1]
    if origin in (typing.Union, types.UnionType):
        for member in typing.get_args(tp):
            member = _strip(member)
            kind = getattr(member, "model_fields", {}).get("kind")
            if kind is not None and part in typing.get_args(kind.annotation):
                return member
    return None
