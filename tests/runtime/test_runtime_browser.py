"""The runtime in Debian's Chromium, on the runtime's own minimal site (tests/runtime/page.py).

Runnable cells boot Pyodide from the site's files; Stop, the time limit and crashes replace
the worker without freezing the page; output is text; failures to load explain themselves.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import Page, expect

from quizkit.backprop import worksheet
from quizkit.mkdocs.runtime import runtime_folder

# Cold boots take about 3 s here; generous limits keep a loaded CI machine from flaking.
BOOT_MS = 60_000
RUNNING = re.compile(r"\bqk-cell-running\b")


def cell(page: Page, name: str):
    heading = f'//h2[normalize-space()="Cell {name}"]'
    return page.locator(f"xpath={heading}/following-sibling::div[contains(@class, 'qk-cell')][1]")


def open_site(page: Page, site) -> None:
    page.goto(site.url)
    page.wait_for_selector(".qk-cell-live")


def run(page: Page, name: str, timeout: int = BOOT_MS):
    target = cell(page, name)
    target.get_by_role("button", name="Run").click()
    expect(target).not_to_have_class(RUNNING, timeout=timeout)
    expect(target.get_by_role("button", name="Run")).to_be_enabled(timeout=timeout)
    return target


def output(target) -> str:
    return target.locator(".qk-cell-output").inner_text()


def runtime_call(page: Page, script: str, arg=None):
    """Evaluate `script` (a function of (runtime, arg)) with the page's runtime singleton."""
    return page.evaluate(
        f"""async (arg) => {{
            const {{ getRuntime }} = await import("./assets/quizkit/runtime.js");
            return await ({script})(getRuntime(), arg);
        }}""",
        arg,
    )


def numpy_file_name(site) -> str:
    lock = json.loads((runtime_folder(site.root) / "pyodide-lock.json").read_text(encoding="utf-8"))
    return lock["packages"]["numpy"]["file_name"]


def test_python_boots_from_the_site_alone_and_runs_a_cell(page, served_site):
    seen = []
    page.on("request", lambda request: seen.append(request.url))
    open_site(page, served_site)
    target = run(page, "hello")
    assert output(target) == "hello from Python\n45\n"
    assert target.locator(".qk-cell-status").inner_text().startswith("Finished in")
    assert any(re.search(r"/pyodide-[0-9a-f]{16}/pyodide\.asm\.wasm$", url) for url in seen)
    assert any(re.search(r"/pyodide-[0-9a-f]{16}/quizkit_backprop-", url) for url in seen)
    outside = [url for url in seen if not url.startswith(served_site.url)]
    # A build that could not vendor NumPy points the lock at Pyodide's CDN (and says so):
    # that one file is then the only request to another host.
    allowed = [] if served_site.has_numpy else [numpy_file_name(served_site)]
    assert sorted(set(outside)) == allowed


def test_output_with_html_is_shown_as_text(page, served_site):
    open_site(page, served_site)
    target = run(page, "html")
    assert output(target) == '<b>bold?</b> <img src=x onerror="window.__xss=1">\n'
    assert target.locator(".qk-cell-output b, .qk-cell-output img").count() == 0
    assert page.evaluate("window.__xss") is None


def test_an_endless_loop_is_stopped_within_a_second_and_the_next_run_works(page, served_site):
    open_site(page, served_site)
    run(page, "hello")  # Python is up: the loop below really runs
    loop = cell(page, "loop")
    loop.get_by_role("button", name="Run").click()
    expect(loop.locator(".qk-cell-status")).to_have_text("Running…")
    page.wait_for_timeout(500)
    stop = loop.get_by_role("button", name="Stop")
    started = time.monotonic()
    stop.click()
    expect(loop.get_by_role("button", name="Run")).to_be_enabled(timeout=1000)
    assert time.monotonic() - started < 1.0
    expect(loop.locator(".qk-cell-status")).to_have_text("Stopped.")
    # The page stayed responsive throughout, and Python comes back for the next run.
    assert page.evaluate("1 + 1") == 2
    assert output(run(page, "hello")) == "hello from Python\n45\n"


def test_output_streams_while_the_code_still_runs(page, served_site):
    open_site(page, served_site)
    loop = cell(page, "loop")
    loop.locator("textarea").fill('print("before the loop", flush=True)\nwhile True:\n    pass\n')
    loop.get_by_role("button", name="Run").click()
    expect(loop.locator(".qk-cell-output")).to_have_text("before the loop\n", timeout=BOOT_MS)
    expect(loop).to_have_class(RUNNING)
    loop.get_by_role("button", name="Stop").click()
    expect(loop.get_by_role("button", name="Run")).to_be_enabled(timeout=1000)


def test_the_time_limit_restarts_python(page, served_site):
    open_site(page, served_site)
    result = runtime_call(
        page,
        """async (runtime) => {
            await runtime.run("pass");
            const started = performance.now();
            const stuck = await runtime.run("while True: pass", { timeoutMs: 800 });
            const elapsed = performance.now() - started;
            const onStdout = (t) => (runtime.seen = t);
            const after = await runtime.run("print(6 * 7)", { onStdout });
            return { stuck, elapsed, after, seen: runtime.seen };
        }""",
    )
    assert result["stuck"]["ok"] is False and result["stuck"]["stopped"] is True
    assert "time limit" in result["stuck"]["error"]
    assert 700 <= result["elapsed"] < 2000
    assert result["after"]["ok"] is True and result["seen"] == "42\n"


