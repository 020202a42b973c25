"""What every kind of quiz item shares: the fields of an item, the `Kind` a module describes
its own kind with (and `SelfAssessedKind`, for the kinds a learner rates their own answer
to), and the small helpers several kinds use.

A kind module (`quizkit/bank/kinds/<kind>.py`) holds everything about one kind: its model,
its content checks, how its evidence confirms the key, its wrong-key mutants, its browser
payload, its label, its time estimate and its saved-progress fields. This module imports
nothing from the rest of the bank package, so the kind modules can be loaded before it.
"""

from __future__ import annotations

import random
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field

from ..problem import Loc

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
Text = Annotated[str, Field(min_length=1)]
Difficulty = Literal["easy", "medium", "hard"]
DIFFICULTIES: tuple[str, ...] = typing.get_args(Difficulty)

DEFAULT_REL_TOL = 1e-3
DEFAULT_ABS_TOL = 1e-6
# Tolerances looser than these would mark clearly wrong hand computations as right.
MAX_REL_TOL = 0.05
MAX_ABS_TOL = 0.05


class Strict(BaseModel):
    # Unknown keys are almost always typos ("feeback"); reject them. Attribute docstrings
    # become descriptions in the JSON Schema, so editors show them on hover.
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class ItemBase(Strict):
    """What every quiz item has, whatever its kind."""

    id: Id
    """Kebab-case name, unique across the whole course; learners' progress is keyed on it."""
    prompt: Text
    """The question, in Markdown with $math$."""
    difficulty: Difficulty
    """easy, medium or hard."""
    topics: Annotated[list[Id], Field(min_length=1)]
    """Kebab-case topic tags, shown on the quiz page."""
    explanation: Text
    """Why the answer is what it is; shown once the learner has answered."""
    hints: list[Text] = []
    """Revealed one at a time, before answering."""
    evidence: Text
    """Python run against the engine that confirms the key: it binds `answer` or asserts.

    The rule for each kind is in its module, quizkit/bank/kinds/<kind>.py (and in the README)."""
    conceptual: Annotated[str, Field(pattern=r"\S")] | None = None
    """Why no computation can confirm this item (a definition, a piece of history).

    Only such an item may bind `answer` to a typed literal, and it is exempt from the
    engine-dependence rule of `quizkit check --mutation`, which lists it with this reason."""


class Part(Strict):
    """One of the parts an item lists (an option, a pair, a step): the evidence's `answer`,
    the page's key and a learner's saved answer name a part by its id."""

    id: Id
    """Kebab-case name of the part, unique within the item."""


class Tolerance(Strict):
    """How close a typed number must be: |typed - key| <= max(abs, rel * |key|)."""

    rel: Annotated[float, Field(ge=0)] = DEFAULT_REL_TOL
    """Allowed error as a fraction of the key."""
    abs: Annotated[float, Field(ge=0)] = DEFAULT_ABS_TOL
    """Allowed error in absolute terms (matters for keys near zero)."""


# The tolerance of every comparison for which an item sets none.
DEFAULT_TOLERANCE = Tolerance()


def within(answer: float, key: float, tolerance: Tolerance = DEFAULT_TOLERANCE) -> bool:
    """Whether `answer` is accepted for `key` (the rule: quizkit.backprop.worksheet.within),
    by the course's default tolerance unless the item gives its own.

    The rule itself lives in the engine's worksheet, because the browser's "New numbers"
    applies it in Python too; this is the bank model's way of calling it.
    """
    from quizkit.backprop import worksheet  # the engine (and NumPy) only when numbers are compared

    return worksheet.within(answer, key, tolerance.rel, tolerance.abs)


def tolerance_width(key: float, tolerance: Tolerance) -> float:
    """How far from `key` an answer may be and still be accepted."""
    from quizkit.backprop import worksheet

    return worksheet.tolerance_width(key, tolerance.rel, tolerance.abs)


def duplicates(values: list, at: Loc, what: str, attr: str | None = None) -> Iterator:
    """(location, message) for each value that repeats an earlier one (ignoring edge spaces)."""
    first: dict[Any, int] = {}
    for index, value in enumerate(values):
        key = value.strip() if isinstance(value, str) else value
        if key in first:
            loc = at + (index,) + ((attr,) if attr else ())
            yield loc, f"duplicate {what} {value!r} (same as {at[-1]}[{first[key]}])"
        else:
            first[key] = index


