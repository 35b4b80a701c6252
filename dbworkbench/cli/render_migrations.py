"""How the CLI shows the migration verbs' reports (status, migrate/up/down/redo, validate, repair/baseline/clean,
history, show) as text and as JSON."""

from __future__ import annotations

import json

from dbworkbench.app.reports import ApplyReport, HistoryReport, ShowReport, StatusReport, ValidationReport, WriteReport
from dbworkbench.app.vocabulary import Verb
from dbworkbench.cli.render_common import SYMBOLS, detail_text, entry_json, table, when
from dbworkbench.core.planner import Entry, State


def status_text(report: StatusReport) -> str:
    """The status header and table."""
    rows = []
    for e in report.entries:
        row = e.row if e.row is not None and e.state not in (State.PENDING, State.OUT_OF_ORDER,
                                                             State.BELOW_BASELINE) else None
        checksum = (row.checksum if row and row.checksum else e.file.checksum if e.file else "") or ""
        rows.append([e.version.text if e.version else "R", e.description[:40], f"{SYMBOLS[e.state]} {e.state.value}",
                     when(row.installed_on) if row else "", row.installed_by if row else "",
                     f"{row.execution_ms}" if row else "", checksum[:8]])
    summary = report.summary
    counts = f"applied {summary.applied} · pending {summary.pending} · problems {summary.problems}"
    guard = f" · PROTECTED as {summary.protected_as}" if summary.protected_as else ""
    head = [f"environment {summary.environment} · {summary.target} · PostgreSQL {summary.server_version}{guard}",
            f"history {report.history_table} · current version {summary.current_version or '-'} · {counts}", ""]
    body = table(["version", "description", "state", "applied at", "by", "ms", "checksum"], rows) if rows \
        else "no migrations found"
    return "\n".join(head) + body


def status_json(report: StatusReport) -> str:
    """The status as JSON."""
    summary = report.summary
    return json.dumps({
        "environment": report.environment, "server": report.server, "server_version": report.server_version,
        "history_table": report.history_table, "current_version": report.current_version,
        "summary": {"environment": summary.environment, "target": summary.target,
                    "server_version": summary.server_version, "current_version": summary.current_version,
                    "applied": summary.applied, "pending": summary.pending, "problems": summary.problems,
                    "protected_as": summary.protected_as},
        "migrations": [entry_json(e) for e in report.entries],
    }, indent=2)


def validation_text(report: ValidationReport) -> str:
    """Every problem `validate` found, one line each, or a one-line OK."""
    if report.ok:
        return f"valid: {len(report.status.entries)} migrations, files and history agree."
    lines = [f"{SYMBOLS[e.state]} {e.script}: {e.state.value}" + _problem_hint(e) for e in report.status.problems]
    lines += [f"✗ {error}" for error in report.pending_errors]
    return "\n".join(lines)


def _problem_hint(entry: Entry) -> str:
    return {
        State.CHECKSUM_MISMATCH: f" (see `dbworkbench show {entry.key}`)",
        State.FAILED: " (run `migrate` to resume, or `repair`)",
        State.MISSING_FILE: " (applied, but the file is gone)",
        State.OUT_OF_ORDER: " (pending below the highest applied version)",
        State.UNDO_FAILED: " (run `down` to finish it, or `repair`)",
    }.get(entry.state, "")


def validation_json(report: ValidationReport) -> str:
    """Validation result as JSON."""
    return json.dumps({"ok": report.ok, "problems": [entry_json(e) for e in report.status.problems],
                       "pending_errors": list(report.pending_errors)}, indent=2)


_NOTHING = {Verb.MIGRATE: "nothing to migrate: the database is up to date.",
            Verb.UP: "nothing to migrate: the database is up to date.", Verb.DOWN: "nothing to undo.",
            Verb.REDO: "nothing to redo."}


def apply_text(report: ApplyReport, verb: Verb) -> str:
    """Summary line of a migrate/up/down/redo, or a dry run's SQL."""
    if report.dry_run_sql is not None:
        return report.dry_run_sql or f"-- {_NOTHING.get(verb, f'nothing to {verb}.')}"
    if not report.steps:
        return _NOTHING.get(verb, f"nothing to {verb}.")
    total = sum(s.elapsed_ms for s in report.steps)
    return f"{len(report.steps)} file(s) done in {total:.0f} ms."


def apply_json(report: ApplyReport) -> str:
    """Steps run, as JSON."""
    return json.dumps({"dry_run_sql": report.dry_run_sql, "steps": [
        {"script": s.script, "version": s.version, "action": s.action.value, "elapsed_ms": round(s.elapsed_ms, 2)}
        for s in report.steps], "planned": [
        {"script": p.script, "version": p.version, "action": p.action.value, "statements": p.statements,
         "transactional": p.transactional} for p in report.planned]}, indent=2)


def write_text(report: WriteReport, verb: Verb) -> str:
    """Result of repair/baseline/clean."""
    if not report.changes:
        return f"nothing to {verb}."
    if report.dry_run:
        return "\n".join([f"-- {c}" for c in report.changes] + [report.sql])
    return "\n".join(report.changes)


def events_text(report: HistoryReport) -> str:
    """The event log as a table."""
    events = report.events
    if not events:
        return "no history yet."
    rows = [[str(e.id), when(e.at), e.action, e.version or "", e.script or "", e.by,
             "" if e.execution_ms is None else str(e.execution_ms), detail_text(e.detail)] for e in events]
    return table(["#", "at", "action", "version", "script", "by", "ms", "detail"], rows)


def events_json(report: HistoryReport) -> str:
    """The event log as JSON."""
    return json.dumps([{"id": e.id, "at": e.at.isoformat(), "action": e.action, "version": e.version,
                        "script": e.script, "checksum": e.checksum, "by": e.by, "execution_ms": e.execution_ms,
                        "detail": e.detail} for e in report.events], indent=2)


def show_text(report: ShowReport) -> str:
    """Stored SQL, file, and diff of one version."""
    e, row = report.entry, report.row
    lines = [f"{e.script} · version {e.version} · {SYMBOLS[e.state]} {e.state.value}"]
    if row is not None:
        lines.append(f"history rank {row.rank} · {row.kind.value} · by {row.installed_by} at {when(row.installed_on)}"
                     f" · {row.execution_ms} ms · checksum {(row.checksum or '-')[:12]}")
    if report.diff:
        lines += ["", f"the file differs from what was applied ({report.change_kind}):", *report.diff]
    elif row is not None and row.up_sql is not None:
        lines += ["", "-- up SQL as applied:", row.up_sql.rstrip()]
    elif report.file_sql is not None:
        lines += ["", "-- not applied; the file:", report.file_sql.rstrip()]
    undo = row.undo_sql if row is not None and row.undo_sql else (e.file.undo_sql if e.file else None)
    lines += ["", "-- undo:" if undo else "-- no undo", *([undo.rstrip()] if undo else [])]
    if report.events:
        lines += ["", "events:", *(f"  {when(v.at)}  {v.action}  by {v.by}" for v in report.events)]
    return "\n".join(lines)


def show_json(report: ShowReport) -> str:
    """One version as JSON."""
    row = report.row
    return json.dumps({**entry_json(report.entry), "applied_up_sql": row.up_sql if row else None,
                       "applied_undo_sql": row.undo_sql if row else None, "file_sql": report.file_sql,
                       "change_kind": report.change_kind, "diff": list(report.diff)}, indent=2)
