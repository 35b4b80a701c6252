"""Lint with the schema in hand: a type change or SET NOT NULL is decided from the column the file meets, read from
the target (`lint --pending`) or folded from the earlier files (`lint`), on every server."""

from __future__ import annotations

import json

import pytest

from tests.cli.helpers import run
from tests.conftest import Project, Server

V2 = """ALTER TABLE accounts ALTER COLUMN nick TYPE varchar(80);
ALTER TABLE accounts ALTER COLUMN bio TYPE varchar(200);
ALTER TABLE accounts ALTER COLUMN code TYPE varchar(40);
ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;
ALTER TABLE accounts ALTER COLUMN phone SET NOT NULL;
"""


LINT = {"target": ["lint", "--pending"], "files": ["lint"], "replay": ["lint", "--replay"]}
"""The schema each file meets: the target's catalog, the earlier files folded, or the earlier files replayed."""


def _findings(out: str) -> dict[tuple[str, int], str]:
    return {(f["rule"], f["line"]): f["severity"] for f in json.loads(out)["findings"]}


@pytest.mark.parametrize("mode", ["target", "files", "replay"])
def test_type_changes_and_set_not_null_are_decided_from_the_schema_the_file_meets(
        far_project: Project, capsys: pytest.CaptureFixture[str], mode: str) -> None:
    far_project.write("V1__accounts.sql", "CREATE TABLE accounts (id int PRIMARY KEY, nick varchar(50), bio text, "
                      "code varchar(60), email text, phone text, CONSTRAINT email_present CHECK (email IS NOT NULL));\n")
    if mode == "target":
        assert run(capsys, "migrate")[0] == 0
        # made by hand on the target, where no file says so: the target's catalog is what counts
        far_project.query("ALTER TABLE accounts ADD CONSTRAINT phone_present CHECK (phone IS NOT NULL)")
    far_project.write("V2__types.sql", V2)
    code, out, _ = run(capsys, *LINT[mode], "--json")
    found = _findings(out)
    assert code == 6, out
    assert found[("changing-column-type", 1)] == "info", "varchar(50) -> varchar(80) grows: free"
    assert found[("changing-column-type", 2)] == "error", "text -> varchar(200) checks every row: a rewrite"
    assert found[("changing-column-type", 3)] == "error", "varchar(60) -> varchar(40) shrinks"
    assert found[("setting-not-null", 4)] == "info", "a validated CHECK (email IS NOT NULL) makes it free"
    assert found[("setting-not-null", 5)] == ("info" if mode == "target" else "error"), \
        "phone's CHECK exists only on the target"


@pytest.mark.parametrize("mode", ["target", "files", "replay"])
def test_a_default_calling_a_user_function_is_judged_by_its_volatility(
        far_project: Project, capsys: pytest.CaptureFixture[str], mode: str) -> None:
    far_project.write("V1__t.sql", "CREATE TABLE t (id int);\nCREATE FUNCTION fixed() RETURNS int LANGUAGE sql "
                      "IMMUTABLE AS 'SELECT 1';\n")
    if mode == "target":
        assert run(capsys, "migrate")[0] == 0
        far_project.query("CREATE FUNCTION token() RETURNS text LANGUAGE sql VOLATILE AS 'SELECT random()::text'")
    else:
        far_project.write("V1__t.sql", far_project.sql_dir.joinpath("V1__t.sql").read_text() +
                          "CREATE FUNCTION token() RETURNS text LANGUAGE sql AS 'SELECT random()::text';\n")
    far_project.write("V2__defaults.sql", "ALTER TABLE t ADD COLUMN a int DEFAULT fixed();\n"
                      "ALTER TABLE t ADD COLUMN b text DEFAULT token();\n")
    code, out, _ = run(capsys, *LINT[mode], "--json")
    found = _findings(out)
    assert code == 6 and found.get(("adding-field-with-volatile-default", 2)) == "error", out
    assert ("adding-field-with-volatile-default", 1) not in found, "an immutable default is evaluated once"


