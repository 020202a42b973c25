"""check_draws: "New numbers" checked over many seeds, each failure at its place in the item.

The expected seeds and counts come from the documented draw recipe (one
numpy.random.default_rng(seed) stream, one integers() call per ranged param per draw),
re-implemented here, not from the code under test.
"""

from __future__ import annotations

import numpy as np
import pytest
from bankhelp import load_real, real_bank_paths

from quizkit.backprop import worksheet
from quizkit.bank.draws import CHECK_DRAWS, check_draws
from quizkit.bank.kinds import numeric_trace
from quizkit.bank.model import NumericTrace

# y = w x and dy/dw = x, with x drawn from {1, 1.5, 2}; the mistake "w" (= 2) gives the key
# at x = 2, so "New numbers" may show x = 1 and x = 1.5 only.
BASE = {
    "id": "scale-trace",
    "kind": "numeric_trace",
    "difficulty": "easy",
    "topics": ["testing"],
    "prompt": "Compute $y = w x$ and $dy/dw$.",
    "explanation": "Swap and scale.",
    "params": {"x": {"value": 1.5, "range": [1.0, 2.0], "step": 0.5}, "w": {"value": 2.0}},
    "code": "x_t = Tensor(x)\nw_t = Tensor(w, requires_grad=True)\ny = w_t * x_t\ny.backward()\n",
    "root": "y",
    "quantities": [
        {"name": "y", "label": "$y$", "value": "y.data"},
        {
            "name": "dy_dw",
            "label": "$dy/dw$",
            "value": "w_t.grad",
            "mistakes": [{"id": "used-w", "value": "w", "feedback": "That is $w$."}],
        },
    ],
}
# x from {0.5, 1, ..., 10}: twenty values, for rules that reject most of them.
WIDE = {"x": {"value": 1.5, "range": [0.5, 10.0], "step": 0.5}, "w": {"value": 2.0}}


def item(**changes) -> NumericTrace:
    return NumericTrace.model_validate({**BASE, **changes})


def xs(seed: int, count: int, first: int, last: int, step: float) -> list[float]:
    """x's first `count` draws for `seed`: k uniform in [first, last], x = k * step."""
    rng = np.random.default_rng(seed)
    return [round(int(rng.integers(first, last + 1)) * step, 10) for _ in range(count)]


def test_an_item_whose_draws_keep_every_rule_has_no_problems():
    assert check_draws(item(constraints=["y < 4", "dy_dw > 0"])) == []
    assert check_draws(item(constraints=["y < 4"]), range(1, 501)) == []


def test_the_banks_own_numbers_breaking_a_constraint():
    # Draws can keep these (x = 1 does), so only the bank's own numbers are at fault.
    problems = check_draws(item(constraints=["y > 0", "y < 3", "x != 1.5"]))
    assert problems == [
        (
            ("constraints", 1),
            "`y < 3` is false for the bank's own numbers (w=2, x=1.5), which the page shows"
            ' first and falls back to after "New numbers"',
        ),
        (
            ("constraints", 2),
            "`x != 1.5` is false for the bank's own numbers (w=2, x=1.5), which the page shows"
            ' first and falls back to after "New numbers"',
        ),
    ]


def test_a_constraint_that_is_not_a_bool_or_raises_at_the_banks_numbers():
    problems = check_draws(item(constraints=["x + 1", "1 / (w - 2) > 0", "y >"]))
    assert [loc for loc, _ in problems] == [
        ("constraints", 0),
        ("constraints", 1),
        ("constraints", 2),
    ]
    assert problems[0][1] == (
        "gives 2.5 (float), not True or False at the bank's own numbers (w=2, x=1.5)"
    )
    assert problems[1][1] == (
        "raised ZeroDivisionError: float division by zero at the bank's own numbers (w=2, x=1.5)"
    )
    assert problems[2][1].startswith("is not Python: ")


