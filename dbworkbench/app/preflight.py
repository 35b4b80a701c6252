"""The `preflight` verb: before running a pending file, what it meets on the live target right now. Read-only.

For the file (the next pending one, or the one named): the tables it touches with their row estimates and sizes,
the table lock each statement asks for, the sessions holding locks on those tables now (and whether each one
would make the file wait), transactions open for long (which `CONCURRENTLY` waits for, and which an `ALTER`
queued behind a lock makes everyone wait for), replication lag, the lock_timeout and statement_timeout the run
will use, and a one-line verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import psycopg

from dbworkbench.app.state import prepare_steps, read_state
from dbworkbench.app.vocabulary import Verb
from dbworkbench.config import Settings
from dbworkbench.core import events as ev
from dbworkbench.core.catalog_browser import size_text
from dbworkbench.core.db import describe_connection
from dbworkbench.core.lock_modes import LockMode, conflicts, lock_needed
from dbworkbench.core.planner import StepAction, StepSpec
from dbworkbench.core.session import open_session
from dbworkbench.errors import PlanError

LONG_TRANSACTION_SECONDS = 60
"""A transaction open longer than this is named in the pre-flight even when it holds no lock on the file's tables."""


class Verdict(StrEnum):
    """How the pre-flight ends."""

    CLEAR = "clear"
    CAUTION = "caution"
    BLOCKED = "blocked"


@dataclass(frozen=True, slots=True)
class TableNow:
    """A table the file touches, as the target's statistics describe it now."""

    name: str
    exists: bool
    rows: int | None = None
    """`pg_class.reltuples`: an estimate, refreshed by ANALYZE and autovacuum (None: never analyzed)."""
    total_bytes: int = 0


@dataclass(frozen=True, slots=True)
class StatementLock:
    """The table lock one statement asks for (static: `analyze` measures it)."""

    index: int
    line: int
    excerpt: str
    mode: LockMode | None
    tables: tuple[str, ...]
    why: str


@dataclass(frozen=True, slots=True)
class SessionNow(ev.Blocker):
    """Another session on the target (`events.Blocker`'s who, and `described`): what it holds on the file's
    tables, or that its transaction is old."""

    table: str | None = None
    mode: str | None = None
    granted: bool = True
    blocks: tuple[int, ...] = ()
    """Indexes of the file's statements that would wait for it."""

    @property
    def described(self) -> str:
        """`pid 4242 (alice, psql, idle in transaction, transaction open 312 s) holds AccessShareLock on t: …`."""
        whole = ev.Blocker.described.fget(self)  # type: ignore[attr-defined]
        if not self.table:
            return str(whole)
        head, _, query = str(whole).partition("): ")
        return f"{head}) {'holds' if self.granted else 'waits for'} {self.mode} on {self.table}: {query}"


@dataclass(frozen=True, slots=True)
class PreflightReport:
    """What one pending file meets on the target now."""

    script: str
    target: str
    tables: tuple[TableNow, ...]
    statements: tuple[StatementLock, ...]
    holders: tuple[SessionNow, ...]
    """Sessions holding (or waiting for) locks on the file's tables."""
    long_transactions: tuple[SessionNow, ...]
    replication: tuple[tuple[str, float | None], ...]
    """(standby, replay lag in seconds or None when unknown)."""
    lock_timeout: str
    statement_timeout: str
    verdict: Verdict
    verdict_line: str

    @property
    def lines(self) -> list[str]:
        """The report as text, the verdict first (what the CLI prints and the workbench shows)."""
        mark = {Verdict.CLEAR: "✓", Verdict.CAUTION: "!", Verdict.BLOCKED: "✗"}[self.verdict]
        out = [f"{mark} {self.verdict_line}", f"pre-flight of {self.script} on {self.target}", "", "tables:"]
        out += [(f"  {t.name}: {'rows unknown (never analyzed)' if t.rows is None else f'~{t.rows} rows'}, "
                 f"{size_text(t.total_bytes)}") if t.exists else f"  {t.name}: not there yet"
                for t in self.tables] or ["  (none named)"]
        out += ["", "locks asked for (static; `analyze` measures them):"]
        out += [f"  statement {s.index + 1} (line {s.line}): {s.mode.label if s.mode else 'no table lock'}"
                + (f" on {', '.join(s.tables)}" if s.mode and s.tables else "") + f" — {s.why}" for s in self.statements]
        out += ["", "sessions on those tables now:"]
        out += [f"  {h.described}" + (f"  ← statement(s) {', '.join(str(i + 1) for i in h.blocks)} would wait"
                                       if h.blocks else "") for h in self.holders] or ["  none"]
        out += ["", f"transactions open longer than {LONG_TRANSACTION_SECONDS} s:"]
        out += [f"  {t.described}" for t in self.long_transactions] or ["  none"]
        out += ["", "replication:"]
        out += [f"  {name}: replay lag {'unknown' if lag is None else f'{lag:.1f} s'}"
                for name, lag in self.replication] or ["  no standby reported (or not visible to this role)"]
        out += ["", f"lock_timeout {self.lock_timeout} · statement_timeout {self.statement_timeout} (as the run sets them)"]
        return out


