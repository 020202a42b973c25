"""Build-time numbers of numeric_trace items, computed by the course's engine.

The browser receives the item's spec (quizkit.bank.draws.spec: code, params, expressions,
tolerances, mistakes, constraints) so that "New numbers" can ask the engine for numbers
that keep every rule (quizkit.backprop.worksheet.new_numbers); the expression keys are the
contract between the two. The spec is the bank checker's own, so CI checks exactly what the
page can show.
"""

from __future__ import annotations

from pathlib import Path

from quizkit.bank.draws import spec
from quizkit.bank.evidence import expressions, fixed_params, mistake_key
from quizkit.bank.model import NumericTrace

from .lessons import ContentError


def evaluate(item: NumericTrace, source: Path) -> dict:
    """Run the item's code in the engine and return {"values": {...}, "graph": ...}.

    Raises ContentError naming the bank and the item when the code or an expression fails.
    """
    try:
        from quizkit.backprop.worksheet import evaluate as engine_evaluate
    except ImportError as exc:
        raise ContentError(
            [f"{source}: {item.id}: code: the engine (quizkit.backprop.worksheet) is needed"
             f" to compute trace values: {exc}"]
        ) from None  # fmt: skip
    try:
        result = engine_evaluate(item.code, fixed_params(item), expressions(item), item.root)
    except Exception as exc:  # any error in contributed code is a content error
        raise ContentError([f"{source}: {item.id}: code: {type(exc).__name__}: {exc}"]) from None
    return {"values": {k: float(v) for k, v in result["values"].items()}, "graph": result["graph"]}


__all__ = ["evaluate", "expressions", "fixed_params", "mistake_key", "spec"]
