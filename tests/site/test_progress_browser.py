"""Scores that mean something and work that is never lost (issue 9), in a real browser.

Against the fixture course (tests/site/fixtures): one item of every kind with known answers.
"""

from __future__ import annotations

import json

import pytest
from playwright.sync_api import Page, expect
from test_site_browser import (
    MATCH_KEY,
    ORDER_KEY,
    QUIZ,
    arrange,
    choose,
    item,
    match_letters,
    open_page,
    score,
)
from tests.support import quiz_ready, texts

KEY = "backprop-lab:progress:v1"


def reload(page: Page) -> None:
    page.reload()
    quiz_ready(page)


def stored(page: Page) -> dict:
    return json.loads(page.evaluate(f"localStorage.getItem('{KEY}')") or "{}")


def show_answer(page: Page, item_id: str) -> None:
    item(page, item_id).get_by_role("button", name="Show the answer").click()


def force_check(page: Page, item_id: str) -> None:
    """Submit the item's form even if its Check button is put away."""
    page.evaluate(f"document.querySelector('#qk-{item_id} .qk-form').requestSubmit()")


# -- score integrity -------------------------------------------------------------------------


def test_reveal_then_check_leaves_the_score_unchanged(page, fixture_site):
    open_page(page, fixture_site, QUIZ)
    trace = item(page, "fx-trace")
    trace.locator('[data-qk-quantity="q"] input').fill("1")
    trace.get_by_role("button", name="Check").click()
    show_answer(page, "fx-trace")
    force_check(page, "fx-trace")

    match = item(page, "fx-match")
    for term in MATCH_KEY:
        match.get_by_label(term).select_option(index=1)
    match.get_by_role("button", name="Check").click()
    show_answer(page, "fx-match")
    force_check(page, "fx-match")

    arrange(page, ORDER_KEY[::-1])
    item(page, "fx-order").get_by_role("button", name="Check").click()
    show_answer(page, "fx-order")
    force_check(page, "fx-order")

    before = float(score(page))
    assert before <= 2 / 3 + 0.01  # matching's first choice row may be right by chance
    # Starting over and answering everything right is practice: the score does not move.
    for item_id in ("fx-trace", "fx-match", "fx-order"):
        item(page, item_id).get_by_role("button", name="Start over").click()
    for name, value in {"q": "5", "f": "20", "dfdx": "4"}.items():
        trace.locator(f'[data-qk-quantity="{name}"] input').fill(value)
    trace.get_by_role("button", name="Check").click()
    expect(trace.locator(".qk-feedback")).to_contain_text("practice")
    expect(trace.locator(".qk-status")).to_contain_text("Attempt 2: practice")
    assert float(score(page)) == pytest.approx(before)
    reload(page)
    assert float(score(page)) == pytest.approx(before)
    expect(trace.locator(".qk-status")).to_contain_text("after the answer was shown")


def test_hints_lower_the_credit_and_the_page_says_how(page, fixture_site):
    open_page(page, fixture_site, QUIZ)
    mcq = item(page, "fx-mcq")
    mcq.get_by_role("button", name="Show a hint (1 of 2)").click()
    choose(page, "fx-mcq", "6")
    assert score(page) == "0.9"
    expect(mcq.locator(".qk-status")).to_contain_text("after hints")
    # With the explanation on screen, no more hints are offered.
    expect(mcq.locator(".qk-hint")).to_be_hidden()
    expect(page.locator(".qk-rules")).to_contain_text("10% off")
    reload(page)
    assert score(page) == "0.9"
    expect(mcq.get_by_text("HINT-ONE")).to_be_visible()


# -- state that survives ---------------------------------------------------------------------

NEW_NUMBERS = """() => {
    const section = document.getElementById("qk-fx-trace");
    section.dispatchEvent(new CustomEvent("quizkit:values", {detail: {
        params: {x: 3}, values: {q: 6, f: 24, "f.added": 10, dfdx: 4}}}));
    // As numeric-trace-live.js does right after sending the numbers.
    const url = new URL(location.href);
    url.searchParams.set("seed", "7");
    url.hash = "qk-fx-trace";
    history.replaceState(null, "", url);
}"""


