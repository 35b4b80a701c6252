"""A migration session: one connection, the history store, and the migration lock for writers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from dbworkbench.config import Settings
from dbworkbench.core import locking
from dbworkbench.core.db import Target, connect, describe_connection, resolve_target, server_version
from dbworkbench.core.history import HistoryRow, HistoryStore
from dbworkbench.errors import ConfigError, IntegrityError

if TYPE_CHECKING:
    from dbworkbench.core import events as ev


@dataclass(slots=True)
class Session:
    """An open connection to the target with its history store."""

    settings: Settings
    target: Target
    conn: psycopg.Connection[Any]
    store: HistoryStore
    server_version: str
    locked: bool
    purpose: str = ""
    """The verb the session serves."""

    @property
    def label(self) -> str:
        """The database actually reached: `user@host:port/db` (the embedded server by name), no password."""
        return self.target.label if self.target.embedded else describe_connection(self.conn)

    @property
    def server_major(self) -> int:
        """Major version of the server."""
        return int(self.server_version.split(".")[0])

    def reset_for_file(self) -> None:
        """Return the session to the environment's settings and role: whatever a file SET, RESET, SET ROLE or
        created as temporary, the next file starts as the first did (advisory locks are kept)."""
        self.conn.execute(self.reset_statements())  # one round trip per file

    def reset_statements(self) -> sql.Composed:
        """What `reset_for_file` sends; each statement may also run first inside a file's own transaction (the
        executor sends it with a file's text, saving the round trip): a file that fails rolls it back with itself."""
        resets = ["RESET ROLE", "RESET ALL", "DISCARD TEMP", "UNLISTEN *"]
        if self.conn.info.parameter_status("is_superuser") == "on":
            resets.insert(0, "RESET SESSION AUTHORIZATION")
        return sql.SQL("; ").join([*map(sql.SQL, resets), *_writer_sets(self.settings, self.server_major)])

    def history_exists(self) -> bool:
        """True when the history table exists.

        Raises:
            IntegrityError: it exists but its event log does not (dropped?); only `repair` may go on.
        """
        history, events = self.store.tables_exist(self.conn)
        if not history:
            return False
        if not events and self.purpose != "repair":
            raise IntegrityError(
                f"the history table {self.store.qualified_name} exists but its event log "
                f"{self.store.qualified_name}_events does not (dropped?), so nothing can be recorded truthfully. "
                "Restore it from a backup, or recreate it empty with `dbworkbench repair`.",
                title="history is inconsistent")
        return True

    def rows(self, *, with_sql: bool = False) -> list[HistoryRow]:
        """History rows, or none when the table does not exist yet."""
        return self.store.rows(self.conn, with_sql=with_sql) if self.history_exists() else []

    def ensure_history(self) -> None:
        """Create the history tables, or bring older ones up to date (idempotent; done under the lock)."""
        if not self.history_exists() or not self.store.events_exist(self.conn):
            for statement in self.store.create_statements():
                self.conn.execute(statement)
            return
        found = self.conn.execute("SELECT 1 FROM pg_attribute WHERE attrelid = %s::regclass AND attname = "
                                  "'undo_checksum' AND NOT attisdropped", [self.store.ident.as_string(self.conn)])
        if found.fetchone() is None:
            for statement in self.store.upgrade_statements():
                self.conn.execute(statement)

    def history_ddl(self) -> str:
        """The DDL a dry run shows when the history tables do not exist yet."""
        if self.history_exists():
            return ""
        return "\n".join(s.as_string(self.conn) + ";" for s in self.store.create_statements())


def _history_store(conn: psycopg.Connection[Any], settings: Settings) -> HistoryStore:
    schema, _, table = settings.history_table.rpartition(".")
    if not schema:
        row = conn.execute("SELECT current_schema()").fetchone()
        if row is None or row[0] is None:
            raise ConfigError("the connection has no current schema (search_path names no existing schema); "
                              "set history_table = \"schema.table\" or fix search_path.")
        schema = str(row[0])
    return HistoryStore(schema, table)


@contextlib.contextmanager
def open_session(settings: Settings, *, write: bool, purpose: str = "",
                 on_event: ev.EventSink | None = None) -> Iterator[Session]:
    """Connect; for writers also apply timeouts and take the migration lock.

    The history tables are created by `Session.ensure_history`, just before the first write, so a plan
    that fails (syntax error, missing undo) leaves the database untouched.

    Raises:
        DatabaseConnectionError, ServerError: the target cannot be reached.
        LockError: another migrator kept the lock past `settings.lock_wait`.
    """
    target = resolve_target(settings)
    conn = connect(target, purpose=purpose, create_missing=settings.environment.is_embedded)
    key: int | None = None
    try:
        store = _history_store(conn, settings)
        session = Session(settings, target, conn, store, server_version(conn), write, purpose)
        if write:
            configure_writer(conn, settings, session.server_major)
            from dbworkbench.core import events as ev  # only writers report lock waits; `status` skips the import

            emit = on_event or (lambda event: None)
            key = locking.acquire(conn, store.qualified_name, settings.lock_wait,
                                  lambda holder: emit(ev.LockWaited(holder)))
        yield session
    finally:
        try:
            if key is not None and not conn.broken:
                locking.release(conn, key)
        finally:
            conn.close()


def writer_settings(settings: Settings, server_major: int) -> list[tuple[str, str]]:
    """The session settings every write runs under: the environment's timeouts, and a check that the client is
    still there."""
    env = settings.environment
    found = [(name, value) for name, value in (("lock_timeout", env.lock_timeout),
                                               ("statement_timeout", env.statement_timeout)) if value is not None]
    if env.transaction_timeout is not None:
        if server_major < 17:
            raise ConfigError(f"environment {env.name!r} sets transaction_timeout = {env.transaction_timeout!r}, "
                              f"which PostgreSQL {server_major} does not have (17+); nothing was run. Use "
                              "statement_timeout and lock_timeout there.", title="not on this server")
        found.append(("transaction_timeout", env.transaction_timeout))
    if server_major >= 14:
        # A killed migrator's running statement is otherwise kept alive by the server until it ends, holding its
        # locks and our advisory lock; with this it is aborted within a second.
        found.append(("client_connection_check_interval", "1s"))
    return found


def configure_writer(conn: psycopg.Connection[Any], settings: Settings, server_major: int) -> None:
    """Apply `writer_settings` to the session (one round trip)."""
    sets = _writer_sets(settings, server_major)
    if sets:
        conn.execute(sql.SQL("; ").join(sets))


def _writer_sets(settings: Settings, server_major: int) -> list[sql.Composed]:
    """`writer_settings` as statements (session-wide: `set_config(…, false)`)."""
    return [sql.SQL("SELECT set_config({}, {}, false)").format(sql.Literal(k), sql.Literal(v))
            for k, v in writer_settings(settings, server_major)]
