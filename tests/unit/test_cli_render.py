"""The CLI's renderers on hand-built reports: no database. Text and JSON say the same thing."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from dbworkbench.app.reports import ApplyReport, PlannedStep, StatusReport, StepResult, ValidationReport
from dbworkbench.app.schema_as_code import DriftReport
from dbworkbench.app.vocabulary import Verb
from dbworkbench.cli import render_migrations, render_safety, render_schema
from dbworkbench.core.discovery import MigrationKind, discover
from dbworkbench.core.history import HistoryRow
from dbworkbench.core.planner import StepAction, fold
from dbworkbench.lint.findings import Finding, Severity
from dbworkbench.lint.project import LintReport
from dbworkbench.schema.changes import Change
from dbworkbench.schema.drift import DriftItem

WHEN = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def report(tmp_path: Path) -> StatusReport:
    (tmp_path / "V1__accounts.sql").write_text("CREATE TABLE accounts (id int);\n")
    (tmp_path / "V2__projects.sql").write_text("CREATE TABLE projects (id int);\n")
    (tmp_path / "V3__labels.sql").write_text("CREATE TABLE labels (id int);\n")
    migrations = discover(tmp_path)
    first = migrations.versioned[0]
    rows = [HistoryRow(1, "1", "accounts", MigrationKind.VERSIONED, first.script, first.checksum, "ana", WHEN, 4,
                       True, 1, 1, None, None, None),
            HistoryRow(2, "2", "projects", MigrationKind.VERSIONED, "V2__projects.sql", "0" * 64, "ana", WHEN, 5,
                       True, 1, 1, None, None, None)]
    return StatusReport("dev", "postgres@localhost:5432/demo", "18.1", "public.dbworkbench_history",
                        tuple(fold(migrations, rows)), tuple(rows))


def test_status_text_and_json_agree_on_the_summary(tmp_path: Path) -> None:
    status = report(tmp_path)
    text = render_migrations.status_text(status)
    data = json.loads(render_migrations.status_json(status))
    assert "environment dev · postgres@localhost:5432/demo · PostgreSQL 18.1" in text
    assert "current version 2 · applied 2 · pending 1 · problems 1" in text
    assert data["summary"] == {"environment": "dev", "target": "postgres@localhost:5432/demo",
                               "server_version": "18.1", "current_version": "2", "applied": 2, "pending": 1,
                               "problems": 1, "protected_as": None}
    assert [m["state"] for m in data["migrations"]] == ["applied", "checksum mismatch", "pending"]


def test_validation_names_each_problem_with_what_to_do(tmp_path: Path) -> None:
    status = report(tmp_path)
    text = render_migrations.validation_text(ValidationReport(status, ("sql/V3__labels.sql:1: syntax error",)))
    assert "≠ V2__projects.sql: checksum mismatch (see `dbworkbench show 2`)" in text
    assert "✗ sql/V3__labels.sql:1: syntax error" in text
    clean = StatusReport("dev", "t", "18.1", "public.h", status.entries[:1], status.rows[:1])
    assert render_migrations.validation_text(ValidationReport(clean, ())) == "valid: 1 migrations, files and history agree."


def test_apply_text_says_nothing_to_do_in_the_verbs_own_words() -> None:
    assert render_migrations.apply_text(ApplyReport(()), Verb.UP) == "nothing to migrate: the database is up to date."
    assert render_migrations.apply_text(ApplyReport(()), Verb.DOWN) == "nothing to undo."
    done = ApplyReport((StepResult("sql/V1__a.sql", "1", StepAction.APPLY, 12.4),
                        StepResult("sql/V2__b.sql", "2", StepAction.APPLY, 3.0)))
    assert render_migrations.apply_text(done, Verb.MIGRATE) == "2 file(s) done in 15 ms."
    assert render_migrations.apply_text(ApplyReport((), "BEGIN;"), Verb.MIGRATE) == "BEGIN;"


def test_apply_json_carries_what_was_planned_and_what_ran() -> None:
    planned = (PlannedStep("sql/V1__a.sql", "1", StepAction.UNDO, 2, True),)
    data = json.loads(render_migrations.apply_json(ApplyReport((), "-- sql", planned)))
    assert data["planned"] == [{"script": "sql/V1__a.sql", "version": "1", "action": "undo", "statements": 2,
                                "transactional": True}]
    assert data["steps"] == [] and data["dry_run_sql"] == "-- sql"


def test_lint_text_counts_unsafe_approved_and_other_findings() -> None:
    unsafe = Finding("index", Severity.ERROR, "sql/V1__a.sql", 3, 1, "locks writes", "use CONCURRENTLY")
    approved = Finding("drop", Severity.ERROR, "sql/V1__a.sql", 5, 1, "drops data", "keep it")
    note = Finding("note", Severity.INFO, "sql/V1__a.sql", 7, 1, "fyi", "none")
    lint = LintReport((("sql/V1__a.sql", (unsafe, approved, note)),), 15, {approved: "ana"})
    text = render_safety.lint_text(lint)
    assert "sql/V1__a.sql:5:1: approved by ana [drop] drops data" in text
    assert text.endswith("1 file(s) linted for PostgreSQL 15: 1 unsafe, 1 approved, 1 other finding(s).")
    data = json.loads(render_safety.lint_json(lint))
    assert [f["approved_by"] for f in data["findings"]] == [None, "ana", None]


def test_drift_text_names_the_migration_that_last_touched_each_object() -> None:
    change = Change(0, 'ALTER TABLE "public"."a" ADD COLUMN "x" int', "public.a")
    drift = DriftReport((DriftItem(change, "V3__a.sql"), DriftItem(change, None)))
    text = render_schema.drift_text(drift)
    assert text.startswith("2 change(s) made outside migrations")
    assert "last touched by V3__a.sql" in text and "last touched by no migration" in text
    assert render_schema.drift_text(DriftReport(())).startswith("no drift")
    assert json.loads(render_schema.drift_json(drift))[0]["last_touched_by"] == "V3__a.sql"


def test_the_workbench_header_never_drops_what_must_show() -> None:
    from dbworkbench.tui.widgets.status_header import fit_header

    must = ["▲ PRODUCTION · READ-ONLY (w) ▲ env prod", "v12", "pending 3", "problems 0"]
    target = "postgres@/a/very/long/path/to/the/socket/folder/of/the/server/pgdata:5432/the_database_name"
    optional = ["applied 9", "PostgreSQL 18.1", "project demo"]
    wide = fit_header(must, target, optional, 300)
    assert "\n" not in wide and all(p in wide for p in [*must, target, *optional])
    narrow = fit_header(must, target, optional, 78)
    first, second = narrow.split("\n")
    assert first == " · ".join(must) and len(second) <= 78
    assert second.startswith("postgres@/a/very") and second.endswith("the_database_name") and "…" in second
    roomy = fit_header(must, "me@db:5432/app", optional, 78)
    assert roomy.split("\n")[1] == "me@db:5432/app · applied 9 · PostgreSQL 18.1 · project demo"