def test_a_constraint_that_raises_only_at_some_draws_names_a_seed():
    # 1 / (x - 1) fails at x = 1 only; x = 1.5 passes it, and x = 2 too (but the mistake
    # rejects it), so the first seed whose first x other than 2 is 1 shows the error.
    seed = next(s for s in range(1, 100) if [x for x in xs(s, 20, 2, 4, 0.5) if x != 2][0] == 1)
    assert check_draws(item(constraints=["1 / (x - 1) > 0"])) == [
        (
            ("constraints", 0),
            f"raised ZeroDivisionError: float division by zero with seed {seed} (w=2, x=1)",
        )
    ]


def test_code_that_fails_at_drawn_numbers_names_a_seed():
    code = BASE["code"] + "r = 1 / (x - 2)\n"
    seed = next(s for s in range(1, 100) if xs(s, 1, 2, 4, 0.5) == [2.0])
    assert check_draws(item(code=code)) == [
        (
            ("params",),
            f"with seed {seed} (w=2, x=2): ZeroDivisionError: float division by zero; rule"
            " these numbers out with a constraint on the params",
        )
    ]
    # A constraint on the params alone is checked before the code runs, so it can do that.
    assert check_draws(item(code=code, constraints=["x != 2"])) == []


def tally(seeds, accept) -> tuple[list[int], int, dict[int, float]]:
    """Seeds that fall back, draws tried, and each seed's first rejected x (wide grid)."""
    fallbacks, tried, first_rejected = [], 0, {}
    for seed in seeds:
        values = xs(seed, worksheet.MAX_ATTEMPTS, 1, 20, 0.5)
        hit = next((i for i, x in enumerate(values) if accept(x)), None)
        tried += worksheet.MAX_ATTEMPTS if hit is None else hit + 1
        rejected = values if hit is None else values[:hit]
        if rejected:
            first_rejected[seed] = rejected[0]
        if hit is None:
            fallbacks.append(seed)
    return fallbacks, tried, first_rejected


def test_a_constraint_that_rejects_too_many_draws():
    problems = check_draws(item(params=WIDE, constraints=["x == 1.5"]))
    fallbacks, tried, first_rejected = tally(range(1, CHECK_DRAWS + 1), lambda x: x == 1.5)
    assert len(fallbacks) > 0.2 * CHECK_DRAWS  # about 0.95 ** 20 = 36% of the seeds
    rejected = tried - (CHECK_DRAWS - len(fallbacks))
    seed = min(first_rejected)
    assert problems == [
        (
            ("constraints", 0),
            f"{len(fallbacks)} of {CHECK_DRAWS} seeds (e.g. {fallbacks[0]}) found no numbers"
            f" that keep every rule in {worksheet.MAX_ATTEMPTS} draws, so the page shows the"
            f" bank's own numbers for them; this constraint is false in {rejected} of the"
            f" {tried} draws tried (e.g. seed {seed}: w=2, x={first_rejected[seed]:g}):"
            " widen the range or loosen the constraint",
        )
    ]


def test_a_mistake_that_gives_the_key_for_most_draws():
    quantities = [
        BASE["quantities"][0],
        {
            **BASE["quantities"][1],
            "mistakes": [
                {"id": "nearly", "value": "x if x != 1.5 else 0", "feedback": "Almost."},
            ],
        },
    ]
    problems = check_draws(item(params=WIDE, quantities=quantities))
    fallbacks, tried, first_rejected = tally(range(1, CHECK_DRAWS + 1), lambda x: x == 1.5)
    seed = min(first_rejected)
    rejected = tried - (CHECK_DRAWS - len(fallbacks))
    assert problems == [
        (
            ("quantities", 1, "mistakes", 0, "value"),
            f"{len(fallbacks)} of {CHECK_DRAWS} seeds (e.g. {fallbacks[0]}) found no numbers"
            f" that keep every rule in {worksheet.MAX_ATTEMPTS} draws, so the page shows the"
            f" bank's own numbers for them; this mistake gives the key's value in {rejected} of"
            f" the {tried} draws tried (e.g. seed {seed}: w=2, x={first_rejected[seed]:g}):"
            " change the ranges so that the mistake and the key differ",
        )
    ]


