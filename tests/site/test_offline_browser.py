"""Offline after the first visit, and clean updates (issue 12), in a real browser.

Each test builds its own copy of the fixture course (its lessons and docs copied, so that a
"deploy" can change them), serves it on a port of its own and browses it with a persistent
Chromium profile: a new context on the same profile is a learner coming back, with the
service worker and its caches but nothing kept in memory. The network is cut by stopping
the server, so only the service worker can answer; every response is also asserted to come
from it, since Chromium's HTTP cache could otherwise hide a missing worker.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import socket
import threading
import time
import zipfile
from pathlib import Path
from urllib.parse import unquote

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from test_site_browser import choose, item

from quizkit.mkdocs.runtime import runtime_folder
from tests.runtime.conftest import Site
from tests.site.conftest import FIXTURE_CONFIG, ROOT, build_site
from tests.support import CHROMIUM, CHROMIUM_ARGS, quiz_ready

LESSON = "lessons/basics/"
UNVISITED = "lessons/notebook/"
SENTENCE = "A lesson used by the site tests."
BOOT_MS = 120_000
# What the worker loads besides the wheels (quizkit/mkdocs/runtime.py puts them there).
RUNTIME = ("pyodide.asm.wasm", "python_stdlib.zip", "pyodide-lock.json", "quizkit_worker.py")
# Checks for a new sw.js; true when none is installed (waiting) once that check is over.
NOTHING_WAITING = """async () => {
    const registration = await navigator.serviceWorker.getRegistration();
    await registration.update().catch(() => {});
    while (registration.installing) await new Promise((done) => setTimeout(done, 100));
    return registration.waiting === null;
}"""


class Quiet(http.server.SimpleHTTPRequestHandler):
    """Serves the site; a missing file is answered as static hosts do, by `missing`: "404"
    (most), "403" (S3 and CloudFront) or "page" (index.html with 200, as hosts that send every
    unknown path to one page)."""

    missing = "404"
    answered: list[tuple[str, int]]  # (path as requested, status), set by Course.start

    def log_message(self, format, *args):  # noqa: A002 - the signature is http.server's
        pass

    def log_request(self, code="-", size="-"):
        self.answered.append((getattr(self, "path", ""), int(code)))  # none if malformed

    def send_head(self):
        if self.missing != "404" and not Path(self.translate_path(self.path)).exists():
            if self.missing == "403":
                self.send_error(403)
                return None
            self.path = "/index.html"
        return super().send_head()


class Course:
    """The fixture course, built from copies that a test can change, served on a fixed port."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.src = tmp / "src"
        shutil.copytree(FIXTURE_CONFIG.parent / "lessons_src", self.src / "lessons_src")
        shutil.copytree(ROOT / "docs", self.src / "docs")
        self.config = self.src / "mkdocs.yml"
        config = FIXTURE_CONFIG.read_text(encoding="utf-8")
        config = config.replace("../../../mkdocs.yml", str(ROOT / "mkdocs.yml"))
        config = config.replace("../../../docs", str(self.src / "docs"))
        config = config.replace("../../../node_modules", str(ROOT / "node_modules"))
        # A style sheet of the site's own, besides ours, for a deploy to change.
        config += "extra_css:\n  - assets/extra.css\n"
        self.config.write_text(config, encoding="utf-8")
        self.site = tmp / "site"
        with socket.socket() as probe:  # the origin, and so the worker's scope, stays put
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.server = None
        self.build_output = ""
        self.answered: list[tuple[str, int]] = []

    def build(self, marker: str, extra_env: dict | None = None) -> None:
        """Build the course with `marker` in the lesson's first sentence, at the end of the
        home page and in the site's style sheet extra.css (`extra_env` for the build)."""
        lesson = self.src / "lessons_src" / "01-basics" / "lesson.md"
        text = (FIXTURE_CONFIG.parent / "lessons_src/01-basics/lesson.md").read_text("utf-8")
        lesson.write_text(text.replace(SENTENCE, f"{SENTENCE} {marker}."), encoding="utf-8")
        home = (ROOT / "docs" / "index.md").read_text(encoding="utf-8")
        (self.src / "docs/index.md").write_text(f"{home}\n{marker}\n", "utf-8")
        (self.src / "docs/assets").mkdir(exist_ok=True)
        (self.src / "docs/assets/extra.css").write_text(f"/* {marker} */\n", "utf-8")
        built = build_site(self.config, self.site, self.url, extra_env=extra_env)
        assert built.returncode == 0, built.output
        self.build_output = built.output

    def start(self, missing: str = "404") -> None:
        """Serve the site, a missing file answered as Quiet's `missing` says."""
        host = type("Host", (Quiet,), {"missing": missing, "answered": self.answered})
        handler = functools.partial(host, directory=str(self.site))
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None


