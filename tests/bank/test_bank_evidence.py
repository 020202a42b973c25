"""The evidence runner: fresh namespaces, answers confirmed per kind, errors on YAML lines."""

from __future__ import annotations

import re
import time

import numpy as np
import pytest
from bankhelp import (
    MATCHING_ITEM,
    MCQ_ITEM,
    ORDERING_ITEM,
    SHORT_ANSWER_ITEM,
    TF_ITEM,
    TRACE_ITEM,
    with_evidence,
)

from quizkit.bank import evidence
from quizkit.bank.check import check_paths
from quizkit.bank.load import load_bank


def run(path, time_limit=evidence.TIME_LIMIT) -> list[str]:
    report = check_paths([path], time_limit=time_limit)
    return [f"{p.line}: {p.item_id}: {p.field}: {p.message}" for p in report.problems]


def run_evidence(path, time_limit=evidence.TIME_LIMIT) -> list[str]:
    """What running the evidence alone reports, without the bank's static checks.

    The runner's own mechanics (namespaces, time limit, how an `answer` is normalised and
    compared) are tested here with typed answers, which `quizkit check` rejects on its own
    (see test_typed_answer_is_rejected_unless_conceptual).
    """
    loaded = load_bank(path)
    problems = [
        p
        for index, item in loaded.items
        for p in evidence.check(loaded, index, item, time_limit).problems
    ]
    return [f"{p.line}: {p.item_id}: {p.field}: {p.message}" for p in problems]


def first_outcome(path) -> evidence.Outcome:
    loaded = load_bank(path)
    index, item = loaded.items[0]
    return evidence.check(loaded, index, item)


def test_namespace_has_the_contract_names_and_is_fresh():
    from quizkit import backprop

    names = evidence.namespace()
    assert names["np"] is np
    for name in backprop.__all__ + ["math", "nn", "dense", "diagnostics", "checkpoint"]:
        assert name in names
    names["leftover"] = 1
    assert "leftover" not in evidence.namespace()


def test_clean_items_pass(write_bank):
    assert run(write_bank(TF_ITEM + MCQ_ITEM + TRACE_ITEM)) == []


def test_names_do_not_leak_between_items(write_bank):
    first = TF_ITEM.replace('"answer = 2 + 2 == 4"', '"secret = 1; answer = True"')
    second = TF_ITEM.replace("two-plus-two", "second").replace(
        '"answer = 2 + 2 == 4"', "\"answer = 'secret' not in globals()\""
    )
    assert run_evidence(write_bank(first + second)) == []


def test_exception_is_reported_on_the_yaml_line_that_raised(write_bank):
    item = TF_ITEM.replace(
        'evidence: "answer = 2 + 2 == 4"',
        "evidence: |\n    total = 4\n    ratio = total / (total - 4)\n    answer = True",
    )
    assert run_evidence(write_bank(item)) == [
        "13: two-plus-two: evidence: raised ZeroDivisionError: division by zero"
        " at `ratio = total / (total - 4)`"
    ]


def test_failed_assert_shows_its_statement(write_bank):
    item = TF_ITEM.replace('"answer = 2 + 2 == 4"', '"assert 2 + 2 == 5"')
    assert run(write_bank(item)) == [
        "11: two-plus-two: evidence: raised AssertionError at `assert 2 + 2 == 5`"
    ]


def test_syntax_error_is_reported_on_its_line(write_bank):
    item = TF_ITEM.replace(
        'evidence: "answer = 2 + 2 == 4"', "evidence: |\n    a = 1\n    answer = = 2\n"
    )
    [message] = run(write_bank(item))
    assert message.startswith("13: two-plus-two: evidence: SyntaxError:")


def test_runaway_evidence_is_stopped(write_bank):
    item = TF_ITEM.replace(
        'evidence: "answer = 2 + 2 == 4"',
        "evidence: |\n    n = 0\n    while True:\n        n += 1\n    answer = True",
    )
    started = time.perf_counter()
    [message] = run_evidence(write_bank(item), time_limit=0.3)
    assert time.perf_counter() - started < 5
    # stopped inside the loop, on whichever of its two lines was running
    assert re.match(r"1[34]: two-plus-two: evidence: did not finish within 0.3 s", message)