def test_a_few_fallbacks_are_allowed():
    # x == 1.5 or x == 3 accepts 2 of 20 values: about 0.9 ** 20 = 12% of seeds fall back.
    fallbacks, _, _ = tally(range(1, CHECK_DRAWS + 1), lambda x: x in (1.5, 3.0))
    assert 0 < len(fallbacks) <= 0.2 * CHECK_DRAWS
    assert check_draws(item(params=WIDE, constraints=["x == 1.5 or x == 3"])) == []


def test_every_number_returned_is_checked_again(monkeypatch):
    # An engine that forgot to reject: it returns the first draw whatever it is.
    def careless(spec, seed, graph=True, attempts=worksheet.MAX_ATTEMPTS):
        params = worksheet.draw(spec["params"], seed)
        values = worksheet.evaluate(spec["code"], params, spec["expressions"])["values"]
        return {"seed": seed, "params": params, "values": values, "graph": None,
                "fallback": False, "rejected": []}  # fmt: skip

    monkeypatch.setattr(worksheet, "new_numbers", careless)
    seed = next(s for s in range(1, 100) if xs(s, 1, 2, 4, 0.5) == [2.0])
    assert check_draws(item()) == [
        (
            ("quantities", 1, "mistakes", 0, "value"),
            f"seed {seed} (w=2, x=2) was shown although `dy_dw.used-w` gives 2, within"
            " tolerance of 2",
        )
    ]


def test_nothing_is_drawn_without_a_range_or_with_a_broken_one():
    fixed = {"x": {"value": 1.5}, "w": {"value": 2.0}}
    # Without a range only the bank's numbers are judged ...
    assert check_draws(item(params=fixed, constraints=["1 / (x - 1.5) > 0"])) == [
        (
            ("constraints", 0),
            "raised ZeroDivisionError: float division by zero at the bank's own numbers"
            " (w=2, x=1.5)",
        )
    ]
    # ... and a range without a multiple of its step is validate's to report, not a draw's.
    empty = {"x": {"value": 1.5, "range": [1.1, 1.2], "step": 0.5}, "w": {"value": 2.0}}
    assert check_draws(item(params=empty, code=BASE["code"] + "r = 1 / (x - 2)\n")) == []


def test_the_spec_holds_what_the_rules_need():
    spec = numeric_trace.spec(item(constraints=["y > 0"]))
    assert spec["tolerances"] == {
        "y": {"rel": 1e-3, "abs": 1e-6},
        "dy_dw": {"rel": 1e-3, "abs": 1e-6},
    }
    assert spec["mistakes"] == {"y": [], "dy_dw": ["dy_dw.used-w"]}
    assert spec["expressions"] == {"y": "y.data", "dy_dw": "w_t.grad", "dy_dw.used-w": "w"}
    assert spec["constraints"] == ["y > 0"]
    assert spec["params"]["x"] == {"value": 1.5, "range": (1.0, 2.0), "step": 0.5}


# -- the course's own numeric traces -----------------------------------------------------------

REAL_SEEDS = range(1, 501)


def real_traces():
    for path in real_bank_paths():
        loaded = load_real(path)
        for index, entry in loaded.items:
            if isinstance(entry, NumericTrace):
                yield pytest.param(loaded, index, entry, id=entry.id)


@pytest.mark.parametrize("loaded,index,trace", list(real_traces()))
def test_every_course_trace_keeps_its_rules_over_500_draws(loaded, index, trace):
    problems = [
        str(loaded.problem(("items", index) + loc, message))
        for loc, message in check_draws(trace, REAL_SEEDS)
    ]
    assert problems == []
