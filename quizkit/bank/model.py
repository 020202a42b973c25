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
    # Unknown keys are almost always typos ("feeback"); reject them.
    model_config = ConfigDict(extra="forbid", frozen=True)


class ItemBase(Strict):
    id: Id
    prompt: Text
    difficulty: Difficulty
    topics: Annotated[list[Id], Field(min_length=1)]
    explanation: Text
    hints: list[Text] = []
    # Python run against quizkit.backprop in a fresh namespace. For kinds with a
    # key it must bind `answer`; see quizkit.bank.evidence for each kind's rule.
    evidence: Text


class Option(Strict):
    id: Id
    text: Text
    correct: bool = False
    # A number the option stands for; lets evidence refute numeric distractors.
    value: float | None = None
    feedback: str | None = None


class Mcq(ItemBase):
    kind: Literal["mcq"]
    options: Annotated[list[Option], Field(min_length=2)]


class TrueFalse(ItemBase):
    kind: Literal["true_false"]
    answer: bool


class ShortAnswer(ItemBase):
    kind: Literal["short_answer"]
    model_answer: Text


class Pair(Strict):
    id: Id
    term: Text
    definition: Text


class Matching(ItemBase):
    kind: Literal["matching"]
    pairs: Annotated[list[Pair], Field(min_length=2)]


class Step(Strict):
    id: Id
    text: Text


class Ordering(ItemBase):
    kind: Literal["ordering"]
    # Written in the correct order; shuffled for display.
    steps: Annotated[list[Step], Field(min_length=2)]


class Tolerance(Strict):
    rel: Annotated[float, Field(ge=0)] = DEFAULT_REL_TOL
    abs: Annotated[float, Field(ge=0)] = DEFAULT_ABS_TOL


class Param(Strict):
    value: float
    # Inclusive bounds for "New numbers"; absent means the value never changes.
    range: tuple[float, float] | None = None
    # Re-drawn values are multiples of step, so they stay pleasant to compute by hand.
    step: Annotated[float, Field(gt=0)] = 0.1


class Mistake(Strict):
    id: Id
    # A Python expression over the computation's namespace: the value a learner
    # gets by making this error.
    value: Text
    feedback: Text


class Quantity(Strict):
    name: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
    # How the quantity is shown to the learner (Markdown + math).
    label: Text
    # A Python expression over the computation's namespace, e.g. "w1.grad".
    value: Text
    # Optional hand-written expectation at the fixed parameters, checked by CI.
    expect: float | None = None
    tolerance: Tolerance = Tolerance()
    mistakes: list[Mistake] = []


class NumericTrace(ItemBase):
    kind: Literal["numeric_trace"]
    params: Annotated[dict[str, Param], Field(min_length=1)]
    # Python run with quizkit.backprop's names and each parameter bound as a float.
    code: Text
    # Name of the tensor in `code` whose graph is drawn (and traced backward).
    root: Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
    quantities: Annotated[list[Quantity], Field(min_length=1)]
    # The computation itself is the evidence; extra assertions are optional.
    evidence: str = ""


class FollowUp(Strict):
    question: Text
    answer: Text


class Interview(ItemBase):
    kind: Literal["interview"]
    answer: Text
    follow_ups: Annotated[list[FollowUp], Field(min_length=1)]


Item = Annotated[
    Mcq | TrueFalse | ShortAnswer | Matching | Ordering | NumericTrace | Interview,
    Field(discriminator="kind"),
]

KINDS = ("mcq", "true_false", "short_answer", "matching", "ordering", "numeric_trace", "interview")


class Bank(Strict):
    title: Text
    intro: Text
    items: Annotated[list[Item], Field(min_length=1)]
