"""Step into the next pending file statement by statement, inside its transaction.

On a database that is not protected the file runs on the target itself, holding the migration lock: after each
statement the session reports the rows it affected, the locks now held, its time and the schema change so far;
then `commit` records the file exactly as `migrate` would, or `rollback` leaves nothing. On a protected database
the same happens on a scratch copy rebuilt from history (`schema.replay`), where only rolling back is offered.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, Protocol

import psycopg

from dbworkbench.app.gate import protection_of, require_approvals
from dbworkbench.app.state import prepare_steps, read_state, require_history
from dbworkbench.app.vocabulary import Verb
from dbworkbench.config import Settings
from dbworkbench.core import events as ev
from dbworkbench.core.history import hidden_relations
from dbworkbench.core.locking import lock_key
from dbworkbench.core.planner import plan_forward
from dbworkbench.core.session import open_session
from dbworkbench.core.stepping import StatementStepper
from dbworkbench.core.steps import PreparedStep
from dbworkbench.errors import PlanError
from dbworkbench.schema.diff import diff as diff_snapshots
from dbworkbench.schema.introspect import introspect
from dbworkbench.schema.model import SchemaSnapshot
from dbworkbench.schema.replay import applied_rows, scratch_from_history

_LOCKS = ("SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation WHERE l.pid = "
          "pg_backend_pid() AND l.locktype = 'relation' AND l.granted AND c.relnamespace NOT IN "
          "(SELECT oid FROM pg_namespace WHERE nspname IN ('pg_catalog', 'pg_toast', 'information_schema')) "
          "ORDER BY 1, 2")


@dataclass(frozen=True, slots=True)
class StepOutcome:
    """What one statement did, its transaction still open."""

    index: int
    line: int
    excerpt: str
    rows: int
    elapsed_ms: float
    locks: tuple[str, ...]
    """`table: Mode` for every table lock the transaction holds now."""
    schema_so_far: tuple[str, ...]
    """The schema change since the file began, as DDL (empty: none yet)."""


class Stepping(Protocol):
    """What the workbench drives: a file's statements, one at a time, then commit or roll back."""

    on_scratch: bool
    script: str

    @property
    def statements(self) -> list[tuple[int, str]]: ...
    @property
    def done(self) -> bool: ...
    def next(self) -> StepOutcome: ...
    def commit(self) -> float: ...
    def rollback(self) -> None: ...
    def close(self) -> None: ...


