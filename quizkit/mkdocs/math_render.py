"""Math typeset at build time: a page ships KaTeX's HTML, and no formula costs the reader's
browser any work (issue 12).

Two kinds of math are found in a page's HTML:

* pymdownx.arithmatex's generic output, `<span class="arithmatex">\\(…\\)</span>` and
  `<div class="arithmatex">\\[…\\]</div>` (Markdown lessons, quiz prompts, glossary);
* `$…$` and `$$…$$` as written in a notebook's Markdown cells (mkdocs-jupyter keeps them in
  `.jp-RenderedMarkdown`), split as KaTeX's auto-render splits them in the browser.

Each is rendered by KaTeX in one long-lived Node process (katex_server.mjs) with the options
quizkit/web/quiz-math.js uses, and marked `data-qk-math` so that the browser leaves it alone.
Math the browser receives later (the encoded feedback and explanations, the course quiz's
drawn items) is still typeset there, by quiz-math.js, which loads KaTeX only then.

A formula KaTeX cannot parse is rendered as KaTeX renders it in the browser (its source in red,
the message as a tooltip) and reported as a warning naming the page and the formula, so that
`mkdocs build --strict` fails on it.
"""

from __future__ import annotations

import atexit
import html as html_lib
import json
import logging
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.plugins.quizkit")

SERVER = Path(__file__).resolve().with_name("katex_server.mjs")
DEFAULT_KATEX_DIR = Path(__file__).resolve().parents[2] / "node_modules" / "katex" / "dist"

# One token of HTML: a comment, a tag (quoted attribute values may hold ">"), or text.
_TOKEN = re.compile(
    r"""<!--.*?-->|<(?P<end>/?)(?P<name>[A-Za-z][\w:-]*)(?P<attrs>(?:[^>"']|"[^"]*"|'[^']*')*)>"""
    r"""|[^<]+|<""",
    re.S,
)
_CLASS = re.compile(r"""\bclass\s*=\s*(?:"([^"]*)"|'([^']*)')""")
# Elements whose content is not markup (a "<" inside them opens no tag).
_RAW_TEXT = {"script", "style", "textarea", "title", "xmp", "noembed", "noframes"}
# Where the browser's auto-render never looks for math, so neither does the build.
_NO_MATH = {"script", "noscript", "style", "textarea", "pre", "code", "option"}
_NOTEBOOK_MARKDOWN = "jp-RenderedMarkdown"
# The delimiters quiz-math.js gives auto-render for notebook Markdown, in its order.
_NOTEBOOK_DELIMITERS = (("$$", "$$", True), ("$", "$", False))
_MARK = ' data-qk-math=""'


class TypesetError(PluginError):
    """KaTeX could not be run at all (Node or KaTeX missing, the process died)."""


@dataclass(frozen=True)
class Rendered:
    html: str | None  # None: KaTeX failed in a way the browser would not have shown either
    error: str | None
    warnings: tuple[str, ...] = ()