def test_values_typed_after_new_numbers_survive_a_reload(page, fixture_site):
    open_page(page, fixture_site, QUIZ)
    trace = item(page, "fx-trace")
    page.evaluate(NEW_NUMBERS)
    expect(trace.locator('[data-qk-param="x"] .qk-param-value')).to_have_text("3")
    trace.locator('[data-qk-quantity="q"] input').fill("6")
    trace.locator('[data-qk-quantity="f"] input').fill("2")  # typed, not checked
    page.wait_for_timeout(400)  # saved shortly after typing
    record = stored(page)["items"]["fx-trace"]
    assert record["response"]["seed"] == 7 and record["response"]["params"]["x"] == 3
    # Reopened without the seed in the address (so no Python is needed): the record has it.
    open_page(page, fixture_site, QUIZ)
    expect(trace.locator('[data-qk-param="x"] .qk-param-value')).to_have_text("3")
    expect(trace.locator('[data-qk-quantity="q"] input')).to_have_value("6")
    expect(trace.locator('[data-qk-quantity="f"] input')).to_have_value("2")
    # The runtime drawing the same seed again keeps the work, and it is checked against them.
    page.evaluate(NEW_NUMBERS)
    expect(trace.locator('[data-qk-quantity="q"] input')).to_have_value("6")
    trace.get_by_role("button", name="Check").click()
    expect(trace.locator(".qk-feedback")).to_contain_text("1 of 3 values are correct")


def test_notes_typed_and_not_left_survive_a_reload(page, fixture_site):
    open_page(page, fixture_site, QUIZ)
    short = item(page, "fx-short").get_by_label("Your answer")
    short.click()
    page.keyboard.type("Uphill because")  # the box keeps the focus: no change event
    page.reload()  # at once, inside the save delay
    quiz_ready(page)
    expect(item(page, "fx-short").get_by_label("Your answer")).to_have_value("Uphill because")


def test_choices_matches_and_order_are_saved_before_checking(page, fixture_site):
    open_page(page, fixture_site, QUIZ)
    item(page, "fx-mcq").get_by_label("5", exact=True).check()
    letters = match_letters(page, MATCH_KEY)
    item(page, "fx-match").get_by_label("Add gate").select_option(label=letters["Add gate"])
    arrange(page, ORDER_KEY)
    page.wait_for_timeout(400)
    reload(page)
    expect(item(page, "fx-mcq").get_by_label("5", exact=True)).to_be_checked()
    chosen = item(page, "fx-match").get_by_label("Add gate")
    assert chosen.evaluate("s => s.selectedOptions[0].textContent") == letters["Add gate"]
    steps = texts(item(page, "fx-order").locator(".qk-step-text"))
    assert steps == ORDER_KEY
    assert score(page) == "0"  # nothing checked yet


def test_reset_asks_first_and_can_be_undone(page, fixture_site):
    open_page(page, fixture_site, QUIZ)
    arrange(page, ORDER_KEY[:2] + ORDER_KEY[:1:-1])  # two of four in place, key not seen
    item(page, "fx-order").get_by_role("button", name="Check").click()
    page.get_by_role("button", name="Reset this page").click()
    page.get_by_role("button", name="Keep them").click()
    assert score(page) == "0.5"
    page.get_by_role("button", name="Reset this page").click()
    expect(page.locator(".qk-confirm")).to_contain_text("1 question")
    page.get_by_role("button", name="Clear my answers").click()
    assert score(page) == "0"
    page.get_by_role("button", name="Undo").click()
    assert score(page) == "0.5"
    expect(item(page, "fx-order").locator(".qk-feedback")).to_contain_text("2 of 4")
    reload(page)
    assert score(page) == "0.5"


def test_reset_after_the_answer_was_shown_keeps_it_locked(page, fixture_site):
    open_page(page, fixture_site, QUIZ)
    arrange(page, ORDER_KEY[::-1])  # none in place
    item(page, "fx-order").get_by_role("button", name="Check").click()
    show_answer(page, "fx-order")
    assert score(page) == "0"
    page.get_by_role("button", name="Reset this page").click()
    page.get_by_role("button", name="Clear my answers").click()
    arrange(page, ORDER_KEY)
    item(page, "fx-order").get_by_role("button", name="Check").click()
    assert score(page) == "0"
    status = item(page, "fx-order").locator(".qk-status")
    expect(status).to_contain_text("after the answer was shown")
    reload(page)
    assert score(page) == "0"