class SteppingSession:
    """An open file transaction, stepped by the person; `close` always ends it (rolling back what is open)."""

    def __init__(self, stack: ExitStack, conn: psycopg.Connection[Any], step: PreparedStep,
                 stepper: StatementStepper | None, hidden: frozenset[str], server_major: int) -> None:
        self._stack, self._conn, self.step, self._stepper = stack, conn, step, stepper
        self.script = step.script
        self._hidden, self._server_major = hidden, server_major
        self.on_scratch = stepper is None
        """True on a protected database: the file runs on a scratch copy, and only rolling back is offered."""
        self._next = 0
        self._before: SchemaSnapshot = introspect(conn, hidden=hidden)
        if stepper is not None:
            stepper.begin(step)
        else:
            conn.execute("BEGIN")

    @property
    def statements(self) -> list[tuple[int, str]]:
        """(file line, excerpt) of each statement."""
        return [(self.step.position(s)[0], ev.excerpt(s.text, 100)) for s in self.step.statements]

    @property
    def done(self) -> bool:
        """Every statement has run."""
        return self._next >= len(self.step.statements)

    def next(self) -> StepOutcome:
        """Run the next statement and report what it did.

        Raises:
            MigrationFailedError / PlanError: it failed; the transaction was rolled back and the session closed.
        """
        index = self._next
        statement = self.step.statements[index]
        try:
            if self._stepper is not None:
                ran = self._stepper.execute_next()
                rows, elapsed = ran.rows, ran.elapsed_ms
            else:
                begun = time.perf_counter()
                with self._conn.cursor() as cur:
                    cur.execute(statement.text, prepare=False)
                    rows = cur.rowcount
                elapsed = (time.perf_counter() - begun) * 1000
        except psycopg.Error as exc:
            self.close()
            raise PlanError(f"{self.step.script}: statement {index + 1} failed on the scratch copy: "
                            f"{exc.diag.message_primary or exc}. Nothing remains of it.", title="step failed") from exc
        except BaseException:
            self.close()
            raise
        self._next += 1
        locks = tuple(f"{r[0]}: {r[1]}" for r in self._conn.execute(_LOCKS).fetchall())
        change = diff_snapshots(self._before, introspect(self._conn, hidden=self._hidden), allow_data_loss=True,
                                server_major=self._server_major)
        return StepOutcome(index, self.step.position(statement)[0], ev.excerpt(statement.text, 100), rows, elapsed,
                           locks, tuple(c.sql + ";" for c in change.changes))

    def commit(self) -> float:
        """Record and commit the file on the target (never on a scratch copy); its duration in ms.

        Raises:
            PlanError: on a scratch copy, or statements remain.
        """
        if self._stepper is None:
            raise PlanError("this ran on a scratch copy of a protected database: there is nothing to commit. Roll "
                            "back, then migrate it with the typed confirmation.")
        try:
            return self._stepper.commit()
        finally:
            self.close()

    def rollback(self) -> None:
        """Roll back: nothing of the file remains."""
        self.close()

    def close(self) -> None:
        """End the session: roll back whatever is still open, release the lock, drop a scratch copy."""
        try:
            if self._stepper is not None:
                self._stepper.rollback()
            elif not self._conn.closed:
                self._conn.rollback() if not self._conn.autocommit else self._conn.execute("ROLLBACK")
        except psycopg.Error:
            pass
        finally:
            self._stack.close()


def step_into(settings: Settings, key: str | None = None, *, expected_history: str | None = None,
              on_event: ev.EventSink | None = None) -> SteppingSession:
    """Open a stepping session on the next pending file (`key`, when given, must be it).

    Raises:
        PlanError: nothing pending, `key` is not next, the file runs outside a transaction, or (protected) the
            history cannot rebuild a copy. StaleStateError: the history is not `expected_history` any more.
        LockError, DatabaseConnectionError.
    """
    stack = ExitStack()
    try:
        session = stack.enter_context(open_session(settings, write=True, purpose=Verb.UP.value, on_event=on_event))
        state = read_state(settings, session, with_sql=True)
        require_history(state, expected_history, "step into")
        specs = plan_forward(list(state.entries), steps=1, out_of_order=settings.out_of_order)
        if not specs:
            raise PlanError("nothing is pending: there is no file to step into.")
        if key is not None and specs[0].entry.key != key:
            raise PlanError(f"{key} is not the next file to run ({specs[0].entry.script} is): step into files in "
                            "the order migrate runs them.")
        step = prepare_steps(session, specs)[0]
        hidden = hidden_relations(settings.history_table, session.store.schema)
        protection = protection_of(settings, session)
        if not protection.protected:
            require_approvals(settings, protection, [specs[0].entry.file] if specs[0].entry.file else [],
                              session.server_major)
            session.ensure_history()
            env = settings.environment
            stepper = StatementStepper(session.conn, session.store, on_event=on_event,
                                       lock_retries=0, lock_retry_backoff=env.lock_retry_backoff,
                                       before_each=session.reset_for_file,
                                       lock_key=lock_key(session.store.qualified_name))
            return SteppingSession(stack, session.conn, step, stepper, hidden, session.server_major)
        rows, server_major = applied_rows(list(state.entries), list(state.rows)), session.server_major
        stack.close()  # a protected target is only read: its lock and connection are not kept
        stack = ExitStack()
        conn = stack.enter_context(scratch_from_history(settings, rows))
        return SteppingSession(stack, conn, step, None, hidden, server_major)
    except BaseException:
        stack.close()
        raise
