"""The migration lock: a session-level advisory lock keyed by the history table's qualified name.

Session-level (not transaction-level) so it spans the many transactions of one run, and is released
by the server if the process dies. A second migrator polls until `wait` seconds pass, then reports who
holds the lock: pid, since when, and what it runs (the holder keeps its application_name current).
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

import psycopg

from dbworkbench.errors import LockError

LOCK_CLASS = 0x64627762
"""First key of our advisory locks ("dbwb"); the second is a CRC of the history table name."""


def lock_key(qualified_table: str) -> int:
    """Second advisory-lock key for a history table (a signed 32-bit integer)."""
    value = zlib.crc32(qualified_table.encode("utf-8"))
    return value - (1 << 32) if value >= 1 << 31 else value


def holder(conn: psycopg.Connection[Any], key: int) -> tuple[int, datetime | None, str] | None:
    """pid, backend start and application_name of whoever holds the lock, or None."""
    row = conn.execute(
        "SELECT a.pid, a.backend_start, a.application_name FROM pg_locks l "
        "JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.classid::int = %s AND l.objid::bigint = %s "
        "AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        [LOCK_CLASS, key & 0xFFFFFFFF],
    ).fetchone()
    return (row[0], row[1], row[2]) if row else None


def acquire(conn: psycopg.Connection[Any], qualified_table: str, wait: float,
            on_wait: Callable[[str], None] | None = None) -> int:
    """Take the lock, polling for up to `wait` seconds.

    Returns:
        The key, for `release`.

    Raises:
        LockError: still held by another session after `wait` seconds.
    """
    key = lock_key(qualified_table)
    deadline = time.monotonic() + wait
    delay = 0.05
    told = False
    while True:
        row = conn.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, key]).fetchone()
        if row and row[0]:
            return key
        who = holder(conn, key)
        description = _describe(who)
        if time.monotonic() >= deadline:
            raise LockError(f"another migrator holds the lock on {qualified_table}: {description}. "
                            f"Waited {wait:g}s. Let it finish, or raise --lock-wait.")
        if on_wait is not None and not told:
            on_wait(description)
            told = True
        time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
        delay = min(delay * 2, 1.0)


def _describe(who: tuple[int, datetime | None, str] | None) -> str:
    if who is None:
        return "a session that just released it"
    pid, since, app = who
    when = since.isoformat(timespec="seconds") if since else "an unknown time"
    running = app.removeprefix("dbworkbench").strip() or "(idle)"
    return f"locked by pid {pid} since {when}, running {running}"


def release(conn: psycopg.Connection[Any], key: int) -> None:
    """Release the lock (a closed connection releases it too)."""
    if not conn.closed:
        conn.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, key])
