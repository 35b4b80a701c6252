"""The lock queue, rehearsed: does a statement wait behind a transaction that merely read its table, and do readers
and writers then queue behind it?

The outage people hit is not a long lock but a short one that waits: an ALTER queued behind one old transaction
blocks every query on the table that arrives after it. On the scratch copy, for the first statement of a file that
locks each pre-existing table, a second session opens a transaction that has read the table (ACCESS SHARE, like any
long-running query or idle transaction), the file's earlier statements run, then the statement; if it waits, a
probe reader and a probe writer each try the table's lock for a moment. Everything is rolled back.

A statement that cannot run in a transaction (CREATE INDEX CONCURRENTLY and its kin) is measured the same way while
it runs for real on the copy (`measure_queue_alone`): it waits for transactions that can see the table, yet
usually lets readers and writers through meanwhile, and that is what it is then said to do.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

PROBE_MS = 300
"""How long the probe reader and writer try for their lock."""
WAIT_SECONDS = 1.0
"""How long the statement is watched for waiting (it either finishes or shows a lock wait well before)."""


@dataclass(frozen=True, slots=True)
class QueueEffect:
    """How one statement behaves behind an open reader of its tables."""

    tables: tuple[str, ...]
    """As the statement names them (`orders`, `archive.old_orders`)."""
    waits: bool
    blocks_readers: bool = False
    blocks_writers: bool = False

    def sentence(self, lock_timeout: str | None) -> str:
        """What it means, in words."""
        names = ", ".join(self.tables)
        if not self.waits:
            return f"waits for nobody: an open transaction that read {names} does not hold it up"
        if not (self.blocks_readers or self.blocks_writers):
            return (f"waits for open transactions on {names} to end but blocks no reader or writer meanwhile "
                    "(measured with one open reader); it waits as long as the oldest of them runs")
        blocked = " and ".join(w for w, on in (("readers", self.blocks_readers), ("writers", self.blocks_writers))
                               if on) or "nobody else"
        advice = (f"with lock_timeout {lock_timeout} (this environment's) it gives up after that and can be retried"
                  if lock_timeout else "with lock_timeout 5s it fails fast and can be retried instead")
        return (f"queues behind open transactions on {names} and blocks {blocked} meanwhile "
                f"(measured with one open reader); {advice}")


def _connect_like(conn: psycopg.Connection[Any]) -> psycopg.Connection[Any]:
    from psycopg.conninfo import make_conninfo

    params: dict[str, Any] = dict(conn.info.get_parameters())
    if conn.info.password:
        params["password"] = conn.info.password
    return psycopg.connect(make_conninfo("", **params), autocommit=True)


def _lock(tables: tuple[tuple[str, str], ...], mode: str) -> sql.Composed:
    return sql.SQL("LOCK TABLE {} IN {} MODE").format(sql.SQL(", ").join(sql.Identifier(*t) for t in tables),
                                                       sql.SQL(mode))


def measure_queue(conn: psycopg.Connection[Any], statements: list[str], index: int,
                  tables: tuple[tuple[str, str], ...]) -> QueueEffect:
    """Rehearse `statements[index]` (after the ones before it, in one transaction, rolled back) behind an open
    reader of `tables`; `conn` is the scratch database's autocommit connection, outside a transaction."""
    failure: list[BaseException] = []
    with _connect_like(conn) as blocker, _connect_like(conn) as watcher:
        conn.execute("BEGIN")
        try:
            for text in statements[:index]:
                conn.execute(text)
            _open_reader(blocker, tables)

            def run() -> None:
                try:
                    conn.execute(statements[index])
                except psycopg.Error as exc:
                    failure.append(exc)

            worker = threading.Thread(target=run, daemon=True)
            worker.start()
            waits = _waiting(watcher, conn.info.backend_pid, worker)
            readers = writers = False
            if waits:
                readers = _blocked(watcher, tables, "ACCESS SHARE")
                writers = _blocked(watcher, tables, "ROW EXCLUSIVE")
            blocker.execute("ROLLBACK")
            worker.join(30)
        finally:
            conn.execute("ROLLBACK")
    return QueueEffect(_names(tables), waits, readers, writers)


def measure_queue_alone(conn: psycopg.Connection[Any], statement: str,
                        tables: tuple[tuple[str, str], ...]) -> QueueEffect:
    """Run `statement` (one that commits on its own) on the scratch database's autocommit connection behind an open
    reader of `tables`, measuring the queue; the statement then finishes once the reader is gone.

    Raises:
        psycopg.Error: the statement failed.
    """
    failure: list[psycopg.Error] = []
    with _connect_like(conn) as blocker, _connect_like(conn) as watcher:
        _open_reader(blocker, tables)

        def run() -> None:
            try:
                conn.execute(statement)
            except psycopg.Error as exc:
                failure.append(exc)

        worker = threading.Thread(target=run, daemon=True)
        worker.start()
        try:
            waits = _waiting(watcher, conn.info.backend_pid, worker)
            readers = waits and _blocked(watcher, tables, "ACCESS SHARE")
            writers = waits and _blocked(watcher, tables, "ROW EXCLUSIVE")
        finally:
            blocker.execute("ROLLBACK")
            worker.join()
    if failure:
        raise failure[0]
    return QueueEffect(_names(tables), waits, readers, writers)


def _names(tables: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    return tuple(name if schema == "public" else f"{schema}.{name}" for schema, name in tables)


def _open_reader(blocker: psycopg.Connection[Any], tables: tuple[tuple[str, str], ...]) -> None:
    """An open transaction that has read the tables and keeps its snapshot (like a long report)."""
    blocker.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
    blocker.execute(_lock(tables, "ACCESS SHARE"))
    blocker.execute("SELECT 1")


def _waiting(watcher: psycopg.Connection[Any], pid: int, worker: threading.Thread) -> bool:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if not worker.is_alive():
            return False
        row = watcher.execute("SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", (pid,)).fetchone()
        if row and row[0]:
            return True
        time.sleep(0.01)
    return worker.is_alive()


def _blocked(watcher: psycopg.Connection[Any], tables: tuple[tuple[str, str], ...], mode: str) -> bool:
    """A query arriving now needing `mode` on the tables would wait (tried for PROBE_MS, then given up)."""
    try:
        with watcher.transaction(force_rollback=True):
            watcher.execute(f"SET LOCAL lock_timeout = '{PROBE_MS}ms'")
            watcher.execute(_lock(tables, mode))
    except psycopg.errors.LockNotAvailable:
        return True
    return False
