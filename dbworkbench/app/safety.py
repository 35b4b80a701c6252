"""The verbs of safety analysis: lint (static), approve (a reviewed exception), analyze (measured; `app.analysis`)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from dbworkbench.app.conflicts import changed_migrations
from dbworkbench.app.state import read_state
from dbworkbench.app.vocabulary import Verb
from dbworkbench.config import Settings, reviewer_name
from dbworkbench.core.db import ASSUMED_SERVER_MAJOR
from dbworkbench.core.layouts import project_migrations
from dbworkbench.core.planner import Entry
from dbworkbench.core.session import open_session
from dbworkbench.core.versions import version_argument
from dbworkbench.errors import ConfigError, PlanError
from dbworkbench.lint.approvals import approved_findings, load_approvals, write_approval
from dbworkbench.lint.catalog import live_catalog
from dbworkbench.lint.findings import Finding, Severity
from dbworkbench.lint.project import LintInputs, LintReport, lint_migration, lint_project
from dbworkbench.lint.queries import observed_queries, read_queries


def lint(settings: Settings, *, paths: list[str] | None = None, pending: bool = False,
         server_major: int | None = None, since: str | None = None, replay: bool = False) -> LintReport:
    """Lint chosen files, every migration, the migrations changed since git ref `since` (a file or its undo file
    added or edited: committed, staged or not), or (with `pending`) what has not run on the environment yet.

    Approvals count the same way in every mode. With `replay`, the schema each file meets comes from the files
    before it replayed on a scratch database (`app.lint_replay`) rather than folded statically.

    Raises:
        DiscoveryError: bad migration files. DatabaseConnectionError: `pending` and the server is unreachable.
        ConfigError: `since` is not a git ref of the project, or both `replay` and `pending`.
        PlanError: `replay` and an earlier file fails on the scratch database.
    """
    if replay and pending:
        raise ConfigError("lint --replay lints against the files replayed on a scratch database, --pending against "
                          "the target's own catalog: choose one.")
    if since is not None and not paths:
        changed = changed_migrations(settings, since)
        if not changed:
            return LintReport((), server_major or ASSUMED_SERVER_MAJOR)
        paths = [str(settings.migrations_dir / m.script) for m in changed]
    if not pending or paths:
        before = None
        if replay:
            from dbworkbench.app.lint_replay import replayed_catalogs

            before = replayed_catalogs(settings)
        return lint_project(settings, paths=paths, server_major=server_major, before=before)
    with open_session(settings, write=False, purpose=Verb.LINT.value) as session:
        state = read_state(settings, session)
        major = server_major or session.server_major
        catalog, observed = live_catalog(session.conn), observed_queries(session.conn)
    queries = read_queries(settings.queries_dir) + observed
    return lint_project(settings, state=state, server_major=major, catalog=catalog, queries=queries)


def findings_by_migration(settings: Settings, entries: tuple[Entry, ...], server_major: int) -> dict[str, list[Finding]]:
    """Findings for each entry that has a file (reads no database); approved ones come back as info, saying who
    approved them. What the workbench shows beside its pending files."""
    approvals = load_approvals(settings)
    inputs = LintInputs(settings)
    found: dict[str, list[Finding]] = {}
    for entry in entries:
        if entry.file is None:
            continue
        findings = lint_migration(settings, entry.file, server_major=server_major, inputs=inputs)
        approved = approved_findings(entry.file, findings, approvals)
        found[entry.key] = [replace(f, severity=Severity.INFO, message=f"approved by {approved[f]}: {f.message}")
                            if f in approved else f for f in findings]
    return found


@dataclass(frozen=True, slots=True)
class ApprovalReport:
    """An approval written."""

    path: str
    """Relative to the project when inside it."""
    script: str
    rules: tuple[str, ...]
    """The rules this call approved (the file may list more, approved before)."""


def approve(settings: Settings, version: str, *, reason: str, rules: list[str] | None = None,
            reviewer: str | None = None) -> ApprovalReport:
    """Approve unsafe findings of a migration (a version, or a repeatable's name), bound to its current content;
    rules already approved for the same content are kept. With no `rules`, every unsafe finding is approved.

    Raises:
        ConfigError: not a version, or no reason. PlanError: no such file, no such finding, nothing unsafe.
    """
    migrations = project_migrations(settings)
    migration = next((m for m in migrations.repeatable if m.key.lower() == version.lower()), None)
    if migration is None:
        key = version_argument(version)
        migration = next((m for m in migrations.versioned if m.version == key), None)
    if migration is None:
        raise PlanError(f"no migration file has version {version}.", title="nothing to approve")
    # As the gate sees the file on a protected database: an author's inline allow does not count there, so a
    # rule it silences can (and must) be approved.
    findings = lint_migration(settings, migration, server_major=ASSUMED_SERVER_MAJOR, honour_inline_allows=False)
    fired = {f.rule for f in findings}
    chosen = sorted(set(rules)) if rules else sorted({f.rule for f in findings if f.severity is Severity.ERROR})
    unknown = sorted(set(chosen) - fired)
    if unknown or not chosen:
        raise PlanError(f"{migration.script} has no finding for {', '.join(unknown)} (its findings: "
                        f"{', '.join(sorted(fired)) or 'none'}); nothing was written." if unknown else
                        f"{migration.script} has no unsafe finding; nothing was written.", title="nothing to approve")
    path = write_approval(settings, migration, chosen, reason, reviewer or reviewer_name())
    shown = path.relative_to(settings.project_dir).as_posix() if path.is_relative_to(settings.project_dir) \
        else str(path)
    return ApprovalReport(shown, migration.script, tuple(chosen))
