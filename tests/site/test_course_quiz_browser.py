"""The course quiz (quiz/, issue 9 part 5) in a real browser.

Most tests use the fixture course, whose two small banks have too few questions for the
5/6/4 draw (the draw must say so and take all there are); one test checks the real course
over several seeds. Expected figures are computed here from the bank files, never read from
the page's script.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from playwright.sync_api import Page, expect
from test_site_browser import MATCH_KEY, ORDER_KEY, arrange, match_letters, tab_to

from quizkit.bank.load import load_bank
from quizkit.bank.model import Bank
from quizkit.mkdocs.glossary import bank_texts, load_terms, merge_terms, terms_used
from quizkit.mkdocs.stats import item_minutes
from tests.support import axe_violations, quiz_ready, texts

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_LESSONS = Path(__file__).resolve().parent / "fixtures" / "lessons_src"
PROGRESS = "backprop-lab:progress:v1"
# What the issue asks for; the kinds a quiz marked on submission can hold.
WANTED = {"easy": 5, "medium": 6, "hard": 4}
MARKED_BY_THE_PAGE = {"mcq", "true_false", "matching", "ordering", "numeric_trace"}


def bank_items(lessons: Path) -> dict[str, tuple[str, object, Bank]]:
    """Every item of the course by id: (lesson folder, item, bank), read from the YAML."""
    found = {}
    for path in sorted(lessons.glob("*/quiz.yml")):
        bank = load_bank(path).bank
        for item in bank.items:
            found[item.id] = (path.parent.name, item, bank)
    return found


def open_quiz(page: Page, site, query: str = "") -> None:
    page.goto(site.url + "quiz/" + query)
    page.wait_for_selector(".qk-course .qk-item.qk-ready")


def drawn(page: Page) -> list[str]:
    return page.locator(".qk-course .qk-item").evaluate_all("(s) => s.map((e) => e.dataset.qkId)")


def figure(page: Page, name: str) -> str:
    return page.locator(f".qk-course-{name} dd").inner_text()


def check_header(page: Page, ids: list[str], items: dict) -> None:
    """The header's figures equal those computed here from the drawn items' bank entries."""
    chosen = [items[i][1] for i in ids]
    assert figure(page, "count") == str(len(ids))
    minutes = math.ceil(sum(item_minutes(item) for item in chosen))
    assert figure(page, "minutes") == f"about {minutes} minute{'s' if minutes != 1 else ''}"
    mix = Counter(item.difficulty for item in chosen)
    assert figure(page, "mix") == ", ".join(f"{mix[d]} {d}" for d in WANTED)
    topics = {t.replace("-", " ") for item in chosen for t in item.topics}
    assert set(page.locator(".qk-course-header .qk-tags li").all_inner_texts()) == topics


def record_keys(page: Page) -> list[str]:
    return sorted(json.loads(page.evaluate(f"localStorage.getItem('{PROGRESS}')") or "{}")
                  .get("items", {}))  # fmt: skip


def marks(page: Page) -> int:
    return page.locator(
        ".qk-course :is(.qk-mark-right, .qk-mark-wrong, .qk-right, .qk-wrong, .qk-sheet)"
    ).count()


def answer_some(page: Page) -> None:
    """A right mcq, a wrong true/false, a trace value (Enter pressed), a full matching."""
    page.locator("#qk-fx-mcq").get_by_label("6", exact=True).check()
    page.locator("#qk-fx-tf").get_by_label("False", exact=True).check()
    trace = page.locator('#qk-fx-trace [data-qk-quantity="q"] input')
    trace.fill("5")  # q = x + y = 2 + 3
    trace.press("Enter")
    letters = match_letters(page, MATCH_KEY)
    for term, letter in letters.items():
        page.locator("#qk-fx-match").get_by_label(term).select_option(label=letter)


def submit_quiz(page: Page) -> None:
    """Submit, confirming when the page asks because some questions are not answered."""
    page.get_by_role("button", name="Submit the quiz").click()
    anyway = page.get_by_role("button", name="Submit anyway")
    if page.locator(".qk-course-confirm:not([hidden])").count():
        anyway.click()
    expect(page.locator(".qk-course-score")).to_be_visible()


def course_record(page: Page, seed: int, item_id: str) -> dict:
    page.wait_for_timeout(500)  # saving is debounced
    items = json.loads(page.evaluate(f"localStorage.getItem('{PROGRESS}')"))["items"]
    return items[f"course-quiz:{seed}:{item_id}"]


def shown_order_credit(page: Page) -> float:
    """The credit of the ordering item as it is shown: steps in their place, of all."""
    shown = texts(page.locator("#qk-fx-order .qk-step-text"))
    return sum(a == b for a, b in zip(shown, ORDER_KEY, strict=True)) / len(ORDER_KEY)


def right_mcq_response(page: Page, seed: int) -> dict:
    """The stored response of fx-mcq answered right ("6"), read back from storage."""
    page.locator("#qk-fx-mcq").get_by_label("6", exact=True).check()
    return course_record(page, seed, "fx-mcq")["response"]


# -- the draw and its header -----------------------------------------------------------------


def test_fixture_draw_takes_all_there_are_and_says_so(page, fixture_site):
    items = bank_items(FIXTURE_LESSONS)
    usable = {i for i, (_, item, _) in items.items() if item.kind in MARKED_BY_THE_PAGE}
    open_quiz(page, fixture_site, "?seed=11")
    ids = drawn(page)
    assert set(ids) == usable and len(ids) == len(usable)
    check_header(page, ids, items)
    have = Counter(items[i][1].difficulty for i in ids)
    short = page.locator(".qk-course-short").inner_text()
    for difficulty, wanted in WANTED.items():
        assert f"{have[difficulty]} {difficulty} (of the {wanted} asked for)" in short
    # Easy to hard, and numbered as the page shows them.
    order = [items[i][1].difficulty for i in ids]
    assert order == sorted(order, key=list(WANTED).index)
    titles = texts(page.locator(".qk-course .qk-title"))
    assert [t.split(":")[0] for t in titles] == [f"Question {n}" for n in range(1, len(ids) + 1)]
    # The seed in the address gives the same draw; without one, a seed is written there.
    open_quiz(page, fixture_site, "?seed=11")
    assert drawn(page) == ids
    page.evaluate("localStorage.clear()")
    open_quiz(page, fixture_site)
    assert "seed=" in page.url


def test_the_real_course_draws_5_6_4_across_lessons_reproducibly(page, project_site):
    items = bank_items(ROOT / "lessons_src")
    terms = merge_terms(
        load_terms(p, p.parent.name, "") for p in sorted((ROOT / "lessons_src").glob("*/terms.yml"))
    )
    draws = {}
    for seed in (1, 2, 77, 4096, 2147483647):
        open_quiz(page, project_site, f"?seed={seed}")
        ids = drawn(page)
        chosen = [items[i][1] for i in ids]
        assert Counter(item.difficulty for item in chosen) == Counter(WANTED)
        assert len(set(ids)) == 15
        assert {item.kind for item in chosen} <= MARKED_BY_THE_PAGE
        assert sum(item.kind == "numeric_trace" for item in chosen) <= 1
        lessons = Counter(items[i][0] for i in ids)
        # No lesson gets a second question while another has none.
        course_lessons = len({lesson for lesson, _, _ in items.values()})
        assert len(lessons) == min(15, course_lessons)
        assert max(lessons.values()) <= -(-15 // course_lessons)
        check_header(page, ids, items)
        # About 25 minutes, as the issue asks: the closest of several candidate draws.
        minutes = math.ceil(sum(item_minutes(item) for item in chosen))
        assert 22 <= minutes <= 28, minutes
        used = set()
        for i in ids:
            bank = items[i][2]
            alone = bank.model_copy(update={"title": "", "intro": "", "items": [items[i][1]]})
            used |= {t.term for t in terms_used(terms, bank_texts(alone))}
        shown = page.locator(".qk-course-header .qk-terms dt").all_text_contents()
        assert set(shown) == used
        assert page.locator(".qk-course-short").count() == 0
        draws[seed] = ids
        open_quiz(page, project_site, f"?seed={seed}")
        assert drawn(page) == ids  # reproducible
    assert len({tuple(sorted(ids)) for ids in draws.values()}) == len(draws)


# -- exam mode -------------------------------------------------------------------------------


def test_nothing_is_marked_before_submit_and_lesson_progress_is_untouched(page, fixture_site):
    page.goto(fixture_site.url + "lessons/basics/quiz/")
    quiz_ready(page)
    page.locator("#qk-fx-mcq").get_by_label("5", exact=True).check()
    page.locator("#qk-fx-mcq").get_by_role("button", name="Check").click()
    open_quiz(page, fixture_site, "?seed=5")
    # The lesson's wrong answer does not appear here.
    assert not page.locator("#qk-fx-mcq").get_by_label("5", exact=True).is_checked()
    assert page.locator(".qk-course .qk-hints, .qk-course .qk-hint").count() == 0
    expect(page.locator(".qk-course .qk-check").first).to_be_hidden()
    answer_some(page)
    assert marks(page) == 0
    assert texts(page.locator(".qk-course .qk-status")) == [""] * len(drawn(page))
    assert texts(page.locator(".qk-course .qk-feedback")) == [""] * len(drawn(page))
    # Four answered, and the ordering as shown (it is marked as it stands).
    expect(page.locator(".qk-course-progress")).to_contain_text("5 of 6 questions answered")
    page.wait_for_timeout(500)  # saving is debounced
    keys = record_keys(page)
    assert "fx-mcq" in keys and "course-quiz:5:fx-mcq" in keys
    page.reload()
    page.wait_for_selector(".qk-course .qk-item.qk-ready")
    assert page.locator("#qk-fx-mcq").get_by_label("6", exact=True).is_checked()
    assert page.locator('#qk-fx-trace [data-qk-quantity="q"] input').input_value() == "5"
    assert marks(page) == 0
    # The lesson page still shows its own answer, unchanged by the quiz.
    page.goto(fixture_site.url + "lessons/basics/quiz/")
    quiz_ready(page)
    assert page.locator("#qk-fx-mcq").get_by_label("5", exact=True).is_checked()
    assert page.locator(".qk-score-value").inner_text() == "0"


def test_submit_shows_the_answer_sheet_with_keys_explanations_and_lessons(page, fixture_site):
    open_quiz(page, fixture_site, "?seed=6")
    answer_some(page)
    order = shown_order_credit(page)
    submit_quiz(page)
    expect(page.locator("#qk-answer-sheet")).to_be_focused()
    items = bank_items(FIXTURE_LESSONS)
    ids = drawn(page)
    # mcq right, tf wrong, trace 1 of 3 values, matching all right, the ordering as shown;
    # the rest unanswered.
    expected = 1 + 0 + 1 / 3 + 1 + order
    assert (
        page.locator(".qk-course-score")
        .inner_text()
        .startswith(f"Score: {round(expected, 2):g} of {len(ids)}.")
    )
    for item_id in ids:
        _, item, _ = items[item_id]
        section = page.locator(f"#qk-{item_id}")
        sheet = section.locator(".qk-sheet")
        expect(sheet).to_be_visible()
        expect(sheet).to_contain_text("The answer")
        expect(sheet).to_contain_text("Explanation")
        # The explanation as the bank writes it (math aside): its first words.
        expect(sheet).to_contain_text(item.explanation.split("$")[0].strip()[:12])
        expect(section.locator(".qk-form :is(input, select, button)").first).to_be_disabled()
    expect(page.locator("#qk-fx-mcq .qk-sheet")).to_contain_text("Answer: 6")
    expect(page.locator("#qk-fx-mcq .qk-right")).to_have_count(1)
    expect(page.locator("#qk-fx-tf .qk-wrong")).to_have_count(1)
    expect(page.locator("#qk-fx-order .qk-status")).to_have_text(f"Counts {order:.2g} of 1.")
    expect(page.locator("#qk-fx-trace .qk-mark-right")).to_have_count(1)
    # Every lesson link leads to that item's lesson page.
    for item_id in ids:
        link = page.locator(f"#qk-{item_id} .qk-revisit a")
        href = link.evaluate("(a) => a.href")
        folder = items[item_id][0]
        topic = folder.split("-", 1)[1]
        assert href == f"{fixture_site.url}lessons/{topic}/"
    links = page.locator(".qk-course-sheet-list .qk-course-lesson")
    assert links.count() == len(ids)
    links.first.click()
    quiz_ready(page)
    expect(page.locator("h1")).to_contain_text("Fixture basics")
    # The sheet is still there after coming back.
    open_quiz(page, fixture_site, "?seed=6")
    expect(page.locator(".qk-course-score")).to_be_visible()
    expect(page.get_by_role("button", name="Submit the quiz")).to_be_hidden()


def seed_of(url: str) -> str | None:
    """The address's seed, read exactly (a new seed may well start with the old one's digits)."""
    return parse_qs(urlsplit(url).query).get("seed", [None])[0]


def test_new_questions_is_one_click_to_another_seed(page, fixture_site):
    open_quiz(page, fixture_site, "?seed=8")
    page.get_by_role("link", name="New questions").click()
    page.wait_for_url(lambda url: seed_of(url) not in (None, "8"))
    page.wait_for_selector(".qk-course .qk-item.qk-ready")
    seed = seed_of(page.url)
    expect(page.locator(".qk-course-seed dd")).to_have_text(f"seed {seed}")


def test_the_timer_ending_submits_the_quiz(page, fixture_site):
    page.clock.install()
    open_quiz(page, fixture_site, "?seed=9")
    minutes = int(figure(page, "minutes").split()[1])
    page.get_by_role("button", name=f"Start the timer ({minutes} minutes)").click()
    expect(page.get_by_role("timer")).to_contain_text(f"{minutes}:00")
    page.locator("#qk-fx-mcq").get_by_label("6", exact=True).check()
    page.clock.run_for((minutes * 60 - 5) * 1000)
    expect(page.locator(".qk-sheet")).to_have_count(0)
    page.clock.run_for(6000)
    expect(page.locator(".qk-course-say")).to_contain_text(
        "Time is up: your answers were submitted."
    )
    expect(page.locator(".qk-sheet")).to_have_count(len(drawn(page)))
    expect(page.locator("#qk-fx-mcq .qk-status")).to_have_text("Counts 1 of 1.")


def test_the_whole_quiz_with_the_keyboard_only(page, fixture_site):
    open_quiz(page, fixture_site, "?seed=10")
    kb = page.keyboard
    labels = page.locator("#qk-fx-mcq label").all_inner_texts()
    tab_to(page, "#qk-fx-mcq input[type=radio]")
    kb.press("Space")
    for _ in range(labels.index("6")):
        kb.press("ArrowDown")
    tab_to(page, "#qk-fx-tf input[type=radio]")
    kb.press("Space")  # True, the key
    tab_to(page, '#qk-fx-trace [data-qk-quantity="q"] input')
    kb.type("3")
    kb.press("Enter")  # does not check anything
    assert marks(page) == 0
    tab_to(page, ".qk-course-submit")
    kb.press("Enter")
    expect(page.locator(".qk-course-keep")).to_be_focused()  # some are not answered
    kb.press("Shift+Tab")
    kb.press("Enter")  # Submit anyway
    expect(page.locator("#qk-answer-sheet")).to_be_focused()
    expect(page.locator("#qk-fx-mcq .qk-status")).to_have_text("Counts 1 of 1.")
    expect(page.locator("#qk-fx-tf .qk-status")).to_have_text("Counts 1 of 1.")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_before_and_after_submit(page, fixture_site, scheme):
    page.emulate_media(color_scheme=scheme)
    open_quiz(page, fixture_site, "?seed=12")
    answer_some(page)
    arrange(page, ORDER_KEY[::-1])
    assert axe_violations(page) == []
    page.get_by_role("button", name="Submit the quiz").click()
    assert axe_violations(page) == []  # the question asked before submitting
    page.get_by_role("button", name="Submit anyway").click()
    expect(page.locator(".qk-course-score")).to_be_visible()
    assert axe_violations(page) == []


def test_math_in_drawn_items_is_typeset(page, fixture_site):
    open_quiz(page, fixture_site, "?seed=13")
    expect(page.locator("#qk-fx-mcq .qk-prompt .katex").first).to_be_attached()
    submit_quiz(page)
    expect(page.locator("#qk-fx-mcq .qk-sheet .katex").first).to_be_attached()


def test_pool_lists_only_the_bank_items_it_may_draw(fixture_site):
    pool = json.loads((fixture_site.build.site / "quiz" / "items.json").read_text())
    raw = {
        entry["id"]: entry
        for path in sorted(FIXTURE_LESSONS.glob("*/quiz.yml"))
        for entry in yaml.safe_load(path.read_text())["items"]
    }
    usable = [i for i, e in raw.items() if e["kind"] in MARKED_BY_THE_PAGE]
    assert [entry["id"] for entry in pool["items"]] == usable


# -- review findings: scores that stay, tabs, import, phone, screen reader ----------------------


def test_a_later_answer_cannot_raise_a_submitted_score(page, fixture_site):
    # Another tab's later answer reaches storage as the newer response of the record (the
    # store's merge keeps what counted): written here as such a tab would leave it.
    open_quiz(page, fixture_site, "?seed=20")
    right = right_mcq_response(page, 20)
    page.locator("#qk-fx-mcq").get_by_label("5", exact=True).check()
    submit_quiz(page)
    expect(page.locator("#qk-fx-mcq .qk-status")).to_have_text("Counts 0 of 1.")
    record = course_record(page, 20, "fx-mcq")
    assert record["seen"] and record["counted"] != right
    page.evaluate(
        """([key, id, response]) => {
            const data = JSON.parse(localStorage.getItem(key));
            Object.assign(data.items[id], {response, at: "9999-12-31T00:00:00.000Z"});
            localStorage.setItem(key, JSON.stringify(data));
        }""",
        [PROGRESS, "course-quiz:20:fx-mcq", right],
    )
    page.reload()
    expect(page.locator(".qk-course-score")).to_be_visible()
    expect(page.locator("#qk-fx-mcq .qk-status")).to_have_text("Counts 0 of 1.")
    assert page.locator("#qk-fx-mcq").get_by_label("5", exact=True).is_checked()


def test_a_second_tab_follows_the_first_and_cannot_undo_its_submission(context, fixture_site):
    first, second = context.new_page(), context.new_page()
    open_quiz(second, fixture_site, "?seed=21")  # opened before the first tab answers
    open_quiz(first, fixture_site, "?seed=21")
    first.locator("#qk-fx-mcq").get_by_label("6", exact=True).check()
    # The second tab shows the first one's answer, and its timer.
    expect(second.locator("#qk-fx-mcq").get_by_label("6", exact=True)).to_be_checked()
    first.get_by_role("button", name="Start the timer").click()
    expect(second.get_by_role("timer")).to_be_visible()
    submit_quiz(first)
    expect(second.locator(".qk-course-say")).to_contain_text(
        "This quiz was submitted in another tab."
    )
    expect(second.locator(".qk-course-score")).to_be_visible()
    expect(second.locator("#qk-fx-mcq .qk-status")).to_have_text("Counts 1 of 1.")
    expect(second.get_by_role("timer")).to_be_hidden()
    first.reload()
    expect(first.locator(".qk-course-score")).to_be_visible()


def test_the_quiz_state_merges_one_way(page, fixture_site):
    open_quiz(page, fixture_site, "?seed=22")
    merged = page.evaluate(
        """async () => {
            const url = new URL("../assets/quizkit/quiz-course.js", location.href);
            const {mergeExam} = await import(url);
            return [
                mergeExam({submitted: false, deadline: 5000}, {submitted: true, deadline: null}),
                mergeExam({submitted: true, deadline: null}, {submitted: false, deadline: 9000}),
                mergeExam({submitted: false, deadline: 9000}, {submitted: false, deadline: 5000}),
                mergeExam({submitted: false, deadline: null}, {submitted: false, deadline: 7000}),
                mergeExam({submitted: false, deadline: 3000}, undefined),
            ];
        }"""
    )
    assert merged == [
        {"submitted": True, "deadline": None},
        {"submitted": True, "deadline": None},
        {"submitted": False, "deadline": 5000},
        {"submitted": False, "deadline": 7000},
        {"submitted": False, "deadline": 3000},
    ]


def test_an_import_on_a_lesson_page_cannot_touch_the_course_quiz(page, fixture_site, tmp_path):
    open_quiz(page, fixture_site, "?seed=23")
    right = right_mcq_response(page, 23)
    page.locator("#qk-fx-mcq").get_by_label("5", exact=True).check()
    submit_quiz(page)
    page.goto(fixture_site.url + "lessons/basics/quiz/")
    quiz_ready(page)
    # Export leaves the course quiz's records out.
    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    exported = json.loads(Path(download.value.path()).read_text())
    assert not [key for key in exported["items"] if key.startswith("course-quiz:")]
    forged = {"kind": "mcq", "response": right, "counted": right, "seen": True, "checks": 1,
              "at": "0000-01-01T00:00:00.000Z"}  # fmt: skip
    path = tmp_path / "import.json"
    path.write_text(json.dumps({"format": "backprop-lab-progress", "version": 1,
                                "items": {"course-quiz:23:fx-mcq": forged}}))  # fmt: skip
    page.locator(".qk-import-file").set_input_files(str(path))
    status = page.locator(".qk-toolbar-status")
    expect(status).to_contain_text("Nothing was imported")
    expect(status.locator(".qk-import-problems li")).to_have_text(
        "course-quiz:23:fx-mcq: course quiz answers are not imported "
        "(they stay in the browser that took the quiz)"
    )
    open_quiz(page, fixture_site, "?seed=23")
    expect(page.locator("#qk-fx-mcq .qk-status")).to_have_text("Counts 0 of 1.")
    # The quiz page says so.
    expect(page.locator(".qk-course-rules")).to_contain_text("not part of the progress you export")


def test_phone_submit_after_the_last_question_and_a_clock_that_covers_no_focus(page, fixture_site):
    page.set_viewport_size({"width": 360, "height": 640})
    open_quiz(page, fixture_site, "?seed=24")
    # Nothing above the questions stays on screen while they are answered.
    position = page.locator(".qk-course-controls").first.evaluate(
        "(e) => getComputedStyle(e).position"
    )
    assert position not in ("sticky", "fixed")
    page.get_by_role("button", name="Start the timer").click()
    clock = page.get_by_role("timer")
    expect(clock).to_be_focused()  # not dropped to the page's body
    box = clock.bounding_box()
    assert box["height"] <= 0.1 * 640 and box["y"] + box["height"] <= 640
    # Tab from the first question to Submit, after the last one: the clock covers nothing
    # that has focus, and stays on screen.
    page.locator(".qk-course .qk-item input").first.focus()
    for _ in range(200):
        page.keyboard.press("Tab")
        overlap = page.evaluate(
            """() => {
                const a = document.activeElement.getBoundingClientRect();
                const c = document.querySelector(".qk-course-clock").getBoundingClientRect();
                const x = Math.min(a.right, c.right) - Math.max(a.left, c.left);
                const y = Math.min(a.bottom, c.bottom) - Math.max(a.top, c.top);
                const name = document.activeElement.outerHTML.slice(0, 80);
                return {overlap: x > 0 && y > 0, clockTop: c.top, name};
            }"""
        )
        assert not overlap["overlap"], overlap["name"]
        assert 0 < overlap["clockTop"] < 640
        if page.evaluate("document.activeElement.matches('.qk-course-end .qk-course-submit')"):
            break
    else:
        raise AssertionError("Tab never reached Submit after the last question")


def test_submit_with_unanswered_questions_asks_first(page, fixture_site):
    open_quiz(page, fixture_site, "?seed=25")
    total = len(drawn(page))
    page.locator("#qk-fx-mcq").get_by_label("6", exact=True).check()
    page.get_by_role("button", name="Submit the quiz").click()
    # The mcq is answered, and so is the ordering (as shown, see the next test).
    expect(page.locator(".qk-course-confirm")).to_contain_text(
        f"{total - 2} of {total} not answered. Submit anyway?"
    )
    page.get_by_role("button", name="Keep answering").click()
    assert page.locator(".qk-sheet").count() == 0
    ids = drawn(page)
    first_unanswered = next(i for i in ids if i not in ("fx-mcq", "fx-order"))
    expect(page.locator(f"#qk-{first_unanswered} .qk-title")).to_be_focused()
    page.get_by_role("button", name="Submit the quiz").click()
    page.get_by_role("button", name="Submit anyway").click()
    expect(page.locator(".qk-sheet")).to_have_count(total)


def test_an_ordering_left_as_shown_is_marked_as_shown(page, fixture_site):
    open_quiz(page, fixture_site, "?seed=26")
    credit = shown_order_credit(page)
    submit_quiz(page)
    expect(page.locator("#qk-fx-order .qk-status")).to_have_text(f"Counts {credit:.2g} of 1.")


def test_submitting_is_announced_once(page, fixture_site):
    open_quiz(page, fixture_site, "?seed=27")
    answer_some(page)
    submit_quiz(page)
    items = page.locator(".qk-course-items")
    # Per-item live regions are silenced once marked; the quiz says one sentence.
    live = items.locator("[aria-live]").evaluate_all(
        "(rs) => rs.map((r) => r.getAttribute('aria-live'))"
    )
    assert live and set(live) == {"off"}
    assert items.get_attribute("aria-busy") is None
    say = page.locator(".qk-course-say").inner_text()
    assert say.startswith("Your answers were submitted. Score: ") and say.count(".") <= 4
    assert page.locator(".qk-course-header").get_attribute("aria-live") is None


def test_back_after_new_questions_shows_the_draw_of_the_address(page, fixture_site):
    open_quiz(page, fixture_site, "?seed=8")
    page.get_by_role("link", name="New questions").click()
    page.wait_for_url(lambda url: seed_of(url) not in (None, "8"))
    page.wait_for_selector(".qk-course .qk-item.qk-ready")
    drawn = seed_of(page.url)
    page.go_back()
    page.wait_for_url(lambda url: seed_of(url) == "8")
    expect(page.locator(".qk-course-seed dd")).to_have_text("seed 8")
    # Back reloaded the page; Forward, in that page, is a change of seed, not a jump within
    # it (quizkit/mkdocs/anchors.js lets it through to the quiz).
    page.go_forward()
    page.wait_for_url(lambda url: seed_of(url) == drawn)
    expect(page.locator(".qk-course-seed dd")).to_have_text(f"seed {drawn}")


def test_ordering_buttons_name_their_step_and_moves_say_which(page, fixture_site):
    page.goto(fixture_site.url + "lessons/basics/quiz/")
    quiz_ready(page)
    order = page.locator("#qk-fx-order")
    steps = texts(order.locator(".qk-step-text"))
    for step in steps:
        expect(order.get_by_role("button", name=f"Move up: {step}", exact=True)).to_have_count(1)
        expect(order.get_by_role("button", name=f"Move down: {step}", exact=True)).to_have_count(1)
    order.get_by_role("button", name=f"Move up: {steps[1]}", exact=True).click()
    expect(order.locator(".qk-announce")).to_have_text(
        f'Moved "{steps[1]}" to position 1 of {len(steps)}.'
    )


def test_a_question_whose_answer_was_shown_before_submitting_counts_0(page, fixture_site):
    open_quiz(page, fixture_site, "?seed=28")
    right = right_mcq_response(page, 28)
    # The key seen before submission (as when another tab showed it): what counted, nothing.
    page.evaluate(
        """([key, id]) => {
            const data = JSON.parse(localStorage.getItem(key));
            Object.assign(data.items[id], {seen: true, counted: null});
            localStorage.setItem(key, JSON.stringify(data));
        }""",
        [PROGRESS, "course-quiz:28:fx-mcq"],
    )
    page.reload()
    page.wait_for_selector(".qk-course .qk-item.qk-ready")
    assert right is not None
    submit_quiz(page)
    expect(page.locator("#qk-fx-mcq .qk-status")).to_contain_text("ounts 0 of 1.")
    expect(page.locator(".qk-course-rules")).to_contain_text("This is a self-test")


def test_after_submit_the_page_reads_as_an_answer_sheet(page, fixture_site):
    open_quiz(page, fixture_site, "?seed=29")
    assert page.title().startswith("Backpropagation deep dive")
    trace = page.locator('#qk-fx-trace [data-qk-quantity="q"] input')
    trace.fill("4")  # q = x + y = 5: wrong
    submit_quiz(page)
    message = page.locator('#qk-fx-trace [data-qk-quantity="q"] .qk-msg')
    expect(message).to_contain_text("Not right")
    expect(message).not_to_contain_text("recompute")
    html = (fixture_site.build.site / "quiz" / "index.html").read_text()
    noscript = html.split("<noscript>")[1].split("</noscript>")[0]
    for folder in {folder for folder, _, _ in bank_items(FIXTURE_LESSONS).values()}:
        assert f'href="../lessons/{folder.split("-", 1)[1]}/quiz/"' in noscript
