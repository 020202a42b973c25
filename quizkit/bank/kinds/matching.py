"""Matching: each term to its definition."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import Field

from ..problem import Loc
from .base import Bad, ItemBase, Kind, Mutant, Part, Text, copy, show, shuffled_positions


class Pair(Part):
    """A term and the definition that belongs to it."""

    term: Text
    """Shown in a fixed column."""
    definition: Text
    """Shuffled for display; the learner matches it to its term."""


class Matching(ItemBase):
    """Match each term to its definition."""

    kind: Literal["matching"]
    pairs: Annotated[list[Pair], Field(min_length=2)]
    """Each term written with its own definition."""


class MatchingKind(Kind, model=Matching, position=40, label="Matching", minutes_each=2.0):
    response = {"choices": "texts"}
    answer_rule = "a dict mapping each pair id to the id of the pair whose definition fits it"
    never_conceptual = True
    distinct = {"term": "term", "definition": "definition"}

    def normalise(self, item: Matching, answer: Any, names: dict[str, Any]) -> Any:
        ids = {pair.id: pair for pair in item.pairs}
        if not isinstance(answer, dict):
            return Bad(f"answer is {show(answer)}")
        if set(answer) != set(ids) or not all(v in ids for v in answer.values()):
            return Bad(f"answer {answer!r} must use exactly the pair ids {', '.join(ids)}")
        # Resolved to text now, so that judging an altered copy of the item compares the
        # pairs the evidence proved, not ids that moved with the alteration.
        return {ids[term].term: ids[defn].definition for term, defn in answer.items()}

    def disagreements(self, item: Matching, outcome: Any) -> Iterator[tuple[Loc, str]]:
        answer = outcome.answer
        if answer is None:
            return
        for pi, pair in enumerate(item.pairs):
            claimed = answer.get(pair.term)
            if claimed is None:
                yield ("pairs", pi, "term"), f"evidence matches {pair.term!r} with nothing"
            elif claimed != pair.definition:
                yield (
                    ("pairs", pi, "definition"),
                    f"evidence matches {pair.term!r} with {claimed!r}, not with this definition",
                )

    def mutants(self, item: Matching, outcome: Any) -> list[Mutant]:
        """The definitions of each two pairs swapped."""
        result = []
        pairs = item.pairs
        for i in range(len(pairs)):
            for j in range(i + 1, len(pairs)):
                swapped = list(pairs)
                swapped[i] = copy(pairs[i], definition=pairs[j].definition)
                swapped[j] = copy(pairs[j], definition=pairs[i].definition)
                description = f"definitions of {pairs[i].id!r} and {pairs[j].id!r} swapped"
                result.append(Mutant(description, copy(item, pairs=swapped)))
        return result

    def payload(self, item: Matching, md: Any, ctx: Any) -> tuple[dict, dict]:
        definitions, key = shuffled_positions(item.pairs, item.id)
        return {"definitions": definitions}, {"key": key}


KIND = MatchingKind()
