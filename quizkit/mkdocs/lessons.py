"""Finding the lessons: one folder per lesson under lessons_src/, taken in folder order."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FOLDER = re.compile(r"^(?P<number>\d+)-(?P<topic>[a-z0-9][a-z0-9-]*)$")
MARKDOWN_TITLE = re.compile(r"^# +(?P<title>\S.*?)\s*$", re.MULTILINE)
# In a Jupytext percent-format file a Markdown cell's lines are commented out with "# ",
# so a Markdown title reads "# # Title".
NOTEBOOK_TITLE = re.compile(r"^# # +(?P<title>\S.*?)\s*$", re.MULTILINE)


class ContentError(Exception):
    """Content that cannot be built; each message names the file and what is wrong."""

    def __init__(self, messages: list[str]):
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class Lesson:
    """One lesson folder and the files found in it."""

    folder: Path
    number: int
    topic: str
    title: str
    source: Path
    bank_path: Path | None
    terms_path: Path | None

    @property
    def is_notebook(self) -> bool:
        """True for a Jupytext percent-format lesson.py, executed at build time."""
        return self.source.suffix == ".py"

    @property
    def name(self) -> str:
        """The folder name, e.g. "02-chain-rule"."""
        return self.folder.name


def read_title(source: Path) -> str | None:
    """The lesson's title: its first level-one Markdown heading, or None when there is none."""
    pattern = NOTEBOOK_TITLE if source.suffix == ".py" else MARKDOWN_TITLE
    text = source.read_text(encoding="utf-8")
    if source.suffix == ".md":
        # A heading inside a fenced code block is code, not the title.
        text = re.sub(r"^(```|~~~).*?^\1", "", text, flags=re.MULTILINE | re.DOTALL)
    match = pattern.search(text)
    return match.group("title") if match else None


def discover(lessons_dir: Path) -> list[Lesson]:
    """Every lesson under `lessons_dir`, sorted by folder name (so by its number).

    A lesson folder is named NN-topic and holds exactly one of lesson.md or lesson.py,
    optionally quiz.yml and terms.yml. Raises ContentError listing every problem found.
    """
    if not lessons_dir.is_dir():
        raise ContentError([f"{lessons_dir}: lessons folder not found"])
    lessons: list[Lesson] = []
    errors: list[str] = []
    topics: dict[str, Path] = {}
    for folder in sorted(p for p in lessons_dir.iterdir() if p.is_dir()):
        if folder.name.startswith((".", "_")):
            continue
        match = FOLDER.match(folder.name)
        if not match:
            errors.append(f"{folder}: lesson folders are named NN-topic, e.g. 02-chain-rule")
            continue
        sources = [folder / n for n in ("lesson.md", "lesson.py") if (folder / n).is_file()]
        if len(sources) != 1:
            found = "both lesson.md and lesson.py" if sources else "no lesson.md or lesson.py"
            errors.append(f"{folder}: expected one lesson file, found {found}")
            continue
        source = sources[0]
        title = read_title(source)
        if title is None:
            errors.append(f"{source}:1: no level-one '# ' heading to use as the title")
            continue
        topic = match.group("topic")
        if topic in topics:
            errors.append(f"{folder}: topic '{topic}' is also used by {topics[topic]}")
            continue
        topics[topic] = folder
        lessons.append(
            Lesson(
                folder=folder,
                number=int(match.group("number")),
                topic=topic,
                title=title,
                source=source,
                bank_path=_optional(folder / "quiz.yml"),
                terms_path=_optional(folder / "terms.yml"),
            )
        )
    if errors:
        raise ContentError(errors)
    return lessons


def _optional(path: Path) -> Path | None:
    return path if path.is_file() else None


# A link from one lesson to another, written as the other lesson's folder in the source tree
# (`[lesson 6](../06-efficiency/)`, optionally naming its lesson file and an anchor). It
# works when the Markdown is read on GitHub, and the writer need not know where the page is
# built or whether that lesson is a notebook: `lesson_links` turns it into the page's source
# path, which MkDocs then checks in strict mode like any other link.
LESSON_LINK = re.compile(
    r"\]\(\.\./(?P<folder>\d+-[a-z0-9][a-z0-9-]*)/(?:lesson\.(?:md|py))?(?P<anchor>#[^)\s]*)?\)"
)


def lesson_links(
    markdown: str, source: Path, lessons: list[Lesson], page_src: dict[str, str]
) -> tuple[str, list[str]]:
    """`markdown` with every link to `../NN-topic/` pointing at that lesson's page source.

    `page_src` maps a lesson folder's name to its page's path relative to the lessons' pages
    (`efficiency/index.py`). Returns the new text and a `path:line: link: ...` message for
    each link to a folder that is not a lesson.
    """
    folders = {lesson.folder.name for lesson in lessons}
    errors: list[str] = []

    def replace(match: re.Match) -> str:
        folder = match.group("folder")
        if folder not in folders:
            line = markdown.count("\n", 0, match.start()) + 1
            known = ", ".join(sorted(folders))
            errors.append(
                f"{source}:{line}: link: ../{folder}/ is not a lesson folder (lessons: {known})"
            )
            return match.group(0)
        return f"](../{page_src[folder]}{match.group('anchor') or ''})"

    return LESSON_LINK.sub(replace, markdown), errors
