"""Checking a whole course: load every bank, validate it, run its evidence, count it.

`check_paths` is what `quizkit check`, the tests and bench/validate.py all call, so the
three can never disagree about what "valid" means.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from . import evidence
from .load import LoadedBank, load_bank
from .model import KINDS
from .mutate import Score, score_item
from .problem import BANK, Problem
from .validate import check_bank, duplicate_ids

BANK_FILE = "quiz.yml"


@dataclass
class Report:
    """Everything one check found."""

    banks: list[LoadedBank] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # (bank path, item index) -> what that item's evidence established
    outcomes: dict[tuple[str, int], evidence.Outcome] = field(default_factory=dict)
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

    def summary(self) -> str:
        """One line: banks, items, kinds, seconds and the verdict."""
        kinds = self.kinds
        shown = ", ".join(f"{kind} {kinds[kind]}" for kind in KINDS if kinds[kind])
        verdict = "clean" if self.clean else _plural(len(self.problems), "problem")
        return (
            f"{_plural(len(self.banks), 'bank')}, {_plural(self.items, 'item')}"
            f" ({shown or 'none valid'}) in {self.seconds:.1f} s: {verdict}"
        )

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
    """Every quiz.yml named by `paths` (files as given, folders searched recursively)."""
    found: list[Path] = []
    problems: list[Problem] = []
    for path in map(Path, paths):
        if path.is_dir():
            banks = sorted(path.rglob(BANK_FILE))
            if not banks:
                problems.append(Problem(str(path), 1, BANK, "-", f"no {BANK_FILE} found here"))
            found += banks
        elif path.is_file():
            found.append(path)
        else:
            problems.append(Problem(str(path), 1, BANK, "-", "no such file or directory"))
    return found, problems


def check_paths(
    paths: Iterable[str | Path],
    *,
    run_evidence: bool = True,
    time_limit: float = evidence.TIME_LIMIT,
) -> Report:
    """Load, validate and (unless `run_evidence` is False) run the evidence of every bank."""
    started = time.perf_counter()
    files, problems = find_banks(paths)
    report = Report(problems=problems)
    report.banks = [load_bank(path) for path in files]
    engine_error = _engine_error() if run_evidence else None
    reserved = evidence.reserved_names()
    for loaded in report.banks:
        report.problems += loaded.problems
        report.problems += check_bank(loaded, reserved)
        if engine_error:
            message = f"cannot run evidence: the engine does not import ({engine_error})"
            report.problems.append(Problem(loaded.path, 1, BANK, "evidence", message))
        elif run_evidence:
            for index, item in loaded.items:
                outcome = evidence.check(loaded, index, item, time_limit)
                report.outcomes[(loaded.path, index)] = outcome
                report.problems += outcome.problems
    report.problems += duplicate_ids(report.banks)
    report.problems = _sorted_unique(report.problems)
    report.seconds = time.perf_counter() - started
    return report


def _engine_error() -> str | None:
    try:
        evidence.namespace()
    except Exception as exc:  # an engine that fails to import is reported, not raised
        return f"{type(exc).__name__}: {exc}"
    return None


def _sorted_unique(problems: list[Problem]) -> list[Problem]:
    seen: set[Problem] = set()
    unique = []
    for problem in problems:
        if problem not in seen:
            seen.add(problem)
            unique.append(problem)
    # Stable on line order within a file; files in the order they were checked.
    order = {path: i for i, path in enumerate(dict.fromkeys(p.path for p in unique))}
    return sorted(unique, key=lambda p: (order[p.path], p.line))
