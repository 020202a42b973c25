"""The course quiz's build side (quizkit/mkdocs/course_quiz.py), without MkDocs or a browser."""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from quizkit.bank.load import load_bank
from quizkit.mkdocs import course_quiz
from quizkit.mkdocs.glossary import load_terms, merge_terms
from quizkit.mkdocs.render import Renderer, decode_payload

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "lessons_src"
# The time estimates the kinds give (quizkit/bank/kinds/<kind>.py): minutes per question,
# and a numeric trace's per quantity.
MINUTES = {"mcq": 1.0, "true_false": 0.5, "matching": 2.0, "ordering": 2.0}
MINUTES_PER_TRACE_QUANTITY = 1.5


def fixture_pool() -> dict:
    sources = [
        course_quiz.Source(
            bank=load_bank(path).bank,
            path=path,
            lesson_title=path.parent.name,
            lesson_url=f"../lessons/{path.parent.name}/",
        )
        for path in sorted(FIXTURES.glob("*/quiz.yml"))
    ]
    terms = merge_terms(
        [load_terms(p, p.parent.name, "") for p in sorted(FIXTURES.glob("*/terms.yml"))]
    )
    return course_quiz.pool(sources, Renderer(), terms, "../glossary/", {})


def test_pool_holds_each_markable_item_with_its_bank_metadata():
    pool = fixture_pool()
    raw = [
        (path.parent.name, entry)
        for path in sorted(FIXTURES.glob("*/quiz.yml"))
        for entry in yaml.safe_load(path.read_text())["items"]
    ]
    usable = [(folder, e) for folder, e in raw if e["kind"] in course_quiz.KINDS]
    assert "short_answer" not in course_quiz.KINDS and "interview" not in course_quiz.KINDS
    assert [i["id"] for i in pool["items"]] == [e["id"] for _, e in usable]
    for item, (folder, entry) in zip(pool["items"], usable, strict=True):
        assert item["difficulty"] == entry["difficulty"]
        assert item["topics"] == entry["topics"]
        minutes = (
            MINUTES_PER_TRACE_QUANTITY * len(entry["quantities"])
            if entry["kind"] == "numeric_trace"
            else MINUTES[entry["kind"]]
        )
        assert item["minutes"] == minutes
        assert pool["lessons"][item["lesson"]]["title"] == folder
        # The widget's HTML, as a lesson page has it: its payload and its no-JS key.
        assert f'data-qk-id="{entry["id"]}"' in item["html"]
        payload = re.search(r'data-qk-payload="([^"]+)"', item["html"]).group(1)
        assert decode_payload(payload)["kind"] == entry["kind"]
        assert 'class="qk-fallback"' in item["html"]
    json.loads(course_quiz.pool_json(pool))  # the asset is JSON


def test_glossary_terms_are_those_the_items_use():
    pool = fixture_pool()
    by_id = {i["id"]: i for i in pool["items"]}
    # fx-trace's prompt says nothing of the chain rule; its topic tag is not prose.
    assert by_id["fx-trace"]["terms"] == []
    used = {slug for item in pool["items"] for slug in item["terms"]}
    assert {t["slug"] for t in pool["terms"]} == used
    for term in pool["terms"]:
        assert term["href"] == f"../glossary/#{term['slug']}"


def test_rules_in_the_page_follow_the_constants():
    text = " ".join(course_quiz.rules_text())
    total = sum(course_quiz.DRAW.values())
    assert f"{total} questions" in text
    for difficulty, count in course_quiz.DRAW.items():
        assert f"{count} {difficulty}" in text
    assert f"last {course_quiz.KEEP_QUIZZES} quizzes" in text
    html = str(course_quiz.page_html("items.json"))
    assert 'data-qk-pool="items.json"' in html
    assert "<noscript>" in html
