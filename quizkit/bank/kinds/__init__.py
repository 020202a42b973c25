"""The kinds of quiz item, one module each: quizkit/bank/kinds/<kind>.py.

Each module binds `KIND` to an instance of its `base.Kind` subclass, which holds the kind's
model, content checks, evidence rule, wrong-key mutants, browser payload, label, time
estimate and saved-progress fields. The list of kinds is found here, from the modules in
this folder, so adding a kind is adding a module (with its template, widget and scaffold
example: see "Adding a quiz kind" in docs/contributing.md). `register` adds a kind defined
elsewhere, for a test or an extension of the course.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from typing import Annotated, Any

from pydantic import Field, TypeAdapter

from .base import Kind


def _discover() -> list[Kind]:
    found = []
    for module in pkgutil.iter_modules(__path__):
        if module.name == "base" or module.name.startswith("_"):
            continue
        found.append(importlib.import_module(f"{__name__}.{module.name}").KIND)
    return found


_kinds: list[Kind] = sorted(_discover(), key=lambda kind: kind.position)
# The kinds found in this folder; the bank format (quizkit.bank.model) is made of these.
BUILT_IN: tuple[Kind, ...] = tuple(_kinds)


def all_kinds() -> tuple[Kind, ...]:
    """Every kind, in order of `position`."""
    return tuple(_kinds)


def names() -> tuple[str, ...]:
    """The `kind:` value of every kind, in order."""
    return tuple(kind.name for kind in _kinds)


def get(name: str) -> Kind:
    """The kind a bank names with `kind: <name>`."""
    for kind in _kinds:
        if kind.name == name:
            return kind
    raise KeyError(name)


def of(item: Any) -> Kind:
    """The kind of a validated item."""
    return get(item.kind)


def register(kind: Kind) -> None:
    """Add a kind defined outside this folder (kept in order of its `position`)."""
    if kind.name in names():
        raise ValueError(f"a kind named {kind.name!r} already exists")
    _kinds.append(kind)
    _kinds.sort(key=lambda k: k.position)
    _models.cache_clear()


def unregister(name: str) -> None:
    """Remove a kind `register` added (the built-in kinds stay)."""
    kind = get(name)
    if kind in BUILT_IN:
        raise ValueError(f"{name!r} is a built-in kind")
    _kinds.remove(kind)
    _models.cache_clear()


def item_type(kinds: tuple[Kind, ...]) -> Any:
    """One item of any of `kinds`, told apart by its `kind` field."""
    members = tuple(kind.model for kind in kinds)
    union = members[0] if len(members) == 1 else functools.reduce(lambda a, b: a | b, members)
    return Annotated[union, Field(discriminator="kind")]


@functools.cache
def _models() -> tuple[type, TypeAdapter]:
    from .. import model  # the bank of the built-in kinds; the model imports this module

    if all_kinds() == BUILT_IN:
        return model.Bank, TypeAdapter(model.Item)
    item = item_type(all_kinds())
    fields = {"__annotations__": {"items": Annotated[list[item], Field(min_length=1)]}}
    return type("Bank", (model.Bank,), fields), TypeAdapter(item)


def bank_model() -> type:
    """The pydantic model of a bank that may hold items of every kind, registered ones too."""
    return _models()[0]


def item_adapter() -> TypeAdapter:
    """Validates one item of any kind."""
    return _models()[1]
