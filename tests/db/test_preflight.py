"""The pre-flight on real servers (the embedded 18, and 15 as the non-superuser owner over TCP): a real open
transaction holding a lock is named and blocks the verdict, the static lock table agrees with what PostgreSQL
actually takes, and nothing is ever run on the target."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from dbworkbench.app import migrations, preflight
from dbworkbench.app.preflight import Verdict
from dbworkbench.cli import main
from dbworkbench.core.lock_modes import LockMode, conflicts, lock_needed
from tests.conftest import Project


def with_lock_timeout(project: Project) -> None:
    config = project.root / "dbworkbench.toml"
    config.write_text(config.read_text().replace("[environments.test]\n", '[environments.test]\nlock_timeout = "3s"\n'))


def test_an_open_transaction_holding_the_table_blocks_and_is_named(any_project: Project, settings_of: Any,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    project = any_project
    with_lock_timeout(project)
    project.write("V1__t.sql", "CREATE TABLE t (x int);\nINSERT INTO t SELECT generate_series(1, 500);\n"
                               "ANALYZE t;\n")
    migrations.migrate(settings_of(project))
    project.write("V2__add.sql", "ALTER TABLE t ADD COLUMN y int;\n")
    with psycopg.connect(project.conninfo, application_name="report-job") as holder:
        holder.execute("SELECT count(*) FROM t").fetchone()  # a transaction now holds ACCESS SHARE on t
        pid = holder.info.backend_pid
        report = preflight.preflight(settings_of(project))
        assert report.verdict is Verdict.BLOCKED, report.lines
        assert f"pid {pid}" in report.verdict_line and "AccessShareLock" in report.verdict_line
        assert f"pg_cancel_backend({pid})" in report.verdict_line and "lock_timeout 3s" in report.verdict_line
        held = next(h for h in report.holders if h.pid == pid)
        assert held.application == "report-job" and held.blocks == (0,) and held.table in ("t", "public.t")
        assert report.tables[0].name == "t" and report.tables[0].rows == 500
        assert report.statements[0].mode is LockMode.AccessExclusiveLock
        capsys.readouterr()
        assert main(["preflight", "--json"]) == 4
        assert '"verdict": "blocked"' in capsys.readouterr().out
    assert project.query("SELECT count(*) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'y'") \
        == [(0,)], "the pre-flight runs nothing"
    assert preflight.preflight(settings_of(project)).verdict is Verdict.CLEAR


def test_without_lock_timeout_a_strong_lock_is_a_caution(project: Project, settings_of: Any) -> None:
    project.write("V1__t.sql", "CREATE TABLE t (x int);\n")
    migrations.migrate(settings_of(project))
    project.write("V2__idx.sql", "CREATE INDEX t_x ON t (x);\n")
    report = preflight.preflight(settings_of(project))
    assert report.verdict is Verdict.CAUTION and "no lock_timeout" in report.verdict_line


def test_concurrently_behind_an_old_transaction_is_a_caution(project: Project, settings_of: Any,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    with_lock_timeout(project)
    project.write("V1__t.sql", "CREATE TABLE t (x int);\nCREATE TABLE other (x int);\n")
    migrations.migrate(settings_of(project))
    project.write("V2__idx.sql", "CREATE INDEX CONCURRENTLY t_x ON t (x);\n")
    monkeypatch.setattr(preflight, "LONG_TRANSACTION_SECONDS", 0)
    with psycopg.connect(project.conninfo) as old:
        old.execute("SELECT count(*) FROM other").fetchone()
        pid = old.info.backend_pid
        report = preflight.preflight(settings_of(project))
    assert report.verdict is Verdict.CAUTION and "CONCURRENTLY waits" in report.verdict_line, report.lines
    assert any(t.pid == pid for t in report.long_transactions)


def test_nothing_pending_or_an_applied_version_is_a_clear_error(project: Project,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preflight"]) == 2 and "nothing is pending" in capsys.readouterr().err
    project.write("V1__t.sql", "CREATE TABLE t (x int);\n")
    assert main(["migrate"]) == 0
    capsys.readouterr()
    assert main(["preflight", "1"]) == 2 and "not a pending migration" in capsys.readouterr().err


STATEMENTS = [
    "ALTER TABLE t ADD COLUMN z int",
    "ALTER TABLE t ALTER COLUMN x SET NOT NULL",
    "ALTER TABLE t VALIDATE CONSTRAINT t_x_positive",
    "ALTER TABLE t SET (fillfactor = 90)",
    "ALTER TABLE t ADD CONSTRAINT t_r_fk FOREIGN KEY (r) REFERENCES r (id) NOT VALID",
    "CREATE INDEX t_x2 ON t (x)",
    "CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch()",
    "DROP TABLE t",
    "TRUNCATE t",
    "INSERT INTO t (x) VALUES (1)",
    "UPDATE t SET x = x + 1",
    "DELETE FROM t",
    "SELECT * FROM t",
    "COMMENT ON TABLE t IS 'the t'",
    "COMMENT ON COLUMN public.t.x IS 'an x'",
    "LOCK TABLE t IN SHARE MODE",
    "LOCK TABLE t",
    "ALTER TABLE t ALTER COLUMN x SET STATISTICS 500",
    "ALTER TABLE t ALTER COLUMN x TYPE bigint",
    "REINDEX TABLE t",

]


@pytest.mark.parametrize("statement", STATEMENTS)
def test_the_static_lock_is_the_one_postgresql_takes(database: str, statement: str) -> None:
    """The oracle is the server: run the statement in a rolled-back transaction, read pg_locks for `t`."""
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute("CREATE TABLE r (id int PRIMARY KEY); CREATE TABLE t (x int, r int, "
                     "CONSTRAINT t_x_positive CHECK (x > 0) NOT VALID); "
                     "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$")
        oid = conn.execute("SELECT 't'::regclass::oid").fetchone()[0]  # type: ignore[index]
        with conn.transaction(force_rollback=True):
            conn.execute(statement)
            held = {str(r[0]) for r in conn.execute(
                "SELECT mode FROM pg_locks WHERE relation = %s AND pid = pg_backend_pid()", [oid])}
    strongest = max(LockMode[m] for m in held)
    need = lock_needed(statement)
    assert need.mode is strongest, (statement, need, held)
    assert {"t", "public.t"} & set(need.tables), need


def test_the_conflict_table_is_postgresqls() -> None:
    assert conflicts(LockMode.AccessExclusiveLock, "AccessShareLock")
    assert not conflicts(LockMode.ShareUpdateExclusiveLock, "RowExclusiveLock")
    assert conflicts(LockMode.ShareLock, "RowExclusiveLock") and not conflicts(LockMode.ShareLock, "ShareLock")
    assert conflicts(LockMode.ShareUpdateExclusiveLock, "ShareUpdateExclusiveLock")
    assert not conflicts(LockMode.RowExclusiveLock, "RowExclusiveLock") and not conflicts(LockMode.RowExclusiveLock,
                                                                                           "nonsense")
    for mode in LockMode:  # the table is symmetric, as the documentation's is
        for other in LockMode:
            assert conflicts(mode, other.name) == conflicts(other, mode.name), (mode, other)
