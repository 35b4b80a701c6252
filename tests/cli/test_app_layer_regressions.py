"""Regressions found reviewing the layer between the engine and its front ends (issue 8), each failing before the
application layer existed: one gate, errors inside the hierarchy, approvals that add up and count everywhere."""

from __future__ import annotations

import argparse
import json
from typing import Any

import pytest

from dbworkbench.app.engine import Engine
from dbworkbench.app.vocabulary import Verb
from dbworkbench.cli import build_parser
from dbworkbench.cli.verbs import HANDLERS
from dbworkbench.errors import ChecksumMismatchError, DbWorkbenchError, PlanError
from tests.cli.helpers import run
from tests.conftest import Project

UNSAFE = "ALTER TABLE accounts ADD COLUMN plan text NOT NULL DEFAULT 'free';\nCREATE INDEX accounts_plan ON accounts (plan);\n"


def accounts(project: Project) -> None:
    project.write("V1__accounts.sql", "CREATE TABLE accounts (id int PRIMARY KEY);\n-- @undo\nDROP TABLE accounts;\n")


def test_every_verb_has_a_parser_command_and_a_handler() -> None:
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices  # noqa: SLF001
    assert set(commands) == {v.value for v in Verb} == set(HANDLERS)


def test_status_json_carries_the_summary_the_text_shows(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    accounts(project)
    project.write("V2__projects.sql", "CREATE TABLE projects (id int);\n")
    assert run(capsys, "migrate", "--steps", "1")[0] == 0
    code, out, _ = run(capsys, "status", "--json")
    summary = json.loads(out)["summary"]
    assert code == 0
    assert summary["environment"] == "test" and summary["current_version"] == "1"
    assert (summary["applied"], summary["pending"], summary["problems"]) == (1, 1, 0)
    assert "@" in summary["target"] and "password" not in summary["target"]
    text = run(capsys, "status")[1]
    assert "current version 1 · applied 1 · pending 1 · problems 0" in text


def test_a_baseline_counts_as_the_current_version(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V5__later.sql", "CREATE TABLE later (id int);\n")
    assert run(capsys, "baseline", "--version", "3")[0] == 0
    summary = json.loads(run(capsys, "status", "--json")[1])["summary"]
    assert summary["current_version"] == "3" and summary["pending"] == 1


def test_redo_refuses_a_file_changed_since_it_ran(project: Project, capsys: pytest.CaptureFixture[str],
                                                  settings_of: Any) -> None:
    accounts(project)
    assert run(capsys, "migrate")[0] == 0
    project.write("V1__accounts.sql", "CREATE TABLE accounts (id int PRIMARY KEY);\nDROP TABLE IF EXISTS other CASCADE;\n"
                  "-- @undo\nDROP TABLE accounts;\n")
    code, _, err = run(capsys, "redo", "--yes")
    assert code == 5 and "changed since it ran" in err
    assert project.query("SELECT count(*) FROM dbworkbench_history WHERE kind = 'undo'") == [(0,)]
    with pytest.raises(ChecksumMismatchError):
        Engine(settings_of(project)).apply(Verb.REDO)


def test_the_workbench_engine_refuses_a_verb_that_runs_no_migrations_inside_the_hierarchy(
        project: Project, settings_of: Any) -> None:
    with pytest.raises(PlanError, match="does not run migrations"):
        Engine(settings_of(project)).apply(Verb.STATUS)


def test_approving_a_pending_repeatable_file_works_and_satisfies_the_protected_gate(
        project: Project, settings_of: Any) -> None:
    accounts(project)
    project.write("R__cleanup.sql", "DROP TABLE IF EXISTS scratch;\nCREATE INDEX accounts_id2 ON accounts (id);\n")
    prod = Engine(settings_of(project, env="prod"))
    with pytest.raises(PlanError, match="approval required"):
        prod.apply(Verb.MIGRATE, confirmed_as="prod")
    path = prod.approve("cleanup", "scratch is ours; accounts is empty")
    assert path == "approvals/R__cleanup.toml"
    report = prod.apply(Verb.MIGRATE, confirmed_as="prod")
    assert [s.script for s in report.steps] == ["sql/V1__accounts.sql", "sql/R__cleanup.sql"]


def test_approving_an_unknown_key_is_a_plan_error_not_stop_iteration(project: Project, settings_of: Any) -> None:
    accounts(project)
    with pytest.raises(DbWorkbenchError, match="no migration file has version 9"):
        Engine(settings_of(project)).approve("9", "why")


def test_approve_adds_rules_to_an_approval_of_the_same_content(project: Project,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    accounts(project)
    project.write("V2__plan.sql", UNSAFE)
    code, out, _ = run(capsys, "lint", "sql/V2__plan.sql", "--json")
    rules = sorted({f["rule"] for f in json.loads(out)["findings"] if f["severity"] == "error"})
    assert code == 6 and len(rules) >= 1
    for rule in rules:
        assert run(capsys, "approve", "2", "--rule", rule, "--reason", f"reviewed {rule}", "--reviewer", "ana")[0] == 0
    text = (project.root / "approvals" / "V2.toml").read_text()
    for rule in rules:
        assert f'"{rule}"' in text
    assert run(capsys, "migrate", "--env", "prod", "--yes")[0] == 0


def test_lint_of_a_named_file_honours_its_approval(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    accounts(project)
    project.write("V2__plan.sql", UNSAFE)
    out = run(capsys, "lint", "--json")[1]
    rules = sorted({f["rule"] for f in json.loads(out)["findings"] if f["severity"] == "error"})
    assert run(capsys, "approve", "2", *[a for r in rules for a in ("--rule", r)], "--reason", "ok",
               "--reviewer", "ana")[0] == 0
    assert run(capsys, "lint")[0] == 0
    code, out, _ = run(capsys, "lint", "sql/V2__plan.sql")
    assert code == 0 and "approved by ana" in out
    code, _, err = run(capsys, "lint", "sql/nope.sql")
    assert code == 2 and "no such file" in err and "Traceback" not in err


def test_an_approval_file_with_a_bad_version_is_a_clean_error(project: Project,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    accounts(project)
    (project.root / "approvals").mkdir()
    (project.root / "approvals" / "V1.toml").write_text(
        'version = "one"\nchecksum = "x"\nrules = []\nreviewer = "a"\nreason = "b"\n')
    code, _, err = run(capsys, "lint")
    assert code == 2 and "is not a version" in err and "V1.toml" in err


def test_schema_of_a_name_postgresql_cannot_read_is_a_clean_error(project: Project,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    accounts(project)
    assert run(capsys, "migrate")[0] == 0
    for name in ("a.b.c.d", "no_such_thing", '"unterminated'):
        code, _, err = run(capsys, "schema", name)
        assert code == 2 and err.startswith("error: ") and "internal error" not in err, (name, err)


def test_repairing_one_migration_on_a_stale_history_changes_nothing(project: Project, settings_of: Any) -> None:
    from dbworkbench.app import inspection, maintenance, migrations
    from dbworkbench.errors import StaleStateError

    project.write("V1__a.sql", "CREATE TABLE a (x int);\n")
    migrations.migrate(settings_of(project))
    shown = inspection.status(settings_of(project)).history_mark
    project.write("V2__b.sql", "CREATE TABLE b (x int);\n")
    migrations.migrate(settings_of(project))  # another terminal, meanwhile
    project.write("V1__a.sql", "CREATE TABLE a (x int); -- edited\n")
    with pytest.raises(StaleStateError):
        maintenance.repair(settings_of(project), only="1", expected_history=shown)
    assert [e.state.value for e in inspection.status(settings_of(project)).entries] == ["checksum mismatch",
                                                                                         "applied"]
    with pytest.raises(PlanError, match="nothing to repair"):
        maintenance.repair(settings_of(project), only="2")
    now = inspection.status(settings_of(project)).history_mark
    assert maintenance.repair(settings_of(project), only="1", expected_history=now).changes
    assert [e.state.value for e in inspection.status(settings_of(project)).entries] == ["applied", "applied"]
