"""The course's own banks: every item's evidence runs and kills every wrong key.

Each item is its own test (the test id is the item id), so a failure names the item.
"""

from __future__ import annotations

import pytest
from bankhelp import load_real, real_bank_paths

from quizkit.bank import evidence
from quizkit.bank.balance import balance
from quizkit.bank.evidence import reserved_names
from quizkit.bank.mutate import Score, engine_dependence, mutants, score_item
from quizkit.bank.validate import check_bank, duplicate_ids

BANKS = [load_real(path) for path in real_bank_paths()]
ITEMS = [
    pytest.param(loaded, index, item, id=item.id)
    for loaded in BANKS
    for index, item in loaded.items
]
# short_answer and interview are self-assessed: they have no key to mutate.
KEYED = [param for param in ITEMS if param.values[2].kind not in ("short_answer", "interview")]

_OUTCOMES: dict[tuple[str, int], evidence.Outcome] = {}


def outcome_of(loaded, index, item) -> evidence.Outcome:
    """Each item's evidence runs once per session, however many tests look at it."""
    key = (loaded.path, index)
    if key not in _OUTCOMES:
        _OUTCOMES[key] = evidence.check(loaded, index, item)
    return _OUTCOMES[key]


@pytest.mark.parametrize("loaded", BANKS, ids=lambda b: b.path)
def test_bank_is_valid(loaded):
    problems = loaded.problems + check_bank(loaded, reserved_names())
    assert not problems, "\n".join(map(str, problems))


def test_ids_are_unique_across_the_course():
    problems = duplicate_ids(BANKS)
    assert not problems, "\n".join(map(str, problems))


def test_every_kind_is_in_the_course():
    kinds = {item.kind for loaded in BANKS for _, item in loaded.items}
    assert kinds == {"mcq", "true_false", "short_answer", "matching", "ordering",
                     "numeric_trace", "interview"}  # fmt: skip


@pytest.mark.parametrize(("loaded", "index", "item"), ITEMS)
def test_item_evidence(loaded, index, item):
    outcome = outcome_of(loaded, index, item)
    assert not outcome.problems, "\n".join(map(str, outcome.problems))


@pytest.mark.parametrize(("loaded", "index", "item"), KEYED)
def test_item_mutants_are_all_killed(loaded, index, item):
    outcome = outcome_of(loaded, index, item)
    assert not outcome.problems, "the item's own evidence fails; see test_item_evidence"
    assert mutants(item, outcome), "an item with a key must have wrong keys to try"
    score = score_item(loaded, index, item, outcome)
    assert score.killed == score.total, "\n".join(score.survivors)


def test_mutation_score_of_the_course_is_100_percent():
    total = Score()
    for param in KEYED:
        loaded, index, item = param.values
        outcome = outcome_of(loaded, index, item)
        if not outcome.problems:
            total.add(score_item(loaded, index, item, outcome))
    print(f"mutation score: {total.killed}/{total.total} ({100 * total.ratio:.1f}%)")
    assert total.total > 0
    assert total.ratio == 1.0, "\n".join(total.survivors)


def test_the_course_depends_on_the_engine():
    """≥ 90% of items notice a planted engine bug; every numeric trace, matching and ordering
    item does; every other item either does or says why it cannot (`conceptual`)."""
    outcomes = {}
    for param in ITEMS:
        loaded, index, item = param.values
        outcomes[(loaded.path, index)] = outcome_of(loaded, index, item)
    assert all(not o.problems for o in outcomes.values()), "see test_item_evidence"
    dependence = engine_dependence(BANKS, outcomes, every_bug=False)
    print(
        f"engine dependence: {len(dependence.dependent)}/{dependence.total}"
        f" ({100 * dependence.ratio:.1f}%), {len(dependence.conceptual)} conceptual"
    )
    problems = dependence.problems()
    assert not problems, "\n".join(map(str, problems))
    must = {"numeric_trace", "matching", "ordering"}
    independent = [
        dependence.items[key].id
        for key in dependence.items
        if dependence.items[key].kind in must and not dependence.noticed.get(key)
    ]
    assert independent == []
    assert dependence.ratio >= 0.9


def test_the_course_cannot_be_passed_by_a_guessing_rule():
    """Over the course, between 35% and 65% of true/false keys are "true", and at most a
    third of multiple-choice keys are the strictly longest option, and at most a third the
    strictly shortest (quizkit.bank.balance)."""
    figures = balance(BANKS)
    print("\n".join(figures.lines()))
    per_bank = "\n".join(
        f"{path}: {t}/{tf} true, {lk}/{m} longest keys, {sk}/{m} shortest keys"
        for path, (t, tf, lk, sk, m) in figures.per_bank.items()
    )
    assert figures.outside_targets() == [], per_bank
    # The bounds themselves: the figures are real shares, not vacuous.
    assert figures.true_false >= 20 and figures.mcq >= 20
