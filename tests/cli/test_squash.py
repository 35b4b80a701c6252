"""squash: one baseline file equal to the schema and rows at a version, proved before it is written; a new database
runs it instead of the files up to it (and history stores what it ran), a database with history never runs it."""

from __future__ import annotations

import json

import pytest

from tests.cli.helpers import run
from tests.conftest import Project

FILES = {
    "V1__accounts.sql": """
        CREATE TYPE plan AS ENUM ('free', 'paid');
        CREATE TABLE accounts (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, plan plan NOT NULL DEFAULT 'free',
                               tags text[], doubled int GENERATED ALWAYS AS (id * 2) STORED);
        INSERT INTO accounts (plan, tags) VALUES ('paid', '{a,"b c"}'), ('free', NULL);
        -- @undo
        DROP TABLE accounts; DROP TYPE plan;
    """,
    "V2__tree.sql": """
        CREATE TABLE node (id int PRIMARY KEY, parent int REFERENCES node, owner int REFERENCES accounts,
                           note text);
        INSERT INTO node VALUES (2, NULL, 1, 'it''s the root'), (1, 2, 2, NULL);
        CREATE TABLE audit (what text);
        CREATE FUNCTION audited() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN INSERT INTO audit VALUES (TG_TABLE_NAME); RETURN NEW; END $$;
        CREATE TRIGGER node_audit AFTER INSERT ON node FOR EACH ROW EXECUTE FUNCTION audited();
        INSERT INTO node VALUES (3, 1, NULL, 'audited');
        CREATE VIEW roots AS SELECT id FROM node WHERE parent IS NULL;
        -- @undo
        DROP VIEW roots; DROP TABLE node; DROP TABLE audit; DROP FUNCTION audited();
    """,
    "V3__more.sql": """
        ALTER TABLE accounts ADD COLUMN email text;
        -- @undo
        ALTER TABLE accounts DROP COLUMN email;
    """,
}


@pytest.fixture
def squashed(project: Project, capsys: pytest.CaptureFixture[str]) -> Project:
    for name, text in FILES.items():
        project.write(name, text)
    assert run(capsys, "migrate", "--env", "prod", "--yes")[0] == 0, "prod has history before the squash"
    code, out, err = run(capsys, "squash", "--to", "2", "--write")
    assert code == 0, out + err
    assert "wrote" in out and "B2__baseline.sql" in out, out
    return project


def test_a_new_database_runs_the_baseline_and_gets_the_same_schema_and_rows(
        squashed: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "migrate")[0] == 0
    rows = squashed.query("SELECT kind, script, up_sql IS NOT NULL FROM dbworkbench_history ORDER BY installed_rank")
    assert rows == [("baseline", "B2__baseline.sql", True), ("versioned", "V3__more.sql", True)]
    for table in ("accounts", "node", "audit"):
        query = f"SELECT md5(string_agg(t::text, ',' ORDER BY t::text)) FROM {table} t"
        assert squashed.query(query) == squashed.query(query, prod=True), table
    assert squashed.query("SELECT count(*) FROM audit") == [(1,)], "the trigger did not fire on the baseline rows"
    assert squashed.query("INSERT INTO accounts (plan) VALUES ('free') RETURNING id") == [(3,)], "sequence carried"
    code, out, _ = run(capsys, "status", "--json")
    states = {e["script"]: e["state"] for e in json.loads(out)["migrations"]}
    assert states["V1__accounts.sql"] == states["V2__tree.sql"] == "below baseline", states
    for verb in ("validate", "drift"):
        assert run(capsys, verb)[0] == 0, verb
    code, out, err = run(capsys, "diff", "--from", squashed.conninfo, "--to", squashed.prod_conninfo)
    assert code == 0 and "CREATE" not in out and "ALTER" not in out, out + err


def test_a_database_with_history_never_runs_the_baseline(squashed: Project, capsys: pytest.CaptureFixture[str]) -> None:
    squashed.write("V4__later.sql", "CREATE TABLE later (id int);\n-- @undo\nDROP TABLE later;\n")
    assert run(capsys, "migrate", "--env", "prod", "--yes")[0] == 0
    scripts = squashed.query("SELECT script FROM dbworkbench_history ORDER BY installed_rank", prod=True)
    assert scripts == [("V1__accounts.sql",), ("V2__tree.sql",), ("V3__more.sql",), ("V4__later.sql",)]
    code, out, err = run(capsys, "down", "--env", "prod", "--to", "1", "--yes")
    assert code == 0, out + err


def test_migrate_to_a_version_below_the_baseline_runs_the_files(
        squashed: Project, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "migrate", "--to", "1")[0] == 0
    assert squashed.query("SELECT script FROM dbworkbench_history") == [("V1__accounts.sql",)]
    assert run(capsys, "migrate")[0] == 0, "then the rest, as versioned files: history is no longer empty"
    assert squashed.query("SELECT count(*) FROM dbworkbench_history WHERE kind = 'baseline'") == [(0,)]


def test_squash_refuses_what_it_cannot_stand_behind(squashed: Project, capsys: pytest.CaptureFixture[str]) -> None:
    for argv, words in ((["squash", "--to", "2", "--write"], "already the baseline"),
                        (["squash", "--to", "9"], "no versioned file has version 9"),
                        (["squash", "--to", "two"], "not a version")):
        code, out, err = run(capsys, *argv)
        assert code == 2 and words in err and "Traceback" not in err, (argv, err)
    baseline = squashed.sql_dir / "B2__baseline.sql"
    baseline.write_text(baseline.read_text() + "-- @undo\nDROP TABLE node;\n")
    code, _, err = run(capsys, "status")
    assert code == 2 and "a baseline file has no undo" in err, err
    baseline.unlink()
    squashed.write("B2__again.sql", "SELECT 1;\n")
    squashed.write("B02__twice.sql", "SELECT 1;\n")
    code, _, err = run(capsys, "status")
    assert code == 2 and "duplicates" in err, err


def test_the_printed_baseline_is_the_written_one_and_nothing_is_written_without_write(
        project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    for name, text in FILES.items():
        project.write(name, text)
    code, out, err = run(capsys, "squash", "--to", "3")
    assert code == 0 and out.startswith("-- B3__baseline.sql") and "proved" in err, err
    assert not (project.sql_dir / "B3__baseline.sql").exists()
    assert run(capsys, "squash", "--to", "3", "--write", "--description", "release 1")[0] == 0
    written = (project.sql_dir / "B3__release_1.sql").read_text()
    assert written.split("\n", 1)[1] == out.split("\n", 1)[1] and written.startswith("-- B3__release_1.sql")