def test_undo_survives_a_reload_and_its_words_leave_with_the_button(page, fixture_site):
    open_page(page, fixture_site, QUIZ)
    arrange(page, ORDER_KEY[:2] + ORDER_KEY[:1:-1])
    item(page, "fx-order").get_by_role("button", name="Check").click()
    page.get_by_role("button", name="Reset this page").click()
    page.get_by_role("button", name="Clear my answers").click()
    reload(page)
    assert score(page) == "0"
    page.get_by_role("button", name="Undo").click()
    assert score(page) == "0.5"
    # An expired offer: the button and its words are gone together.
    page.evaluate(f"""() => {{
        localStorage.setItem("{KEY}:undo", JSON.stringify({{
            what: "reset", ids: ["fx-order"], records: {{}}, until: Date.now() + 2500}}));
    }}""")
    reload(page)
    expect(page.get_by_role("button", name="Undo")).to_be_visible()
    expect(page.locator(".qk-toolbar-status")).to_contain_text("undo this")
    expect(page.get_by_role("button", name="Undo")).to_have_count(0, timeout=5000)
    expect(page.locator(".qk-toolbar-status")).not_to_contain_text("undo this")


def test_storage_full_is_explained_and_what_was_saved_is_kept(page, fixture_site):
    open_page(page, fixture_site, QUIZ)
    choose(page, "fx-mcq", "6")
    page.wait_for_timeout(400)
    saved = page.evaluate(f"localStorage.getItem('{KEY}')")
    page.evaluate(
        """(key) => {
            const realSet = Storage.prototype.setItem;
            Storage.prototype.setItem = function (k, v) {
                if (k === key) throw new DOMException("full", "QuotaExceededError");
                return realSet.call(this, k, v);
            };
        }""",
        KEY,
    )
    choose(page, "fx-tf", "True")
    expect(page.locator(".qk-storage")).to_contain_text("storage is full")
    expect(page.locator(".qk-storage")).to_contain_text("What was saved before is kept")
    assert page.evaluate(f"localStorage.getItem('{KEY}')") == saved


# -- import validated ------------------------------------------------------------------------


def test_import_cannot_move_the_score_outside_0_to_n_and_reports_unusable_entries(
    page, fixture_site, tmp_path
):
    open_page(page, fixture_site, QUIZ)
    labels = item(page, "fx-mcq").locator("label").all_inner_texts()
    wrong = str(labels.index("5"))
    data = {
        "format": "backprop-lab-progress",
        "version": 1,
        "items": {
            "fx-mcq": {"response": {"choice": wrong}, "score": 999},
            "fx-tf": {"response": {"choice": "true"}, "score": -3},
            "fx-order": {"response": {"order": [0, 0, 0, 0]}, "score": 1},
            "fx-match": {"kind": "matching", "response": {"choices": ["9", "9", "9"]}},
            "fx-short": {"kind": "short_answer", "response": {"notes": "x" * 6_000_000}},
        },
    }
    path = tmp_path / "progress.json"
    path.write_text(json.dumps(data))
    page.locator(".qk-import-file").set_input_files(str(path))
    page.get_by_role("button", name="Import", exact=True).click()
    status = page.locator(".qk-toolbar-status")
    expect(status).to_contain_text("Imported progress for 2 questions.")
    problems = status.locator(".qk-import-problems li").all_inner_texts()
    assert sorted(p.split(":")[0] for p in problems) == ["fx-match", "fx-order", "fx-short"]
    assert score(page) == "1"  # mcq wrong (0), true_false right (1): recomputed
    reload(page)
    assert score(page) == "1"
    assert len(page.evaluate(f"localStorage.getItem('{KEY}')")) < 100_000
    expect(item(page, "fx-order").locator(".qk-feedback")).to_be_empty()


# -- layout ----------------------------------------------------------------------------------

