"""Short answer: the learner thinks, reveals a model answer and rates their own."""

from __future__ import annotations

from typing import Literal

from .base import ItemBase, SelfAssessedKind, Text


class ShortAnswer(ItemBase):
    """The learner thinks, then reveals a model answer and judges their own."""

    kind: Literal["short_answer"]
    model_answer: Text
    """A strong answer, in Markdown."""


class ShortAnswerKind(
    SelfAssessedKind, model=ShortAnswer, position=30, label="Short answer", minutes_each=3.0
):
    answer_field = "model_answer"


KIND = ShortAnswerKind()