def preflight(settings: Settings, key: str | None = None) -> PreflightReport:
    """Read what the next pending file (or `key`) would meet on the target right now; runs nothing.

    Raises:
        PlanError: nothing pending, or `key` is not a pending file. DatabaseConnectionError: unreachable.
    """
    with open_session(settings, write=False, purpose=Verb.PREFLIGHT.value) as session:
        state = read_state(settings, session)
        pending = state.pending
        entry = pending[0] if key is None and pending else state.find(key) if key is not None else None
        if entry is None or entry not in pending:
            raise PlanError(f"{key!r} is not a pending migration here; pre-flight looks at files about to run." if key
                            else "nothing is pending: there is nothing to pre-flight.")
        step = prepare_steps(session, [StepSpec(StepAction.APPLY, entry)])[0]
        statements = []
        for index, statement in enumerate(step.statements):
            need = lock_needed(statement.text)
            statements.append(StatementLock(index, step.position(statement)[0], " ".join(statement.text.split())[:80],
                                            need.mode, need.tables, need.why))
        names = list(dict.fromkeys(t for s in statements for t in s.tables))
        conn = session.conn
        tables = _tables(conn, names)
        holders = _holders(conn, names, statements)
        long_running = _long_transactions(conn, {h.pid for h in holders})
        replication = _replication(conn)
        env = settings.environment
        lock_timeout = env.lock_timeout or _setting(conn, "lock_timeout")
        statement_timeout = env.statement_timeout or _setting(conn, "statement_timeout")
        verdict, line = _verdict(statements, holders, long_running, lock_timeout, tables)
        return PreflightReport(step.script, describe_connection(conn), tuple(tables), tuple(statements),
                               tuple(holders), tuple(long_running), tuple(replication), lock_timeout,
                               statement_timeout, verdict, line)


def _setting(conn: psycopg.Connection[Any], name: str) -> str:
    row = conn.execute("SELECT current_setting(%s)", [name]).fetchone()
    return str(row[0]) if row else "?"


def _tables(conn: psycopg.Connection[Any], names: list[str]) -> list[TableNow]:
    found = []
    for name in names:
        row = conn.execute("SELECT CASE WHEN c.reltuples >= 0 THEN c.reltuples::bigint END, "
                           "pg_total_relation_size(c.oid) FROM pg_class c WHERE c.oid = to_regclass(%s)",
                           [name]).fetchone()
        found.append(TableNow(name, True, None if row[0] is None else int(row[0]), int(row[1])) if row
                     else TableNow(name, False))
    return found


_ACTIVITY = ("a.pid, a.usename, a.application_name, coalesce(a.state, '?'), "
             "extract(epoch FROM now() - a.xact_start)::int, left(regexp_replace(coalesce(a.query, ''), '\\s+', ' ', "
             "'g'), 100)")


