"""squash on a real product's migration set (harbor, 40 files: FKs, DO blocks, PL/pgSQL, data migrations): the
baseline at the last version is proved (same catalog, same rows), and a new database that runs it has the schema
and rows of one that ran the files (times aside: the files' now() ran at another moment)."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from tests.cli.helpers import run
from tests.conftest import Project, Server

HARBOR = Path(__file__).resolve().parents[1] / "data" / "harbor" / "sql"


def test_harbor_squashes_into_a_baseline_a_new_database_can_start_from(
        project: Project, pg18: Server, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.rmtree(project.sql_dir)
    shutil.copytree(HARBOR, project.sql_dir)
    last = max(int(p.name[1:].split("__")[0]) for p in HARBOR.glob("V*.sql"))
    code, out, err = run(capsys, "migrate")
    assert code == 0, out + err
    code, out, err = run(capsys, "squash", "--to", str(last), "--write")
    assert code == 0, out + err
    with pg18.admin() as admin:
        admin.execute("DROP DATABASE IF EXISTS harbor_new")
        admin.execute("CREATE DATABASE harbor_new")
    new_database = pg18.conninfo("harbor_new")
    try:
        _compare(project, capsys, new_database)
    finally:
        with pg18.admin() as admin:
            admin.execute("DROP DATABASE harbor_new WITH (FORCE)")


def _compare(project: Project, capsys: pytest.CaptureFixture[str], new_database: str) -> None:
    assert run(capsys, "migrate", "--url", new_database)[0] == 0
    with psycopg.connect(new_database) as conn:
        kinds = conn.execute("SELECT kind, count(*) FROM dbworkbench_history GROUP BY kind").fetchall()
    assert kinds == [("baseline", 1)]
    code, out, err = run(capsys, "diff", "--from", new_database, "--to", project.conninfo)
    assert code == 0 and "CREATE" not in out and "DROP" not in out, out + err
    tables = [r[0] for r in project.query("SELECT format('%I.%I', schemaname, tablename) FROM pg_tables WHERE "
                                          "schemaname = 'public' AND tablename NOT LIKE 'dbworkbench%'")]
    assert len(tables) > 30
    with psycopg.connect(new_database) as new, psycopg.connect(project.conninfo) as old:
        for table in tables:  # rows as the files left them; now() differs between two runs, so times are left out
            columns = [r[0] for r in old.execute(
                "SELECT quote_ident(attname) FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT "
                "attisdropped AND atttypid NOT IN ('timestamp'::regtype, 'timestamptz'::regtype, 'date'::regtype) "
                "ORDER BY attnum", (table,)).fetchall()]
            row = f"({', '.join(columns)})::text" if columns else "''"
            query = f"SELECT count(*), md5(coalesce(string_agg({row}, ',' ORDER BY {row}), '')) FROM {table}"
            assert new.execute(query).fetchone() == old.execute(query).fetchone(), table
    assert run(capsys, "validate", "--url", new_database)[0] == 0
    assert run(capsys, "drift", "--url", new_database)[0] == 0