def shuffled(items: Sequence, seed: str) -> list:
    """A deterministic shuffle seeded by the item id, never equal to the original order.

    Stable across builds so that the page, its no-JS fallback and saved progress agree.
    """
    order = list(items)
    if len(order) < 2:
        return order
    random.Random(seed).shuffle(order)
    if order == list(items):
        order = order[1:] + order[:1]
    return order


def shuffled_positions(parts: Sequence, seed: str) -> tuple[list, list[int]]:
    """(the parts in `shuffled` order, where each part as written stands in that order):
    what a widget shows, and the key it checks the learner's arrangement against."""
    shown = shuffled(parts, seed)
    position = {part.id: index for index, part in enumerate(shown)}
    return shown, [position[part.id] for part in parts]


@dataclass(frozen=True)
class Mutant:
    """An altered copy of an item whose key is wrong in one described way."""

    description: str
    item: Any


def copy(model: Any, **changes: Any) -> Any:
    """`model` with some fields changed (the models are frozen)."""
    return model.model_copy(update=changes)


@dataclass
class Bad:
    """Evidence bound an `answer` the kind cannot compare with its key; says why."""

    message: str


def show(value: Any) -> str:
    """A value as a problem message quotes it, cut short when long."""
    text = repr(value)
    return f"{text[:60]}... ({type(value).__name__})" if len(text) > 60 else text


