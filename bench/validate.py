"""How long `quizkit check` takes: every bank loaded, validated and its evidence run.

    python bench/validate.py [PATH ...]        (default: lessons_src/)

Prints the time for the course as it is and, when it has fewer than 120 items, for a
course scaled up to 120 items by repeating its banks under fresh ids, since the target
is "at most 10 s for 120 items on a 2-core machine". The slowest items are listed so a
regression points at its cause. Then it times `quizkit check --mutation`'s engine-bug run on
the course as it is: until each item has noticed one planted bug (what the test suite runs on
every CI run, against a target of 60 s), and every bug on every item (what
`quizkit check --mutation` prints).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import yaml

from quizkit.bank.check import check_paths
from quizkit.bank.load import load_bank
from quizkit.bank.mutate import engine_dependence

TARGET_ITEMS = 120
TARGET_SECONDS = 10.0
TARGET_ENGINE_MUTANT_SECONDS = 60.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=["lessons_src"])
    parser.add_argument("--items", type=int, default=TARGET_ITEMS, help="size of the scaled run")
    args = parser.parse_args(argv)

    report = check_paths(args.paths)
    print(f"course: {report.summary()}")
    slowest = sorted(
        ((outcome.seconds, path, index) for (path, index), outcome in report.outcomes.items()),
        reverse=True,
    )[:5]
    for seconds, path, index in slowest:
        print(f"  {seconds * 1000:7.1f} ms  {path}: {_item_id(report, path, index)}")

    seconds = report.seconds
    items = report.items
    if 0 < items < args.items:
        with tempfile.TemporaryDirectory(prefix="quizkit-bench-") as tmp:
            items = _scaled_copy([b.path for b in report.banks], Path(tmp), args.items)
            scaled = check_paths([tmp])
            seconds = scaled.seconds
            print(f"scaled: {scaled.summary()}")
    verdict = "within" if seconds <= TARGET_SECONDS * items / TARGET_ITEMS else "OVER"
    print(
        f"validate: {items} items in {seconds:.2f} s ({1000 * seconds / max(items, 1):.1f} ms"
        f" per item); target {TARGET_SECONDS:g} s per {TARGET_ITEMS} items: {verdict}"
    )
    first = engine_dependence(report.banks, report.outcomes, every_bug=False)
    verdict = "within" if first.seconds <= TARGET_ENGINE_MUTANT_SECONDS else "OVER"
    print(
        f"engine mutants, until each item notices one (the test suite's run):"
        f" {len(first.dependent)}/{first.total} items depend on the engine in"
        f" {first.seconds:.1f} s; target {TARGET_ENGINE_MUTANT_SECONDS:g} s: {verdict}"
    )
    full = engine_dependence(report.banks, report.outcomes)
    print(
        f"engine mutants, every bug on every item (quizkit check --mutation):"
        f" {len(full.bugs)} bugs x {full.total} items in {full.seconds:.1f} s"
    )
    return 0 if report.clean else 1


def _item_id(report, path: str, index: int) -> str:
    for loaded in report.banks:
        if loaded.path == path:
            return loaded.item_id(index)
    return f"items[{index}]"


def _scaled_copy(paths: list[str], folder: Path, wanted: int) -> int:
    """Write copies of the banks (ids suffixed -copyN) until `wanted` items; return the count."""
    banks = [yaml.safe_load(Path(p).read_text()) for p in paths if load_bank(p).bank]
    total, copy = 0, 0
    while total < wanted and banks:
        for bank in banks:
            items = bank["items"][: wanted - total]
            if not items:
                break
            renamed = [{**item, "id": f"{item['id']}-copy{copy}"} for item in items]
            target = folder / f"{copy:02d}-{len(list(folder.iterdir())):03d}" / "quiz.yml"
            target.parent.mkdir()
            target.write_text(yaml.safe_dump({**bank, "items": renamed}, sort_keys=False))
            total += len(renamed)
        copy += 1
    return total


if __name__ == "__main__":
    sys.exit(main())
