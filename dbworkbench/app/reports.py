"""Report values of the migration verbs: what was found, planned and done. Rendering is the front ends' job."""

from __future__ import annotations

from dataclasses import dataclass

from dbworkbench.core.history import HistoryEvent, HistoryRow
from dbworkbench.core.planner import Entry, StepAction
from dbworkbench.core.project_state import current_version, history_mark, pending_entries, problem_entries


@dataclass(frozen=True, slots=True)
class StatusSummary:
    """The line a person reads first: where, at which version, and how many of what."""

    environment: str
    target: str
    """The real target, `user@host:port/db` (never a password)."""
    server_version: str
    current_version: str | None
    """Highest applied version; a baseline counts."""
    applied: int
    pending: int
    problems: int
    protected_as: str | None = None
    """The name that protects the database (its environment's, its own mark's), or None."""


@dataclass(frozen=True, slots=True)
class StatusReport:
    """Every migration's state on the target."""

    environment: str
    server: str
    """The real target, `user@host:port/db`."""
    server_version: str
    history_table: str
    entries: tuple[Entry, ...]
    rows: tuple[HistoryRow, ...] = ()
    """Every history row in rank order (no SQL text)."""
    protected_as: str | None = None
    """The name writes must be confirmed with, when the database is protected (see `app.gate.Protection`)."""

    @property
    def history_mark(self) -> str:
        """The fingerprint of `rows` a write planned on this state passes back (`Expected`)."""
        return history_mark(self.rows)

    @property
    def server_major(self) -> int:
        """The server's major version."""
        return int(self.server_version.split(".")[0])

    @property
    def current_version(self) -> str | None:
        """Highest applied (or baselined) version."""
        return current_version(self.entries)

    @property
    def pending(self) -> tuple[Entry, ...]:
        """Entries with a file that the next `migrate` runs."""
        return pending_entries(self.entries)

    @property
    def problems(self) -> tuple[Entry, ...]:
        """Entries `validate` fails on."""
        return problem_entries(self.entries)

    @property
    def summary(self) -> StatusSummary:
        """Counts and versions as the header shows them."""
        return StatusSummary(self.environment, self.server, self.server_version, self.current_version,
                             sum(1 for e in self.entries if e.state.is_applied), len(self.pending),
                             len(self.problems), self.protected_as)


@dataclass(frozen=True, slots=True)
class PlannedStep:
    """One file a write will run, as planned (before it runs)."""

    script: str
    version: str | None
    action: StepAction
    statements: int
    transactional: bool


@dataclass(frozen=True, slots=True)
class Expected:
    """The state a write was planned on (a screen's): the write refuses, having run nothing, when the target's
    history or the plan is no longer that."""

    history_mark: str
    """`core.project_state.history_mark` of the rows shown."""
    planned: tuple[PlannedStep, ...] | None = None
    """The files shown in a confirmation, in order; None: not shown (only the history must be unchanged)."""


@dataclass(frozen=True, slots=True)
class StepResult:
    """One file that ran."""

    script: str
    version: str | None
    action: StepAction
    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class ApplyReport:
    """What a migrate/up/down/redo planned, and did (or, for a dry run, would do)."""

    steps: tuple[StepResult, ...]
    dry_run_sql: str | None = None
    """The exact SQL of a dry run (history writes included); None when it ran."""
    planned: tuple[PlannedStep, ...] = ()
    """Every file it planned, in order: what a confirmation shows, without parsing SQL."""
    history_mark: str = ""
    """A dry run's: the history it was planned on (`core.project_state.history_mark`), to pass back in
    `Expected`; empty for a write that ran."""
    review_sql: str | None = None
    """A dry run's SQL for a person: each file's statements, bookkeeping folded into comments."""
    refusal: str | None = None
    """A dry run on a protected database: why the gate would refuse it (unapproved unsafe changes), or None."""


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """Integrity problems between files and history, and pending files that would not run."""

    status: StatusReport
    pending_errors: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.status.problems and not self.pending_errors


@dataclass(frozen=True, slots=True)
class HistoryReport:
    """The event log, oldest first."""

    events: tuple[HistoryEvent, ...]


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What a history-changing command did (or would do): one line per change, and its SQL."""

    changes: tuple[str, ...]
    sql: str
    dry_run: bool


@dataclass(frozen=True, slots=True)
class ShowReport:
    """A version's stored SQL, its file, and how they differ."""

    entry: Entry
    row: HistoryRow | None
    file_sql: str | None
    diff: tuple[str, ...]
    change_kind: str | None
    """None when identical; "comments and whitespace only" or "SQL changed" otherwise."""
    events: tuple[HistoryEvent, ...]
