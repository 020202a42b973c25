"""A long page laid out only where the reader is (quizkit/web/page.css), in a real browser.

page.css lets the browser skip blocks of the article far from the screen (content-visibility:
auto). Shown, such a block is contained (layout, style and paint), and containment can change
a page: margins that reached out of the block stay inside it, and what is drawn outside its
box (a list's numbers) is clipped. These tests load every page of the real course and compare
it laid out with that containment and without it, pixel by pixel on a few; and they check that
blocks far down are in fact skipped, and drawn once the reader comes to them.
"""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, expect

PHONE = {"width": 412, "height": 823}
DESKTOP = {"width": 1280, "height": 800}

# The selectors of our rules that skip far blocks, read from the page's own style sheets (in
# the @media and @supports rules that hold them, when they apply).
SKIPPED = """() => {
    const applied = (rule) => {
        if (rule instanceof CSSMediaRule) return matchMedia(rule.conditionText).matches;
        if (rule instanceof CSSSupportsRule) return CSS.supports(rule.conditionText);
        return true;
    };
    const rules = (list) => [...list].flatMap((rule) =>
        rule instanceof CSSGroupingRule ? (applied(rule) ? rules(rule.cssRules) : []) : [rule]);
    return [...document.styleSheets].flatMap((sheet) => {
        try { return rules(sheet.cssRules); } catch { return []; }
    }).filter((rule) => rule.style?.contentVisibility === "auto").map((rule) => rule.selectorText);
}"""

# Lays the page out with every such block shown, contained as when shown (`contain`) or not;
# returns where each block of the article and each question is, relative to the article.
LAYOUT = """([selectors, contain]) => {
    let style = document.getElementById("qk-test-containment");
    if (!style) {
        style = document.createElement("style");
        style.id = "qk-test-containment";
        document.head.append(style);
    }
    style.textContent = `${selectors.join(", ")} {
        content-visibility: visible !important; contain: ${contain} !important; }`;
    const article = document.querySelector(".md-content__inner");
    const origin = article.getBoundingClientRect();
    const blocks = [...article.children, ...article.querySelectorAll(".qk-item")];
    return blocks.map((el) => {
        const box = el.getBoundingClientRect();
        const name = `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}.${el.className}`;
        return [name, Math.round(box.top - origin.top), Math.round(box.height)];
    });
}"""


def _with_containment(page: Page, contain: str):
    selectors = page.evaluate(SKIPPED)
    assert selectors, "no rule of ours sets content-visibility: auto"
    return page.evaluate(LAYOUT, [selectors, contain])


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_containing_the_blocks_that_are_skipped_moves_nothing(page, project_site, viewport):
    page.set_viewport_size(viewport)
    moved = {}
    for path in project_site.pages():
        page.goto(project_site.url + path, wait_until="load")
        page.evaluate("document.fonts.ready")
        # Both in one task, so that no question starts (and changes height) in between.
        loose, contained = page.evaluate(
            f"(args) => ['none', 'layout style paint'].map((c) => ({LAYOUT})([args, c]))",
            page.evaluate(SKIPPED),
        )
        changed = [
            (name, top, height, top2 - top, height2 - height)
            for (name, top, height), (_, top2, height2) in zip(loose, contained, strict=True)
            if abs(top2 - top) > 1 or abs(height2 - height) > 1
        ]
        if changed:
            moved[path] = changed[:3]
    assert moved == {}, "blocks that move when contained (name, top, height, moved by, grew by)"


def _shot(page: Page) -> np.ndarray:
    png = page.locator(".md-content__inner").screenshot(animations="disabled")
    return np.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=np.int16)


def _unlike(first: np.ndarray, second: np.ndarray) -> int:
    """Pixels of `first` that no pixel of `second` within one pixel matches (text drawn at
    another subpixel offset is not a change)."""
    assert first.shape == second.shape
    best = np.full(first.shape, 255, dtype=np.int16)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            best = np.minimum(best, np.abs(first - np.roll(second, (dy, dx), axis=(0, 1))))
    return int((best > 48).sum())


@pytest.mark.parametrize("path", ["", "lessons/chain-rule/", "lessons/chain-rule/quiz/"])
def test_containing_the_blocks_that_are_skipped_clips_nothing(page, project_site, path):
    # The home page's lesson list has two-digit numbers, drawn left of the list's box.
    page.set_viewport_size(PHONE)
    page.goto(project_site.url + path, wait_until="load")
    page.evaluate("document.fonts.ready")
    page.add_style_tag(content="* { caret-color: transparent !important; }")
    _with_containment(page, "none")
    loose = _shot(page)
    _with_containment(page, "layout style paint")
    contained = _shot(page)
    assert _unlike(loose, contained) < 20  # a few pixels of underline drawn differently


