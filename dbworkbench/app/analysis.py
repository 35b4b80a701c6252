"""Measured analysis: rehearse pending migrations on a scratch copy of the target's schema, then say what the
locks, scans and rewrites would mean on the target's real tables.

The scratch database lives on the project's embedded server and is rebuilt from the SQL stored in the
target's history (never from the target itself, which is only read for its history and statistics).
Each pending file is rehearsed (`rehearsal.rehearse`, rolled back) and then applied for real to the
scratch copy, so the next file sees it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from dbworkbench.app.state import prepare_steps, read_state
from dbworkbench.app.vocabulary import Verb
from dbworkbench.config import Settings
from dbworkbench.core.blockers import relations
from dbworkbench.core.lexer import Statement
from dbworkbench.core.planner import StepAction, plan_forward
from dbworkbench.core.session import open_session
from dbworkbench.core.steps import PreparedStep
from dbworkbench.core.upfront import split_name
from dbworkbench.errors import PlanError
from dbworkbench.lint.lock_queue import measure_queue, measure_queue_alone
from dbworkbench.lint.rehearsal import WRITE_BLOCKING, StatementEffect, rehearse, runs_in_one_transaction
from dbworkbench.schema.replay import applied_rows, scratch_from_history

QUIET = "no lock that blocks writers, no scan, no rewrite"
"""What a statement with no measured hazard is said to do."""


@dataclass(frozen=True, slots=True)
class TableStats:
    """What the target says about one table."""

    rows: int
    bytes: int


@dataclass(frozen=True, slots=True)
class StatementReport:
    """One pending statement's measured effects, in the target's terms."""

    script: str
    index: int
    line: int
    excerpt: str
    effect: StatementEffect
    consequences: tuple[str, ...]
    """Sentences like "rewrites orders (≈12 M rows, 4.1 GB) under AccessExclusiveLock"."""

    @property
    def heading(self) -> str:
        """`statement N (line L): excerpt`."""
        return f"statement {self.index + 1} (line {self.line}): {self.excerpt}"

    @property
    def sentences(self) -> tuple[str, ...]:
        """The consequences, or the one sentence that says there are none."""
        return self.consequences or (QUIET,)


def _size(value: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024  # type: ignore[assignment]
    return f"{value} bytes"


def _rows(value: int) -> str:
    for limit, suffix in ((1_000_000_000, " G"), (1_000_000, " M"), (1_000, " k")):
        if value >= limit:
            return f"≈{value / limit:.1f}{suffix} rows"
    return f"≈{value} rows"


def consequences(effect: StatementEffect, stats: dict[str, TableStats]) -> list[str]:
    """Plain sentences about what the effects mean on the target's tables."""
    def on(table: str) -> str:
        known = stats.get(table)
        return f"{table} ({_rows(known.rows)}, {_size(known.bytes)})" if known else f"{table} (new here)"

    said: list[str] = []
    for name in effect.rewritten:
        modes = "/".join(sorted(effect.locks.get(name, set()))) or "its lock"
        said.append(f"rewrites {on(name)} under {modes}")
    for table in sorted(set(effect.scans) | set(effect.scanned)):
        blocking = effect.locks.get(table, set()) & WRITE_BLOCKING
        if blocking:
            said.append(f"scans {on(table)} holding {'/'.join(sorted(blocking))}: writers wait for the whole scan")
    for table, held in sorted(effect.locks.items()):
        if table in stats and "AccessExclusiveLock" in held and not any(table in sentence for sentence in said):
            said.append(f"takes AccessExclusiveLock on {on(table)}: brief, but queued behind every running query")
    said += [f"drops {name}" for name in effect.dropped]
    said += [f"renames {name}" for name in effect.renamed]
    for table, rows in {**effect.updated, **effect.deleted}.items():
        said.append(f"changes {rows} row(s) of {on(table)} here")
    if not effect.transactional:
        said.append("runs outside a transaction" + (f"; rewrites {', '.join(effect.rewritten)}" if effect.rewritten else ""))
    return said


def _target_stats(conn: psycopg.Connection[Any]) -> dict[str, TableStats]:
    rows = conn.execute(
        "SELECT c.relname, GREATEST(c.reltuples, 0)::bigint, pg_total_relation_size(c.oid) FROM pg_class c "
        "WHERE c.relkind IN ('r', 'p', 'm') AND c.relnamespace NOT IN (SELECT oid FROM pg_namespace "
        "WHERE nspname IN ('pg_catalog', 'information_schema', 'pg_toast'))").fetchall()
    return {r[0]: TableStats(r[1], r[2]) for r in rows}


