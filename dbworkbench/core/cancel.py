"""Cancelling a running apply from another thread: stop between statements, and cancel the server statement."""

from __future__ import annotations

import threading
from typing import Any

import psycopg


class CancelToken:
    """Shared between the thread that applies and the one that asks it to stop."""

    def __init__(self) -> None:
        self._cancelled = threading.Event()
        self._lock = threading.Lock()
        self._conn: psycopg.Connection[Any] | None = None

    def attach(self, conn: psycopg.Connection[Any] | None) -> None:
        """The connection whose running statement `cancel` interrupts (None to forget it)."""
        with self._lock:
            self._conn = conn
        if conn is not None and self._cancelled.is_set():
            conn.cancel_safe()

    def cancel(self) -> None:
        """Ask to stop: checked between statements, and the server's current statement is cancelled."""
        self._cancelled.set()
        with self._lock:
            conn = self._conn
        if conn is not None and not conn.closed:
            try:
                conn.cancel_safe(timeout=5.0)
            except psycopg.Error:
                pass  # the statement finished or the connection closed meanwhile; the flag still stops the run

    def is_cancelled(self) -> bool:
        """True once `cancel` was called."""
        return self._cancelled.is_set()
