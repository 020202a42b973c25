"""Turning banks into HTML: Markdown through Python-Markdown, layout in Jinja templates.

Every answer key goes into an encoded payload (`data-qk-payload`, base64 of JSON) so that
it is not readable in the question's HTML; the only plain-text copy is the no-JavaScript
fallback inside a <details> element, which the widget script removes.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import markdown
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from quizkit.bank import kinds, safe_html
from quizkit.bank.kinds.base import Kind
from quizkit.bank.model import Bank, Item, Tolerance

from . import numeric_trace_page, progress
from .client import NUMBER_HELP, format_number
from .glossary import Term
from .stats import bank_stats

TEMPLATES = Path(__file__).parent / "templates"
DEFAULT_EXTENSIONS: list = [
    "attr_list",
    "md_in_html",
    "pymdownx.superfences",
    "pymdownx.arithmatex",
]
DEFAULT_EXTENSION_CONFIGS: dict = {"pymdownx.arithmatex": {"generic": True}}
# The id of a bank section's heading, which labels the section.
BANK_HEADING_ID = "qk-bank-title"
_START_TAG_ID = re.compile(r'<h[1-6]\b[^>]*?\sid="(?P<id>[^"]*)"')


class MarkdownRenderer:
    """Renders bank text with the same Markdown extensions as the rest of the site."""

    def __init__(self, extensions: Sequence | None = None, configs: dict | None = None):
        if extensions is None:
            extensions, configs = DEFAULT_EXTENSIONS, DEFAULT_EXTENSION_CONFIGS
        # The table of contents would give headings inside questions ids and permalinks
        # that clash with the page's own.
        # Nor are bank texts pages: quizkit's own page markers mean nothing in them.
        skipped = ("toc", "markdown.extensions.toc", "quizkit.markdown_ext.quiz")
        extensions = [e for e in extensions if e not in skipped]
        self._md = markdown.Markdown(extensions=list(extensions), extension_configs=configs or {})

    def unsanitised(self, text: str) -> str:
        """Markdown to HTML exactly as Python-Markdown writes it: for `quizkit check` to
        compare with what `block` keeps (quizkit.bank.safe_html.removals), never for a page."""
        self._md.reset()
        return self._md.convert(text)

    def block(self, text: str) -> Markup:
        """Markdown to HTML, as block content, cut down to the allow-list of safe_html."""
        return Markup(safe_html.clean(self.unsanitised(text)))

    def inline(self, text: str) -> Markup:
        """Markdown to HTML without the paragraph wrapper, for labels and option text."""
        html = str(self.block(text)).strip()
        match = re.fullmatch(r"<p>(.*)</p>", html, re.DOTALL)
        if match and "<p>" not in match.group(1):
            html = match.group(1)
        return Markup(html)


def encode_payload(data: dict) -> str:
    """Base64 of compact UTF-8 JSON: the form in which answer keys travel to the browser."""
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(raw).decode("ascii")


def decode_payload(text: str) -> dict:
    """Inverse of encode_payload (used by tests and tools; the browser has its own)."""
    return json.loads(base64.b64decode(text).decode("utf-8"))


_SUPERSCRIPT = str.maketrans(
    "-0123456789", "\u207b\u2070\u00b9\u00b2\u00b3\u2074\u2075\u2076\u2077\u2078\u2079"
)


def readable_amount(value: float) -> str:
    """A small tolerance as a person writes it: 10⁻⁶ rather than 1e-06."""
    mantissa, exponent = f"{value:.0e}".split("e")
    if value > 0 and mantissa == "1" and int(exponent) <= -4 and float(f"1e{exponent}") == value:
        return "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    return format_number(value)


# TeX that plain text can show: a drop-down's options cannot hold typeset math, so a
# definition with $...$ is shown there with these Unicode stand-ins.
_TEX_SYMBOLS = {
    r"\partial": "∂",
    r"\approx": " ≈ ",
    r"\cdot": " · ",
    r"\times": " × ",
    r"\odot": " ⊙ ",
    r"\sigma": "σ",
    r"\delta": "δ",
    r"\Delta": "Δ",
    r"\varepsilon": "ε",
    r"\epsilon": "ε",
    r"\theta": "θ",
    r"\lambda": "λ",
    r"\alpha": "α",
    r"\eta": "η",
    r"\mu": "μ",
    r"\nabla": "∇",
    r"\sum": "Σ",
    r"\infty": "∞",
    r"\le": " ≤ ",
    r"\ge": " ≥ ",
    r"\leq": " ≤ ",
    r"\geq": " ≥ ",
    r"\ne": " ≠ ",
    r"\neq": " ≠ ",
    r"\to": " → ",
    r"\in": " ∈ ",
    r"\pm": " ± ",
    r"\lVert": "‖",
    r"\rVert": "‖",
    r"\|": "‖",
    r"\top": "ᵀ",
    r"\ldots": "…",
    r"\dots": "…",
    r"\sqrt": "√",
    r"\tanh": "tanh",
    r"\log": "log",
    r"\exp": "exp",
    r"\max": "max",
    r"\min": "min",
    r"\tilde": "",
    r"\hat": "",
    r"\bar": "",
    r"\mathbf": "",
    r"\mathrm": "",
    r"\mathsf": "",
    r"\text": "",
    r"\mathit": "",
    r"\operatorname": "",
    r"\,": " ",
    r"\;": " ",
    r"\quad": " ",
}
_SUPERSCRIPTS = str.maketrans("0123456789+-−()nTk", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁽⁾ⁿᵀᵏ")
_SUBSCRIPTS = str.maketrans("0123456789+-()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
# A command eats the one space that ends it, as TeX does ("\partial v" is ∂v).
_TEX_COMMAND = re.compile(r"(\\[A-Za-z]+|\\[,;|]) ?")
_FRACTION = re.compile(r"\\frac\{([^{}]*)\}\{([^{}]*)\}")
_SCRIPT = re.compile(r"([_^])(\{[^{}]*\}|[^{}\s])")
_INLINE_MATH = re.compile(r"\$([^$]+)\$")


def _plain_math(tex: str) -> str:
    def over(part: str) -> str:
        return part if len(part) == 1 else f"({part})"

    tex = _FRACTION.sub(lambda m: f"{over(m.group(1))}/{over(m.group(2))}", tex)
    tex = tex.replace(r"^{\mathsf T}", "ᵀ").replace(r"^\top", "ᵀ").replace("'", "′")
    tex = _TEX_COMMAND.sub(lambda m: _TEX_SYMBOLS.get(m.group(1), m.group(1)[1:]), tex)
    tex = re.sub(r"\{\{([^{}]*)\}\}", r"{\1}", tex)  # x_{\text{in}} has lost its \text

    def script(match: re.Match) -> str:
        body = match.group(2).strip("{}")
        table = _SUPERSCRIPTS if match.group(1) == "^" else _SUBSCRIPTS
        converted = body.translate(table)
        if all(ord(c) > 127 or c == " " for c in converted):
            return converted
        return ("^" if match.group(1) == "^" else "_") + body  # no Unicode form: keep ^ or _

    tex = _SCRIPT.sub(script, tex)
    return re.sub(r" +", " ", tex.replace("{", "").replace("}", "")).strip()


def plain_text(markdown: str) -> str:
    """`markdown` as plain text for places that cannot show HTML (a drop-down's options):
    inline math becomes Unicode (∂L/∂u, 10⁻¹⁴, σ′), emphasis and code marks are dropped."""
    text = _INLINE_MATH.sub(lambda m: _plain_math(m.group(1)), markdown)
    text = re.sub(r"(\*\*|__|\*|`)", "", text)
    return re.sub(r"\s+", " ", text).strip()


def tolerance_text(tolerance: Tolerance) -> str:
    """The acceptance rule of a numeric answer in words, for the learner."""
    rel = f"{tolerance.rel * 100:g}%"
    return (
        f"An answer counts as correct when it is within {rel} of the exact value"
        f" (or within {readable_amount(tolerance.abs)} of it, for values close to zero)."
    )


@dataclass
class RenderContext:
    """What rendering a bank needs besides the bank: its file, glossary and page links."""

    source: Path
    terms: list[Term] = field(default_factory=list)
    glossary_url: str = ""
    # Numeric traces' build-time values by item id, filled by the caller (the plugin
    # computes them once per build).
    trace_results: dict[str, dict] = field(default_factory=dict)

    def numeric_trace_values(self, item: Item) -> dict:
        """A numeric trace's {"values", "graph"} at its printed numbers (ContentError if its
        code fails)."""
        result = self.trace_results.get(item.id)
        return numeric_trace_page.evaluate(item, self.source) if result is None else result


class Renderer:
    """Renders items, bank headers and the glossary through the Jinja templates."""

    def __init__(self, md: MarkdownRenderer | None = None):
        self.md = md or MarkdownRenderer()
        self.env = Environment(
            loader=FileSystemLoader(TEMPLATES),
            autoescape=True,
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self.env.filters["md"] = self.md.block
        self.env.filters["mdi"] = self.md.inline
        self.env.filters["number"] = format_number
        self.env.filters["label"] = lambda topic: topic.replace("-", " ")
        self.env.filters["plain"] = plain_text
        self.env.globals["tolerance_text"] = tolerance_text
        self.env.globals["number_help"] = NUMBER_HELP
        self.env.globals["same_tolerance"] = lambda item: (
            len({q.tolerance for q in item.quantities}) == 1
        )

    def item(self, item: Item, number: int | None, ctx: RenderContext, level: int = 3) -> Markup:
        """One item as an accessible widget with its encoded key and no-JS fallback."""
        kind = kinds.of(item)
        view, payload = kind.payload(item, self.md, ctx)
        payload["kind"] = item.kind
        payload["explanation"] = str(self.md.block(item.explanation))
        template = self.env.get_template("item.html.j2")
        return Markup(
            template.render(
                item=item,
                number=number,
                level=level,
                kind_label=kind.label,
                view=view,
                kind_template=self._kind_template(kind),
                payload=encode_payload(payload),
            )
        )

    def _kind_template(self, kind: Kind):
        """The template of a kind's form and fallback: the site's kinds/<name>.html.j2, or
        the file the kind names (one defined outside the package)."""
        if kind.template is None:
            return f"kinds/{kind.name}.html.j2"
        return self.env.from_string(kind.template.read_text(encoding="utf-8"))

    def bank(
        self,
        bank: Bank,
        ctx: RenderContext,
        *,
        skip: Iterable[str] = (),
        level: int = 2,
        title: str | None = None,
        heading: Markup | None = None,
        intro: bool = True,
        toolbar: str = "",
    ) -> Markup:
        """A bank's header (figures computed from the bank), its items and the page toolbar.

        The section is labelled by its heading: `heading` when given (a page's own, as
        rendered: the section takes it in), else an h`level` reading `title`, else the bank's
        title, hidden."""
        skipped = set(skip)
        labelled_by = BANK_HEADING_ID
        if heading is not None:
            found = _START_TAG_ID.match(heading)
            if found:
                labelled_by = found.group("id")
            else:
                heading = Markup(re.sub(r"^<h[1-6]\b", rf'\g<0> id="{BANK_HEADING_ID}"', heading))
        items = [
            Markup(self.item(item, n, ctx, level=level + 1))
            for n, item in enumerate(bank.items, start=1)
            if item.id not in skipped
        ]
        return Markup(
            self.env.get_template("bank.html.j2").render(
                bank=bank,
                stats=bank_stats(bank),
                items=items,
                skipped=len(skipped & {i.id for i in bank.items}),
                level=level,
                title=title,
                heading=heading,
                labelled_by=labelled_by,
                intro=intro,
                terms=ctx.terms,
                glossary_url=ctx.glossary_url,
                toolbar=Markup(toolbar),
            )
        )

    def toolbar(self) -> Markup:
        """Score, reset, export and import for every quiz item on the page."""
        return Markup(
            self.env.get_template("toolbar.html.j2").render(
                scoring_rule=progress.scoring_rule(), limits_text=progress.limits_text()
            )
        )

    def glossary(self, terms: list[Term], link: Callable[[Term], str]) -> Markup:
        """The glossary as a definition list with one anchor per term; `link(term)` is the
        address of the lesson that introduces it, from the glossary page."""
        return Markup(self.env.get_template("glossary.html.j2").render(terms=terms, link=link))
