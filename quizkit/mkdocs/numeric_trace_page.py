"""A numeric trace's numbers at build time, computed by the course's engine for its page.

The values and the graph come from the kind's own `evaluate`
(quizkit.bank.kinds.numeric_trace); here a failure becomes the build's ContentError, naming
the bank and the item.
"""

from __future__ import annotations

from pathlib import Path

from quizkit.bank.kinds import numeric_trace
from quizkit.bank.model import NumericTrace

from .lessons import ContentError


def evaluate(item: NumericTrace, source: Path) -> dict:
    """Run the item's code in the engine and return {"values": {...}, "graph": ...}.

    Raises ContentError naming the bank and the item when the code or an expression fails.
    """
    try:
        from quizkit.backprop import worksheet  # noqa: F401  (only to say what is missing)
    except ImportError as exc:
        raise ContentError(
            [f"{source}: {item.id}: code: the engine (quizkit.backprop.worksheet) is needed"
             f" to compute trace values: {exc}"]
        ) from None  # fmt: skip
    try:
        return numeric_trace.evaluate(item)
    except Exception as exc:  # any error in contributed code is a content error
        raise ContentError([f"{source}: {item.id}: code: {type(exc).__name__}: {exc}"]) from None
