"""The bank format exported as JSON Schema, for editors.

quiz.schema.json is generated from quizkit.bank.model, so an editor with a YAML language
server validates a bank while it is typed. (What the browser must agree with Python on,
the acceptance rule with its worked examples included, is quizkit.mkdocs.client's config.)

The file is generated, committed, and checked by a test to be up to date. Regenerate it
after changing the model with::

    python -m quizkit.bank.schema
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .model import Bank

HERE = Path(__file__).parent
SCHEMA_PATH = HERE / "quiz.schema.json"


def json_schema() -> dict:
    """The JSON Schema of one quiz.yml, generated from the pydantic model."""
    schema = Bank.model_json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Backprop Lab quiz bank (lessons_src/<NN-topic>/quiz.yml)",
        **{key: value for key, value in schema.items() if key != "title"},
    }


def render(document: dict) -> str:
    """The exact text written to disk (stable, so a test can compare it)."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def outputs() -> dict[Path, str]:
    """Each generated file and the text it should hold."""
    return {SCHEMA_PATH: render(json_schema())}


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
