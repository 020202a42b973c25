"""Short answer: the learner thinks, reveals a model answer and rates their own."""

from __future__ import annotations

from typing import Any, Literal

from .base import REVEAL_RESPONSE, ItemBase, Kind, Text


class ShortAnswer(ItemBase):
    """The learner thinks, then reveals a model answer and judges their own."""

    kind: Literal["short_answer"]
    model_answer: Text
    """A strong answer, in Markdown."""


class ShortAnswerKind(Kind):
    """Self-assessed: the evidence asserts the model answer's claims; there is no key."""

    name = "short_answer"
    model = ShortAnswer
    position = 30
    label = "Short answer"
    minutes_each = 3.0
    response = REVEAL_RESPONSE

    def payload(self, item: ShortAnswer, md: Any, ctx: Any) -> tuple[dict, dict]:
        return {}, {"model": str(md.block(item.model_answer))}


KIND = ShortAnswerKind()
