"""`breaks-query-*` against real servers: `lint --pending` qualifies the application's queries against the target's
own tables (a table made by hand, which no file creates, is known), reads `pg_stat_statements` where the server
preloads it, and a protected database refuses a breaking file until it is approved."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from dbworkbench.core.embedded import EmbeddedServer
from tests.cli.helpers import run
from tests.conftest import Project


@pytest.fixture
def app_project(any_project: Project) -> Project:
    any_project.write("V1__init.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, note text, status text);\n")
    (any_project.root / "queries").mkdir()
    (any_project.root / "queries" / "app.sql").write_text(
        "SELECT id, flag FROM legacy WHERE id = $1;\nSELECT note FROM orders;\n")
    return any_project


def _breaks(out: str) -> list[str]:
    return sorted(f["rule"] for f in json.loads(out)["findings"] if f["rule"].startswith("breaks-query"))


def test_lint_pending_qualifies_queries_against_the_target_s_own_tables(
        app_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "migrate")[0] == 0
    app_project.query("CREATE TABLE legacy (id bigint, flag boolean)")  # made by hand: no file knows it
    app_project.write("V2__tidy.sql", "ALTER TABLE legacy DROP COLUMN flag;\nALTER TABLE orders DROP COLUMN status;\n")
    code, out, _ = run(capsys, "lint", "--pending", "--json")
    assert code == 6 and _breaks(out) == ["breaks-query-dropped-column"], out
    assert "public.legacy.flag breaks 1 application query" in out, out
    code, out, _ = run(capsys, "lint", "--json")
    assert "breaks-query-unchecked" in out and "public.legacy.flag breaks" not in out, \
        "from the files alone legacy is unknown: the query is counted, not checked"


def test_a_protected_database_refuses_a_breaking_file_until_it_is_approved(
        app_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "migrate", "--env", "prod", "--yes")[0] == 0
    app_project.write("V2__drop_note.sql", "-- dbworkbench:allow ban-drop-column because reviewed\n"
                                           "ALTER TABLE orders DROP COLUMN note;\n")
    code, _, err = run(capsys, "migrate", "--env", "prod", "--yes")
    assert code == 2 and "breaks-query-dropped-column" in err, err
    assert app_project.query("SELECT count(*) FROM information_schema.columns WHERE column_name = 'note'",
                             prod=True) == [(1,)]
    code, _, err = run(capsys, "approve", "2", "--rule", "ban-drop-column", "--rule", "breaks-query-dropped-column",
                       "--reason", "the app stopped reading note in 4.2")
    assert code == 0, err
    assert run(capsys, "migrate", "--env", "prod", "--yes")[0] == 0


@pytest.fixture(scope="module")
def statements_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """An embedded PostgreSQL 18 preloading pg_stat_statements."""
    server = EmbeddedServer(tmp_path_factory.mktemp("pgss") / "pgdata")
    server.ensure_running()
    server.stop()
    with (server.data_dir / "postgresql.conf").open("a") as conf:
        conf.write("\nshared_preload_libraries = 'pg_stat_statements'\n")
    status = server.ensure_running()
    try:
        with psycopg.connect(status.conninfo("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE app")
        yield status.conninfo("app")
    finally:
        server.stop()
        shutil.rmtree(server.data_dir, ignore_errors=True)


def test_queries_the_application_ran_come_from_pg_stat_statements(
        statements_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "V1__init.sql").write_text("CREATE TABLE orders (id bigint PRIMARY KEY, note text);\n")
    (tmp_path / "dbworkbench.toml").write_text(f'default_env = "app"\n[environments.app]\nurl = "{statements_server}"\n')
    assert run(capsys, "migrate")[0] == 0
    with psycopg.connect(statements_server, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        for i in range(3):
            conn.execute("SELECT note FROM orders WHERE id = %s", (i,))
    (tmp_path / "sql" / "V2__drop_note.sql").write_text("ALTER TABLE orders DROP COLUMN note;\n")
    code, out, _ = run(capsys, "lint", "--pending", "--json")
    assert code == 6 and "breaks-query-dropped-column" in _breaks(out), out
    assert "pg_stat_statements `SELECT note FROM orders WHERE id = $1`" in out, out


def test_queries_the_server_logged_are_read_from_its_own_log(project: Project, pg18: object,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__orders.sql", "CREATE TABLE logged_orders (id bigint PRIMARY KEY, note text, total numeric);\n")
    assert run(capsys, "migrate")[0] == 0
    with psycopg.connect(project.conninfo, autocommit=True) as conn:
        conn.execute("SET log_statement = 'all'")
        conn.execute("SELECT id, note FROM logged_orders WHERE id = 1")
        conn.execute("SELECT id,\n       total\n  FROM logged_orders")
        conn.execute("SELECT note FROM logged_orders WHERE id = %s", [7])  # logged as `execute <unnamed>: … $1`
        conn.execute("ALTER TABLE logged_orders ADD COLUMN IF NOT EXISTS note text")  # DDL: not a query
        data_dir = Path(str(conn.info.host))
    log = (data_dir.parent / "server.log").read_text()
    assert "logged_orders" in log, "the server wrote the statements to its log"
    (project.root / "queries").mkdir()
    (project.root / "queries" / "pg.log").write_text(log)
    project.write("V2__reshape.sql", "ALTER TABLE logged_orders DROP COLUMN note;\n"
                  "ALTER TABLE logged_orders RENAME COLUMN total TO amount;\n")
    code, out, _ = run(capsys, "lint", "--pending", "--json")
    found = [f for f in json.loads(out)["findings"] if f["rule"].startswith("breaks-query")]
    assert code == 6 and sorted({f["rule"] for f in found}) == ["breaks-query-dropped-column",
                                                                 "breaks-query-renamed-column"], out
    text = json.dumps(found)
    assert "queries/pg.log:" in text and "2 application queries" in text, text  # the two reading note
    assert "ADD COLUMN" not in text