class Typesetter:
    """One Node process running KaTeX, fed every formula of a build; results are cached."""

    def __init__(self, katex_dir: Path = DEFAULT_KATEX_DIR, node: str = "node"):
        self.katex_dir = Path(katex_dir)
        self.node = node
        self._proc: subprocess.Popen | None = None
        self._stderr = None
        self._cache: dict[tuple[str, bool], Rendered] = {}

    # -- the Node process --------------------------------------------------------------------

    def _start(self) -> subprocess.Popen:
        node = shutil.which(self.node)
        if node is None:
            raise TypesetError(
                f"quizkit math: `{self.node}` (Node.js) not found; it typesets the site's math"
                " at build time (install Node.js 20, see README.md)"
            )
        if not (self.katex_dir / "katex.mjs").is_file():
            raise TypesetError(
                f"quizkit math: KaTeX not found at {self.katex_dir} (no katex.mjs);"
                " run `npm ci` to install it"
            )
        self._stderr = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            [node, str(SERVER), str(self.katex_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            encoding="utf-8",
        )
        return self._proc

    def _ask(self, requests: list[tuple[str, bool]]) -> list[Rendered]:
        proc = self._proc if self._proc and self._proc.poll() is None else self._start()
        line = json.dumps([{"tex": tex, "display": display} for tex, display in requests])
        try:
            proc.stdin.write(line + "\n")
            proc.stdin.flush()
            answer = proc.stdout.readline()
        except OSError:
            answer = ""
        if not answer:
            raise TypesetError(f"quizkit math: the KaTeX process stopped: {self._died()}")
        return [Rendered(r["html"], r["error"], tuple(r["warnings"])) for r in json.loads(answer)]

    def _died(self) -> str:
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.kill()
            proc.wait()
        self._stderr.seek(0)
        text = self._stderr.read().decode("utf-8", "replace").strip()
        return text.splitlines()[-1] if text else f"exit status {proc.returncode}"

    def close(self) -> None:
        """End the Node process (the next formula starts another)."""
        proc, self._proc = self._proc, None
        if proc is not None:
            proc.stdin.close()
            proc.wait(timeout=10)
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def __enter__(self) -> Typesetter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def render(self, formulas: list[tuple[str, bool]]) -> list[Rendered]:
        """KaTeX's rendering of each (tex, display), asking Node only for unseen formulas."""
        missing = list(dict.fromkeys(f for f in formulas if f not in self._cache))
        if missing:
            self._cache.update(zip(missing, self._ask(missing), strict=True))
        return [self._cache[f] for f in formulas]

    # -- pages -------------------------------------------------------------------------------

    def typeset_page(self, html: str, where: str = "-") -> str:
        """`html` with every formula typeset; KaTeX's errors are logged as warnings naming
        `where` (the page's source file: its line is named when the formula is found there)."""
        pieces = _pieces(html)
        found = [p for p in pieces if isinstance(p, _Formula)]
        if not found:
            return html
        results = dict(zip(found, self.render([(f.tex, f.display) for f in found]), strict=True))
        out = []
        for piece in pieces:
            if isinstance(piece, str):
                out.append(piece)
                continue
            result = results[piece]
            _report(piece, result, where)
            out.append(piece.original if result.html is None else piece.typeset(result.html))
        return "".join(out)


@dataclass(eq=False)
class _Formula:
    tex: str
    display: bool
    label: bool  # inside a <label>: its accessible name comes from the rendered glyphs
    original: str  # the HTML it replaces, kept if KaTeX fails outright
    before: str  # the typeset formula's wrapper
    after: str

    def typeset(self, rendered: str) -> str:
        return f"{self.before}{_in_label(rendered) if self.label else rendered}{self.after}"


def _pieces(html: str) -> list[str | _Formula]:
    """`html` cut into its untypeset formulas and the HTML around them, in order."""
    pieces: list[str | _Formula] = []
    done = 0  # html[:done] is in pieces
    labels = 0
    no_math = 0  # depth inside elements where auto-render does not look (code, pre, …)
    notebook = 0  # div depth inside a notebook Markdown cell; 0 outside
    run = None  # start of the run of text being collected in a notebook cell

    def flush_run(end: int) -> None:
        nonlocal done, run
        if run is not None:
            notebook_pieces = _notebook_math(html[run:end], labels > 0)
            if notebook_pieces:
                pieces.extend([html[done:run], *notebook_pieces])
                done = end
        run = None

    pos = 0
    while pos < len(html):
        token = _TOKEN.match(html, pos)
        pos = token.end()
        name = (token.group("name") or "").lower()
        if not name:
            if notebook and not no_math and not token.group().startswith("<!--"):
                run = token.start() if run is None else run
            else:
                flush_run(token.start())
            continue
        flush_run(token.start())
        if token.group("end"):
            labels -= name == "label" and labels > 0
            no_math -= name in _NO_MATH and no_math > 0
            notebook -= name == "div" and notebook > 0
            continue
        if name in _RAW_TEXT:
            close = re.compile(rf"</{name}\s*>", re.I).search(html, pos)
            pos = close.end() if close else len(html)
            continue
        attrs = token.group("attrs")
        classes = _classes(attrs)
        typeset = "data-qk-math" in attrs
        labels += name == "label"
        if name in _NO_MATH:
            no_math += 1
        elif name == "div" and notebook:
            notebook += 1
        elif name == "div" and _NOTEBOOK_MARKDOWN in classes and not typeset:
            notebook = 1
            # Marked as typeset, so that the browser does not run auto-render over it again.
            pieces.append(html[done : token.end() - 1] + _MARK + ">")
            done = token.end()
        if "arithmatex" in classes and name in ("span", "div") and not typeset:
            close = html.find(f"</{name}>", pos)
            content = html[pos:close] if close != -1 else "<"
            if "<" in content:  # not arithmatex's plain text: someone else's markup, left alone
                continue
            text = html_lib.unescape(content).strip()
            end = close + len(f"</{name}>")
            pieces.append(html[done : token.start()])
            pieces.append(
                _Formula(
                    tex=re.sub(r"\\[)\]]$", "", re.sub(r"^\\[(\[]", "", text)),
                    display=text.startswith("\\["),
                    label=labels > 0,
                    original=html[token.start() : end],
                    before=f"{token.group()[:-1].rstrip('/')}{_MARK}>",
                    after=f"</{name}>",
                )
            )
            done = pos = end
    flush_run(len(html))
    pieces.append(html[done:])
    return pieces


def _classes(attrs: str) -> set[str]:
    match = _CLASS.search(attrs)
    return set((match.group(1) or match.group(2) or "").split()) if match else set()


def _notebook_math(raw: str, label: bool) -> list[str | _Formula]:
    """The pieces of one text run of a notebook Markdown cell (HTML), split at $$ and $ as
    KaTeX's auto-render splits a text node (contrib/auto-render/splitAtDelimiters.js); empty
    when it holds no formula."""
    if "$" not in raw:
        return []
    parts = _split_at_delimiters(html_lib.unescape(raw))
    if all(kind == "text" for kind, *_ in parts):
        return []
    return [
        html_lib.escape(value, quote=False)
        if kind == "text"
        # In the <span> auto-render puts each formula in.
        else _Formula(
            value, display, label, html_lib.escape(source, quote=False), "<span>", "</span>"
        )
        for kind, value, display, source in parts
    ]


def _split_at_delimiters(text: str) -> list[tuple[str, str, bool, str]]:
    """(kind, content, display, source) parts of `text` as auto-render finds them, kind
    "text" or "math"; source is the math with its delimiters."""
    parts: list[tuple[str, str, bool, str]] = []
    while (index := text.find("$")) != -1:
        if index > 0:
            parts.append(("text", text[:index], False, text[:index]))
            text = text[index:]
        left, right, display = next(d for d in _NOTEBOOK_DELIMITERS if text.startswith(d[0]))
        end = _end_of_math(right, text, len(left))
        if end == -1:
            break
        source = text[: end + len(right)]
        parts.append(("math", text[len(left) : end], display, source))
        text = text[len(source) :]
    if text:
        parts.append(("text", text, False, text))
    return parts


def _end_of_math(delimiter: str, text: str, index: int) -> int:
    """Where `delimiter` closes the formula starting at `index`: outside braces, unescaped."""
    braces = 0
    while index < len(text):
        if braces <= 0 and text.startswith(delimiter, index):
            return index
        if text[index] == "\\":
            index += 1
        elif text[index] == "{":
            braces += 1
        elif text[index] == "}":
            braces -= 1
        index += 1
    return -1


def _in_label(rendered: str) -> str:
    """KaTeX's HTML as a form control's label needs it: the glyphs ("∂f/∂x") are read out and
    the MathML copy hidden, since MathML contributes nothing to an accessible name (axe)."""
    return rendered.replace(
        '<span class="katex-mathml">', '<span class="katex-mathml" aria-hidden="true">'
    ).replace('<span class="katex-html" aria-hidden="true">', '<span class="katex-html">')


def _report(formula: _Formula, result: Rendered, where: str) -> None:
    if result.error is None and result.html is not None:
        for note in result.warnings:
            log.info("quizkit math: %s: %s (in %s)", _place(where, formula.tex), note, formula.tex)
        return
    log.warning(
        "quizkit math: %s: KaTeX cannot typeset %r: %s",
        _place(where, formula.tex),
        formula.tex,
        result.error,
    )


def _place(where: str, tex: str) -> str:
    """`where`, with the line of the formula's first line when `where` is a file holding it;
    relative to the working directory (the project's root in a build) when under it."""
    path = Path(where)
    if path.is_absolute() and path.is_relative_to(Path.cwd()):
        where = str(path.relative_to(Path.cwd()))
    first = next((line.strip() for line in tex.splitlines() if line.strip()), "")
    try:
        lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    except OSError:
        lines = []
    for number, line in enumerate(lines, start=1):
        if first and first in line:
            return f"{where}:{number}"
    return where


_shared: dict[Path, Typesetter] = {}


def typeset_page(html: str, where: str = "-", katex_dir: Path = DEFAULT_KATEX_DIR) -> str:
    """`html` with its math typeset by KaTeX (one Node process per KaTeX folder, kept for the
    life of the build and ended at exit); see Typesetter.typeset_page."""
    key = Path(katex_dir).resolve()
    if key not in _shared:
        _shared[key] = Typesetter(key)
    return _shared[key].typeset_page(html, where)


def close() -> None:
    """End the shared Node processes (a build's end; `mkdocs serve` starts them again)."""
    while _shared:
        _shared.popitem()[1].close()


atexit.register(close)
