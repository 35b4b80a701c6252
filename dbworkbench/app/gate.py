"""The one gate every write passes, for the CLI and the workbench alike.

A write on a protected environment needs (1) a reviewed approval for every unsafe lint finding of the files it
applies, checked before anything runs, and (2) the person's confirmation of exactly what will run.
Checksum refusals are the planner's (`core.planner.plan_forward`) and `redo`'s own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dbworkbench.config import Settings
from dbworkbench.core.discovery import MigrationFile
from dbworkbench.errors import PlanError, ProtectedEnvironmentError
from dbworkbench.lint.approvals import load_approvals, unapproved
from dbworkbench.lint.project import lint_migration


@dataclass(frozen=True, slots=True)
class ConfirmRequest:
    """What a write on a protected environment is about to do, for the person to confirm."""

    environment: str
    action: str
    scripts: tuple[str, ...]
    """The files it runs (or, for repair/baseline/clean, one line per change)."""
    sql: str
    """The exact SQL it will run (as a dry run prints it)."""


Confirm = Callable[[ConfirmRequest], bool]
"""Asks the person; True means go ahead."""


def require_approvals(settings: Settings, migrations: list[MigrationFile], server_major: int) -> None:
    """On a protected environment, refuse unsafe findings that no valid approval covers.

    Raises:
        PlanError: listing each unapproved finding and how to approve it; nothing has run.
    """
    if not settings.environment.protected:
        return
    approvals = load_approvals(settings)
    blocked: list[str] = []
    for migration in migrations:
        for finding in unapproved(migration, lint_migration(settings, migration, server_major=server_major), approvals):
            stale = migration.key in approvals and approvals[migration.key].checksum != migration.checksum
            blocked.append(f"{finding.path}:{finding.line}:{finding.column} [{finding.rule}] {finding.message}"
                           + (" (its approval is for an earlier version of the file)" if stale else ""))
    if blocked:
        raise PlanError(f"unsafe changes without an approval on protected environment "
                        f"{settings.environment.name!r}; nothing was run:\n  " + "\n  ".join(blocked) +
                        "\nReview them, then commit an approval: dbworkbench approve VERSION --rule RULE "
                        "--reason \"why it is safe here\" (in the workbench: A).", title="approval required")


def require_confirmation(settings: Settings, confirm: Confirm | None, request: ConfirmRequest) -> None:
    """On a protected environment, ask; refuse unless the person confirmed.

    Raises:
        ProtectedEnvironmentError: not confirmed.
    """
    env = settings.environment
    if not env.protected:
        return
    if confirm is None or not confirm(request):
        raise ProtectedEnvironmentError(
            f"{request.action} on protected environment {env.name!r} was not confirmed; nothing was run. "
            f"Type the environment's name when asked, or pass --yes in automation.")
