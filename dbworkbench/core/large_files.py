"""Big transactional files (`LARGE_FILE_CHARS` and more) run with bounded memory: the file's text goes in pieces of
whole statements, each read back keeping no result, and the history row is written by COPY with its text streamed.

A 64 MB file of 470 000 INSERTs sent as one message costs the text three times over (the message, its encoding and
libpq's doubled buffer) plus a result object per statement; in pieces it costs the text once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

import psycopg
from psycopg import sql

from dbworkbench.core import events as ev
from dbworkbench.core.history import HistoryStore
from dbworkbench.core.lexer import Statement
from dbworkbench.core.statement_list import pieces
from dbworkbench.core.steps import PreparedStep
from dbworkbench.errors import MigrationFailedError, MigrationInterruptedError

LARGE_FILE_CHARS = 4 << 20
"""A transactional file this long (its statements' span) runs in pieces."""
LARGE_PIECE_CHARS = 2 << 20
"""About how much of a big file's text one message carries."""


class _Host(Protocol):
    """What `LargeFiles` needs of the executor it is part of."""

    conn: psycopg.Connection[Any]
    store: HistoryStore
    should_stop: Callable[[], bool]
    emit: ev.EventSink

    def _guarded(self, step: PreparedStep) -> list[sql.Composed]: ...
    def _action(self, step: PreparedStep) -> str: ...
    def _rollback(self) -> None: ...
    def _locate(self, step: PreparedStep, exc: psycopg.Error, prefix_length: int) -> tuple[int | None, int | None]: ...
    def _failed(self, step: PreparedStep, index: int | None, exc: psycopg.Error, note: str, *,
                offset: int | None = -1) -> MigrationFailedError: ...


class LargeFiles:
    """The executor's way with big files (a mixin of `core.executor.Executor`)."""

    def _run_large(self: _Host, step: PreparedStep, begin: list[sql.Composable], first: Statement) -> None:
        """A big file's transaction with bounded memory: BEGIN with the session's reset; the file's own text in
        pieces of whole statements (`LARGE_PIECE_CHARS`, each read back keeping no result); the guard; the history
        row by COPY, its text streamed; the event and COMMIT. Nothing of the text is held twice at once."""
        conn = self.conn
        started = time.perf_counter()
        piece_start = first.offset
        try:
            conn.execute(sql.SQL("; ").join(begin))
            for at, piece_start, piece_end in pieces(step.statements, LARGE_PIECE_CHARS):
                if at:  # between pieces: stop when asked (rolled back below), and say how far it got
                    if self.should_stop():
                        raise MigrationInterruptedError(f"stopped at statement {at + 1} of {step.script}; its "
                                                        "transaction was rolled back.")
                    statement = step.statements[at]
                    self.emit(ev.StatementStarted(step.script, at, len(step.statements), statement.line,
                                                  ev.excerpt(statement.text)))
                _execute_keeping_no_results(conn, step.text.text[piece_start:piece_end])
            conn.execute(sql.SQL("; ").join(self._guarded(step)))
            elapsed_ms = int((time.perf_counter() - started) * 1000)
            self.store.copy_row(conn, replace(step.row, success=True, statements_done=len(step.statements),
                                              execution_ms=elapsed_ms))
            conn.execute(sql.SQL("; ").join([self.store.event(self._action(step), version=step.version,
                                                              script=step.row.script, checksum=step.row.checksum,
                                                              execution_ms=elapsed_ms), sql.SQL("COMMIT")]))
        except psycopg.Error as exc:
            self._rollback()
            if self.should_stop():
                raise MigrationInterruptedError(f"cancelled while running {step.script}; its transaction was "
                                                "rolled back.") from exc
            index, offset = self._locate(step, exc, first.offset - piece_start)
            raise self._failed(step, index, exc, "The file's transaction was rolled back: nothing of it was applied.",
                               offset=offset) from exc
        except BaseException:
            self._rollback()
            raise


def _execute_keeping_no_results(conn: psycopg.Connection[Any], text: str) -> None:
    """Send a script of many statements and read its results one at a time, keeping none but the first error
    (psycopg's `execute` keeps every statement's result: 470 000 of them for a big file of INSERTs, 85 MB).

    Raises:
        psycopg.Error: the first statement that failed (the server skips the rest).
    """
    from psycopg import errors, generators, pq

    error: psycopg.Error | None = None
    with conn.lock:
        conn.pgconn.send_query(text.encode(conn.info.encoding))
        conn.wait(generators.send(conn.pgconn))
        while (result := conn.wait(generators.fetch(conn.pgconn))) is not None:
            if result.status == pq.ExecStatus.FATAL_ERROR and error is None:
                error = errors.error_from_result(result, encoding=conn.info.encoding)
    if error is not None:
        raise error

