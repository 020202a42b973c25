"""Mutation testing of answer keys: does the evidence notice when a key is wrong?

Evidence that passes whatever the key says proves nothing. For every item its kind makes
each wrong version of its key that a slip of the keyboard could produce (`Kind.mutants`, in
quizkit/bank/kinds/<kind>.py: another option marked as the key, the truth value flipped,
two definitions or two neighbouring steps swapped, an `expect` moved beyond tolerance), and
this module checks that the evidence's verdict (quizkit.bank.evidence.confirm, the same
comparison `quizkit check` uses) rejects it. Self-assessed kinds have no key to get wrong.

The evidence runs once per item; every mutant is judged against that cached outcome. The
mutation score is killed / total, and the course requires 100%.

Wrong keys are only half of it: evidence that types its own answer kills every wrong key.
`engine_dependence` therefore plants bugs in the engine itself (quizkit.bank.engine_mutants)
and reruns each item's evidence under each: an item depends on the engine when at least one
bug makes its evidence fail or change its verdict. Items that cannot depend on it say why
with `conceptual: <reason>`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from . import kinds
from .engine_mutants import BUGS, EngineBug, EngineState
from .evidence import Outcome, confirm, run
from .kinds.base import Mutant
from .load import LoadedBank
from .problem import Loc, Problem


@dataclass
class Score:
    """How many mutants the evidence rejected, and which ones survived."""

    total: int = 0
    killed: int = 0
    survivors: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        """Killed over total; 1.0 when there was nothing to mutate."""
        return self.killed / self.total if self.total else 1.0

    def add(self, other: Score) -> None:
        """Fold another item's score into this one."""
        self.total += other.total
        self.killed += other.killed
        self.survivors += other.survivors


def mutants(item: Any, outcome: Outcome) -> list[Mutant]:
    """Every wrong-key variant of `item` (see the module docstring)."""
    return kinds.of(item).mutants(item, outcome)


def score_item(loaded: LoadedBank, index: int, item: Any, outcome: Outcome) -> Score:
    """Judge every mutant of one item against its evidence's cached outcome."""
    score = Score()
    for mutant in mutants(item, outcome):
        score.total += 1
        if confirm(loaded, index, mutant.item, outcome):
            score.killed += 1
        else:
            score.survivors.append(f"{loaded.path}: {item.id}: {mutant.description}")
    return score


# -- engine bugs -------------------------------------------------------------------------

# Under a planted bug, evidence may loop far longer than it normally takes (a training loop
# that no longer converges); it gets this many times its own clean run time, at least
# _MIN_BUG_SECONDS, and is then stopped without a verdict (a timeout notices nothing).
_BUG_TIME_FACTOR = 5.0
_MIN_BUG_SECONDS = 3.0


@dataclass
class Dependence:
    """Which planted engine bugs each item's evidence notices."""

    bugs: tuple[EngineBug, ...] = ()
    # (bank path, item index) -> ids of the bugs that item's evidence noticed
    noticed: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    # (bank path, item index) -> the item, for every item that was judged
    items: dict[tuple[str, int], Any] = field(default_factory=dict)
    loaded: dict[str, LoadedBank] = field(default_factory=dict)
    # (bank path, item index) -> what its evidence changed in the engine (then undone)
    tampered: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    # (bank path, item index) -> the item, for items whose key is only reached with their
    # asserts run (computed inside one): not judged, and reported
    assert_keyed: dict[tuple[str, int], Any] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def dependent(self) -> list[tuple[str, int]]:
        """Items whose evidence noticed at least one bug."""
        return [key for key in self.items if self.noticed.get(key)]

    @property
    def conceptual(self) -> list[tuple[str, int]]:
        return [key for key, item in self.items.items() if item.conceptual]

    @property
    def ratio(self) -> float:
        return len(self.dependent) / self.total if self.total else 1.0

    def unnoticed_bugs(self) -> list[EngineBug]:
        """Bugs that no item's evidence notices: parts of the engine the course never tests."""
        seen = {bug for ids in self.noticed.values() for bug in ids}
        return [bug for bug in self.bugs if bug.id not in seen]

    def problems(self) -> list[Problem]:
        """Items that neither depend on the engine nor say why they cannot (and the reverse)."""
        found = []
        for key, item in self.items.items():
            loaded = self.loaded[key[0]]
            at: Loc = ("items", key[1])
            if key in self.tampered:
                changed = self.tampered[key]
                found.append(
                    loaded.problem(
                        at + ("evidence",),
                        f"changes the engine ({', '.join(changed[:3])}) for the evidence run"
                        " after it, so no item's verdict can be trusted: change a copy",
                    )
                )
            if self.noticed.get(key):
                if item.conceptual:
                    found.append(
                        loaded.problem(
                            at + ("conceptual",),
                            "the evidence notices engine bugs"
                            f" ({', '.join(self.noticed[key][:3])}), so the item is not"
                            " conceptual: remove `conceptual`",
                        )
                    )
            elif not item.conceptual:
                found.append(
                    loaded.problem(
                        at + ("evidence",),
                        f"survives all {len(self.bugs)} planted engine bugs: derive the key"
                        " by running the engine (observe, measure, compute), or mark the"
                        " item `conceptual: <reason>`",
                    )
                )
        return found


