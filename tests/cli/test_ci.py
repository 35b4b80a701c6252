"""ci: one command checks a change on scratch databases the way production will meet it. Each check fails with
the file it is about and the exit code of its kind; a check that needs the migrated database is skipped when
migrate failed; `--since` narrows lint and round trip to the files a branch changed; nothing in an environment is
written; the JUnit report is valid XML whose counts match the run."""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from tests.cli.helpers import run
from tests.conftest import Project, Server

TABLE = """
CREATE TABLE t (id int PRIMARY KEY, name text);
-- @undo
DROP TABLE t;
"""
COLUMN = """
ALTER TABLE t ADD COLUMN note text;
-- @undo
ALTER TABLE t DROP COLUMN note;
"""


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   check=True, capture_output=True)


def _committed(project: Project) -> Project:
    _git(project.root, "init", "-q", "-b", "main")
    _git(project.root, "add", "-A")
    _git(project.root, "commit", "-qm", "base")
    return project


def _checks(out: str) -> dict[str, dict[str, Any]]:
    report = json.loads(out)
    return {c["name"]: c for c in report["checks"]}


def _untouched(project: Project) -> None:
    """ci never writes the environments: no history table, no migrated table."""
    assert project.query("SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', "
                         "'information_schema')") == [(0,)]


