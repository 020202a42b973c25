"""Loading a lesson's quiz bank for the site through the bank package's loader."""

from __future__ import annotations

from pathlib import Path

from quizkit.bank.load import load_bank as load_bank_file
from quizkit.bank.model import Bank

from .lessons import ContentError


def load_bank(path: Path) -> Bank:
    """Read and validate one quiz.yml; raise ContentError with the loader's problems.

    Each problem reads `path:line: item-id: field: message`, as `quizkit check` prints it.
    """
    loaded = load_bank_file(path)
    if loaded.problems or loaded.bank is None:
        raise ContentError([str(p) for p in sorted(loaded.problems)] or [f"{path}: not loaded"])
    return loaded.bank
