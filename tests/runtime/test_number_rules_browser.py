"""The browser writes and accepts numbers by Python's rules, over Python's own examples.

quiz-config.js (client.py) ships the examples with the rules: each number as Python's
format_number writes it, and each answer with whether Python's `within` accepts it for its
key. Here quiz-check.js, served as it is in quizkit/web/, must agree on every one, through
checkQuantity, the one comparison the numeric-trace widget makes. No site build is needed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page

from quizkit.mkdocs.client import client_config
from tests.support import open_quiz_modules

WEB = Path(__file__).resolve().parents[2] / "quizkit" / "web"
ORIGIN = "http://number-rules.test/"
RULE = "Math.max(tol.abs, tol.rel * Math.abs(exact))"


def judged(page: Page) -> list[dict]:
    """Each acceptance example with the browser's verdict ("accepted") in place of Python's."""
    return page.evaluate(
        """async () => {
            const { checkQuantity } = await import("./quiz-check.js");
            const { default: config } = await import("./quiz-config.js");
            return config.acceptance.examples.map((e) => {
                const quantity = { name: "q", tolerance: { rel: e.rel, abs: e.abs }, mistakes: [] };
                const status = checkQuantity(String(e.answer), quantity, { q: e.key }).status;
                return { ...e, accepted: status === "correct" };
            });
        }"""
    )


def test_the_examples_hold_ties_and_both_notations():
    examples = client_config()["numberFormat"]["examples"]
    texts = [e["text"] for e in examples]
    assert any("e+" in t for t in texts) and any("e-" in t for t in texts)
    assert any("." in t and "e" not in t for t in texts)
    accepted = {e["accepted"] for e in client_config()["acceptance"]["examples"]}
    assert accepted == {True, False}


def test_numbers_are_written_as_python_writes_them(page: Page):
    open_quiz_modules(page, ORIGIN)
    written = page.evaluate(
        """async () => {
            const { formatNumber } = await import("./quiz-check.js");
            const { default: config } = await import("./quiz-config.js");
            const write = (e) => ({ value: e.value, text: formatNumber(e.value) });
            return config.numberFormat.examples.map(write);
        }"""
    )
    assert written == client_config()["numberFormat"]["examples"]


def test_answers_are_accepted_as_python_accepts_them(page: Page):
    open_quiz_modules(page, ORIGIN)
    assert judged(page) == client_config()["acceptance"]["examples"]


@pytest.mark.parametrize("factor", [1.5, 1 / 1.5])
def test_the_examples_catch_a_wider_or_narrower_tolerance(page: Page, factor: float):
    source = (WEB / "quiz-check.js").read_text("utf-8")
    assert source.count(RULE) == 1, "withinTolerance's rule moved: update RULE here"
    open_quiz_modules(page, ORIGIN, {"quiz-check.js": source.replace(RULE, f"{factor} * {RULE}")})
    assert judged(page) != client_config()["acceptance"]["examples"]
