"""What the CLI says while it works (stderr): progress lines, and the typed confirmation of a protected write."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from dbworkbench.core import events as ev

if TYPE_CHECKING:
    from dbworkbench.app.gate import ConfirmRequest


@dataclass
class ProgressPrinter:
    """Prints engine events to stderr: a line per file, and per statement when verbose."""

    verbose: bool = False
    stream: TextIO | None = None
    """Where to print; None means the current sys.stderr."""

    def __call__(self, event: ev.EngineEvent) -> None:
        text = self.render(event)
        if text:
            print(text, file=self.stream or sys.stderr, flush=True)

    def render(self, event: ev.EngineEvent) -> str | None:
        """The line for one event (None: nothing to print)."""
        if isinstance(event, ev.LockWaited):
            return f"waiting for the migration lock: {event.holder}"
        if isinstance(event, ev.MigrationStarted):
            resume = f", resuming at statement {event.start_at + 1}" if event.start_at else ""
            mode = "" if event.transactional else ", no transaction"
            return f"→ {event.action} {event.script} ({event.statements_total} statements{mode}{resume})" \
                if self.verbose else None
        if isinstance(event, ev.StatementStarted):
            return f"  [{event.index + 1}/{event.total}] line {event.line}: {event.excerpt}" if self.verbose else None
        if isinstance(event, ev.MigrationFinished):
            verb = "undone" if event.action.endswith("undo") else "applied"
            return f"✓ {verb} {event.script} ({event.elapsed_ms:.0f} ms)"
        if isinstance(event, ev.BatchExecuted):
            return (f"  batch {event.batch}: {event.rows} row(s), {event.total_rows} in all "
                    f"({event.elapsed_ms:.0f} ms)") if self.verbose or event.rows == 0 else None
        if isinstance(event, ev.WarningRaised):
            return f"warning: {event.message}"
        if isinstance(event, ev.BlockedBy):
            return event.summary() if event.changed else None
        if isinstance(event, ev.HookRan):
            return event.summary()
        if isinstance(event, ev.BlockCleared):
            return f"  got the lock after waiting {event.waited_seconds:.1f} s" if self.verbose else None
        return None


def ask_typed_confirmation(request: ConfirmRequest, *, stdin: TextIO | None = None,
                           stream: TextIO | None = None) -> bool:
    """Show what will run on a protected environment and ask for its name to be typed."""
    stdin = stdin or sys.stdin
    stream = stream or sys.stderr
    if not stdin.isatty():
        return False
    print(f"\n*** {request.action.upper()} ON {request.environment.upper()} ***", file=stream)
    print(f"{request.action} will run:", file=stream)
    for script in request.scripts:
        print(f"  {script}", file=stream)
    print(f"Type {request.environment!r} to continue, anything else to stop: ",
          end="", file=stream, flush=True)
    return stdin.readline().strip() == request.environment


