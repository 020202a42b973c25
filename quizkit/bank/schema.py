"""The bank format exported as JSON, for editors and for the browser.

- quiz.schema.json: a JSON Schema generated from quizkit.bank.model, so an editor with a
  YAML language server validates a bank while it is typed.
- spec.json: the numbers and names the browser must agree with Python on (kinds, default
  and maximum tolerances, the acceptance rule with worked examples computed by
  quizkit.bank.kinds.base.within, the key format of numeric_trace mistakes).

Both files are generated, committed, and checked by a test to be up to date. Regenerate
them after changing the model with::

    python -m quizkit.bank.schema
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .kinds.base import MAX_ABS_TOL, MAX_REL_TOL, within
from .kinds.numeric_trace import mistake_key
from .model import DEFAULT_ABS_TOL, DEFAULT_REL_TOL, DIFFICULTIES, KINDS, Bank, Tolerance

HERE = Path(__file__).parent
SCHEMA_PATH = HERE / "quiz.schema.json"
SPEC_PATH = HERE / "spec.json"

# (answer, key, rel, abs): cases near the edges of the rule, evaluated by `within`.
_EXAMPLES = [
    (1.0009, 1.0, DEFAULT_REL_TOL, DEFAULT_ABS_TOL),
    (1.0011, 1.0, DEFAULT_REL_TOL, DEFAULT_ABS_TOL),
    (-9.0, -9.0, DEFAULT_REL_TOL, DEFAULT_ABS_TOL),
    (9.0, -9.0, DEFAULT_REL_TOL, DEFAULT_ABS_TOL),
    (0.0, 5e-7, DEFAULT_REL_TOL, DEFAULT_ABS_TOL),
    (0.0, 2e-6, DEFAULT_REL_TOL, DEFAULT_ABS_TOL),
    (1.44, 1.4449, 0.0, 0.005),
    (1.44, 1.4451, 0.0, 0.005),
    (110.0, 110.5, 0.01, 0.0),
]


def json_schema() -> dict:
    """The JSON Schema of one quiz.yml, generated from the pydantic model."""
    schema = Bank.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Backprop Lab quiz bank (lessons_src/<NN-topic>/quiz.yml)",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def spec() -> dict:
    """Everything the browser needs to grade answers exactly as Python does."""
    return {
        "kinds": list(KINDS),
        "difficulties": list(DIFFICULTIES),
        "defaultTolerance": {"rel": DEFAULT_REL_TOL, "abs": DEFAULT_ABS_TOL},
        "maxTolerance": {"rel": MAX_REL_TOL, "abs": MAX_ABS_TOL},
        "acceptance": {
            "rule": "abs(answer - key) <= max(abs, rel * abs(key))",
            "examples": [
                {
                    "answer": answer,
                    "key": key,
                    "rel": rel,
                    "abs": abs_,
                    "accepted": within(answer, key, Tolerance(rel=rel, abs=abs_)),
                }
                for answer, key, rel, abs_ in _EXAMPLES
            ],
        },
        "mistakeKey": mistake_key("{quantity}", "{mistake}"),
    }


def render(document: dict) -> str:
    """The exact text written to disk (stable, so a test can compare it)."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def outputs() -> dict[Path, str]:
    """Each generated file and the text it should hold."""
    return {SCHEMA_PATH: render(json_schema()), SPEC_PATH: render(spec())}


def main(argv: list[str] | None = None) -> int:
    """Write the files; with --check, only report (exit 1) the ones that are out of date."""
    args = sys.argv[1:] if argv is None else argv
    stale = [path for path, text in outputs().items() if _read(path) != text]
    if "--check" in args:
        for path in stale:
            print(f"{path} is out of date; run: python -m quizkit.bank.schema")
        return 1 if stale else 0
    for path in stale:
        path.write_text(outputs()[path], encoding="utf-8")
        print(f"wrote {path}")
    return 0


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


if __name__ == "__main__":
    sys.exit(main())
