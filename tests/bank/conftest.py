"""Fixtures for the bank tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from bankhelp import bank_text


@pytest.fixture
def write_bank(tmp_path: Path):
    """write_bank(items_yaml, name="quiz.yml") -> path of a bank file holding those items."""

    def write(items: str, name: str = "quiz.yml", title: str = "Test bank") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(bank_text(items, title))
        return path

    return write
