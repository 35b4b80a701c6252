"""How the CLI shows safety reports: lint findings, measured analysis, approvals."""

from __future__ import annotations

import json

from dbworkbench.app.analysis import StatementReport
from dbworkbench.app.conflicts import ConflictsReport
from dbworkbench.app.preflight import PreflightReport, SessionNow
from dbworkbench.app.roundtrip import RoundTripReport
from dbworkbench.app.safety import ApprovalReport
from dbworkbench.lint.project import LintReport


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


def analysis_text(reports: list[StatementReport]) -> str:
    """Each pending file, each statement's heading and what it would do on the target's tables."""
    if not reports:
        return "nothing pending to analyze."
    lines: list[str] = []
    current = None
    for report in reports:
        if report.script != current:
            current = report.script
            lines.append(current)
        lines.append(f"  {report.heading}")
        lines += [f"    {sentence}" for sentence in report.sentences]
    return "\n".join(lines)


def analysis_json(reports: list[StatementReport]) -> str:
    """Measured effects as JSON."""
    return json.dumps([{"script": r.script, "statement": r.index + 1, "line": r.line, "sql": r.excerpt,
                        "locks": {t: sorted(m) for t, m in r.effect.locks.items()},
                        "rewritten": r.effect.rewritten, "scanned": sorted(set(r.effect.scans)),
                        "consequences": list(r.consequences)} for r in reports], indent=2)


def approval_text(report: ApprovalReport) -> str:
    """The approval written, and what to do with it."""
    return (f"wrote {report.path}: {', '.join(report.rules)} approved for {report.script} as it is now; "
            "commit it.")


def preflight_json(report: PreflightReport) -> str:
    """The pre-flight as JSON."""
    def session(s: SessionNow) -> dict[str, object]:
        return {"pid": s.pid, "user": s.user, "application": s.application, "state": s.state,
                "transaction_seconds": s.transaction_seconds, "query": s.query, "table": s.table, "mode": s.mode,
                "granted": s.granted, "blocks_statements": [i + 1 for i in s.blocks]}
    return json.dumps({
        "script": report.script, "target": report.target, "verdict": report.verdict.value,
        "verdict_line": report.verdict_line,
        "tables": [{"name": t.name, "exists": t.exists, "rows": t.rows, "bytes": t.total_bytes} for t in report.tables],
        "statements": [{"statement": s.index + 1, "line": s.line, "lock": s.mode.label if s.mode else None,
                        "tables": list(s.tables), "why": s.why} for s in report.statements],
        "holders": [session(h) for h in report.holders],
        "long_transactions": [session(t) for t in report.long_transactions],
        "replication": [{"standby": name, "replay_lag_seconds": lag} for name, lag in report.replication],
        "lock_timeout": report.lock_timeout, "statement_timeout": report.statement_timeout}, indent=2)


def roundtrip_text(report: RoundTripReport) -> str:
    """One line per file, and under a failing one the schema difference, then a summary."""
    lines = []
    for item in report.files:
        if not item.checked:
            lines.append(f"· V{item.version} {item.script}: no undo, nothing to prove (irreversible as written)")
            continue
        lines.append(f"{'✓' if item.ok else '✗'} V{item.version} {item.script}")
        if item.left_behind:
            lines.append("    its undo does not give back the schema before; the undo is missing:")
            lines += [f"      {ddl}" for ddl in item.left_behind]
        if item.not_again:
            lines.append("    applied again after its undo, it gives another schema; from the second to the first:")
            lines += [f"      {ddl}" for ddl in item.not_again]
    checked = [f for f in report.files if f.checked]
    failed = [f for f in checked if not f.ok]
    lines.append(f"{len(checked)} undo(s) checked, {len(failed)} do not round-trip, "
                 f"{len(report.files) - len(checked)} file(s) without an undo.")
    return "\n".join(lines)


def roundtrip_json(report: RoundTripReport) -> str:
    """The round trips as JSON."""
    return json.dumps({"ok": report.ok, "files": [
        {"script": f.script, "version": f.version, "checked": f.checked, "ok": f.ok,
         "left_behind": list(f.left_behind), "not_again": list(f.not_again)} for f in report.files]}, indent=2)


def conflicts_text(report: ConflictsReport) -> str:
    """Shared versions, then shared objects, then a one-line verdict."""
    lines = [f"same version {c.version}: {', '.join(c.scripts)} (harmless: renumber all but one, e.g. "
             f"`dbworkbench new --renumber {c.renumber}"
             f"{' --base ' + report.base if report.base else ''}`)" for c in report.collisions]
    lines += [f"order matters: {o.first} and {o.second} both touch {', '.join(o.objects)}; someone must look"
              for o in report.overlaps]
    against = f" against {report.base}" if report.base else ""
    lines.append(f"{report.compared} file(s) compared{against}: "
                 + ("no conflicts" if report.ok else f"{len(report.collisions)} shared version(s), "
                    f"{len(report.overlaps)} pair(s) touching the same objects"))
    return "\n".join(lines)


def conflicts_json(report: ConflictsReport) -> str:
    """The report as JSON."""
    return json.dumps({"ok": report.ok, "base": report.base, "compared": report.compared,
                       "same_version": [{"version": c.version, "scripts": list(c.scripts)} for c in report.collisions],
                       "same_objects": [{"files": [o.first, o.second], "objects": list(o.objects)}
                                        for o in report.overlaps]}, indent=2)
