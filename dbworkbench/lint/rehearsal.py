"""Rehearse statements on a scratch database and measure what the server did, statement by statement.

Inside a transaction that is always rolled back, each statement's effects are read from the server itself:
the relation locks it holds (pg_locks), the tables and indexes it rewrote (relfilenode changed), the
rows it scanned, updated and deleted (pg_stat_xact_user_tables deltas), and what it dropped or renamed
(catalog before/after). Statements that cannot run in a transaction (CONCURRENTLY, VACUUM, ...) run
outside one and are reported as such. Never point this at a database you care about: it runs the SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg

from dbworkbench.core.lexer import Statement
from dbworkbench.core.scripts import NO_TRANSACTION_RE
from dbworkbench.core.steps import autocommit_reason
from dbworkbench.core.syntax import parse_statements

WRITE_BLOCKING = frozenset({"ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"})
"""Lock modes that conflict with ROW EXCLUSIVE: writers wait while they are held."""

_TABLES = ("SELECT c.oid, c.relname, c.relfilenode, c.relkind, GREATEST(c.reltuples, 0)::bigint FROM pg_class c "
           "WHERE c.relnamespace NOT IN (SELECT oid FROM pg_namespace WHERE nspname IN ('pg_catalog', "
           "'information_schema', 'pg_toast')) AND c.relkind IN ('r', 'p', 'i', 'm')")
_COLUMNS = ("SELECT a.attrelid, a.attnum, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p') AND c.relnamespace NOT IN "
            "(SELECT oid FROM pg_namespace WHERE nspname IN ('pg_catalog', 'information_schema', 'pg_toast'))")
_ENUMS = ("SELECT e.oid, t.typname || '.' || e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid")
_STATS = "SELECT relname, seq_tup_read, n_tup_upd, n_tup_del, seq_scan FROM pg_stat_xact_user_tables"
_LOCKS = ("SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
          "WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted "
          "AND c.relnamespace NOT IN (SELECT oid FROM pg_namespace WHERE nspname IN ('pg_catalog', 'pg_toast'))")


@dataclass(frozen=True)
class StatementEffect:
    """What one statement did, as the server reports it."""

    index: int
    line: int
    transactional: bool
    locks: dict[str, set[str]] = field(default_factory=dict)
    """Relation -> lock modes held after the statement (until the transaction ends)."""
    rewritten: list[str] = field(default_factory=list)
    """Pre-existing tables and indexes given a new relfilenode."""
    scanned: dict[str, int] = field(default_factory=dict)
    """Pre-existing table -> rows read by sequential scans."""
    scans: dict[str, int] = field(default_factory=dict)
    """Pre-existing table -> sequential scans started (counted even on an empty table)."""
    updated: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    """Pre-existing tables and columns that are gone."""
    renamed: list[str] = field(default_factory=list)

    def hazards(self, existing_rows: dict[str, int]) -> list[str]:
        """Why this statement is unsafe on a populated database (empty when it is not)."""
        reasons = [f"rewrote {name}" for name in self.rewritten if existing_rows.get(name, 1) > 0]
        for table in sorted(set(self.scanned) | set(self.scans)):
            modes = self.locks.get(table, set()) & WRITE_BLOCKING
            if modes:
                reasons.append(f"scanned {table} ({self.scanned.get(table, 0)} rows here) holding "
                               f"{'/'.join(sorted(modes))}")
        for table, rows in {**self.updated, **self.deleted}.items():
            if existing_rows.get(table) and rows >= existing_rows[table]:
                reasons.append(f"changed every row of {table} in one transaction")
        reasons += [f"dropped {name}" for name in self.dropped]
        reasons += [f"renamed {name}" for name in self.renamed]
        return reasons


Tables = dict[int, tuple[str, int, str, int]]
"""oid -> (name, relfilenode, relkind, estimated rows)."""
Columns = dict[tuple[int, int], str]
"""(table oid, attnum) -> column name."""


def _snapshot(conn: psycopg.Connection[Any]) -> tuple[Tables, Columns]:
    tables = {r[0]: (r[1], r[2], r[3], r[4]) for r in conn.execute(_TABLES).fetchall()}
    columns = {(r[0], r[1]): r[2] for r in conn.execute(_COLUMNS).fetchall()}
    return tables, columns


def _stats(conn: psycopg.Connection[Any]) -> dict[str, tuple[int, int, int, int]]:
    return {r[0]: (r[1], r[2], r[3], r[4]) for r in conn.execute(_STATS).fetchall()}


def rehearse(conn: psycopg.Connection[Any], text: str, *, server_major: int = 18,
             alone: Callable[[Statement, bool], None] | None = None) -> list[StatementEffect]:
    """Run `text` on a scratch database (autocommit connection) the way the engine would, measuring each statement.

    A transactional file runs in one transaction that is rolled back at the end. Otherwise (the
    no-transaction directive, or a statement that cannot run in a transaction), each statement runs in its
    own transaction, measured before it commits, and the others on their own, in file order. For such a file,
    `alone(statement, True)` runs (and commits) each statement that cannot run in a transaction instead of a plain
    execute, and `alone(statement, False)` is called before each other one and must leave nothing (the lock queue
    is rehearsed that way).
    """
    statements = parse_statements(text)
    tables, columns = _snapshot(conn)
    state = _State(set(tables), {name: rows for name, _, kind, rows in tables.values() if kind in ("r", "p")},
                   tables, columns)
    own = [autocommit_reason(s, server_major) is not None for s in statements]
    if runs_in_one_transaction(text, server_major):
        with conn.transaction(force_rollback=True):
            return [_measure(conn, statement, state) for statement in statements]
    effects = []
    for statement, own_transaction in zip(statements, own, strict=True):
        if own_transaction:
            before, _ = _snapshot(conn)
            if alone is not None:
                alone(statement, True)
            else:
                conn.execute(statement.text)
            after, after_columns = _snapshot(conn)
            effects.append(StatementEffect(index=statement.index, line=statement.line, transactional=False,
                                           rewritten=[name for oid, (name, node, _, _) in before.items()
                                                      if oid in state.initial and oid in after and after[oid][1] != node]))
            state.tables, state.columns = after, after_columns
        else:
            if alone is not None:
                alone(statement, False)
            with conn.transaction():
                effects.append(_measure(conn, statement, state))
    return effects


def runs_in_one_transaction(text: str, server_major: int = 18) -> bool:
    """True when the engine runs this file in one transaction (so a rehearsal rolls it all back)."""
    return not NO_TRANSACTION_RE.search(text) and not any(
        autocommit_reason(s, server_major) for s in parse_statements(text))


@dataclass
class _State:
    initial: set[int]
    """Relations that existed before the file: only changes to them are hazards."""
    rows_before: dict[str, int]
    tables: Tables
    columns: Columns


def _measure(conn: psycopg.Connection[Any], statement: Statement, state: _State) -> StatementEffect:
    """Run one statement inside the current transaction and read its effects before the transaction ends."""
    tables, columns, initial = state.tables, state.columns, state.initial
    before_stats = _stats(conn)
    enums = dict(conn.execute(_ENUMS).fetchall())
    conn.execute(statement.text)
    after_tables, after_columns = _snapshot(conn)
    after_stats = _stats(conn)
    after_enums = dict(conn.execute(_ENUMS).fetchall())
    locks: dict[str, set[str]] = {}
    for relation, mode in conn.execute(_LOCKS).fetchall():
        locks.setdefault(relation, set()).add(mode)
    effect = StatementEffect(
        index=statement.index, line=statement.line, transactional=True, locks=locks,
        rewritten=[name for oid, (name, node, _, _) in tables.items() if oid in initial
                   and oid in after_tables and after_tables[oid][1] != node and after_tables[oid][0] == name],
        scanned=_delta(before_stats, after_stats, 0, state.rows_before),
        scans=_delta(before_stats, after_stats, 3, state.rows_before),
        updated=_delta(before_stats, after_stats, 1, state.rows_before),
        deleted=_delta(before_stats, after_stats, 2, state.rows_before),
        dropped=[name for oid, (name, _, kind, _) in tables.items()
                 if oid in initial and kind in ("r", "p") and oid not in after_tables]
        + [f"{tables[oid][0]}.{name}" for (oid, num), name in columns.items()
           if oid in initial and oid in after_tables and (oid, num) not in after_columns],
        renamed=[f"{name} -> {after_tables[oid][0]}" for oid, (name, _, kind, _) in tables.items()
                 if oid in initial and oid in after_tables and after_tables[oid][0] != name and kind in ("r", "p")]
        + [f"{tables[oid][0]}.{name} -> {after_columns[(oid, num)]}" for (oid, num), name in columns.items()
           if oid in initial and (oid, num) in after_columns and after_columns[(oid, num)] != name]
        + [f"enum value {label} -> {after_enums[oid]}" for oid, label in enums.items()
           if oid in after_enums and after_enums[oid] != label],
    )
    state.tables, state.columns = after_tables, after_columns
    return effect


def _delta(before: dict[str, tuple[int, int, int, int]], after: dict[str, tuple[int, int, int, int]], column: int,
           existing: dict[str, int]) -> dict[str, int]:
    found = {}
    for table, values in after.items():
        change = values[column] - before.get(table, (0, 0, 0, 0))[column]
        if change > 0 and table in existing:
            found[table] = change
    return found


def measured_hazards(conn: psycopg.Connection[Any], text: str, *, server_major: int = 18) -> list[str]:
    """Why `text` is unsafe on this (populated, scratch) database, as measured; a failure is a hazard too."""
    rows = {r[0]: r[1] for r in conn.execute(
        "SELECT relname, GREATEST(reltuples, 0)::bigint FROM pg_class WHERE relkind IN ('r', 'p') "
        "AND relnamespace NOT IN (SELECT oid FROM pg_namespace WHERE nspname IN ('pg_catalog', "
        "'information_schema', 'pg_toast'))").fetchall()}
    try:
        effects = rehearse(conn, text, server_major=server_major)
    except psycopg.Error as exc:
        return [f"fails on a populated database: {exc.sqlstate} {str(exc).splitlines()[0]}"]
    return [f"statement {e.index + 1}: {reason}" for e in effects for reason in e.hazards(rows)]
