"""Constants the browser widgets share with Python, written once here and shipped as JSON.

`client_config()` becomes assets/quizkit/quiz-config.js; the widgets import it rather than
repeating any of these values.
"""

from __future__ import annotations

import json

from quizkit.bank import kinds
from quizkit.bank.model import DEFAULT_ABS_TOL, DEFAULT_REL_TOL

from .progress import progress_schema

# Bumped only when the stored shape changes incompatibly; item ids stay the keys, so a
# rebuilt site keeps the learner's progress.
STORAGE_KEY = "backprop-lab:progress:v1"
STORAGE_VERSION = 1

# What a learner may type as a number: an optional sign (ASCII or the Unicode minus), digits
# with a dot or a comma as the decimal mark (".5" and "5." too) and an optional exponent.
# Written in the subset of regex syntax that Python and JavaScript read the same way.
NUMBER_PATTERN = r"^[+\-\u2212]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+\-\u2212]?[0-9]+)?$"
# Characters replaced before the text is read as a number.
NUMBER_REPLACEMENTS = {"\u2212": "-", ",": "."}
NUMBER_EXAMPLES = ("-9", "0.5", ".5", "0,5", "1e-3")  # each one is read by NUMBER_PATTERN
NUMBER_HELP = f"Type a number such as {', '.join(NUMBER_EXAMPLES[:-1])} or {NUMBER_EXAMPLES[-1]}."
# A comma followed by groups of exactly three digits after a non-zero integer part ("1,000",
# "12,345.5") may be a thousands separator or a decimal mark: one thousand or one? Such text is
# refused with NUMBER_AMBIGUOUS_HELP rather than guessed. "0,125" is a decimal (no grouped
# number starts with 0) and "1,5" or "1,2345" cannot be thousands, so those are read.
NUMBER_AMBIGUOUS_PATTERN = (
    r"^[+\-\u2212]?[0-9]*[1-9][0-9]*(?:,[0-9]{3})+(?:\.[0-9]*)?(?:[eE][+\-\u2212]?[0-9]+)?$"
)
NUMBER_AMBIGUOUS_HELP = (
    "A comma followed by three digits, as in 1,000, could be a thousands separator or a "
    "decimal mark, so it is not read. Type one thousand as 1000 (no separator), or use a dot "
    "as the decimal mark (1.000 is one)."
)
# Text that matches NUMBER_PATTERN but whose value is too large for a double ("1e309").
NUMBER_NOT_FINITE = (
    "This is not a finite number: it is beyond the largest value a computer stores (about 1.8e308)."
)
# Significant digits used when the widget shows an exact value.
DISPLAY_DIGITS = 6
# Numbers as the learner sees them, each shipped with the text format_number gives it: both
# notations, the switch points (1e-05, 1e+06), and exact ties, which Python rounds to even.
FORMAT_EXAMPLES = (
    0.0, -0.0, 1.0, -9.0, 0.5, 1 / 3, -2 / 3, 3.14159265, 100000.0, 1234567.0, 123456.5,
    1234565.0, 1234575.0, 999999.5, 0.0001234, 0.00001234, 1e-05, -2.5e-05, 0.1234565,
    1.5e-07, 1e21, 6.02214076e23,
)  # fmt: skip
# Accepted: |typed - exact| <= max(abs, rel * |exact|), with rel and abs from the bank.
ACCEPTANCE_RULE = "abs(answer - key) <= max(abs, rel * abs(key))"
# (answer, key, rel, abs): cases near the edges of that rule, on both sides of them (a rule
# half as wide or 1.5 times as wide gets one of them wrong).
ACCEPTANCE_EXAMPLES = (
    (1.0009, 1.0, DEFAULT_REL_TOL, DEFAULT_ABS_TOL),
    (1.0011, 1.0, DEFAULT_REL_TOL, DEFAULT_ABS_TOL),
    (-9.0, -9.0, DEFAULT_REL_TOL, DEFAULT_ABS_TOL),
    (9.0, -9.0, DEFAULT_REL_TOL, DEFAULT_ABS_TOL),
    (0.0, 5e-7, DEFAULT_REL_TOL, DEFAULT_ABS_TOL),
    (0.0, 2e-6, DEFAULT_REL_TOL, DEFAULT_ABS_TOL),
    (1.44, 1.4449, 0.0, 0.005),
    (1.44, 1.4451, 0.0, 0.005),
    (110.0, 110.5, 0.01, 0.0),
)


def format_number(value: float) -> str:
    """A value as the pages show it: DISPLAY_DIGITS significant digits, "-0" as "0".

    The one rule: the build writes numbers with it, and the browser's formatNumber
    (quiz-check.js) is tested against its FORMAT_EXAMPLES.
    """
    text = f"{value:.{DISPLAY_DIGITS}g}"
    return "0" if text == "-0" else text


def number_rules() -> dict:
    """The number format and the acceptance rule with worked examples, computed by their
    Python definitions, for the browser's copies (quiz-check.js) to be tested against."""
    from quizkit.backprop.worksheet import within  # the acceptance rule's one definition

    return {
        "numberFormat": {
            "digits": DISPLAY_DIGITS,
            "examples": [{"value": v, "text": format_number(v)} for v in FORMAT_EXAMPLES],
        },
        "acceptance": {
            "rule": ACCEPTANCE_RULE,
            "examples": [
                {"answer": a, "key": k, "rel": r, "abs": t, "accepted": within(a, k, r, t)}
                for a, k, r, t in ACCEPTANCE_EXAMPLES
            ],
        },
    }


def client_config(items: dict[str, str] | None = None) -> dict:
    """Everything the browser needs to agree with Python, as a JSON-ready dict.

    `items` maps the course's item ids to their kinds (from the plugin's banks): an import
    naming another id is reported as no such question, and nothing is stored for it.
    """
    return {
        "storageKey": STORAGE_KEY,
        "storageVersion": STORAGE_VERSION,
        "number": {
            "pattern": NUMBER_PATTERN,
            "replacements": NUMBER_REPLACEMENTS,
            "help": NUMBER_HELP,
            "ambiguousPattern": NUMBER_AMBIGUOUS_PATTERN,
            "ambiguousHelp": NUMBER_AMBIGUOUS_HELP,
            "notFinite": NUMBER_NOT_FINITE,
        },
        "defaultTolerance": {"rel": DEFAULT_REL_TOL, "abs": DEFAULT_ABS_TOL},
        "displayDigits": DISPLAY_DIGITS,
        **number_rules(),
        "kinds": list(kinds.names()),
        "progress": progress_schema(),
        "items": dict(sorted(items.items())) if items is not None else None,
    }


def client_config_module(items: dict[str, str] | None = None) -> str:
    """quiz-config.js: the config as an ES module, so widgets can import it synchronously."""
    body = json.dumps(client_config(items), indent=2, ensure_ascii=True)
    header = "// Generated by quizkit.mkdocs.client; edit that file, not this one."
    return f"{header}\nexport default {body};\n"
