"""The HTML a bank field may render to: an allow-list enforced by nh3 (Rust's ammonia).

Every bank field is Markdown, and Markdown passes raw HTML through, builds links from any
URL and (with attr_list) sets any attribute. A blocklist of bad patterns cannot keep up with
entity-encoded schemes (`&#106;avascript:`), SVG or attribute tricks, so the site keeps only
what this allow-list names: `clean` is applied to every rendered field
(quizkit.mkdocs.render.MarkdownRenderer), and `removals` tells `quizkit check` what `clean`
would take out, so that an author learns about it instead of seeing it silently vanish.

The list holds what the course's Markdown extensions produce for a quiz: text formatting,
lists, tables, code (with highlighting classes), math spans for KaTeX (arithmatex),
admonitions and details, links whose URL is http(s), relative or a #fragment, and images
from the site itself (a relative `src`: the site fetches nothing from another host).
Not allowed: scripts, styles, frames, forms, SVG/MathML, event handlers, `style` (but a
table cell's text-align) and `id` attributes (an item is shown on several pages at once, so
an id would not be unique), every other URL scheme (javascript:, data:, vbscript:, ...), and
classes outside `CLASSES` (content must not borrow the theme's layout, such as Material's
fixed-position `md-consent__overlay`).

A lesson's Markdown is held to the same list (quizkit.bank.lesson_code asks `removals` with
`lesson=True`), with one addition: `id`s, which a page's headings and footnotes need, except
ids of the theme's own elements (Material's start with `__`).

Titles (a bank's, a lesson's, a glossary term) become headings and page titles, which no
sanitiser sees: `title_problem` refuses markup in them, and `heading_markdown` escapes a title
for a generated heading so that even unchecked text cannot add markup.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser

import nh3
from pygments.token import STANDARD_TYPES

TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup",
        "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark",
        "ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary",
        "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var", "wbr",
    }
)  # fmt: skip
# class carries the meaning of most extension output (arithmatex, admonition, highlight); it
# is filtered against CLASSES.
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
# Attributes whose URL the browser fetches as the page loads (a link's href waits for a click).
SOURCE_ATTRIBUTES = frozenset({"src", "srcset", "poster", "data", "background"})

# The classes the course's Markdown extensions write (found by rendering every bank, glossary
# and lesson with the site's extension list): math for KaTeX, Pygments' token classes in
# highlighted code, admonitions and details with Material's types, footnotes.
ADMONITION_TYPES = frozenset(
    {
        "note", "abstract", "summary", "tldr", "info", "todo", "tip", "hint", "important",
        "success", "check", "done", "question", "help", "faq", "warning", "caution",
        "attention", "failure", "fail", "missing", "danger", "error", "bug", "example",
        "quote", "cite",
    }
)  # fmt: skip
CLASSES = frozenset(
    {"arithmatex", "highlight", "highlighttable", "linenos", "linenodiv", "filename", "hll"}
    | {"admonition", "admonition-title", "inline", "end"}
    | {"footnote", "footnote-ref", "footnote-backref"}
    | ADMONITION_TYPES
    | (set(STANDARD_TYPES.values()) - {""})
)
# Fenced code names its language ("language-python"); the name is never a layout class.
_LANGUAGE_CLASS = re.compile(r"language-[a-z0-9_+#.-]+")
# Ids the theme gives its own elements (Material's __drawer, __search, __consent, ...) would
# let a lesson take over their behaviour; highlighted code's line anchors are the exception.
_THEME_ID = re.compile(r"__(?!codelineno-)|md-|qk-")


def clean(html: str, *, lesson: bool = False) -> str:
    """`html` with everything outside the allow-list removed (script and style content too).

    `lesson=True` applies the lesson page's list, which also keeps ids (see the module's doc).
    """
    # link_rel=None: nh3 would otherwise add rel="noopener noreferrer" to every link, an
    # edit to legitimate HTML that buys nothing when no link can open a new window.
    return nh3.clean(
        html,
        tags=set(TAGS),
        attributes=clean_attributes(lesson=lesson),
        url_schemes=set(URL_SCHEMES),
        link_rel=None,
        filter_style_properties={"text-align"},
        attribute_filter=_filter,
    )


def clean_attributes(*, lesson: bool = False) -> dict[str, set[str]]:
    """The attributes kept on each tag: `ATTRIBUTES`, with ids everywhere for a lesson."""
    if lesson:
        return {**ATTRIBUTES, "*": ATTRIBUTES["*"] | {"id"}}
    return ATTRIBUTES


def _filter(tag: str, name: str, value: str) -> str | None:
    """What nh3 keeps of an attribute the lists allow: None drops it."""
    if name == "class":
        kept = [c for c in value.split() if allowed_class(c)]
        return " ".join(kept) or None
    if name in SOURCE_ATTRIBUTES and is_remote(value):
        return None
    if name == "id" and _THEME_ID.match(value):
        return None
    return value


def allowed_class(name: str) -> bool:
    """Whether content may give an element this class (`CLASSES`, or a code language)."""
    return name in CLASSES or bool(_LANGUAGE_CLASS.fullmatch(name))


def is_remote(url: str) -> bool:
    """Whether `url` names another host: a network scheme (http:, https:, ...) or `//host`.

    Read as a browser reads it: tabs and line breaks anywhere are dropped, leading spaces
    and control characters ignored, and a backslash counts as a slash ("/\\host/x").
    """
    text = re.sub(r"^[\x00-\x20]+", "", re.sub(r"[\t\n\r]", "", url)).replace("\\", "/")
    return text.startswith("//") or bool(_NETWORK_SCHEME.match(text))


_NETWORK_SCHEME = re.compile(r"(?:https?|ftp|wss?):", re.IGNORECASE)


_IN_LESSON = "in a lesson"


@dataclass(frozen=True)
class Removal:
    """One thing `clean` takes out: what to tell the author, and text that may show where."""

    message: str
    # Strings to look for in the Markdown source to find the line (the first one found wins).
    needles: tuple[str, ...]


def removals(html: str, *, lesson: bool = False) -> list[Removal]:
    """What `clean` takes out of `html`, one entry per removed tag, attribute or class.

    The sanitiser is the judge (it decodes entities and parses as a browser does); this only
    compares what went in with what came out, so the two can never disagree.
    """
    cleaned = clean(html, lesson=lesson)
    if cleaned == html:
        return []  # the common case, and much cheaper than parsing both
    where = _IN_LESSON if lesson else "in quiz text"
    before, after = _Census.of(html), _Census.of(cleaned)
    gone = [tag for tag, count in before.tags.items() if after.tags[tag] < count]
    # An allowed tag only goes with a forbidden element around it (an <a> inside <svg>):
    # naming the forbidden one is enough.
    found = [
        Removal(f"<{tag}> is not allowed {where}", (f"<{tag}",)) for tag in gone if tag not in TAGS
    ]
    if gone and not found:
        message = f"<{gone[0]}> is removed by the sanitiser: check the HTML around it"
        found.append(Removal(message, (f"<{gone[0]}",)))
    for (tag, name), values in before.attributes.items():
        if tag in gone:
            continue  # the whole element went (reported already)
        kept = after.attributes.get((tag, name), [])
        if name == "class":
            found += _class_removals(tag, values, kept, where)
            continue
        dropped = len(values) - len(kept)
        for value in ([v for v in values if v not in kept] or values)[: max(dropped, 0)]:
            # The value as written may be entity-encoded; its end usually is not.
            needles = (value, value[-12:], f"{name}=") if value else (f"{name}=",)
            if name.startswith("on"):
                needles = (f"{name}=", *needles)  # a handler's code may be anywhere
            found.append(Removal(_attribute_message(tag, name, value, where), needles))
    return found


def _class_removals(tag: str, values: list[str], kept: list[str], where: str) -> list[Removal]:
    """One Removal per class name `clean` took off elements `tag` (kept: what it left)."""
    dropped = Counter(c for v in values for c in v.split())
    dropped.subtract(c for v in kept for c in v.split())
    return [
        Removal(
            f"class {name!r} on <{tag}> is not allowed {where}: only the classes the course's"
            " Markdown extensions write (admonitions, math, code) may be given",
            (name,),
        )
        for name, count in dropped.items()
        if count > 0
    ]


def _attribute_message(tag: str, name: str, value: str, where: str) -> str:
    shown = value if len(value) <= 40 else value[:37] + "..."
    if name.startswith("on"):
        return f"event handler attribute {name}= on <{tag}> is not allowed"
    if name in SOURCE_ATTRIBUTES and is_remote(value):
        return (
            f"{name}={shown!r} on <{tag}> loads from another host: the site fetches nothing"
            " from elsewhere, so put the file beside the lesson and give a relative path"
        )
    if name in URL_ATTRIBUTES and name in ATTRIBUTES.get(tag, ()):
        return (
            f"{name}={shown!r} on <{tag}> is not allowed: URLs must be http(s), relative or"
            " a #fragment"
        )
    if name == "id" and "id" in clean_attributes(lesson=where == _IN_LESSON).get("*", ()):
        return f"id={shown!r} on <{tag}> is not allowed {where}: the theme's own elements use it"
    if name == "id":
        return (
            f"attribute id= on <{tag}> is not allowed {where}: an item is shown on several"
            " pages at once, where an id would not be unique"
        )
    return f"attribute {name}= on <{tag}> is not allowed {where}"


# -- titles ----------------------------------------------------------------------------------

# What would make a title more than plain text: HTML (<, >, &), attribute lists ({: ...}),
# links ([...]), code, emphasis, math and escapes, and line breaks. (Other control characters
# are refused in every text field: quizkit.bank.validate.control_characters.)
_TITLE_MARKUP = re.compile(r"[<>&{}\[\]`*$\\]|[\n\x85\u2028\u2029]")


def title_problem(text: str) -> str | None:
    """Why `text` cannot be a title (a heading and a page title: plain text on one line)."""
    match = _TITLE_MARKUP.search(text)
    if match is None:
        return None
    char = match.group()
    shown = repr(char) if char.isprintable() else f"U+{ord(char):04X}"
    return (
        f"a title is plain text on one line: {shown} is not allowed in it (it would become"
        " markup in the page's heading)"
    )


# Every character that Markdown, its extensions (attr_list's {...}, arithmatex's $) or HTML
# could read as markup in a heading; each is written as a numeric character reference, which
# Python-Markdown keeps as text.
_HEADING_SPECIAL = re.compile(r"[\\`*_{}\[\]()<>#+!|$&~^=]")


def heading_markdown(text: str) -> str:
    """`text` as the text of a Markdown heading that shows exactly `text` and nothing more.

    Line breaks and control characters become spaces (a heading is one line), and every
    character Markdown or HTML could read as markup is written as a character reference.
    """
    one_line = " ".join(re.sub(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", " ", text).split())
    return _HEADING_SPECIAL.sub(lambda m: f"&#{ord(m.group())};", one_line)


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
