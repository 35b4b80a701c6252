"""The shipped pytest plugin: registered as a `pytest11` entry point, it gives an application's own tests a fresh
migrated database each (history included), isolated from one another, and a project that fails to migrate fails
the test with a one-line reason instead of a traceback."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

from tests.conftest import Server

APP_TESTS = '''
import psycopg

def test_first_sees_the_schema_and_writes(dbworkbench_database):
    with psycopg.connect(dbworkbench_database) as conn:
        conn.execute("INSERT INTO account (name) VALUES ('a')")
        assert conn.execute("SELECT version FROM dbworkbench_history WHERE version = '2'").fetchone() == ('2',)

def test_second_gets_a_database_of_its_own(dbworkbench_database):
    with psycopg.connect(dbworkbench_database) as conn:
        assert conn.execute("SELECT count(*) FROM account").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM account_names").fetchone() == (0,)
'''


def _app(root: Path, scratch: str) -> None:
    (root / "db" / "sql").mkdir(parents=True)
    (root / "db" / "dbworkbench.toml").write_text(f'scratch_url = "{scratch}"\n')
    (root / "db" / "sql" / "V1__account.sql").write_text("CREATE TABLE account (id serial PRIMARY KEY, name text);\n")
    (root / "db" / "sql" / "V2__index.sql").write_text("CREATE INDEX account_name ON account (name);\n")
    (root / "db" / "sql" / "R__names.sql").write_text("CREATE OR REPLACE VIEW account_names AS SELECT name FROM account;\n")
    (root / "pytest.ini").write_text("[pytest]\ndbworkbench_project = db\n")
    (root / "test_app.py").write_text(APP_TESTS)


def _pytest(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_app.py"],
                          cwd=root, capture_output=True, text=True, timeout=300)


def test_the_plugin_is_an_entry_point() -> None:
    assert "dbworkbench.pytest_plugin" in {e.value for e in entry_points(group="pytest11")}


def test_an_applications_tests_get_fresh_migrated_databases(tmp_path: Path, pg18: Server) -> None:
    _app(tmp_path, pg18.conninfo())
    run = _pytest(tmp_path)
    assert run.returncode == 0 and "2 passed" in run.stdout, run.stdout + run.stderr


def test_a_project_that_does_not_migrate_fails_the_test_in_one_line(tmp_path: Path, pg18: Server) -> None:
    _app(tmp_path, pg18.conninfo())
    (tmp_path / "db" / "sql" / "V3__bad.sql").write_text("ALTER TABLE nope ADD COLUMN x int;\n")
    run = _pytest(tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "dbworkbench_database: " in run.stdout and "V3__bad.sql" in run.stdout, run.stdout
    assert "Traceback" not in run.stdout