def _holders(conn: psycopg.Connection[Any], names: list[str], statements: list[StatementLock]) -> list[SessionNow]:
    if not names:
        return []
    oids = {str(r[0]): r[1] for r in conn.execute(
        "SELECT n, to_regclass(n)::oid FROM unnest(%s::text[]) AS n", [names]).fetchall()}
    rows = conn.execute(
        f"SELECT {_ACTIVITY}, l.relation::regclass::text, l.mode, l.granted, l.relation "
        "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'relation' AND l.pid <> pg_backend_pid() AND l.relation = ANY(%s::oid[]) "
        "ORDER BY a.xact_start NULLS LAST, a.pid", [[o for o in oids.values() if o is not None]]).fetchall()
    found = []
    for r in rows:
        mode = str(r[7])
        blocks = tuple(s.index for s in statements if s.mode is not None and conflicts(s.mode, mode)
                       and any(oids.get(t) == r[9] for t in s.tables))
        found.append(SessionNow(*_who(r), str(r[6]), mode, bool(r[8]), blocks))
    return found


def _who(r: tuple[Any, ...]) -> tuple[int, str, str, str, int | None, str]:
    """The first six columns of `_ACTIVITY`: pid, user, application, state, transaction age, query."""
    return int(r[0]), str(r[1] or "?"), str(r[2] or ""), str(r[3]), r[4], str(r[5])


def _long_transactions(conn: psycopg.Connection[Any], already: set[int]) -> list[SessionNow]:
    rows = conn.execute(
        f"SELECT {_ACTIVITY} FROM pg_stat_activity a WHERE a.pid <> pg_backend_pid() AND a.xact_start IS NOT NULL "
        "AND a.backend_type = 'client backend' AND now() - a.xact_start > make_interval(secs => %s) "
        "ORDER BY a.xact_start", [LONG_TRANSACTION_SECONDS]).fetchall()
    return [SessionNow(*_who(r)) for r in rows if int(r[0]) not in already]


def _replication(conn: psycopg.Connection[Any]) -> list[tuple[str, float | None]]:
    try:
        rows = conn.execute("SELECT coalesce(nullif(application_name, ''), client_addr::text, pid::text), "
                            "extract(epoch FROM replay_lag)::float8 FROM pg_stat_replication").fetchall()
    except psycopg.Error:
        conn.rollback()
        return []
    return [(str(r[0]), None if r[1] is None else float(r[1])) for r in rows]


def _verdict(statements: list[StatementLock], holders: list[SessionNow], long_running: list[SessionNow],
             lock_timeout: str, tables: list[TableNow]) -> tuple[Verdict, str]:
    blocking = [h for h in holders if h.blocks and h.granted]
    if blocking:
        first = blocking[0]
        seconds = first.transaction_seconds
        age = f" in a transaction open {seconds} s" if seconds is not None else ""
        return Verdict.BLOCKED, (f"blocked now: pid {first.pid} ({first.user}) holds {first.mode} on {first.table}"
                                 f"{age}; statement {first.blocks[0] + 1} would wait (lock_timeout {lock_timeout}), "
                                 "and every query on that table would queue behind it. To end it (never run for "
                                 f"you): SELECT pg_cancel_backend({first.pid}); stops its query, SELECT "
                                 f"pg_terminate_backend({first.pid}); ends its session.")
    concurrently = any(s.mode is LockMode.ShareUpdateExclusiveLock and "CONCURRENTLY" in s.why for s in statements)
    if concurrently and long_running:
        old = long_running[0]
        return Verdict.CAUTION, (f"CONCURRENTLY waits for every older transaction: pid {old.pid} ({old.user}) "
                                 f"has one open {old.transaction_seconds} s.")
    strong = [s for s in statements if s.mode is not None and s.mode >= LockMode.ShareLock and s.tables]
    if strong and lock_timeout in ("0", "0ms", ""):
        return Verdict.CAUTION, ("no lock_timeout: a statement that waits for its lock makes every query on the "
                                 "table wait behind it. Set lock_timeout for this environment.")
    if long_running:
        old = long_running[0]
        return Verdict.CAUTION, (f"nothing holds the file's tables, but pid {old.pid} ({old.user}) has a "
                                 f"transaction open {old.transaction_seconds} s.")
    big = sorted((t for t in tables if t.exists and (t.rows or 0) > 1_000_000), key=lambda t: t.rows or 0)
    note = f" (largest: {big[-1].name}, ~{big[-1].rows} rows)" if big else ""
    return Verdict.CLEAR, f"clear: no session holds a conflicting lock on the file's tables now{note}."
