"""quiz-check.js reads numbers by the rules client.py exports, in a real browser (Chromium).

No site build is needed: the page is served from memory with quiz-check.js as it is in
quizkit/web/ and quiz-config.js as client.py generates it. The examples are the ones the
Python unit tests check the rules with (test_site_units.py), so both sides meet one list.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from test_site_units import ACCEPTED, REFUSED, REJECTED

from quizkit.mkdocs.client import NUMBER_HELP
from tests.support import open_quiz_modules

ORIGIN = "http://numbers.test/"


@pytest.fixture
def parsed(page: Page):
    """parseNumber(text) for each text, evaluated in the page."""
    open_quiz_modules(page, ORIGIN)

    def parse(texts: list[str]) -> list[dict]:
        return page.evaluate(
            """async (texts) => {
                const { parseNumber } = await import("./quiz-check.js");
                return texts.map((t) => parseNumber(t));
            }""",
            texts,
        )

    return parse


def test_accepted_numbers_have_the_python_values(parsed):
    for text, result in zip(ACCEPTED, parsed(list(ACCEPTED)), strict=True):
        assert result["ok"] and result["value"] == pytest.approx(ACCEPTED[text]), text


def test_text_that_is_no_number_gets_the_help(parsed):
    for text, result in zip(REJECTED, parsed(REJECTED), strict=True):
        assert not result["ok"], text
        if text.strip():
            assert result["message"] == f"This is not a number. {NUMBER_HELP}", text


def test_ambiguous_and_overflowing_numbers_say_why(parsed):
    # 1,000 used to be read as 1.0, and 1e309 as Infinity ("recompute this one").
    for text, result in zip(REFUSED, parsed(list(REFUSED)), strict=True):
        assert result == {"ok": False, "message": REFUSED[text]}, text
