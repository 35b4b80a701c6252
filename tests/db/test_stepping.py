"""Stepping into a pending file statement by statement on real servers: what each statement did (rows, locks, the
schema so far), rollback leaving nothing, commit recording it as migrate would, and a protected database stepped
only on a scratch copy."""

from __future__ import annotations

from typing import Any

import pytest

from dbworkbench.app import inspection, migrations
from dbworkbench.app.stepping import step_into
from dbworkbench.errors import MigrationFailedError, PlanError
from tests.conftest import Project

FILE = "UPDATE t SET x = x + 1;\nALTER TABLE t ADD COLUMN y int;\n-- @undo\nALTER TABLE t DROP COLUMN y;\n"


def with_table(project: Project, settings_of: Any, env: str | None = None) -> None:
    project.write("V1__t.sql", "CREATE TABLE t (x int);\nINSERT INTO t SELECT generate_series(1, 25);\n")
    migrations.migrate(settings_of(project, env=env), confirm=lambda request: True)
    project.write("V2__change.sql", FILE)


def test_each_statement_reports_rows_locks_and_the_schema_so_far_and_rollback_leaves_nothing(
        any_project: Project, settings_of: Any) -> None:
    project = any_project
    with_table(project, settings_of)
    session = step_into(settings_of(project))
    assert not session.on_scratch and [line for line, _ in session.statements] == [1, 2]
    first = session.next()
    assert first.rows == 25 and "t: RowExclusiveLock" in first.locks and first.schema_so_far == ()
    second = session.next()
    assert "t: AccessExclusiveLock" in second.locks and session.done
    assert any("ADD COLUMN" in ddl and '"y"' in ddl for ddl in second.schema_so_far), second.schema_so_far
    session.rollback()
    assert project.query("SELECT sum(x) FROM t") == [(325,)], "the update was rolled back"
    assert project.query("SELECT count(*) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'y'") \
        == [(0,)]
    assert [e.state.value for e in inspection.status(settings_of(project)).entries] == ["applied", "pending"]
    migrations.migrate(settings_of(project))  # the migration lock was released
    assert project.query("SELECT sum(x) FROM t") == [(350,)]


def test_commit_records_the_file_as_migrate_would(project: Project, settings_of: Any) -> None:
    with_table(project, settings_of)
    session = step_into(settings_of(project), "2")
    session.next()
    with pytest.raises(PlanError, match="statements remain"):
        session._stepper.commit()  # type: ignore[union-attr]  # the engine's own refusal, before the last one
    session.next()
    session.commit()
    report = inspection.validate(settings_of(project))
    assert report.ok and [e.state.value for e in report.status.entries] == ["applied", "applied"]
    assert project.query("SELECT action FROM dbworkbench_history_events ORDER BY id DESC LIMIT 1") == [("applied",)]
    migrations.down(settings_of(project))
    assert project.query("SELECT count(*) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'y'") \
        == [(0,)], "its undo was recorded with it"


def test_a_protected_database_is_stepped_on_a_scratch_copy_only(project: Project, settings_of: Any) -> None:
    with_table(project, settings_of, env="prod")
    session = step_into(settings_of(project, env="prod"))
    assert session.on_scratch
    assert session.next().rows == 25
    session.next()
    with pytest.raises(PlanError, match="scratch copy"):
        session.commit()
    assert project.query("SELECT sum(x) FROM t", prod=True) == [(325,)]
    assert project.query("SELECT count(*) FROM dbworkbench_history", prod=True) == [(1,)]


def test_what_cannot_be_stepped_is_refused_before_anything_runs(project: Project, settings_of: Any) -> None:
    with_table(project, settings_of)
    with pytest.raises(PlanError, match="not the next file"):
        step_into(settings_of(project), "3")
    project.write("V2__change.sql", "-- dbworkbench:no-transaction\nCREATE INDEX CONCURRENTLY t_x ON t (x);\n")
    with pytest.raises(PlanError, match="outside a transaction"):
        step_into(settings_of(project))
    migrations.migrate(settings_of(project))  # nothing held the lock afterwards


def test_a_failing_statement_rolls_everything_back(project: Project, settings_of: Any) -> None:
    with_table(project, settings_of)
    project.write("V2__change.sql", "UPDATE t SET x = 0;\nINSERT INTO nope VALUES (1);\n")
    session = step_into(settings_of(project))
    session.next()
    with pytest.raises(MigrationFailedError, match="statement 2"):
        session.next()
    assert project.query("SELECT sum(x) FROM t") == [(325,)]
    project.write("V2__change.sql", FILE)
    migrations.migrate(settings_of(project))
