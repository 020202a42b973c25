"""Live trace exercises on a site built by the real plugin (the site tier's fixture course).

The fixture's `fx-trace` item computes q = x + y, f = q * z and df/dx at x = 2, y = 3, z = 4,
with x re-drawable in [1, 3] (step 1) and a declared mistake "q + z" for f. Here the engine
in the browser recomputes everything after "New numbers", and the checks follow.

The course is built from a copy of the fixture's Markdown lesson with one more item,
`fx-constrained` (CONSTRAINED below): y = x² and dy/dx = 2x for x drawn from -10..10 under
the constraint y > 80 and a mistake, y / 4.5, that gives the key at x = 9. "New numbers" may
show x = -10, -9 and 10 only; every other draw breaks a rule.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import yaml
from playwright.sync_api import Page, expect

from quizkit.backprop import worksheet
from quizkit.bank.draws import spec
from quizkit.bank.model import NumericTrace

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "site" / "fixtures"
QUIZ = "lessons/basics/quiz/"
PARAMS = {"x": {"value": 2.0, "range": [1.0, 3.0], "step": 1.0}, "y": {"value": 3.0},
          "z": {"value": 4.0}}  # fmt: skip
BOOT_MS = 60_000

CONSTRAINED = {
    "id": "fx-constrained",
    "kind": "numeric_trace",
    "difficulty": "easy",
    "topics": ["chain-rule"],
    "prompt": "For $y = x^2$, compute $y$ and $dy/dx$.",
    "params": {"x": {"value": 10.0, "range": [-10.0, 10.0], "step": 1.0}},
    "code": (
        'xt = Tensor(x, requires_grad=True, name="x")\ny = xt * xt\ny.name = "y"\ny.backward()\n'
    ),
    "root": "y",
    "quantities": [
        {"name": "y", "label": "$y$", "value": "y.data", "expect": 100.0},
        {
            "name": "dydx",
            "label": "$dy/dx$",
            "value": "xt.grad",
            "expect": 20.0,
            "mistakes": [
                {"id": "y-over", "value": "y.data / 4.5", "feedback": "CONSTRAINED-MISTAKE."}
            ],
        },
    ],
    "constraints": ["y > 80"],
    "explanation": "CONSTRAINED-EXPLANATION.",
}
SHOWABLE = {-10.0, -9.0, 10.0}  # |x| >= 9 for y > 80, and not 9, where y / 4.5 = 18 = 2x


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature is http.server's
        pass


@pytest.fixture(scope="module")
def fixture_course(tmp_path_factory, runtime_site):
    runtime_site.require_numpy()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    course = tmp_path_factory.mktemp("trace-course")
    # The fixture's config, its relative paths made absolute; its Markdown lesson only (the
    # notebook lesson has no trace and takes long to execute), with CONSTRAINED added.
    config = (FIXTURES / "mkdocs.yml").read_text().replace("../../../", f"{ROOT}/")
    (course / "mkdocs.yml").write_text(config)
    # The whole fixture course: its lessons link to each other, and the build checks links.
    shutil.copytree(FIXTURES / "lessons_src", course / "lessons_src")
    lesson = course / "lessons_src" / "01-basics"
    bank = yaml.safe_load((lesson / "quiz.yml").read_text())
    bank["items"].append(CONSTRAINED)
    (lesson / "quiz.yml").write_text(yaml.safe_dump(bank, sort_keys=False, allow_unicode=True))
    site = tmp_path_factory.mktemp("trace-site")
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("mkdocs")), "build", "--strict",
         "-f", str(course / "mkdocs.yml"), "-d", str(site)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "SITE_URL": url},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "quizkit runtime: Pyodide" in proc.stderr  # the plugin bundled the runtime
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield url
    server.shutdown()


def seed_with_x(x: float) -> int:
    """A seed whose draw gives this x (found with the engine in CPython)."""
    return next(s for s in range(1, 1000) if worksheet.draw(PARAMS, s)["x"] == x)


def trace_item(page: Page):
    return page.locator("#qk-fx-trace")


def fill(page: Page, values: dict[str, str]) -> None:
    trace = trace_item(page)
    for name, text in values.items():
        trace.locator(f'[data-qk-quantity="{name}"] input').fill(text)
    trace.get_by_role("button", name="Check").click()


def test_new_numbers_from_a_shared_seed_and_the_checks_follow_them(page, fixture_course):
    seed = seed_with_x(3.0)
    page.goto(f"{fixture_course}{QUIZ}?seed={seed}#qk-fx-trace")
    trace = trace_item(page)
    status = trace.locator(".qk-live-status")
    expect(status).to_contain_text(f"New numbers (seed {seed})", timeout=BOOT_MS)
    expect(trace.locator('[data-qk-param="x"] .qk-param-value')).to_have_text("3")
    # The old answers are wrong now, a declared mistake is recognised at the new numbers ...
    fill(page, {"q": "5", "f": "10", "dfdx": "4"})
    expect(trace.locator('[data-qk-quantity="q"] .qk-msg')).to_contain_text("Not yet")
    mistake = trace.locator('[data-qk-quantity="f"] .qk-msg')
    expect(mistake).to_contain_text("TRACE-MISTAKE-FEEDBACK")
    expect(trace.locator(".qk-feedback")).to_contain_text("1 of 3 values are correct")
    # ... and the new ones are right.
    fill(page, {"q": "6", "f": "24", "dfdx": "4"})
    expect(trace.locator(".qk-feedback")).to_contain_text("All 3 values are correct")
    trace.get_by_role("button", name="Original numbers").click()
    expect(trace.locator('[data-qk-param="x"] .qk-param-value')).to_have_text("2")
    assert "seed=" not in page.url
    fill(page, {"q": "5", "f": "20", "dfdx": "4"})
    expect(trace.locator(".qk-feedback")).to_contain_text("All 3 values are correct")


def test_new_numbers_button_draws_with_the_engine_and_writes_the_seed(page, fixture_course):
    page.goto(f"{fixture_course}{QUIZ}")
    trace = trace_item(page)
    trace.get_by_role("button", name="New numbers").click()
    expect(trace.locator(".qk-live-status")).to_contain_text("New numbers (seed", timeout=BOOT_MS)
    seed = int(re.search(r"[?&]seed=(\d+)", page.url).group(1))
    assert page.url.endswith("#qk-fx-trace")
    x = worksheet.draw(PARAMS, seed)["x"]
    expect(trace.locator('[data-qk-param="x"] .qk-param-value')).to_have_text(f"{x:g}")
    fill(page, {"q": f"{x + 3:g}", "f": f"{(x + 3) * 4:g}", "dfdx": "4"})
    expect(trace.locator(".qk-feedback")).to_contain_text("All 3 values are correct")


def test_graph_steps_forward_then_backward_with_local_derivatives(page, fixture_course):
    page.goto(f"{fixture_course}{QUIZ}")
    trace = trace_item(page)
    trace.get_by_text("Show the computation graph, step by step").click()
    view = trace.locator(".qk-trace-view")
    expect(view.locator(".qk-tv-node")).to_have_count(5)  # x, y, q, z, f
    narration = view.locator(".qk-tv-narration")
    expect(narration).to_have_text("Press Next step to compute the graph node by node.")
    next_step = view.get_by_role("button", name="Next step")
    texts = []
    while next_step.is_enabled():
        next_step.click()
        texts.append(narration.inner_text())
    assert texts[0] == "Forward: x is an input, with value 2."
    assert "Forward: q = add(x, 3) = 5." in texts
    assert "Forward: f = mul(q, 4) = 20." in texts
    assert texts[5] == "Backward: start at f with ∂f/∂f = 1."
    assert any("local derivative ∂f/∂q = 4, so q receives 1 × 4 = 4" in t for t in texts)
    assert any("local derivative ∂q/∂x = 1, so x receives 4 × 1 = 4" in t for t in texts)
    total = len(texts)
    expect(view.locator(".qk-tv-counter")).to_have_text(f"Step {total} of {total} (backward pass)")
    expect(view.locator(".qk-tv-local")).to_contain_text(["×1", "×4"])
    view.get_by_role("button", name="Start over").click()
    expect(view.locator(".qk-tv-counter")).to_have_text(f"Step 0 of {len(texts)} (not started)")


OVERLAPS = """(view) => {
    // Every shown local derivative's box, and each arrowhead's (the marker's size, at the
    // end of its edge), in the drawing's coordinates.
    const size = Number(view.querySelector("marker").getAttribute("markerWidth"));
    const box = (b) => ({ left: b.x, right: b.x + b.width, top: b.y, bottom: b.y + b.height });
    const labels = [...view.querySelectorAll(".qk-tv-local")]
        .filter((t) => t.textContent).map((t) => ({ text: t.textContent, ...box(t.getBBox()) }));
    const heads = [...view.querySelectorAll(".qk-tv-edge")].map((path) => {
        const end = path.getPointAtLength(path.getTotalLength());
        const half = size / 2;
        return { left: end.x - size, right: end.x, top: end.y - half, bottom: end.y + half };
    });
    const meet = (a, b) =>
        a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
    return {
        labels: labels.map((l) => l.text),
        onHeads: labels.filter((l) => heads.some((h) => meet(l, h))).map((l) => l.text),
        onLabels: labels.filter((l) => labels.some((m) => m !== l && meet(l, m)))
            .map((l) => l.text),
    };
}"""


def test_graph_caption_names_the_question_and_labels_clear_the_arrowheads(page, fixture_course):
    page.goto(f"{fixture_course}{QUIZ}")
    trace = trace_item(page)
    trace.get_by_text("Show the computation graph, step by step").click()
    view = trace.locator(".qk-trace-view")
    title = trace.locator(".qk-title").evaluate("(h) => h.firstChild.textContent.trim()")
    # The caption used to start with the item's id ("fx-trace: computation graph ...").
    expect(view.locator(".qk-tv-summary")).to_have_text(
        f"{title}: computation graph of f, 5 nodes, inputs on the left."
    )
    assert title.startswith(("Question", "Exercise")) and "fx-trace" not in title
    view.get_by_role("button", name="Show all").click()
    found = view.evaluate(OVERLAPS)
    assert sorted(found["labels"]) == ["×1", "×4"]
    assert found["onHeads"] == [] and found["onLabels"] == []


# -- "New numbers" keeps the item's rules --------------------------------------------------------

CONSTRAINED_SPEC = spec(NumericTrace.model_validate(CONSTRAINED))


def constrained(page: Page):
    return page.locator("#qk-fx-constrained")


def raw_xs(seed: int, count: int) -> list[float]:
    """x's first `count` draws for `seed` by the documented recipe (before any rule)."""
    rng = np.random.default_rng(seed)
    return [float(rng.integers(-10, 11)) for _ in range(count)]


