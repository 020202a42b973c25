"""Loading a lesson's quiz bank for the site, with errors that name file, item and field."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from quizkit.bank.model import Bank

from .lessons import ContentError


def load_bank(path: Path) -> Bank:
    """Read and validate one quiz.yml; raise ContentError with one line per problem."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise ContentError([f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}"]) from None
    try:
        return Bank.model_validate(data)
    except ValidationError as exc:
        raise ContentError(_describe(path, data, exc)) from None


def _describe(path: Path, data: object, exc: ValidationError) -> list[str]:
    messages = []
    items = data.get("items") if isinstance(data, dict) else None
    for error in exc.errors():
        loc = list(error["loc"])
        item_id = "-"
        if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
            item = items[loc[1]] if isinstance(items, list) and loc[1] < len(items) else None
            item_id = item.get("id", f"item {loc[1] + 1}") if isinstance(item, dict) else "-"
            # The discriminated union adds the kind as a location step; it is noise here.
            loc = [p for p in loc[2:] if not (isinstance(p, str) and p == _kind(item))]
        field = ".".join(str(p) for p in loc) or "-"
        messages.append(f"{path}: {item_id}: {field}: {error['msg']}")
    return messages


def _kind(item: object) -> str | None:
    return item.get("kind") if isinstance(item, dict) else None
