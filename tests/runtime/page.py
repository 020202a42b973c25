"""A minimal static site for the runtime's browser tests, built from the runtime's own functions.

It holds what the runtime needs and nothing of the MkDocs plugin: `runtime.bundle` fills
site/pyodide-<hash>/ (and writes runtime-location.js), quizkit/web/ is copied to
site/assets/quizkit/ (as the plugin does), and one page has runnable cells made by
`runnable.transform` and rendered by Python-Markdown.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import markdown

from quizkit.mkdocs import runnable, runtime
from quizkit.mkdocs.client import client_config_module

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "quizkit" / "web"

CELLS = {
    "hello": 'print("hello from Python")\nprint(sum(range(10)))\n',
    "html": 'print("<b>bold?</b> <img src=x onerror=\\"window.__xss=1\\">")\n',
    "loop": "while True:\n    pass\n",
    "engine": (
        "from quizkit.backprop import Tensor\n"
        "x = Tensor(2.0, requires_grad=True)\n"
        "y = x * x + 3 * x\n"
        "y.backward()\n"
        'print("grad", float(x.grad))\n'
    ),
    "error": "def f(x):\n    return 1 / x\n\nf(0)\n",
    "expression": "6 * 7\n",
    # show_graph (tests/runtime/test_show_graph_browser.py): once before backward, once after.
    "graph": (
        "from quizkit.backprop import Tensor\n"
        "from quizkit.backprop.tracing import show_graph\n"
        "w = Tensor(0.5, requires_grad=True)\n"
        "x = Tensor(2.0)\n"
        "loss = (w * x - 3.0) ** 2\n"
        "show_graph(loss)\n"
        "loss.backward()\n"
        'print("loss", float(loss.data))\n'
        "show_graph(loss)\n"
    ),
    "big-graph": (
        "from quizkit.backprop import Tensor\n"
        "from quizkit.backprop.tracing import show_graph\n"
        "t = Tensor(0.1, requires_grad=True)\n"
        "for _ in range(60):\n"
        "    t = t.tanh()\n"
        'print("done")\n'
        "show_graph(t)\n"
    ),
}


def lesson_markdown() -> str:
    parts = ["# Runtime test page\n"]
    for name, code in CELLS.items():
        parts.append(f"\n## Cell {name}\n\n```python runnable\n{code}```\n")
    return "".join(parts)


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Runtime test page</title>
<link rel="stylesheet" href="assets/quizkit/runtime.css"></head>
<body><main><article>{body}</article></main>
<script type="module" src="assets/quizkit/runtime.js"></script>
</body></html>
"""


def build(site: Path, **bundle_options) -> str:
    """Write the test site into `site`; returns runtime.bundle's report."""
    report = runtime.bundle(site, **bundle_options)
    assets = site / "assets" / "quizkit"
    shutil.copytree(WEB, assets, dirs_exist_ok=True)
    (assets / "quiz-config.js").write_text(client_config_module(), encoding="utf-8")
    html = markdown.markdown(
        runnable.transform(lesson_markdown()), extensions=["md_in_html", "fenced_code"]
    )
    (site / "index.html").write_text(PAGE.format(body=html), encoding="utf-8")
    return report