SHOWN = "(el) => el.checkVisibility({ contentVisibilityAuto: true })"


def test_blocks_far_down_a_lesson_are_skipped_until_the_reader_comes_near(page, project_site):
    page.set_viewport_size(PHONE)
    page.goto(project_site.url + "lessons/chain-rule/", wait_until="load")
    # A skipped block keeps its own box; what is inside it is what the browser skips. Headings
    # are never skipped (anchors land on them).
    summary = page.locator("h2#summary + ul > li").first
    first_item = page.locator(".qk-item").first
    assert page.locator(".md-content__inner > p :is(a, code, em, strong, span)").first.evaluate(
        SHOWN
    )
    assert page.locator("h2#summary > a.headerlink").evaluate(SHOWN)
    assert not summary.evaluate(SHOWN)
    assert not first_item.locator(".qk-prompt").evaluate(SHOWN)
    for block in (first_item.locator(".qk-prompt"), summary):
        block.scroll_into_view_if_needed()
        # Shown at the next frame the browser draws.
        page.wait_for_function(SHOWN, arg=block.element_handle(), timeout=5_000)


def test_a_wide_equation_far_down_a_lesson_can_be_reached_with_tab_before_it_is_drawn(
    page, project_site
):
    # quiz-math.js makes a display equation wider than the column focusable (so a keyboard can
    # scroll it) once it knows its width: at load for every one, not only those drawn so far.
    page.set_viewport_size(PHONE)
    page.goto(project_site.url + "lessons/network-backprop/", wait_until="networkidle")
    page.evaluate("document.fonts.ready")
    boxes = page.locator(".md-content__inner > .arithmatex")
    focusable = boxes.evaluate_all("(all) => all.map((box) => box.tabIndex === 0)")
    page.add_style_tag(content="* { content-visibility: visible !important; }")
    wide = boxes.evaluate_all("(all) => all.map((box) => box.scrollWidth > box.clientWidth)")
    assert sum(wide) >= 2 and focusable == wide


READ_DOWN_TO = """async (el, y) => {
    // As a reader scrolls: a screen's worth at a time, each drawn before the next.
    const frame = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 30)));
    for (let i = 0; i < 200; i += 1) {
        const rest = el.getBoundingClientRect().top - y;
        if (Math.abs(rest) < 1) return;
        scrollBy(0, Math.sign(rest) * Math.min(Math.abs(rest), innerHeight / 2));
        await frame();
    }
}"""
TOP = "(el) => el.getBoundingClientRect().top"
# No question on the screen or within two screens above it is still to start.
NEAR_STARTED = """() => ![...document.querySelectorAll(".qk-item:not([data-qk-ready])")].some((el) => {
    const box = el.getBoundingClientRect();
    return box.bottom > -2 * innerHeight && box.top < innerHeight;
})"""


# The layout shifts of the document from its start (the Layout Instability API) in which
# something moved up or down by 3 px or more. A shift across only, or by a pixel, comes from
# KaTeX's fonts arriving before or after the first drawing, which varies from load to load.
# Opened with ?drawn-whole, the page is the same but never skips a block: anchors.js's
# qk-positions, which every rule that skips needs, is taken off before anything is drawn.
SHIFTS = """window.qkShifts = [];
new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
        const moves = entry.sources.map((s) => Math.abs(s.currentRect.y - s.previousRect.y));
        if (Math.max(0, ...moves) >= 3) window.qkShifts.push(entry.value);
    }
}).observe({ type: "layout-shift", buffered: true });
if (location.search === "?drawn-whole") {
    new MutationObserver(() => {
        const root = document.documentElement;
        if (root && root.classList.contains("qk-positions")) root.classList.remove("qk-positions");
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ["class"] });
}"""


def _settled_shift(page, skipping: bool) -> float:
    """The layout shift of the page on screen once it has settled (its fonts in, the
    questions near the screen started)."""
    page.evaluate("document.fonts.ready")
    page.wait_for_function(NEAR_STARTED, timeout=20_000)
    page.wait_for_timeout(1_000)
    assert page.evaluate("document.documentElement.classList.contains('qk-positions')") == skipping
    return sum(page.evaluate("window.qkShifts"))


