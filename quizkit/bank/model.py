"""The quiz-bank data model: a bank, and one item of any kind.

The single definition of the bank format. Each kind's pydantic class lives in its own
module (quizkit/bank/kinds/<kind>.py); this module joins them into `Item` and `Bank`. The
loader validates YAML against these, the JSON Schema shipped to editors is generated from
them, the site renders from them and the evidence runner checks them. Field names are the
YAML keys a contributor writes.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from . import kinds
from .kinds.base import (
    DEFAULT_ABS_TOL,
    DEFAULT_REL_TOL,
    DIFFICULTIES,
    Difficulty,
    Id,
    ItemBase,
    Strict,
    Text,
    Tolerance,
)
from .kinds.interview import FollowUp, Interview
from .kinds.matching import Matching, Pair
from .kinds.mcq import Mcq, Option
from .kinds.numeric_trace import Mistake, NumericTrace, Param, Quantity
from .kinds.ordering import Ordering, Step
from .kinds.short_answer import ShortAnswer
from .kinds.true_false import TrueFalse

Item = kinds.item_type(kinds.BUILT_IN)

KINDS = tuple(kind.name for kind in kinds.BUILT_IN)


class Bank(Strict):
    """One lesson's quiz bank: lessons_src/<NN-topic>/quiz.yml."""

    title: Text
    """Shown as the quiz page's title."""
    intro: Text
    """Markdown shown above the questions."""
    items: Annotated[list[Item], Field(min_length=1)]  # type: ignore[valid-type]
    """The questions, in the order they are shown."""


__all__ = [
    "DEFAULT_ABS_TOL",
    "DEFAULT_REL_TOL",
    "DIFFICULTIES",
    "KINDS",
    "Bank",
    "Difficulty",
    "FollowUp",
    "Id",
    "Interview",
    "Item",
    "ItemBase",
    "Matching",
    "Mcq",
    "Mistake",
    "NumericTrace",
    "Option",
    "Ordering",
    "Pair",
    "Param",
    "Quantity",
    "ShortAnswer",
    "Step",
    "Strict",
    "Text",
    "Tolerance",
    "TrueFalse",
]