OUTSIDE = """() => {
    const out = [];
    const width = document.documentElement.clientWidth;
    for (const card of document.querySelectorAll(".qk-item")) {
        const box = card.getBoundingClientRect();
        const parts = card.querySelectorAll(
            "button:not([hidden]), input, select, textarea, .qk-mark:not(:empty), .qk-msg");
        for (const part of parts) {
            const r = part.getBoundingClientRect();
            if (r.width === 0 && r.height === 0) continue;
            if (r.left < 0 || r.right > width + 0.5 || r.left < box.left - 0.5
                || r.right > box.right + 0.5) {
                out.push(`${card.id} ${part.className || part.tagName}: ${r.left}-${r.right}`
                         + ` (card ${box.left}-${box.right}, screen ${width})`);
            }
        }
    }
    return out;
}"""


def input_positions(page: Page) -> list[list[float]]:
    return page.evaluate(
        """() => [...document.querySelectorAll('#qk-fx-trace input, #qk-fx-match select')]
            .map((e) => { const r = e.getBoundingClientRect(); return [r.left, r.width]; })"""
    )


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_no_control_or_mark_leaves_the_screen_or_its_card(page, fixture_site, width, scheme):
    page.set_viewport_size({"width": width, "height": 800})
    page.emulate_media(color_scheme=scheme)
    open_page(page, fixture_site, QUIZ)
    trace = item(page, "fx-trace")
    for name in ("q", "f", "dfdx"):
        trace.locator(f'[data-qk-quantity="{name}"] input').fill("1")
    match = item(page, "fx-match")
    for term in MATCH_KEY:
        match.get_by_label(term).select_option(index=1)
    before = input_positions(page)
    trace.get_by_role("button", name="Check").click()
    match.get_by_role("button", name="Check").click()
    arrange(page, ORDER_KEY[::-1])
    item(page, "fx-order").get_by_role("button", name="Check").click()
    choose(page, "fx-mcq", "5")
    expect(trace.locator(".qk-mark-wrong")).to_have_count(3)
    assert input_positions(page) == before  # marks appearing move no input
    marks = trace.locator(".qk-mark-wrong").all_inner_texts()
    assert marks == ["✗ not right"] * 3
    assert page.evaluate(OUTSIDE) == []
    show_answer(page, "fx-trace")
    show_answer(page, "fx-match")
    assert page.evaluate(OUTSIDE) == []


# -- review of the progress system -----------------------------------------------------------


def test_fixing_the_marked_rows_and_checking_again_costs_credit(page, fixture_site):
    open_page(page, fixture_site, QUIZ)
    arrange(page, ORDER_KEY[::-1])
    order = item(page, "fx-order")
    order.get_by_role("button", name="Check").click()
    arrange(page, ORDER_KEY)  # fixed with the help of the ✗ marks
    order.get_by_role("button", name="Check").click()
    assert score(page) == "0.75"  # progress.py RECHECK_COST
    expect(order.locator(".qk-status")).to_contain_text("after 2 checks")
    expect(order.locator(".qk-status")).not_to_contain_text("first try")
    expect(page.locator(".qk-rules")).to_contain_text("each check after the first")
    reload(page)
    assert score(page) == "0.75"


def test_a_second_tab_keeps_the_other_tabs_lock_and_work(page, fixture_site):
    open_page(page, fixture_site, QUIZ)
    other = page.context.new_page()
    open_page(other, fixture_site, QUIZ)
    # Tab 1 sees the key; tab 2, which loaded before, types a note and checks the right order.
    arrange(page, ORDER_KEY[::-1])
    item(page, "fx-order").get_by_role("button", name="Check").click()
    show_answer(page, "fx-order")
    page.wait_for_timeout(400)
    item(other, "fx-short").get_by_label("Your answer").fill("TAB-TWO-NOTE")
    other.wait_for_timeout(400)
    # The storage event brought the lock to tab 2 already.
    expect(item(other, "fx-order").locator(".qk-status")).to_contain_text("answer has been shown")
    # Even if it had not, its save merges: written behind its back, the lock comes back.
    other.evaluate("""() => window.dispatchEvent(new Event('pagehide'))""")
    arrange(other, ORDER_KEY)
    force_check(other, "fx-order")
    other.wait_for_timeout(400)
    record = stored(page)["items"]["fx-order"]
    assert record["seen"] is True and record["counted"]["order"] != [
        item(page, "fx-order").locator(".qk-step").nth(0).get_attribute("data-qk-step")
    ]
    reload(page)
    assert score(page) == "0"
    expect(item(page, "fx-short").get_by_label("Your answer")).to_have_value("TAB-TWO-NOTE")


