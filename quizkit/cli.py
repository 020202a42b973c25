"""The `quizkit` command: check the course's quiz banks, or start a new lesson.

quizkit check [PATH ...]    validate banks (default: lessons_src/), run their evidence
quizkit new TOPIC           scaffold lessons_src/NN-topic/ with a bank that passes check
quizkit bundle OUT          write the course as a docs folder any Python-Markdown generator
                            builds (Zensical: `cd OUT && zensical build`)
"""

from __future__ import annotations

import argparse
import re
import sys
from importlib import resources
from pathlib import Path

from quizkit.bank.check import check_paths
from quizkit.bank.evidence import TIME_LIMIT
from quizkit.bank.mutate import engine_dependence
from quizkit.mkdocs.glossary import slugify
from quizkit.mkdocs.notebook_markdown import TIMEOUT as NOTEBOOK_TIMEOUT

DEFAULT_ROOT = "lessons_src"
_LESSON_DIR = re.compile(r"^(\d{2})-(.+)$")
# Item ids are at most 80 characters; the scaffold appends suffixes such as "-ordering".
_MAX_SLUG = 60


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 only when everything is fine)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 1
    return args.run(args)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="quizkit", description="Check Backprop Lab's quiz banks or scaffold a lesson."
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="validate quiz banks, run their evidence and the lessons' code",
        description="Validate every quiz.yml under the given paths, run each item's evidence "
        "against the engine, run every lesson's code cells and check the figures its prose "
        "quotes, print every problem as path:line: item-id: field: message, then a one-line "
        "summary. Exit status 0 only when there is no problem.",
    )
    check.add_argument("paths", nargs="*", default=[DEFAULT_ROOT], help="files or folders")
    check.add_argument(
        "--no-evidence",
        action="store_true",
        help="only validate; do not run any evidence or lesson code",
    )
    check.add_argument(
        "--time-limit",
        type=float,
        default=TIME_LIMIT,
        metavar="SECONDS",
        help=f"stop one item's evidence after this long (default {TIME_LIMIT:g})",
    )
    check.add_argument(
        "--mutation",
        action="store_true",
        help="also plant wrong keys and engine bugs: report how many wrong keys the evidence"
        " rejects, and which items' evidence depends on the engine",
    )
    check.set_defaults(run=_check)

    new = commands.add_parser(
        "new",
        help="scaffold a new lesson folder",
        description="Create ROOT/NN-topic/ (NN = the next free number) with a lesson stub and "
        "a quiz bank holding one example of every kind, which passes `quizkit check`.",
    )
    new.add_argument("topic", help='the lesson\'s topic, e.g. "vanishing gradients"')
    new.add_argument(
        "--root", default=DEFAULT_ROOT, help=f"lessons folder (default {DEFAULT_ROOT})"
    )
    new.set_defaults(run=_new)

    bundle = commands.add_parser(
        "bundle",
        help="write the course as a docs folder that any Python-Markdown generator builds",
        description="Write OUT/docs (the docs pages, every lesson and quiz page, the quiz "
        "widgets, KaTeX and the Pyodide runtime) and OUT/mkdocs.yml (the lessons in the nav, "
        "no MkDocs-only plugin), for a generator that runs no MkDocs plugin: "
        "`cd OUT && zensical build`. Notebook lessons are run in a Jupyter kernel and "
        "written as Markdown with their outputs and plots. Run it again after changing the "
        "docs or the lessons: OUT holds copies of their pages. Content errors are printed as "
        "path:line: ... like the build's.",
    )
    bundle.add_argument("out", help="the folder to write (new, or an earlier bundle)")
    bundle.add_argument("-f", "--config-file", default="mkdocs.yml", help="the site's mkdocs.yml")
    bundle.add_argument(
        "--no-runtime", action="store_true", help="leave out the in-browser Python (Pyodide)"
    )
    bundle.add_argument(
        "--notebook-timeout",
        type=float,
        default=NOTEBOOK_TIMEOUT,
        metavar="SECONDS",
        help="stop a notebook lesson whose cells have run this long together, as a content"
        f" error (default {NOTEBOOK_TIMEOUT:g})",
    )
    bundle.set_defaults(run=_bundle)
    return parser


def _check(args: argparse.Namespace) -> int:
    report = check_paths(args.paths, run_evidence=not args.no_evidence, time_limit=args.time_limit)
    for problem in report.problems:
        print(problem)
    balance = report.balance
    for line in balance.lines():
        print(line)
    # A warning, not a problem: one lesson checked alone may lean either way; the test
    # suite holds the whole course to these targets.
    for sentence in balance.outside_targets():
        print(f"balance warning: {sentence}")
    mutation_problems = 0
    if args.mutation and not args.no_evidence:
        mutation_problems = _print_mutation(report)
    print(report.summary(mutation_problems))
    return 1 if report.problems or mutation_problems else 0


