"""A scratch database on the project's embedded server, holding the schema that history says the target has.

Built by running, in rank order, the SQL stored with every applied migration (the target is only read for
its history). Used by `analyze` (to rehearse pending files) and `drift` (to compare with the live schema).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import psycopg

from dbworkbench.config import Settings
from dbworkbench.core.discovery import MigrationKind
from dbworkbench.core.history import HistoryRow
from dbworkbench.core.lexer import line_col
from dbworkbench.core.planner import Entry, State
from dbworkbench.core.syntax import SqlSyntaxError, parse_statements
from dbworkbench.errors import PlanError
from dbworkbench.schema.templates import fresh_database, scratch_server

APPLIED = (State.APPLIED, State.CHECKSUM_MISMATCH, State.MISSING_FILE)
"""States whose stored SQL is part of the target's schema."""


def applied_rows(entries: list[Entry], rows: list[HistoryRow]) -> list[HistoryRow]:
    """The history rows (with SQL) that built the target, in rank order.

    Raises:
        PlanError: a baseline without SQL (`dbworkbench baseline` marks a version, it runs nothing), or a row
            without stored SQL, makes the history incomplete.
    """
    baselines = [r for r in rows if r.kind is MigrationKind.BASELINE]
    if any(r.up_sql is None for r in baselines):
        raise PlanError("this database was baselined, so its history does not hold the SQL of everything before "
                        "the baseline; a copy cannot be rebuilt from it.")
    by_rank = {r.rank: r for r in rows}
    chosen = sorted({*(by_rank[e.row.rank] for e in entries if e.state in APPLIED and e.row is not None),
                     *baselines[-1:]}, key=lambda r: r.rank)
    missing = [r.script for r in chosen if r.up_sql is None]
    if missing:
        raise PlanError(f"history holds no SQL for {', '.join(missing)}, so the schema cannot be rebuilt.")
    return chosen


@contextlib.contextmanager
def scratch_database(settings: Settings) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit connection to a new, empty database on the embedded server; dropped afterwards."""
    with scratch_server(settings) as status, fresh_database(status, "empty", (), _nothing, cache=False) as new:
        with psycopg.connect(new.conninfo, autocommit=True) as conn:
            yield conn


def _nothing(conninfo: str, start: int, stop: int) -> None:
    raise AssertionError("an empty database has no steps")  # pragma: no cover


@dataclass(frozen=True, slots=True)
class ReplayStep:
    """One file's SQL, exactly as it runs, and how a failure in it is reported."""

    sql: str
    failure: Callable[[int, str], PlanError]
    """(line in the file, the server's message) -> the error to raise."""


@contextlib.contextmanager
def scratch_replayed(settings: Settings, steps: Sequence[ReplayStep], *,
                     kind: str = "replay") -> Iterator[psycopg.Connection[Any]]:
    """An autocommit connection to a scratch database where `steps` ran in order (each statement in autocommit);
    cloned from the template cache (`schema.templates`) where a prefix of the steps is cached. Dropped afterwards.

    Raises:
        PlanError: from a step's `failure`, for the first statement that fails (or does not parse).
    """
    def advance(conninfo: str, start: int, stop: int) -> None:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for step in steps[start:stop]:
                run_step(conn, step)

    with scratch_server(settings) as status, \
            fresh_database(status, kind, [s.sql for s in steps], advance, cache=settings.scratch_cache) as new:
        with psycopg.connect(new.conninfo, autocommit=True) as conn:
            yield conn


def run_step(conn: psycopg.Connection[Any], step: ReplayStep) -> None:
    """Run one step's statements in autocommit, raising its `failure` for the first that fails."""
    try:
        statements = parse_statements(step.sql)
    except SqlSyntaxError as exc:
        raise step.failure(line_col(step.sql, exc.offset)[0], exc.message) from exc
    for statement in statements:
        try:
            conn.execute(statement.text, prepare=False)
        except psycopg.Error as exc:
            raise step.failure(statement.line, exc.diag.message_primary or str(exc).strip().splitlines()[0]) from exc


@contextlib.contextmanager
def scratch_from_history(settings: Settings, rows: list[HistoryRow]) -> Iterator[psycopg.Connection[Any]]:
    """An autocommit connection to a scratch database where `rows` were replayed; dropped afterwards."""
    steps = [ReplayStep(row.up_sql or "", partial(_history_failure, row)) for row in rows]
    with scratch_replayed(settings, steps) as conn:
        yield conn


def _history_failure(row: HistoryRow, line: int, message: str) -> PlanError:
    return PlanError(f"replaying {row.script} (history rank {row.rank}) failed at line {line}: {message}")
