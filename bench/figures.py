"""How the benchmarks print a figure."""

from __future__ import annotations


def as_printed(value: float, digits: int) -> float:
    """`value` rounded to `digits` decimals as it is printed and judged, + 0.0 so that a small
    negative difference prints as 0.00, not -0.00."""
    return round(value, digits) + 0.0
