"""The CLI on a fleet environment (`targets` / `databases` / `tenant_schemas`): the verbs of `FANS_OUT` run on every
target (one line per target as it ends, with progress and ETA, then a summary; `status --targets` prints the grid;
`--events` writes JSON lines for orchestrators), the verbs of `ONE_DATABASE` ask for `--url`, and `targets` lists
them. Imports inside each function, as in `cli.verbs`."""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

from dbworkbench.app.vocabulary import FANS_OUT, ONE_DATABASE, Verb
from dbworkbench.config import Settings
from dbworkbench.errors import ConfigError, ExitCode

Handler = Callable[[argparse.Namespace, Settings], int]


def fleet_handler(args: argparse.Namespace, settings: Settings) -> Handler | None:
    """The handler for this command on a fleet environment; None when the environment is one database (or the
    verb does not reach it).

    Raises:
        ConfigError: the verb needs one database.
    """
    env = settings.environment
    if args.command == Verb.TARGETS.value:
        return targets
    if not env.is_fleet:
        return None
    verb = Verb(args.command)
    if verb is Verb.DRIFT and env.tenant_schemas:
        raise ConfigError(f"environment {env.name!r} is a fleet of tenant schemas, and drift compares a database as "
                          "a whole with a replay; `validate` checks each tenant's history, `drift --url` one database.",
                          title="not supported for tenant schemas")
    if verb in FANS_OUT or (verb is Verb.LINT and args.pending and not args.files and not args.since):
        return fan_out
    if verb in ONE_DATABASE:
        raise ConfigError(f"environment {env.name!r} is a fleet (targets or databases), and `{verb.value}` works on "
                          "one database: name it with --url (`dbworkbench targets` lists them), or use one of "
                          f"{', '.join(sorted(v.value for v in FANS_OUT))}, which run on every target.",
                          title="one database needed")
    return None


