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

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page

PHONE = {"width": 412, "height": 823}
DESKTOP = {"width": 1280, "height": 800}

# The selectors of our rules that skip far blocks, read from the page's own style sheets.
SKIPPED = """() => [...document.styleSheets].flatMap((sheet) => {
    try { return [...sheet.cssRules]; } catch { return []; }
}).filter((rule) => rule.style?.contentVisibility === "auto").map((rule) => rule.selectorText)"""

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
        loose = _with_containment(page, "none")
        contained = _with_containment(page, "layout style paint")
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
    # A skipped block keeps its own box; what is inside it is what the browser skips.
    summary = page.locator("h2#summary > a.headerlink")
    first_item = page.locator(".qk-item").first
    assert page.locator("h1 > a.headerlink").evaluate(SHOWN)
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
