"""The table lock a statement asks for, read from its leading words (PostgreSQL's documented lock levels), and
which held locks conflict with it: what the pre-flight compares with the sessions holding locks right now, and
what `core.upfront` takes first when a file asks for its locks up front.

This is the static answer; `analyze` measures the real one on a scratch copy (`lint.rehearsal`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import IntEnum

from dbworkbench.core.blockers import relations
from dbworkbench.core.lexer import significant_words


class LockMode(IntEnum):
    """PostgreSQL's table lock modes, weakest first (the names pg_locks uses)."""

    AccessShareLock = 1
    RowShareLock = 2
    RowExclusiveLock = 3
    ShareUpdateExclusiveLock = 4
    ShareLock = 5
    ShareRowExclusiveLock = 6
    ExclusiveLock = 7
    AccessExclusiveLock = 8

    @property
    def label(self) -> str:
        """`ACCESS EXCLUSIVE`, as the documentation writes it."""
        words = self.name.removesuffix("Lock")
        return "".join(f" {c}" if c.isupper() else c for c in words).strip().upper()


_CONFLICTS: dict[LockMode, frozenset[LockMode]] = {
    LockMode.AccessShareLock: frozenset({LockMode.AccessExclusiveLock}),
    LockMode.RowShareLock: frozenset({LockMode.ExclusiveLock, LockMode.AccessExclusiveLock}),
    LockMode.RowExclusiveLock: frozenset({LockMode.ShareLock, LockMode.ShareRowExclusiveLock, LockMode.ExclusiveLock,
                                          LockMode.AccessExclusiveLock}),
    LockMode.ShareUpdateExclusiveLock: frozenset({LockMode.ShareUpdateExclusiveLock, LockMode.ShareLock,
                                                  LockMode.ShareRowExclusiveLock, LockMode.ExclusiveLock,
                                                  LockMode.AccessExclusiveLock}),
    LockMode.ShareLock: frozenset({LockMode.RowExclusiveLock, LockMode.ShareUpdateExclusiveLock,
                                   LockMode.ShareRowExclusiveLock, LockMode.ExclusiveLock,
                                   LockMode.AccessExclusiveLock}),
    LockMode.ShareRowExclusiveLock: frozenset(set(LockMode) - {LockMode.AccessShareLock, LockMode.RowShareLock}),
    LockMode.ExclusiveLock: frozenset(set(LockMode) - {LockMode.AccessShareLock}),
    LockMode.AccessExclusiveLock: frozenset(LockMode),
}
"""PostgreSQL's conflict table ("Conflicting Lock Modes"): mode -> the modes it cannot be granted beside."""


def conflicts(wanted: LockMode, held: str) -> bool:
    """Would a lock `wanted` wait for a granted lock named `held` (pg_locks.mode) on the same table?"""
    try:
        return LockMode[held] in _CONFLICTS[wanted]
    except KeyError:
        return False


@dataclass(frozen=True, slots=True)
class LockNeed:
    """The lock one statement takes on each table it names."""

    mode: LockMode | None
    """None: no table lock worth showing (a new object, or a statement that locks no table)."""
    tables: tuple[str, ...]
    why: str


_WEAK_ALTER = ("validate constraint", "set statistics", "cluster on", "set without cluster", "attach partition",
               "detach partition concurrently", "set (", "reset (")
_COMMENTED = re.compile(r"comment\s+on\s+(?:table|column)\s+((?:\"[^\"]+\"|[\w$]+)(?:\.(?:\"[^\"]+\"|[\w$]+))*)", re.I)
_DROPPED = re.compile(r"drop\s+(?:materialized\s+)?(?:table|view)\s+(?:if\s+exists\s+)?([\w$.\"]+(?:\s*,\s*[\w$.\"]+)*)",
                      re.I)
_LOCK_MODE = re.compile(r"\bin\s+(access\s+share|row\s+share|row\s+exclusive|share\s+update\s+exclusive|share\s+row"
                        r"\s+exclusive|share|exclusive|access\s+exclusive)\s+mode", re.I)


