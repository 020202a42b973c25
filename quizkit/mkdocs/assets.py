"""The static files the plugin adds to every site: our widgets and a self-hosted KaTeX."""

from __future__ import annotations

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
