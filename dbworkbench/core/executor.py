"""Run prepared steps on the migration connection.

A transactional step runs its statements and writes its history row and event in one transaction, so
a failure leaves neither. A non-transactional step first commits a history row marked unfinished,
runs each statement in autocommit and records progress after each one; after a failure (or a killed
process) the row says where to resume. Errors are mapped to file:line:column with SQLSTATE, detail and
hint. ``core.dry_run` renders the same work as SQL text without running anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import psycopg
from psycopg import sql

from dbworkbench.core import events as ev
from dbworkbench.core.blockers import describe_blockers
from dbworkbench.core.history import HistoryStore
from dbworkbench.core.large_files import LARGE_FILE_CHARS, LargeFiles
from dbworkbench.core.lexer import Statement, significant_words
from dbworkbench.core.locking import LOCK_CLASS
from dbworkbench.core.steps import PreparedStep
from dbworkbench.core.upfront import prelude
from dbworkbench.errors import DatabaseConnectionError, MigrationFailedError, MigrationInterruptedError, SqlErrorDetail

Conn = psycopg.Connection[Any]
LOCK_NOT_AVAILABLE = "55P03"
"""SQLSTATE of a lock_timeout (or NOWAIT) failure."""


def _label(step: PreparedStep) -> str:
    version = step.version
    verb = "undo" if step.spec.action.is_undo else "applying"
    return f"{verb} {'V' + version if version else step.spec.entry.script}"


class Executor(LargeFiles):
    """Runs steps on one connection, reporting through `on_event` and stopping when `should_stop` says so."""

    def __init__(self, conn: Conn, store: HistoryStore, *, on_event: ev.EventSink | None = None,
                 should_stop: Callable[[], bool] | None = None, per_statement: bool = False,
                 lock_retries: int = 0, lock_retry_backoff: float = 1.0,
                 before_each: Callable[[], None] | None = None, lock_key: int | None = None,
                 reset: Callable[[], sql.Composed] | None = None) -> None:
        self.conn = conn
        self.store = store
        self.before_each = before_each or (lambda: None)
        """Returns the session to the environment's settings and role before each file (nothing a previous
        file SET, RESET or SET ROLE reaches the next)."""
        self.reset = reset
        """The same reset as statements: a file sent as one message starts with them instead (one round trip
        less per file); `before_each` runs for the others."""
        self.lock_key = lock_key
        """The migration lock every history write checks is still held (None: not checked)."""
        row = conn.execute("SELECT current_user").fetchone()
        self.role = str(row[0]) if row else ""
        """The session's own role, which writes history whatever role a file switched to."""
        self.lock_retries = lock_retries
        """Times a transactional file that hit lock_timeout is run again."""
        self.lock_retry_backoff = lock_retry_backoff
        self.per_statement = per_statement
        """Send transactional files statement by statement (progress per statement, stop between statements)
        instead of as one message."""
        self.emit: ev.EventSink = on_event or (lambda event: None)
        self.should_stop = should_stop or (lambda: False)

    def run(self, step: PreparedStep) -> float:
        """Run one step, running a transactional one again after a lock timeout (with backoff); returns its
        duration in milliseconds.

        Raises:
            MigrationFailedError: a statement failed (transaction rolled back, or progress kept).
            MigrationInterruptedError: `should_stop` asked to stop.
            DatabaseConnectionError: the connection was lost.
        """
        for warning in step.warnings:
            self.emit(ev.WarningRaised(warning))
        for attempt in range(self.lock_retries + 1):
            try:
                return self._run_once(step)
            except MigrationFailedError as error:
                if not step.transactional or error.failure.sqlstate != LOCK_NOT_AVAILABLE or \
                        attempt == self.lock_retries or self.should_stop():
                    raise
                delay = self.lock_retry_backoff * 2 ** attempt
                self.emit(ev.WarningRaised(f"{step.script}: lock timeout, nothing applied; retry {attempt + 1} of "
                                           f"{self.lock_retries} in {delay:g}s. {error.message.splitlines()[-1]}"))
                time.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _run_once(self, step: PreparedStep) -> float:
        batched = step.transactional and not (self.per_statement or step.start_at)
        if not (batched and self.reset is not None):
            self.before_each()
        self.emit(ev.MigrationStarted(step.script, step.version, step.spec.action, len(step.statements),
                                      step.transactional, step.start_at))
        started = time.perf_counter()
        if step.transactional and (self.per_statement or step.start_at):
            self._run_transactional(step, started)
        elif step.transactional:
            self._run_batched(step)
        else:
            self.conn.execute(self._set_label(step))
            self._run_autocommit(step, started)
        elapsed = (time.perf_counter() - started) * 1000
        self.emit(ev.MigrationFinished(step.script, step.version, step.spec.action, elapsed))
        return elapsed

    def _set_label(self, step: PreparedStep) -> sql.Composed:
        """Make what we run visible to a waiting migrator through pg_stat_activity."""
        return sql.SQL("SELECT set_config('application_name', {}, false)").format(
            sql.Literal(f"dbworkbench {_label(step)}"[:63]))

    def _action(self, step: PreparedStep) -> str:
        return "undone" if step.spec.action.is_undo else "applied"

    def _guarded(self, step: PreparedStep) -> list[sql.Composed]:
        """What precedes a history write in its transaction: the session's own role, and the guard that refuses
        to record the file if the migration lock is gone or (applying) its version is already applied."""
        parts = [sql.SQL("SET LOCAL ROLE {}").format(sql.Identifier(self.role))]
        if self.lock_key is not None:
            applying = step.version if not step.spec.action.is_undo else None
            parts.append(self.store.guard(LOCK_CLASS, self.lock_key, step.script, applying, step.resume_rank))
        return parts

    def _record(self, step: PreparedStep, *statements: sql.Composed) -> list[tuple[object, ...]]:
        """History writes of an autocommit file, in one transaction under the guard, sent as one message (one
        round trip per statement's progress, as before the guard); the rows of the statement that returns some."""
        message = sql.SQL("; ").join([sql.SQL("BEGIN"), *self._guarded(step), *statements, sql.SQL("COMMIT")])
        rows: list[tuple[object, ...]] = []
        try:
            with self.conn.cursor() as cur:
                cur.execute(message)
                while True:
                    if cur.description is not None:
                        rows = cur.fetchall()
                    if not cur.nextset():
                        break
        except psycopg.Error:
            self._rollback()
            raise
        return rows

    def _run_transactional(self, step: PreparedStep, started: float) -> None:
        """BEGIN, the statements, then history row, event and COMMIT in one round trip: n + 2 round trips,
        like psql running the file between BEGIN and COMMIT."""
        conn = self.conn
        index = 0
        conn.execute(sql.SQL("BEGIN; ") + self._set_label(step))
        try:
            if step.upfront:
                conn.execute(prelude(step.upfront))
            with conn.cursor() as cur:
                for index, statement in enumerate(step.statements):
                    self._execute(cur, step, index, statement)
            elapsed_ms = int((time.perf_counter() - started) * 1000)
            row = replace(step.row, execution_ms=elapsed_ms, success=True, statements_done=len(step.statements))
            event = self.store.event(self._action(step), version=step.version, script=step.row.script,
                                     checksum=step.row.checksum, execution_ms=elapsed_ms)
            index = len(step.statements) - 1
            conn.execute(sql.SQL("; ").join([*self._guarded(step), self.store.insert(row), event, sql.SQL("COMMIT")]))
        except psycopg.Error as exc:
            self._rollback()
            if self.should_stop():
                raise MigrationInterruptedError(f"cancelled at statement {index + 1} of {step.script}; its "
                                                "transaction was rolled back.") from exc
            raise self._failed(step, index, exc, "The file's transaction was rolled back: nothing of it was applied.") from exc
        except BaseException:
            self._rollback()
            raise

    def _run_batched(self, step: PreparedStep) -> None:
        """The whole file in one round trip: BEGIN, the file's own text from its first statement to its last,
        then the history row and event (timed by the server) and COMMIT."""
        if self.should_stop():
            raise MigrationInterruptedError(f"stopped before {step.script}; nothing of it ran.")
        conn = self.conn
        begin = [sql.SQL("BEGIN"), *([self.reset()] if self.reset is not None else []), self._set_label(step),
                 *([prelude(step.upfront)] if step.upfront else [])]
        if step.statements:
            first, last = step.statements[0], step.statements[-1]
            if last.offset + len(last.text) - first.offset >= LARGE_FILE_CHARS:
                self.emit(ev.StatementStarted(step.script, 0, len(step.statements), first.line, ev.excerpt(first.text)))
                self._run_large(step, begin, first)
                return
            span = step.text.text[first.offset:last.offset + len(last.text)]
        else:
            first = last = Statement(";", 0, 1, 1, 0)
            span = ""
        prefix = sql.SQL("; ").join(begin).as_string(conn) + ";\n"
        row = replace(step.row, success=True, statements_done=len(step.statements))
        suffix = sql.SQL("; ").join([*self._guarded(step), self.store.insert(row, timed_by_server=True),
                                    self.store.event(self._action(step), version=step.version, script=step.row.script,
                                                     checksum=step.row.checksum, timed_by_server=True),
                                    sql.SQL("COMMIT")]).as_string(conn)
        separator = "\n" if not span or last.text.rstrip().endswith(";") else ";\n"
        self.emit(ev.StatementStarted(step.script, 0, len(step.statements), first.line, ev.excerpt(first.text)))
        try:
            conn.execute(prefix + span + separator + suffix)
        except psycopg.Error as exc:
            self._rollback()
            if self.should_stop():
                raise MigrationInterruptedError(f"cancelled while running {step.script}; its transaction was "
                                                "rolled back.") from exc
            index, offset = self._locate(step, exc, len(prefix))
            raise self._failed(step, index, exc, "The file's transaction was rolled back: nothing of it was applied.",
                               offset=offset) from exc
        except BaseException:
            self._rollback()
            raise

    def _locate(self, step: PreparedStep, exc: psycopg.Error, prefix_length: int) -> tuple[int | None, int | None]:
        """Which statement of a batched file failed (None: not known), and where inside it (None: at its start).

        The server's error position is relative to the whole message; without one (many runtime errors),
        the file is replayed statement by statement in a transaction that is always rolled back.
        """
        position = exc.diag.statement_position
        first = step.statements[0]
        if exc.sqlstate == LOCK_NOT_AVAILABLE and not position:
            return None, None  # replaying would only wait for the same lock again
        if position:
            absolute = first.offset + int(position) - 1 - prefix_length
            if absolute >= first.offset:
                index = max(i for i, s in enumerate(step.statements) if s.offset <= absolute)
                statement = step.statements[index]
                if absolute < statement.offset + len(statement.text):
                    return index, absolute - statement.offset
        if self.conn.closed or self.conn.broken:
            return None, None  # nothing to replay on, and a replay might only break the connection again
        replayed = 0
        try:
            with self.conn.transaction(force_rollback=True), self.conn.cursor() as cur:
                for replayed, statement in enumerate(step.statements):  # noqa: B007 (read in the handler)
                    cur.execute(statement.text, prepare=False)
        except psycopg.Error:
            return replayed, None
        return len(step.statements) - 1, None

    def _rollback(self) -> None:
        if not self.conn.closed and self.conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
            try:
                self.conn.execute("ROLLBACK")
            except psycopg.Error:
                pass  # the connection is gone; the server rolls the transaction back itself

    def _run_autocommit(self, step: PreparedStep, started: float) -> None:
        rank = step.resume_rank
        if rank is None:
            rank = int(str(self._record(step, self.store.insert(step.row, returning=True))[0][0]))
        else:
            self._record(step, self.store.event("resumed", version=step.version, script=step.row.script,
                                                detail={"from_statement": step.start_at + 1}))
        index = step.start_at
        try:
            with self.conn.cursor() as cur:
                for index in range(step.start_at, len(step.statements)):
                    statement = step.statements[index]
                    if index in step.batches:
                        self._run_batches(cur, step, index, statement)
                    elif index == step.start_at and step.start_at > 0 and self._already_done(statement):
                        self.emit(ev.WarningRaised(f"{step.script}: statement {index + 1} had completed before the "
                                                   "interruption; skipped."))
                    else:
                        self._execute(cur, step, index, statement)
                    self._record(step, self.store.progress(rank, index + 1))
        except psycopg.Error as exc:
            if self.should_stop():
                self.conn.execute(self.store.progress(rank, index, error="cancelled"))
                raise MigrationInterruptedError(f"cancelled at statement {index + 1} of {step.script}; statements "
                                                f"1-{index} are recorded and `migrate` resumes.") from exc
            failure = self._failed(step, index, exc, f"Statements 1-{index} are applied and recorded (history rank "
                                   f"{rank}); fix the file and run `migrate` to resume at statement {index + 1}, "
                                   "or `repair` to forget the unfinished run.")
            if not self.conn.closed:
                self.conn.execute(self.store.progress(rank, index, error=failure.message.splitlines()[0]))
            raise failure from exc
        elapsed_ms = int((time.perf_counter() - started) * 1000)
        try:
            self._record(step, self.store.finish(rank, step.row, elapsed_ms),
                         self.store.event(self._action(step), version=step.version, script=step.row.script,
                                          checksum=step.row.checksum, execution_ms=elapsed_ms))
        except psycopg.Error as exc:
            raise self._failed(step, len(step.statements) - 1, exc, f"Every statement ran, but the run could not "
                               f"be recorded as finished (history rank {rank} stays unfinished).") from exc

    def _run_batches(self, cur: psycopg.Cursor[Any], step: PreparedStep, index: int, statement: Statement) -> None:
        """Repeat a batched statement, each run in its own transaction, until it touches no row.

        Interrupted, it simply starts again: the statement's WHERE skips the rows already done.
        """
        spec = step.batches[index]
        total = 0
        for batch in range(1, spec.max_batches + 1):
            began = time.perf_counter()
            with self.conn.transaction():
                self._execute(cur, step, index, statement)
                rows = max(cur.rowcount, 0)
            total += rows
            self.emit(ev.BatchExecuted(step.script, index, batch, rows, total, (time.perf_counter() - began) * 1000))
            if rows == 0:
                return
            if spec.pause_ms:
                time.sleep(spec.pause_ms / 1000)
        raise MigrationInterruptedError(
            f"{step.script}: statement {index + 1} still touched rows after {spec.max_batches} batches "
            f"({total} rows). Its WHERE must skip rows already done, and a LIMIT must bound each batch; raise "
            "max= in the directive if the table really is that large.", title="batch did not finish")

    def _already_done(self, statement: Statement) -> bool:
        """A resumed CREATE INDEX CONCURRENTLY whose index exists: valid means done; invalid is dropped first."""
        words = significant_words(statement.text, 12)
        if words[:1] != ["create"] or "concurrently" not in words[:4]:
            return False
        after = words[words.index("concurrently") + 1:]
        if after[:3] == ["if", "not", "exists"]:
            after = after[3:]
        if not after or after[0] in ("", "on"):
            return False
        row = self.conn.execute("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                                "WHERE c.relname = %s AND pg_table_is_visible(c.oid)", [after[0]]).fetchone()
        if row is None:
            return False
        if row[0]:
            return True
        self.conn.execute(sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}").format(sql.Identifier(after[0])))
        self.emit(ev.WarningRaised(f"dropped invalid index {after[0]} left by the interrupted run; rebuilding it."))
        return False

    def _execute(self, cur: psycopg.Cursor[Any], step: PreparedStep, index: int, statement: Statement) -> None:
        if self.should_stop():
            raise MigrationInterruptedError(f"stopped before statement {index + 1} of {step.script}; "
                                            + ("its transaction was rolled back." if step.transactional
                                               else f"statements 1-{index} are recorded; `migrate` resumes."))
        total = len(step.statements)
        self.emit(ev.StatementStarted(step.script, index, total, step.position(statement)[0], ev.excerpt(statement.text)))
        begun = time.perf_counter()
        cur.execute(statement.text, prepare=False)
        self.emit(ev.StatementExecuted(step.script, index, total, (time.perf_counter() - begun) * 1000))

    def _failed(self, step: PreparedStep, index: int | None, exc: psycopg.Error, note: str, *,
                offset: int | None = -1) -> MigrationFailedError:
        """Translate a server error into a `MigrationFailedError` at file:line:column, and log the event.

        `offset` is the error's position inside the statement; -1 means "take it from the error" (the
        statement was sent alone), None means "unknown" (the start of the statement is reported).
        """
        statement = step.statements[index or 0] if step.statements else Statement("", 0, 1, 1, 0)
        if self.conn.closed or self.conn.broken:
            where = (f"at or before statement {index + 1}" if index is not None else
                     f"its {len(step.statements)} statements were sent together, so which one was running is not "
                     "known")
            why = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            said = f" The server said: {why}." if why else ""
            if "transaction timeout" in why or "transaction_timeout" in why:
                said += " That is the environment's transaction_timeout: the file took longer; raise it, or split it."
            raise DatabaseConnectionError(f"the connection was lost while running {step.script} ({where}); the "
                                          f"server rolls back an open transaction.{said} Reconnect and run `status` "
                                          "to see what is recorded.", title="connection lost") from exc
        diag = exc.diag
        if offset == -1:
            offset = int(diag.statement_position) - 1 if diag.statement_position else None
        line, column = step.position(statement, offset or 0)
        context = f" (context: {diag.context.strip()})" if diag.context and diag.context.strip() else ""
        detail = SqlErrorDetail(
            path=step.script, line=line, column=column, sqlstate=exc.sqlstate,
            message=(diag.message_primary or str(exc).strip() or type(exc).__name__) + context,
            detail=diag.message_detail, hint=diag.message_hint, statement_index=index,
            statement_excerpt=ev.excerpt(statement.text, 160), statement_count=len(step.statements),
        )
        if exc.sqlstate == LOCK_NOT_AVAILABLE and step.upfront and "inline_code_block" in (diag.context or ""):
            note = ("It timed out taking the file's locks up front (lock-upfront), before its first statement ran. "
                    + note)
        if exc.sqlstate == LOCK_NOT_AVAILABLE:
            blockers = describe_blockers(self.conn, step.text.text)
            note += f" Blocked by: {blockers}." if blockers else " The blocking session had finished by then."
        error = MigrationFailedError(step.version, step.row.script, detail, note=note)
        self.conn.execute(self.store.event("failed", version=step.version, script=step.row.script, detail={
            "line": line, "column": column, "sqlstate": exc.sqlstate, "message": detail.message,
            "statement": None if index is None else index + 1, "action": step.spec.action}))
        self.emit(ev.MigrationFailed(step.script, step.version, error))
        return error

