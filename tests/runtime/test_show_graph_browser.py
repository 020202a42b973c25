"""show_graph(t) in a runnable cell, in Debian's Chromium, on the runtime's test page.

The page's "graph" cell (tests/runtime/page.py) computes loss = (w*x - 3)^2 at w = 0.5,
x = 2 and calls show_graph(loss) once before loss.backward() and once after. By hand:
w*x = 1, w*x - 3 = -2, loss = 4, dloss/d(w*x - 3) = -4, dloss/dw = -4 * x = -8. The
"big-graph" cell calls it on 61 nodes (a leaf and sixty tanh), over the view's limit.
Other computations are typed into the "graph" cell's editor and run there.
The test page links runtime.css as every course page does, but has no Material theme: tests
of layout add Material's one rule that matters here (.md-button sets display) themselves.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import Page, expect
from test_runtime_browser import cell, open_site, output, run

from quizkit.backprop.tracing import GRAPH_NODE_LIMIT

SCREENSHOTS = Path(os.environ.get("QUIZKIT_SCREENSHOTS", "/tmp"))


def with_styles(page: Page) -> None:
    """Material's display rule for buttons (the page links the course's runtime.css itself)."""
    page.add_style_tag(content=".md-button { display: inline-block; }")


PHONE_WIDTH = 360


def open_graph_page(page: Page, site, *, phone: bool = False, styles: bool = False) -> None:
    """The test page with NumPy ready (the test is skipped where its wheel is not self-hosted),
    at a phone's width and with the course's styles when asked."""
    site.require_numpy()
    if phone:
        page.set_viewport_size({"width": PHONE_WIDTH, "height": 780})
    open_site(page, site)
    if styles:
        with_styles(page)


def run_code(page: Page, code: str):
    """Run `code` in the "graph" cell (typed into its editor) and return the cell."""
    cell(page, "graph").locator("textarea").fill(code)
    return run(page, "graph")


HEADER = "from quizkit.backprop import Tensor\nfrom quizkit.backprop.tracing import show_graph\n"


def focused(page: Page) -> str:
    return page.evaluate("document.activeElement.textContent")


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
    open_graph_page(page, served_site)
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
        "show_graph(loss), call 1 of 2: computation graph of loss, 7 nodes, inputs on the left."
    )
    expect(before.locator(".qk-tv-note")).to_contain_text("backward() has not been called")
    # A screen reader hears that graphs appeared (nothing else announces them).
    expect(target.locator(".qk-cell-status")).to_contain_text("2 graphs drawn below the output.")
    # The drawing is not named by the summary a third time (paragraph, scroll area, drawing).
    assert before.locator(".qk-tv-svg").get_attribute("aria-labelledby") is None
    assert "table below" in before.locator(".qk-tv-svg").get_attribute("aria-label")
    texts = steps_through(before, page)
    assert len(texts) == 7 and all(t.startswith("Forward") for t in texts)  # no backward steps
    # Next step disabled itself at the end: the keyboard's focus went to Previous step.
    assert focused(page) == "Previous step"
    # An unnamed result is not called by its operation twice ("mul = mul(w, x)").
    assert "Forward: mul(w, x) = 1." in texts
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
    # Start over and Show all disable themselves: focus moves on, never to the page.
    after.get_by_role("button", name="Start over").focus()
    page.keyboard.press("Enter")
    assert focused(page) == "Next step"
    after.get_by_role("button", name="Show all").focus()
    page.keyboard.press("Enter")
    assert focused(page) == "Previous step"
    # The table is the finished computation, and says so.
    expect(after.locator(".qk-tv-table th").last).to_have_text("Gradient (after the backward pass)")

    # A new run replaces the graphs (two again, not four).
    run(page, "graph")
    expect(graphs).to_have_count(2)


def test_a_graph_over_the_limit_shows_its_size_and_the_limit(page, served_site):
    open_graph_page(page, served_site)
    target = run(page, "big-graph")
    assert output(target) == "done\n"
    message = target.locator(".qk-cell-graph-message")
    expect(message).to_have_count(1)
    expect(message).to_contain_text(f"61 nodes, more than the {GRAPH_NODE_LIMIT} the view draws")
    expect(message).to_contain_text("smaller part of the computation")
    expect(target.locator(".qk-trace-view")).to_have_count(0)
    expect(target.locator(".qk-cell-status")).to_contain_text("too large to draw")


def test_on_a_360_px_phone_the_graph_keeps_its_size_and_scrolls(page, served_site):
    open_graph_page(page, served_site, phone=True)
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
    assert sizes["scrolls"] and sizes["page"] <= PHONE_WIDTH  # the graph scrolls, not the page
    assert sizes["label"] >= 13 and sizes["grad"] >= 11.5
    view.get_by_role("button", name="Previous step").click()  # a gradient "so far" shows
    target.screenshot(path=str(SCREENSHOTS / "show-graph-360.png"))
    big = run(page, "big-graph")
    big.screenshot(path=str(SCREENSHOTS / "show-graph-too-large-360.png"))


LAYER = HEADER + (
    "import numpy as np\n"
    "X = Tensor(np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]]))\n"
    "W = Tensor(np.array([[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]]), requires_grad=True)\n"
    "Z = X @ W\n"
    "H = Z.tanh()\n"
    "loss = (H ** 2).mean()\n"
    "loss.backward()\n"
    "show_graph(loss)\n"
)


def test_a_layer_on_small_arrays_shows_its_numbers_and_each_operations_rule(page, served_site):
    open_graph_page(page, served_site)
    view = run_code(page, LAYER).locator(".qk-cell-graph")
    texts = steps_through(view, page)
    # Values written out (6 entries), not "array 2×3"; the rule of each operation is named.
    assert "Forward: X is an input, with value [[1, 2, 0.5], [0, -1, 3]]." in texts
    matmul = next(t for t in texts if t.startswith("Backward through Z"))
    assert "W receives dW = Xᵀ · dZ" in matmul and "X is a constant" in matmul
    assert "dZ means ∂loss/∂Z" in matmul
    tanh = next(t for t in texts if t.startswith("Backward through H"))
    assert "Z receives dZ = dH ⊙ (1 − H²)" in tanh
    assert not any("not shown" in t for t in texts)
    # The box keeps the short form; its tooltip and the table have the numbers.
    w_box = view.locator('.qk-tv-node[data-node="1"]')
    expect(w_box.locator(".qk-tv-value")).to_have_text("value array 3×2")
    expect(w_box.locator("title")).to_contain_text("value [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]]")
    expect(view.locator(".qk-tv-table td").filter(has_text="[[0.1, 0.2]")).to_have_count(1)


def test_repeated_inputs_long_names_and_repeated_operations_are_told_apart(page, served_site):
    open_graph_page(page, served_site, styles=True)
    code = HEADER + (
        "learning_rate_schedule = Tensor(3.0, requires_grad=True)\n"
        "square = learning_rate_schedule * learning_rate_schedule\n"
        "out = square.tanh().tanh().tanh()\n"
        "out.backward()\n"
        "show_graph(out)\n"
    )
    view = run_code(page, code).locator(".qk-cell-graph")
    texts = steps_through(view, page)
    square = next(t for t in texts if t.startswith("Backward through square"))
    assert "learning_rate_schedule (first use) receives" in square
    assert "learning_rate_schedule (second use) receives" in square
    assert any(t.startswith("Forward: tanh₁ = tanh(square)") for t in texts)
    # A long name is cut before it reaches the operation's name; the tooltip has it whole.
    box = view.locator('.qk-tv-node[data-node="0"]')
    expect(box.locator(".qk-tv-label")).to_have_text(re.compile("…$"))
    expect(box.locator("title")).to_contain_text("learning_rate_schedule (input)")
    gap = box.evaluate(
        """(g) => g.querySelector(".qk-tv-op").getBBox().x
              - (g.querySelector(".qk-tv-label").getBBox().x
                 + g.querySelector(".qk-tv-label").getBBox().width)"""
    )
    assert gap > 0


def test_show_graph_in_a_loop_numbers_the_calls_and_folds_the_middle(page, served_site):
    open_graph_page(page, served_site)
    code = HEADER + (
        "w = Tensor(0.5, requires_grad=True)\n"
        "for step in range(15):\n"
        "    loss = (w * 2.0 - 1.0) ** 2\n"
        "    show_graph(loss)\n"
    )
    target = run_code(page, code)
    summaries = target.locator(".qk-cell-graph .qk-tv-summary")
    expect(summaries).to_have_count(10)
    expect(summaries.first).to_contain_text("show_graph(loss), call 1 of 15")
    expect(summaries.last).to_contain_text("show_graph(loss), call 10 of 15")
    folded = target.locator(".qk-cell-graphs-more")
    expect(folded.locator(":scope > summary")).to_have_text("8 more graphs (calls 2 to 9)")
    expect(folded.locator(".qk-trace-view").first).to_be_hidden()
    note = target.get_by_role("region", name="show_graph calls not drawn")
    expect(note).to_contain_text("5 more show_graph calls not drawn")
    expect(target.get_by_role("region", name="Graph 10 of 10")).to_have_count(1)


DRAWING_TOP = (
    "(v) => v.querySelector('.qk-tv-scroll').getBoundingClientRect().top"
    " - v.getBoundingClientRect().top"
)


def test_on_a_phone_the_graph_stays_put_and_shows_what_each_step_is_about(page, served_site):
    open_graph_page(page, served_site, phone=True, styles=True)
    # Undo reset is hidden until a reset, whatever display Material gives its buttons.
    expect(cell(page, "graph").get_by_role("button", name="Undo reset")).to_be_hidden()
    target = run(page, "graph")
    view = target.locator(".qk-cell-graph").nth(1)
    tops = []
    next_step = view.get_by_role("button", name="Next step")
    while next_step.is_enabled():
        next_step.click()
        tops.append(view.evaluate(DRAWING_TOP))
    assert len(set(tops)) == 1, tops  # the narration's length never moves the drawing
    # The last step sends gradients to w and x, at the far left: they are scrolled into view.
    seen = view.evaluate(
        """(v) => {
            const area = v.querySelector(".qk-tv-scroll").getBoundingClientRect();
            const box = v.querySelector('.qk-tv-node[data-node="0"] rect').getBoundingClientRect();
            return box.left >= area.left && box.right <= area.right;
        }"""
    )
    assert seen
    # Running again keeps the graphs (dimmed) while it runs, and the step once the
    # structure is the same: the page does not jump and the learner's place is kept.
    view.get_by_role("button", name="Previous step").click()
    counter = view.locator(".qk-tv-counter").inner_text()
    target.evaluate(
        """(cell) => {
            window.__smallest = cell.offsetHeight;
            new ResizeObserver(() => {
                window.__smallest = Math.min(window.__smallest, cell.offsetHeight);
            }).observe(cell);
        }"""
    )
    height = target.evaluate("(cell) => cell.offsetHeight")
    run(page, "graph")
    assert page.evaluate("window.__smallest") >= height - 40  # the output box empties, no more
    expect(target.locator(".qk-cell-graph").nth(1).locator(".qk-tv-counter")).to_have_text(counter)
    expect(target.locator(".qk-cell-graphs-stale")).to_have_count(0)
