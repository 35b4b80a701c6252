"""A scratch database on the project's embedded server, holding the schema that history says the target has.

Built by running, in rank order, the SQL stored with every applied migration (the target is only read for
its history). Used by `analyze` (to rehearse pending files) and `drift` (to compare with the live schema).
"""

from __future__ import annotations

import contextlib
import os
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg import sql

from dbworkbench.config import Settings
from dbworkbench.core.db import embedded_server
from dbworkbench.core.discovery import MigrationKind
from dbworkbench.core.history import HistoryRow
from dbworkbench.core.planner import Entry, State
from dbworkbench.core.syntax import parse_statements
from dbworkbench.errors import PlanError

APPLIED = (State.APPLIED, State.CHECKSUM_MISMATCH, State.MISSING_FILE)
"""States whose stored SQL is part of the target's schema."""


def applied_rows(entries: list[Entry], rows: list[HistoryRow]) -> list[HistoryRow]:
    """The history rows (with SQL) that built the target, in rank order.

    Raises:
        PlanError: a baseline, or a row without stored SQL, makes the history incomplete.
    """
    if any(r.kind is MigrationKind.BASELINE for r in rows):
        raise PlanError("this database was baselined, so its history does not hold the SQL of everything before "
                        "the baseline; a copy cannot be rebuilt from it.")
    by_rank = {r.rank: r for r in rows}
    chosen = sorted((by_rank[e.row.rank] for e in entries if e.state in APPLIED and e.row is not None),
                    key=lambda r: r.rank)
    missing = [r.script for r in chosen if r.up_sql is None]
    if missing:
        raise PlanError(f"history holds no SQL for {', '.join(missing)}, so the schema cannot be rebuilt.")
    return chosen


_scratch_lock = threading.Lock()
_scratch_users = 0
"""Scratch databases open in this process (two at once for a diff of two folders)."""
_started_for_scratch = False
"""This process started the embedded server only to hold scratch databases."""


@contextlib.contextmanager
def scratch_database(settings: Settings) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit connection to a new, empty database on the embedded server; dropped afterwards.

    A server started only for scratch databases is stopped again when the last one is dropped and nobody else
    is connected to it, so a project that targets a real server is left with no embedded process running.
    """
    global _scratch_users, _started_for_scratch
    server = embedded_server(settings)
    with _scratch_lock:
        if _scratch_users == 0 and not server.status().running:
            _started_for_scratch = True
        status = server.ensure_running()
        _scratch_users += 1
    name = f"dbwb_scratch_{os.getpid()}_{uuid.uuid4().hex[:12]}"
    admin = status.conninfo("postgres")
    try:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            with psycopg.connect(status.conninfo(name), autocommit=True) as conn:
                yield conn
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        with _scratch_lock:
            _scratch_users -= 1
            if _scratch_users == 0 and _started_for_scratch:
                _started_for_scratch = False
                if _nobody_else_on(admin):
                    server.stop()


def _nobody_else_on(admin: str) -> bool:
    with psycopg.connect(admin, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                           "AND pid <> pg_backend_pid()").fetchone()
    return row is not None and row[0] == 0


@contextlib.contextmanager
def scratch_from_history(settings: Settings, rows: list[HistoryRow]) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit connection to a scratch database where `rows` were replayed; dropped afterwards."""
    with scratch_database(settings) as conn:
        for row in rows:
            for statement in parse_statements(row.up_sql or ""):
                try:
                    conn.execute(statement.text)
                except psycopg.Error as exc:
                    raise PlanError(f"replaying {row.script} (history rank {row.rank}) failed at line "
                                    f"{statement.line}: {str(exc).strip().splitlines()[0]}") from exc
        yield conn
