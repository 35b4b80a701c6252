"""Each file starts from the environment's session, and history never says "applied" when it is not: hostile
files that change the session, release the migration lock, prepare a transaction, or tamper with stored undo."""

from __future__ import annotations

from typing import Any

import pytest

from dbworkbench.app import inspection, migrations
from dbworkbench.cli import main
from dbworkbench.core.planner import State
from dbworkbench.errors import MigrationFailedError, PlanError
from tests.conftest import Project

SEEN = "CREATE TABLE seen AS SELECT current_user::text AS who, current_setting('search_path') AS path, " \
       "current_setting('lock_timeout') AS lock_timeout, current_setting('statement_timeout') AS statement_timeout;\n"


def with_timeouts(project: Project) -> None:
    config = project.root / "dbworkbench.toml"
    config.write_text(config.read_text().replace('[environments.test]\n', '[environments.test]\nlock_timeout = "4s"\n'
                                                 'statement_timeout = "9min"\n'))


@pytest.mark.parametrize("per_statement", [False, True])
@pytest.mark.parametrize("leak", [
    "CREATE SCHEMA other;\nSET search_path = other;\n",
    "RESET ALL;\n",
    "SET lock_timeout = 0;\nSET statement_timeout = 0;\n",
    "CREATE ROLE leaky_role;\nSET ROLE leaky_role;\n",
])
def test_one_files_session_state_never_reaches_the_next(project: Project, settings_of: Any, leak: str,
                                                        per_statement: bool) -> None:
    with_timeouts(project)
    project.query("DROP ROLE IF EXISTS leaky_role")
    project.write("V1__leak.sql", leak)
    project.write("V2__seen.sql", SEEN)
    migrations.migrate(settings_of(project), per_statement=per_statement)
    (who, path, lock_timeout, statement_timeout), = project.query("SELECT * FROM public.seen")
    assert (who, path, lock_timeout, statement_timeout) == ("postgres", '"$user", public', "4s", "9min")
    project.query("DROP OWNED BY leaky_role" if "ROLE" in leak else "SELECT 1")


def test_a_role_set_in_a_no_transaction_file_does_not_break_its_history(project: Project, settings_of: Any) -> None:
    project.query("DROP ROLE IF EXISTS nobody_special")
    project.query("CREATE ROLE nobody_special")
    project.write("V1__role.sql", "-- dbworkbench:no-transaction\nSET ROLE nobody_special;\nSELECT 1;\n")
    project.write("V2__seen.sql", SEEN)
    migrations.migrate(settings_of(project))
    assert [e.state for e in inspection.status(settings_of(project)).entries] == [State.APPLIED, State.APPLIED]
    assert project.query("SELECT who FROM seen") == [("postgres",)]
    migrations.migrate(settings_of(project))  # a rerun is a no-op, not a crash


@pytest.mark.parametrize("statement", ["PREPARE TRANSACTION 'x'", "COMMIT PREPARED 'x'", "ROLLBACK PREPARED 'x'"])
def test_two_phase_commit_in_a_file_is_refused_before_anything_runs(project: Project, settings_of: Any,
                                                                    statement: str) -> None:
    project.write("V1__2pc.sql", f"CREATE TABLE t (x int);\n{statement};\n")
    with pytest.raises(PlanError, match="transaction"):
        migrations.migrate(settings_of(project))
    assert not project.table_exists("t") and not project.table_exists("dbworkbench_history")


@pytest.mark.parametrize("per_statement", [False, True])
def test_a_file_that_releases_the_migration_lock_is_not_recorded(project: Project, settings_of: Any,
                                                                 per_statement: bool) -> None:
    project.write("V1__a.sql", "CREATE TABLE a (x int);\n")
    project.write("V2__unlock.sql", "CREATE TABLE b (x int);\nSELECT pg_advisory_unlock_all();\n")
    with pytest.raises(MigrationFailedError, match="migration lock"):
        migrations.migrate(settings_of(project), per_statement=per_statement)
    assert project.table_exists("a") and not project.table_exists("b")
    states = [e.state for e in inspection.status(settings_of(project)).entries]
    assert states == [State.APPLIED, State.PENDING]