def engine_dependence(
    banks: list[LoadedBank],
    outcomes: dict[tuple[str, int], Outcome],
    bugs: tuple[EngineBug, ...] = BUGS,
    *,
    every_bug: bool = True,
) -> Dependence:
    """Run every cleanly passing item's evidence again under each planted engine bug.

    An item notices a bug when its evidence then fails (raises outside its asserts), its key
    is no longer confirmed, or it reaches a different verdict than with the real engine (a
    timeout notices nothing). With `every_bug=False` an item is not run again once it has
    noticed one bug: enough to tell which items depend on the engine, several times faster,
    but `noticed` then holds one bug per item and `unnoticed_bugs` means nothing.
    """
    started = time.perf_counter()
    result = Dependence(bugs=bugs)
    judged = []
    for loaded in banks:
        result.loaded[loaded.path] = loaded
        for index, item in loaded.items:
            outcome = outcomes.get((loaded.path, index))
            if outcome is None or outcome.problems:
                continue
            result.items[(loaded.path, index)] = item
            if _keyed(item):
                # The verdict to compare with is the one reached without asserts, as every
                # run under a bug is: a key counted or computed inside an `assert` would
                # otherwise differ under any bug at all.
                baseline = run(loaded, index, item, skip_asserts=True)
                if baseline.problems or baseline.answer != outcome.answer:
                    result.assert_keyed[(loaded.path, index)] = item
                    continue
                outcome = baseline
            judged.append((loaded, index, item, outcome))
    for bug in bugs:
        with bug.applied():
            # The engine with this bug, put back after each item: evidence that changed it
            # (`Tensor.__mul__ = ...`) would otherwise decide every later item's verdict.
            engine = EngineState.capture()
            for loaded, index, item, outcome in judged:
                if not every_bug and (loaded.path, index) in result.noticed:
                    continue
                limit = max(_MIN_BUG_SECONDS, _BUG_TIME_FACTOR * outcome.seconds)
                # An item with a key notices a bug only through its key (or by failing
                # outside its own asserts): asserts beside a typed answer prove nothing.
                buggy = run(loaded, index, item, time_limit=limit, skip_asserts=_keyed(item))
                changed = engine.changes()
                if changed:
                    engine.restore()
                    result.tampered.setdefault((loaded.path, index), changed)
                if _noticed(loaded, index, item, outcome, buggy):
                    result.noticed.setdefault((loaded.path, index), []).append(bug.id)
    result.seconds = time.perf_counter() - started
    return result


def _noticed(loaded: LoadedBank, index: int, item: Any, clean: Outcome, buggy: Outcome) -> bool:
    if buggy.timed_out:
        # Stopped before any verdict: whether it would have noticed depends on how busy the
        # machine is, so it does not count (the report must say the same on every run).
        return False
    if buggy.problems or confirm(loaded, index, item, buggy):
        return True
    return kinds.of(item).changed(item, clean, buggy)


def _keyed(item: Any) -> bool:
    """Whether the item's evidence binds a key (a numeric trace compares every computed
    value instead; self-assessed kinds have only their asserts)."""
    return kinds.of(item).answer_rule is not None
