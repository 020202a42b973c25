"""The quiz-bank data model: one pydantic class per item kind.

This module is the single definition of the bank format. The loader validates
YAML against it, the JSON Schema shipped to editors is generated from it, the
site renders from it and the evidence runner checks it. Field names here are the
YAML keys a contributor writes.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
Text = Annotated[str, Field(min_length=1)]
Difficulty = Literal["easy", "medium", "hard"]

DEFAULT_REL_TOL = 1e-3
DEFAULT_ABS_TOL = 1e-6


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

    The rule for each kind is in quizkit.bank.evidence (and in the README)."""
    conceptual: Annotated[str, Field(pattern=r"\S")] | None = None
    """Why no computation can confirm this item (a definition, a piece of history).

    Only such an item may bind `answer` to a typed literal, and it is exempt from the
    engine-dependence rule of `quizkit check --mutation`, which lists it with this reason."""


class Option(Strict):
    """One choice of a multiple-choice question."""

    id: Id
    """Kebab-case name of the option, unique within the question."""
    text: Text
    """What the learner sees (quote numbers: text: "54")."""
    correct: bool = False
    """True for the one key."""
    value: float | None = None
    """The number this option stands for, compared with a numeric `answer` from evidence."""
    feedback: str | None = None
    """Required on every distractor: why a learner might choose it, and why it is wrong."""


class Mcq(ItemBase):
    """Multiple choice with exactly one correct option."""

    kind: Literal["mcq"]
    options: Annotated[list[Option], Field(min_length=2)]
    """The choices; exactly one has correct: true."""


class TrueFalse(ItemBase):
    """A statement the learner judges true or false."""

    kind: Literal["true_false"]
    answer: bool
    """Whether the prompt's statement is true."""


class ShortAnswer(ItemBase):
    """The learner thinks, then reveals a model answer and judges their own."""

    kind: Literal["short_answer"]
    model_answer: Text
    """A strong answer, in Markdown."""


class Pair(Strict):
    """A term and the definition that belongs to it."""

    id: Id
    """Kebab-case name of the pair, unique within the item."""
    term: Text
    """Shown in a fixed column."""
    definition: Text
    """Shuffled for display; the learner matches it to its term."""


class Matching(ItemBase):
    """Match each term to its definition."""

    kind: Literal["matching"]
    pairs: Annotated[list[Pair], Field(min_length=2)]
    """Each term written with its own definition."""


class Step(Strict):
    """One step of a sequence."""

    id: Id
    """Kebab-case name of the step, unique within the item."""
    text: Text
    """What the learner sees."""


class Ordering(ItemBase):
    """Put steps in the right order."""

    kind: Literal["ordering"]
    steps: Annotated[list[Step], Field(min_length=2)]
    """Written in the correct order; shuffled for display."""


class Tolerance(Strict):
    """How close a typed number must be: |typed - key| <= max(abs, rel * |key|)."""

    rel: Annotated[float, Field(ge=0)] = DEFAULT_REL_TOL
    """Allowed error as a fraction of the key."""
    abs: Annotated[float, Field(ge=0)] = DEFAULT_ABS_TOL
    """Allowed error in absolute terms (matters for keys near zero)."""


class Param(Strict):
    """An input of a numeric_trace computation."""

    value: float
    """The value the bank's prose and `expect`s are written for."""
    range: tuple[float, float] | None = None
    """[low, high] for "New numbers"; leave it out to keep the value fixed."""
    step: Annotated[float, Field(gt=0)] = 0.1
    """Re-drawn values are multiples of this, so they stay pleasant by hand."""


class Mistake(Strict):
    """A typical wrong computation of a quantity, recognised so it gets its own feedback."""

    id: Id
    """Kebab-case name, unique within the quantity."""
    value: Text
    """Python expression for the number a learner gets by making this mistake."""
    feedback: Text
    """What went wrong and how to fix it."""


class Quantity(Strict):
    """A number the learner computes by hand and types in."""

    name: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
    """Python name; the evidence sees the computed value under it."""
    label: Text
    """How the quantity is shown to the learner (Markdown + math)."""
    value: Text
    """Python expression for the key, e.g. "w1_t.grad"; the engine computes it."""
    expect: float | None = None
    """Optional hand-written value at the fixed parameters, checked against the engine."""
    tolerance: Tolerance = Tolerance()
    """How close a typed answer must be."""
    mistakes: list[Mistake] = []
    """Typical wrong computations, each with feedback."""


class NumericTrace(ItemBase):
    """A small computation whose intermediate values the learner works out by hand."""

    kind: Literal["numeric_trace"]
    params: Annotated[dict[str, Param], Field(min_length=1)]
    """The computation's inputs, by Python name."""
    code: Text
    """Python run with the engine's names and each parameter bound as a float."""
    root: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
    """Name of the tensor in `code` whose graph is drawn."""
    quantities: Annotated[list[Quantity], Field(min_length=1)]
    """The numbers the learner computes, in the order they are asked for."""
    evidence: str = ""
    """Optional extra asserts, run with each quantity's computed value bound by name."""
    constraints: list[Text] = []
    """Python conditions every set of numbers ("New numbers" included) must meet, e.g.
    "loss_after < loss_before"; they see the params and each quantity's value by name.

    They are checked in order and the first false one rejects a draw, so an earlier one can
    guard a later one ("x != 0", "1 / x < 2"); one that names no quantity is checked before
    the code runs, so it can keep the code away from numbers where it would fail. Each must
    give a bool. Non-finite values, and mistakes equal to the key or to each other, are
    rejected without any constraint."""


class FollowUp(Strict):
    """A question an interviewer might ask next, with a strong answer."""

    question: Text
    answer: Text


class Interview(ItemBase):
    """An interview question with a strong model answer and follow-ups."""

    kind: Literal["interview"]
    answer: Text
    """A strong answer, in Markdown."""
    follow_ups: Annotated[list[FollowUp], Field(min_length=1)]
    """Questions that probe the answer further."""


Item = Annotated[
    Mcq | TrueFalse | ShortAnswer | Matching | Ordering | NumericTrace | Interview,
    Field(discriminator="kind"),
]

KINDS = ("mcq", "true_false", "short_answer", "matching", "ordering", "numeric_trace", "interview")


class Bank(Strict):
    """One lesson's quiz bank: lessons_src/<NN-topic>/quiz.yml."""

    title: Text
    """Shown as the quiz page's title."""
    intro: Text
    """Markdown shown above the questions."""
    items: Annotated[list[Item], Field(min_length=1)]
    """The questions, in the order they are shown."""
