"""A kind added the way docs/contributing.md says ("Adding a quiz kind"), from outside the
package: one module's worth of Python (here, in this test), one template, registered with
`quizkit.bank.kinds.register`. The whole pipeline takes it: the loader validates it, its
evidence runs and confirms the key, its wrong keys are killed, the page renders it and its
time is estimated."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

import pytest

from quizkit.bank import evidence, kinds
from quizkit.bank.check import check_paths
from quizkit.bank.kinds.base import Bad, ItemBase, Kind, Mutant, copy, show
from quizkit.bank.load import load_bank
from quizkit.bank.mutate import score_item
from quizkit.mkdocs.client import client_config
from quizkit.mkdocs.render import RenderContext, Renderer, decode_payload
from quizkit.mkdocs.stats import bank_stats, item_minutes

SIGNS = ("negative", "zero", "positive")


class Sign(ItemBase):
    """Is a computed quantity negative, zero or positive?"""

    kind: Literal["sign"]
    answer: Literal["negative", "zero", "positive"]


# position 65: after numeric_trace, before interview
class SignKind(Kind, model=Sign, position=65, label="Sign", minutes_each=0.75):
    response = {"choice": "text|null"}
    answer_rule = "the number whose sign is asked for"

    def normalise(self, item: Sign, answer: Any, names: dict[str, Any]) -> Any:
        number = evidence.as_number(answer, names)
        if number is None or not math.isfinite(number):
            return Bad(f"answer is {show(answer)}")
        return SIGNS[(number > 0) - (number < 0) + 1]

    def disagreements(self, item: Sign, outcome: Any) -> Iterator[tuple[tuple, str]]:
        if outcome.answer is not None and outcome.answer != item.answer:
            yield ("answer",), f"evidence computes a {outcome.answer} number, not {item.answer}"

    def mutants(self, item: Sign, outcome: Any) -> list[Mutant]:
        return [
            Mutant(f"answer changed to {sign}", copy(item, answer=sign))
            for sign in SIGNS
            if sign != item.answer
        ]

    def payload(self, item: Sign, md: Any, ctx: Any) -> tuple[dict, dict]:
        return {"signs": SIGNS}, {"answer": SIGNS.index(item.answer)}


TEMPLATE = """\
{% if part == "form" %}
<fieldset class="qk-sign">{% for sign in view.signs %}
<label><input type="radio" name="{{ base }}" value="{{ loop.index0 }}"> {{ sign }}</label>
{% endfor %}</fieldset>
{% else %}
<p class="qk-sign-key">{{ item.answer }}</p>
{% endif %}
"""

BANK = """\
title: Toy
intro: One item of a kind defined in a test.
items:
  - id: toy-sign
    kind: sign
    difficulty: easy
    topics: [chain-rule]
    prompt: What sign has the gradient of $x^2$ at $x = -3$?
    answer: negative
    explanation: The derivative $2x$ is $-6$ there.
    evidence: |
      x = Tensor(-3.0, requires_grad=True)
      (x * x).backward()
      answer = x.grad
"""


@pytest.fixture
def sign_kind(tmp_path: Path) -> Iterator[SignKind]:
    template = tmp_path / "sign.html.j2"
    template.write_text(TEMPLATE, encoding="utf-8")
    kind = SignKind()
    kind.template = template
    kinds.register(kind)
    yield kind
    kinds.unregister("sign")


@pytest.fixture
def bank_path(tmp_path: Path) -> Path:
    path = tmp_path / "quiz.yml"
    path.write_text(BANK, encoding="utf-8")
    return path


def test_the_kind_is_listed_in_its_place(sign_kind):
    assert kinds.names()[-2:] == ("sign", "interview")
    assert client_config()["kinds"][-2:] == ["sign", "interview"]
    assert client_config()["progress"]["responses"]["sign"] == {"choice": "text|null"}


def test_it_validates_and_its_content_errors_name_the_line(sign_kind, bank_path):
    loaded = load_bank(bank_path)
    assert loaded.problems == []
    assert [type(item).__name__ for _, item in loaded.items] == ["Sign"]
    bank_path.write_text(BANK.replace("answer: negative", "answer: downwards"))
    problems = load_bank(bank_path).problems
    assert [(p.line, p.item_id, p.field) for p in problems] == [(9, "toy-sign", "answer")]


def test_its_evidence_confirms_the_key_and_refuses_a_wrong_one(sign_kind, bank_path):
    assert check_paths([bank_path]).problems == []
    bank_path.write_text(BANK.replace("answer: negative", "answer: positive"))
    problems = check_paths([bank_path]).problems
    assert [str(p).split(": ", 1)[1] for p in problems] == [
        "toy-sign: answer: evidence computes a negative number, not positive"
    ]


def test_every_wrong_key_is_killed(sign_kind, bank_path):
    loaded = load_bank(bank_path)
    index, item = loaded.items[0]
    outcome = evidence.check(loaded, index, item)
    assert outcome.problems == [] and outcome.answer == "negative"
    score = score_item(loaded, index, item, outcome)
    assert (score.killed, score.total) == (2, 2)


def test_it_renders_with_its_template_and_payload(sign_kind, bank_path):
    item = load_bank(bank_path).items[0][1]
    html = str(Renderer().item(item, 1, RenderContext(source=bank_path)))
    assert 'data-qk-kind="sign"' in html and 'Question 1<span class="qk-kind">: Sign</span>' in html
    assert html.count('type="radio"') == 3
    assert '<p class="qk-sign-key">negative</p>' in html
    payload = decode_payload(re.search(r'data-qk-payload="([^"]+)"', html).group(1))
    assert payload["kind"] == "sign" and payload["answer"] == 0


def test_it_gets_a_time_estimate(sign_kind, bank_path):
    loaded = load_bank(bank_path)
    assert item_minutes(loaded.items[0][1]) == 0.75
    assert bank_stats(loaded.bank).minutes == 1  # rounded up to whole minutes


def test_unregistered_it_is_an_unknown_kind(bank_path):
    problems = load_bank(bank_path).problems
    assert len(problems) == 1 and "unknown kind 'sign'" in problems[0].message


def test_a_name_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="already exists"):
        kinds.register(kinds.get("mcq"))


def test_a_class_statement_missing_part_of_the_kinds_identity_is_refused_there():
    with pytest.raises(TypeError, match="UnlabelledKind: give label in its class statement"):

        class UnlabelledKind(Kind, model=Sign, position=66, minutes_each=1.0):
            pass

    with pytest.raises(TypeError, match="ColourKind: unknown keywords colour"):

        class ColourKind(Kind, model=Sign, position=66, label="S", minutes_each=1, colour="r"):
            pass
