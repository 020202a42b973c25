"""Multiple choice: exactly one correct option, feedback on every other one."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Annotated, Any, Literal

from pydantic import Field

from ..problem import Loc
from .base import Bad, ItemBase, Kind, Mutant, Part, Text, copy, show, shuffled, within


class Option(Part):
    """One choice of a multiple-choice question."""

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


def _keys(item: Mcq) -> list[int]:
    return [i for i, option in enumerate(item.options) if option.correct]


class McqKind(Kind, model=Mcq, position=10, label="Multiple choice", minutes_each=1.0):
    response = {"choice": "text|null"}
    answer_rule = "the correct option's id, or a number compared with the options' values"
    distinct = {"text": "option text"}

    def problems(self, item: Mcq, reserved: frozenset[str]) -> Iterator[tuple[Loc, str]]:
        # Here, not at the top: the balance rules read this module's Mcq.
        from ..balance import distractor_problems

        keys = _keys(item)
        if not keys:
            yield ("options",), "no option has correct: true; exactly one must be the key"
        for extra in keys[1:]:
            first = item.options[keys[0]].id
            yield (
                ("options", extra, "correct"),
                f"a second key (options[{keys[0]}] {first!r} is also correct: true);"
                " exactly one option must be correct",
            )
        yield from super().problems(item, reserved)
        yield from distractor_problems(item)
        key = item.options[keys[0]] if keys else None
        for index, option in enumerate(item.options):
            if option.value is not None and not math.isfinite(option.value):
                message = f"value must be a finite number, not {option.value}"
                yield ("options", index, "value"), message
                continue
            if option.correct:
                continue
            if not (option.feedback or "").strip():
                yield (
                    ("options", index),
                    f"distractor {option.id!r} has no feedback: say why a learner might pick it"
                    " and why it is wrong",
                )
            if (
                key is not None
                and key.value is not None
                and option.value is not None
                and math.isfinite(key.value)
                and within(option.value, key.value)
            ):
                yield (
                    ("options", index, "value"),
                    f"distractor value {option.value:g} equals the key's value {key.value:g}"
                    " within tolerance",
                )

    def normalise(self, item: Mcq, answer: Any, names: dict[str, Any]) -> Any:
        if isinstance(answer, str):
            ids = self.ids(item)
            if answer not in ids:
                return Bad(f"answer {answer!r} is not an option id ({', '.join(ids)})")
            return answer
        from ..evidence import as_number  # here: the evidence runner dispatches to this module

        number = as_number(answer, names)
        if number is None:
            return Bad(f"answer is {show(answer)}")
        if not math.isfinite(number):
            return Bad(f"answer is {number}")
        return number

    def disagreements(self, item: Mcq, outcome: Any) -> Iterator[tuple[Loc, str]]:
        answer = outcome.answer
        keys = _keys(item)
        if answer is None or len(keys) != 1:
            return  # no verdict, or the content checks report the missing or extra key
        ki = keys[0]
        key = item.options[ki]
        if isinstance(answer, str):
            if answer != key.id:
                message = f"evidence says {answer!r}, but the key is {key.id!r}"
                yield ("options", ki, "correct"), message
            return
        if key.value is None:
            yield (
                ("options", ki),
                f"evidence computes {answer:.6g}, but the key has no value to compare it with",
            )
        elif not within(key.value, answer):
            yield (
                ("options", ki, "value"),
                f"evidence computes {answer:.6g}, but the key's value is {key.value:.6g}",
            )
        for oi, option in enumerate(item.options):
            if oi != ki and option.value is not None and within(option.value, answer):
                yield (
                    ("options", oi, "value"),
                    f"evidence computes {answer:.6g}, which this distractor's value matches:"
                    " the distractor is not refuted",
                )

    def mutants(self, item: Mcq, outcome: Any) -> list[Mutant]:
        """Each other option marked as the key instead."""
        keys = _keys(item)
        if len(keys) != 1:
            return []
        result = []
        for new in range(len(item.options)):
            if new == keys[0]:
                continue
            # The old key becomes a distractor and gets feedback, so the mutant differs from
            # the original only in which option is the key.
            options = [
                copy(o, correct=i == new, feedback=o.feedback or "mutant feedback")
                for i, o in enumerate(item.options)
            ]
            description = f"key moved to option {item.options[new].id!r}"
            result.append(Mutant(description, copy(item, options=options)))
        return result

    def payload(self, item: Mcq, md: Any, ctx: Any) -> tuple[dict, dict]:
        options = shuffled(item.options, item.id)
        payload = {
            "correct": [i for i, o in enumerate(options) if o.correct],
            "feedback": [str(md.block(o.feedback)) if o.feedback else None for o in options],
        }
        return {"options": options}, payload


KIND = McqKind()
