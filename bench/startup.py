"""Measure the in-browser Python's start-up and speed in Debian's Chromium.

    .venv/bin/python bench/startup.py [--runs 5] [--site DIR] [--page lessons/chain-rule/]

Builds the course (unless --site names a built one), serves it on 127.0.0.1 gzipped (as a
static host would, see static_host.py) and prints,
over several runs:

* cold: click on a runnable cell's Run → its first output, in a fresh browser context (empty
  HTTP cache), with the phases of the boot (Python, NumPy, the engine) as the worker saw them;
* bare: the least any page can do to get there, booted in the same run and browser,
  interleaved with the cold runs (taking turns at going first): a minimal page served by the
  same host, with nothing of ours, imports the site's own pyodide.mjs (from its runtime
  folder, pyodide-<hash>/) on its main thread, loads NumPy and runs `import numpy`; cold /
  bare is the median of the ratios within each repetition (a busy machine slows both alike,
  so the ratio holds where times do not);
* our worker alone: the site's own Python worker (assets/quizkit/worker.js, with its runtime,
  NumPy and the engine) started from a blank page of the same host, without the lesson page or
  the service worker, sent the lesson's first cell once it is ready (as runtime.js sends it),
  in the same rotation (cold, worker alone and bare take turns at going first); the cold
  start is then split into seconds that add up within each repetition: worker alone − bare
  (our worker, the engine's wheel and imports and the cell, against bare's `import numpy`)
  and cold − worker alone (the lesson page while Python starts: its drawing after the
  scroll to the cell, the service worker passing the runtime on);
* repeat visit: the same click in a new tab of the cold run's browser profile once its page
  has closed, so with a warm HTTP cache and the service worker's cache holding the runtime
  (quizkit/web/sw.js); repeat / bare is, like cold / bare, the median of the ratios within
  each repetition;
* after prefetch: the same click after the cell has been on screen for 5 s;
* warm: latency of a trace check computed by the engine (worksheet.evaluate of the worked
  exercise through the runtime) and of a trivial cell run, p50 and p95;
* bytes transferred before the first run (the page) and by it (Python, NumPy, the engine),
  counted over the browser context, so that what the service worker fetches counts too (a
  page's own requests that the service worker answers are not seen on the page).

Targets (issue 5): cold ≤ 2.5 s, after prefetch ≤ 0.3 s, warm p95 ≤ 20 ms; (issue 12) cold
≤ 1.15 × bare, repeat visit ≤ 1.10 × bare (Python's boot + 10%). Times are only comparable
within one run; set PYODIDE_WHEELS_DIR (as .ci/run does) when this builds the site, so that
NumPy is self-hosted as published.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.figures import as_printed  # noqa: E402
from bench.static_host import serve  # noqa: E402
from quizkit.mkdocs.runtime import runtime_folder  # noqa: E402
from tests.support import CHROMIUM, CHROMIUM_ARGS, trace_request  # noqa: E402

TARGETS = {
    "cold": 2.5,
    "prefetched": 0.3,
    "warm p95 ms": 20.0,
    "cold / bare": 1.15,
    "repeat / bare": 1.10,
}

BARE_PATH = "/bench/bare-pyodide.html"
# Served beside the site (not written into it). Pyodide's documented minimal use, nothing else.
BARE_PAGE = """<!doctype html>
<html lang="en"><meta charset="utf-8"><title>Bare Pyodide and NumPy</title>
<p>Pyodide and NumPy from this site's runtime folder, booted by bench/startup.py.</p>
<script>
window.bootBare = async (folder) => {
  const t0 = performance.now();
  const phases = {};
  const mark = (name) => (phases[name] = performance.now() - t0);
  const base = new URL(`../${folder}/`, location.href).href;
  const { loadPyodide } = await import(base + "pyodide.mjs");
  mark("loader");
  const pyodide = await loadPyodide({ indexURL: base });
  mark("python");
  await pyodide.loadPackage("numpy");
  if (!pyodide.loadedPackages.numpy) throw new Error("NumPy did not load");
  mark("numpy");
  pyodide.runPython("import numpy");
  mark("imported");
  return { ms: performance.now() - t0, phases };
};
</script>
"""

WORKER_PATH = "/bench/worker-alone.html"
# Nothing of ours but the worker: no lesson page, no service worker. Like runtime.js, it sends
# the cell once the worker says it is ready, and it stops at the first output, as the lesson's
# measurement does (stdout or stderr, or the result of a cell that prints nothing).
WORKER_PAGE = """<!doctype html>
<html lang="en"><meta charset="utf-8"><title>Backprop Lab's worker alone</title>
<p>The site's Python worker on a blank page, started by bench/startup.py.</p>
<script>
window.bootWorker = (workerUrl, code) => new Promise((resolve, reject) => {
  const t0 = performance.now();
  const worker = new Worker(workerUrl, { type: "module" });
  const settle = (done, value) => {
    clearTimeout(limit);
    worker.terminate();
    done(value);
  };
  const fail = (message) => settle(reject, new Error(message));
  const limit = setTimeout(() => fail("no output within 120 s"), 120_000);
  let timings = {};
  worker.onerror = (event) => fail(event.message || "the worker did not start");
  worker.onmessageerror = () => fail("a message from the worker could not be read");
  worker.onmessage = ({ data }) => {
    if (data.type === "status" && data.timings) timings = data.timings;
    const usable = data.status === "ready" || (data.status === "error" && data.python);
    if (data.type === "status" && usable) {
      worker.postMessage({ id: 1, type: "run", code });
    } else if (data.type === "status" && data.status === "error") {
      fail(data.message);
    } else if (data.type === "fatal") {
      fail(`Python stopped: ${data.message}`);
    } else if (data.type === "stdout" || data.type === "stderr" || data.type === "result") {
      if (data.type === "result" && !data.ok) fail(data.error);
      else settle(resolve, { ms: performance.now() - t0, timings });
    }
  };
});
</script>
"""

RUNTIME = """
    const script = document.querySelector('script[src$="assets/quizkit/runtime.js"]');
    const runtime = (await import(script.src)).getRuntime();
