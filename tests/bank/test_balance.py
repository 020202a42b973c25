"""The guessing-rule figures (quizkit.bank.balance) and the distractor-feedback rule."""

from __future__ import annotations

from bankhelp import MCQ_ITEM, TF_ITEM

from quizkit.bank.balance import Balance, balance
from quizkit.bank.load import load_bank
from quizkit.bank.validate import check_bank

LONG_KEY_MCQ = """
- id: long-key
  kind: mcq
  difficulty: easy
  topics: [testing]
  prompt: "Which is a product?"
  options:
    - {id: key, text: "Two times three, which is six", value: 6, correct: true}
    - {id: sum, text: "Five", value: 5, feedback: "That adds the numbers instead."}
  explanation: "Multiply."
  evidence: |
    x = Tensor(2.0, requires_grad=True)
    (x * 3.0).backward()
    answer = float(x.grad) * 2.0
"""


def _false_item(item_id: str) -> str:
    return (
        TF_ITEM.replace("two-plus-two", item_id)
        .replace("is four.", "is five.")
        .replace("answer: true", "answer: false")
        .replace("2 + 2 == 4", "2 + 2 == 5")
    )


def test_figures_count_true_keys_and_strictly_longest_keys(write_bank):
    path = write_bank(TF_ITEM + _false_item("f1") + _false_item("f2") + MCQ_ITEM + LONG_KEY_MCQ)
    figures = balance([load_bank(path)])
    assert (figures.true_keys, figures.true_false) == (1, 3)
    # times-table's options are all one character; long-key's key is the longest.
    assert (figures.longest_keys, figures.shortest_keys, figures.mcq) == (1, 0, 2)
    lines = figures.lines()
    assert lines[0] == 'balance: true/false keys "true": 1/3 (33%; course target 35%–65%)'
    assert "1/2 (50%; course target at most 33%)" in lines[1]


def test_a_key_as_long_as_a_distractor_is_not_the_longest(write_bank):
    tied = LONG_KEY_MCQ.replace('text: "Five"', 'text: "Two plus three, which is five"')
    figures = balance([load_bank(write_bank(tied))])
    assert figures.longest_keys == 0


def test_a_key_shorter_than_every_distractor_is_counted_as_shortest(write_bank):
    short_key = LONG_KEY_MCQ.replace('text: "Two times three, which is six"', 'text: "6"').replace(
        'text: "Five"', 'text: "Five, the sum"'
    )
    figures = balance([load_bank(write_bank(short_key))])
    assert (figures.longest_keys, figures.shortest_keys) == (0, 1)
    assert "1/1 (100%; course target at most 33%)" in figures.lines()[-1]
    assert "picking the shortest option pays" in figures.outside_targets()[0]


def test_outside_targets_names_the_guessing_rule_that_pays():
    mostly_false = Balance(true_false=10, true_keys=2, mcq=3, longest_keys=2)
    found = mostly_false.outside_targets()
    assert len(found) == 2
    assert "always answering false pays" in found[0]
    assert "picking the longest option pays" in found[1]
    mostly_true = Balance(true_false=10, true_keys=7)
    assert "always answering true pays" in mostly_true.outside_targets()[0]
    assert Balance(true_false=20, true_keys=7, mcq=3, longest_keys=1).outside_targets() == []


def _feedback_problems(write_bank, five: str, eight: str) -> list[str]:
    item = MCQ_ITEM.replace("That adds: $2 + 3$, not a product.", five).replace(
        "That is $2^3$, a power, not a product.", eight
    )
    loaded = load_bank(write_bank(item))
    return [str(p) for p in check_bank(loaded, set()) if "feedback" in p.field]


def test_distractor_feedback_must_name_a_mistake(write_bank):
    assert (
        _feedback_problems(
            write_bank,
            "That adds: $2 + 3$, not a product.",
            "That is $2^3$, a power, not a product.",
        )
        == []
    )
    generic = _feedback_problems(
        write_bank, "Incorrect, try again.", "Not quite: think about it a little more."
    )
    assert len(generic) == 2
    assert all("without saying which mistake" in p for p in generic)
    assert "options[1].feedback" in generic[0] and "'five'" in generic[0]
    short = _feedback_problems(write_bank, "That is $2 + 3$.", "It is $2^3$, clearly.")
    assert len(short) == 2 and "too short" in short[0]


def test_copied_feedback_is_flagged_on_the_second_option(write_bank):
    same = "This option comes from confusing the two operations with each other."
    found = _feedback_problems(write_bank, same, same)
    assert len(found) == 1
    assert "'eight' has the same feedback as 'five'" in found[0]


def test_length_is_judged_as_displayed_not_as_tex_source(write_bank):
    # The key's source is the longest ($\partial L/\partial w$ is 22 characters), but it shows
    # as "∂L/∂w", shorter than both distractors.
    item = LONG_KEY_MCQ.replace(
        'text: "Two times three, which is six"', 'text: "$\\\\partial L/\\\\partial w$"'
    ).replace('text: "Five"', 'text: "the weight w"')
    figures = balance([load_bank(write_bank(item))])
    assert (figures.longest_keys, figures.shortest_keys) == (0, 1)
