"""The history store: one row per apply or undo (with the SQL text that ran) plus an append-only event log.

`<table>` holds what ran: rank, version, description, kind (versioned / repeatable / baseline /
undo), script, checksum, the up and undo SQL as applied, who, when, how long, success, statement
progress and the error of an unfinished non-transactional run. `<table>_events` records every
applied, undone, failed, resumed, repaired, baselined and cleaned action, never updated or deleted.
Every write is a `psycopg.sql.Composed` with literal values, so a dry run can print exactly it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql

from dbworkbench.core.discovery import MigrationKind
from dbworkbench.core.scripts import checksum

ELAPSED_IN_TRANSACTION = sql.SQL("(extract(epoch FROM clock_timestamp() - now()) * 1000)::integer")
"""Milliseconds since the current transaction began, as the server measures them."""

_UNDO_CHECKSUM = "to_jsonb(h.*)->>'undo_checksum'"
"""Read so that a history table created before the column existed still reads (as NULL)."""

HISTORY_COLUMNS = (
    "installed_rank, version, description, kind, script, checksum, installed_by, installed_on, "
    "execution_ms, success, statements_done, statements_total, error"
)


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One row of the history table (SQL text only when asked for)."""

    rank: int
    version: str | None
    description: str
    kind: MigrationKind
    script: str
    checksum: str | None
    installed_by: str
    installed_on: datetime
    execution_ms: int
    success: bool
    statements_done: int
    statements_total: int
    error: str | None
    up_sql: str | None = None
    undo_sql: str | None = None
    undo_checksum: str | None = None
    """Checksum of `undo_sql` when it was recorded: a stored undo edited since then is refused (None: not known,
    a row written before dbworkbench recorded it)."""

    @property
    def undo_tampered(self) -> bool:
        """The stored undo text no longer matches the checksum recorded with it."""
        return self.undo_sql is not None and self.undo_checksum is not None and checksum(self.undo_sql) != \
            self.undo_checksum

    @property
    def key(self) -> str:
        """Canonical version, or description for repeatables: pairs rows with files."""
        return self.version if self.version is not None else self.description


@dataclass(frozen=True, slots=True)
class HistoryEvent:
    """One entry of the event log."""

    id: int
    at: datetime
    action: str
    version: str | None
    script: str | None
    checksum: str | None
    by: str
    execution_ms: int | None
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class NewRow:
    """Values for a history row about to be written."""

    version: str | None
    description: str
    kind: MigrationKind
    script: str
    checksum: str | None
    up_sql: str | None
    undo_sql: str | None
    success: bool
    statements_done: int
    statements_total: int
    execution_ms: int = 0


def hidden_relations(history_table: str, default_schema: str) -> frozenset[str]:
    """`schema.name` of dbworkbench's own relations (both history tables and their identity sequences), which
    introspection, drift and the schema browser leave out.

    Args:
        history_table: the configured `table` or `schema.table`.
        default_schema: the schema an unqualified `history_table` lives in (the connection's current schema).
    """
    schema, _, table = history_table.rpartition(".")
    names = (table, f"{table}_events", f"{table}_installed_rank_seq", f"{table}_events_id_seq")
    return frozenset(f"{schema or default_schema}.{name}" for name in names)