def shown_x(item) -> float:
    return float(item.locator('[data-qk-param="x"] .qk-param-value').inner_text().replace("−", "-"))


def check_constrained(page: Page, y: float, dydx: float) -> None:
    item = constrained(page)
    item.locator('[data-qk-quantity="y"] input').fill(f"{y:g}")
    item.locator('[data-qk-quantity="dydx"] input').fill(f"{dydx:g}")
    item.get_by_role("button", name="Check").click()


def test_new_numbers_of_a_constrained_item_are_only_numbers_that_keep_its_rules(
    page, fixture_course
):
    page.goto(f"{fixture_course}{QUIZ}")
    item = constrained(page)
    status = item.locator(".qk-live-status")
    seen = []
    for _ in range(6):
        before = status.inner_text()
        item.get_by_role("button", name="New numbers").click()
        expect(status).not_to_have_text(before, timeout=BOOT_MS)
        expect(status).to_have_text(re.compile(r"\(seed \d+\)|^Seed \d+"), timeout=BOOT_MS)
        seed = int(re.search(r"[Ss]eed (\d+)", status.inner_text()).group(1))
        x = shown_x(item)
        assert x in SHOWABLE, (seed, x)
        # The page ran the checker's own function: CPython gives the same numbers.
        assert x == worksheet.new_numbers(CONSTRAINED_SPEC, seed, graph=False)["params"]["x"]
        seen.append(x)
    # The last numbers grade as the engine computes them, and the mistake stays a mistake.
    check_constrained(page, x * x, 2 * x)
    expect(item.locator(".qk-feedback")).to_contain_text("All 2 values are correct")
    check_constrained(page, x * x, x * x / 4.5)
    expect(item.locator('[data-qk-quantity="dydx"] .qk-msg')).to_contain_text("CONSTRAINED-MISTAKE")


