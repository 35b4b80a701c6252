"""CLI command handlers: each calls one engine function and prints its result. No migration logic here."""

from __future__ import annotations

import argparse
import json

from dbworkbench import cli_output as out
from dbworkbench.config import Settings
from dbworkbench.core import api, maintenance
from dbworkbench.core.db import embedded_server
from dbworkbench.core.session import Confirm, ConfirmRequest
from dbworkbench.errors import ExitCode


def _confirm(args: argparse.Namespace) -> Confirm:
    def confirm(request: ConfirmRequest) -> bool:
        return bool(args.yes) or out.ask_typed_confirmation(request)
    return confirm


def _emit(text: str) -> None:
    print(text)


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    report = api.status(settings)
    _emit(out.status_json(report) if args.json else out.status_text(report))
    return int(ExitCode.OK)


def _apply(args: argparse.Namespace, report: api.ApplyReport, verb: str) -> int:
    _emit(out.apply_json(report) if args.json else out.apply_text(report, verb))
    return int(ExitCode.OK)


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    report = api.migrate(settings, target=args.to, steps=args.steps, dry_run=args.dry_run, confirm=_confirm(args),
                         on_event=out.ProgressPrinter(args.verbose), per_statement=args.verbose)
    return _apply(args, report, "migrate")


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    report = api.migrate(settings, steps=1, dry_run=args.dry_run, confirm=_confirm(args),
                         on_event=out.ProgressPrinter(args.verbose), per_statement=args.verbose)
    return _apply(args, report, "migrate")


def cmd_down(args: argparse.Namespace, settings: Settings) -> int:
    report = api.down(settings, target=args.to, steps=args.steps, dry_run=args.dry_run, confirm=_confirm(args),
                      on_event=out.ProgressPrinter(args.verbose), per_statement=args.verbose)
    return _apply(args, report, "undo")


def cmd_redo(args: argparse.Namespace, settings: Settings) -> int:
    report = api.redo(settings, dry_run=args.dry_run, confirm=_confirm(args), on_event=out.ProgressPrinter(args.verbose), per_statement=args.verbose)
    return _apply(args, report, "redo")


def cmd_validate(args: argparse.Namespace, settings: Settings) -> int:
    report = api.validate(settings)
    _emit(out.validation_json(report) if args.json else out.validation_text(report))
    return int(ExitCode.OK if report.ok else ExitCode.INTEGRITY)


def cmd_repair(args: argparse.Namespace, settings: Settings) -> int:
    _emit(out.write_text(maintenance.repair(settings, dry_run=args.dry_run, confirm=_confirm(args)), "repair"))
    return int(ExitCode.OK)


def cmd_baseline(args: argparse.Namespace, settings: Settings) -> int:
    report = maintenance.baseline(settings, args.baseline_version, description=args.description,
                                  dry_run=args.dry_run, confirm=_confirm(args))
    _emit(out.write_text(report, "baseline"))
    return int(ExitCode.OK)


def cmd_clean(args: argparse.Namespace, settings: Settings) -> int:
    _emit(out.write_text(maintenance.clean(settings, dry_run=args.dry_run, confirm=_confirm(args)), "clean"))
    return int(ExitCode.OK)


def cmd_new(args: argparse.Namespace, settings: Settings) -> int:
    if args.recipe == "not-null":
        from dbworkbench.core.recipes import not_null_column, write_recipe
        from dbworkbench.errors import ConfigError

        if len(args.words) != 4:
            raise ConfigError("usage: dbworkbench new --recipe not-null TABLE COLUMN TYPE DEFAULT "
                              "(e.g. orders priority smallint 3).")
        for path in write_recipe(settings, not_null_column(*args.words)):
            _emit(f"created {path}")
        return int(ExitCode.OK)
    _emit(f"created {api.new_migration(settings, ' '.join(args.words))}")
    return int(ExitCode.OK)


def cmd_history(args: argparse.Namespace, settings: Settings) -> int:
    events = api.history(settings, version=args.version)
    _emit(out.events_json(events) if args.json else out.events_text(events))
    return int(ExitCode.OK)


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    report = maintenance.show(settings, args.version)
    _emit(out.show_json(report) if args.json else out.show_text(report))
    return int(ExitCode.OK)


def cmd_server(args: argparse.Namespace, settings: Settings) -> int:
    server = embedded_server(settings)
    if args.action == "start":
        server.ensure_running()
    elif args.action == "stop":
        _emit("stopped." if server.stop() else "not running.")
        return int(ExitCode.OK)
    status = server.status()
    data = {"running": status.running, "pid": status.pid, "data_dir": str(status.data_dir),
            "socket_dir": str(status.socket_dir) if status.socket_dir else None, "postgres_major": status.version,
            "url": f"postgresql://postgres@/{settings.environment.embedded_database}?host={status.socket_dir}"
            if status.running else None}
    if args.json:
        _emit(json.dumps(data, indent=2))
    elif status.running:
        _emit(f"running · PostgreSQL {status.version} · pid {status.pid} · data {status.data_dir}\n"
              f"psql '{data['url']}'")
    else:
        _emit(f"not running · data {status.data_dir}" + ("" if status.version else " (not created yet)"))
    return int(ExitCode.OK)


