"""One error hierarchy for every layer, each error with a short title, a message and an exit code.

The engine raises these; the CLI prints `title: message` and exits with `exit_code`; the workbench
shows them in its error modal. Messages say what went wrong and what to do, in one paragraph.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum


class ExitCode(IntEnum):
    """Stable process exit codes, documented in the README."""

    OK = 0
    MIGRATION_FAILED = 1
    USAGE = 2
    CONNECTION = 3
    LOCKED = 4
    INTEGRITY = 5
    LINT = 6
    INTERRUPTED = 130


class DbWorkbenchError(Exception):
    """Base of every error dbworkbench reports to a person."""

    title = "dbworkbench error"
    exit_code = ExitCode.USAGE

    def __init__(self, message: str, *, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return f"{self.title}: {self.message}"


class ConfigError(DbWorkbenchError):
    """The configuration file, an environment variable or a command-line option is wrong."""

    title = "configuration error"


class DatabaseConnectionError(DbWorkbenchError):
    """The server could not be reached, or refused us."""

    title = "cannot connect"
    exit_code = ExitCode.CONNECTION


class DiscoveryError(DbWorkbenchError):
    """The migrations folder holds files that cannot be used; every offending file is listed."""

    title = "bad migration files"

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {path}: {why}" for path, why in problems)
        super().__init__(f"{len(problems)} problem(s) in the migration files, nothing was run:\n{lines}")


class PlanError(DbWorkbenchError):
    """What was asked cannot be planned (unknown version, nothing to undo, out-of-order file...)."""

    title = "cannot plan"


class StaleStateError(DbWorkbenchError):
    """The target's history changed after the write was planned on screen: nothing ran."""

    title = "history changed"


class ChecksumMismatchError(DbWorkbenchError):
    """An applied file changed on disk since it ran."""

    title = "checksum mismatch"
    exit_code = ExitCode.INTEGRITY


class IntegrityError(DbWorkbenchError):
    """`validate` found problems between the files and the history."""

    title = "validation failed"
    exit_code = ExitCode.INTEGRITY


class LockError(DbWorkbenchError):
    """Another migrator holds the lock."""

    title = "locked"
    exit_code = ExitCode.LOCKED


class ProtectedEnvironmentError(DbWorkbenchError):
    """A write on a protected environment was not confirmed."""

    title = "protected environment"


class HookVetoedError(DbWorkbenchError):
    """A before-migrate hook exited non-zero: nothing ran."""

    title = "vetoed by a hook"


class RolesFailedError(DbWorkbenchError):
    """`roles apply` could not make the cluster match: a statement failed (nothing of that run stayed), or the
    cluster still differs after it."""

    title = "roles not applied"
    exit_code = ExitCode.MIGRATION_FAILED


class ServerError(DbWorkbenchError):
    """The embedded PostgreSQL server could not be started or managed."""

    title = "embedded server"
    exit_code = ExitCode.CONNECTION


@dataclass(frozen=True, slots=True)
class SqlErrorDetail:
    """Where and why a statement failed, mapped back into its file."""

    path: str
    line: int
    column: int
    sqlstate: str | None
    message: str
    detail: str | None
    hint: str | None
    statement_index: int | None
    """None: the statements were sent together and the server did not say which one failed."""
    statement_excerpt: str
    statement_count: int = 1


class MigrationFailedError(DbWorkbenchError):
    """A statement of a migration failed; its transaction (if any) was rolled back."""

    title = "migration failed"
    exit_code = ExitCode.MIGRATION_FAILED

    def __init__(self, version: str | None, script: str, failure: SqlErrorDetail, *, note: str) -> None:
        self.version = version
        self.script = script
        self.failure = failure
        where = f"{failure.path}:{failure.line}:{failure.column}"
        state = f" [SQLSTATE {failure.sqlstate}]" if failure.sqlstate else ""
        parts = [f"{where}: {failure.message}{state}"]
        if failure.detail:
            parts.append(f"DETAIL: {failure.detail}")
        if failure.hint:
            parts.append(f"HINT: {failure.hint}")
        if failure.statement_index is None:
            parts.append(f"one of statements 1-{failure.statement_count} (they were sent together and the server did "
                         "not say which one failed)")
        else:
            parts.append(f"statement {failure.statement_index + 1}: {failure.statement_excerpt}")
        parts.append(note)
        super().__init__("\n".join(parts))


class CancelledError(DbWorkbenchError):
    """The person stopped a read (a data preview, say) before it finished: nothing to report but that."""

    title = "cancelled"
    exit_code = ExitCode.INTERRUPTED


class MigrationInterruptedError(CancelledError):
    """The run was stopped by the person (Ctrl-C or cancel) between or during statements."""

    title = "interrupted"
    exit_code = ExitCode.INTERRUPTED