def test_a_shared_seed_whose_first_draw_breaks_a_rule_shows_the_next_that_keeps_them(
    page, fixture_course
):
    # The first draw, x = 9, is where the mistake gives the key: the page must draw again.
    seed = next(s for s in range(1, 10_000) if raw_xs(s, 1) == [9.0])
    later = next(x for x in raw_xs(seed, worksheet.MAX_ATTEMPTS) if x in SHOWABLE)
    page.goto(f"{fixture_course}{QUIZ}?seed={seed}#qk-fx-constrained")
    item = constrained(page)
    expect(item.locator(".qk-live-status")).to_contain_text(
        f"New numbers (seed {seed})", timeout=BOOT_MS
    )
    assert shown_x(item) == later
    check_constrained(page, later * later, 2 * later)
    expect(item.locator(".qk-feedback")).to_contain_text("All 2 values are correct")


def test_a_shared_seed_that_finds_no_such_numbers_says_it_shows_the_original_ones(
    page, fixture_course
):
    seed = next(
        s for s in range(1, 10_000) if not SHOWABLE & set(raw_xs(s, worksheet.MAX_ATTEMPTS))
    )
    page.goto(f"{fixture_course}{QUIZ}?seed={seed}#qk-fx-constrained")
    item = constrained(page)
    expect(item.locator(".qk-live-status")).to_have_text(
        f"Seed {seed} gives no new numbers that suit this exercise, so these are the original"
        " numbers: x = 10.",
        timeout=BOOT_MS,
    )
    assert shown_x(item) == 10.0
    expect(item.get_by_role("button", name="Original numbers")).to_be_hidden()
    check_constrained(page, 100, 20)
    expect(item.locator(".qk-feedback")).to_contain_text("All 2 values are correct")