def test_evidence_output_is_not_printed(write_bank, capsys):
    item = TF_ITEM.replace('"answer = 2 + 2 == 4"', "\"print('noise'); answer = True\"")
    assert run_evidence(write_bank(item)) == []
    assert capsys.readouterr().out == ""


def test_evidence_cannot_end_the_run(write_bank):
    item = TF_ITEM.replace('"answer = 2 + 2 == 4"', '"raise SystemExit(3)"')
    assert run(write_bank(item)) == ["11: two-plus-two: evidence: raised SystemExit: 3 at"
                                     " `raise SystemExit(3)`"]  # fmt: skip


def test_missing_answer(write_bank):
    item = MCQ_ITEM.replace("answer = float(x.grad) * 2.0", "result = 6")
    [message] = run(write_bank(item))
    assert message.startswith("14: times-table: evidence: evidence must bind `answer`")


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("'six'", []),
        ("'five'", ["10: times-table: options[0].correct: evidence says 'five', but the key"
                    " is 'six'"]),
        ("'seven'", ["14: times-table: evidence: answer 'seven' is not an option id (six, five,"
                     " eight) (the correct option's id, or a number compared with the options'"
                     " values)"]),
        ("np.float32(6.0)", []),
        ("Tensor(6.0)", []),
        ("np.array([6.0])", []),
        ("np.array([6.0, 1.0])", ["14: times-table: evidence: answer is array([6., 1.]) (the"
                                  " correct option's id, or a number compared with the options'"
                                  " values)"]),
        ("True", ["14: times-table: evidence: answer is True (the correct option's id, or a"
                  " number compared with the options' values)"]),
        ("5.0", ["10: times-table: options[0].value: evidence computes 5, but the key's value is 6",
                 "11: times-table: options[1].value: evidence computes 5, which this distractor's"
                 " value matches: the distractor is not refuted"]),
    ],
)  # fmt: skip
def test_mcq_answers(write_bank, answer, expected):
    item = MCQ_ITEM.replace("answer = float(x.grad) * 2.0", f"answer = {answer}")
    assert run_evidence(write_bank(item)) == expected


def test_mcq_numeric_answer_needs_a_key_value(write_bank):
    item = MCQ_ITEM.replace('{id: six, text: "6", value: 6, correct: true}', "")
    item = item.replace("    - \n", "").replace(
        '    - {id: five, text: "5", value: 5, feedback: "That adds: $2 + 3$, not a product."}',
        '    - {id: six, text: "6", correct: true}\n'
        '    - {id: five, text: "5", value: 5, feedback: "That adds: $2 + 3$, not a product."}',
    )
    assert run(write_bank(item)) == [
        "10: times-table: options[0]: evidence computes 6, but the key has no value to compare"
        " it with"
    ]


def test_true_false_mismatch_and_numpy_bool(write_bank):
    flipped = TF_ITEM.replace("answer: true", "answer: false")
    assert run(write_bank(flipped)) == [
        "9: two-plus-two: answer: evidence measured true, but the key says false"
    ]
    numpy_bool = TF_ITEM.replace('"answer = 2 + 2 == 4"', '"answer = np.bool_(True)"')
    assert run(write_bank(numpy_bool)) == []


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("{'add': 'add', 'mul': 'mul', 'relu': 'relu'}", []),
        ("{'add': 'mul', 'mul': 'add', 'relu': 'relu'}", [
            "10: gates: pairs[0].definition: evidence matches 'Add gate' with 'swaps and scales',"
            " not with this definition",
            "11: gates: pairs[1].definition: evidence matches 'Multiply gate' with 'passes it on',"
            " not with this definition",
        ]),
        ("{'add': 'add'}", ["14: gates: evidence: answer {'add': 'add'} must use exactly the pair"
                            " ids add, mul, relu (a dict mapping each pair id to the id of the"
                            " pair whose definition fits it)"]),
    ],
)  # fmt: skip
def test_matching_answers(write_bank, answer, expected):
    assert run_evidence(write_bank(with_evidence(MATCHING_ITEM, f"answer = {answer}"))) == expected


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        ("['forward', 'loss', 'backward', 'update']", []),
        ("('forward', 'loss', 'update', 'backward')", [
            "12: steps: steps[2].id: evidence observed the order forward, loss, update, backward;"
            " step 3 should be 'update', not 'backward'"
        ]),
        ("['forward', 'backward']", ["15: steps: evidence: answer ['forward', 'backward'] must"
                                     " list each step id (forward, loss, backward, update) once"
                                     " (the list of step ids in the order the evidence observed"
                                     " them)"]),
    ],
)  # fmt: skip
def test_ordering_answers(write_bank, answer, expected):
    assert run_evidence(write_bank(with_evidence(ORDERING_ITEM, f"answer = {answer}"))) == expected


