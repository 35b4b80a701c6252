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

    def show_event(self, event: ev.EngineEvent) -> None:
        """Draw one engine event."""
        if isinstance(event, ev.MigrationStarted):
            self._file, self._started = event.script, time.monotonic()
            self._say(f"{event.action} {event.script} · {event.statements_total} statement(s)", running=True)
        elif isinstance(event, ev.StatementStarted):
            elapsed = time.monotonic() - self._started
            self._say(f"{self._file} · statement {event.index + 1}/{event.total} · {elapsed:.1f}s\n"
                      f"line {event.line}: {event.excerpt}", running=True)
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
        self._say(text, running=False, error=error)

    def _say(self, text: str, *, running: bool, error: bool = False) -> None:
        self.set_class(running, "-running")
        self.set_class(error, "-error")
        self.update(Content(text))
