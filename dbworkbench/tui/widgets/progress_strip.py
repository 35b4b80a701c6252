"""ProgressStrip: what is running (file, statement n of m, elapsed, excerpt) and the result of each action."""

from __future__ import annotations

import time

from textual.content import Content
from textual.widgets import Static

from dbworkbench.core import events as ev


class ProgressStrip(Static):
    """Two lines at the bottom."""

    DEFAULT_CSS = """
    ProgressStrip { height: 2; background: $surface; padding: 0 1; }
    ProgressStrip.-error { color: $error; }
    ProgressStrip.-running { color: $accent; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__("Ready.", **kwargs)  # type: ignore[arg-type]
        self._file = ""
        self._started = 0.0
        self._statement: ev.StatementStarted | None = None
        """The statement running now, redrawn with its elapsed time while it runs."""
        self._statement_started = 0.0
        self.blocked: ev.BlockedBy | None = None
        """Who the running statement waits for, while it waits (drawn instead of its text)."""
        self._blocked_seen = 0.0

    def on_mount(self) -> None:
        self._ticker = self.set_interval(0.25, self._tick, pause=True)

    def _tick(self) -> None:
        if self._statement is not None:
            self._draw_statement()

    def _draw_statement(self) -> None:
        event, now = self._statement, time.monotonic()
        assert event is not None
        detail = f"line {event.line}: {event.excerpt}"
        if self.blocked is not None:
            detail = self.blocked.summary(self.blocked.waited_seconds + now - self._blocked_seen)
        self._say(f"{self._file} · statement {event.index + 1}/{event.total} · {now - self._statement_started:.1f}s "
                  f"(file {now - self._started:.1f}s)\n{detail}", running=True, keep=True,
                  error=self.blocked is not None)

    def show_event(self, event: ev.EngineEvent) -> None:
        """Draw one engine event; a running statement's elapsed time ticks until the next event, and while it
        waits for a lock, who it waits for."""
        if isinstance(event, ev.BlockedBy | ev.BlockCleared):
            self.blocked = event if isinstance(event, ev.BlockedBy) else None
            self._blocked_seen = time.monotonic()
            if self._statement is not None:
                self._draw_statement()
            return
        self._statement, self.blocked = None, None
        if isinstance(event, ev.MigrationStarted):
            self._file, self._started = event.script, time.monotonic()
            self._say(f"{event.action} {event.script} · {event.statements_total} statement(s)", running=True)
        elif isinstance(event, ev.StatementStarted):
            self._statement, self._statement_started = event, time.monotonic()
            self._draw_statement()
            self._ticker.resume()
        elif isinstance(event, ev.BatchExecuted):
            self._say(f"{self._file} · statement {event.index + 1} · batch {event.batch}: {event.rows} row(s), "
                      f"{event.total_rows} in all", running=True)
        elif isinstance(event, ev.MigrationFinished):
            self._say(f"✓ {event.action} {event.script} in {event.elapsed_ms:.0f} ms", running=True)
        elif isinstance(event, ev.LockWaited):
            self._say(f"waiting for the migration lock: {event.holder}", running=True)
        elif isinstance(event, ev.WarningRaised):
            self._say(f"warning: {event.message}", running=True)

    def say(self, text: str, *, error: bool = False) -> None:
        """Show a result line."""
        self._statement = None
        self._say(text, running=False, error=error)

    def _say(self, text: str, *, running: bool, error: bool = False, keep: bool = False) -> None:
        if not keep and self._statement is None and self.is_mounted:
            self._ticker.pause()
        self.set_class(running, "-running")
        self.set_class(error, "-error")
        self.update(Content(text))