TALL = {"width": 1080, "height": 1920}


@pytest.mark.parametrize(
    ("lesson", "anchor", "viewport"),
    [
        ("chain-rule", "", PHONE),
        ("chain-rule", "", DESKTOP),
        ("chain-rule", "#summary", PHONE),
        ("chain-rule", "#summary", DESKTOP),
        ("chain-rule", "#worked-exercise-a-two-layer-chain", PHONE),
        ("chain-rule", "#worked-exercise-a-two-layer-chain", DESKTOP),
        ("single-neuron", "", TALL),
    ],
    ids=lambda value: value.get("width") if isinstance(value, dict) else value,
)
def test_a_lesson_opens_at_its_top_or_at_a_heading_moving_no_more_than_drawn_whole(
    page, project_site, lesson, anchor, viewport
):
    # A block the browser first draws on the screen can come out skipped, at its estimated
    # height, and take its own a frame later: the chain-rule lesson's opening paragraphs moved
    # the heading under them 83 px on a phone (a shift of 0.046); opened at its Summary, the
    # list under the heading blinked (0.36) as the blocks near it could be skipped again; on a
    # tall screen the first screen showed more blocks than were kept drawn.
    page.set_viewport_size(viewport)
    url = f"{project_site.url}lessons/{lesson}/"
    page.goto(url, wait_until="load")  # its files cached: each load below gets them alike
    page.add_init_script(SHIFTS)
    shifts = {}
    for skipping in (False, True):
        page.goto("about:blank")  # so that an anchor of the same page opens it in full too
        page.goto(url + ("" if skipping else "?drawn-whole") + anchor, wait_until="load")
        shifts[skipping] = _settled_shift(page, skipping)
    assert shifts[True] <= shifts[False] + 0.01, shifts


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_link_to_a_heading_of_another_page_opens_it_moving_no_more_than_drawn_whole(
    page, project_site, viewport
):
    # Instant navigation swaps the page in and scrolls to the heading, as a search result or a
    # link to a heading does: the blocks around it were laid out at their estimates first (the
    # question bank under the Summary moved 515 px on a phone, a shift of 0.59).
    page.set_viewport_size(viewport)
    page.add_init_script(SHIFTS)
    shifts = {}
    for skipping in (False, True):
        page.goto(project_site.url + ("glossary/" if skipping else "glossary/?drawn-whole"))
        page.evaluate(LINK, ["../lessons/chain-rule/#summary", "to-summary"])
        page.evaluate("document.fonts.ready")
        page.wait_for_timeout(200)  # what moved on the glossary page is not counted
        page.evaluate("window.qkShifts.length = 0; window.before = true")
        page.click("#to-summary")
        expect(page.locator("article h2#summary")).to_be_in_viewport()
        assert page.evaluate("window.before"), "not instant navigation: loaded in full"
        shifts[skipping] = _settled_shift(page, skipping)
        assert 0 <= page.locator("h2#summary").evaluate(TOP) < 200  # under the header
    assert shifts[True] <= shifts[False] + 0.01, shifts


# A link put on the page, over it (fixed, so that nothing moves), as a search result would be.
LINK = """([href, id]) => {
    const link = document.createElement("a");
    link.href = href;
    link.id = id;
    link.textContent = id;
    link.style.cssText = "position: fixed; top: 200px; left: 10px; z-index: 9";
    document.body.append(link);
}"""


def test_a_search_result_on_the_page_on_screen_leaves_the_far_blocks_skipped(page, project_site):
    # A search result adds ?h= to the address of the page on screen, and Material swaps nothing
    # in for it: taken for a link to another page, it had every block drawn for good (and the
    # next Back skipped putting the reader back: 2,233 px off).
    page.set_viewport_size(PHONE)
    page.goto(project_site.url + "glossary/", wait_until="load")
    page.evaluate(LINK, ["../lessons/chain-rule/", "to-lesson"])
    page.evaluate("window.before = true")
    page.click("#to-lesson")
    expect(page.locator("article h2#summary")).to_be_attached()
    # A paragraph that may be skipped (after the 20th block), screens above the Summary.
    far = page.locator(".md-content__inner > p:nth-child(n + 21):has(> *)").first.element_handle()
    page.evaluate(LINK, ["./?h=chain#summary", "to-result"])
    page.click("#to-result")
    expect(page.locator("article h2#summary")).to_be_in_viewport()
    page.wait_for_timeout(500)
    assert page.evaluate("window.before"), "not instant navigation: loaded in full"
    assert not page.evaluate("document.documentElement.classList.contains('qk-restoring')")
    # A skipped block keeps its own box; what is inside it is what the browser skips.
    assert not far.evaluate(f"(el) => ({SHOWN})(el.firstElementChild)")


