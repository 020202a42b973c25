"""Ordering: put steps in the right order."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import Field

from ..problem import Loc
from .base import Bad, ItemBase, Kind, Mutant, Part, Text, copy, show, shuffled_positions


class Step(Part):
    """One step of a sequence."""

    text: Text
    """What the learner sees."""


class Ordering(ItemBase):
    """Put steps in the right order."""

    kind: Literal["ordering"]
    steps: Annotated[list[Step], Field(min_length=2)]
    """Written in the correct order; shuffled for display."""


class OrderingKind(Kind, model=Ordering, position=50, label="Ordering", minutes_each=2.0):
    response = {"order": "ints"}
    answer_rule = "the list of step ids in the order the evidence observed them"
    never_conceptual = True
    distinct = {"text": "step text"}

    def normalise(self, item: Ordering, answer: Any, names: dict[str, Any]) -> Any:
        ids = self.ids(item)
        if not isinstance(answer, list | tuple) or sorted(map(str, answer)) != sorted(ids):
            return Bad(f"answer {show(answer)} must list each step id ({', '.join(ids)}) once")
        return tuple(answer)

    def disagreements(self, item: Ordering, outcome: Any) -> Iterator[tuple[Loc, str]]:
        answer = outcome.answer
        if answer is None:
            return
        written = self.ids(item)
        for si, (seen, wrote) in enumerate(zip(answer, written, strict=True)):
            if seen != wrote:
                yield (
                    ("steps", si, "id"),
                    f"evidence observed the order {', '.join(answer)}; step {si + 1} should be"
                    f" {seen!r}, not {wrote!r}",
                )
                break

    def mutants(self, item: Ordering, outcome: Any) -> list[Mutant]:
        """Each two neighbouring steps swapped."""
        result = []
        for i in range(len(item.steps) - 1):
            steps = list(item.steps)
            steps[i], steps[i + 1] = steps[i + 1], steps[i]
            description = f"steps {item.steps[i].id!r} and {item.steps[i + 1].id!r} swapped"
            result.append(Mutant(description, copy(item, steps=steps)))
        return result

    def payload(self, item: Ordering, md: Any, ctx: Any) -> tuple[dict, dict]:
        shown, order = shuffled_positions(item.steps, item.id)
        return {"steps": shown}, {"order": order}


KIND = OrderingKind()
