"""The one gate every write passes, for the CLI and the workbench alike.

A database is protected when its environment says so, when the database itself was marked protected (the first
write of a protected environment marks it, and `dbworkbench protect` does), or when it is the database of a
protected environment of the configuration however it is reached now (`--url`, DBWORKBENCH_URL, PG* variables,
another environment's name). A write on a protected database needs (1) a reviewed approval file for every unsafe
lint finding of the files it applies (an author's inline allow does not count there), checked before anything
runs, and (2) the person's confirmation, typing the protected name, of exactly what will run. Checksum refusals
are the planner's (`core.planner.plan_forward`) and `redo`'s own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dbworkbench.config import Settings
from dbworkbench.core.db import configured_identity, connection_identity
from dbworkbench.core.discovery import MigrationFile
from dbworkbench.core.session import Session
from dbworkbench.errors import PlanError, ProtectedEnvironmentError


@dataclass(frozen=True, slots=True)
class ConfirmRequest:
    """What a write is about to do, for the person to confirm by typing `environment`."""

    environment: str
    """The name to type: the protected environment's (or, for an unnamed target, the database's)."""
    action: str
    scripts: tuple[str, ...]
    """The files it runs (or, for repair/baseline/clean, one line per change)."""
    sql: str
    """The exact SQL it will run (as a dry run prints it)."""


Confirm = Callable[[ConfirmRequest], bool]
"""Asks the person; True means go ahead."""


@dataclass(frozen=True, slots=True)
class Protection:
    """Whether the session's database is protected, under which name, and why."""

    name: str | None
    """The name a person types to confirm a write; None when the database is not protected."""
    reason: str = ""
    """Why, in words: "protected environment 'prod'", "the database is marked protected as 'prod'", …"""

    @property
    def protected(self) -> bool:
        """Writes need approvals and the typed name."""
        return self.name is not None


def protection_of(settings: Settings, session: Session) -> Protection:
    """The session's database's protection, from the configuration, the database's mark, or a protected
    environment that reaches the same database."""
    env = settings.environment
    if env.protected:
        return Protection(env.name, f"protected environment {env.name!r}")
    marked = session.store.protected_as(session.conn)
    if marked is not None:
        name = marked or session.conn.info.dbname
        return Protection(name, f"the database is marked protected (as {name!r}); `dbworkbench protect --off` "
                                "removes the mark")
    here = connection_identity(session.conn)
    for name, url in settings.protected_environments:
        identity = configured_identity(settings, url)
        if identity is not None and identity.same_as(here):
            return Protection(name, f"this is the database of protected environment {name!r}")
    return Protection(None)


def target_name(settings: Settings, session: Session) -> str:
    """The name a person types for a target that is not protected (clean asks on every environment)."""
    env = settings.environment
    return env.name if env.name != "default" else session.conn.info.dbname


def mark_protected(settings: Settings, session: Session) -> None:
    """Record in the database that a protected environment wrote to it (once; the history tables exist)."""
    env = settings.environment
    if env.protected and session.store.protected_as(session.conn) is None:
        session.conn.execute(session.store.event("protected", version=None, script=None,
                                                 detail={"name": env.name, "by": "environment"}))


def require_approvals(settings: Settings, protection: Protection, migrations: list[MigrationFile],
                      server_major: int) -> None:
    """On a protected database, refuse unsafe findings that no reviewed approval file covers.

    Raises:
        PlanError: listing each unapproved finding and how to approve it; nothing has run.
    """
    if not protection.protected:
        return
    from dbworkbench.lint.approvals import load_approvals, unapproved  # the linter loads only when it is needed
    from dbworkbench.lint.project import LintInputs, lint_migration

    approvals = load_approvals(settings)
    inputs = LintInputs(settings)
    blocked: list[str] = []
    for migration in migrations:
        findings = lint_migration(settings, migration, server_major=server_major, honour_inline_allows=False,
                                  inputs=inputs)
        for finding in unapproved(migration, findings, approvals):
            stale = migration.key in approvals and approvals[migration.key].checksum != migration.checksum
            blocked.append(f"{finding.path}:{finding.line}:{finding.column} [{finding.rule}] {finding.message}"
                           + (" (its approval is for an earlier version of the file)" if stale else ""))
    if blocked:
        raise PlanError(f"unsafe changes without an approval on {protection.reason}; nothing was run (on a "
                        "protected database an inline `dbworkbench:allow` does not count, only a reviewed "
                        "approval file):\n  " + "\n  ".join(blocked) +
                        "\nReview them, then commit an approval: dbworkbench approve VERSION --rule RULE "
                        "--reason \"why it is safe here\" (in the workbench: A).", title="approval required")


def require_confirmation(protection: Protection, confirm: Confirm | None, request: ConfirmRequest, *,
                         always: bool = False) -> None:
    """On a protected database (or `always`), ask for the name to be typed; refuse unless it was.

    Raises:
        ProtectedEnvironmentError: not confirmed; nothing was run.
    """
    if not protection.protected and not always:
        return
    if confirm is None or not confirm(request):
        where = protection.reason if protection.protected else f"{request.environment!r}"
        raise ProtectedEnvironmentError(
            f"{request.action} on {where} was not confirmed; nothing was run. Type {request.environment!r} when "
            "asked, or pass --yes in automation.")
