"""How the CLI shows results (stdout) and progress (stderr): tables, JSON, event lines, prompts."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from dbworkbench.core import events as ev
from dbworkbench.core.api import ApplyReport, StatusReport, ValidationReport
from dbworkbench.core.history import HistoryEvent
from dbworkbench.core.maintenance import ShowReport, WriteReport
from dbworkbench.core.planner import Entry, State
from dbworkbench.core.session import ConfirmRequest

if TYPE_CHECKING:
    from dbworkbench.lint.project import LintReport

SYMBOLS = {
    State.APPLIED: "✓", State.PENDING: "·", State.FAILED: "✗", State.CHECKSUM_MISMATCH: "≠",
    State.MISSING_FILE: "?", State.OUT_OF_ORDER: "↯", State.BASELINE: "⊢", State.BELOW_BASELINE: "⊢",
    State.OUTDATED: "↻", State.UNDO_FAILED: "✗",
}
"""One symbol per state, shown before it in tables."""


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain aligned text table."""
    columns = list(zip(headers, *rows, strict=False))
    widths = [max(map(len, column)) for column in columns]
    template = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(template.format(*row).rstrip() for row in (headers, *rows))


_LOCAL_ZONE = datetime.now().astimezone().tzinfo


def _when(value: datetime | None) -> str:
    return str(value.astimezone(_LOCAL_ZONE))[:19] if value else ""


def entry_json(entry: Entry) -> dict[str, Any]:
    """One status entry as JSON-ready data."""
    row = entry.row
    return {
        "version": entry.version.text if entry.version else None, "key": entry.key, "description": entry.description,
        "kind": entry.kind.value, "script": entry.script, "state": entry.state.value,
        "file_checksum": entry.file.checksum if entry.file else None,
        "applied_checksum": row.checksum if row else None,
        "installed_rank": row.rank if row else None, "installed_by": row.installed_by if row else None,
        "installed_on": row.installed_on.isoformat() if row else None,
        "execution_ms": row.execution_ms if row else None,
        "statements_done": row.statements_done if row else None,
        "statements_total": row.statements_total if row else None,
        "error": row.error if row else None,
    }


def status_text(report: StatusReport) -> str:
    """The status header and table."""
    rows = []
    for e in report.entries:
        applied = e.row is not None and e.state not in (State.PENDING, State.OUT_OF_ORDER, State.BELOW_BASELINE)
        row = e.row if applied else None
        checksum = (row.checksum if row and row.checksum else e.file.checksum if e.file else "") or ""
        rows.append([e.version.text if e.version else "R", e.description[:40], f"{SYMBOLS[e.state]} {e.state.value}",
                     _when(row.installed_on) if row else "", row.installed_by if row else "",
                     f"{row.execution_ms}" if row else "", checksum[:8]])
    counts = (f"applied {report.count(State.APPLIED, State.CHECKSUM_MISMATCH, State.MISSING_FILE)} · "
              f"pending {report.count(State.PENDING, State.OUT_OF_ORDER, State.OUTDATED)} · "
              f"problems {len(report.problems)}")
    head = [f"environment {report.environment} · {report.server} · PostgreSQL {report.server_version}",
            f"history {report.history_table} · current version {report.current_version or '-'} · {counts}", ""]
    body = table(["version", "description", "state", "applied at", "by", "ms", "checksum"], rows) if rows \
        else "no migrations found"
    return "\n".join(head) + body