def test_a_crashed_interpreter_is_reported_and_replaced(page, served_site):
    open_site(page, served_site)
    result = runtime_call(
        page,
        """async (runtime) => {
            await runtime.run("pass");
            const crash = await runtime.run("import os\\nos._exit(3)", { timeoutMs: 20000 });
            const onStdout = (t) => (runtime.seen = t);
            const after = await runtime.run("print('alive')", { onStdout });
            return { crash, after, seen: runtime.seen };
        }""",
    )
    assert result["crash"]["ok"] is False
    assert "Python stopped unexpectedly" in result["crash"]["error"]
    assert "restarted" in result["crash"]["error"]
    assert result["after"]["ok"] is True and result["seen"] == "alive\n"


def test_errors_are_short_tracebacks_of_the_learners_code(page, served_site):
    open_site(page, served_site)
    text = output(run(page, "error"))
    assert text.startswith('Traceback (most recent call last):\n  File "<cell>", line 4')
    assert text.rstrip().endswith("ZeroDivisionError: division by zero")
    assert "_pyodide" not in text and "<exec>" not in text and "pyodide.asm" not in text
    status = cell(page, "error").locator(".qk-cell-status").inner_text()
    assert status.startswith("The code raised an error")


def test_a_last_expression_is_shown_like_a_repl(page, served_site):
    open_site(page, served_site)
    assert output(run(page, "expression")) == "42\n"


def test_editor_indents_with_tab_and_lets_keyboard_users_out(page, served_site):
    open_site(page, served_site)
    target = cell(page, "hello")
    editor = target.locator("textarea")
    editor.fill("if True:")
    editor.press("End")
    editor.press("Enter")
    editor.type("x = 1")
    editor.press("Enter")
    editor.press("Shift+Tab")
    editor.type("print(x)")
    assert editor.input_value() == "if True:\n    x = 1\nprint(x)"
    editor.press("Escape")
    editor.press("Tab")
    assert page.evaluate("document.activeElement.tagName") != "TEXTAREA"
    editor.focus()
    editor.press("Control+Enter")
    expect(target.locator(".qk-cell-output")).to_have_text("1\n", timeout=BOOT_MS)
    target.get_by_role("button", name="Reset").click()
    assert editor.input_value().startswith('print("hello from Python")')


def test_edited_code_survives_a_reload_and_reset_can_be_undone(page, served_site):
    open_site(page, served_site)
    editor = cell(page, "expression").locator("textarea")
    editor.fill("6 * 9  # my change")
    page.wait_for_timeout(600)  # saved after a short pause in typing
    page.reload()
    page.wait_for_selector(".qk-cell-live")
    target = cell(page, "expression")
    expect(target.locator("textarea")).to_have_value("6 * 9  # my change")
    expect(target.locator(".qk-cell-status")).to_contain_text("Your edited code is back")
    target.get_by_role("button", name="Reset").click()
    expect(target.locator("textarea")).to_have_value("6 * 7\n")
    target.get_by_role("button", name="Undo reset").click()
    expect(target.locator("textarea")).to_have_value("6 * 9  # my change")
    expect(target.get_by_role("button", name="Undo reset")).to_be_hidden()
    # Another cell on the page kept its own code.
    expect(cell(page, "hello").locator("textarea")).to_have_value(re.compile(r"^print\("))


def test_engine_runs_in_a_cell_and_through_the_runtime_api(page, served_site):
    served_site.require_numpy()
    open_site(page, served_site)
    assert output(run(page, "engine")) == "grad 7.0\n"
    spec = {
        "code": "xt = Tensor(x, requires_grad=True, name='x')\nL = (xt * y - 1) ** 2\nL.backward()",
        "params": {"x": {"value": 2.0, "range": [1.0, 3.0], "step": 0.5}, "y": {"value": 3.0}},
        "root": "L",
        "expressions": {"L": "L.data", "dL_dx": "xt.grad"},
        "tolerances": {"L": {"rel": 1e-3, "abs": 1e-6}, "dL_dx": {"rel": 1e-3, "abs": 1e-6}},
        "mistakes": {"L": [], "dL_dx": []},
        "constraints": ["x != 2.0"],
    }
    result = runtime_call(
        page,
        """async (runtime, spec) => {
            const numbers = await runtime.numbers(spec, 2024);
            const evaluated = await runtime.evaluate({
                code: spec.code, params: numbers.params, values: spec.expressions, root: "L",
            });
            let bad = null;
            const vector = { code: "v = np.ones(3)", params: {}, values: { v: "v" } };
            try { await runtime.evaluate(vector); } catch (error) { bad = error.message; }
            return { numbers, evaluated, bad };
        }""",
        spec,
    )
    expected = worksheet.new_numbers(spec, 2024)
    assert result["numbers"]["params"] == expected["params"]
    x, y = expected["params"]["x"], expected["params"]["y"]
    assert x != 2.0 and x in (1.0, 1.5, 2.5, 3.0) and y == 3.0
    assert result["numbers"]["values"]["L"] == pytest.approx((x * y - 1) ** 2)
    assert result["evaluated"]["values"]["L"] == pytest.approx((x * y - 1) ** 2)
    assert result["evaluated"]["values"]["dL_dx"] == pytest.approx(2 * (x * y - 1) * y)
    nodes = result["evaluated"]["graph"]["nodes"]
    mul = next(n for n in nodes if n["op"] == "mul")
    assert mul["local"][0] == pytest.approx(y)  # d(x*y)/dx, from the engine's backward code
    assert result["bad"] == "ValueError: quantity 'v' must be a single number, not shape (3,)"


