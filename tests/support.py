"""What the browser tests and the start-up benchmark share: how Chromium is launched, and the
course's worked trace exercise as the runtime receives it.

Importable as `tests.support` (pytest puts the repository root on the path; the benchmark
does so itself).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Debian's Chromium, never a browser downloaded by Playwright.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

WORKED_ID = "chain-worked-two-layer"  # SYLLABUS's fixed worked exercise, the course's first trace


def trace_request(item_id: str = WORKED_ID) -> dict:
    """A numeric_trace item of the course as `runtime.evaluate` takes it: code, the params as
    written in the bank, every quantity's and mistake's expression, and the graph's root."""
    from quizkit.bank.kinds.numeric_trace import expressions, fixed_params
    from quizkit.bank.load import load_bank

    for path in sorted((ROOT / "lessons_src").glob("*/quiz.yml")):
        for _, item in load_bank(path).items:
            if item.id == item_id:
                return {
                    "code": item.code,
                    "params": fixed_params(item),
                    "values": expressions(item),
                    "root": item.root,
                }
    raise LookupError(f"no item {item_id!r} in lessons_src/*/quiz.yml")


def open_quiz_modules(page, origin: str, sources: dict[str, str] | None = None) -> None:
    """Open `origin` in a Playwright page as a blank page that answers, from memory,
    quiz-config.js as client.py generates it and every other name with quizkit/web's file
    as it is, or with the text `sources` gives for that name (a module changed on purpose).

    No site build is needed to run the quiz scripts' own modules in a browser this way.
    """
    from quizkit.mkdocs.client import client_config_module

    web = ROOT / "quizkit" / "web"
    sources = sources or {}

    def answer(route) -> None:
        name = route.request.url.removeprefix(origin)
        if name == "":
            route.fulfill(content_type="text/html", body="<!doctype html><title>quiz</title>")
        elif name == "quiz-config.js":
            route.fulfill(content_type="text/javascript", body=client_config_module())
        elif name in sources:
            route.fulfill(content_type="text/javascript", body=sources[name])
        elif (web / name).is_file():
            route.fulfill(content_type="text/javascript", body=(web / name).read_text("utf-8"))
        else:
            route.fulfill(status=404)

    page.route(f"{origin}**", answer)
    page.goto(origin)


def quiz_ready(page) -> None:
    """Wait until every quiz item of the page open in `page` has started, and its toolbar.

    quiz.js starts items as they come near the screen and the toolbar (its score counts every
    item) once all have: the toolbar is brought near the screen, and the page is scrolled back
    to its top afterwards, where a test that then acts on an item expects it to be.
    """
    page.locator(".qk-toolbar").scroll_into_view_if_needed()
    page.wait_for_selector(".qk-toolbar.qk-ready")
    page.evaluate("window.scrollTo(0, 0)")


# quizkit/web/page.css lets the browser skip the blocks of a page far from the screen
# (content-visibility: auto). A skipped block is not drawn, so innerText leaves its text out
# and axe, which judges colours where an element is drawn, misjudges them. A check of what a
# reader would see of the whole page has every block drawn while it runs (the %s below), and
# runs after the page's scripts have seen them drawn (quiz-math.js makes a wide equation
# focusable from a ResizeObserver, told after the next layout).
_ALL_SHOWN = """async (arg) => {
    const style = document.createElement("style");
    style.textContent = "* { content-visibility: visible !important; }";
    document.head.append(style);
    await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    try { %s } finally { style.remove(); }
}"""
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def shown_text(locator) -> str:
    """The text of `locator` as a reader would find it on the page (innerText)."""
    return locator.evaluate(_ALL_SHOWN % "return arg.innerText;")


def texts(locator) -> list[str]:
    """The text of each element of `locator`, whether or not the browser has drawn it yet."""
    return [text.strip() for text in locator.all_text_contents()]


def axe_violations(page) -> list[dict]:
    """axe-core's serious and critical findings on the page open in `page`, every block
    drawn, once any fade-in has ended (mid-fade, feedback is faint on purpose)."""
    page.wait_for_function("document.getAnimations().every((a) => a.playState !== 'running')")
    page.add_script_tag(path=str(AXE))
    return page.evaluate(
        _ALL_SHOWN
        % """return (await axe.run(document, {resultTypes: ["violations"]})).violations
            .filter((v) => v.impact === "serious" || v.impact === "critical")
            .map((v) => ({id: v.id, impact: v.impact,
                          nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}));"""
    )
