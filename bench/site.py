"""Measure the site: strict build times, our own JS/CSS weight, Lighthouse scores if present.

    .venv/bin/python bench/site.py

Prints the cold build time (mkdocs-jupyter's notebook cache emptied first), the cached build
time (a second build right after), the bytes of Backprop Lab's own JavaScript and CSS that a
lesson page loads (not Material's, not KaTeX's), and Lighthouse's performance and
accessibility scores when the `lighthouse` command is installed.
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


def lighthouse(site: Path, page: str) -> str:
    """Lighthouse scores for one page, or why they were not measured."""
    if shutil.which("lighthouse") is None:
        return (
            "Lighthouse: skipped, the `lighthouse` command is not installed (it is an npm "
            "package that is not part of this project's dependencies); install it and set "
            "CHROME_PATH=/usr/bin/chromium to measure performance and accessibility"
        )
    import functools
    import http.server
    import json
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_port}/{page}"
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "report.json"
        subprocess.run(
            ["lighthouse", url, "--output=json", f"--output-path={report}", "--quiet",
             "--only-categories=performance,accessibility",
             "--chrome-flags=--headless --no-sandbox --disable-gpu"],
            env=env, check=True,
        )  # fmt: skip
        data = json.loads(report.read_text())
    server.shutdown()
    cats = data["categories"]
    return (
        f"Lighthouse on {page}: performance {cats['performance']['score']:.2f}"
        f" (target >= 0.95), accessibility {cats['accessibility']['score']:.2f} (target 1.0)"
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