def test_without_numpy_the_page_explains_and_plain_python_still_runs(page, served_site):
    page.route("**/pyodide-*/numpy-*.whl", lambda route: route.fulfill(status=404, body="gone"))
    open_site(page, served_site)
    target = cell(page, "engine")
    started = time.monotonic()
    target.get_by_role("button", name="Run").click()
    status = target.locator(".qk-cell-status")
    explanation = "NumPy or the course's engine could not be loaded"
    expect(status).to_contain_text(explanation, timeout=10_000)
    assert time.monotonic() - started < 10
    assert "still checked" in status.inner_text()
    assert "ModuleNotFoundError" in output(target)
    assert output(run(page, "hello")) == "hello from Python\n45\n"


def test_without_python_the_page_explains_within_ten_seconds(page, served_site):
    page.route("**/pyodide-*/pyodide.asm.wasm", lambda route: route.abort("internetdisconnected"))
    open_site(page, served_site)
    target = cell(page, "hello")
    started = time.monotonic()
    target.get_by_role("button", name="Run").click()
    status = target.locator(".qk-cell-status")
    expect(status).to_contain_text("Python could not be started", timeout=10_000)
    assert time.monotonic() - started < 10
    assert "Everything else on the page still works" in status.inner_text()
    expect(target.get_by_role("button", name="Run")).to_be_enabled()


def test_a_queued_cell_says_it_waits_until_its_turn(page, served_site):
    open_site(page, served_site)
    run(page, "hello")  # Python is up
    loop, hello = cell(page, "loop"), cell(page, "hello")
    loop.get_by_role("button", name="Run").click()
    expect(loop.locator(".qk-cell-status")).to_have_text("Running…")
    hello.get_by_role("button", name="Run").click()
    # It used to say "Running…" while the loop held the worker.
    expect(hello.locator(".qk-cell-status")).to_have_text(
        "Waiting for the code that is running before it to finish…"
    )
    page.wait_for_timeout(300)
    assert hello.locator(".qk-cell-output").is_hidden()
    loop.get_by_role("button", name="Stop").click()
    expect(hello.locator(".qk-cell-output")).to_have_text(
        "hello from Python\n45\n", timeout=BOOT_MS
    )
    expect(hello.locator(".qk-cell-status")).to_contain_text("Finished in")


def test_input_says_it_is_not_available_and_what_to_do(page, served_site):
    open_site(page, served_site)
    target = cell(page, "hello")
    target.locator("textarea").fill('name = input("Your name? ")\nprint("hello", name)\n')
    text = output(run(page, "hello"))
    assert text.startswith("Your name? \nTraceback (most recent call last):\n")
    assert 'File "<cell>", line 1' in text
    last = text.rstrip().splitlines()[-1]
    assert last.startswith("EOFError: input() is not available in the page")
    assert 'name = "Ada" in place of name = input()' in last
    assert "<quizkit>" not in text and "<exec>" not in text  # no frame of the runtime's own


SLOW_START = """async (runtime) => {
    runtime.slowBootMs = 0;  // every start counts as slow: each note it gives is recorded
    const notes = [];
    runtime.addEventListener("status", (event) => notes.push(event.detail.message));
    await runtime.start();
    return { notes, pending: runtime.pending, status: runtime.status.status };
}"""


def test_a_slow_start_blames_the_network_only_while_files_download(page, served_site):
    served_site.require_numpy()  # without it the start ends in an error, not in "ready"
    # No prefetch: the start below is the first, so its notes are all recorded.
    page.add_init_script(
        "Object.defineProperty(navigator, 'connection', { value: { saveData: true } })"
    )
    open_site(page, served_site)
    result = runtime_call(page, SLOW_START)
    assert result["status"] == "ready" and result["pending"] == []
    notes = [n for n in result["notes"] if "longer than usual" in n]
    downloading = [i for i, n in enumerate(notes) if "still downloading" in n]
    downloaded = [i for i, n in enumerate(notes) if "every file has downloaded" in n]
    assert downloading and "pyodide.asm.wasm" in notes[downloading[0]], notes
    assert downloaded, notes
    # Once every file is in, the note speaks of this device, never of the network again.
    assert all("network" not in n for n in notes[downloaded[0] :]), notes
    assert max(downloading) < downloaded[0], notes