@pytest.fixture
def course(tmp_path):
    course = Course(tmp_path)
    course.build("MARKER-ONE")
    course.start()
    yield course
    course.stop()


@pytest.fixture
def profile(tmp_path, browser_type):
    """Opens Chromium contexts on one persistent profile (one open at a time)."""
    opened: list[BrowserContext] = []

    def open_context(offline: bool = False) -> BrowserContext:
        for context in opened:
            context.close()
        opened.clear()
        context = browser_type.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, offline=offline
        )
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


def page_of(context: BrowserContext) -> Page:
    return context.pages[0] if context.pages else context.new_page()


def controlled(page: Page) -> None:
    page.wait_for_function("navigator.serviceWorker.controller !== null")


CACHED = """async (paths) => {
    // The site paths the worker's caches hold, read back from each cached request's URL (not
    // spelt here as sw.js spells them: that would only agree with itself).
    const held = new Set();
    const names = (await caches.keys()).filter((name) => name.startsWith("quizkit-offline-"));
    for (const name of names) {
        for (const request of await (await caches.open(name)).keys()) {
            held.add(decodeURIComponent(new URL(request.url).pathname.slice(1)));
        }
    }
    return Object.fromEntries(paths.map((path) => [path, held.has(path)]));
}"""


def wait_cached(page: Page, paths: list[str]) -> None:
    """Until the worker's caches hold every one of `paths` (polled from here: Playwright's
    wait_for_function takes the promise an async predicate returns for a truthy answer)."""
    deadline = time.monotonic() + BOOT_MS / 1000
    while not all((found := page.evaluate(CACHED, paths)).values()):
        assert time.monotonic() < deadline, f"not cached within {BOOT_MS} ms: {found}"
        page.wait_for_timeout(200)


def run_cell(page: Page) -> None:
    cell = page.locator(".qk-cell-live").filter(has_text="slope = float(x.grad)")
    cell.get_by_role("button", name="Run").click()
    expect(cell.locator(".qk-cell-output")).to_have_text("slope 12.0\n", timeout=BOOT_MS)


def first_visit(course: Course, profile) -> Page:
    """A learner's first visit: open the lesson, answer a quiz item, run a cell that uses the
    engine; returns the page once the runtime is saved too."""
    Site(root=course.site, report=course.build_output).require_numpy()
    page = page_of(profile())
    page.goto(course.url + LESSON)
    quiz_ready(page)
    controlled(page)
    choose(page, "fx-mcq", "6")
    expect(item(page, "fx-mcq").locator(".qk-feedback")).to_contain_text("Correct.")
    run_cell(page)
    folder = runtime_folder(course.site)
    runtime = [f"{folder.name}/{name}" for name in RUNTIME]
    wheels = [p.relative_to(course.site).as_posix() for p in folder.glob("*.whl")]
    wait_cached(page, [LESSON + "index.html", "assets/quizkit/quiz.js", *runtime, *wheels])
    return page


def responses_of(page: Page) -> list:
    seen = []
    page.on("response", lambda response: seen.append(response))
    return seen


def test_a_visited_lesson_works_offline_quiz_and_python_included(course, profile):
    first_visit(course, profile)
    # Saving the runtime took no second download of the engine's wheel (its name has a "+"):
    # the worker asked for the URL Pyodide had fetched, found in the HTTP cache.
    (wheel,) = runtime_folder(course.site).glob("quizkit_backprop-*+*.whl")
    path = "/" + wheel.relative_to(course.site).as_posix()
    downloads = [code for asked, code in course.answered if unquote(asked) == path]
    assert downloads.count(200) == 1, course.answered
    course.stop()  # the network is gone: nothing answers on the course's port

    page = page_of(profile(offline=True))
    seen = responses_of(page)
    response = page.goto(course.url + LESSON)
    assert response.ok and response.from_service_worker
    quiz_ready(page)
    expect(page.locator("article")).to_contain_text("MARKER-ONE")
    # The answer given online is still there, and another item checks offline.
    expect(item(page, "fx-mcq").locator(".qk-feedback")).to_contain_text("Correct.")
    choose(page, "fx-tf", "True")
    expect(item(page, "fx-tf").locator(".qk-feedback")).to_contain_text("Correct.")
    run_cell(page)
    same_origin = [r for r in seen if r.url.startswith(course.url)]
    assert same_origin and all(r.from_service_worker for r in same_origin), [
        r.url for r in same_origin if not r.from_service_worker
    ]

    # A page never opened cannot be there; it says so and links to what is saved.
    response = page.goto(course.url + UNVISITED)
    assert response.status == 503 and response.from_service_worker
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")
    expect(page.get_by_role("link", name="Fixture basics")).to_have_attribute(
        "href", course.url + LESSON
    )


