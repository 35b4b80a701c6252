"""ProjectState: the migration files and the history rows of one target, folded once per operation.

Every verb that needs to know what is applied, pending or broken reads one `ProjectState` and asks it;
"pending" is `State.is_pending`, defined once in `core.planner`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from dbworkbench.core.discovery import MigrationKind, MigrationSet
from dbworkbench.core.history import HistoryRow
from dbworkbench.core.planner import Entry, State, fold
from dbworkbench.core.versions import Version


@dataclass(frozen=True, slots=True)
class ProjectState:
    """Files and history of one target, folded into one entry per migration."""

    migrations: MigrationSet
    rows: tuple[HistoryRow, ...]
    """Every history row in rank order."""
    entries: tuple[Entry, ...]
    """One per migration: versioned in version order, then repeatables by name."""

    @classmethod
    def of(cls, migrations: MigrationSet, rows: list[HistoryRow] | tuple[HistoryRow, ...]) -> ProjectState:
        """Fold `rows` over `migrations`."""
        return cls(migrations, tuple(rows), tuple(fold(migrations, list(rows))))

    @property
    def pending(self) -> tuple[Entry, ...]:
        """Entries with a file that the next `migrate` would run."""
        return pending_entries(self.entries)


    def find(self, key: str) -> Entry | None:
        """The entry of a repeatable (by name, any case) or of a version (`5`, `V5`, `005`)."""
        entry = next((e for e in self.entries if e.version is None and e.key.lower() == key.lower()), None)
        if entry is not None:
            return entry
        try:
            version = Version.parse(key.lstrip("Vv"))
        except ValueError:
            return None
        return next((e for e in self.entries if e.version is not None and e.version == version), None)


def history_mark(rows: tuple[HistoryRow, ...] | list[HistoryRow]) -> str:
    """A short fingerprint of the history rows: any apply, undo, repair or baseline since changes it. A screen
    keeps the mark of the state it shows, and a write planned on that screen refuses to run on another."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(f"{row.rank}|{row.version}|{row.checksum}|{row.success}|{row.statements_done}|"
                      f"{row.installed_on.isoformat()}\n".encode())
    return f"{len(rows)}:{digest.hexdigest()[:16]}"


def pending_entries(entries: tuple[Entry, ...]) -> tuple[Entry, ...]:
    """Entries with a file that the next `migrate` would run."""
    return tuple(e for e in entries if e.state.is_pending and e.file is not None)


def problem_entries(entries: tuple[Entry, ...]) -> tuple[Entry, ...]:
    """Entries `validate` fails on."""
    return tuple(e for e in entries if e.state.is_problem)


def current_version(entries: tuple[Entry, ...]) -> str | None:
    """Highest applied (or baselined) version among `entries`."""
    done = [e.version for e in entries if e.version and (e.state.is_applied or e.state is State.BASELINE or (
        e.row is not None and e.row.kind is MigrationKind.BASELINE))]
    return max(done).canonical if done else None
