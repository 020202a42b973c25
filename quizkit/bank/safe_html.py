"""The HTML a bank field may render to: an allow-list enforced by nh3 (Rust's ammonia).

Every bank field is Markdown, and Markdown passes raw HTML through, builds links from any
URL and (with attr_list) sets any attribute. A blocklist of bad patterns cannot keep up with
entity-encoded schemes (`&#106;avascript:`), SVG or attribute tricks, so the site keeps only
what this allow-list names: `clean` is applied to every rendered field
(quizkit.mkdocs.render.MarkdownRenderer), and `removals` tells `quizkit check` what `clean`
would take out, so that an author learns about it instead of seeing it silently vanish.

The list holds what the course's Markdown extensions produce for a quiz: text formatting,
lists, tables, code (with highlighting classes), math spans for KaTeX (arithmatex),
admonitions and details, images and links whose URL is http(s), relative or a #fragment.
Not allowed: scripts, styles, frames, forms, SVG/MathML, event handlers, `style` (but a
table cell's text-align) and `id` attributes (an item is shown on several pages at once, so
an id would not be unique), and every other URL scheme (javascript:, data:, vbscript:, ...).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser

import nh3

TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
        "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark",
        "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary",
        "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var", "wbr",
    }
)  # fmt: skip
# class carries the meaning of most extension output (arithmatex, admonition, highlight).
ATTRIBUTES = {
    "*": {"class", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    # Markdown tables align columns with style="text-align: ..."; nothing else is kept of it.
    "td": {"colspan", "rowspan", "align", "style"},
    "th": {"colspan", "rowspan", "align", "scope", "style"},
    "col": {"span"},
    "colgroup": {"span"},
    "details": {"open"},
}
# Relative URLs and #fragments carry no scheme, and ammonia passes them through.
URL_SCHEMES = frozenset({"http", "https"})
URL_ATTRIBUTES = frozenset({"href", "src"})


def clean(html: str) -> str:
    """`html` with everything outside the allow-list removed (script and style content too)."""
    # link_rel=None: nh3 would otherwise add rel="noopener noreferrer" to every link, an
    # edit to legitimate HTML that buys nothing when no link can open a new window.
    return nh3.clean(
        html,
        tags=set(TAGS),
        attributes=ATTRIBUTES,
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        filter_style_properties={"text-align"},
    )


@dataclass(frozen=True)
class Removal:
    """One thing `clean` takes out: what to tell the author, and text that may show where."""

    message: str
    # Strings to look for in the Markdown source to find the line (the first one found wins).
    needles: tuple[str, ...]


def removals(html: str) -> list[Removal]:
    """What `clean` takes out of `html`, one entry per removed tag or attribute.

    The sanitiser is the judge (it decodes entities and parses as a browser does); this only
    compares what went in with what came out, so the two can never disagree.
    """
    cleaned = clean(html)
    if cleaned == html:
        return []  # the common case, and much cheaper than parsing both
    before, after = _Census.of(html), _Census.of(cleaned)
    gone = [tag for tag, count in before.tags.items() if after.tags[tag] < count]
    # An allowed tag only goes with a forbidden element around it (an <a> inside <svg>):
    # naming the forbidden one is enough.
    found = [
        Removal(f"<{tag}> is not allowed in quiz text", (f"<{tag}",))
        for tag in gone
        if tag not in TAGS
    ]
    if gone and not found:
        message = f"<{gone[0]}> is removed by the sanitiser: check the HTML around it"
        found.append(Removal(message, (f"<{gone[0]}",)))
    for (tag, name), values in before.attributes.items():
        kept = after.attributes.get((tag, name), [])
        if len(kept) >= len(values) or tag in gone:
            continue  # nothing dropped, or the whole element went (reported already)
        value = next((v for v in values if v not in kept), values[0])
        # The value as written may be entity-encoded; its end usually is not.
        needles = (value, value[-12:], f"{name}=") if value else (f"{name}=",)
        found.append(Removal(_attribute_message(tag, name, value), needles))
    return found


def _attribute_message(tag: str, name: str, value: str) -> str:
    if name.startswith("on"):
        return f"event handler attribute {name}= on <{tag}> is not allowed"
    if name in URL_ATTRIBUTES and name in ATTRIBUTES.get(tag, ()):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return (
            f"{name}={shown!r} on <{tag}> is not allowed: URLs must be http(s), relative or"
            " a #fragment"
        )
    return f"attribute {name}= on <{tag}> is not allowed in quiz text"


class _Census(HTMLParser):
    """How many of each start tag, and each attribute's values, a fragment holds."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attributes: dict[tuple[str, str], list[str]] = {}

    @classmethod
    def of(cls, html: str) -> _Census:
        census = cls()
        census.feed(html)
        census.close()
        return census

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        for name, value in attrs:
            self.attributes.setdefault((tag, name), []).append(value or "")
