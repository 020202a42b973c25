"""True or false: a statement the learner judges."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

import numpy as np

from ..problem import Loc
from .base import Bad, ItemBase, Kind, Mutant, copy, show


class TrueFalse(ItemBase):
    """A statement the learner judges true or false."""

    kind: Literal["true_false"]
    answer: bool
    """Whether the prompt's statement is true."""


class TrueFalseKind(Kind, model=TrueFalse, position=20, label="True or false", minutes_each=0.5):
    response = {"choice": "text|null"}
    answer_rule = "True or False, as measured"

    def normalise(self, item: TrueFalse, answer: Any, names: dict[str, Any]) -> Any:
        if isinstance(answer, bool | np.bool_):
            return bool(answer)
        return Bad(f"answer is {show(answer)}")

    def disagreements(self, item: TrueFalse, outcome: Any) -> Iterator[tuple[Loc, str]]:
        answer = outcome.answer
        if answer is not None and answer != item.answer:
            yield (
                ("answer",),
                f"evidence measured {str(answer).lower()}, but the key says"
                f" {str(item.answer).lower()}",
            )

    def mutants(self, item: TrueFalse, outcome: Any) -> list[Mutant]:
        """The truth value flipped."""
        flipped = not item.answer
        return [Mutant(f"answer flipped to {flipped}", copy(item, answer=flipped))]

    def payload(self, item: TrueFalse, md: Any, ctx: Any) -> tuple[dict, dict]:
        return {}, {"answer": item.answer}


KIND = TrueFalseKind()
