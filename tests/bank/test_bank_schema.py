"""The generated JSON files: up to date, and agreeing with the Python model they come from."""

from __future__ import annotations

import json

import jsonschema
import pytest
from bankhelp import load_real, real_bank_paths

from quizkit.bank import schema
from quizkit.bank.kinds.base import within
from quizkit.bank.model import Tolerance
from quizkit.mkdocs.client import client_config


@pytest.mark.parametrize("path", list(schema.outputs()), ids=lambda p: p.name)
def test_generated_file_is_up_to_date(path):
    assert path.read_text(encoding="utf-8") == schema.outputs()[path], (
        f"{path.name} is stale: run `python -m quizkit.bank.schema` and commit the result"
    )


def test_check_mode_reports_nothing_when_up_to_date(capsys):
    assert schema.main(["--check"]) == 0
    assert capsys.readouterr().out == ""


def test_acceptance_examples_in_the_browser_config_are_the_bank_rule():
    examples = client_config()["acceptance"]["examples"]
    for example in examples:
        tolerance = Tolerance(rel=example["rel"], abs=example["abs"])
        assert within(example["answer"], example["key"], tolerance) is example["accepted"]
    # the examples show both verdicts, so a reimplementation cannot pass by always agreeing
    assert {e["accepted"] for e in examples} == {True, False}


@pytest.mark.parametrize("path", real_bank_paths(), ids=lambda p: p.parent.name)
def test_real_banks_validate_against_the_json_schema(path):
    loaded = load_real(path)
    assert loaded.raw is not None, "\n".join(map(str, loaded.problems))
    jsonschema.validate(loaded.raw, json.loads(schema.SCHEMA_PATH.read_text()))


def test_json_schema_rejects_what_the_model_rejects():
    document = json.loads(schema.SCHEMA_PATH.read_text())
    bank = {"title": "t", "intro": "i", "items": [{"id": "a", "kind": "nope"}]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bank, document)
