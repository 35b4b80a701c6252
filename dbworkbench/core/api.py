"""The engine's facade: one function per command, taking `Settings` and returning result values.

The CLI and the workbench call these and nothing below them. Functions never print or exit: they
report progress through `on_event`, ask for confirmation through `confirm`, and raise
`DbWorkbenchError`s.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from dbworkbench.config import Settings
from dbworkbench.core import events as ev
from dbworkbench.core.cancel import CancelToken
from dbworkbench.core.discovery import MigrationSet, discover
from dbworkbench.core.executor import Executor, dry_run_sql
from dbworkbench.core.history import HistoryEvent, HistoryRow
from dbworkbench.core.planner import Entry, State, StepSpec, fold, plan_backward, plan_forward
from dbworkbench.core.session import Confirm, ConfirmRequest, Session, open_session, require_confirmation
from dbworkbench.core.steps import PreparedStep, prepare
from dbworkbench.core.versions import Version, next_version
from dbworkbench.errors import ConfigError, PlanError


@dataclass(frozen=True, slots=True)
class StatusReport:
    """Every migration's state on the target."""

    environment: str
    server: str
    server_version: str
    history_table: str
    entries: tuple[Entry, ...]
    rows: tuple[HistoryRow, ...] = ()
    """Every history row in rank order (no SQL text)."""

    @property
    def current_version(self) -> str | None:
        """Highest applied (or baselined) version."""
        done = [e.version for e in self.entries if e.version and e.state in
                (State.APPLIED, State.CHECKSUM_MISMATCH, State.MISSING_FILE, State.BASELINE)]
        return max(done).canonical if done else None

    def count(self, *states: State) -> int:
        """How many entries are in any of `states`."""
        return sum(1 for e in self.entries if e.state in states)

    @property
    def problems(self) -> tuple[Entry, ...]:
        """Entries `validate` fails on."""
        return tuple(e for e in self.entries if e.state.is_problem)


@dataclass(frozen=True, slots=True)
class StepResult:
    """One file that ran."""

    script: str
    version: str | None
    action: str
    elapsed_ms: float


@dataclass(frozen=True, slots=True)
class ApplyReport:
    """What a migrate/up/down/redo did (or, for a dry run, would do)."""

    steps: tuple[StepResult, ...]
    dry_run_sql: str | None = None


def load_migrations(settings: Settings) -> MigrationSet:
    """Read the migrations folder (no database)."""
    return discover(settings.migrations_dir)


def status(settings: Settings) -> StatusReport:
    """State of every migration on the environment; reads files and history, parses no SQL."""
    migrations = load_migrations(settings)
    with open_session(settings, write=False, purpose="status") as session:
        rows = session.rows()
        return StatusReport(settings.environment.name, session.target.label, session.server_version,
                            session.store.qualified_name, tuple(fold(migrations, rows)), tuple(rows))


def _prepare_all(session: Session, specs: list[StepSpec]) -> list[PreparedStep]:
    settings = session.settings
    prepared = []
    for spec in specs:
        stored = None
        if spec.entry.row is not None and (spec.action != "apply"):
            stored = session.store.row(session.conn, spec.entry.row.rank)
        prepared.append(prepare(spec, migrations_dir=settings.migrations_dir, project_dir=settings.project_dir,
                                placeholders=dict(settings.environment.placeholders),
                                server_major=session.server_major, stored=stored))
    return prepared


def _run(session: Session, prepared: list[PreparedStep], *, action: str, dry_run: bool, confirm: Confirm | None,
         on_event: ev.EventSink | None, cancel: CancelToken | None, per_statement: bool) -> ApplyReport:
    rendered = "\n\n".join(filter(None, [session.history_ddl(),
                                         *(dry_run_sql(session.conn, session.store, p) for p in prepared)]))
    if dry_run:
        return ApplyReport((), rendered)
    if prepared:
        require_confirmation(session.settings, confirm, ConfirmRequest(
            session.settings.environment.name, action, tuple(p.script for p in prepared), rendered))
    session.ensure_history()
    env = session.settings.environment
    executor = Executor(session.conn, session.store, on_event=on_event,
                        should_stop=cancel.is_cancelled if cancel else None, per_statement=per_statement,
                        lock_retries=env.lock_retries, lock_retry_backoff=env.lock_retry_backoff)
    results = []
    if cancel is not None:
        cancel.attach(session.conn)
    try:
        for step in prepared:
            elapsed = executor.run(step)
            results.append(StepResult(step.script, step.version, step.spec.action, elapsed))
    finally:
        if cancel is not None:
            cancel.attach(None)
    return ApplyReport(tuple(results))


def parse_version(text: str | None) -> Version | None:
    if text is None:
        return None
    try:
        return Version.parse(text.lstrip("Vv"))
    except ValueError as exc:
        raise ConfigError(f"{text!r} is not a version.", title="bad version") from exc