def targets(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app.fleet import is_fleet, resolve
    from dbworkbench.config import redact
    from dbworkbench.core.db import resolve_target

    found = resolve(settings) if is_fleet(settings) else ()
    rows = [(t.name, redact(resolve_target(t.settings).label)) for t in found] or \
        [(settings.environment.name, redact(resolve_target(settings).label))]
    if args.json:
        print(json.dumps([{"target": name, "database": where} for name, where in rows], indent=2))
    else:
        width = max(len(name) for name, _ in rows)
        print("\n".join(f"{name:<{width}}  {where}" for name, where in rows))
    return int(ExitCode.OK)


def fan_out(args: argparse.Namespace, settings: Settings) -> int:
    from dbworkbench.app import fleet

    verb = Verb(args.command)
    if args.canary < 0 or args.concurrency < 1:
        raise ConfigError(f"--canary {args.canary} / --concurrency {args.concurrency}: the canary is a number of "
                          "targets (0 or more), the concurrency at least 1.")
    events = _events_stream(args.events)
    found = fleet.resolve(settings)
    run, failed, summary = _verb(verb, args, len(found))
    printing = threading.Lock()
    tracker = fleet.Tracker(len(found))
    human = sys.stderr if args.json or args.events == "-" else sys.stdout

    def emit(event: str, **fields: Any) -> None:
        if events is not None:
            events.write(json.dumps({"event": event, "at": round(time.time(), 3), **fields}) + "\n")
            events.flush()

    def started(target: str) -> None:
        with printing:
            emit("target_started", target=target)

    def said(result: fleet.TargetResult[Any]) -> None:
        progress = tracker.record(result)
        mark = "✓" if result.outcome is fleet.Outcome.DONE else "✗"
        text = summary(result.report) if result.report is not None else ""
        line = f"{mark} {result.target}  {text or result.error.splitlines()[0]} ({result.seconds:.1f} s)"
        if len(found) > 1:
            line += f"  [{_progress_text(progress)}]"
        with printing:
            print(line, file=human, flush=True)
            emit("target_finished", target=result.target, outcome=result.outcome.value,
                 exit_code=int(result.exit_code), summary=text, error=result.error, seconds=round(result.seconds, 3),
                 done=progress.done, failed=progress.failed, remaining=progress.remaining,
                 rate=round(progress.rate, 3), eta_seconds=None if progress.eta is None else round(progress.eta, 1))

    emit("run_started", verb=verb.value, environment=settings.environment.name, targets=[t.name for t in found])
    began = time.perf_counter()
    try:
        report = fleet.fan_out(found, run, failed=failed, canary=args.canary, concurrency=args.concurrency,
                               keep_going=args.keep_going, on_result=said, on_start=started,
                               failure_code=ExitCode.LINT if verb is Verb.LINT else ExitCode.INTEGRITY)
        emit("run_finished", done=report.count(fleet.Outcome.DONE), failed=report.count(fleet.Outcome.FAILED),
             not_started=report.count(fleet.Outcome.NOT_STARTED), exit_code=int(report.exit_code),
             seconds=round(time.perf_counter() - began, 3))
    finally:
        if events is not None and events is not sys.stdout:
            events.close()
    if args.json:
        data: dict[str, Any] = {"targets": [
            {"target": r.target, "outcome": r.outcome.value, "exit_code": int(r.exit_code),
             "summary": summary(r.report) if r.report is not None else "", "error": r.error,
             "seconds": round(r.seconds, 3)} for r in report.results]}
        if verb is Verb.STATUS and getattr(args, "targets", False):
            data["grid"] = _grid_json(settings.environment.name, report)
        print(json.dumps(data, indent=2))
    else:
        for result in report.results:
            if result.outcome is fleet.Outcome.NOT_STARTED:
                print(f"· {result.target}  not started (stopped after a failure; --keep-going runs the others)",
                      file=human)
        if verb is Verb.STATUS and getattr(args, "targets", False):
            print(_grid(settings.environment.name, report), file=human)
        print(f"{len(report.results)} target(s): {report.count(fleet.Outcome.DONE)} done, "
              f"{report.count(fleet.Outcome.FAILED)} failed, {report.count(fleet.Outcome.NOT_STARTED)} not started",
              file=human)
    return int(report.exit_code)


def _events_stream(where: str | None) -> TextIO | None:
    """The JSON-lines stream `--events` names (opened before any target is touched).

    Raises:
        ConfigError: the file cannot be written.
    """
    if where is None:
        return None
    if where == "-":
        return sys.stdout
    try:
        return open(where, "a", encoding="utf-8")  # noqa: SIM115 — closed by fan_out's finally
    except OSError as exc:
        raise ConfigError(f"--events {where}: cannot be written ({exc.strerror}); nothing was run.") from exc


def _progress_text(progress: Any) -> str:
    eta = "" if progress.eta is None or not progress.remaining else f" · ETA {progress.eta:.0f} s"
    failed = f" · {progress.failed} failed" if progress.failed else ""
    return f"{progress.done + progress.failed}/{progress.total}{failed} · {progress.rate:.1f}/s{eta}"


def _verb(verb: Verb, args: argparse.Namespace, count: int) -> tuple[Callable[[Settings], Any],
                                                                     Callable[[Any], str | None], Callable[[Any], str]]:
    """(run on one target, why its report is a failure, its one-line summary)."""
    from dbworkbench.app import fleet, inspection, migrations, safety, schema_as_code
    from dbworkbench.cli.prompts import ask_typed_confirmation

    def none(report: Any) -> str | None:
        return None

    if verb is Verb.STATUS:
        return inspection.status, none, _status_line
    if verb is Verb.VALIDATE:
        return (inspection.validate, lambda r: None if r.ok else f"{len(r.status.problems)} problem(s)",
                lambda r: "valid" if r.ok else f"{len(r.status.problems) + len(r.pending_errors)} problem(s)")
    if verb is Verb.LINT:
        return (lambda settings: safety.lint(settings, pending=True, server_major=args.server_version),
                lambda r: f"{len(r.unsafe)} unsafe finding(s)" if r.unsafe else None, _lint_line)
    if verb is Verb.DRIFT:
        return (schema_as_code.drift, lambda r: None if r.ok else f"{r.count} difference(s)",
                lambda r: "no drift" if r.ok else f"{r.count} change(s) made outside migrations or roles/")
    options: dict[str, Any] = {"dry_run": args.dry_run, "confirm": fleet.once(
        lambda request: bool(args.yes) or ask_typed_confirmation(request), count)}
    if verb is Verb.ROLES:
        from dbworkbench.app import roles
        from dbworkbench.cli.verbs_roles import roles_line

        if args.action == "plan":
            return lambda settings: roles.plan(settings, reset_passwords=args.reset_passwords), none, roles_line

        def run(settings: Settings) -> Any:
            return roles.apply(settings, reset_passwords=args.reset_passwords, **options)
        return run, none, roles_line
    if verb is Verb.MIGRATE:
        def run(settings: Settings) -> Any:
            return migrations.migrate(settings, target=args.to, steps=args.steps, **options)
    elif verb is Verb.UP:
        def run(settings: Settings) -> Any:
            return migrations.up(settings, **options)
    else:
        def run(settings: Settings) -> Any:
            return migrations.down(settings, target=args.to, steps=args.steps, **options)
    return run, none, _applied_line


def _status_line(report: Any) -> str:
    s = report.summary
    return f"version {s.current_version or '-'} · applied {s.applied} · pending {s.pending} · problems {s.problems}"


def _lint_line(report: Any) -> str:
    files, unsafe = len(report.files), len(report.unsafe)
    return f"{files} pending file(s) linted · " + (f"{unsafe} unsafe finding(s)" if unsafe else "no unsafe finding")


def _applied_line(report: Any) -> str:
    if report.dry_run_sql is not None:
        return f"would run {len(report.planned)} file(s)"
    return f"{len(report.steps)} file(s) run" if report.steps else "nothing to do"


def _grid_json(environment: str, report: Any) -> dict[str, Any]:
    """The grid as data: the migration keys, and per target its state of each (and where it stands)."""
    from dbworkbench.app.fleet_grid import grid_of

    grid = grid_of(environment, report)
    return {"migrations": list(grid.keys), "targets": [
        {"target": row.target, "version": row.version, "applied": row.applied, "pending": row.pending,
         "problems": row.problems, "error": row.error, "states": {k: v.value for k, v in row.states.items()}}
        for row in grid.rows]}


def _grid(environment: str, report: Any) -> str:
    """Target × migration, one state symbol each."""
    from dbworkbench.app.fleet_grid import grid_of
    from dbworkbench.cli.render_common import SYMBOLS

    grid = grid_of(environment, report)
    shown = [row for row in grid.rows if not row.error]
    if not shown:
        return ""
    width = max(len(row.target) for row in shown)
    lines = [" " * width + "  " + " ".join(k[-3:].rjust(3) for k in grid.keys)]
    for row in shown:
        lines.append(f"{row.target:<{width}}  " + " ".join(
            (SYMBOLS[row.states[k]] if k in row.states else " ").rjust(3) for k in grid.keys))
    return "\n".join(lines)