def test_a_write_from_another_tab_is_merged_not_overwritten(page, fixture_site):
    open_page(page, fixture_site, QUIZ)
    arrange(page, ORDER_KEY[::-1])
    item(page, "fx-order").get_by_role("button", name="Check").click()
    page.wait_for_timeout(400)
    # Another tab (simulated without its storage event) marks the key seen, later.
    page.evaluate(
        f"""() => {{
            const data = JSON.parse(localStorage.getItem("{KEY}"));
            const r = data.items["fx-order"];
            const at = "2999-01-01T00:00:00Z";
            data.items["fx-order"] = {{...r, seen: true, revealed: true, at}};
            data.items["fx-elsewhere"] = {{kind: "mcq", response: {{choice: "1"}}, at: "2999"}};
            localStorage.setItem("{KEY}", JSON.stringify(data));
        }}"""
    )
    item(page, "fx-short").get_by_label("Your answer").fill("typed here")
    page.wait_for_timeout(400)
    items = stored(page)["items"]
    assert items["fx-order"]["seen"] is True and "fx-elsewhere" in items
    assert items["fx-short"]["response"]["notes"] == "typed here"


def test_storage_full_at_load_still_shows_and_exports_what_was_saved(page, fixture_site, tmp_path):
    open_page(page, fixture_site, QUIZ)
    choose(page, "fx-mcq", "6")
    page.wait_for_timeout(400)
    page.add_init_script(
        """const realSet = Storage.prototype.setItem;
        Storage.prototype.setItem = function () {
            throw new DOMException("full", "QuotaExceededError");
        };"""
    )
    reload(page)
    assert score(page) == "1"
    expect(page.locator(".qk-storage")).to_contain_text("storage is full")
    expect(page.locator(".qk-storage")).not_to_contain_text("does not let the page")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export progress").click()
    path = tmp_path / "progress.json"
    download.value.save_as(path)
    assert "fx-mcq" in json.loads(path.read_text())["items"]


def import_file(page: Page, tmp_path, items: dict, confirm: bool = True) -> None:
    path = tmp_path / "import.json"
    path.write_text(json.dumps({"format": "backprop-lab-progress", "version": 1, "items": items}))
    page.locator(".qk-import-file").set_input_files(str(path))
    if confirm:
        page.get_by_role("button", name="Import", exact=True).click()


def test_import_asks_first_cannot_unlock_and_can_be_undone(page, fixture_site, tmp_path):
    open_page(page, fixture_site, QUIZ)
    arrange(page, ORDER_KEY[::-1])
    item(page, "fx-order").get_by_role("button", name="Check").click()
    show_answer(page, "fx-order")
    assert score(page) == "0"
    key = item(page, "fx-order").evaluate(
        "s => [...s.querySelectorAll('.qk-step')].map((li) => Number(li.dataset.qkStep))"
    )
    unlock = {
        "kind": "ordering",
        "attempt": 1,
        "response": {"order": key},
        "counted": {"order": key},
        "checks": 1,
        "seen": False,
        "at": "2999-01-01T00:00:00Z",
    }
    import_file(page, tmp_path, {"fx-order": unlock}, confirm=False)
    expect(page.locator(".qk-toolbar-status")).to_contain_text("Import progress for 1 question")
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_timeout(400)
    before = stored(page)["items"]["fx-order"]
    assert before["seen"] is True
    import_file(page, tmp_path, {"fx-order": unlock})
    expect(page.locator(".qk-toolbar-status")).to_contain_text("Imported progress for 1 question")
    assert score(page) == "0"  # the lock stays: seen never becomes unseen
    page.get_by_role("button", name="Undo").click()
    expect(page.locator(".qk-toolbar-status")).to_contain_text("The import was undone")
    page.wait_for_timeout(400)
    assert stored(page)["items"]["fx-order"] == before