def status_json(report: StatusReport) -> str:
    """The status as JSON."""
    return json.dumps({
        "environment": report.environment, "server": report.server, "server_version": report.server_version,
        "history_table": report.history_table, "current_version": report.current_version,
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


def apply_text(report: ApplyReport, verb: str) -> str:
    """Summary line of a migrate/down/redo."""
    if report.dry_run_sql is not None:
        return report.dry_run_sql or f"-- nothing to {verb}"
    if not report.steps:
        return f"nothing to {verb}: the database is up to date." if verb == "migrate" else f"nothing to {verb}."
    total = sum(s.elapsed_ms for s in report.steps)
    return f"{len(report.steps)} file(s) done in {total:.0f} ms."


def apply_json(report: ApplyReport) -> str:
    """Steps run, as JSON."""
    return json.dumps({"dry_run_sql": report.dry_run_sql, "steps": [
        {"script": s.script, "version": s.version, "action": s.action, "elapsed_ms": round(s.elapsed_ms, 2)}
        for s in report.steps]}, indent=2)


def write_text(report: WriteReport, verb: str) -> str:
    """Result of repair/baseline/clean."""
    if not report.changes:
        return f"nothing to {verb}."
    if report.dry_run:
        return "\n".join([f"-- {c}" for c in report.changes] + [report.sql])
    return "\n".join(report.changes)


def events_text(events: list[HistoryEvent]) -> str:
    """The event log as a table."""
    if not events:
        return "no history yet."
    rows = [[str(e.id), _when(e.at), e.action, e.version or "", e.script or "", e.by,
             "" if e.execution_ms is None else str(e.execution_ms), _detail(e.detail)] for e in events]
    return table(["#", "at", "action", "version", "script", "by", "ms", "detail"], rows)


def _detail(detail: dict[str, Any]) -> str:
    shown = {k: v for k, v in detail.items() if k not in ("old_up_sql",)}
    text = ", ".join(f"{k}={v}" for k, v in shown.items())
    return text if len(text) < 80 else text[:79] + "…"


def events_json(events: list[HistoryEvent]) -> str:
    """The event log as JSON."""
    return json.dumps([{"id": e.id, "at": e.at.isoformat(), "action": e.action, "version": e.version,
                        "script": e.script, "checksum": e.checksum, "by": e.by, "execution_ms": e.execution_ms,
                        "detail": e.detail} for e in events], indent=2)


def show_text(report: ShowReport) -> str:
    """Stored SQL, file, and diff of one version."""
    e, row = report.entry, report.row
    lines = [f"{e.script} · version {e.version} · {SYMBOLS[e.state]} {e.state.value}"]
    if row is not None:
        lines.append(f"history rank {row.rank} · {row.kind.value} · by {row.installed_by} at {_when(row.installed_on)}"
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
        lines += ["", "events:", *(f"  {_when(v.at)}  {v.action}  by {v.by}" for v in report.events)]
    return "\n".join(lines)


def show_json(report: ShowReport) -> str:
    """One version as JSON."""
    row = report.row
    return json.dumps({**entry_json(report.entry), "applied_up_sql": row.up_sql if row else None,
                       "applied_undo_sql": row.undo_sql if row else None, "file_sql": report.file_sql,
                       "change_kind": report.change_kind, "diff": list(report.diff)}, indent=2)


@dataclass
class ProgressPrinter:
    """Prints engine events to stderr: a line per file, and per statement when verbose."""

    verbose: bool = False
    stream: TextIO | None = None
    """Where to print; None means the current sys.stderr."""

    def __call__(self, event: ev.EngineEvent) -> None:
        text = self.render(event)
        if text:
            print(text, file=self.stream or sys.stderr, flush=True)

    def render(self, event: ev.EngineEvent) -> str | None:
        """The line for one event (None: nothing to print)."""
        if isinstance(event, ev.LockWaited):
            return f"waiting for the migration lock: {event.holder}"
        if isinstance(event, ev.MigrationStarted):
            resume = f", resuming at statement {event.start_at + 1}" if event.start_at else ""
            mode = "" if event.transactional else ", no transaction"
            return f"→ {event.action} {event.script} ({event.statements_total} statements{mode}{resume})" \
                if self.verbose else None
        if isinstance(event, ev.StatementStarted):
            return f"  [{event.index + 1}/{event.total}] line {event.line}: {event.excerpt}" if self.verbose else None
        if isinstance(event, ev.MigrationFinished):
            verb = "undone" if event.action.endswith("undo") else "applied"
            return f"✓ {verb} {event.script} ({event.elapsed_ms:.0f} ms)"
        if isinstance(event, ev.BatchExecuted):
            return (f"  batch {event.batch}: {event.rows} row(s), {event.total_rows} in all "
                    f"({event.elapsed_ms:.0f} ms)") if self.verbose or event.rows == 0 else None
        if isinstance(event, ev.WarningRaised):
            return f"warning: {event.message}"
        return None


def ask_typed_confirmation(request: ConfirmRequest, *, stdin: TextIO | None = None,
                           stream: TextIO | None = None) -> bool:
    """Show what will run on a protected environment and ask for its name to be typed."""
    stdin = stdin or sys.stdin
    stream = stream or sys.stderr
    if not stdin.isatty():
        return False
    print(f"\n*** PROTECTED ENVIRONMENT {request.environment.upper()} ***", file=stream)
    print(f"{request.action} will run:", file=stream)
    for script in request.scripts:
        print(f"  {script}", file=stream)
    print(f"Type the environment's name ({request.environment}) to continue, anything else to stop: ",
          end="", file=stream, flush=True)
    return stdin.readline().strip() == request.environment


def lint_text(report: LintReport) -> str:
    """Findings as `path:line:column: severity [rule] message`, each with its recipe, then a summary."""
    lines = []
    for finding in report.findings:
        label = f"approved by {report.approved[finding]}" if finding in report.approved else finding.severity.label
        lines.append(f"{finding.path}:{finding.line}:{finding.column}: {label} [{finding.rule}] {finding.message}")
        lines.append(f"    safe recipe: {finding.recipe}")
    files = len(report.files)
    lines.append(f"{files} file(s) linted for PostgreSQL {report.server_major}: {len(report.unsafe)} unsafe, "
                 f"{len(report.approved)} approved, "
                 f"{len(report.findings) - len(report.unsafe) - len(report.approved)} other finding(s).")
    return "\n".join(lines)


def lint_json(report: LintReport) -> str:
    """Findings as JSON."""
    return json.dumps({"server_major": report.server_major, "files": [path for path, _ in report.files],
                       "findings": [{"rule": f.rule, "severity": f.severity.label, "path": f.path, "line": f.line,
                                     "column": f.column, "message": f.message, "recipe": f.recipe,
                                     "approved_by": report.approved.get(f)}
                                    for f in report.findings]}, indent=2)