def lock_needed(statement: str) -> LockNeed:
    """The strongest table lock a statement asks for on the tables it names, from its leading words."""
    words = significant_words(statement, 40)
    tables = tuple(relations(statement))

    def need(mode: LockMode | None, why: str, on: tuple[str, ...] = tables) -> LockNeed:
        return LockNeed(mode, on, why)

    if not words:
        return need(None, "empty")
    first = words[0]
    if first == "create":
        if "index" in words[:4]:
            concurrently = "concurrently" in words[:5]
            return need(LockMode.ShareUpdateExclusiveLock if concurrently else LockMode.ShareLock,
                        "CREATE INDEX CONCURRENTLY (waits for older transactions)" if concurrently else
                        "CREATE INDEX blocks writes while it builds")
        if "trigger" in words[:4]:
            return need(LockMode.ShareRowExclusiveLock, "CREATE TRIGGER")
        if words[1:2] == ["table"] and "references" in words:
            return need(LockMode.ShareRowExclusiveLock, "a new table's foreign key locks the referenced table",
                        tables[1:])
        return need(None, "creates a new object")
    if first in ("alter", "drop") and words[1:2] == ["index"] and "concurrently" in words[:4]:
        return need(LockMode.ShareUpdateExclusiveLock, f"{first.upper()} INDEX CONCURRENTLY")
    if first == "alter" and words[1:2] == ["table"]:
        rest = " ".join(words[2:])
        text = " ".join(statement.lower().split())
        if any(phrase in rest or phrase in text for phrase in _WEAK_ALTER):
            return need(LockMode.ShareUpdateExclusiveLock, "ALTER TABLE (a subcommand that lets reads and writes on)")
        if "add" in words and ("foreign key" in rest or "references" in words):
            return need(LockMode.ShareRowExclusiveLock, "ADD FOREIGN KEY (on the table and the referenced one)")
        return need(LockMode.AccessExclusiveLock, "ALTER TABLE")
    if first == "lock":
        named = _LOCK_MODE.search(statement)
        mode = "".join(w.capitalize() for w in named.group(1).split()) + "Lock" if named else "AccessExclusiveLock"
        return need(LockMode[mode], f"LOCK TABLE in {LockMode[mode].label} mode")
    if first == "drop" and words[1:2] in (["table"], ["view"], ["materialized"]):
        named = _DROPPED.search(statement)
        dropped = tuple(n.strip() for n in named.group(1).split(",")) if named else tables
        return need(LockMode.AccessExclusiveLock, f"DROP {words[1].upper()}", dropped)
    if first in ("drop", "truncate") or first == "cluster":
        return need(LockMode.AccessExclusiveLock, f"{first.upper()} ...")
    if first == "refresh":
        concurrently = "concurrently" in words[:4]
        return need(LockMode.ExclusiveLock if concurrently else LockMode.AccessExclusiveLock,
                    "REFRESH MATERIALIZED VIEW" + (" CONCURRENTLY" if concurrently else " (blocks readers)"))
    if first == "comment":
        commented = _COMMENTED.search(statement)
        target = commented.group(1) if commented else ""
        if commented and words[2:3] == ["column"]:
            target = target.rsplit(".", 1)[0]
        return need(LockMode.ShareUpdateExclusiveLock if target else None, "COMMENT", (target,) if target else ())
    if first in ("vacuum", "analyze"):
        return need(LockMode.ShareUpdateExclusiveLock, first.upper())
    if first in ("insert", "update", "delete", "merge"):
        return need(LockMode.RowExclusiveLock, f"{first.upper()} (row locks; waits only for stronger table locks)")
    if first in ("select", "with"):
        return need(LockMode.AccessShareLock, "reads")
    if first == "reindex":
        return need(LockMode.ShareUpdateExclusiveLock if "concurrently" in words[:4] else LockMode.ShareLock,
                    "REINDEX (blocks writes; ACCESS EXCLUSIVE on the index itself)")
    return need(None, f"{first.upper()}: no table lock read from it")