def analyze(settings: Settings) -> list[StatementReport]:
    """Rehearse what is pending on the environment and report each statement's measured effects.

    Raises:
        PlanError: history lacks the SQL needed to rebuild the schema (a baseline, or rows written by
            another tool). DatabaseConnectionError: target or embedded server unreachable.
    """
    with open_session(settings, write=False, purpose=Verb.ANALYZE.value) as session:
        state = read_state(settings, session, with_sql=True)
        stats = _target_stats(session.conn)
        server_major = session.server_major
        specs = plan_forward(list(state.entries), out_of_order=True)
        prepared = prepare_steps(session, [s for s in specs if s.action is StepAction.APPLY])
    with scratch_from_history(settings, applied_rows(list(state.entries), list(state.rows))) as conn:
        reports: list[StatementReport] = []
        for step in prepared:
            try:
                reports += _rehearse_step(conn, step, stats, server_major, settings.environment.lock_timeout)
            except psycopg.Error as exc:
                raise PlanError(f"{step.script} fails when rehearsed on a copy of the schema, so it would fail on "
                                f"the target too: {str(exc).strip().splitlines()[0]}. Nothing was run on the target.",
                                title="rehearsal failed") from exc
        return reports


_EXISTING_TABLES = ("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema') "
                    "AND n.nspname NOT LIKE 'pg\\_%'")


def _queue_sentences(conn: psycopg.Connection[Any], step: PreparedStep, effects: list[StatementEffect],
                     existing: dict[str, tuple[str, str]], lock_timeout: str | None) -> dict[int, list[str]]:
    """For the first statement locking each pre-existing table: the lock queue, rehearsed (`lint.lock_queue`)."""
    said: dict[int, list[str]] = {}
    seen: set[str] = set()
    texts = [s.text for s in step.statements]
    for effect in effects:
        fresh = sorted(t for t in effect.locks if t in existing and t not in seen)
        seen.update(fresh)
        if fresh:
            queue = measure_queue(conn, texts, effect.index, tuple(existing[t] for t in fresh))
            said.setdefault(effect.index, []).append(queue.sentence(lock_timeout))
    return said


def _queue_alone(conn: psycopg.Connection[Any], existing: dict[str, tuple[str, str]], lock_timeout: str | None,
                 said: dict[int, list[str]]) -> Callable[[Statement, bool], None]:
    """For a file outside one transaction: the lock queue of every statement naming a pre-existing table (each
    takes its locks anew), measured as it runs (one that commits on its own) or just before (one in its own
    transaction)."""

    def alone(statement: Statement, commits: bool) -> None:
        named = [split_name(name) for name in relations(statement.text)]
        tables = tuple(sorted({found for schema, table in named if (found := existing.get(table))
                               and (not schema or found[0] == schema)}))
        if tables and commits:
            said[statement.index] = [measure_queue_alone(conn, statement.text, tables).sentence(lock_timeout)]
        elif tables:
            said[statement.index] = [measure_queue(conn, [statement.text], 0, tables).sentence(lock_timeout)]
        elif commits:
            conn.execute(statement.text)
    return alone


def _rehearse_step(conn: psycopg.Connection[Any], step: PreparedStep, stats: dict[str, TableStats],
                   server_major: int, lock_timeout: str | None = None) -> list[StatementReport]:
    """One file's measured statements; the file is then applied to the copy so the next file sees it."""
    reports: list[StatementReport] = []
    existing = {str(r[1]): (str(r[0]), str(r[1])) for r in conn.execute(_EXISTING_TABLES).fetchall()}
    in_one = runs_in_one_transaction(step.text.text, server_major)
    alone: dict[int, list[str]] = {}
    effects = rehearse(conn, step.text.text, server_major=server_major,
                       alone=None if in_one else _queue_alone(conn, existing, lock_timeout, alone))
    queued = _queue_sentences(conn, step, effects, existing, lock_timeout) if in_one else alone
    for effect in effects:
        statement = step.statements[effect.index]
        reports.append(StatementReport(step.script, effect.index, step.position(statement)[0],
                                       " ".join(statement.text.split())[:100], effect,
                                       tuple(consequences(effect, stats)) + tuple(queued.get(effect.index, ()))))
    if in_one:
        with conn.transaction():  # the rehearsal rolled it back: apply it for the next file
            for statement in step.statements:
                conn.execute(statement.text)
    return reports
