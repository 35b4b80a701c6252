"""Lint with the schema in hand: a type change or SET NOT NULL is decided from the column the file meets, read from
the target (`lint --pending`) or folded from the earlier files (`lint`), on every server."""

from __future__ import annotations

import json

import pytest

from tests.cli.helpers import run
from tests.conftest import Project

V2 = """ALTER TABLE accounts ALTER COLUMN nick TYPE varchar(80);
ALTER TABLE accounts ALTER COLUMN bio TYPE varchar(200);
ALTER TABLE accounts ALTER COLUMN code TYPE varchar(40);
ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;
ALTER TABLE accounts ALTER COLUMN phone SET NOT NULL;
"""


def _findings(out: str) -> dict[tuple[str, int], str]:
    return {(f["rule"], f["line"]): f["severity"] for f in json.loads(out)["findings"]}


@pytest.mark.parametrize("mode", ["target", "files"])
def test_type_changes_and_set_not_null_are_decided_from_the_schema_the_file_meets(
        any_project: Project, capsys: pytest.CaptureFixture[str], mode: str) -> None:
    any_project.write("V1__accounts.sql", "CREATE TABLE accounts (id int PRIMARY KEY, nick varchar(50), bio text, "
                      "code varchar(60), email text, phone text, CONSTRAINT email_present CHECK (email IS NOT NULL));\n")
    if mode == "target":
        assert run(capsys, "migrate")[0] == 0
        # made by hand on the target, where no file says so: the target's catalog is what counts
        any_project.query("ALTER TABLE accounts ADD CONSTRAINT phone_present CHECK (phone IS NOT NULL)")
    any_project.write("V2__types.sql", V2)
    code, out, _ = run(capsys, *(["lint", "--pending"] if mode == "target" else ["lint"]), "--json")
    found = _findings(out)
    assert code == 6, out
    assert found[("changing-column-type", 1)] == "info", "varchar(50) -> varchar(80) grows: free"
    assert found[("changing-column-type", 2)] == "error", "text -> varchar(200) checks every row: a rewrite"
    assert found[("changing-column-type", 3)] == "error", "varchar(60) -> varchar(40) shrinks"
    assert found[("setting-not-null", 4)] == "info", "a validated CHECK (email IS NOT NULL) makes it free"
    assert found[("setting-not-null", 5)] == ("info" if mode == "target" else "error"), \
        "phone's CHECK exists only on the target"


@pytest.mark.parametrize("mode", ["target", "files"])
def test_a_default_calling_a_user_function_is_judged_by_its_volatility(
        any_project: Project, capsys: pytest.CaptureFixture[str], mode: str) -> None:
    any_project.write("V1__t.sql", "CREATE TABLE t (id int);\nCREATE FUNCTION fixed() RETURNS int LANGUAGE sql "
                      "IMMUTABLE AS 'SELECT 1';\n")
    if mode == "target":
        assert run(capsys, "migrate")[0] == 0
        any_project.query("CREATE FUNCTION token() RETURNS text LANGUAGE sql VOLATILE AS 'SELECT random()::text'")
    else:
        any_project.write("V1__t.sql", any_project.sql_dir.joinpath("V1__t.sql").read_text() +
                          "CREATE FUNCTION token() RETURNS text LANGUAGE sql AS 'SELECT random()::text';\n")
    any_project.write("V2__defaults.sql", "ALTER TABLE t ADD COLUMN a int DEFAULT fixed();\n"
                      "ALTER TABLE t ADD COLUMN b text DEFAULT token();\n")
    code, out, _ = run(capsys, *(["lint", "--pending"] if mode == "target" else ["lint"]), "--json")
    found = _findings(out)
    assert code == 6 and found.get(("adding-field-with-volatile-default", 2)) == "error", out
    assert ("adding-field-with-volatile-default", 1) not in found, "an immutable default is evaluated once"
