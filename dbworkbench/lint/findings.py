"""Lint findings: what rule fired, how bad it is, where, why, and the safe recipe."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class Severity(IntEnum):
    """How bad a finding is; `ERROR` findings are unsafe changes (locks, rewrites, data loss)."""

    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        """Lower-case name, as printed."""
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem in one statement."""

    rule: str
    severity: Severity
    path: str
    line: int
    column: int
    message: str
    recipe: str
    """The safe way to make the same change."""
    statement_index: int = 0
