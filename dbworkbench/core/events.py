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


EngineEvent = (LockWaited | MigrationStarted | StatementStarted | StatementExecuted | BatchExecuted | MigrationFinished
               | MigrationFailed | WarningRaised)
EventSink = Callable[[EngineEvent], None]
"""Callback receiving engine events."""


def excerpt(text: str, width: int = 100) -> str:
    """A statement folded onto one line and shortened."""
    folded = " ".join(text.split())
    return folded if len(folded) <= width else folded[: width - 1] + "…"
