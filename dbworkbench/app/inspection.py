"""The verbs that only read: status, validate, history, show."""

from __future__ import annotations

import difflib

from dbworkbench.app.gate import protection_of
from dbworkbench.app.reports import HistoryReport, ShowReport, StatusReport, ValidationReport
from dbworkbench.app.state import prepare_steps, read_state
from dbworkbench.app.vocabulary import Verb
from dbworkbench.config import Settings
from dbworkbench.core.lexer import UnterminatedError, strip_comments_and_space
from dbworkbench.core.migration_cache import Signature
from dbworkbench.core.planner import Entry, StepAction, StepSpec
from dbworkbench.core.scripts import placeholder_names, substitute
from dbworkbench.core.session import Session, open_session
from dbworkbench.core.versions import version_argument
from dbworkbench.errors import PlanError


def _status(settings: Settings, session: Session, *, cached: bool = False,
            signature: Signature | None = None) -> StatusReport:
    state = read_state(settings, session, cached=cached, signature=signature)
    return StatusReport(settings.environment.name, session.label, session.server_version,
                        session.store.qualified_name, state.entries, state.rows,
                        protection_of(settings, session).name)


def report_of(settings: Settings, session: Session, signature: Signature) -> StatusReport:
    """The status on an open session, the folder from its stat-keyed cache under `signature`, just taken
    (`app.status_cache` keeps answers)."""
    return _status(settings, session, cached=True, signature=signature)


def status(settings: Settings) -> StatusReport:
    """State of every migration on the environment; reads files and history, parses no SQL.

    Raises:
        DiscoveryError, DatabaseConnectionError.
    """
    with open_session(settings, write=False, purpose=Verb.STATUS.value) as session:
        return _status(settings, session, cached=True)


def validate(settings: Settings) -> ValidationReport:
    """Check checksums, missing files, out-of-order and failed entries; dry-prepare pending files.

    Raises:
        DiscoveryError, DatabaseConnectionError.
    """
    with open_session(settings, write=False, purpose=Verb.VALIDATE.value) as session:
        report = _status(settings, session)
        tampered = session.store.tampered_undo_ranks(session.conn) if session.history_exists() else set()
        errors = [f"{e.script}: the undo stored in history does not match the checksum recorded with it (changed in "
                  f"the database?); `down` refuses it. See `dbworkbench show {e.key}`."
                  for e in report.entries if e.row is not None and e.state.is_applied and e.row.rank in tampered]
        for entry in report.pending:
            try:
                prepare_steps(session, [StepSpec(StepAction.APPLY, entry)])
            except PlanError as exc:
                errors.append(exc.message)
            errors += _undo_placeholder_errors(settings, entry)
        return ValidationReport(report, tuple(errors))


def history(settings: Settings, *, version: str | None = None) -> HistoryReport:
    """The event log, oldest first (of one version when given).

    Raises:
        ConfigError: `version` is not a version. DatabaseConnectionError.
    """
    key = version_argument(version)
    with open_session(settings, write=False, purpose=Verb.HISTORY.value) as session:
        if not session.history_exists():
            return HistoryReport(())
        return HistoryReport(tuple(session.store.events(session.conn, key.canonical if key else None)))


def show(settings: Settings, version: str) -> ShowReport:
    """Explain one version (or repeatable, by name): stored up/undo SQL, and a unified diff against the file
    when they differ.

    Raises:
        PlanError: no such version or repeatable in files or history.
    """
    with open_session(settings, write=False, purpose=Verb.SHOW.value) as session:
        entry = read_state(settings, session).find(version)
        if entry is None:
            raise PlanError(f"no migration has version {version}, in the files or in history.")
        row = session.store.row(session.conn, entry.row.rank) if entry.row is not None else None
        events = tuple(session.store.events(session.conn, entry.key)) if session.history_exists() else ()
    file_sql = None
    if entry.file is not None:
        try:
            file_sql = substitute(entry.file.up_sql, dict(settings.environment.placeholders)).text
        except KeyError:
            file_sql = entry.file.up_sql
    diff: tuple[str, ...] = ()
    change_kind = None
    if row is not None and row.up_sql is not None and file_sql is not None and row.up_sql != file_sql:
        diff = tuple(difflib.unified_diff(row.up_sql.splitlines(), file_sql.splitlines(),
                                          f"applied (rank {row.rank}, {row.installed_on:%Y-%m-%d %H:%M})",
                                          f"file {entry.script}", lineterm=""))
        change_kind = "comments and whitespace only" if _same_tokens(row.up_sql, file_sql) else "SQL changed"
    return ShowReport(entry, row, file_sql, diff, change_kind, events)


def _same_tokens(left: str, right: str) -> bool:
    """Equal but for comments and whitespace (an unterminated string or comment on either side: not equal)."""
    try:
        return strip_comments_and_space(left) == strip_comments_and_space(right)
    except UnterminatedError:
        return False


def _undo_placeholder_errors(settings: Settings, entry: Entry) -> list[str]:
    """An undo section or file whose `${placeholders}` this environment does not define (it would fail on `down`)."""
    file = entry.file
    if file is None or file.undo_sql is None:
        return []
    missing = [name for name in placeholder_names(file.undo_sql) if name not in settings.environment.placeholders]
    names = ", ".join(f"${{{n}}}" for n in missing)
    return [f"{file.undo_script or file.script}: the undo uses placeholder(s) {names}, which environment "
            f"{settings.environment.name!r} does not define; `down` would fail."] if missing else []