def _print_mutation(report) -> int:
    """Print both mutation reports; return how many problems they found."""
    score = report.mutation()
    for survivor in score.survivors:
        print(f"mutant survived: {survivor}")
    dependence = engine_dependence(report.banks, report.outcomes)
    problems = dependence.problems()
    for problem in problems:
        print(problem)
    for path, index in dependence.conceptual:
        item = dependence.items[(path, index)]
        print(f"conceptual: {path}: {item.id}: {item.conceptual.strip()}")
    for bug in dependence.unnoticed_bugs():
        print(f"engine bug no item notices: {bug.id}: {bug.description}")
    print(f"key mutation score: {score.killed}/{score.total} ({100 * score.ratio:.1f}%)")
    print(
        f"engine dependence: {len(dependence.dependent)}/{dependence.total} items"
        f" ({100 * dependence.ratio:.1f}%) notice at least one of {len(dependence.bugs)}"
        f" planted engine bugs; {len(dependence.conceptual)} conceptual"
        f" ({dependence.seconds:.1f} s)"
    )
    return len(score.survivors) + len(problems)


def _bundle(args: argparse.Namespace) -> int:
    from quizkit.mkdocs.bundle import BundleError, write_bundle
    from quizkit.mkdocs.lessons import ContentError
    from quizkit.mkdocs.runtime_files import RuntimeBundleError

    config = Path(args.config_file)
    if not config.is_file():
        print(f"quizkit bundle: {config} not found", file=sys.stderr)
        return 1
    # Paths in messages relative to mkdocs.yml, as the build prints them.
    root = f"{config.resolve().parent}/"
    try:
        done = write_bundle(
            config,
            Path(args.out),
            with_runtime=not args.no_runtime,
            notebook_timeout=args.notebook_timeout,
        )
    except ContentError as exc:
        lines = [message.replace(root, "") for message in exc.messages]
        print("quizkit bundle: content errors:", *lines, sep="\n", file=sys.stderr)
        return 1
    except (BundleError, FileNotFoundError, RuntimeBundleError) as exc:
        print(f"quizkit bundle: {str(exc).replace(root, '')}", file=sys.stderr)
        return 1
    print(f"wrote {len(done.pages)} pages and {done.config}")
    if done.runtime:
        print(f"runtime: {done.runtime}")
    print(f"build it with: cd {done.config.parent} && zensical build")
    return 0


def lesson_slug(topic: str) -> str:
    """ "Vanishing gradients!" -> "vanishing-gradients" (what folder names and ids use):
    glossary.slugify, cut to a length that leaves room for the ids' suffixes."""
    return slugify(topic)[:_MAX_SLUG].strip("-")


def _new(args: argparse.Namespace) -> int:
    slug = lesson_slug(args.topic)
    if not slug:
        print(
            f"quizkit new: {args.topic!r} has no ASCII letter or digit to name a folder with:"
            " give the topic in Latin letters (the lesson's title can be changed after)"
        )
        return 1
    root = Path(args.root)
    if root.exists() and not root.is_dir():
        print(f"quizkit new: {root} is not a folder")
        return 1
    numbers = []
    for entry in sorted(root.iterdir()) if root.is_dir() else []:
        match = _LESSON_DIR.match(entry.name)
        if not match or not entry.is_dir():
            continue
        if match.group(2) == slug:
            print(f"quizkit new: {entry} already exists for this topic; not overwriting it")
            return 1
        numbers.append(int(match.group(1)))
    number = max(numbers, default=0) + 1
    if number > 99:
        print(f"quizkit new: {root} already has lesson 99; folder numbers have two digits")
        return 1
    folder = root / f"{number:02d}-{slug}"
    # The topic as typed, unless it was typed as a folder name ("Vanishing-gradients").
    topic = " ".join(args.topic.split())
    typed_as_slug = topic[:1].lower() + topic[1:] == slug
    title = topic.replace("-", " ") if typed_as_slug else topic
    # Capitalised one letter for one ("ﬁne-tuning" is not "FIne-tuning", nor "ß" "SS").
    first = title[:1].upper() if len(title[:1].upper()) == 1 else title[:1]
    # The title sits inside a double-quoted YAML string in the template.
    title = (first + title[1:]).replace('"', "'").replace("\\", "/")
    try:
        folder.mkdir(parents=True, exist_ok=False)
    except FileExistsError:
        print(f"quizkit new: {folder} already exists; not overwriting it")
        return 1
    templates = resources.files("quizkit.scaffold")
    for name in ("lesson.md", "quiz.yml"):
        text = templates.joinpath(name).read_text(encoding="utf-8")
        text = text.replace("__TITLE__", title).replace("__SLUG__", slug)
        (folder / name).write_text(text, encoding="utf-8")
    print(f"created {folder}/lesson.md and {folder}/quiz.yml")
    print(f"next: replace the examples with your own, then run: quizkit check {folder}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
