"""Handler of `adopt --from TOOL`, which takes over a project another migration tool has been running."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING

from dbworkbench.config import Settings
from dbworkbench.errors import ExitCode

if TYPE_CHECKING:
    from dbworkbench.app.gate import ConfirmRequest


def adopt(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app.adoption import adopt as take_over
    from dbworkbench.cli.prompts import ask_typed_confirmation

    def confirm(request: ConfirmRequest) -> bool:
        return bool(args.yes) or ask_typed_confirmation(request)

    report = take_over(settings, args.tool, table=args.table, dry_run=args.dry_run, confirm=confirm)
    if args.json:
        print(json.dumps({"from": report.tool, "table": report.table, "layout": report.layout,
                          "adopted": list(report.adopted), "pending": list(report.pending),
                          "notes": list(report.notes), "dry_run": report.write.dry_run,
                          "sql": report.write.sql if report.write.dry_run else None}, indent=2))
        return int(ExitCode.OK)
    written = report.write.changes
    lines = [f"{report.tool}'s history {report.table}: {len(report.adopted)} applied, {len(report.pending)} pending "
             f"(files read as layout {report.layout})"]
    if not written:
        lines.append("nothing to record: dbworkbench's history already holds what it ran.")
    elif report.write.dry_run:
        lines += [f"-- {c}" for c in written] + [report.write.sql]
    else:
        lines += [f"recorded {script}" for script in report.adopted]
    lines += [f"note: {note}" for note in report.notes]
    if report.layout != settings.layout:
        lines.append(f"note: set layout = \"{report.layout}\" in dbworkbench.toml (or pass --layout {report.layout}) "
                     "so that status and migrate read these files the same way.")
    print("\n".join(lines))
    return int(ExitCode.OK)
