"""Live trace exercises on a site built by the real plugin (the site tier's fixture course).

The fixture's `fx-trace` item computes q = x + y, f = q * z and df/dx at x = 2, y = 3, z = 4,
with x re-drawable in [1, 3] (step 1) and a declared mistake "q + z" for f. Here the engine
in the browser recomputes everything after "New numbers", and the checks follow.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from quizkit.backprop import worksheet

ROOT = Path(__file__).resolve().parents[2]
FIXTURE_CONFIG = ROOT / "tests" / "site" / "fixtures" / "mkdocs.yml"
QUIZ = "lessons/basics/quiz/"
PARAMS = {"x": {"value": 2.0, "range": [1.0, 3.0], "step": 1.0}, "y": {"value": 3.0},
          "z": {"value": 4.0}}  # fmt: skip
BOOT_MS = 60_000


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature is http.server's
        pass


@pytest.fixture(scope="module")
def fixture_course(tmp_path_factory, runtime_site):
    if not runtime_site.has_numpy:
        pytest.skip(f"NumPy's wasm wheel is not self-hosted here ({runtime_site.report})")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    site = tmp_path_factory.mktemp("trace-site")
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("mkdocs")), "build", "--strict",
         "-f", str(FIXTURE_CONFIG), "-d", str(site)],
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
