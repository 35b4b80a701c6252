"""One handler per verb: map the parsed arguments onto the verb's `app` function, render its report, return the
exit code. No migration logic here.

Each handler imports its `app` module and renderer when it runs, so a command loads only what it uses (`status`
never loads the linter, the schema model, sqlglot or Textual): start-up is most of a quick command's time.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from dbworkbench.app.vocabulary import ServerAction, Verb
from dbworkbench.cli.verbs_adopt import adopt
from dbworkbench.cli.verbs_fleet import targets
from dbworkbench.cli.verbs_proof import ci, seed, squash
from dbworkbench.cli.verbs_roles import roles
from dbworkbench.config import Settings
from dbworkbench.errors import ConfigError, ExitCode

if TYPE_CHECKING:
    from dbworkbench.app.gate import Confirm, ConfirmRequest
    from dbworkbench.app.reports import ApplyReport
    from dbworkbench.cli.prompts import ProgressPrinter

Handler = Callable[[argparse.Namespace, Settings], int]
"""Runs one verb; returns the exit code."""


class WriteOptions(TypedDict):
    """What every migration-running verb takes from the command line."""

    dry_run: bool
    confirm: Confirm
    on_event: ProgressPrinter
    per_statement: bool


def _write_options(args: argparse.Namespace) -> WriteOptions:
    from dbworkbench.cli.prompts import ProgressPrinter

    return WriteOptions(dry_run=args.dry_run, confirm=_confirm(args), on_event=ProgressPrinter(args.verbose),
                        per_statement=args.verbose)


def _confirm(args: argparse.Namespace) -> Confirm:
    from dbworkbench.cli.prompts import ask_typed_confirmation

    def confirm(request: ConfirmRequest) -> bool:
        return bool(args.yes) or ask_typed_confirmation(request)
    return confirm


def _emit(text: str) -> None:
    print(text)


def _applied(args: argparse.Namespace, report: ApplyReport, verb: Verb) -> int:
    from dbworkbench.cli import render_migrations as out

    _emit(out.apply_json(report) if args.json else out.apply_text(report, verb))
    return int(ExitCode.OK)


def status(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app.status_cache import status_text
    from dbworkbench.cli import render_common
    from dbworkbench.cli import render_migrations as out

    # the renderers' own files are part of what the kept answer depends on
    drawn = ":".join(str(os.stat(m.__file__ or "").st_mtime_ns) for m in (out, render_common))
    _emit(status_text(settings, f"{'json' if args.json else 'text'}:{drawn}",
                      out.status_json if args.json else out.status_text))
    return int(ExitCode.OK)


def migrate(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app import migrations

    report = migrations.migrate(settings, target=args.to, steps=args.steps, **_write_options(args))
    return _applied(args, report, Verb.MIGRATE)


def up(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app import migrations

    report = migrations.up(settings, **_write_options(args))
    return _applied(args, report, Verb.UP)


def down(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app import migrations

    report = migrations.down(settings, target=args.to, steps=args.steps, **_write_options(args))
    return _applied(args, report, Verb.DOWN)


def redo(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app import migrations

    report = migrations.redo(settings, **_write_options(args))
    return _applied(args, report, Verb.REDO)


def validate(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app import inspection
    from dbworkbench.cli import render_migrations as out

    report = inspection.validate(settings)
    _emit(out.validation_json(report) if args.json else out.validation_text(report))
    return int(ExitCode.OK if report.ok else ExitCode.INTEGRITY)


def repair(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app import maintenance
    from dbworkbench.cli import render_migrations as out

    _emit(out.write_text(maintenance.repair(settings, dry_run=args.dry_run, confirm=_confirm(args)), Verb.REPAIR))
    return int(ExitCode.OK)


def baseline(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app import maintenance
    from dbworkbench.cli import render_migrations as out

    report = maintenance.baseline(settings, args.baseline_version, description=args.description,
                                  dry_run=args.dry_run, confirm=_confirm(args))
    _emit(out.write_text(report, Verb.BASELINE))
    return int(ExitCode.OK)


def clean(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app import maintenance
    from dbworkbench.cli import render_migrations as out

    _emit(out.write_text(maintenance.clean(settings, dry_run=args.dry_run, confirm=_confirm(args)), Verb.CLEAN))
    return int(ExitCode.OK)


def protect(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app import maintenance
    from dbworkbench.cli import render_migrations as out

    report = maintenance.protect(settings, off=args.off, dry_run=args.dry_run, confirm=_confirm(args))
    _emit(out.write_text(report, Verb.PROTECT) if report.changes else
          ("not protected: nothing to remove." if args.off else "already protected."))
    return int(ExitCode.OK)


def new(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app import maintenance

    if args.renumber:
        old, renamed = maintenance.new(settings, args.words, renumber=args.renumber, base=args.base)
        _emit(f"renamed {old} to {renamed}")
        return int(ExitCode.OK)
    up = None
    if args.from_file:
        up = _read_sql(args.from_file)
    for path in maintenance.new(settings, args.words, recipe=args.recipe, up=up):
        _emit(f"created {path}" + (" (its undo generated and proved on a scratch database)" if up else ""))
    return int(ExitCode.OK)


def _read_sql(name: str) -> str:
    import sys

    try:
        data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"--from {name}: not UTF-8 text (byte {exc.start}); nothing was written.") from exc
    except OSError as exc:
        raise ConfigError(f"--from {name}: cannot be read ({exc.strerror}); nothing was written.") from exc


def history(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app import inspection
    from dbworkbench.cli import render_migrations as out

    report = inspection.history(settings, version=args.version)
    _emit(out.events_json(report) if args.json else out.events_text(report))
    return int(ExitCode.OK)


def show(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app import inspection
    from dbworkbench.cli import render_migrations as out

    report = inspection.show(settings, args.version)
    _emit(out.show_json(report) if args.json else out.show_text(report))
    return int(ExitCode.OK)


def server(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app.server import server as embedded_server
    from dbworkbench.cli import render_schema

    report = embedded_server(settings, ServerAction(args.action))
    _emit(render_schema.server_json(report) if args.json else render_schema.server_text(report))
    return int(ExitCode.OK)


def lint(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app import safety
    from dbworkbench.cli import render_safety

    report = safety.lint(settings, paths=args.files or None, pending=args.pending, server_major=args.server_version,
                         since=args.since, replay=args.replay)
    _emit(render_safety.lint_json(report) if args.json else render_safety.lint_text(report))
    return int(ExitCode.LINT if report.unsafe else ExitCode.OK)


def _renames(items: list[str]) -> dict[str, str]:
    renames = {}
    for item in items:
        old, sep, new_name = item.partition("=")
        if not sep or not old or not new_name:
            raise ConfigError(f"--rename {item!r}: write schema.table=new_name or schema.table.column=new_name.")
        renames[old] = new_name
    return renames


def diff(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app import schema_diff
    from dbworkbench.cli import render_schema

    report = schema_diff.diff(settings, args.source, args.target, allow_data_loss=args.allow_data_loss,
                                 renames=_renames(args.rename))
    _emit(render_schema.diff_json(report) if args.json else render_schema.diff_text(report))
    return int(ExitCode.OK)


def plan(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app import schema_as_code
    from dbworkbench.cli import render_schema

    report = schema_as_code.plan(settings, allow_data_loss=args.allow_data_loss, write=args.write)
    _emit(render_schema.plan_json(report) if args.json else render_schema.plan_text(report))
    return int(ExitCode.OK)


def drift(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app import schema_as_code
    from dbworkbench.cli import render_schema

    report = schema_as_code.drift(settings)
    _emit(render_schema.drift_json(report) if args.json else render_schema.drift_text(report))
    return int(ExitCode.OK if report.ok else ExitCode.INTEGRITY)


def schema(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app import schema_as_code
    from dbworkbench.cli import render_schema

    report = schema_as_code.schema(settings, object_name=args.object)
    _emit(render_schema.schema_json(report) if args.json else render_schema.schema_text(report))
    return int(ExitCode.OK)


def analyze(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app.analysis import analyze as analyze_pending
    from dbworkbench.cli import render_safety

    reports = analyze_pending(settings)
    _emit(render_safety.analysis_json(reports) if args.json else render_safety.analysis_text(reports))
    return int(ExitCode.OK)


def preflight(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app.preflight import Verdict
    from dbworkbench.app.preflight import preflight as preflight_of
    from dbworkbench.cli import render_safety

    report = preflight_of(settings, args.version)
    _emit(render_safety.preflight_json(report) if args.json else "\n".join(report.lines))
    return int(ExitCode.LOCKED if report.verdict is Verdict.BLOCKED else ExitCode.OK)


def roundtrip(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app.roundtrip import roundtrip as prove_undos
    from dbworkbench.cli import render_safety

    report = prove_undos(settings, args.versions or None, pending=args.pending)
    _emit(render_safety.roundtrip_json(report) if args.json else render_safety.roundtrip_text(report))
    return int(ExitCode.OK if report.ok else ExitCode.INTEGRITY)


def undo(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from dbworkbench.app.generated_undo import generate_undo

    report = generate_undo(settings, args.version, write=args.write)
    if args.json:
        _emit(json.dumps({"script": report.script, "sql": report.sql, "irreversible": list(report.irreversible),
                          "verified": report.verified, "left_behind": list(report.left_behind),
                          "written": report.written}, indent=2))
    elif report.written:
        _emit(f"wrote the undo of {report.script} into {report.written} (checked on a scratch copy)"
              + "".join(f"\n  irreversible: {line}" for line in report.irreversible))
    else:
        _emit(report.section.rstrip() if report.verified else
              report.section.rstrip() + "\n-- NOT VERIFIED: applied on a scratch copy it does not give back the "
              "schema before; it would still need:\n" + "\n".join(f"--   {d}" for d in report.left_behind))
    return int(ExitCode.OK if report.verified else ExitCode.INTEGRITY)


def scratch(args: argparse.Namespace, settings: Settings) -> int:
    import json

    from dbworkbench.app.scratch import scratch as templates

    report = templates(settings, clear=args.action == "clear")
    if args.json:
        _emit(json.dumps({"cleared": report.cleared, "templates": list(report.names), "bytes": report.bytes}))
    elif report.cleared:
        _emit(f"dropped {len(report.names)} template database(s), {report.bytes // 1024} kB")
    else:
        _emit("\n".join([*report.names, f"{len(report.names)} template database(s), {report.bytes // 1024} kB"]))
    return int(ExitCode.OK)


def conflicts(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app.conflicts import conflicts as colliding
    from dbworkbench.cli import render_safety

    report = colliding(settings, base=args.base)
    _emit(render_safety.conflicts_json(report) if args.json else render_safety.conflicts_text(report))
    return int(ExitCode.OK if report.ok else ExitCode.INTEGRITY)


def approve(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app import safety
    from dbworkbench.cli import render_safety

    report = safety.approve(settings, args.version, reason=args.reason, rules=args.rule, reviewer=args.reviewer)
    _emit(render_safety.approval_text(report))
    return int(ExitCode.OK)


def ui(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app.engine import ui as workbench_engine
    from dbworkbench.tui.app import run_workbench  # Textual loads only for the workbench

    run_workbench(workbench_engine(settings), keymap=settings.keys)
    return int(ExitCode.OK)


HANDLERS: dict[str, Handler] = {
    Verb.STATUS: status, Verb.MIGRATE: migrate, Verb.UP: up, Verb.DOWN: down, Verb.REDO: redo,
    Verb.VALIDATE: validate, Verb.REPAIR: repair, Verb.BASELINE: baseline, Verb.CLEAN: clean,
    Verb.PROTECT: protect, Verb.NEW: new,
    Verb.HISTORY: history, Verb.SHOW: show, Verb.SERVER: server, Verb.LINT: lint, Verb.DIFF: diff,
    Verb.PLAN: plan, Verb.DRIFT: drift, Verb.SCHEMA: schema, Verb.ANALYZE: analyze, Verb.APPROVE: approve,
    Verb.PREFLIGHT: preflight, Verb.ROUNDTRIP: roundtrip, Verb.UNDO: undo, Verb.SCRATCH: scratch, Verb.CONFLICTS: conflicts,
    Verb.CI: ci, Verb.SQUASH: squash, Verb.SEED: seed, Verb.TARGETS: targets, Verb.ADOPT: adopt,
    Verb.ROLES: roles,
    Verb.UI: ui,
}
"""Every verb's handler; a test checks it matches `Verb` and the parser."""
