"""Handler of `roles plan|apply`, which makes a cluster's roles and grants match `roles/`."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from dbworkbench.app.vocabulary import RolesAction
from dbworkbench.config import Settings
from dbworkbench.errors import ExitCode

if TYPE_CHECKING:
    from dbworkbench.app.gate import ConfirmRequest
    from dbworkbench.app.roles import RolesReport


def roles(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app import roles as cluster_roles
    from dbworkbench.cli.prompts import ask_typed_confirmation

    def confirm(request: ConfirmRequest) -> bool:
        return bool(args.yes) or ask_typed_confirmation(request)

    if RolesAction(args.action) is RolesAction.PLAN:
        report = cluster_roles.plan(settings, reset_passwords=args.reset_passwords)
    else:
        report = cluster_roles.apply(settings, dry_run=args.dry_run, confirm=confirm,
                                     reset_passwords=args.reset_passwords)
    if args.json:
        print(json.dumps({"target": report.target, "changes": list(report.changes), "sql": report.sql,
                          "applied": report.applied, "dry_run": report.dry_run, "attempts": report.attempts},
                         indent=2))
    else:
        print(roles_text(report))
    return int(ExitCode.OK)


def roles_text(report: RolesReport) -> str:
    """A plan (its statements) or what an apply ran."""
    if report.in_sync:
        return f"roles: {report.target} matches roles/; nothing to do."
    if report.applied:
        again = f" (in {report.attempts} attempts: another migrator collided)" if report.attempts > 1 else ""
        return "\n".join([f"roles: {len(report.changes)} change(s) applied on {report.target}{again}:",
                          *(f"  ✓ {c}" for c in report.changes)])
    return "\n".join([f"roles: {len(report.changes)} change(s) would make {report.target} match roles/:",
                      *(f"  · {c}" for c in report.changes), "", report.sql])


def roles_line(report: RolesReport) -> str:
    """One line per fleet target."""
    if report.in_sync:
        return "roles in sync"
    return f"{len(report.changes)} role change(s) " + ("applied" if report.applied else "to apply")
