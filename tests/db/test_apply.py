"""Applying, undoing and failing on a real server (PostgreSQL 18 embedded, and 15 where installed)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from dbworkbench.app import inspection, maintenance, migrations
from dbworkbench.core import events as ev
from dbworkbench.core.cancel import CancelToken
from dbworkbench.core.planner import State
from dbworkbench.errors import (
    ChecksumMismatchError,
    MigrationFailedError,
    MigrationInterruptedError,
    PlanError,
    ProtectedEnvironmentError,
)
from tests.conftest import Project

SCHEMA_QUERY = """
SELECT c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
       pg_get_expr(d.adbin, d.adrelid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE n.nspname = 'public' AND c.relname NOT LIKE 'dbworkbench_history%'
UNION ALL SELECT conname, 'constraint', pg_get_constraintdef(oid), NULL, NULL, NULL FROM pg_constraint
WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text NOT LIKE 'dbworkbench_history%'
UNION ALL SELECT t.typname, 'type', e.enumlabel, NULL, NULL, NULL FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
ORDER BY 1, 2, 3
"""


def schema(project: Project) -> list[tuple[object, ...]]:
    return project.query(SCHEMA_QUERY)


def three_files(project: Project) -> None:
    project.write("V1__accounts.sql", """
        CREATE TABLE accounts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, email text NOT NULL);
        -- @undo
        DROP TABLE accounts;
    """)
    project.write("V2__status.sql", """
        CREATE TYPE status AS ENUM ('open', 'done');
        ALTER TABLE accounts ADD COLUMN status status NOT NULL DEFAULT 'open';
    """)
    project.write("U2__status.sql", """
        ALTER TABLE accounts DROP COLUMN status;
        DROP TYPE status;
    """)
    project.write("V3__index.sql", """
        CREATE INDEX CONCURRENTLY accounts_email ON accounts (email);
        -- @undo
        DROP INDEX CONCURRENTLY accounts_email;
    """)


def test_migrate_then_down_then_up_restores_the_same_schema(any_project: Project, settings_of: Any) -> None:
    project = any_project
    three_files(project)
    settings = settings_of(project)
    empty = schema(project)
    report = migrations.migrate(settings)
    assert [s.version for s in report.steps] == ["1", "2", "3"]
    migrated = schema(project)
    assert migrated != empty
    migrations.down(settings, steps=3)
    assert schema(project) == empty
    migrations.migrate(settings)
    assert schema(project) == migrated
    migrations.redo(settings)
    assert schema(project) == migrated
    actions = [e.action for e in inspection.history(settings).events]
    assert actions == ["applied"] * 3 + ["undone"] * 3 + ["applied"] * 3 + ["undone", "applied"]
    status = inspection.status(settings)
    assert [e.state for e in status.entries] == [State.APPLIED] * 3 and status.current_version == "3"


def test_history_stores_the_sql_that_ran(project: Project, settings_of: Any) -> None:
    three_files(project)
    migrations.migrate(settings_of(project))
    rows = project.query("SELECT version, kind, up_sql, undo_sql, success, statements_done, statements_total "
                         "FROM dbworkbench_history ORDER BY installed_rank")
    assert rows[0][:2] == ("1", "versioned")
    assert "CREATE TABLE accounts" in str(rows[0][2]) and "-- @undo" not in str(rows[0][2])
    assert rows[0][3] == "DROP TABLE accounts;\n"
    assert "DROP TYPE status" in str(rows[1][3])
    assert [r[4:] for r in rows] == [(True, 1, 1), (True, 2, 2), (True, 1, 1)]


@pytest.mark.parametrize("per_statement", [False, True], ids=["batched", "per-statement"])
def test_a_failing_statement_leaves_no_trace(any_project: Project, settings_of: Any, per_statement: bool) -> None:
    project = any_project
    project.write("V1__ok.sql", "CREATE TABLE first (x int);\n")
    project.write("V2__broken.sql", """
        CREATE TABLE second (x int);
        INSERT INTO second VALUES (1);
        INSERT INTO second
            VALUES ('not a number');
        CREATE TABLE never (x int);
    """)
    settings = settings_of(project)
    seen: list[ev.EngineEvent] = []
    with pytest.raises(MigrationFailedError) as caught:
        migrations.migrate(settings, on_event=seen.append, per_statement=per_statement)
    failure = caught.value.failure
    assert (failure.path, failure.line, failure.column, failure.sqlstate) == ("sql/V2__broken.sql", 4, 13, "22P02")
    assert "invalid input syntax for type integer" in failure.message
    assert failure.statement_index == 2
    assert "rolled back" in caught.value.message
    assert project.table_exists("first") and not project.table_exists("second")
    assert [r[0] for r in project.query("SELECT version FROM dbworkbench_history")] == ["1"]
    assert project.query("SELECT action, detail->>'sqlstate' FROM dbworkbench_history_events ORDER BY id")[-1] == \
        ("failed", "22P02")
    assert any(isinstance(e, ev.MigrationFailed) for e in seen)


@pytest.mark.parametrize("per_statement", [False, True], ids=["batched", "per-statement"])
def test_error_position_in_undo_section_and_with_placeholders(project: Project, settings_of: Any,
                                                              per_statement: bool) -> None:
    project.root.joinpath("dbworkbench.toml").write_text(
        project.root.joinpath("dbworkbench.toml").read_text().replace(
            "[environments.test]", "[placeholders]\ntable_name = \"a_rather_long_table_name\"\n\n[environments.test]"))
    project.write("V1__p.sql", """
        CREATE TABLE ${table_name} (x int);
        -- @undo
        SELECT 1;
        DROP TABLE ${table_name}; SELECT nosuchcolumn FROM ${table_name};
    """)
    settings = settings_of(project)
    migrations.migrate(settings)
    assert project.table_exists("a_rather_long_table_name")
    with pytest.raises(MigrationFailedError) as caught:
        migrations.down(settings, per_statement=per_statement)
    failure = caught.value.failure
    assert (failure.line, failure.column, failure.sqlstate) == (4, 52, "42P01")  # at ${table_name}, raw file
    assert project.table_exists("a_rather_long_table_name"), "the undo's transaction was rolled back"


def test_syntax_errors_are_caught_before_touching_the_database(project: Project, settings_of: Any) -> None:
    project.write("V1__fine.sql", "CREATE TABLE fine (x int);\n")
    project.write("V2__typo.sql", "CREATE TABLE t (x int);\nALTER TABLE t\n    ADD COLUM broken integer;\n")
    with pytest.raises(PlanError) as caught:
        migrations.migrate(settings_of(project))
    assert "sql/V2__typo.sql:3:22" in caught.value.message and 'at or near "integer"' in caught.value.message
    assert not project.table_exists("fine") and not project.table_exists("dbworkbench_history")


def test_non_transactional_file_resumes_at_the_failed_statement(any_project: Project, settings_of: Any) -> None:
    project = any_project
    project.write("V1__t.sql", "CREATE TABLE t (a int, b int);\n")
    path = project.write("V2__indexes.sql", """
        CREATE INDEX CONCURRENTLY t_a ON t (a);
        CREATE INDEX CONCURRENTLY t_b ON t (nope);
        CREATE INDEX CONCURRENTLY t_ab ON t (a, b);
    """)
    settings = settings_of(project)
    with pytest.raises(MigrationFailedError) as caught:
        migrations.migrate(settings)
    assert caught.value.failure.line == 2 and "resume at statement 2" in caught.value.message
    assert project.query("SELECT success, statements_done, statements_total FROM dbworkbench_history "
                         "WHERE version = '2'") == [(False, 1, 3)]
    status = inspection.status(settings)
    assert status.entries[1].state is State.FAILED
    path.write_text(path.read_text().replace("(nope)", "(b)"))
    seen: list[ev.EngineEvent] = []
    migrations.migrate(settings, on_event=seen.append)
    started = [e for e in seen if isinstance(e, ev.MigrationStarted)]
    assert started[0].start_at == 1
    assert [e.index for e in seen if isinstance(e, ev.StatementStarted)] == [1, 2]
    indexes = {r[0] for r in project.query("SELECT indexname FROM pg_indexes WHERE tablename = 't'")}
    assert indexes == {"t_a", "t_b", "t_ab"}
    assert project.query("SELECT success, statements_done FROM dbworkbench_history WHERE version = '2'") == [(True, 3)]
    assert inspection.validate(settings).ok, "the fixed file's checksum was recorded when the run finished"


def test_changed_file_is_refused_explained_and_repaired(project: Project, settings_of: Any) -> None:
    path = project.write("V1__a.sql", "CREATE TABLE a (x int);\n")
    project.write("V2__b.sql", "CREATE TABLE b (x int);\n")
    settings = settings_of(project)
    migrations.migrate(settings, steps=1)
    path.write_text("-- a comment added later\nCREATE TABLE a   (x int);\n")
    report = inspection.validate(settings)
    assert not report.ok and report.status.entries[0].state is State.CHECKSUM_MISMATCH
    with pytest.raises(ChecksumMismatchError, match="dbworkbench show 1"):
        migrations.migrate(settings)
    shown = inspection.show(settings, "1")
    assert shown.change_kind == "comments and whitespace only"
    assert any(line.startswith("+-- a comment added later") for line in shown.diff)
    path.write_text("CREATE TABLE a (x bigint);\n")
    assert inspection.show(settings, "1").change_kind == "SQL changed"
    repaired = maintenance.repair(settings)
    assert len(repaired.changes) == 1
    assert inspection.validate(settings).ok
    old_text = project.query("SELECT detail->>'old_up_sql' FROM dbworkbench_history_events WHERE action = 'repaired'")
    assert old_text == [("CREATE TABLE a (x int);\n",)], "the replaced text is kept in the event log"
    migrations.migrate(settings)
    assert project.table_exists("b")


def test_undo_uses_the_stored_text_when_the_file_is_gone(project: Project, settings_of: Any) -> None:
    path = project.write("V1__a.sql", "CREATE TABLE a (x int);\n-- @undo\nDROP TABLE a;\n")
    settings = settings_of(project)
    migrations.migrate(settings)
    path.unlink()
    assert inspection.status(settings).entries[0].state is State.MISSING_FILE
    migrations.down(settings)
    assert not project.table_exists("a")


def test_no_undo_is_refused_before_anything_runs(project: Project, settings_of: Any) -> None:
    project.write("V1__a.sql", "CREATE TABLE a (x int);\n-- @undo\nDROP TABLE a;\n")
    project.write("V2__b.sql", "CREATE TABLE b (x int);\n")
    settings = settings_of(project)
    migrations.migrate(settings)
    with pytest.raises(PlanError, match="V2__b.sql has no undo"):
        migrations.down(settings, steps=2)
    assert project.table_exists("a") and project.table_exists("b")


def test_repeatable_reapplies_when_changed(project: Project, settings_of: Any) -> None:
    project.write("V1__t.sql", "CREATE TABLE t (x int);\n")
    view = project.write("R__view.sql", "CREATE OR REPLACE VIEW v AS SELECT x FROM t;\n")
    settings = settings_of(project)
    assert [s.script for s in migrations.migrate(settings).steps] == ["sql/V1__t.sql", "sql/R__view.sql"]
    assert migrations.migrate(settings).steps == ()
    view.write_text("CREATE OR REPLACE VIEW v AS SELECT x, x * 2 AS y FROM t;\n")
    assert inspection.status(settings).entries[1].state is State.OUTDATED
    assert [s.script for s in migrations.migrate(settings).steps] == ["sql/R__view.sql"]
    assert [r[0] for r in project.query("SELECT attname FROM pg_attribute WHERE attrelid = 'v'::regclass "
                                        "AND attnum > 0 ORDER BY attnum")] == ["x", "y"]


def test_dry_run_prints_everything_and_touches_nothing(project: Project, settings_of: Any) -> None:
    three_files(project)
    report = migrations.migrate(settings_of(project), dry_run=True)
    assert report.dry_run_sql is not None
    text = report.dry_run_sql
    assert "CREATE TABLE IF NOT EXISTS" in text and "INSERT INTO \"public\".\"dbworkbench_history\"" in text
    assert text.index("BEGIN;") < text.index("CREATE TABLE accounts") < text.index("COMMIT;")
    assert "CREATE INDEX CONCURRENTLY accounts_email" in text and "UPDATE \"public\".\"dbworkbench_history\"" in text
    assert not project.table_exists("dbworkbench_history") and not project.table_exists("accounts")


def test_file_with_its_own_begin_commit_and_a_stray_commit(project: Project, settings_of: Any) -> None:
    project.write("V1__wrapped.sql", "BEGIN;\nCREATE TABLE a (x int);\nCOMMIT;\n")
    settings = settings_of(project)
    warnings: list[str] = []
    migrations.migrate(settings, on_event=lambda e: warnings.append(e.message) if isinstance(e, ev.WarningRaised) else None)
    assert project.table_exists("a") and any("BEGIN/COMMIT were skipped" in w for w in warnings)
    project.write("V2__stray.sql", "CREATE TABLE b (x int);\nCOMMIT;\nCREATE TABLE c (x int);\n")
    with pytest.raises(PlanError, match="V2__stray.sql:2:1: COMMIT"):
        migrations.migrate(settings)
    assert not project.table_exists("b")


def test_enum_value_added_and_used_runs_outside_a_transaction(project: Project, settings_of: Any) -> None:
    project.write("V1__e.sql", "CREATE TYPE mood AS ENUM ('ok');\nCREATE TABLE m (v mood);\n")
    project.write("V2__add.sql", "ALTER TYPE mood ADD VALUE 'great';\nINSERT INTO m VALUES ('great');\n")
    migrations.migrate(settings_of(project))
    assert project.query("SELECT v::text FROM m") == [("great",)]


def test_protected_environment_needs_confirmation(project: Project, settings_of: Any) -> None:
    project.write("V1__a.sql", "CREATE TABLE a (x int);\n")
    prod = settings_of(project, env="prod")
    with pytest.raises(ProtectedEnvironmentError):
        migrations.migrate(prod)
    asked: list[Any] = []

    def refuse(request: Any) -> bool:
        asked.append(request)
        return False

    with pytest.raises(ProtectedEnvironmentError):
        migrations.migrate(prod, confirm=refuse)
    assert asked[0].environment == "prod" and asked[0].scripts == ("sql/V1__a.sql",)
    assert "CREATE TABLE a" in asked[0].sql
    assert not project.table_exists("a", prod=True)
    migrations.migrate(prod, confirm=lambda request: True)
    assert project.table_exists("a", prod=True) and not project.table_exists("a")
    with pytest.raises(ProtectedEnvironmentError, match="clean"):
        maintenance.clean(prod)


def test_baseline_and_clean(project: Project, settings_of: Any) -> None:
    project.query("CREATE TABLE legacy (x int) ")
    project.write("V1__legacy.sql", "CREATE TABLE legacy (x int);\n")
    project.write("V2__next.sql", "CREATE TABLE next (x int);\n")
    settings = settings_of(project)
    maintenance.baseline(settings, "1")
    assert [s.version for s in migrations.migrate(settings).steps] == ["2"]
    with pytest.raises(PlanError, match="already has applied versions"):
        maintenance.baseline(settings, "1")
    project.query("GRANT USAGE ON SCHEMA public TO PUBLIC")
    with pytest.raises(ProtectedEnvironmentError, match="not confirmed"):
        maintenance.clean(settings)
    assert project.table_exists("legacy"), "clean asks on every environment"
    maintenance.clean(settings, confirm=lambda request: request.environment == "test")
    assert not project.table_exists("legacy") and not project.table_exists("dbworkbench_history")
    assert project.query("SELECT has_schema_privilege('public', 'public', 'USAGE')") == [(True,)]
    assert [s.version for s in migrations.migrate(settings).steps] == ["1", "2"]


@pytest.mark.parametrize("per_statement", [False, True], ids=["batched", "per-statement"])
def test_error_without_server_position_is_located(project: Project, settings_of: Any, per_statement: bool) -> None:
    project.write("V1__fk.sql", """
        CREATE TABLE parent (id int PRIMARY KEY);
        INSERT INTO parent VALUES (1);
        CREATE TABLE child (parent_id int);
        INSERT INTO child VALUES (2);
        ALTER TABLE child ADD FOREIGN KEY (parent_id) REFERENCES parent (id);
        CREATE TABLE never (x int);
    """)
    with pytest.raises(MigrationFailedError) as caught:
        migrations.migrate(settings_of(project), per_statement=per_statement)
    failure = caught.value.failure
    assert (failure.line, failure.column, failure.sqlstate, failure.statement_index) == (5, 1, "23503", 4)
    assert failure.detail and "parent_id" in failure.detail
    assert not project.table_exists("parent") and not project.table_exists("child")


def test_server_measures_the_duration_of_a_batched_file(project: Project, settings_of: Any) -> None:
    project.write("V1__slow.sql", "SELECT pg_sleep(0.3);\nCREATE TABLE t (x int);\n")
    migrations.migrate(settings_of(project))
    assert 300 <= int(project.query("SELECT execution_ms FROM dbworkbench_history")[0][0]) < 5000  # type: ignore[call-overload]


@pytest.mark.parametrize("per_statement", [False, True], ids=["batched", "per-statement"])
def test_comment_only_file_and_sql_standard_function_body(project: Project, settings_of: Any,
                                                          per_statement: bool) -> None:
    project.write("V1__placeholder.sql", "-- intentionally empty: kept for numbering\n")
    project.write("V2__atomic.sql", """
        CREATE FUNCTION add_one(x int) RETURNS int LANGUAGE sql
        BEGIN ATOMIC
            SELECT x + 1;
        END;
        CREATE TABLE after_function (y int DEFAULT 1);
    """)
    report = migrations.migrate(settings_of(project), per_statement=per_statement)
    assert [s.version for s in report.steps] == ["1", "2"]
    assert project.query("SELECT add_one(41)") == [(42,)] and project.table_exists("after_function")
    assert project.query("SELECT statements_total FROM dbworkbench_history ORDER BY installed_rank") == [(0,), (2,)]


@pytest.mark.parametrize("per_statement", [False, True], ids=["batched", "per-statement"])
def test_cancel_stops_the_server_statement_and_rolls_back(project: Project, settings_of: Any,
                                                          per_statement: bool) -> None:
    project.write("V1__ok.sql", "CREATE TABLE ok (x int);\n")
    project.write("V2__slow.sql", "CREATE TABLE half (x int);\nSELECT pg_sleep(30);\nCREATE TABLE never (x int);\n")
    token = CancelToken()
    started = threading.Event()

    def on_event(event: ev.EngineEvent) -> None:
        if isinstance(event, ev.MigrationStarted) and event.script.endswith("V2__slow.sql"):
            started.set()

    def cancel_when_running() -> None:
        started.wait(10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not project.query(
                "SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' "
                "AND state = 'active' AND datname = current_database() AND pid <> pg_backend_pid()")[0][0]:
            time.sleep(0.02)
        token.cancel()

    canceller = threading.Thread(target=cancel_when_running)
    canceller.start()
    begun = time.monotonic()
    with pytest.raises(MigrationInterruptedError, match="rolled back"):
        migrations.migrate(settings_of(project), on_event=on_event, cancel=token, per_statement=per_statement)
    canceller.join()
    assert time.monotonic() - begun < 15, "the server statement was cancelled, not waited for"
    assert project.table_exists("ok") and not project.table_exists("half")
    assert project.query("SELECT count(*) FROM dbworkbench_history_events WHERE action = 'failed'") == [(0,)]


def test_timeouts_apply_to_the_migration_session(project: Project, settings_of: Any) -> None:
    config = project.root / "dbworkbench.toml"
    config.write_text(config.read_text().replace(f'url = "{project.conninfo}"\n',
                                                 f'url = "{project.conninfo}"\nstatement_timeout = "200ms"\n', 1))
    project.write("V1__slow.sql", "SELECT pg_sleep(2);\n")
    with pytest.raises(MigrationFailedError) as caught:
        migrations.migrate(settings_of(project))
    assert caught.value.failure.sqlstate == "57014"
