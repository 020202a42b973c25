"""show_graph(t) in a runnable cell, in Debian's Chromium, on the runtime's test page.

The page's "graph" cell (tests/runtime/page.py) computes loss = (w*x - 3)^2 at w = 0.5,
x = 2 and calls show_graph(loss) once before loss.backward() and once after. By hand:
w*x = 1, w*x - 3 = -2, loss = 4, dloss/d(w*x - 3) = -4, dloss/dw = -4 * x = -8. The
"big-graph" cell calls it on 61 nodes (a leaf and sixty tanh), over the view's limit.
"""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page, expect
from test_runtime_browser import open_site, output, run

from quizkit.backprop.tracing import GRAPH_NODE_LIMIT

SCREENSHOTS = Path(os.environ.get("QUIZKIT_SCREENSHOTS", "/tmp"))


def steps_through(view, page: Page) -> list[str]:
    """Every narration of the view, stepping with the keyboard only (Enter on Next step)."""
    narration = view.locator(".qk-tv-narration")
    next_step = view.get_by_role("button", name="Next step")
    texts = []
    next_step.focus()
    while next_step.is_enabled():
        page.keyboard.press("Enter")
        texts.append(narration.inner_text())
    return texts


def test_show_graph_draws_the_cells_own_graph_below_unchanged_output(page, served_site):
    served_site.require_numpy()
    open_site(page, served_site)
    target = run(page, "graph")
    # The text output is the cell's prints alone: the last line's dict is not echoed.
    assert output(target) == "loss 4.0\n"
    graphs = target.locator(".qk-cell-graph")
    expect(graphs).to_have_count(2)
    # Drawn after the output, so the output never moves when they appear.
    assert target.evaluate(
        "(cell) => cell.querySelector('.qk-cell-output').nextElementSibling"
        " === cell.querySelector('.qk-cell-graphs')"
    )

    before, after = graphs.nth(0), graphs.nth(1)
    expect(before.locator(".qk-tv-summary")).to_have_text(
        "show_graph(loss): computation graph of loss, 7 nodes, inputs on the left."
    )
    expect(before.locator(".qk-tv-note")).to_contain_text("backward() has not been called")
    texts = steps_through(before, page)
    assert len(texts) == 7 and all(t.startswith("Forward") for t in texts)  # no backward steps
    assert texts[-1] == "Forward: loss = pow(sub, 2) = 4."
    expect(before.locator(".qk-tv-grad").filter(has_text="∂")).to_have_count(0)

    expect(after.locator(".qk-tv-note")).to_be_hidden()
    texts = steps_through(after, page)
    assert texts[:2] == [
        "Forward: w is an input, with value 0.5.",
        "Forward: x is an input, with value 2.",
    ]
    assert texts[7] == "Backward: start at loss with ∂loss/∂loss = 1."
    assert any("local derivative ∂loss/∂sub = -4, so sub receives 1 × -4 = -4" in t for t in texts)
    assert texts[-1] == (
        "Backward through mul (mul), where ∂loss/∂mul = -4: local derivative ∂mul/∂w = 2,"
        " so w receives -4 × 2 = -8; x is a constant and needs no gradient."
    )
    counter = after.locator(".qk-tv-counter")
    expect(counter).to_have_text(f"Step {len(texts)} of {len(texts)} (backward pass)")
    w_box = after.locator('.qk-tv-node[data-node="0"]')
    expect(w_box.locator(".qk-tv-grad")).to_have_text("∂loss -8")
    expect(w_box.locator(".qk-tv-value")).to_have_text("value 0.5")
    # Stepping back with the keyboard undoes the last step.
    after.get_by_role("button", name="Previous step").focus()
    page.keyboard.press("Enter")
    expect(counter).to_have_text(f"Step {len(texts) - 1} of {len(texts)} (backward pass)")
    expect(w_box.locator(".qk-tv-grad")).to_have_text("")

    # A new run replaces the graphs (two again, not four).
    run(page, "graph")
    expect(graphs).to_have_count(2)


def test_a_graph_over_the_limit_shows_its_size_and_the_limit(page, served_site):
    served_site.require_numpy()
    open_site(page, served_site)
    target = run(page, "big-graph")
    assert output(target) == "done\n"
    message = target.locator(".qk-cell-graph-message")
    expect(message).to_have_count(1)
    expect(message).to_contain_text(f"61 nodes, more than the {GRAPH_NODE_LIMIT} the view draws")
    expect(message).to_contain_text("smaller part of the computation")
    expect(target.locator(".qk-trace-view")).to_have_count(0)


def test_on_a_360_px_phone_the_graph_keeps_its_size_and_scrolls(page, served_site):
    served_site.require_numpy()
    page.set_viewport_size({"width": 360, "height": 780})
    open_site(page, served_site)
    target = run(page, "graph")
    view = target.locator(".qk-cell-graph").nth(1)
    view.get_by_role("button", name="Show all").click()
    sizes = view.evaluate(
        """(view) => {
            const svg = view.querySelector(".qk-tv-svg");
            const scroller = view.querySelector(".qk-tv-scroll");
            const px = (sel) => parseFloat(getComputedStyle(view.querySelector(sel)).fontSize);
            return {
                drawn: svg.getBoundingClientRect().width,
                width: Number(svg.getAttribute("width")),
                scrolls: scroller.scrollWidth > scroller.clientWidth,
                page: document.documentElement.scrollWidth,
                label: px(".qk-tv-label"), grad: px(".qk-tv-grad"),
            };
        }"""
    )
    assert sizes["drawn"] == sizes["width"]  # never scaled down to the column
    assert sizes["scrolls"] and sizes["page"] <= 360  # the graph scrolls, not the page
    assert sizes["label"] >= 13 and sizes["grad"] >= 11.5
    view.get_by_role("button", name="Previous step").click()  # a gradient "so far" shows
    target.screenshot(path=str(SCREENSHOTS / "show-graph-360.png"))
    big = run(page, "big-graph")
    big.screenshot(path=str(SCREENSHOTS / "show-graph-too-large-360.png"))
