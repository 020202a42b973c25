"""Measure the site: build times, our own JS/CSS weight, and page speed side by side.

    npm install --prefix /tmp/lh lighthouse@12          # once; not a project dependency
    PATH=/tmp/lh/node_modules/.bin:$PATH CHROME_PATH=/usr/bin/chromium \\
        .venv/bin/python bench/site.py [--pages lessons/chain-rule/,lessons/vectorised-backprop/]
                                       [--short contributing/] [--runs 3] [--site DIR]
                                       [--features navigation.instant,toc.follow]

Set PYODIDE_WHEELS_DIR (as .ci/run does) for a site that self-hosts NumPy, as published.
Prints:

* the cold build time (mkdocs-jupyter's notebook cache emptied first) and the cached build time
  (a second build right after), both `mkdocs build --strict` into a temporary directory;
* the bytes of Backprop Lab's own JavaScript and CSS that the first lesson page fetches as it
  loads in Chromium (uncompressed, and as sent gzipped);
* Lighthouse (performance and accessibility, its default mobile preset and simulated
  throttling, the site served gzipped as a static host would) for these variants:
    (a) each lesson page of --pages as built;
    (b) the same HTML with everything Backprop Lab adds to Material's page removed: the
        <script> and <link> tags of assets/quizkit/ (our widgets, runtime and styles.css,
        which holds KaTeX's styles and ours) and of assets/katex/, and any inline script of
        ours; so plain Material renders the same HTML, and (a) − (b) is what our scripts and
        styles cost;
    (s) the same page as built without our scripts only (the <script> tags of (b)), our
        style sheet kept: (a) − (s) is what our scripts cost, and (s) − (b) what laying out
        our styles and the build-typeset math costs;
    (c) a short page without math, quizzes or cells (--short, default the contributing page),
        stripped the same way: what Material alone scores on this machine.
  For each: performance score, total blocking time and main-thread time by whom it is spent
  in (Lighthouse's bootup-time audit, every script listed: ours = assets/quizkit/*,
  Material = assets/javascripts/*, KaTeX = assets/katex/*, rest = the HTML document, its
  inline scripts, style and layout not caused by a script, and unattributable work).
  Then the targets: on every lesson page our scripts add ≤ 50 ms total blocking time and
  ≤ 0.03 of score over (b), and (a) scores at most 0.05 below (c), each printed with every
  repetition's difference: a target met in some repetitions and missed in others is called
  MIXED, not met or missed (one repetition's noise here is as large as the targets).
  Each lesson's (a) − (b) is printed split into its two parts, scripts (a) − (s) and styles
  (s) − (b).
* with --features (e.g. navigation.instant,toc.follow,content.code.copy): what each of
  Material's features costs on the first page of --pages, as variants (a − feature) measured
  in the same rotation: the page as built with that feature taken out of Material's
  configuration in the page (its `__config` script), printed as differences from (a).

Absolute scores swing with the machine's load (the same page scores 0.6 or 0.8 from one
minute to the next on a busy 2-core machine), so the variants are measured in one run and in
the same Chromium, interleaved: each repetition runs every variant once, in rotating order.
Figures are medians over repetitions, and each difference is the median of the differences
within one repetition. The numbers are only comparable within one run of this script.
The stripped pages are served by the same server at the same depth as the page they come
from (lessons/x/plain-material.html beside lessons/x/index.html), so every relative URL,
Material's included, resolves to the same files.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.figures import as_printed  # noqa: E402
from bench.static_host import serve  # noqa: E402

CACHE = ROOT / ".cache" / "mkdocs-jupyter"
TARGETS = {"cold build (s)": 20.0, "own JS/CSS (KB)": 150.0}
TARGET_TBT_MS = 50.0  # (a) − (b), every lesson page
TARGET_SCORE = 0.03  # (b) − (a), every lesson page
TARGET_VS_SHORT = 0.05  # (c) − (a)
DIGITS = {"tbt": 0, "perf": 2}  # decimals a difference of each field is printed with
PLAIN = "plain-material.html"
NO_SCRIPTS = "without-our-scripts.html"

# What Backprop Lab adds to a Material page: our widgets and styles, and KaTeX (the quizkit
# plugin adds it and only our quiz-math.js runs it).
OURS = r"assets/(?:quizkit/[^\"]*|katex/[^\"]*)"
OUR_TAGS = re.compile(
    rf"<script\b[^>]*\bsrc=\"[^\"]*{OURS}\"[^>]*>\s*</script>\s*"
    rf"|<link\b[^>]*\bhref=\"[^\"]*{OURS}\"[^>]*>\s*"
    # An inline bootstrap of ours would name quizkit; Material's inline scripts do not.
    r"|<script(?![^>]*\bsrc=)[^>]*>(?:(?!</script>).)*quizkit(?:(?!</script>).)*</script>\s*",
    re.S,
)
GROUPS = {
    "ours": "/assets/quizkit/",
    "Material": "/assets/javascripts/",
    "KaTeX": "/assets/katex/",
}
LIGHTHOUSE_CONFIG = {
    "extends": "lighthouse:default",
    "settings": {"onlyCategories": ["performance", "accessibility"]},
    # bootup-time lists only scripts with ≥ 50 ms by default; list all, so the groups add up.
    "audits": [{"path": "bootup-time", "options": {"thresholdInMs": 0}}],
}


def build(site: Path) -> float:
    """Seconds taken by one `mkdocs build --strict` into `site` (exits if the build fails)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    mkdocs = Path(sys.executable).with_name("mkdocs")
    start = time.perf_counter()
    proc = subprocess.run(
        [str(mkdocs), "build", "--strict", "-d", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"build failed:\n{proc.stdout}{proc.stderr}")
    return elapsed


def own_asset_bytes(site: Path, page: str) -> dict[str, tuple[int, int]]:
    """Bytes of each of our scripts and style sheets that `page` fetches as it loads in
    Chromium, module imports included: (uncompressed, as sent gzipped). What a page would
    fetch only later (KaTeX's script for feedback, the course quiz's module, Python) is not
    counted: reading the files' imports instead would count the course quiz's module on every
    page and miss the widgets, whose names are computed (quiz.js loads quiz-<kind>.js)."""
    from playwright.sync_api import sync_playwright

    from tests.support import CHROMIUM, CHROMIUM_ARGS

    with serve(site, {}) as url, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # Without the offline worker, whose install fetches files the page itself does not.
        tab = browser.new_context(service_workers="block").new_page()
        tab.goto(url + page, wait_until="networkidle")
        entries = tab.evaluate(
            "performance.getEntriesByType('resource')"
            ".map((e) => [e.name, e.decodedBodySize, e.encodedBodySize])"
        )
        browser.close()
    return {
        urlsplit(name).path.lstrip("/"): (size, sent)
        for name, size, sent in entries
        if re.search(r"/assets/quizkit/", urlsplit(name).path)
    }


def strip_our_scripts(html: str, where: str) -> str:
    """`html` without the <script> tags of OURS (the <link> tags kept); exits naming `where`
    if there were none."""
    stripped, removed = OUR_TAGS.subn(
        lambda match: match.group(0) if match.group(0).startswith("<link") else "", html
    )
    if stripped == html:
        sys.exit(f"{where}: no script of ours to strip ({removed} tags of ours found)")
    return stripped


def strip_ours(html: str, where: str) -> str:
    """`html` without the tags of OURS; exits naming `where` if there were none to remove, or
    if a reference to our assets survives (the page changed shape and (b) would be wrong)."""
    stripped, removed = OUR_TAGS.subn("", html)
    left = re.findall(rf"<(?:script|link)\b[^>]*{OURS}[^>]*>", stripped)
    if removed == 0 or left:
        sys.exit(f"{where}: cannot strip our assets ({removed} tags removed, left: {left})")
    return stripped


MATERIAL_CONFIG = re.compile(
    r'(<script id="__config" type="application/json">)(.*?)(</script>)', re.S
)


def without_feature(html: str, feature: str, where: str) -> str:
    """`html` with `feature` taken out of the features Material reads from the page."""
    match = MATERIAL_CONFIG.search(html)
    config = json.loads(match.group(2)) if match else {}
    if feature not in config.get("features", []):
        sys.exit(f"{where}: Material's configuration has no feature {feature!r}")
    config["features"].remove(feature)
    return html[: match.start(2)] + json.dumps(config) + html[match.end(2) :]


class Variant:
    def __init__(self, key: str, page: str, label: str, url_path: str):
        self.key, self.page, self.label, self.url_path = key, page, label, url_path
        self.runs: list[dict] = []

    def median(self, field: str) -> float:
        return statistics.median(run[field] for run in self.runs)


def variants(
    site: Path, pages: list[str], short: str, features: list[str] = ()
) -> tuple[list[Variant], dict[str, str]]:
    """The variants to measure and the altered pages to serve beside the site."""
    extra: dict[str, str] = {}
    found: list[Variant] = []

    def plain(page: str) -> str:
        index = site / page / "index.html"
        if not index.is_file():
            sys.exit(f"--pages/--short: {page!r} is not a page of the built site ({index})")
        extra["/" + page + PLAIN] = strip_ours(index.read_text(encoding="utf-8"), str(index))
        return page + PLAIN

    def no_scripts(page: str) -> str:
        index = site / page / "index.html"
        extra["/" + page + NO_SCRIPTS] = strip_our_scripts(
            index.read_text(encoding="utf-8"), str(index)
        )
        return page + NO_SCRIPTS

    for page in pages:
        found.append(Variant("a", page, f"{page} as built", page))
        found.append(Variant("s", page, f"{page} without our scripts", no_scripts(page)))
        found.append(Variant("b", page, f"{page} without ours", plain(page)))
    found.append(Variant("c", short, f"{short} plain Material", plain(short)))
    index = site / pages[0] / "index.html"
    for feature in features:
        url_path = f"{pages[0]}without-{feature}.html"
        html = index.read_text(encoding="utf-8")
        extra["/" + url_path] = without_feature(html, feature, str(index))
        found.append(Variant(f"a − {feature}", pages[0], f"{pages[0]} without {feature}", url_path))
    return found, extra


def lighthouse_once(url: str, config: Path, report: Path) -> dict:
    """One Lighthouse run: score, TBT and main-thread milliseconds by group."""
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    subprocess.run(
        ["lighthouse", url, "--output=json", f"--output-path={report}", "--quiet",
         f"--config-path={config}", "--chrome-flags=--headless --no-sandbox --disable-gpu"],
        env=env, check=True,
    )  # fmt: skip
    data = json.loads(report.read_text())
    perf = data["categories"]["performance"]["score"]
    if perf is None:
        error = data.get("runtimeError", {}).get("message", "no score")
        sys.exit(f"Lighthouse on {url}: {error}")
    result = {
        "perf": perf,
        "a11y": data["categories"]["accessibility"]["score"],
        "tbt": data["audits"]["total-blocking-time"]["numericValue"],
        "main": data["audits"]["mainthread-work-breakdown"]["numericValue"],
        **dict.fromkeys(GROUPS, 0.0),
        "rest": 0.0,
    }
    for item in data["audits"]["bootup-time"]["details"]["items"]:
        group = next((name for name, part in GROUPS.items() if part in item["url"]), "rest")
        result[group] += item["total"]
    return result


def version(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True).stdout.strip()
    except OSError as error:
        return f"unknown ({error})"


def side_by_side(
    site: Path, pages: list[str], short: str, runs: int, features: list[str] = ()
) -> None:
    """Run Lighthouse on every variant `runs` times, interleaved, and print the table."""
    if shutil.which("lighthouse") is None:
        print(
            "Lighthouse: skipped, the `lighthouse` command is not installed (an npm package that"
            " is not part of this project's dependencies): npm install --prefix /tmp/lh"
            " lighthouse@12, then PATH=/tmp/lh/node_modules/.bin:$PATH"
            " CHROME_PATH=/usr/bin/chromium"
        )
        return
    found, extra = variants(site, pages, short, features)
    chromium = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
    with tempfile.TemporaryDirectory() as tmp, serve(site, extra) as url:
        config = Path(tmp) / "lighthouse.json"
        config.write_text(json.dumps(LIGHTHOUSE_CONFIG))
        report = Path(tmp) / "report.json"
        for rep in range(runs):
            shift = rep % len(found)
            for variant in found[shift:] + found[:shift]:
                result = lighthouse_once(url + variant.url_path, config, report)
                variant.runs.append(result)
                print(
                    f"  [{rep + 1}/{runs}] ({variant.key}) {variant.label}: perf"
                    f" {result['perf']:.2f}, TBT {result['tbt']:.0f} ms",
                    file=sys.stderr,
                    flush=True,
                )

    print(
        f"\nLighthouse {version(['lighthouse', '--version'])} in {version([chromium, '--version'])}"
        " (mobile preset, simulated throttling), served gzipped from 127.0.0.1;"
        f"\n{runs} repetitions of {len(found)} variants interleaved in rotating order; medians."
        " Comparable only within this run."
    )
    head = f"{'':<46}{'perf':>5} {'TBT':>6}   main thread ms:{'all':>6}"
    head += "".join(f"{name:>9}" for name in (*GROUPS, "rest"))
    print(head)
    for v in found:
        row = f"({v.key}) {v.label:<42}{v.median('perf'):5.2f} {v.median('tbt'):6.0f}"
        row += f"{'':>18}{v.median('main'):6.0f}"
        row += "".join(f"{v.median(name):9.0f}" for name in (*GROUPS, "rest"))
        print(row)
        scores = "/".join(f"{run['perf']:.2f}" for run in v.runs)
        tbts = "/".join(f"{run['tbt']:.0f}" for run in v.runs)
        print(f"{'':<4}runs: perf {scores}, TBT {tbts} ms")

    def paired(first: Variant, second: Variant, field: str) -> float:
        """The median of the repetitions' differences as they are printed (as against() takes
        it: the median of unrounded differences can round the other way)."""
        return as_printed(statistics.median(differences(first, second, field)), DIGITS[field])

    def differences(first: Variant, second: Variant, field: str) -> list[float]:
        """Each repetition's difference, rounded as it is printed."""
        pairs = zip(first.runs, second.runs, strict=True)
        return [as_printed(x[field] - y[field], DIGITS[field]) for x, y in pairs]

    def against(first: Variant, second: Variant, field: str, target: float, unit: str) -> str:
        """The median difference, each repetition's, and the verdict: a difference that is
        within the target in some repetitions and over it in others is not called either
        way, since on this machine one repetition's noise is as large as these targets.
        Judged as printed (scores have two decimals: 0.83 − 0.80 is 0.03, not 0.0300…03)."""
        digits = DIGITS[field]
        each = differences(first, second, field)
        shown = "/".join(f"{d:+.{digits}f}" for d in each)
        within = sum(d <= target for d in each)
        if within == len(each):
            word = "meets"
        elif within == 0:
            word = "MISSES"
        else:
            word = f"MIXED: met in {within} of {len(each)} repetitions"
        median = as_printed(statistics.median(each), digits)
        return f"{median:+.{digits}f}{unit} ({shown}; ≤ {target:g}{unit}: {word})"

    by_key = {(v.key, v.page): v for v in found}
    c = by_key[("c", short)]
    print("targets (the median over repetitions of the paired difference, then each repetition's):")
    for page in pages:
        a, s, b = by_key[("a", page)], by_key[("s", page)], by_key[("b", page)]
        print(f"  {page}:")
        print(f"    ours add TBT over (b)      {against(a, b, 'tbt', TARGET_TBT_MS, ' ms')}")
        print(f"    ours cost score over (b)   {against(b, a, 'perf', TARGET_SCORE, '')}")
        print(f"    (a) below (c)              {against(c, a, 'perf', TARGET_VS_SHORT, '')}")
        print(
            f"    of which our scripts (a) − (s): {paired(a, s, 'tbt'):+.0f} ms TBT,"
            f" {paired(s, a, 'perf'):+.2f} of score; our styles and the math's (s) − (b):"
            f" {paired(s, b, 'tbt'):+.0f} ms TBT, {paired(b, s, 'perf'):+.2f} of score"
        )
    if features:
        print(f"Material's features on {pages[0]} (paired differences from (a)):")
        a = by_key[("a", pages[0])]
        for feature in features:
            v = by_key[(f"a − {feature}", pages[0])]
            print(
                f"  without {feature}: TBT {paired(v, a, 'tbt'):+.0f} ms,"
                f" score {paired(v, a, 'perf'):+.2f}"
            )
    worst = min(run["a11y"] for v in found if v.key == "a" for run in v.runs)
    print(f"accessibility of the lesson pages as built: {worst:.2f} at worst (target 1.0)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pages",
        default="lessons/chain-rule/,lessons/vectorised-backprop/",
        help="comma-separated lesson pages to measure, as URL paths (default: %(default)s)",
    )
    parser.add_argument("--short", default="contributing/", help="the short page (c)")
    parser.add_argument("--runs", type=int, default=3, help="repetitions (≥ 3 for medians)")
    parser.add_argument("--site", type=Path, help="a built site: skip the build figures")
    parser.add_argument(
        "--features",
        default="",
        help="comma-separated Material features to measure the cost of (default: none)",
    )
    args = parser.parse_args()
    pages = [page.strip().strip("/") + "/" for page in args.pages.split(",") if page.strip()]
    short = args.short.strip("/") + "/"

    with tempfile.TemporaryDirectory() as tmp:
        site = args.site or Path(tmp) / "site"
        if args.site is None:
            shutil.rmtree(CACHE, ignore_errors=True)
            cold = build(site)
            cached = build(site)
            print(f"cold build (--strict, notebook cache empty): {cold:.1f} s (target <= 20 s)")
            print(f"cached build (--strict, notebooks from cache): {cached:.1f} s")
        sizes = own_asset_bytes(site, pages[0])
        total_kb = sum(size for size, _ in sizes.values()) / 1024
        sent_kb = sum(sent for _, sent in sizes.values()) / 1024
        print(f"own JS/CSS fetched by {pages[0]} as it loads: {total_kb:.1f} KB in {len(sizes)}"
              f" files (target <= 150 KB), {sent_kb:.1f} KB sent gzipped")  # fmt: skip
        for name, (size, sent) in sorted(sizes.items()):
            print(f"    {size:7d} B ({sent:6d} B gzipped)  {name}")
        katex_css = site / "assets/katex/katex.min.css"
        if katex_css.is_file():  # vendored, and counted since it is joined into styles.css
            print(f"    of which KaTeX's style sheet, in styles.css: {katex_css.stat().st_size} B")
        features = [name.strip() for name in args.features.split(",") if name.strip()]
        side_by_side(site, pages, short, args.runs, features)


if __name__ == "__main__":
    main()
