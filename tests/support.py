"""What the browser tests and the start-up benchmark share: how Chromium is launched, and the
course's worked trace exercise as the runtime receives it.

Importable as `tests.support` (pytest puts the repository root on the path; the benchmark
does so itself).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Debian's Chromium, never a browser downloaded by Playwright.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

WORKED_ID = "chain-worked-two-layer"  # SYLLABUS's fixed worked exercise, the course's first trace


def trace_request(item_id: str = WORKED_ID) -> dict:
    """A numeric_trace item of the course as `runtime.evaluate` takes it: code, the params as
    written in the bank, every quantity's and mistake's expression, and the graph's root."""
    from quizkit.bank.kinds.numeric_trace import expressions, fixed_params
    from quizkit.bank.load import load_bank

    for path in sorted((ROOT / "lessons_src").glob("*/quiz.yml")):
        for _, item in load_bank(path).items:
            if item.id == item_id:
                return {
                    "code": item.code,
                    "params": fixed_params(item),
                    "values": expressions(item),
                    "root": item.root,
                }
    raise LookupError(f"no item {item_id!r} in lessons_src/*/quiz.yml")
