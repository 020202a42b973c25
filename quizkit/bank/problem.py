"""One problem found in a bank, printed the way editors and CI logs link to it."""

from __future__ import annotations

from dataclasses import dataclass

# Shown in the item-id column for problems that belong to the bank itself (its title, its
# YAML syntax) rather than to one item.
BANK = "(bank)"

# Where something is inside a loaded YAML file: keys and list indices from its root.
Loc = tuple[str | int, ...]


@dataclass(frozen=True, order=True)
class Problem:
    """A single thing wrong with a bank: where it is and what to do about it.

    Printed as ``path:line: item-id: field: message`` so that editors and terminals turn
    it into a link to the offending line.
    """

    path: str
    line: int
    item_id: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.item_id}: {self.field}: {self.message}"