def test_a_blocking_index_build_on_a_table_the_target_knows_is_tiny_is_only_information(
        far_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    far_project.write("V1__t.sql", "CREATE TABLE tiny (id int);\nCREATE TABLE big (id int);\n"
                      "CREATE TABLE unknown (id int);\n")
    assert run(capsys, "migrate")[0] == 0
    far_project.query("INSERT INTO tiny SELECT generate_series(1, 10); INSERT INTO big SELECT generate_series(1, 50000)")
    far_project.query("ANALYZE tiny")
    far_project.query("ANALYZE big")
    far_project.write("V2__indexes.sql", "CREATE INDEX tiny_id ON tiny (id);\nCREATE INDEX big_id ON big (id);\n"
                      "CREATE INDEX unknown_id ON unknown (id);\n")
    code, out, _ = run(capsys, "lint", "--pending", "--json")
    found = _findings(out)
    assert code == 6 and found[("require-concurrent-index-creation", 1)] == "info", out
    assert found[("require-concurrent-index-creation", 2)] == "error", "50 000 rows: the build blocks writers"
    assert found[("require-concurrent-index-creation", 3)] == "error", "never analysed: its size is not known"
    code, out, _ = run(capsys, "lint", "--json")
    assert _findings(out)[("require-concurrent-index-creation", 1)] == "error", "the files know no sizes"


def test_transaction_timeout_bounds_a_file_on_17_and_is_refused_before_17(
        far_project: Project, far_apart: Server, capsys: pytest.CaptureFixture[str]) -> None:
    with (far_project.root / "dbworkbench.toml").open("a") as config:
        config.write(f'\n[environments.bounded]\nurl = "{far_project.conninfo}"\ntransaction_timeout = "1s"\n')
    far_project.write("V1__slow.sql", "CREATE TABLE t (id int);\nSELECT pg_sleep(2);\n")
    code, out, err = run(capsys, "migrate", "--env", "bounded")
    if far_apart.name == "pg18":
        assert code == 3 and "transaction_timeout" in err, "the server ends the session: " + out + err
    else:
        assert code == 2 and "does not have (17+)" in err and "Traceback" not in err, out + err
    assert not far_project.table_exists("t"), "nothing of the file stayed"
    far_project.write("V1__slow.sql", "SET transaction_timeout = '5s';\nCREATE TABLE t (id int);\n")
    code, out, _ = run(capsys, "lint", "--server-version", "16", "--json")
    assert code == 6 and ("transaction-timeout-needs-17", 1) in _findings(out), out
    code, out, _ = run(capsys, "lint", "--server-version", "17", "--json")
    assert ("transaction-timeout-needs-17", 1) not in _findings(out), out


@pytest.mark.parametrize("mode", ["target", "files", "replay"])
def test_a_foreign_key_whose_referencing_columns_have_no_index_is_a_warning(
        far_project: Project, capsys: pytest.CaptureFixture[str], mode: str) -> None:
    far_project.write("V1__t.sql", "CREATE TABLE parent (id int PRIMARY KEY);\n"
                      "CREATE TABLE child (id int, parent_id int, other_id int);\n"
                      "CREATE INDEX child_other ON child (other_id, id);\n")
    if mode == "target":
        assert run(capsys, "migrate")[0] == 0
    far_project.write("V2__fks.sql", "ALTER TABLE child ADD CONSTRAINT child_parent FOREIGN KEY (parent_id) "
                      "REFERENCES parent NOT VALID;\nALTER TABLE child ADD CONSTRAINT child_other_fk FOREIGN KEY "
                      "(other_id) REFERENCES parent NOT VALID;\n")
    code, out, _ = run(capsys, *LINT[mode], "--json")
    found = _findings(out)
    assert found.get(("foreign-key-without-index", 1)) == "warning", out
    assert ("foreign-key-without-index", 2) not in found, "child_other starts with other_id"


def test_a_primary_key_using_an_index_on_nullable_columns_scans(far_project: Project,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    far_project.write("V1__t.sql", "CREATE TABLE a (id int);\nCREATE UNIQUE INDEX a_id ON a (id);\n"
                      "CREATE TABLE b (id int NOT NULL);\nCREATE UNIQUE INDEX b_id ON b (id);\n")
    assert run(capsys, "migrate")[0] == 0
    far_project.write("V2__keys.sql", "ALTER TABLE a ADD CONSTRAINT a_pkey PRIMARY KEY USING INDEX a_id;\n"
                      "ALTER TABLE b ADD CONSTRAINT b_pkey PRIMARY KEY USING INDEX b_id;\n")
    for argv in (["lint", "--pending", "--json"], ["lint", "--json"], ["lint", "--replay", "--json"]):
        found = _findings(run(capsys, *argv)[1])
        assert found.get(("primary-key-using-nullable-index", 1)) == "error", (argv, found)
        assert ("primary-key-using-nullable-index", 2) not in found, (argv, found)


def test_a_type_change_on_a_column_a_view_uses_fails_and_lint_says_so_from_the_target_and_the_files(
        far_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    far_project.write("V1__t.sql", "CREATE TABLE t (id int, name varchar(20), note text);\n"
                      "CREATE VIEW t_names AS SELECT id, name FROM t;\n")
    assert run(capsys, "migrate")[0] == 0
    far_project.write("V2__widen.sql", "ALTER TABLE t ALTER COLUMN name TYPE varchar(40);\n"
                      "ALTER TABLE t ALTER COLUMN note TYPE varchar(40);\n")
    for argv in (["lint", "--pending", "--json"], ["lint", "--json", "sql/V2__widen.sql"],
                 ["lint", "--replay", "--json", "sql/V2__widen.sql"]):
        code, out, _ = run(capsys, *argv)
        found = _findings(out)
        assert code == 6 and found.get(("type-change-under-a-view", 1)) == "error", (argv, out)
        assert ("type-change-under-a-view", 2) not in found, "no view uses note"
    assert run(capsys, "migrate")[0] == 1, "and the server indeed refuses it"


def test_replay_sees_what_only_the_server_knows_and_keeps_its_catalogs(
        project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # the table is made inside a DO block: a static fold cannot see it, a replay can
    project.write("V1__dynamic.sql", "DO $$ BEGIN EXECUTE 'CREATE TABLE accounts (id int, nick varchar(50), bio text)'; "
                  "END $$;\n")
    project.write("V2__types.sql", "ALTER TABLE accounts ALTER COLUMN nick TYPE varchar(80);\n"
                  "ALTER TABLE accounts ALTER COLUMN bio TYPE varchar(200);\n")
    static = _findings(run(capsys, "lint", "--json", "sql/V2__types.sql")[1])
    assert static[("changing-column-type", 1)] == "warning" and static[("changing-column-type", 2)] == "warning"
    code, out, _ = run(capsys, "lint", "--replay", "--json", "sql/V2__types.sql")
    replayed = _findings(out)
    assert code == 6, out
    assert replayed[("changing-column-type", 1)] == "info", "varchar(50) -> varchar(80): free, now that it is known"
    assert replayed[("changing-column-type", 2)] == "error", "text -> varchar(200) checks every row"
    assert "files replayed" in out
    assert not project.table_exists("accounts"), "the target was not touched"

    # editing the newest file keeps every earlier catalog: nothing is replayed
    import dbworkbench.app.lint_replay as lint_replay

    def no_replay(*args: object, **kwargs: object) -> None:
        raise AssertionError("replayed although every catalog was cached")
    monkeypatch.setattr(lint_replay, "scratch_replayed", no_replay)
    project.write("V2__types.sql", "ALTER TABLE accounts ALTER COLUMN nick TYPE varchar(20);\n")
    code, out, _ = run(capsys, "lint", "--replay", "--json")
    assert _findings(out)[("changing-column-type", 1)] == "error", "a shrink rewrites"


def test_replay_names_the_file_that_fails_and_refuses_pending_too(project: Project,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__bad.sql", "CREATE TABLE a (id int);\nALTER TABLE nowhere ADD COLUMN x int;\n")
    project.write("V2__next.sql", "ALTER TABLE a ALTER COLUMN id TYPE bigint;\n")
    code, out, err = run(capsys, "lint", "--replay")
    assert code == 2 and "V1__bad.sql:2 fails on a scratch database" in err, (code, out, err)
    assert "Traceback" not in err
    code, _, err = run(capsys, "lint", "--replay", "--pending")
    assert code == 2 and "choose one" in err
