"""The static files the plugin adds to every site: our widgets and a self-hosted KaTeX."""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator
from pathlib import Path

KATEX = "assets/katex"
KATEX_CSS = f"{KATEX}/katex.min.css"
KATEX_JS = f"{KATEX}/katex.min.js"
KATEX_AUTO_RENDER = f"{KATEX}/contrib/auto-render.min.js"


def web_files(web_dir: Path, prefix: str) -> Iterator[tuple[str, Path]]:
    """(site URI, source path) of every file of quizkit/web, copied under `prefix`."""
    for path in sorted(web_dir.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            yield f"{prefix}/{path.relative_to(web_dir).as_posix()}", path


def katex_files(dist: Path) -> list[tuple[str, Path]]:
    """KaTeX's script, style sheet, auto-render extension and fonts from its npm package."""
    needed = [dist / "katex.min.js", dist / "katex.min.css", dist / "contrib/auto-render.min.js"]
    missing = [str(p) for p in needed if not p.is_file()]
    if missing or not (dist / "fonts").is_dir():
        raise FileNotFoundError(
            f"KaTeX not found at {dist} (missing: {', '.join(missing) or 'fonts/'});"
            " run `npm ci` to install it"
        )
    fonts = sorted(p for p in (dist / "fonts").iterdir() if p.is_file())
    return [(f"{KATEX}/{p.relative_to(dist).as_posix()}", p) for p in needed + fonts]


# A url() in a style sheet (CSS's names are case-insensitive): its target, quoted or not.
CSS_URL = re.compile(r"""url\(\s*(?P<quote>['"]?)(?P<target>[^'")]+)(?P=quote)\s*\)""", re.I)
CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)


def stylesheet(parts: list[tuple[str, Path]], uri: str) -> str:
    """The style sheets `parts` ((site URI, source file), in cascade order) as one sheet to be
    served at `uri`, so a page makes one request for them instead of one each: every request a
    style sheet adds holds up the page's first paint (on the chain-rule lesson, Lighthouse's
    simulated first paint 1.96 s with four sheets of ours, 1.81 s with one). A relative url()
    is rewritten to resolve from `uri` as it did from its sheet's own URI (KaTeX's fonts).
    Raises ValueError for an @import, which is only valid at the start of a sheet."""
    out = []
    for part_uri, path in parts:
        text = path.read_text(encoding="utf-8")
        if "@import" in CSS_COMMENT.sub("", text).lower():
            raise ValueError(f"{path}: @import cannot be joined into {uri}; link that sheet")

        def rebase(match: re.Match, part_uri: str = part_uri) -> str:
            target = match["target"].strip()
            if re.match(r"[a-z][a-z0-9+.-]*:|/|#", target, re.I):  # data:, absolute, fragment
                return match[0]
            # The path is rebased; a query or fragment (a font's ?#iefix) is kept as it is.
            rest = re.search(r"[?#]", target)
            path_part, tail = (
                (target[: rest.start()], target[rest.start() :]) if rest else (target, "")
            )
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(part_uri), path_part))
            rebased = posixpath.relpath(resolved, posixpath.dirname(uri)) + tail
            # Quoted, so that a space or a parenthesis in the name stays part of it.
            escaped = rebased.replace("\\", "\\\\").replace('"', '\\"')
            return f'url("{escaped}")'

        out.append(f"/* {part_uri} */\n{CSS_URL.sub(rebase, text).strip()}\n")
    return "\n".join(out)
