"""Lint a project's migration files: every file, chosen files, or what is pending on an environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dbworkbench.config import Settings
from dbworkbench.core.discovery import MigrationFile, discover
from dbworkbench.core.planner import State, fold
from dbworkbench.core.scripts import normalise, split_sections
from dbworkbench.lint.findings import Finding, Severity
from dbworkbench.lint.runner import lint_text

PENDING_STATES = (State.PENDING, State.OUT_OF_ORDER, State.OUTDATED, State.FAILED)
"""States of files that `lint --pending` looks at."""


@dataclass(frozen=True, slots=True)
class LintReport:
    """Findings per linted file, in file order."""

    files: tuple[tuple[str, tuple[Finding, ...]], ...]
    server_major: int
    approved: dict[Finding, str] = field(default_factory=dict)
    """Unsafe findings covered by a valid approval, with who approved them."""

    @property
    def findings(self) -> list[Finding]:
        """Every finding."""
        return [f for _, found in self.files for f in found]

    @property
    def unsafe(self) -> list[Finding]:
        """Findings of severity error that no approval covers."""
        return [f for f in self.findings if f.severity is Severity.ERROR and f not in self.approved]


def _display(settings: Settings, script: str) -> str:
    path = settings.migrations_dir / script
    return path.relative_to(settings.project_dir).as_posix() if path.is_relative_to(settings.project_dir) else str(path)


def lint_migration(settings: Settings, migration: MigrationFile, *, server_major: int) -> list[Finding]:
    """Lint one migration's up part."""
    return lint_text(migration.up_sql, _display(settings, migration.script), server_major=server_major,
                     lock_timeout_configured=settings.environment.lock_timeout is not None)


def lint_project(settings: Settings, *, paths: list[str] | None = None, pending: bool = False,
                 server_major: int | None = None) -> LintReport:
    """Lint chosen files, every migration, or (with `pending`) what has not run on the environment yet.

    Raises:
        DiscoveryError: bad migration files. DatabaseConnectionError: `pending` and the server is unreachable.
    """
    if paths:
        major = server_major or 18
        results = []
        for name in paths:
            text = normalise(Path(name).read_text(encoding="utf-8"))
            results.append((name, tuple(lint_text(split_sections(text).up, name, server_major=major,
                                                   lock_timeout_configured=settings.environment.lock_timeout
                                                   is not None))))
        return LintReport(tuple(results), major)
    migrations = discover(settings.migrations_dir)
    chosen = [*migrations.versioned, *migrations.repeatable]
    major = server_major or 18
    if pending:
        from dbworkbench.core.session import open_session

        with open_session(settings, write=False, purpose="lint") as session:
            entries = fold(migrations, session.rows())
            major = server_major or session.server_major
        keys = {e.key for e in entries if e.state in PENDING_STATES}
        chosen = [m for m in chosen if m.key in keys]
    from dbworkbench.lint.approvals import load_approvals

    approvals = load_approvals(settings)
    files, approved = [], {}
    for migration in chosen:
        found = lint_migration(settings, migration, server_major=major)
        approval = approvals.get(migration.key)
        for finding in found:
            if approval is not None and finding.severity is Severity.ERROR and approval.covers(migration, finding.rule):
                approved[finding] = approval.reviewer
        files.append((_display(settings, migration.script), tuple(found)))
    return LintReport(tuple(files), major, approved)
