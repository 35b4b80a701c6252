"""StatementStepper: one transactional file, a statement at a time, in one open transaction.

Between statements the caller may look (rows affected, locks held, the schema so far) on the same connection;
then `commit` records the file exactly as `Executor.run` would (history row, event, the lock guard, in the same
transaction), or `rollback` leaves nothing behind.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import psycopg
from psycopg import sql

from dbworkbench.core import events as ev
from dbworkbench.core.executor import Executor
from dbworkbench.core.steps import PreparedStep
from dbworkbench.core.upfront import prelude
from dbworkbench.errors import PlanError


@dataclass(frozen=True, slots=True)
class StatementRan:
    """One statement stepped over, its transaction still open."""

    index: int
    rows: int
    """Rows the statement affected or returned (-1 when the server does not say)."""
    elapsed_ms: float


class StatementStepper(Executor):
    """Runs one transactional step statement by statement; nothing commits until `commit`."""

    step: PreparedStep | None = None
    next_index = 0
    _started = 0.0

    def begin(self, step: PreparedStep) -> None:
        """Open the file's transaction, in the environment's session (nothing of a previous file reaches it).

        Raises:
            PlanError: the file runs outside a transaction (each statement would commit on its own).
            MigrationFailedError: it asks for its locks up front and they could not be taken (nothing ran).
        """
        if not step.transactional:
            raise PlanError(f"{step.script} runs outside a transaction (each statement commits on its own), so it "
                            "cannot be stepped through and rolled back; review it, then migrate it.")
        self.before_each()
        self.conn.execute(sql.SQL("BEGIN; ") + self._set_label(step))
        if step.upfront:
            try:
                self.conn.execute(prelude(step.upfront))
            except psycopg.Error as exc:
                self._rollback()
                raise self._failed(step, None, exc, "Nothing of the file ran.") from exc
        self.step, self.next_index, self._started = step, 0, time.perf_counter()
        self.emit(ev.MigrationStarted(step.script, step.version, step.spec.action, len(step.statements), True, 0))

    @property
    def done(self) -> bool:
        """Every statement has run (the transaction is still open)."""
        return self.step is not None and self.next_index >= len(self.step.statements)

    def execute_next(self) -> StatementRan:
        """Run the next statement inside the open transaction.

        Raises:
            MigrationFailedError: it failed; the transaction was rolled back, nothing of the file remains.
        """
        step = self.step
        assert step is not None and not self.done, "begin() first, and only while statements remain"
        index = self.next_index
        begun = time.perf_counter()
        try:
            with self.conn.cursor() as cur:
                self._execute(cur, step, index, step.statements[index])
                rows = cur.rowcount
        except psycopg.Error as exc:
            self._rollback()
            self.step = None
            raise self._failed(step, index, exc, "The file's transaction was rolled back: nothing of it was "
                                                 "applied.") from exc
        self.next_index += 1
        return StatementRan(index, rows, (time.perf_counter() - begun) * 1000)

    def commit(self) -> float:
        """Record the file (history row and event, under the lock guard) and commit; its duration in ms.

        Raises:
            PlanError: statements remain. MigrationFailedError: the history write was refused (lock lost).
        """
        step = self.step
        if step is None or not self.done:
            raise PlanError("statements remain: run them all before committing, or roll back.")
        elapsed_ms = int((time.perf_counter() - self._started) * 1000)
        row = replace(step.row, execution_ms=elapsed_ms, success=True, statements_done=len(step.statements))
        event = self.store.event(self._action(step), version=step.version, script=step.row.script,
                                 checksum=step.row.checksum, execution_ms=elapsed_ms)
        try:
            self.conn.execute(sql.SQL("; ").join([*self._guarded(step), self.store.insert(row), event,
                                                  sql.SQL("COMMIT")]))
        except psycopg.Error as exc:
            self._rollback()
            self.step = None
            raise self._failed(step, len(step.statements) - 1, exc, "The file's transaction was rolled back: "
                                                                     "nothing of it was applied.") from exc
        self.step = None
        self.emit(ev.MigrationFinished(step.script, step.version, step.spec.action, float(elapsed_ms)))
        return float(elapsed_ms)

    def rollback(self) -> None:
        """Roll the file's transaction back: nothing of it remains."""
        self._rollback()
        self.step = None