def css_served(page: Page) -> str:
    return page.evaluate("async () => (await fetch('/assets/extra.css')).text()")


def test_a_new_deploy_is_offered_then_served_whole(course, profile):
    page = first_visit(course, profile)
    version_one = page.evaluate("async () => (await caches.keys()).join()")

    course.build("MARKER-TWO")  # a deploy: the lesson's sentence and a style sheet change
    page.reload()
    notice = page.get_by_role("status").filter(has_text="A new version of the course is ready")
    expect(notice).to_be_visible(timeout=30_000)
    # Until the learner accepts, everything is the old build's, though the server has the new.
    expect(page.locator("article")).to_contain_text("MARKER-ONE")
    assert "MARKER-ONE" in css_served(page)
    # A page the old build never saved, changed since, is not shown with the old build's files.
    other = page.context.new_page()
    response = other.goto(course.url)
    assert response.status == 503 and response.from_service_worker
    expect(other.get_by_role("heading", level=1)).to_have_text("The course has been updated")
    expect(other.get_by_role("status")).to_contain_text("A new version of the course is ready")
    other.close()

    seen = responses_of(page)
    # Chromium activates a worker that called skipWaiting only once the old one has no work in
    # flight (for up to 5 minutes): here about 1.5 s; one clean-clone CI run passed 30 s.
    with page.expect_navigation(timeout=BOOT_MS):
        notice.get_by_role("button", name="Reload").click()
    quiz_ready(page)
    expect(page.locator("article")).to_contain_text("MARKER-TWO")
    assert "MARKER-TWO" in css_served(page)
    texts = [r.text() for r in seen if r.url.startswith(course.url) and _is_text(r)]
    assert texts and not any("MARKER-ONE" in text for text in texts)
    # The old cache is gone, the new one holds the runtime without it being run again, and
    # the answer typed before the update is still shown.
    caches = page.evaluate("async () => (await caches.keys()).join()")
    assert caches != version_one and "," not in caches
    wasm = f"{runtime_folder(course.site).name}/pyodide.asm.wasm"
    wait_cached(page, [LESSON + "index.html", wasm])
    expect(item(page, "fx-mcq").locator(".qk-feedback")).to_contain_text("Correct.")
    run_cell(page)


def another_runtime(course: Course) -> dict:
    """The environment of a build whose Python runtime is not the one served: NumPy's wheel
    with a zip comment added (the same package in other bytes, so another lock file and
    another runtime folder), as a deploy that changed the runtime would have."""
    wheel = next(runtime_folder(course.site).glob("numpy-*.whl"))
    wheels = course.tmp / "other-wheels"
    wheels.mkdir()
    shutil.copy(wheel, wheels / wheel.name)
    with zipfile.ZipFile(wheels / wheel.name, "a") as archive:
        archive.comment = b"another deploy"
    return {"PYODIDE_WHEELS_DIR": str(wheels)}


@pytest.mark.parametrize("missing", ["404", "403", "page"])
def test_a_page_left_open_over_a_deploy_of_another_runtime_is_told_to_reload(
    course, profile, missing
):
    """The service worker passes the runtime's files on unchecked, since its folder is named
    after their bytes (quizkit/web/sw.js): a page of the old build that starts Python after a
    deploy with another runtime finds its own folder gone, however the host answers for a
    missing file, and says the course was updated; it never loads a file of the new runtime.
    Reloaded onto the new build, code runs again."""
    Site(root=course.site, report=course.build_output).require_numpy()
    course.stop()
    course.start(missing)
    page = page_of(profile())
    page.goto(course.url + LESSON)
    quiz_ready(page)
    controlled(page)
    old = runtime_folder(course.site).name
    course.build("MARKER-TWO", extra_env=another_runtime(course))
    new = runtime_folder(course.site).name
    assert new != old and not (course.site / old).exists()
    requested = []
    page.context.on("request", lambda request: requested.append(request.url))

    cell = page.locator(".qk-cell-live").filter(has_text="slope = float(x.grad)")
    cell.get_by_role("button", name="Run").click()
    status = cell.locator(".qk-cell-status")
    expect(status).to_contain_text(
        "The course has been updated since this page was opened", timeout=BOOT_MS
    )
    expect(status).to_contain_text("Choose Reload in the notice about the new version")
    notice = page.get_by_role("status").filter(has_text="A new version of the course is ready")
    expect(notice).to_be_visible(timeout=30_000)
    assert any(f"/{old}/" in url for url in requested), requested
    assert not any(f"/{new}/" in url for url in requested), requested

    with page.expect_navigation(timeout=BOOT_MS):
        notice.get_by_role("button", name="Reload").click()
    quiz_ready(page)
    run_cell(page)
    assert any(f"/{new}/" in url for url in requested)


