"""The figures in a quiz page's header, all computed from the bank."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from quizkit.bank import kinds
from quizkit.bank.model import DIFFICULTIES, Bank, Item


def item_minutes(item: Item) -> float:
    """Estimated minutes to answer one item (its kind's estimate, Kind.minutes)."""
    return kinds.of(item).minutes(item)


@dataclass(frozen=True)
class BankStats:
    """Header figures of one bank."""

    questions: int
    minutes: int
    difficulty: dict[str, int]
    topics: list[str]
    kinds: dict[str, int]


def bank_stats(bank: Bank) -> BankStats:
    """Count questions, estimate time (rounded up to whole minutes) and list topics.

    Topics are ordered by how many items carry them, ties in order of first appearance.
    """
    items = bank.items
    topic_counts = Counter(t for item in items for t in item.topics)
    first_seen = {t: i for i, t in reversed(list(enumerate(t for it in items for t in it.topics)))}
    topics = sorted(topic_counts, key=lambda t: (-topic_counts[t], first_seen[t]))
    difficulty = Counter(item.difficulty for item in items)
    return BankStats(
        questions=len(items),
        minutes=math.ceil(sum(item_minutes(item) for item in items)),
        difficulty={d: difficulty.get(d, 0) for d in DIFFICULTIES},
        topics=topics,
        kinds=dict(Counter(item.kind for item in items)),
    )