"""
# Clicks the first runnable cell's Run and resolves with the milliseconds until output shows,
# when each runtime status was first seen (relative to the click), the worker's own stage
# timings, and the main thread's long tasks (> 50 ms) meanwhile.
CLICK_TO_OUTPUT = (
    "async () => {"
    + RUNTIME
    + """
    const long = [];
    const observer = new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) long.push(entry.duration);
    });
    observer.observe({ type: "longtask" });
    const cell = document.querySelector(".qk-cell-live");
    const out = cell.querySelector(".qk-cell-output");
    const phases = {};
    const started = Boolean(runtime.worker);
    return await new Promise((resolve) => {
        const t0 = performance.now();
        runtime.addEventListener("status", (e) => {
            phases[e.detail.status] ??= performance.now() - t0;
            if (e.detail.timings) phases.worker = e.detail.timings;
        });
        const seen = new MutationObserver(() => {
            if (!out.textContent) return;
            seen.disconnect();
            const ms = performance.now() - t0;
            setTimeout(() => {
                observer.disconnect();
                resolve({ ms, phases, long, started });
            }, 100);
        });
        seen.observe(out, { childList: true, subtree: true, characterData: true });
        cell.querySelector(".qk-cell-run").click();
    });
}"""
)

WARM = (
    "async ([spec, n]) => {"
    + RUNTIME
    + """
    const evaluate = [], run = [];
    for (let i = 0; i < n; i++) {
        let t = performance.now();
        await runtime.evaluate(spec);
        evaluate.push(performance.now() - t);
        t = performance.now();
        await runtime.run("x = 1");
        run.push(performance.now() - t);
    }
    return { evaluate, run };
}"""
)


def build(site: Path, url: str) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "SITE_URL": url}
    mkdocs = Path(sys.executable).with_name("mkdocs")
    proc = subprocess.run(
        [str(mkdocs), "build", "--strict", "-d", str(site)],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    if proc.returncode != 0:
        sys.exit(f"build failed:\n{proc.stdout}{proc.stderr}")
    report = [line for line in proc.stderr.splitlines() if "quizkit runtime:" in line]
    print(report[0].split("INFO", 1)[-1].strip() if report else "no runtime report in the build")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


class Bytes:
    """Bytes received by a browser context from now on (headers and bodies, those of its
    workers and service worker included)."""

    def __init__(self, context):
        self.total = 0
        context.on("requestfinished", self._add)

    def _add(self, request):
        sizes = request.sizes()
        self.total += sizes["responseBodySize"] + sizes["responseHeadersSize"]


# Resolves once the service worker's cache holds every file of the runtime (`names`, the
# site's runtime folder, `folder`): what a repeat visit may then take from it.
RUNTIME_CACHED = """async ([folder, names]) => {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
        const cached = new Set();
        for (const key of await caches.keys()) {
            for (const request of await (await caches.open(key)).keys()) {
                const path = new URL(request.url).pathname;
                const name = decodeURIComponent(path.split("/").pop());
                if (path.includes(`/${folder}/`)) cached.add(name);
            }
        }
        if (names.every((name) => cached.has(name))) return cached.size;
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error("the service worker did not cache the runtime within 60 s");
}"""


def one_run(browser, url: str, wait_s: float, context=None) -> dict:
    context = context or browser.new_context()
    page = context.new_page()
    received = Bytes(context)
    page.goto(url, wait_until="load")
    page.wait_for_selector(".qk-cell-live")
    if not wait_s:
        # Before the cell is on screen: once seen for a second it starts Python by itself.
        page.wait_for_load_state("networkidle")
    page.locator(".qk-cell-live").first.scroll_into_view_if_needed()
    if wait_s:
        page.wait_for_timeout(wait_s * 1000)
    before = received.total
    result = page.evaluate(CLICK_TO_OUTPUT)
    page.wait_for_load_state("networkidle")
    result["bytes_before"] = before
    result["bytes_by_run"] = received.total - before
    result["page"] = page
    result["context"] = context
    return result


def repeat_run(browser, url: str, first: dict, folder: str, runtime_files: list[str]) -> dict:
    """The click in a new tab of `first`'s context (a cold run's), once its service worker
    has cached the runtime and its page has closed."""
    first["page"].evaluate(RUNTIME_CACHED, [folder, runtime_files])
    first["page"].close()
    result = one_run(browser, url, wait_s=0, context=first["context"])
    result["page"].close()
    return result


def bare_run(browser, url: str, folder: str) -> dict:
    """Boot bare Pyodide + NumPy from the site's runtime `folder` in a fresh context:
    milliseconds, phases and bytes."""
    context = browser.new_context()
    page = context.new_page()
    received = Bytes(context)
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    before = received.total
    result = page.evaluate("(folder) => window.bootBare(folder)", folder)
    page.wait_for_load_state("networkidle")
    result["bytes"] = received.total - before
    context.close()
    return result


def worker_run(browser, url: str, code: str) -> dict:
    """Our worker alone (WORKER_PAGE, a page of the host at `url`) running `code` in a fresh
    context without service workers: milliseconds to its first output, and the worker's
    stage timings."""
    context = browser.new_context(service_workers="block")
    page = context.new_page()
    page.goto(url + WORKER_PATH.lstrip("/"), wait_until="load")
    page.wait_for_load_state("networkidle")
    worker_url = url + "assets/quizkit/worker.js"
    result = page.evaluate("([src, code]) => window.bootWorker(src, code)", [worker_url, code])
    context.close()
    return result


def prime(url: str, folder: Path) -> None:
    """Ask the host once, unmeasured, for each file of the runtime: it gzips a file the first
    time it is asked for it (static_host.py), which only the first boot would otherwise pay."""
    for path in sorted(folder.iterdir()):
        address = url + folder.name + "/" + urllib.parse.quote(path.name)
        request = urllib.request.Request(address, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as response:
            response.read()


def first_cell_code(browser, url: str) -> str:
    """The code of the page's first runnable cell, as its editor holds it."""
    context = browser.new_context()
    page = context.new_page()
    page.goto(url)
    code = page.locator(".qk-cell-live textarea").first.input_value()
    context.close()
    return code


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--site", type=Path, help="a built site (default: build the course)")
    parser.add_argument("--page", default="lessons/chain-rule/", help="page with runnable cells")
    parser.add_argument("--warm", type=int, default=50, help="warm calls to time")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or Path(tmp) / "site"
        with serve(site, {BARE_PATH: BARE_PAGE, WORKER_PATH: WORKER_PAGE}) as url:
            if args.site is None:
                build(site, url)
            page_url = url + args.page
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                folder = runtime_folder(site)
                runtime_files = sorted(p.name for p in folder.iterdir())
                cold, prefetched, phases, cold_results, warm = [], [], [], [], None
                repeat, repeat_phases = [], []
                bare, alone, started = [], [], 0
                code = first_cell_code(browser, page_url)
                before = by_run = 0
                prime(url, folder)
                for i in range(args.runs):
                    # Each of the three goes first, second and last in turn, so that none
                    # always meets another's leftovers.
                    order = ["cold", "alone", "bare"]
                    for kind in order[i % 3 :] + order[: i % 3]:
                        if kind == "bare":
                            bare.append(bare_run(browser, url + BARE_PATH.lstrip("/"), folder.name))
                        elif kind == "alone":
                            alone.append(worker_run(browser, url, code))
                        else:
                            result = one_run(browser, page_url, wait_s=0)
                            cold.append(result["ms"] / 1000)
                            phases.append(result["phases"])
                            cold_results.append(result["long"])
                            started += result["started"]
                            before, by_run = result["bytes_before"], result["bytes_by_run"]
                            if i == args.runs - 1:
                                warm = result["page"].evaluate(WARM, [trace_request(), args.warm])
                            again = repeat_run(
                                browser, page_url, result, folder.name, runtime_files
                            )
                            repeat.append(again["ms"] / 1000)
                            repeat_phases.append(again["phases"])
                            result["context"].close()
                for _ in range(args.runs):
                    result = one_run(browser, page_url, wait_s=5)
                    prefetched.append(result["ms"] / 1000)
                    result["context"].close()
                chromium = browser.version
                browser.close()

    def line(name, values, unit="s", digits=2):
        shown = ", ".join(f"{as_printed(v, digits):.{digits}f}" for v in values)
        median = as_printed(statistics.median(values), digits)
        return f"{name:<28}median {median:.{digits}f} {unit}  ({shown})"

    print(f"page {args.page}, {args.runs} runs each, Chromium {chromium} ({CHROMIUM})")
    print(line("cold click → first output", cold) + f"  target ≤ {TARGETS['cold']} s")
    if started:
        print(f"  (in {started} of them Python had started before the click: not cold)")
    bare_s = [run["ms"] / 1000 for run in bare]
    alone_s = [run["ms"] / 1000 for run in alone]

    def worker_stages(timings: list[dict]) -> None:
        """When the worker was done with each stage of its boot, as it reported (ms)."""
        for name in ("loader", "python", "numpy", "engine", "imported"):
            times = [t[name] / 1000 for t in timings if name in t]
            if times:
                print(line(f"  worker: {name} done at", times))

    worker_stages([ph.get("worker", {}) for ph in phases])
    print(line("bare Pyodide + NumPy", bare_s))
    for name in ("loader", "python", "numpy", "imported"):
        print(line(f"  bare: {name} done at", [run["phases"][name] / 1000 for run in bare]))
    ratios = [c / b for c, b in zip(cold, bare_s, strict=True)]
    print(
        line("cold / bare", ratios, unit="×")
        + f"  target ≤ {TARGETS['cold / bare']}×  (median of the ratios within a repetition)"
    )
    print(line("our worker alone", alone_s))
    worker_stages([run["timings"] for run in alone])
    # Seconds, not ratios: within a repetition the two parts add up to cold − bare exactly.
    parts = (
        ("cold − bare", cold, bare_s, "the whole"),
        ("  worker alone − bare", alone_s, bare_s, "our worker, engine and cell vs import numpy"),
        ("  cold − worker alone", cold, alone_s, "the lesson page while Python starts"),
    )
    for name, first, second, what in parts:
        differences = [x - y for x, y in zip(first, second, strict=True)]
        print(line(name, differences) + f"  ({what})")
    print(line("repeat visit (warm cache)", repeat))
    worker_stages([ph.get("worker", {}) for ph in repeat_phases])
    ratios = [r / b for r, b in zip(repeat, bare_s, strict=True)]
    print(
        line("repeat / bare", ratios, unit="×")
        + f"  target ≤ {TARGETS['repeat / bare']}×  (Python's boot + 10%)"
    )
    print(line("after 5 s on screen", prefetched) + f"  target ≤ {TARGETS['prefetched']} s")
    long = [ms for result in cold_results for ms in result]
    print(
        f"main-thread long tasks       {len(long)} over {len(cold_results)} cold starts"
        + (f" (longest {max(long):.0f} ms)" if long else "")
    )
    calls = (("evaluate (trace check)", warm["evaluate"]), ("run 'x = 1'", warm["run"]))
    for name, values in calls:
        print(
            f"warm {name:<23}p50 {percentile(values, 50):.1f} ms  p95 {percentile(values, 95):.1f}"
            f" ms  (n={len(values)})  target p95 ≤ {TARGETS['warm p95 ms']} ms"
        )
    print("bytes as a static host sends them (text and wasm gzipped):")
    print(f"  before the first run      {before / 1e6:.2f} MB (the page)")
    print(f"  by the first run          {by_run / 1e6:.2f} MB (Python, NumPy, the engine)")
    bare_bytes = statistics.median(run["bytes"] for run in bare)
    print(f"  by the bare boot          {bare_bytes / 1e6:.2f} MB (Python, NumPy)")


if __name__ == "__main__":
    main()
