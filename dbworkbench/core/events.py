"""Engine events: past-tense facts handed to an `on_event` callback while the engine works.

The CLI prints them; the workbench turns them into messages. The engine never prints.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dbworkbench.errors import DbWorkbenchError


@dataclass(frozen=True, slots=True)
class LockWaited:
    """Another migrator holds the lock; we are waiting for it."""

    holder: str


@dataclass(frozen=True, slots=True)
class MigrationStarted:
    """A file started (or resumed)."""

    script: str
    version: str | None
    action: str
    statements_total: int
    transactional: bool
    start_at: int
    """0-based index of the first statement to run (non-zero when resuming)."""


@dataclass(frozen=True, slots=True)
class StatementStarted:
    """A statement was sent to the server."""

    script: str
    index: int
    total: int
    line: int
    excerpt: str


@dataclass(frozen=True, slots=True)
class StatementExecuted:
    """A statement finished."""

    script: str
    index: int
    total: int
    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class BatchExecuted:
    """One batch of a batched statement committed."""

    script: str
    index: int
    batch: int
    rows: int
    total_rows: int
    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class MigrationFinished:
    """A file finished and its history row is committed."""

    script: str
    version: str | None
    action: str
    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class MigrationFailed:
    """A file failed; what was rolled back or kept is in the error's message."""

    script: str
    version: str | None
    error: DbWorkbenchError


@dataclass(frozen=True, slots=True)
class WarningRaised:
    """Something the person should know, that does not stop the run."""

    message: str


@dataclass(frozen=True, slots=True)
class Blocker:
    """A session the running migration waits for."""

    pid: int
    user: str
    application: str
    state: str
    transaction_seconds: int | None
    query: str

    @property
    def described(self) -> str:
        """`pid 42 (alice, psql, idle in transaction, transaction open 312 s): SELECT …`."""
        age = f", transaction open {self.transaction_seconds} s" if self.transaction_seconds is not None else ""
        return f"pid {self.pid} ({self.user}, {self.application or 'no application_name'}, {self.state}{age}): " \
               f"{self.query}"

    @property
    def remedies(self) -> str:
        """The statements a person may copy to end it (dbworkbench never runs them)."""
        return f"SELECT pg_cancel_backend({self.pid}); -- or pg_terminate_backend({self.pid}) to end its session"


@dataclass(frozen=True, slots=True)
class BlockedBy:
    """The running statement waits for a lock other sessions hold (seen by a side connection)."""

    blockers: tuple[Blocker, ...]
    waited_seconds: float
    queued_behind: int
    """Sessions waiting behind the migration in turn (everyone the wait holds up)."""
    changed: bool = True
    """The blockers differ from the previous report (a printer need not repeat itself)."""

    def summary(self, waited: float | None = None) -> str:
        """`⏳ waiting 2.1 s for pid 42 (…): query · 3 session(s) queued behind this migration · to end it: …`."""
        first = self.blockers[0]
        more = f" and {len(self.blockers) - 1} more" if len(self.blockers) > 1 else ""
        queued = f" · {self.queued_behind} session(s) queued behind this migration" if self.queued_behind else ""
        seconds = self.waited_seconds if waited is None else waited
        return f"⏳ waiting {seconds:.1f} s for {first.described}{more}{queued} · to end it: {first.remedies}"


@dataclass(frozen=True, slots=True)
class BlockCleared:
    """The running statement got its lock."""

    waited_seconds: float


@dataclass(frozen=True, slots=True)
class HookRan:
    """A before/after-migrate hook finished (`app.hooks`)."""

    name: str
    """`before_migrate` or `after_migrate`."""
    command: str
    exit_code: int
    output: str
    """Its stdout and stderr, as it printed them (trailing blank lines dropped)."""

    def summary(self) -> str:
        """A line naming the hook and how it ended, then its output indented."""
        mark = "✓" if self.exit_code == 0 else "✗"
        lines = [f"{mark} hook {self.name}: {self.command} (exit {self.exit_code})"]
        return "\n".join(lines + ["  " + line for line in self.output.splitlines()])


EngineEvent = (LockWaited | MigrationStarted | StatementStarted | StatementExecuted | BatchExecuted | MigrationFinished
               | MigrationFailed | WarningRaised | BlockedBy | BlockCleared | HookRan)
EventSink = Callable[[EngineEvent], None]
"""Callback receiving engine events."""


def excerpt(text: str, width: int = 100) -> str:
    """A statement folded onto one line and shortened."""
    folded = " ".join(text.split())
    return folded if len(folded) <= width else folded[: width - 1] + "…"