def test_an_update_with_another_runtime_keeps_python_offline(course, profile):
    """A learner who had Python saved keeps it through an update that changed the runtime
    (another folder): the new build's worker installs it whole, taking the files whose bytes
    did not change from the old cache, so code still runs offline after the update."""
    page = first_visit(course, profile)
    course.build("MARKER-TWO", extra_env=another_runtime(course))
    folder = runtime_folder(course.site)
    downloaded = []
    page.context.on(
        "request", lambda request: request.service_worker and downloaded.append(request.url)
    )
    page.reload()
    notice = page.get_by_role("status").filter(has_text="A new version of the course is ready")
    expect(notice).to_be_visible(timeout=30_000)
    new_runtime = [f"{folder.name}/{name}" for name in RUNTIME]
    new_runtime += [p.relative_to(course.site).as_posix() for p in folder.glob("*.whl")]
    with page.expect_navigation(timeout=BOOT_MS):
        notice.get_by_role("button", name="Reload").click()
    quiz_ready(page)
    # Cached by the install itself, before this build's Python was ever started.
    assert all(page.evaluate(CACHED, new_runtime).values()), page.evaluate(CACHED, new_runtime)
    fetched = {url.rsplit("/", 1)[-1] for url in downloaded if f"/{folder.name}/" in url}
    assert "pyodide-lock.json" in fetched and "pyodide.asm.wasm" not in fetched, fetched

    course.stop()
    page = page_of(profile(offline=True))
    page.goto(course.url + LESSON)
    quiz_ready(page)
    expect(page.locator("article")).to_contain_text("MARKER-TWO")
    run_cell(page)


def _is_text(response) -> bool:
    kind = response.headers.get("content-type", "")
    return response.ok and any(t in kind for t in ("text/", "javascript", "json"))


def upload(path: Path, text: str) -> None:
    """Write `path` as an upload would: with a later modification time, even within the second
    of the last write (the test server's Last-Modified has whole seconds, and the worker's
    revalidation would be told the old bytes are still current)."""
    stamp = path.stat().st_mtime + 2
    path.write_text(text, encoding="utf-8")
    os.utime(path, (stamp, stamp))


def test_an_update_whose_files_do_not_match_is_not_installed(course, profile):
    """A deploy caught halfway (sw.js new, a file not yet or no longer its build's) must not
    leave a half-filled cache or be offered; once the upload is whole it is."""
    page = page_of(profile())
    page.goto(course.url + LESSON)
    quiz_ready(page)
    controlled(page)
    wait_cached(page, [LESSON + "index.html", "assets/extra.css"])
    course.build("MARKER-TWO")
    css = course.site / "assets" / "extra.css"
    whole = css.read_text(encoding="utf-8")
    upload(css, whole + "/* a later deploy's bytes */\n")

    page.reload()
    quiz_ready(page)
    assert page.evaluate(NOTHING_WAITING)
    expect(page.get_by_role("status").filter(has_text="A new version")).to_be_hidden()
    assert page.evaluate("async () => (await caches.keys()).length") == 1
    expect(page.locator("article")).to_contain_text("MARKER-ONE")

    upload(css, whole)  # the upload completes
    page.reload()
    notice = page.get_by_role("status").filter(has_text="A new version of the course is ready")
    expect(notice).to_be_visible(timeout=30_000)
    with page.expect_navigation():
        notice.get_by_role("button", name="Reload").click()
    expect(page.locator("article")).to_contain_text("MARKER-TWO")


def test_a_page_the_host_alters_is_shown_but_not_saved(course, profile):
    """Bytes that match no build (a host injecting a script, with no new sw.js) are no deploy:
    the page is shown as the host sends it, and never saved as this build's."""
    page = page_of(profile())
    page.goto(course.url + LESSON)
    quiz_ready(page)
    controlled(page)
    home = course.site / "index.html"
    home.write_text(home.read_text("utf-8") + "<!-- HOST-INJECTED -->\n", "utf-8")
    response = page.goto(course.url)
    assert response.ok and response.from_service_worker
    assert "HOST-INJECTED" in response.text()
    assert page.evaluate(CACHED, ["index.html"]) == {"index.html": False}
