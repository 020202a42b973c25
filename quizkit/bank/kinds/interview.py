"""Interview question: a strong model answer and the follow-ups an interviewer asks next."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import Field

from ..problem import Loc
from .base import ItemBase, SelfAssessedKind, Strict, Text, duplicates


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


class InterviewKind(
    SelfAssessedKind, model=Interview, position=70, label="Interview question", minutes_each=5.0
):
    answer_field = "answer"

    def problems(self, item: Interview, reserved: frozenset[str]) -> Iterator[tuple[Loc, str]]:
        yield from duplicates(
            [f.question for f in item.follow_ups], ("follow_ups",), "question", "question"
        )

    def payload(self, item: Interview, md: Any, ctx: Any) -> tuple[dict, dict]:
        shown, key = super().payload(item, md, ctx)
        key["followUps"] = [
            {"question": str(md.block(f.question)), "answer": str(md.block(f.answer))}
            for f in item.follow_ups
        ]
        return shown, key


KIND = InterviewKind()