def test_a_tampered_stored_undo_is_reported_and_refused(project: Project, settings_of: Any,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__a.sql", "CREATE TABLE a (x int);\n-- @undo\nDROP TABLE a;\n")
    migrations.migrate(settings_of(project))
    (project.sql_dir / "V1__a.sql").unlink()
    project.query("CREATE TABLE victim (x int)")
    project.query("UPDATE dbworkbench_history SET undo_sql = 'DROP TABLE victim'")
    assert main(["validate"]) == 5
    assert "undo" in capsys.readouterr().out
    with pytest.raises(PlanError, match="undo"):
        migrations.down(settings_of(project))
    assert project.table_exists("victim") and project.table_exists("a")


def test_resuming_an_edited_file_whose_done_statements_changed_is_refused(project: Project,
                                                                          settings_of: Any) -> None:
    project.write("V1__nt.sql", "-- dbworkbench:no-transaction\nCREATE TABLE one (x int);\nCREATE TABLE two (x int);\n"
                                "SELECT 1/0;\n")
    with pytest.raises(MigrationFailedError):
        migrations.migrate(settings_of(project))
    project.write("V1__nt.sql", "-- dbworkbench:no-transaction\nCREATE TABLE zero (x int);\nCREATE TABLE one (x int);\n"
                                "CREATE TABLE two (x int);\nSELECT 1;\n")
    with pytest.raises(PlanError, match="statement 1"):
        migrations.migrate(settings_of(project))
    assert not project.table_exists("zero")
    assert inspection.status(settings_of(project)).entries[0].state is State.FAILED
    project.write("V1__nt.sql", "-- dbworkbench:no-transaction\nCREATE TABLE one (x int);\nCREATE TABLE two (x int);\n"
                                "SELECT 1;\n")
    migrations.migrate(settings_of(project))
    assert inspection.status(settings_of(project)).entries[0].state is State.APPLIED


def test_a_history_table_from_before_the_undo_checksum_still_reads_and_is_upgraded(project: Project,
                                                                                  settings_of: Any) -> None:
    project.write("V1__a.sql", "CREATE TABLE a (x int);\n-- @undo\nDROP TABLE a;\n")
    migrations.migrate(settings_of(project))
    project.query("ALTER TABLE dbworkbench_history DROP COLUMN undo_checksum")
    assert inspection.validate(settings_of(project)).ok
    project.write("V2__b.sql", "CREATE TABLE b (x int);\n-- @undo\nDROP TABLE b;\n")
    migrations.migrate(settings_of(project))
    assert project.query("SELECT version, undo_checksum IS NOT NULL FROM dbworkbench_history ORDER BY 1") == \
        [("1", False), ("2", True)]
    migrations.down(settings_of(project), steps=2)
    assert not project.table_exists("a") and not project.table_exists("b")


def test_a_quoted_placeholder_cannot_inject_sql(project: Project, settings_of: Any) -> None:
    config = project.root / "dbworkbench.toml"
    config.write_text(config.read_text() + "\n[placeholders]\ncompany = \"x'); DROP TABLE keep; --\"\n")
    project.query("CREATE TABLE keep (x int)")
    project.write("V1__seed.sql", "CREATE TABLE names (n text);\nINSERT INTO names VALUES (${company:literal});\n")
    migrations.migrate(settings_of(project))
    assert project.table_exists("keep")
    assert project.query("SELECT n FROM names") == [("x'); DROP TABLE keep; --",)]


NO_TX = "-- dbworkbench:no-transaction\n"


@pytest.mark.parametrize("per_statement", [False, True])
@pytest.mark.parametrize("marker", ["", NO_TX])
def test_an_error_after_set_role_names_the_statement_that_failed(project: Project, settings_of: Any, marker: str,
                                                                 per_statement: bool) -> None:
    project.write("V1__role.sql", f"{marker}CREATE TABLE a (x int);\nSET ROLE postgres;\nSELECT 1;\n"
                                  "INSERT INTO nope VALUES (1);\n")
    with pytest.raises(MigrationFailedError) as raised:
        migrations.migrate(settings_of(project), per_statement=per_statement)
    assert raised.value.failure.statement_index == 3
    assert raised.value.failure.line == 4 + bool(marker)
    assert "statement 4: INSERT INTO nope" in str(raised.value)


KILL_MYSELF = "CREATE TABLE a (x int);\nSELECT 1;\nSELECT pg_terminate_backend(pg_backend_pid());\nSELECT 2;\n"


@pytest.mark.parametrize(("marker", "per_statement", "says"), [
    ("", False, "its 4 statements were sent together, so which one was running is not known"),
    ("", True, "at or before statement 3"),
    (NO_TX, False, "at or before statement 3"),
])
def test_a_lost_connection_is_titled_so_and_never_names_a_statement_it_cannot_know(
        project: Project, settings_of: Any, capsys: pytest.CaptureFixture[str], marker: str, per_statement: bool,
        says: str) -> None:
    project.write("V1__kill.sql", marker + KILL_MYSELF)
    args = ["migrate", "-v"] if per_statement else ["migrate"]
    code = main(args)
    err = capsys.readouterr().err
    assert code not in (0, 70) and "error: connection lost: " in err and "Traceback" not in err, err
    assert says in err, err
    assert "statement 1)" not in err
    assert not project.table_exists("a") or marker, "a transactional file's work is rolled back"
