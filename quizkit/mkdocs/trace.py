"""Build-time numbers of numeric_trace items, computed by the course's engine.

The browser receives the same expressions (and the code) so that the runtime can recompute
them after "New numbers"; the expression keys are the contract between the two.
"""

from __future__ import annotations

from pathlib import Path

from quizkit.bank.model import NumericTrace

from .lessons import ContentError


def mistake_key(quantity: str, mistake: str) -> str:
    """The key under which a mistake's value is computed, e.g. "dL_dw1.sign-flip"."""
    return f"{quantity}.{mistake}"


def expressions(item: NumericTrace) -> dict[str, str]:
    """Every expression the widget needs: each quantity and each of its declared mistakes."""
    exprs: dict[str, str] = {}
    for q in item.quantities:
        exprs[q.name] = q.value
        for m in q.mistakes:
            exprs[mistake_key(q.name, m.id)] = m.value
    return exprs


def fixed_params(item: NumericTrace) -> dict[str, float]:
    """The parameters as written in the bank (before any re-draw)."""
    return {name: p.value for name, p in item.params.items()}


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
