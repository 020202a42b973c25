"""Mutation testing: every wrong key must be rejected by the evidence's verdict."""

from __future__ import annotations

from bankhelp import (
    MATCHING_ITEM,
    MCQ_ITEM,
    ORDERING_ITEM,
    SHORT_ANSWER_ITEM,
    TF_ITEM,
    TRACE_ITEM,
)

from quizkit.bank import evidence
from quizkit.bank.kinds.base import within
from quizkit.bank.load import load_bank
from quizkit.bank.mutate import mutants, score_item


def scored(path):
    loaded = load_bank(path)
    results = []
    for index, item in loaded.items:
        outcome = evidence.check(loaded, index, item)
        assert outcome.problems == []
        results.append((item, outcome, score_item(loaded, index, item, outcome)))
    return results


def test_each_kind_has_its_mutants(write_bank):
    results = scored(write_bank(TF_ITEM + MCQ_ITEM + TRACE_ITEM + MATCHING_ITEM + ORDERING_ITEM))
    counts = {item.kind: score.total for item, _, score in results}
    assert counts == {
        "true_false": 1,
        "mcq": 2,  # each of the two other options as key
        "numeric_trace": 4,  # two quantities, each moved up and down
        "matching": 3,  # three pairs of pairs swapped
        "ordering": 3,  # three neighbouring swaps
    }
    for _, _, score in results:
        assert score.killed == score.total, score.survivors


def test_trace_mutants_sit_beyond_tolerance(write_bank):
    [(item, outcome, _)] = scored(write_bank(TRACE_ITEM))
    for mutant in mutants(item, outcome):
        for quantity in mutant.item.quantities:
            key = outcome.values[quantity.name]
            if quantity.expect is not None and quantity.expect != 3.0:
                assert not within(quantity.expect, key, quantity.tolerance)


def test_mutants_do_not_change_the_original(write_bank):
    [(item, outcome, _)] = scored(write_bank(MCQ_ITEM))
    before = item.model_dump()
    assert mutants(item, outcome)
    assert item.model_dump() == before


def test_a_key_the_evidence_cannot_tell_apart_survives(write_bank):
    # Two pairs share a definition, so swapping them changes nothing the evidence could
    # notice; the score must show the survivor (validate reports the duplicate as well).
    path = write_bank(MATCHING_ITEM.replace('"swaps and scales"', '"passes it on"'))
    loaded = load_bank(path)
    index, item = loaded.items[0]
    outcome = evidence.check(loaded, index, item)
    assert outcome.problems == []
    score = score_item(loaded, index, item, outcome)
    assert (score.total, score.killed) == (3, 2)
    assert score.survivors == [f"{path}: gates: definitions of 'add' and 'mul' swapped"]


def test_self_assessed_kinds_have_no_mutants(write_bank):
    [(_, _, score)] = scored(write_bank(SHORT_ANSWER_ITEM))
    assert (score.total, score.ratio) == (0, 1.0)