def test_numbers_drawn_before_a_reload_keep_their_graph_and_original_numbers(page, fixture_course):
    seed = seed_with_x(3.0)
    page.goto(f"{fixture_course}{QUIZ}?seed={seed}#qk-fx-trace")
    trace = trace_item(page)
    expect(trace.locator(".qk-live-status")).to_contain_text(f"(seed {seed})", timeout=BOOT_MS)
    trace.locator('[data-qk-quantity="q"] input').fill("6")  # saved with its seed
    page.wait_for_timeout(600)  # the store saves what is typed after a short pause
    page.goto(f"{fixture_course}{QUIZ}#qk-fx-trace")  # the address no longer names the seed
    trace = trace_item(page)
    expect(trace.locator('[data-qk-param="x"] .qk-param-value')).to_have_text("3")
    expect(trace.locator('[data-qk-quantity="q"] input')).to_have_value("6")
    expect(trace.locator(".qk-live-status")).to_have_text(
        f"Your saved numbers (seed {seed}) are shown."
    )
    expect(trace.get_by_role("button", name="Original numbers")).to_be_visible()
    # The graph of the saved numbers, not of the printed ones, comes from the engine.
    trace.get_by_text("Show the computation graph, step by step").click()
    view = trace.locator(".qk-trace-view")
    next_step = view.get_by_role("button", name="Next step")
    status = trace.locator(".qk-live-status")
    expect(status).to_contain_text("The engine recomputed every value", timeout=BOOT_MS)
    texts = []
    while next_step.is_enabled():
        next_step.click()
        texts.append(view.locator(".qk-tv-narration").inner_text())
    assert "Forward: x is an input, with value 3." in texts
    trace.get_by_role("button", name="Original numbers").click()
    expect(trace.locator('[data-qk-param="x"] .qk-param-value')).to_have_text("2")