def cmd_lint(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.lint.project import lint_project

    report = lint_project(settings, paths=args.files or None, pending=args.pending, server_major=args.server_version)
    _emit(out.lint_json(report) if args.json else out.lint_text(report))
    return int(ExitCode.LINT if report.unsafe else ExitCode.OK)


def cmd_diff(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.errors import ConfigError
    from dbworkbench.schema.diff import diff
    from dbworkbench.schema.sources import load_both

    renames = {}
    for item in args.rename:
        old, sep, new = item.partition("=")
        if not sep or not old or not new:
            raise ConfigError(f"--rename {item!r}: write schema.table=new_name or schema.table.column=new_name.")
        renames[old] = new
    before, after = load_both(args.source, args.target, settings)
    result = diff(before, after, allow_data_loss=args.allow_data_loss, renames=renames)
    if args.json:
        _emit(json.dumps({"changes": [{"sql": c.sql, "object": c.object, "unsafe": list(c.unsafe)}
                                      for c in result.changes],
                          "withheld": [{"sql": c.sql, "object": c.object, "unsafe": list(c.unsafe)}
                                       for c in result.withheld]}, indent=2))
        return int(ExitCode.OK)
    from dbworkbench.schema.plan import tagged

    _emit("-- the schemas are the same" if result.empty else tagged(result, hint="--allow-data-loss").rstrip())
    return int(ExitCode.OK)


def cmd_plan(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.schema.plan import plan, tagged, write_plan

    if args.write:
        path = write_plan(settings, args.write, allow_data_loss=args.allow_data_loss)
        _emit(f"created {path}" if path else "nothing to plan: the environment matches schema/.")
        return int(ExitCode.OK)
    result = plan(settings, allow_data_loss=args.allow_data_loss)
    if args.json:
        _emit(json.dumps({"sql": [c.sql for c in result.forward.changes], "undo": [c.sql for c in result.undo.changes],
                          "withheld": [c.sql for c in result.forward.withheld]}, indent=2))
    elif result.forward.empty:
        _emit("nothing to plan: the environment matches schema/.")
    else:
        _emit(tagged(result.forward).rstrip())
    return int(ExitCode.OK)


def cmd_drift(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.schema.drift import drift

    items = drift(settings)
    if args.json:
        _emit(json.dumps([{"object": i.change.object, "sql": i.change.sql, "last_touched_by": i.last_touched_by}
                          for i in items], indent=2))
    elif not items:
        _emit("no drift: the live schema is what the applied migrations built.")
    else:
        _emit(f"{len(items)} change(s) made outside migrations (as the SQL that would make them):")
        for item in items:
            _emit(f"  {item.change.sql};\n      on {item.change.object}; last touched by "
                  f"{item.last_touched_by or 'no migration'}")
    return int(ExitCode.INTEGRITY if items else ExitCode.OK)


def cmd_schema(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.schema import commands as schema

    if args.object:
        _emit(schema.object_ddl(settings, args.object))
        return int(ExitCode.OK)
    model = schema.snapshot(settings)
    if args.json:
        _emit(schema.snapshot_json(model))
    else:
        _emit("\n".join([f"schemas: {', '.join(model.schemas) or '-'}",
                          f"tables ({len(model.tables)}): {', '.join(model.tables) or '-'}",
                          f"views ({len(model.views)}): {', '.join(model.views) or '-'}",
                          f"sequences ({len(model.sequences)}): {', '.join(model.sequences) or '-'}",
                          f"types ({len(model.enums) + len(model.domains) + len(model.composites)}): "
                          f"{', '.join([*model.enums, *model.domains, *model.composites]) or '-'}",
                          f"functions ({len(model.functions)}): {', '.join(model.functions) or '-'}",
                          f"extensions: {', '.join(model.extensions) or '-'}"]))
    return int(ExitCode.OK)


def cmd_analyze(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.lint.analyze import analyze

    reports = analyze(settings)
    if args.json:
        _emit(json.dumps([{"script": r.script, "statement": r.index + 1, "line": r.line, "sql": r.excerpt,
                           "locks": {t: sorted(m) for t, m in r.effect.locks.items()},
                           "rewritten": r.effect.rewritten, "scanned": sorted(set(r.effect.scans)),
                           "consequences": list(r.consequences)} for r in reports], indent=2))
        return int(ExitCode.OK)
    if not reports:
        _emit("nothing pending to analyze.")
    current = None
    for report in reports:
        if report.script != current:
            current = report.script
            _emit(current)
        _emit(f"  statement {report.index + 1} (line {report.line}): {report.excerpt}")
        for sentence in report.consequences or ("no lock that blocks writers, no scan, no rewrite",):
            _emit(f"    {sentence}")
    return int(ExitCode.OK)


def cmd_approve(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.core.discovery import discover
    from dbworkbench.errors import PlanError
    from dbworkbench.lint.approvals import reviewer_name, write_approval
    from dbworkbench.lint.project import lint_migration

    key = api.parse_version(args.version)
    migration = next((m for m in discover(settings.migrations_dir).versioned if m.version == key), None)
    if migration is None:
        raise PlanError(f"no migration file has version {args.version}.")
    fired = {f.rule for f in lint_migration(settings, migration, server_major=18)}
    unknown = sorted(set(args.rule) - fired)
    if unknown:
        raise PlanError(f"{migration.script} has no finding for {', '.join(unknown)} (its findings: "
                        f"{', '.join(sorted(fired)) or 'none'}); nothing was written.", title="nothing to approve")
    path = write_approval(settings, migration, args.rule, args.reason, args.reviewer or reviewer_name())
    _emit(f"wrote {path.relative_to(settings.project_dir) if path.is_relative_to(settings.project_dir) else path}: "
          f"{', '.join(sorted(args.rule))} approved for {migration.script} as it is now; commit it.")
    return int(ExitCode.OK)


def cmd_ui(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.core.facade import Engine
    from dbworkbench.tui.app import run_workbench

    run_workbench(Engine(settings), keymap=settings.keys)
    return int(ExitCode.OK)