class Kind:
    """One kind of quiz item. A kind module defines a subclass and binds `KIND` to an
    instance; quizkit.bank.kinds finds it there (or takes it from `register`).

    The class statement names what identifies the kind (`model`, `position`, `label`,
    `minutes_each`, and `minutes_per` when it is not "question"); the body sets the other
    class attributes and overrides the methods whose default does not fit.
    """

    name: ClassVar[str]
    """What a bank writes as `kind:` (also the template's and the widget's name)."""
    model: ClassVar[type[ItemBase]]
    """The pydantic class of one item; its `kind` field is `Literal[name]`."""
    position: ClassVar[int]
    """Where the kind comes in every list of kinds (check's summary, the timing table, the
    course quiz's rules, the error that names the kinds): the lowest first."""
    label: ClassVar[str]
    """The kind's name as the learner sees it in each question's title."""
    minutes_each: ClassVar[float]
    """Minutes a learner typically spends per `minutes_per` (see `minutes`)."""
    minutes_per: ClassVar[str] = "question"
    """What `minutes_each` counts: "question", or a part of one that `minutes` counts."""
    response: ClassVar[dict[str, str]]
    """The fields a learner's saved record holds for this kind (quizkit.mkdocs.progress)."""
    recomputed: ClassVar[tuple[str, ...]] = ()
    """Record fields an imported file may not bring: the page recomputes them."""
    answer_rule: ClassVar[str | None] = None
    """What the evidence binds to `answer`, in words; None when the evidence only asserts
    (the learner rates their own answer, so there is no key to confirm)."""
    never_conceptual: ClassVar[bool] = False
    """True when the key is always something the engine can show (a number it computes,
    an order it visits, a pairing it exhibits), so the item may not opt out of it."""
    template: ClassVar[Path | None] = None
    """The Jinja template of the question's form and fallback; None for the site's own
    quizkit/mkdocs/templates/kinds/<name>.html.j2."""
    parts: ClassVar[str | None] = None
    """The model's field that lists `Part`s (options, pairs, steps), if it has one; read from
    the model. No two of its parts may share an id."""
    distinct: ClassVar[dict[str, str]] = {}
    """The other fields of a part that no two parts may share, each with what a problem
    calls it."""

    def __init_subclass__(cls, **identity: Any) -> None:
        """Takes what identifies a kind, as keywords of the class statement:
        `class MatchingKind(Kind, model=Matching, position=40, label="Matching",
        minutes_each=2.0)`. The body holds the rest: its answer rule and checks."""
        unknown = set(identity) - set(_IDENTITY)
        if unknown:
            raise TypeError(f"{cls.__name__}: unknown keywords {', '.join(sorted(unknown))}")
        super().__init_subclass__()
        for attribute, value in identity.items():
            setattr(cls, attribute, value)
        if "model" not in cls.__dict__:
            return  # a base for kinds (SelfAssessedKind), not a kind
        missing = [a for a in _IDENTITY if not hasattr(cls, a)]
        if missing:
            raise TypeError(f"{cls.__name__}: give {', '.join(missing)} in its class statement")
        # The name is the model's `kind` literal, so it is written once; so is the parts field.
        (literal,) = typing.get_args(cls.model.model_fields["kind"].annotation)
        if cls.__dict__.get("name", literal) != literal:
            raise TypeError(f"{cls.__name__}.name must be its model's kind {literal!r}")
        cls.name = literal
        cls.parts = next(iter(_parts_of(cls.model)), None)

    @property
    def self_assessed(self) -> bool:
        """The learner rates their own answer: no key, so no place in a quiz marked on
        submission (the course quiz) and nothing to mutate."""
        return self.answer_rule is None and not self.custom_run

    # -- content checks ---------------------------------------------------------------

    def problems(self, item: Any, reserved: frozenset[str]) -> Iterator[tuple[Loc, str]]:
        """(location inside the item, message) for each content rule the item breaks.

        `reserved` holds the names the evidence namespace defines. Here: each part that
        repeats an earlier part's id or `distinct` field; a kind's own rules extend this."""
        if not self.parts:
            return
        part_model = _parts_of(self.model)[self.parts]
        named = {"id": f"{part_model.__name__.lower()} id", **self.distinct}
        for attr, what in named.items():
            values = [getattr(part, attr) for part in getattr(item, self.parts)]
            yield from duplicates(values, (self.parts,), what, attr)

    def ids(self, item: Any) -> list[str]:
        """The ids of the item's `parts`, as written, when it has any."""
        return [part.id for part in getattr(item, self.parts)] if self.parts else []

    # -- evidence -------------------------------------------------------------------------

    custom_run: ClassVar[bool] = False
    """True when the kind runs its own code instead of the evidence-binds-`answer` rule
    (then it overrides `run`)."""

    def run(self, runner: Any, item: Any) -> None:
        """Run code of the item's own (only when `custom_run`); see evidence._Runner."""
        raise NotImplementedError

    def normalise(self, item: Any, answer: Any, names: dict[str, Any]) -> Any:
        """The evidence's `answer` as `disagreements` compares it, or `Bad` saying what is
        wrong with it (only called when `answer_rule` is set)."""
        return answer

    def disagreements(self, item: Any, outcome: Any) -> Iterator[tuple[Loc, str]]:
        """Where the item's written key disagrees with what its evidence established
        (`outcome`, an evidence.Outcome). Pure and cheap: mutants are judged by it."""
        return iter(())

    def after_key(self, item: Any) -> Iterator[tuple[Loc, str]]:
        """Checks that only make sense once the key is confirmed."""
        return iter(())

    def changed(self, item: Any, clean: Any, buggy: Any) -> bool:
        """Whether the evidence reached another verdict under a planted engine bug."""
        if isinstance(clean.answer, float) and isinstance(buggy.answer, float):
            return not within(clean.answer, buggy.answer)
        return clean.answer != buggy.answer

    # -- mutation ------------------------------------------------------------------------

    def mutants(self, item: Any, outcome: Any) -> list[Mutant]:
        """Every wrong-key variant of the item that a slip of the keyboard could produce."""
        return []

    # -- the page ------------------------------------------------------------------------

    def minutes(self, item: Any) -> float:
        """Estimated minutes to answer one item."""
        return self.minutes_each

    def payload(self, item: Any, md: Any, ctx: Any) -> tuple[dict, dict]:
        """(what the template shows, the content of the encoded key the widget reads).

        `md` renders Markdown (`md.block(text)`); `ctx` is the page's
        quizkit.mkdocs.render.RenderContext."""
        return {}, {}


# What a kind's class statement names (see `Kind.__init_subclass__`).
_IDENTITY = ("model", "position", "label", "minutes_each", "minutes_per")


def _parts_of(model: type[ItemBase]) -> dict[str, type[Part]]:
    """The model's fields that list `Part`s, with the part model of each."""
    found = {}
    for field, info in model.model_fields.items():
        if typing.get_origin(info.annotation) is list:
            (member,) = typing.get_args(info.annotation)
            if isinstance(member, type) and issubclass(member, Part):
                found[field] = member
    return found


class SelfAssessedKind(Kind):
    """A kind the learner rates themselves on: they reveal a model answer and judge their own.

    The evidence asserts the model answer's claims; there is no key."""

    response = {"notes": "text", "revealed": "bool", "self": "self"}
    answer_field: ClassVar[str]
    """The item's field that holds the model answer, in Markdown."""

    def payload(self, item: Any, md: Any, ctx: Any) -> tuple[dict, dict]:
        return {}, {"model": str(md.block(getattr(item, self.answer_field)))}