class HistoryStore:
    """SQL for one history table, given its schema and name."""

    def __init__(self, schema: str, table: str) -> None:
        self.schema = schema
        self.table = table
        self.ident = sql.Identifier(schema, table)
        self.events_ident = sql.Identifier(schema, f"{table}_events")

    @property
    def qualified_name(self) -> str:
        """schema.table, the key of the advisory lock."""
        return f"{self.schema}.{self.table}"

    def exists(self, conn: psycopg.Connection[Any]) -> bool:
        """True when the history table is there."""
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL",
                           [sql.Identifier(self.schema, self.table).as_string(conn)]).fetchone()
        return bool(row and row[0])

    def upgrade_statements(self) -> list[sql.Composed]:
        """DDL bringing a history table created by an earlier dbworkbench up to date (idempotent)."""
        return [sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS undo_checksum text").format(self.ident),
                self._version_index()]

    def _version_index(self) -> sql.Composed:
        """The guard looks up a version's latest row on every history write: O(log n), not a scan."""
        return sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (version, installed_rank)").format(
            sql.Identifier(f"{self.table}_version"), self.ident)

    def events_exist(self, conn: psycopg.Connection[Any]) -> bool:
        """True when the event log table is there."""
        return self.tables_exist(conn)[1]

    def tables_exist(self, conn: psycopg.Connection[Any]) -> tuple[bool, bool]:
        """Whether the history table and its event log are there, in one query."""
        row = conn.execute("SELECT to_regclass(%s) IS NOT NULL, to_regclass(%s) IS NOT NULL",
                           [self.ident.as_string(conn), self.events_ident.as_string(conn)]).fetchone()
        return (bool(row[0]), bool(row[1])) if row else (False, False)

    def create_statements(self) -> list[sql.Composed]:
        """Idempotent DDL for both tables (run under the migration lock)."""
        return [
            sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema)),
            sql.SQL("""CREATE TABLE IF NOT EXISTS {} (
    installed_rank integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    version text,
    description text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('versioned', 'repeatable', 'baseline', 'undo')),
    script text NOT NULL,
    checksum text,
    up_sql text,
    undo_sql text,
    installed_by text NOT NULL DEFAULT current_user,
    installed_on timestamptz NOT NULL DEFAULT clock_timestamp(),
    execution_ms integer NOT NULL DEFAULT 0,
    success boolean NOT NULL,
    statements_done integer NOT NULL DEFAULT 0,
    statements_total integer NOT NULL DEFAULT 0,
    error text,
    undo_checksum text
)""").format(self.ident),
            sql.SQL("""CREATE TABLE IF NOT EXISTS {} (
    id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    action text NOT NULL,
    version text,
    script text,
    checksum text,
    by text NOT NULL DEFAULT current_user,
    execution_ms integer,
    detail jsonb NOT NULL DEFAULT '{{}}'
)""").format(self.events_ident),
            self._version_index(),
        ]

    def rows(self, conn: psycopg.Connection[Any], *, with_sql: bool = False) -> list[HistoryRow]:
        """Every row in rank order; SQL text only when `with_sql`."""
        columns = HISTORY_COLUMNS + (", up_sql, undo_sql, " + _UNDO_CHECKSUM if with_sql else "")
        query = sql.SQL("SELECT " + columns + " FROM {} h ORDER BY installed_rank").format(self.ident)
        kinds = _KINDS
        with conn.cursor(binary=True) as cur:  # binary results: 10 000 rows' timestamps decode in half the time
            cur.execute(query)
            return [HistoryRow(r[0], r[1], r[2], kinds[r[3]], *r[4:]) for r in cur.fetchall()]

    def fingerprint(self, conn: psycopg.Connection[Any]) -> str:
        """A digest of every row as `rows` reads them (SQL text aside), computed by the server: any insert, update
        or delete of a row changes it, and no row crosses the wire."""
        query = sql.SQL("SELECT count(*), md5(string_agg((" + HISTORY_COLUMNS + ")::text, chr(10) ORDER BY "
                        "installed_rank)) FROM {} h").format(self.ident)
        row = conn.execute(query).fetchone()
        return f"{row[0]}:{row[1]}" if row else "0:"

    def row(self, conn: psycopg.Connection[Any], rank: int) -> HistoryRow:
        """One row with its SQL text."""
        query = sql.SQL("SELECT " + HISTORY_COLUMNS + ", up_sql, undo_sql, " + _UNDO_CHECKSUM +
                        " FROM {} h WHERE installed_rank = %s").format(self.ident)
        r = conn.execute(query, [rank]).fetchone()
        assert r is not None, f"history row {rank} vanished"
        return HistoryRow(r[0], r[1], r[2], MigrationKind(r[3]), *r[4:])

    def tampered_undo_ranks(self, conn: psycopg.Connection[Any]) -> set[int]:
        """Ranks whose stored undo no longer hashes to the checksum recorded with it, compared by the server
        (no SQL text crosses the wire). Stored text is already normalised, so the server's sha256 matches
        `scripts.checksum`."""
        query = sql.SQL("SELECT installed_rank FROM {} h WHERE " + _UNDO_CHECKSUM + " IS NOT NULL AND undo_sql IS "
                        "NOT NULL AND encode(sha256(convert_to(undo_sql, 'UTF8')), 'hex') <> " + _UNDO_CHECKSUM
                        ).format(self.ident)
        return {int(r[0]) for r in conn.execute(query)}

    def protected_as(self, conn: psycopg.Connection[Any]) -> str | None:
        """The name this database was marked protected under (the latest `protected`/`unprotected` event), or
        None. The mark lives in the database, so it holds however the database is reached."""
        exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", [self.events_ident.as_string(conn)]).fetchone()
        if not (exists and exists[0]):
            return None
        row = conn.execute(sql.SQL("SELECT action, detail->>'name' FROM {} WHERE action IN ('protected', "
                                   "'unprotected') ORDER BY id DESC LIMIT 1").format(self.events_ident)).fetchone()
        return str(row[1] or "") if row is not None and row[0] == "protected" else None

    def events(self, conn: psycopg.Connection[Any], version: str | None = None) -> list[HistoryEvent]:
        """The event log, oldest first (optionally of one version)."""
        query = sql.SQL("SELECT id, at, action, version, script, checksum, by, execution_ms, detail FROM {}").format(self.events_ident)
        if version is not None:
            return [HistoryEvent(*r) for r in conn.execute(query + sql.SQL(" WHERE version = %s ORDER BY id"), [version])]
        return [HistoryEvent(*r) for r in conn.execute(query + sql.SQL(" ORDER BY id"))]

    def insert(self, row: NewRow, *, returning: bool = False, timed_by_server: bool = False,
               bound: bool = False) -> sql.Composed:
        """INSERT of a history row, optionally RETURNING its rank.

        With `timed_by_server`, execution_ms is the time since the transaction began, measured by the server. With
        `bound`, the row's up and undo SQL are parameters (`[row.up_sql, row.undo_sql]`) instead of literals: a big
        file's text is then sent once, as it is, not quoted into a second copy.
        """
        duration: sql.Composable = ELAPSED_IN_TRANSACTION if timed_by_server else sql.Literal(row.execution_ms)
        texts: list[sql.Composable] = [sql.Placeholder(), sql.Placeholder()] if bound else [
            sql.Literal(row.up_sql), sql.Literal(row.undo_sql)]
        query = sql.SQL(
            "INSERT INTO {} (version, description, kind, script, checksum, up_sql, undo_sql, execution_ms, "
            "success, statements_done, statements_total, undo_checksum) VALUES ({}, {}, {}, {}, {})"
        ).format(self.ident, sql.SQL(", ").join([*(sql.Literal(v) for v in (
            row.version, row.description, row.kind.value, row.script, row.checksum)), *texts]),
            duration, sql.SQL(", ").join(sql.Literal(v) for v in (row.success, row.statements_done)),
            sql.Literal(row.statements_total), sql.Literal(checksum(row.undo_sql) if row.undo_sql is not None else None))
        return query + sql.SQL(" RETURNING installed_rank") if returning else query

    def copy_row(self, conn: psycopg.Connection[Any], row: NewRow) -> None:
        """Write a history row with COPY, its up and undo SQL streamed a piece at a time: a big file's text goes to
        the server without a whole second copy (quoted, or encoded) in memory."""
        columns = ("version", "description", "kind", "script", "checksum", "execution_ms", "success",
                   "statements_done", "statements_total", "undo_checksum", "up_sql", "undo_sql")
        small = (row.version, row.description, row.kind.value, row.script, row.checksum, row.execution_ms,
                 "t" if row.success else "f", row.statements_done, row.statements_total,
                 checksum(row.undo_sql) if row.undo_sql is not None else None)
        query = sql.SQL("COPY {} ({}) FROM STDIN").format(self.ident, sql.SQL(", ").join(map(sql.Identifier, columns)))
        with conn.cursor() as cur, cur.copy(query) as copy:
            copy.write("\t".join(_copy_field(v) for v in small))
            for text in (row.up_sql, row.undo_sql):
                copy.write("\t")
                if text is None:
                    copy.write("\\N")
                    continue
                for start in range(0, len(text), _COPY_PIECE):
                    copy.write(_copy_field(text[start:start + _COPY_PIECE]))
            copy.write("\n")

    def progress(self, rank: int, done: int, *, error: str | None = None) -> sql.Composed:
        """UPDATE recording statements done (and the error, if the run stopped on one)."""
        return sql.SQL("UPDATE {} SET statements_done = {}, error = {} WHERE installed_rank = {}").format(
            self.ident, sql.Literal(done), sql.Literal(error), sql.Literal(rank))

    def finish(self, rank: int, row: NewRow, execution_ms: int) -> sql.Composed:
        """UPDATE marking a non-transactional run complete, with the text that finally ran."""
        return sql.SQL("UPDATE {} SET statements_done = {}, success = true, error = NULL, execution_ms = {}, "
                       "checksum = {}, up_sql = {}, undo_sql = {}, undo_checksum = {} WHERE installed_rank = {}").format(
            self.ident, sql.Literal(row.statements_total), sql.Literal(execution_ms), sql.Literal(row.checksum),
            sql.Literal(row.up_sql), sql.Literal(row.undo_sql),
            sql.Literal(checksum(row.undo_sql) if row.undo_sql is not None else None), sql.Literal(rank))

    def guard(self, lock_class: int, lock_key: int, script: str, applying: str | None,
              resuming_rank: int | None) -> sql.Composed:
        """A statement, run in a history write's transaction, that raises unless this session still holds the
        migration lock and, when `applying` a version, that version is not applied already (serialised per
        version by a transaction lock, so two sessions can never both record it)."""
        lock_held = sql.SQL(
            "IF NOT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid() AND granted "
            "AND classid::int = {} AND objid::bigint = {} AND objsubid = 2) THEN RAISE EXCEPTION USING MESSAGE = "
            "{}; END IF;").format(sql.Literal(lock_class), sql.Literal(lock_key & 0xFFFFFFFF), sql.Literal(
                f"the migration lock is no longer held (a statement of {script} released it?), so nothing of it is "
                "recorded: another migrator could be running. Remove the unlock from the file."))
        if applying is None:
            return sql.SQL("DO $dbwb_guard$ BEGIN {} END $dbwb_guard$").format(lock_held)
        applied = sql.SQL(
            "PERFORM pg_advisory_xact_lock({}, hashtext({})); IF EXISTS (SELECT 1 FROM (SELECT kind, success, "
            "installed_rank FROM {} WHERE version = {} AND kind IN ('versioned', 'undo') ORDER BY installed_rank DESC "
            "LIMIT 1) latest WHERE latest.kind = 'versioned' AND latest.success AND latest.installed_rank IS "
            "DISTINCT FROM {}) THEN RAISE EXCEPTION USING MESSAGE = {}; END IF;").format(
            sql.Literal(lock_class + 1), sql.Literal(f"{self.qualified_name}:{applying}"), self.ident,
            sql.Literal(applying), sql.Literal(resuming_rank), sql.Literal(
                f"version {applying} is already recorded as applied (by another migrator?); {script} is not "
                "recorded again."))
        return sql.SQL("DO $dbwb_guard$ BEGIN {} {} END $dbwb_guard$").format(lock_held, applied)

    def event(self, action: str, *, version: str | None, script: str | None, checksum: str | None = None,
              execution_ms: int | None = None, detail: dict[str, Any] | None = None,
              timed_by_server: bool = False) -> sql.Composed:
        """INSERT into the event log."""
        duration: sql.Composable = ELAPSED_IN_TRANSACTION if timed_by_server else sql.Literal(execution_ms)
        return sql.SQL("INSERT INTO {} (action, version, script, checksum, execution_ms, detail) "
                       "VALUES ({}, {}, {})").format(
            self.events_ident, sql.SQL(", ").join(sql.Literal(v) for v in (action, version, script, checksum)),
            duration, sql.Literal(json.dumps(detail or {})))

    def delete(self, rank: int) -> sql.Composed:
        """DELETE of one row (repair of a failed entry)."""
        return sql.SQL("DELETE FROM {} WHERE installed_rank = {}").format(self.ident, sql.Literal(rank))

    def realign(self, rank: int, checksum: str, up_sql: str, description: str) -> sql.Composed:
        """UPDATE of a row's checksum, text and description to match its reviewed file (repair)."""
        return sql.SQL("UPDATE {} SET checksum = {}, up_sql = {}, description = {} WHERE installed_rank = {}").format(
            self.ident, sql.Literal(checksum), sql.Literal(up_sql), sql.Literal(description), sql.Literal(rank))


_KINDS = {kind.value: kind for kind in MigrationKind}
_COPY_PIECE = 1 << 20
"""Characters of a history text escaped and sent at a time by `HistoryStore.copy_row`."""


def _copy_field(value: object) -> str:
    """A value in COPY's text format (NULL is \\N; backslash, newline, carriage return and tab escaped)."""
    if value is None:
        return "\\N"
    return str(value).replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
