"""Measure the site: strict build times, our own JS/CSS weight, Lighthouse scores if present.

    .venv/bin/python bench/site.py

Prints the cold build time (mkdocs-jupyter's notebook cache emptied first), the cached build
time (a second build right after), the bytes of Backprop Lab's own JavaScript and CSS that a
lesson page loads (not Material's, not KaTeX's), and Lighthouse's performance and
accessibility scores (median of three runs, the site served gzipped as a static host would)
when the `lighthouse` command is installed, e.g. `npm install --prefix /tmp/lh lighthouse`
then `PATH=/tmp/lh/node_modules/.bin:$PATH CHROME_PATH=/usr/bin/chromium`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.static_host import serve  # noqa: E402

CACHE = ROOT / ".cache" / "mkdocs-jupyter"
TARGETS = {"cold build (s)": 20.0, "own JS/CSS (KB)": 150.0}


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


def own_asset_bytes(site: Path, page: Path) -> dict[str, int]:
    """Bytes of each of our scripts and style sheets that `page` loads, imports included."""
    html = page.read_text(encoding="utf-8")
    refs = re.findall(r'(?:src|href)="([^"]*assets/(?:quizkit/[^"]+|site\.css))"', html)
    seen: dict[str, int] = {}
    queue = [(page.parent / ref).resolve() for ref in refs]
    while queue:
        path = queue.pop()
        key = str(path.relative_to(site.resolve()))
        if key in seen or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        seen[key] = len(text.encode("utf-8"))
        if path.suffix == ".js":
            imports = re.findall(r"""(?:import|from)\s*\(?\s*["'](\.[^"']+)["']""", text)
            queue.extend((path.parent / rel).resolve() for rel in imports)
    return seen


def lighthouse(site: Path, page: str, runs: int = 3) -> str:
    """Lighthouse scores for one page over `runs` runs, or why they were not measured."""
    if shutil.which("lighthouse") is None:
        return (
            "Lighthouse: skipped, the `lighthouse` command is not installed (it is an npm "
            "package that is not part of this project's dependencies); install it and set "
            "CHROME_PATH=/usr/bin/chromium to measure performance and accessibility"
        )
    import json
    import statistics

    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    perf, a11y, tbt = [], [], []
    with tempfile.TemporaryDirectory() as tmp, serve(site) as url:
        report = Path(tmp) / "report.json"
        for _ in range(runs):
            subprocess.run(
                ["lighthouse", url + page, "--output=json", f"--output-path={report}", "--quiet",
                 "--only-categories=performance,accessibility",
                 "--chrome-flags=--headless --no-sandbox --disable-gpu"],
                env=env, check=True,
            )  # fmt: skip
            data = json.loads(report.read_text())
            perf.append(data["categories"]["performance"]["score"])
            a11y.append(data["categories"]["accessibility"]["score"])
            tbt.append(data["audits"]["total-blocking-time"]["numericValue"])
    shown = ", ".join(f"{score:.2f}" for score in perf)
    return (
        f"Lighthouse on {page}, {runs} runs (served gzipped, as a static host would):"
        f" performance median {statistics.median(perf):.2f} ({shown}; target >= 0.95),"
        f" total blocking time median {statistics.median(tbt):.0f} ms,"
        f" accessibility {min(a11y):.2f} at worst (target 1.0)"
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        shutil.rmtree(CACHE, ignore_errors=True)
        cold = build(site)
        cached = build(site)
        lessons = sorted(site.glob("lessons/*/index.html"))
        page = lessons[0]
        sizes = own_asset_bytes(site, page)
        total_kb = sum(sizes.values()) / 1024
        rel = page.relative_to(site).as_posix()
        print(f"cold build (--strict, notebook cache empty): {cold:.1f} s (target <= 20 s)")
        print(f"cached build (--strict, notebooks from cache): {cached:.1f} s")
        print(f"own JS/CSS loaded by {rel}: {total_kb:.1f} KB in {len(sizes)} files"
              " (target <= 150 KB)")  # fmt: skip
        for name, size in sorted(sizes.items()):
            print(f"    {size:7d} B  {name}")
        print(lighthouse(site, rel.removesuffix("index.html")))


if __name__ == "__main__":
    main()
