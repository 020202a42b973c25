"""Malformed banks and the exact report each must produce.

tests/content/bad/ holds one deliberately broken bank per case (a folder of lesson banks
when the problem spans banks) and, beside it, `<case>.expected`: the exact lines
`quizkit check <case>` prints for it, in order, run from inside bad/. Every problem must
be reported, on the right line, and nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from quizkit.bank.check import check_paths

BAD = Path(__file__).parent / "bad"
CASES = sorted(p.name for p in BAD.iterdir() if p.suffix == ".yml" or p.is_dir())
# Short, so the runaway-evidence case costs little; every other case finishes far sooner.
TIME_LIMIT = 1.0


def expected_path(case: str) -> Path:
    return BAD / f"{Path(case).stem}.expected"


def test_there_are_at_least_30_cases_each_with_its_expected_report():
    assert len(CASES) >= 30
    assert [c for c in CASES if not expected_path(c).exists()] == []
    expected = sorted(p.stem for p in BAD.glob("*.expected"))
    assert expected == sorted(Path(c).stem for c in CASES), "an .expected file has no case"


@pytest.mark.parametrize("case", CASES)
def test_bad_bank_reports_exactly_its_problems(case, monkeypatch):
    monkeypatch.chdir(BAD)
    report = check_paths([case], time_limit=TIME_LIMIT)
    expected = expected_path(case).read_text(encoding="utf-8").splitlines()
    assert expected, "a bad bank must produce at least one problem"
    assert [str(problem) for problem in report.problems] == expected
