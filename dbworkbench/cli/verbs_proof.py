"""Handlers of the verbs that prove files on scratch databases before they reach anyone (`ci`, `squash`), and of
`seed`, which carries data through them (imports inside each handler, as in `cli.verbs`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from dbworkbench.app.vocabulary import Verb
from dbworkbench.config import Settings
from dbworkbench.errors import ConfigError, ExitCode


def ci(args: argparse.Namespace, settings: Settings) -> int:
    import sys
    from dataclasses import replace

    from dbworkbench.app.ci import CHECKS, Check
    from dbworkbench.app.ci import ci as check_change
    from dbworkbench.cli import render_ci
    from dbworkbench.cli.parser import settings_from
    from dbworkbench.config import check_url

    junit = Path(args.junit) if args.junit else None
    if junit is not None and not junit.parent.is_dir():
        raise ConfigError(f"--junit {args.junit}: the folder {junit.parent} does not exist; nothing was run.")
    scratch_url = check_url(args.url, "--url") if args.url else ""
    if scratch_url and not scratch_url.startswith("embedded"):
        settings = replace(settings, scratch_url=scratch_url)
    drift_settings = settings_from(argparse.Namespace(**{**vars(args), "command": Verb.DRIFT.value, "url": None,
                                                         "env": args.drift_env})) if args.drift_env else None
    if drift_settings is not None and drift_settings.environment.is_fleet:
        raise ConfigError(f"--drift-env {args.drift_env} is a fleet; `dbworkbench drift --env {args.drift_env}` "
                          "checks every target, `ci --drift-env` one database.", title="one database needed")
    def on_check(check: Check) -> None:  # text streams each check as it ends; JSON keeps stdout for the data
        if args.json:
            print(render_ci.check_line(check), file=sys.stderr, flush=True)
            return
        if check.name == CHECKS[0]:  # the header once the run started (a bad --since stops it before)
            print(render_ci.header_text(args.since), flush=True)
        print(render_ci.check_text(check), flush=True)

    report = check_change(settings, since=args.since, drift_settings=drift_settings, on_check=on_check)
    if junit is not None:
        try:
            junit.write_text(render_ci.ci_junit(report), encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"--junit {args.junit}: cannot write it ({exc.strerror}); the checks ran: "
                              f"{'passed' if report.ok else 'failed'}.") from exc
    print(render_ci.ci_json(report) if args.json else render_ci.verdict_text(report))
    return int(report.exit_code)


def squash(args: argparse.Namespace, settings: Settings) -> int:
    import json
    import sys

    from dbworkbench.app.squash import squash as baseline_at

    report = baseline_at(settings, args.to, description=args.description, write=args.write)
    if args.json:
        print(json.dumps({"version": report.version, "script": report.script, "sql": report.sql,
                          "replaces": list(report.replaces), "statements": report.statements,
                          "tables_with_rows": report.tables_with_rows, "notes": list(report.notes),
                          "written": report.written}, indent=2))
        return int(ExitCode.OK)
    summary = (f"{report.script}: {report.statements} statement(s), rows of {report.tables_with_rows} table(s); "
               f"proved on a scratch database (same catalog, same rows as {report.replaces[0]} … "
               f"{report.replaces[-1]}). New databases run it instead of those {len(report.replaces)} file(s); "
               "databases with history keep it." + "".join(f"\nnote: {n}" for n in report.notes))
    if report.written:
        print(f"wrote {report.written}\n{summary}")
    else:
        print(report.sql, end="")
        print(summary + "\n(--write saves it beside the migrations)", file=sys.stderr)
    return int(ExitCode.OK)


def seed(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from dbworkbench.app import seeding

    if args.name == "snapshot":
        path = seeding.snapshot(settings, description=args.description)
        print(json.dumps({"written": path}) if args.json else f"wrote {path}")
        return int(ExitCode.OK)
    report = seeding.seed(settings, args.name)
    if args.json:
        print(json.dumps({"seed": report.seed, "version": report.version, "statements": report.statements,
                          "migrated_before": report.migrated_before, "migrated_after": report.migrated_after}))
    else:
        before = f"migrated {report.migrated_before} file(s) to version {report.version}, " \
            if report.migrated_before else ""
        after = f", then migrated {report.migrated_after} file(s) to the latest" if report.migrated_after else ""
        print(f"{before}loaded {report.seed} ({report.statements} statement(s), one transaction){after}")
    return int(ExitCode.OK)