def migrate(settings: Settings, *, target: str | None = None, steps: int | None = None, dry_run: bool = False,
            confirm: Confirm | None = None, on_event: ev.EventSink | None = None,
            cancel: CancelToken | None = None, per_statement: bool = False) -> ApplyReport:
    """Apply pending migrations (all, up to `target`, or the first `steps`).

    A transactional file goes to the server as one message with its history row (one round trip), unless
    `per_statement` asks for statement-by-statement progress events and stop checks.

    On a protected environment, unsafe lint findings need a committed approval (see `lint.approvals`).

    Raises:
        DiscoveryError, PlanError, ChecksumMismatchError: before anything runs (PlanError also for an
            unapproved unsafe change on a protected environment).
        MigrationFailedError: a statement failed; earlier files stay applied.
        LockError, DatabaseConnectionError, ProtectedEnvironmentError, MigrationInterruptedError.
    """
    migrations = load_migrations(settings)
    with open_session(settings, write=not dry_run, purpose="migrate", on_event=on_event) as session:
        entries = fold(migrations, session.rows())
        specs = plan_forward(entries, target=parse_version(target), steps=steps,
                             out_of_order=settings.out_of_order)
        prepared = _prepare_all(session, specs)
        if settings.environment.protected and not dry_run:
            from dbworkbench.lint.approvals import require_approvals

            require_approvals(settings, [s.entry.file for s in specs if s.entry.file is not None],
                              session.server_major)
        return _run(session, prepared, action="migrate", dry_run=dry_run, confirm=confirm,
                    on_event=on_event, cancel=cancel, per_statement=per_statement)


def down(settings: Settings, *, target: str | None = None, steps: int | None = None, dry_run: bool = False,
         confirm: Confirm | None = None, on_event: ev.EventSink | None = None,
         cancel: CancelToken | None = None, per_statement: bool = False) -> ApplyReport:
    """Undo applied migrations, highest version first (one by default).

    Raises:
        PlanError: nothing applied, or a migration without any undo text (file or stored).
    """
    migrations = load_migrations(settings)
    with open_session(settings, write=not dry_run, purpose="down", on_event=on_event) as session:
        entries = fold(migrations, session.rows())
        specs = plan_backward(entries, target=parse_version(target), steps=steps)
        return _run(session, _prepare_all(session, specs), action="down", dry_run=dry_run, confirm=confirm,
                    on_event=on_event, cancel=cancel, per_statement=per_statement)


def redo(settings: Settings, *, dry_run: bool = False, confirm: Confirm | None = None,
         on_event: ev.EventSink | None = None, cancel: CancelToken | None = None,
         per_statement: bool = False) -> ApplyReport:
    """Undo the highest applied migration and apply it again, under one lock."""
    migrations = load_migrations(settings)
    with open_session(settings, write=not dry_run, purpose="redo", on_event=on_event) as session:
        entries = fold(migrations, session.rows())
        undo_spec = plan_backward(entries, steps=1)[0]
        if undo_spec.entry.file is None:
            raise PlanError(f"{undo_spec.entry.script} has no file, so it cannot be applied again after its undo.")
        undo = _prepare_all(session, [undo_spec])
        redo_entry = Entry(undo_spec.entry.key, undo_spec.entry.version, undo_spec.entry.description,
                           undo_spec.entry.kind, undo_spec.entry.script, State.PENDING, undo_spec.entry.file, None)
        again = _prepare_all(session, [StepSpec("apply", redo_entry)])
        return _run(session, undo + again, action="redo", dry_run=dry_run, confirm=confirm,
                    on_event=on_event, cancel=cancel, per_statement=per_statement)


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """Integrity problems between files and history, and pending files that would not run."""

    status: StatusReport
    pending_errors: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.status.problems and not self.pending_errors


def validate(settings: Settings) -> ValidationReport:
    """Check checksums, missing files, out-of-order and failed entries; dry-prepare pending files."""
    migrations = load_migrations(settings)
    with open_session(settings, write=False, purpose="validate") as session:
        entries = fold(migrations, session.rows())
        report = StatusReport(settings.environment.name, session.target.label, session.server_version,
                              session.store.qualified_name, tuple(entries))
        errors = []
        for entry in entries:
            if entry.state in (State.PENDING, State.OUTDATED) and entry.file is not None:
                try:
                    _prepare_all(session, [StepSpec("apply", entry)])
                except PlanError as exc:
                    errors.append(exc.message)
        return ValidationReport(report, tuple(errors))


def history(settings: Settings, *, version: str | None = None) -> list[HistoryEvent]:
    """The event log, oldest first."""
    with open_session(settings, write=False, purpose="history") as session:
        if not session.history_exists():
            return []
        key = parse_version(version)
        return session.store.events(session.conn, key.canonical if key else None)


def new_migration(settings: Settings, description: str, *, now: datetime | None = None) -> str:
    """Write the next versioned file with an undo section; returns its path relative to the project."""
    slug = "_".join("".join(c if c.isalnum() else " " for c in description.lower()).split())
    if not slug:
        raise ConfigError("the description must contain letters or digits, e.g. \"add users table\".")
    folder = settings.migrations_dir
    migrations = load_migrations(settings) if folder.is_dir() else None
    existing = [m.version for m in migrations.versioned if m.version] if migrations else []
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d%H%M%S")
    path = folder / f"V{next_version(existing, timestamp=stamp)}__{slug}.sql"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(f"-- {description}\n\n\n-- @undo\n\n", encoding="utf-8")
    return path.relative_to(settings.project_dir).as_posix() if path.is_relative_to(settings.project_dir) else str(path)
