"""Checking a whole course: load every bank, validate it, run its evidence, count it; run
every lesson's code and judge the figures its prose quotes (quizkit.bank.lesson_code); read
every glossary (terms.yml) as the build reads it.

`check_paths` is what `quizkit check`, the tests and bench/validate.py all call, so the
three can never disagree about what "valid" means.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from quizkit.mkdocs.glossary import duplicate_terms, read_terms

from . import evidence
from .balance import Balance, balance
from .engine_mutants import EngineState
from .lesson_code import LESSON_FILES, LessonReport, check_lesson, is_lesson_file
from .load import LoadedBank, load_bank
from .model import KINDS
from .mutate import Score, score_item
from .problem import BANK, Problem
from .validate import check_bank, duplicate_ids

BANK_FILE = "quiz.yml"
TERMS_FILE = "terms.yml"


@dataclass
class Report:
    """Everything one check found."""

    banks: list[LoadedBank] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # (bank path, item index) -> what that item's evidence established
    outcomes: dict[tuple[str, int], evidence.Outcome] = field(default_factory=dict)
    lessons: list[LessonReport] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def items(self) -> int:
        """Items written in the banks, valid or not."""
        total = 0
        for loaded in self.banks:
            raw = loaded.raw.get("items") if isinstance(loaded.raw, dict) else None
            total += len(raw) if isinstance(raw, list) else 0
        return total

    @property
    def kinds(self) -> Counter:
        """How many valid items of each kind."""
        return Counter(item.kind for loaded in self.banks for _, item in loaded.items)

    @property
    def clean(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems

    def summary(self, more_problems: int = 0) -> str:
        """One line: banks, items, kinds, lessons (when any), seconds and the verdict.

        `more_problems` counts problems found beyond `problems` (the mutation report's)."""
        kinds = self.kinds
        shown = ", ".join(f"{kind} {kinds[kind]}" for kind in KINDS if kinds[kind])
        count = len(self.problems) + more_problems
        verdict = "clean" if not count else _plural(count, "problem")
        lessons = ""
        if self.lessons:
            cells = sum(len(report.lesson.cells) for report in self.lessons)
            figures = sum(len(report.lesson.markers) for report in self.lessons)
            ran = "" if all(report.ran for report in self.lessons) else ", not run"
            lessons = (
                f", {_plural(len(self.lessons), 'lesson')}"
                f" ({_plural(cells, 'cell')}, {_plural(figures, 'figure')}{ran})"
            )
        return (
            f"{_plural(len(self.banks), 'bank')}, {_plural(self.items, 'item')}"
            f" ({shown or 'none valid'}){lessons} in {self.seconds:.1f} s: {verdict}"
        )

    @property
    def balance(self) -> Balance:
        """The guessing-rule figures of these banks (quizkit.bank.balance)."""
        return balance(self.banks)

    def mutation(self) -> Score:
        """The mutation score of every item whose evidence ran cleanly."""
        total = Score()
        for loaded in self.banks:
            for index, item in loaded.items:
                outcome = self.outcomes.get((loaded.path, index))
                if outcome is not None and not outcome.problems:
                    total.add(score_item(loaded, index, item, outcome))
        return total


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def find_banks(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """Every quiz.yml named by `paths` (files as given, folders searched recursively).

    A lesson file given, or a folder holding lessons but no bank, is no problem here:
    `find_lessons` takes it.
    """
    found: list[Path] = []
    problems: list[Problem] = []
    for path in map(Path, paths):
        if path.is_dir():
            banks = sorted(path.rglob(BANK_FILE))
            if not banks and not _lessons_under(path):
                problems.append(Problem(str(path), 1, BANK, "-", f"no {BANK_FILE} found here"))
            found += banks
        elif path.is_file():
            if not is_lesson_file(path) and path.name != TERMS_FILE:
                found.append(path)
        else:
            problems.append(Problem(str(path), 1, BANK, "-", "no such file or directory"))
    return found, problems


def find_lessons(paths: Iterable[str | Path], banks: Iterable[Path]) -> list[Path]:
    """The lesson of every bank's folder, and every lesson file named by `paths`."""
    found: list[Path] = []
    for bank in banks:
        found += [bank.parent / name for name in LESSON_FILES if (bank.parent / name).is_file()]
    for path in map(Path, paths):
        if path.is_dir():
            found += _lessons_under(path)
        elif path.is_file() and is_lesson_file(path):
            found.append(path)
    return list(dict.fromkeys(found))


def find_terms(paths: Iterable[str | Path], folders: Iterable[Path]) -> list[Path]:
    """The terms.yml of every lesson folder in `folders`, and every terms.yml in `paths`."""
    found = [folder / TERMS_FILE for folder in folders if (folder / TERMS_FILE).is_file()]
    found += [Path(p) for p in paths if Path(p).name == TERMS_FILE and Path(p).is_file()]
    return list(dict.fromkeys(found))


def terms_problems(files: Iterable[Path]) -> list[Problem]:
    """Every problem of these glossaries, as the build finds them (quizkit.mkdocs.glossary):
    each file's own, then spellings defined twice among them."""
    problems: list[Problem] = []
    groups = []
    for path in files:
        terms, found = read_terms(path)
        groups.append(terms)
        problems += found
    return problems + duplicate_terms(groups)


def _lessons_under(folder: Path) -> list[Path]:
    return sorted(p for name in LESSON_FILES for p in folder.rglob(name) if p.is_file())


def check_paths(
    paths: Iterable[str | Path],
    *,
    run_evidence: bool = True,
    time_limit: float = evidence.TIME_LIMIT,
) -> Report:
    """Load, validate and (unless `run_evidence` is False) run the evidence of every bank
    and the code of every lesson (see `find_lessons`), judging its prose figures."""
    started = time.perf_counter()
    paths = list(paths)  # read twice: for banks, then for lessons
    files, problems = find_banks(paths)
    report = Report(problems=problems)
    report.banks = [load_bank(path) for path in files]
    engine_error = _engine_error() if run_evidence else None
    report.problems += content_problems(report.banks)
    for loaded in report.banks:
        if engine_error:
            message = f"cannot run evidence: the engine does not import ({engine_error})"
            report.problems.append(Problem(loaded.path, 1, BANK, "evidence", message))
        elif run_evidence:
            for index, item in loaded.items:
                engine = EngineState.capture()
                outcome = evidence.check(loaded, index, item, time_limit)
                changed = engine.changes()
                if changed:
                    # Evidence shares this process's engine: undo the change, or every later
                    # item (and the mutation run) would be judged against the altered one.
                    engine.restore()
                    message = (
                        f"evidence changes the engine ({', '.join(changed[:3])}), which every"
                        " later item would then see: change a copy instead"
                    )
                    outcome.problems.append(loaded.problem(("items", index, "evidence"), message))
                report.outcomes[(loaded.path, index)] = outcome
                report.problems += outcome.problems
    lessons = find_lessons(paths, files)
    for path in lessons:
        lesson = check_lesson(path, run=run_evidence, time_limit=time_limit)
        report.lessons.append(lesson)
        report.problems += lesson.problems
    folders = dict.fromkeys(p.parent for p in [*files, *lessons])
    report.problems += terms_problems(find_terms(paths, folders))
    # Files in the order they were checked: missing paths, then banks, then the rest.
    order = [*(p.path for p in problems), *(b.path for b in report.banks)]
    report.problems = _sorted_unique(report.problems, order)
    report.seconds = time.perf_counter() - started
    return report


def content_problems(banks: list[LoadedBank]) -> list[Problem]:
    """Everything wrong with loaded banks that running no code can find: what the loader
    found, each bank's content rules (validate.check_bank) and ids used twice in the course.

    The one definition of "the content checks": `quizkit check --no-evidence` and the site
    build (quizkit.mkdocs.plugin) both report exactly these.
    """
    reserved = evidence.reserved_names()
    problems: list[Problem] = []
    for loaded in banks:
        problems += loaded.problems
        problems += check_bank(loaded, reserved)
    return _sorted_unique(problems + duplicate_ids(banks), [b.path for b in banks])


def _engine_error() -> str | None:
    try:
        evidence.namespace()
    except Exception as exc:  # an engine that fails to import is reported, not raised
        return f"{type(exc).__name__}: {exc}"
    return None


def _sorted_unique(problems: list[Problem], files: list[str]) -> list[Problem]:
    seen: set[Problem] = set()
    unique = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            unique.append(problem)
    # Stable on line order within a file; files in the order given, then as first reported.
    order = {path: i for i, path in enumerate(dict.fromkeys([*files, *(p.path for p in unique)]))}
    return sorted(unique, key=lambda p: (order[p.path], p.line))
