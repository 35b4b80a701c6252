"""The CLI in-process: exit codes, stdout/stderr, and a clear one-paragraph error for every bad input."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import psycopg
import pytest

from tests.cli.helpers import run
from tests.conftest import Project, Server


def assert_clean_error(err: str, *fragments: str) -> None:
    assert err.startswith("error: "), err
    assert "Traceback" not in err
    for fragment in fragments:
        assert fragment in err, err


def demo(project: Project) -> None:
    project.write("V001__accounts.sql", "CREATE TABLE accounts (id int PRIMARY KEY);\n-- @undo\nDROP TABLE accounts;\n")
    project.write("V002__projects.sql", "CREATE TABLE projects (id int REFERENCES accounts);\n-- @undo\nDROP TABLE projects;\n")


def test_status_migrate_history_show_and_json(any_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project = any_project  # each server, PostgreSQL 15 also as a non-superuser owner over TCP
    demo(project)
    code, out, _ = run(capsys, "status")
    assert code == 0 and "pending 2" in out and "· pending" in out
    code, out, err = run(capsys, "migrate", "-v")
    assert code == 0 and "2 file(s) done" in out
    assert "[1/1] line 1: CREATE TABLE accounts" in err and "✓ applied sql/V002__projects.sql" in err
    code, out, _ = run(capsys, "status", "--json")
    data = json.loads(out)
    assert [m["state"] for m in data["migrations"]] == ["applied", "applied"] and data["current_version"] == "2"
    code, out, _ = run(capsys, "history", "--json")
    assert [e["action"] for e in json.loads(out)] == ["applied", "applied"]
    code, out, _ = run(capsys, "show", "1")
    assert code == 0 and "CREATE TABLE accounts" in out and "DROP TABLE accounts" in out
    code, out, _ = run(capsys, "down", "--json")
    assert json.loads(out)["steps"][0]["version"] == "2"
    code, out, _ = run(capsys, "validate")
    assert code == 0 and out.startswith("valid:")


def test_new_creates_the_next_file(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    demo(project)
    code, out, _ = run(capsys, "new", "Add the Labels table!")
    assert code == 0 and out.strip() == "created sql/V003__add_the_labels_table.sql"
    assert "-- @undo" in (project.sql_dir / "V003__add_the_labels_table.sql").read_text()


def test_tampered_file_fails_validate_and_migrate(any_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project = any_project  # each server, PostgreSQL 15 also as a non-superuser owner over TCP
    demo(project)
    assert run(capsys, "migrate")[0] == 0
    (project.sql_dir / "V001__accounts.sql").write_text("CREATE TABLE accounts (id bigint PRIMARY KEY);\n")
    code, out, _ = run(capsys, "validate")
    assert code == 5 and "V001__accounts.sql: checksum mismatch" in out
    code, _, err = run(capsys, "migrate")
    assert code == 5
    assert_clean_error(err, "checksum mismatch", "dbworkbench show 1")
    code, out, _ = run(capsys, "show", "1")
    assert "-CREATE TABLE accounts (id int PRIMARY KEY);" in out and "+CREATE TABLE accounts (id bigint PRIMARY KEY);" in out


def test_bad_file_names_and_duplicates_list_every_file(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    demo(project)
    project.write("V1__duplicate.sql", "select 1;")
    project.write("add_users.sql", "select 1;")
    code, _, err = run(capsys, "migrate")
    assert code == 2
    assert_clean_error(err, "bad migration files", "V1__duplicate.sql", "add_users.sql", "nothing was run")
    assert not project.table_exists("dbworkbench_history")


def test_sql_syntax_error_is_reported_with_position(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__typo.sql", "CREATE TABLE t (x int);\nCREAT INDEX i ON t (x);\n")
    code, _, err = run(capsys, "migrate")
    assert code == 2
    assert_clean_error(err, "SQL syntax error", "sql/V1__typo.sql:2:1", 'at or near "CREAT"')


def test_runtime_error_reports_file_line_column_and_sqlstate(any_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project = any_project  # each server, PostgreSQL 15 also as a non-superuser owner over TCP
    project.write("V1__fk.sql", "CREATE TABLE a (x int);\n\nALTER TABLE a ADD FOREIGN KEY (x) REFERENCES missing (id);\n")
    code, _, err = run(capsys, "migrate")
    assert code == 1
    assert_clean_error(err, "migration failed", "sql/V1__fk.sql:3:", "SQLSTATE 42P01", "rolled back")


def test_unreachable_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sql").mkdir()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    code, _, err = run(capsys, "status", "--url", f"postgresql://nobody:hunter2@127.0.0.1:{port}/db")
    assert code == 3
    assert_clean_error(err, "cannot connect", f"127.0.0.1:{port}")
    assert "hunter2" not in err


def test_wrong_password_never_printed(pg18: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    hba = pg18.status.data_dir / "pg_hba.conf"
    original = hba.read_text()
    with pg18.admin() as conn:
        conn.execute("DROP ROLE IF EXISTS pw_user")
        conn.execute("CREATE ROLE pw_user LOGIN PASSWORD 'right-horse'")
    hba.write_text("local all pw_user scram-sha-256\n" + original)
    try:
        with pg18.admin() as conn:
            conn.execute("SELECT pg_reload_conf()")
        monkeypatch.chdir(tmp_path)
        (tmp_path / "sql").mkdir()
        url = f"postgresql://pw_user:battery-staple@/postgres?host={pg18.status.socket_dir}"
        code, out, err = run(capsys, "status", "--url", url)
        assert code == 3
        assert_clean_error(err, "password authentication failed", "The password was refused")
        assert "battery-staple" not in err + out
        monkeypatch.setenv("PGPASSWORD", "right-horse")
        code, out, err = run(capsys, "status", "--url", f"postgresql://pw_user@/postgres?host={pg18.status.socket_dir}")
        assert code == 0, err
        assert "right-horse" not in out + err
    finally:
        hba.write_text(original)
        with pg18.admin() as conn:
            conn.execute("SELECT pg_reload_conf()")


def test_missing_environment_variable(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    (project.root / "dbworkbench.toml").write_text('[environments.staging]\nurl = "${STAGING_DATABASE_URL}"\n')
    code, _, err = run(capsys, "status", "--env", "staging")
    assert code == 2
    assert_clean_error(err, "missing environment variable", "STAGING_DATABASE_URL", "[environments.staging] url")


def test_unknown_config_key(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    (project.root / "dbworkbench.toml").write_text('migration_dir = "sql"\n')
    code, _, err = run(capsys, "status")
    assert code == 2
    assert_clean_error(err, "unknown key(s) migration_dir", "dbworkbench.toml")


def test_protected_environment_refuses_without_typed_confirmation(any_project: Project,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    project = any_project  # each server, PostgreSQL 15 also as a non-superuser owner over TCP
    demo(project)
    code, _, err = run(capsys, "migrate", "--env", "prod")
    assert code == 2
    assert_clean_error(err, "protected environment", "--yes")
    assert not project.table_exists("accounts", prod=True)
    code, _, err = run(capsys, "migrate", "--env", "prod", "--yes")
    assert code == 0 and project.table_exists("projects", prod=True)
    code, _, err = run(capsys, "clean", "--env", "prod", "--yes")
    assert code == 2
    assert_clean_error(err, "refused")


def test_bad_version_arguments(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    demo(project)
    code, _, err = run(capsys, "migrate", "--to", "1.x")
    assert code == 2
    assert_clean_error(err, "'1.x' is not a version")
    code, _, err = run(capsys, "down")
    assert code == 2
    assert_clean_error(err, "nothing is applied")


def test_dry_run_on_the_cli(any_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project = any_project  # each server, PostgreSQL 15 also as a non-superuser owner over TCP
    demo(project)
    code, out, _ = run(capsys, "migrate", "--dry-run")
    assert code == 0 and "CREATE TABLE accounts" in out and "COMMIT;" in out
    with psycopg.connect(project.conninfo) as conn:
        assert conn.execute("SELECT to_regclass('accounts')").fetchone() == (None,)


def test_lint_exit_codes_json_and_pending(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__table.sql", "CREATE TABLE orders (id int, code text);\nCREATE INDEX o_code ON orders (code);\n")
    project.write("V2__index.sql", "SET lock_timeout = '5s';\nCREATE INDEX o_id ON orders (id);\n")
    code, out, _ = run(capsys, "lint")
    assert code == 6
    assert "sql/V2__index.sql:2:22: error [require-concurrent-index-creation]" in out
    assert "V1__table.sql" not in out.split("file(s) linted")[0], "an index on a table created in the same file is fine"
    code, out, _ = run(capsys, "lint", "--json")
    assert [f["rule"] for f in json.loads(out)["findings"]] == ["require-concurrent-index-creation"]
    assert run(capsys, "migrate", "--steps", "1")[0] == 0
    code, out, _ = run(capsys, "lint", "--pending")
    assert code == 6 and "2 file(s)" not in out and "1 file(s) linted for PostgreSQL" in out
    (project.sql_dir / "V2__index.sql").write_text("SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY o_id ON orders (id);\n")
    code, out, _ = run(capsys, "lint", "--pending")
    assert code == 0 and "0 unsafe" in out


def test_unsafe_change_needs_an_approval_bound_to_the_file(project: Project, capsys: pytest.CaptureFixture[str],
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBWORKBENCH_REVIEWER", "Grace Reviewer")
    for prod in (False, True):
        project.query("CREATE TABLE orders (id int, code text)", prod=prod)
    project.write("V1__index.sql", "SET lock_timeout = '5s';\nCREATE INDEX o_code ON orders (code);\n")
    project.write("V2__drop.sql", "ALTER TABLE orders DROP COLUMN code;\n")
    code, _, err = run(capsys, "migrate", "--env", "prod", "--yes")
    assert code == 2
    assert_clean_error(err, "approval required", "sql/V1__index.sql:2:24 [require-concurrent-index-creation]",
                       "[ban-drop-column]", "dbworkbench approve")
    assert not project.table_exists("dbworkbench_history", prod=True)
    code, _, err = run(capsys, "approve", "1", "--rule", "ban-drop-column", "--reason", "typo")
    assert code == 2 and "has no finding for ban-drop-column" in err
    assert run(capsys, "approve", "1", "--rule", "require-concurrent-index-creation", "--reason",
               "orders has 12 rows in production")[0] == 0
    assert run(capsys, "approve", "2", "--rule", "ban-drop-column", "--reason", "code unused since 4.2")[0] == 0
    approval = (project.root / "approvals" / "V1.toml").read_text()
    assert 'reviewer = "Grace Reviewer"' in approval and "checksum" in approval
    code, out, _ = run(capsys, "lint")
    assert code == 0 and "approved by Grace Reviewer [require-concurrent-index-creation]" in out
    (project.sql_dir / "V2__drop.sql").write_text("ALTER TABLE orders DROP COLUMN code, DROP COLUMN id;\n")
    code, _, err = run(capsys, "migrate", "--env", "prod", "--yes")
    assert code == 2 and "earlier version of the file" in err
    assert run(capsys, "migrate", "--env", "prod", "--yes", "--steps", "1")[0] == 0
    assert project.query("SELECT count(*) FROM pg_indexes WHERE indexname = 'o_code'", prod=True) == [(1,)]
    assert run(capsys, "migrate", "--yes")[0] == 0, "an unprotected environment needs no approval"


def test_the_demo_project_migrates_on_a_protected_environment(project: Project,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "sql", project.sql_dir, dirs_exist_ok=True)
    shutil.copytree(root / "approvals", project.root / "approvals")
    config = project.root / "dbworkbench.toml"
    config.write_text(config.read_text() + '\n[placeholders]\ncompany = "Example Co"\n')
    code, out, err = run(capsys, "migrate", "--env", "prod", "--yes")
    assert code == 0, err
    assert "13 file(s) done" in out


def test_diff_between_folders(project: Project, capsys: pytest.CaptureFixture[str], tmp_path: Path,
                              settings_of: object) -> None:
    from dbworkbench.core.db import embedded_server

    before, after = tmp_path / "before", tmp_path / "after"
    before.mkdir()
    after.mkdir()
    (before / "1.sql").write_text("CREATE TABLE t (id int PRIMARY KEY, old_name text, legacy text);\n")
    (after / "1.sql").write_text("CREATE TABLE t (id int PRIMARY KEY, new_name text);\nCREATE INDEX t_n ON t (new_name);\n")
    try:
        code, out, _ = run(capsys, "diff", "--from", str(before), "--to", str(after), "--rename",
                           "public.t.old_name=new_name")
        assert code == 0
        assert 'RENAME COLUMN "old_name" TO "new_name";' in out and "CREATE INDEX t_n" in out
        assert "-- withheld, because they lose data" in out and 'DROP COLUMN "legacy"' in out
        code, out, _ = run(capsys, "diff", "--from", str(before), "--to", str(after), "--allow-data-loss", "--json")
        data = json.loads(out)
        assert data["withheld"] == [] and any("DROP COLUMN" in c["sql"] for c in data["changes"])
        code, out, _ = run(capsys, "diff", "--from", str(after), "--to", str(after))
        assert out.strip() == "-- the schemas are the same"
    finally:
        embedded_server(settings_of(project)).stop()  # type: ignore[operator]


def test_schema_json_is_the_whole_model_one_object_per_line(any_project: Project,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Every field of every object, names of any spelling, one object per line under its kind."""
    import dataclasses

    from dbworkbench.core.history import hidden_relations
    from dbworkbench.schema.introspect import introspect

    any_project.write("V1__odd.sql", 'CREATE SCHEMA "we""ird ü";\nCREATE TABLE "we""ird ü"."T ""1""" '
                      "(id int PRIMARY KEY, note text DEFAULT 'a\\\\b\"c' CHECK (note <> ''));\n"
                      "CREATE VIEW v AS SELECT 1 AS one;\nCREATE TYPE mood AS ENUM ('ok', 'née');\n")
    code, _, err = run(capsys, "migrate")
    assert code == 0, err
    code, out, _ = run(capsys, "schema", "--json")
    assert code == 0
    data = json.loads(out)
    with psycopg.connect(any_project.conninfo) as conn:
        model = introspect(conn, hidden=hidden_relations("dbworkbench_history", "public"))
    expected = json.loads(json.dumps(dataclasses.asdict(model)))
    assert data == expected
    table = data["tables"]['we"ird ü.T "1"']
    assert [c["name"] for c in table["columns"]] == ["id", "note"] and table["constraints"]
    assert data["enums"]["public.mood"]["labels"] == ["ok", "née"]
    lines = out.splitlines()
    assert sum(1 for line in lines if line.startswith('    "')) == sum(
        len(objects) for objects in data.values() if isinstance(objects, dict))