def test_short_answer_evidence_must_assert(write_bank):
    item = with_evidence(SHORT_ANSWER_ITEM, "x = 1")
    assert run(write_bank(item)) == [
        "11: why: evidence: evidence asserts nothing; assert the claims the model answer makes"
    ]


def test_trace_values_come_from_the_engine(write_bank):
    outcome = first_outcome(write_bank(TRACE_ITEM))
    assert outcome.problems == []
    assert outcome.values == pytest.approx({"y": 3.0, "dy_dw": 1.5, "dy_dw.used-w": 2.0})


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("expect: 3.0", "expect: 3.5"),
         "23: scale-trace: quantities[0].expect: expect 3.5, but the engine computes 3"
         " (tolerance rel 0.001, abs 1e-06)"),
        (('value: "w"', 'value: "x * 1.0004"'),
         "28: scale-trace: quantities[1].mistakes[0].value: gives 1.5006, within tolerance of the"
         " key 1.5: a learner making this mistake would be marked right"),
        (("    y.backward()\n", "    y.backward()\n    boom = 1 / 0\n"),
         "18: scale-trace: code: raised ZeroDivisionError: division by zero at `boom = 1 / 0`"),
        (("value: w_t.grad", "value: w_t.gradient"),
         "26: scale-trace: quantities[1].value: `w_t.gradient` raised AttributeError:"),
        (("value: y.data", "value: np.ones(2)"),
         "22: scale-trace: quantities[0].value: `np.ones(2)` raised ValueError:"),
        (("root: y", "root: missing"), "18: scale-trace: root: cannot trace root 'missing':"),
        (("assert dy_dw == x", "assert dy_dw == w"),
         "31: scale-trace: evidence: raised AssertionError at `assert dy_dw == w`"),
        (("w: {value: 2.0}", "w: {value: 2.0e-7}"),
         "20: scale-trace: quantities[0].tolerance: the tolerance accepts 0 for the key 3e-07:"
         " lower abs below 3e-07"),
        (("value: w_t.grad", "value: 1 / (x - 1.5)"),
         "26: scale-trace: quantities[1].value: `1 / (x - 1.5)` raised ZeroDivisionError:"),
    ],
)  # fmt: skip
def test_trace_problems(write_bank, change, expected):
    item = TRACE_ITEM.replace(*change)
    if "w: {value: 2.0e-7}" in change[1]:
        item = item.replace("expect: 3.0", "expect: 3.0e-7").replace("assert dy_dw == x", "pass")
    got = run(write_bank(item))
    assert any(message.startswith(expected) for message in got), got


def test_trace_must_survive_redrawn_numbers(write_bank):
    item = TRACE_ITEM.replace("value: y.data", 'value: "y.data if x == 1.5 else undefined_name"')
    item = item.replace("range: [1.0, 2.0]", "range: [1.0, 3.0]")
    [message] = run(write_bank(item))
    assert message == (
        "9: scale-trace: params: with seed 1 (w=2, x=2): NameError: name 'undefined_name' is"
        " not defined; rule these numbers out with a constraint on the params"
    )


def test_a_keyboard_interrupt_raised_by_evidence_is_its_own_error(write_bank):
    item = TF_ITEM.replace('"answer = 2 + 2 == 4"', '"raise KeyboardInterrupt"')
    assert run(write_bank(item)) == [
        "11: two-plus-two: evidence: raised KeyboardInterrupt at `raise KeyboardInterrupt`"
    ]