def test_imported_trace_numbers_are_not_trusted(page, fixture_site, tmp_path):
    open_page(page, fixture_site, QUIZ)
    # Right answers to made-up numbers for x = 3 (the engine gives q = 7, f = 28, df/dx = 4).
    fake = {"values": {"q": "1", "f": "1", "dfdx": "1"}, "params": {"x": 3, "y": 3, "z": 4},
            "numbers": {"q": 1, "f": 1, "f.added": 5, "dfdx": 1}, "seed": 7}  # fmt: skip
    record = {"kind": "numeric_trace", "response": fake, "counted": fake, "checks": 1}
    outside = {**fake, "params": {"x": 2.5, "y": 3, "z": 4}}
    import_file(
        page,
        tmp_path,
        {"fx-trace": record},
    )
    assert score(page) == "0"
    trace = item(page, "fx-trace")
    expect(trace.locator(".qk-status")).to_contain_text("not been computed by the engine")
    # Once the engine computes x = 3 here, the values are checked against its numbers.
    page.evaluate(
        """() => document.getElementById("qk-fx-trace").dispatchEvent(new CustomEvent(
            "quizkit:values", {detail: {params: {x: 3}, values: {q: 6, f: 24, "f.added": 10,
            dfdx: 4}}}))"""
    )
    assert score(page) == "0"
    page.wait_for_timeout(400)
    assert stored(page)["items"]["fx-trace"]["counted"]["numbers"]["q"] == 6
    bad = {"kind": "numeric_trace", "response": outside, "counted": outside}
    import_file(page, tmp_path, {"fx-trace": bad}, confirm=False)
    # The file is read asynchronously: wait for its report before reading it.
    expect(page.locator(".qk-import-problems li")).to_have_count(1)
    problems = page.locator(".qk-import-problems li").all_inner_texts()
    assert len(problems) == 1 and problems[0].startswith("fx-trace: ")
    assert "ranges and steps" in problems[0]


def test_import_refuses_ids_the_course_does_not_have(page, fixture_site, tmp_path):
    def with_items(route):
        # The build ships the course's ids; this course gets one more, not on any page.
        header, _, body = route.fetch().text().partition("export default ")
        config = json.loads(body.strip().removesuffix(";"))
        assert config["items"]["fx-mcq"] == "mcq"  # the plugin passes the course's items
        config["items"]["fx-other"] = "mcq"
        route.fulfill(body=f"{header}export default {json.dumps(config)};",
                      content_type="text/javascript")  # fmt: skip

    page.route("**/quiz-config.js", with_items)
    open_page(page, fixture_site, QUIZ)
    entry = {"kind": "mcq", "response": {"choice": "0"}}
    import_file(
        page,
        tmp_path,
        {"nope": entry, "__proto__": entry, "x" * 300: entry, "fx-other": entry},
    )
    status = page.locator(".qk-toolbar-status")
    expect(status).to_contain_text("Imported progress for 1 question")
    problems = status.locator(".qk-import-problems li").all_inner_texts()
    assert len(problems) == 3 and all("no such question in this course" in p for p in problems)
    assert set(stored(page)["items"]) == {"fx-other"}


def test_new_numbers_keep_the_earlier_values_one_click_away(page, fixture_site):
    open_page(page, fixture_site, QUIZ)
    trace = item(page, "fx-trace")
    trace.locator('[data-qk-quantity="q"] input').fill("5")
    trace.get_by_role("button", name="Check").click()
    page.evaluate(NEW_NUMBERS)
    expect(trace.locator('[data-qk-quantity="q"] input')).to_have_value("")
    trace.get_by_role("button", name="Back to the earlier numbers").click()
    expect(trace.locator('[data-qk-param="x"] .qk-param-value')).to_have_text("2")
    expect(trace.locator('[data-qk-quantity="q"] input')).to_have_value("5")


def test_typing_rewrites_no_status_region(page, fixture_site):
    open_page(page, fixture_site, QUIZ)
    choose(page, "fx-mcq", "6")
    arrange(page, ORDER_KEY[::-1])
    item(page, "fx-order").get_by_role("button", name="Check").click()
    page.evaluate(
        """() => {
            window.__writes = 0;
            const count = () => { window.__writes += 1; };
            for (const region of document.querySelectorAll(".qk-status")) {
                new MutationObserver(count).observe(region, {childList: true,
                    characterData: true, subtree: true});
            }
        }"""
    )
    item(page, "fx-short").get_by_label("Your answer").press_sequentially("abc")
    page.wait_for_timeout(500)
    assert page.evaluate("window.__writes") == 0
