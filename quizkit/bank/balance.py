"""Balance: whether a learner could score without understanding anything.

A course whose true/false keys are mostly "false", or whose multiple-choice key is usually
the longest, most carefully qualified option, rewards a guessing rule instead of knowledge.
`quizkit check` prints these figures for the banks it checked; the test suite bounds them for
the whole course (tests/bank/test_bank_real.py), because one lesson on its own may lean
either way while the course must not.

Distractors are judged item by item (`distractor_problems`, called from validate.py): a wrong
option earns its place only when a real mistake produces it, so its feedback must say which
mistake that is. Text cannot be understood by a program; what can be caught is feedback too
short to name a mistake, feedback that only says "wrong", and feedback copied between two
options of one question (two different mistakes cannot have the same explanation).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from .model import Mcq, TrueFalse

TRUE_SHARE = (0.35, 0.65)
"""Bounds on the share of true/false items whose key is "true", over the whole course."""

LONGEST_KEY_SHARE = 1 / 3
"""At most this share of mcq items may have a key strictly longer than every distractor (and,
so that "avoid the longest" does not pay either, strictly shorter than every distractor)."""

MIN_FEEDBACK_WORDS = 6
"""Fewer words than this cannot name a mistake and say why it is wrong."""

# Feedback that judges without explaining, once punctuation and case are set aside.
_GENERIC = re.compile(
    r"^(no|nope|wrong|incorrect|not correct|not quite|not right|that is (not right|wrong|"
    r"incorrect)|that's (not right|wrong|incorrect)|try again|sorry)\b",
)


def _words(text: str) -> list[str]:
    return re.findall(r"[\w$\\^{}]+", text)


_INLINE_MATH = re.compile(r"\$([^$]+)\$")
# A TeX command (\partial, \sqrt, \mathrm) shows as about one symbol; a braced argument
# shows its contents, and _ and ^ only move what follows.
_TEX_COMMAND = re.compile(r"\\[A-Za-z]+|\\.")


def _shown_length(text: str) -> int:
    """The option's length as a reader sees it: math counted as the symbols it displays
    ($\\partial L/\\partial w$ is about 7, not 22), emphasis marks not at all, whitespace
    runs once. An estimate, but the same for every option of a question."""

    def displayed(match: re.Match) -> str:
        return re.sub(r"[{}_^]", "", _TEX_COMMAND.sub("c", match.group(1)))

    shown = _INLINE_MATH.sub(displayed, " ".join(text.split()))
    return len(re.sub(r"[*`]", "", shown))


def key_length_rank(item: Mcq) -> str | None:
    """ "longest" or "shortest" when the key's text is strictly longer (shorter) than every
    other option's, else None."""
    key = next((o for o in item.options if o.correct), None)
    others = [_shown_length(o.text) for o in item.options if o is not key]
    if key is None or not others:
        return None
    length = _shown_length(key.text)
    if length > max(others):
        return "longest"
    if length < min(others):
        return "shortest"
    return None


def distractor_problems(item: Mcq) -> Iterator[tuple[tuple, str]]:
    """(location, message) for each distractor whose feedback does not name its mistake.

    Missing feedback is reported by validate.py itself; this judges feedback that exists.
    An item without exactly one key is already wrong, and which options are distractors
    is then unknown, so it is not judged.
    """
    if sum(option.correct for option in item.options) != 1:
        return
    seen: dict[str, str] = {}
    for index, option in enumerate(item.options):
        feedback = " ".join((option.feedback or "").split())
        if option.correct or not feedback:
            continue
        plain = re.sub(r"[^\w' ]+", " ", feedback.lower()).strip()
        words = _words(feedback)
        if _GENERIC.match(plain) and len(words) < 2 * MIN_FEEDBACK_WORDS:
            yield (
                ("options", index, "feedback"),
                f"distractor {option.id!r}: feedback judges the option without saying which"
                " mistake gives it; name the mistake and why it is wrong",
            )
        elif len(words) < MIN_FEEDBACK_WORDS:
            yield (
                ("options", index, "feedback"),
                f"distractor {option.id!r}: feedback of {len(words)} words is too short to say"
                f" which mistake gives this option (at least {MIN_FEEDBACK_WORDS})",
            )
        if plain in seen:
            yield (
                ("options", index, "feedback"),
                f"distractor {option.id!r} has the same feedback as {seen[plain]!r}: two options"
                " come from two different mistakes, so say which one each is",
            )
        else:
            seen[plain] = option.id


@dataclass
class Balance:
    """The guessing-rule figures of a set of banks."""

    true_false: int = 0
    true_keys: int = 0
    mcq: int = 0
    longest_keys: int = 0
    shortest_keys: int = 0
    # bank path -> (true keys, true/false items, longest keys, shortest keys, mcq items)
    per_bank: dict[str, tuple[int, int, int, int, int]] = field(default_factory=dict)

    @property
    def true_share(self) -> float | None:
        return self.true_keys / self.true_false if self.true_false else None

    def key_ranks(self) -> list[tuple[str, int, float | None]]:
        """(rank, mcq items whose key is strictly the `rank` option, their share) for each
        rank `key_length_rank` reports; LONGEST_KEY_SHARE bounds both shares."""
        counts = {"longest": self.longest_keys, "shortest": self.shortest_keys}
        return [(rank, n, n / self.mcq if self.mcq else None) for rank, n in counts.items()]

    def outside_targets(self) -> list[str]:
        """Each figure outside its course-wide target, as a sentence (empty when none)."""
        found = []
        low, high = TRUE_SHARE
        share = self.true_share
        if share is not None and not low <= share <= high:
            found.append(
                f"{self.true_keys} of {self.true_false} true/false keys are true ({share:.0%});"
                f" the course keeps this between {low:.0%} and {high:.0%}, or always answering"
                f" {'false' if share < low else 'true'} pays"
            )
        for rank, count, share in self.key_ranks():
            if share is not None and share > LONGEST_KEY_SHARE:
                found.append(
                    f"in {count} of {self.mcq} multiple-choice items the key is the strictly"
                    f" {rank} option ({share:.0%}); the course keeps this at most"
                    f" {LONGEST_KEY_SHARE:.0%}, or picking the {rank} option pays"
                )
        return found

    def lines(self) -> list[str]:
        """What `quizkit check` prints."""
        low, high = TRUE_SHARE
        parts = []
        if self.true_false:
            parts.append(
                f'true/false keys "true": {self.true_keys}/{self.true_false}'
                f" ({self.true_share:.0%}; course target {low:.0%}–{high:.0%})"
            )
        for rank, count, share in self.key_ranks() if self.mcq else ():
            parts.append(
                f"mcq key strictly the {rank} option: {count}/{self.mcq}"
                f" ({share:.0%}; course target at most {LONGEST_KEY_SHARE:.0%})"
            )
        return [f"balance: {part}" for part in parts]


def balance(banks: Iterable) -> Balance:
    """The figures over `banks` (LoadedBank objects), counting only items that validated."""
    result = Balance()
    for loaded in banks:
        counts = [0, 0, 0, 0, 0]
        for _, item in loaded.items:
            if isinstance(item, TrueFalse):
                counts[0] += bool(item.answer)
                counts[1] += 1
            elif isinstance(item, Mcq):
                rank = key_length_rank(item)
                counts[2] += rank == "longest"
                counts[3] += rank == "shortest"
                counts[4] += 1
        result.true_keys += counts[0]
        result.true_false += counts[1]
        result.longest_keys += counts[2]
        result.shortest_keys += counts[3]
        result.mcq += counts[4]
        result.per_bank[loaded.path] = tuple(counts)
    return result
