"""KaTeX's script in the browser only for math that appears at run time (quiz-math.js): the
build typesets a lesson's math, so the page loads no KaTeX script until feedback shows some."""

from __future__ import annotations

from playwright.sync_api import expect

from quizkit.mkdocs import assets
from tests.support import quiz_ready

LESSON = "lessons/basics/"
KATEX_SCRIPTS = (assets.KATEX_JS, assets.KATEX_AUTO_RENDER)


def katex_requests(seen: list[str]) -> list[str]:
    return [url for url in seen if url.endswith(KATEX_SCRIPTS)]


def test_a_lesson_loads_katex_only_when_feedback_brings_math(page, fixture_site, requests_seen):
    page.goto(fixture_site.url + LESSON)
    quiz_ready(page)
    page.wait_for_load_state("networkidle")
    mcq = page.locator("#qk-fx-mcq")
    # The prompt's "$2 \times 3$" arrived typeset; nothing was typeset in the page.
    expect(mcq.locator(".qk-prompt .katex").first).to_be_attached()
    assert page.locator("article .arithmatex:not([data-qk-math])").count() == 0
    assert katex_requests(requests_seen) == []
    assert page.evaluate("typeof window.katex") == "undefined"

    # A wrong choice's feedback ("That is $2 + 3$") comes from the encoded payload, untypeset.
    mcq.get_by_label("5", exact=True).check()
    mcq.get_by_role("button", name="Check").click()
    feedback = mcq.locator(".qk-feedback")
    expect(feedback).to_contain_text("FIVE-FEEDBACK")
    expect(feedback.locator(".katex").first).to_be_attached()
    expect(feedback).not_to_contain_text("\\(")
    assert [url.rsplit("/", 2)[-2:] for url in katex_requests(requests_seen)] == [
        ["katex", "katex.min.js"]
    ]
    # The same MathML annotation KaTeX gives at build: the TeX that arithmatex wrote.
    assert feedback.locator("annotation").first.text_content() == "2 + 3"

    # More run-time math uses the loaded KaTeX; the script is not fetched again.
    mcq.get_by_role("button", name="Try again").click()
    mcq.get_by_label("8", exact=True).check()
    mcq.get_by_role("button", name="Check").click()
    expect(feedback).to_contain_text("EIGHT-FEEDBACK")
    expect(feedback.locator(".katex").first).to_be_attached()
    assert len(katex_requests(requests_seen)) == 1


def test_a_display_formula_typeset_at_build_is_focusable_when_wide(page, fixture_site):
    # Keyboard access to a wide formula is decided in the browser (it depends on the width),
    # without KaTeX's script.
    page.set_viewport_size({"width": 360, "height": 720})
    page.goto(fixture_site.url + LESSON)
    quiz_ready(page)
    page.evaluate("document.fonts.ready")
    displays = page.locator("article div.arithmatex[data-qk-math]")
    expect(displays.nth(1)).to_have_attribute("tabindex", "0")  # the fixture's wide one
    expect(displays.first).not_to_have_attribute("tabindex", "0")
    assert page.evaluate("typeof window.katex") == "undefined"