def _read_to_the_link(page, lesson: str, viewport):
    """Open `lesson` and read down until its 21st glossary link is 300 px from the top;
    returns the link."""
    page.set_viewport_size(viewport)
    page.goto(lesson, wait_until="load")
    link = page.locator('.md-content__inner > p a[href*="glossary/#"]').nth(20)
    link.evaluate(READ_DOWN_TO, 300)
    page.wait_for_timeout(300)  # Material records the offset 100 ms after the last scroll
    assert abs(link.evaluate(TOP) - 300) < 2
    page.evaluate("window.before = true")
    return link


def _read_to_the_link_and_follow_it(page, lesson: str, viewport):
    """_read_to_the_link, then follow it (instant navigation); returns the link."""
    link = _read_to_the_link(page, lesson, viewport)
    link.click()
    expect(page.locator("article h1#glossary")).to_be_attached()
    return link


def _is_back_in_place(page, link) -> None:
    assert page.evaluate("window.before"), "not instant navigation: the page was loaded in full"
    # Once the questions near it have started (in turns, later on a busy machine), the link is
    # where it was, and stays there.
    page.wait_for_function(NEAR_STARTED, timeout=20_000)
    page.wait_for_timeout(800)
    assert abs(link.evaluate(TOP) - 300) < 2, link.evaluate(TOP)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_back_from_far_down_a_long_page_to_a_slow_one_puts_the_link_followed_back(
    page, project_site, viewport
):
    # Until the page Back asks for arrives, the one on screen is still the page being left,
    # scrolled by the browser as it goes: what is seen then must not be taken for the page the
    # address names (it put the reader 4,183 px off on a phone).
    lesson = project_site.url + "lessons/softmax-cross-entropy/"
    link = _read_to_the_link_and_follow_it(page, lesson, viewport)
    page.wait_for_timeout(500)
    page.evaluate("scrollBy(0, 6000)")  # the glossary is long too
    page.wait_for_timeout(500)

    def slowly(route):
        time.sleep(0.4)
        route.continue_()

    page.route("**/lessons/softmax-cross-entropy/", slowly)
    page.go_back()
    expect(page).to_have_url(lesson)
    _is_back_in_place(page, link)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_back_to_a_lesson_puts_the_link_followed_where_it_was(page, project_site, viewport):
    # Material's instant navigation swaps the lesson in again on Back and scrolls to the offset
    # the reader left, while the blocks above have estimated heights and the questions have not
    # started: without anchors.js putting the block back, the link was 2,259 px off on a phone
    # and 687 px on a desktop (22 px without content-visibility).
    lesson = project_site.url + "lessons/softmax-cross-entropy/"
    link = _read_to_the_link_and_follow_it(page, lesson, viewport)
    page.go_back()
    expect(page).to_have_url(lesson)
    _is_back_in_place(page, link)


def test_back_at_once_from_a_link_to_a_heading_puts_the_link_followed_back(page, project_site):
    # The glossary's heading is drawn whole until Material has scrolled to it, and that ends
    # two frames on: a Back within them came back to the lesson with every block drawn, and
    # the end asked for the glossary came in the middle of putting the reader back (1,323 px
    # off on a phone, in one full run of these tests out of two).
    lesson = project_site.url + "lessons/softmax-cross-entropy/"
    link = _read_to_the_link(page, lesson, PHONE)
    link.click()
    # Back in the first frame that shows the glossary (polled once a frame).
    page.wait_for_function("!!document.querySelector('article h1#glossary') && (history.back(), true)")
    expect(page).to_have_url(lesson)
    _is_back_in_place(page, link)


def test_printing_skips_no_block(page, project_site):
    # A printed lesson is whole in every browser, not only in those that draw skipped blocks
    # when printing (Chromium does).
    page.goto(project_site.url + "lessons/chain-rule/", wait_until="load")
    blocks = ".md-content__inner > *, .qk-item"
    shown = "(all) => all.map((el) => getComputedStyle(el).contentVisibility)"
    assert "auto" in page.locator(blocks).evaluate_all(shown)
    page.emulate_media(media="print")
    assert set(page.locator(blocks).evaluate_all(shown)) == {"visible"}