def test_a_sound_project_passes_every_check_and_the_junit_report_counts_them(
        project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__t.sql", TABLE)
    project.write("V2__note.sql", COLUMN)
    project.write("V3__seedless.sql", "CREATE TABLE u (id int);\n")  # no undo: a skipped round trip
    seeds = project.root / "seeds"
    seeds.mkdir()
    (seeds / "V1__two_rows.sql").write_text("INSERT INTO t VALUES (1, 'a'), (2, 'b');\n")
    (project.root / "schema").mkdir()
    (project.root / "schema" / "t.sql").write_text(
        "CREATE TABLE t (id int PRIMARY KEY, name text, note text);\nCREATE TABLE u (id int);\n")
    _committed(project)
    (project.root / "reports").mkdir()
    code, out, err = run(capsys, "ci", "--junit", "reports/ci.xml")
    assert code == 0, out + err
    for name in ("files", "migrate", "history", "lint", "roundtrip", "plan", "drift", "conflicts", "seeds"):
        assert name in out, name
    assert "2 undo(s) proven, 0 failed, 1 file(s) without undo" in out, out
    assert "1 of 1 seed(s) migrated" in out, out
    suites = ET.parse(project.root / "reports" / "ci.xml").getroot()
    cases = suites.findall("./testsuite/testcase")
    assert int(suites.get("tests", "")) == len(cases) > 9
    assert int(suites.get("failures", "")) == 0 == len(suites.findall(".//failure"))
    assert int(suites.get("skipped", "")) == len(suites.findall(".//skipped")) >= 2  # drift, V3's round trip
    roundtrips = [c for c in cases if c.get("classname") == "dbworkbench.ci.roundtrip"]
    assert sorted(c.get("name", "") for c in roundtrips) == ["V1__t.sql", "V2__note.sql", "V3__seedless.sql"]
    _untouched(project)


def test_a_file_that_fails_is_named_and_what_needs_the_migrated_database_is_skipped(
        project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__t.sql", TABLE)
    project.write("V2__broken.sql", "ALTER TABLE t ADD COLUMN x int;\nALTER TABLE nowhere ADD COLUMN y int;\n")
    code, out, err = run(capsys, "ci", "--json")
    assert code == 1, out + err
    checks = _checks(out)
    assert checks["migrate"]["outcome"] == "fail"
    assert [c["name"] for c in checks["migrate"]["cases"]] == ["V2__broken.sql"]
    assert "nowhere" in checks["migrate"]["cases"][0]["message"]
    for skipped in ("history", "roundtrip", "plan", "seeds"):
        assert checks[skipped]["outcome"] == "skip", skipped
    assert checks["lint"]["outcome"] == "pass", "lint reads files; it does not need the database"
    assert "Traceback" not in err and "migrate" in err, "progress goes to stderr in JSON mode"
    _untouched(project)


def test_files_that_do_not_load_fail_first_with_exit_2(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__t.sql", TABLE)
    project.write("V1__again.sql", "SELECT 1;\n")
    code, out, err = run(capsys, "ci", "--json")
    assert code == 2, out + err
    checks = _checks(out)
    assert checks["files"]["outcome"] == "fail" and "V1" in checks["files"]["summary"] + str(checks["files"]["cases"])
    assert all(checks[n]["outcome"] == "skip" for n in ("migrate", "lint", "roundtrip", "conflicts", "seeds"))


def test_since_lints_and_round_trips_only_what_the_branch_changed(
        project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__t.sql", TABLE)
    project.write("V2__old_index.sql", "CREATE INDEX t_name ON t (name);\n")  # unsafe, but already merged
    _committed(project)
    assert run(capsys, "lint", "--since", "HEAD")[0] == 0, "nothing changed since HEAD"
    project.write("V3__new_index.sql", "CREATE INDEX t_id_name ON t (id, name);\n-- @undo\nDROP INDEX t_id_name;\n")
    code, out, _ = run(capsys, "ci", "--since", "HEAD", "--json")
    assert code == 6, out
    lint = _checks(out)["lint"]
    assert [(c["name"], c["outcome"]) for c in lint["cases"]] == [("V3__new_index.sql", "fail")], lint
    assert [c["name"] for c in _checks(out)["roundtrip"]["cases"]] == ["V3__new_index.sql"]
    code, out, _ = run(capsys, "lint", "--since", "HEAD")
    assert code == 6 and "V3__new_index.sql" in out and "V2__old_index.sql" not in out, out
    code, out, _ = run(capsys, "ci")
    assert code == 6 and "in 2 of 3 file(s) in the project" in out, "without --since every file is linted"


def test_a_ref_that_is_not_one_stops_before_any_check(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__t.sql", TABLE)
    _committed(project)
    for argv in (["ci", "--since", "no-such-branch"], ["lint", "--since", "no-such-branch"]):
        code, out, err = run(capsys, *argv)
        assert code == 2 and "bad git ref" in err and "no-such-branch" in err, err
        assert "Traceback" not in err and "migrate" not in out + err and out == "", "nothing ran"


def test_a_junit_path_in_a_missing_folder_is_refused_before_anything_runs(
        project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__t.sql", TABLE)
    code, out, err = run(capsys, "ci", "--junit", "no/such/folder/ci.xml")
    assert code == 2 and "no/such/folder" in err and "migrate" not in out, out + err


def test_an_undo_that_leaves_a_column_behind_fails_the_round_trip(
        project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__t.sql", TABLE)
    project.write("V2__two.sql", "ALTER TABLE t ADD COLUMN x int;\nALTER TABLE t ADD COLUMN y int;\n"
                                 "-- @undo\nALTER TABLE t DROP COLUMN x;\n")
    code, out, _ = run(capsys, "ci", "--json")
    assert code == 5, out
    roundtrip = {c["name"]: c for c in _checks(out)["roundtrip"]["cases"]}
    assert roundtrip["V1__t.sql"]["outcome"] == "pass"
    assert roundtrip["V2__two.sql"]["outcome"] == "fail" and "y" in roundtrip["V2__two.sql"]["message"], roundtrip


def test_migrations_that_do_not_reach_the_desired_schema_fail_plan(
        project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__t.sql", TABLE)
    (project.root / "schema").mkdir()
    (project.root / "schema" / "t.sql").write_text("CREATE TABLE t (id int PRIMARY KEY, name text, added date);\n")
    code, out, _ = run(capsys, "ci", "--json")
    assert code == 5, out
    plan = _checks(out)["plan"]
    assert plan["outcome"] == "fail" and "added" in plan["cases"][0]["message"], plan


def test_a_seed_a_later_migration_cannot_carry_fails_with_the_file_that_refused(
        project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__t.sql", TABLE)
    project.write("V2__reference.sql", "INSERT INTO t VALUES (1, 'the reference row');\n")
    seeds = project.root / "seeds"
    seeds.mkdir()
    (seeds / "V1__taken.sql").write_text("INSERT INTO t (id) VALUES (1);\n")
    (seeds / "V2__free.sql").write_text("INSERT INTO t VALUES (2, 'a');\n")
    (seeds / "V1__typo.sql").write_text("INSERT INTO t VALUES (1, 'a');\nINSERT INTO nowhere VALUES (2);\n")
    (seeds / "V1__latin1.sql").write_bytes("INSERT INTO t VALUES (3, 'caf\u00e9');\n".encode("latin-1"))
    (seeds / "V9__beyond.sql").write_text("SELECT 1;\n")
    code, out, _ = run(capsys, "ci", "--json")
    assert code == 1, out
    seeds_check = {c["name"]: c for c in _checks(out)["seeds"]["cases"]}
    assert seeds_check["seeds/V2__free.sql"]["outcome"] == "pass"
    assert seeds_check["seeds/V1__taken.sql"]["outcome"] == "fail"
    assert "V2__reference.sql" in seeds_check["seeds/V1__taken.sql"]["message"], seeds_check
    assert seeds_check["seeds/V1__typo.sql"]["outcome"] == "fail"
    assert "seeds/V1__typo.sql:2:" in seeds_check["seeds/V1__typo.sql"]["message"], seeds_check
    assert "UTF-8" in seeds_check["seeds/V1__latin1.sql"]["message"], seeds_check
    assert "no versioned migration file has version 9" in seeds_check["seeds/V9__beyond.sql"]["message"], seeds_check
    (seeds / "seed.sql").write_text("SELECT 1;\n")
    code, out, _ = run(capsys, "ci", "--json")
    assert code == 2 and "seeds/seed.sql" in json.dumps(_checks(out)["seeds"]), out
    _untouched(project)


def test_drift_of_a_named_environment_fails_and_is_only_read(
        project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__t.sql", TABLE)
    assert run(capsys, "migrate")[0] == 0
    assert run(capsys, "ci", "--drift-env", "test")[0] == 0
    project.query("ALTER TABLE t ADD COLUMN hotfix int")
    history = project.query("SELECT count(*) FROM dbworkbench_history")
    code, out, _ = run(capsys, "ci", "--drift-env", "test", "--json")
    assert code == 5, out
    drift = _checks(out)["drift"]
    assert drift["outcome"] == "fail" and "hotfix" in json.dumps(drift), drift
    assert project.query("SELECT count(*) FROM dbworkbench_history") == history
    assert run(capsys, "ci", "--drift-env", "nowhere")[0] == 2


def test_url_puts_the_scratch_databases_on_another_server_as_a_createdb_role(
        project: Project, pg15: Server, capsys: pytest.CaptureFixture[str]) -> None:
    password = "ci-Scratch-pa55-not-shown"
    with pg15.admin() as conn:
        conn.execute("SET password_encryption = 'scram-sha-256'")
        conn.execute("DROP ROLE IF EXISTS ci_scratch")
        conn.execute(sql.SQL("CREATE ROLE ci_scratch LOGIN CREATEDB PASSWORD {}").format(sql.Literal(password)))
    url = f"postgresql://ci_scratch:{password}@127.0.0.1:{pg15.status.port}/postgres"
    project.write("V1__t.sql", TABLE)
    project.write("V2__note.sql", COLUMN)
    try:
        code, out, err = run(capsys, "ci", "--url", url)
        assert code == 0, out + err
        assert password not in out + err
        with pg15.admin() as conn:
            owned = [r[0] for r in conn.execute(
                "SELECT datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE rolname = 'ci_scratch'")]
        assert owned and all(name.startswith("dbwb_tpl_") for name in owned), "scratch databases are dropped"
        with psycopg.connect(pg15.conninfo("postgres")) as conn:
            assert conn.execute("SELECT to_regclass('t')").fetchone() == (None,), "the URL's database is untouched"
    finally:
        with pg15.admin() as conn:
            for (name,) in conn.execute("SELECT datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba "
                                        "WHERE rolname = 'ci_scratch'").fetchall():
                conn.execute(sql.SQL("ALTER DATABASE {} IS_TEMPLATE false").format(sql.Identifier(name)))
                conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute("DROP ROLE ci_scratch")
    _untouched(project)


def test_a_scratch_server_that_cannot_serve_is_said_plainly(
        project: Project, pg15: Server, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    project.write("V1__t.sql", TABLE)
    with monkeypatch.context() as env:
        env.setenv("DBWORKBENCH_SCRATCH_URL", "postgresql://ci:pa55-unseen@127.0.0.1:1/x")
        for verb in (["undo", "1"], ["roundtrip"], ["drift"]):
            code, out, err = run(capsys, *verb)
            assert code == 3 and "scratch server" in err and "pa55-unseen" not in out + err, (verb, out, err)
    code, out, err = run(capsys, "ci", "--url", "postgresql://ci:pa55-unseen@127.0.0.1:1/x")
    assert code == 3 and "could not connect to the scratch server" in out and "pa55-unseen" not in out + err, out
    assert "Traceback" not in out + err and "internal error" not in out + err
    with pg15.admin() as conn:
        conn.execute("SET password_encryption = 'scram-sha-256'")
        conn.execute("DROP ROLE IF EXISTS ci_nocreate")
        conn.execute("CREATE ROLE ci_nocreate LOGIN PASSWORD 'pa55-unseen'")
    try:
        url = f"postgresql://ci_nocreate:pa55-unseen@127.0.0.1:{pg15.status.port}/postgres"
        code, out, err = run(capsys, "ci", "--url", url)
        assert code == 2 and "ALTER ROLE ci_nocreate CREATEDB" in out and "pa55-unseen" not in out + err, out
    finally:
        with pg15.admin() as conn:
            conn.execute("DROP ROLE ci_nocreate")


def test_lint_meets_the_earlier_files_as_they_ran(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    # the table is made inside a DO block: only a replay knows bio is text, which varchar(200) must check row by row
    project.write("V1__dynamic.sql", "DO $$ BEGIN EXECUTE 'CREATE TABLE accounts (id int PRIMARY KEY, bio text)'; "
                  "END $$;\n-- @undo\nDROP TABLE accounts;\n")
    project.write("V2__bio.sql", "SET lock_timeout = '5s';\nALTER TABLE accounts ALTER COLUMN bio TYPE varchar(200);\n"
                  "-- @undo\nALTER TABLE accounts ALTER COLUMN bio TYPE text;\n")
    assert run(capsys, "lint", "sql/V2__bio.sql")[0] == 0, "the file alone: a warning only"
    code, out, err = run(capsys, "ci", "--json")
    lint = _checks(out)["lint"]
    assert code == 6 and lint["outcome"] == "fail" and "against the earlier files replayed" in lint["summary"], out
    assert [c["name"] for c in lint["cases"] if c["outcome"] == "fail"] == ["V2__bio.sql"]
    _untouched(project)
