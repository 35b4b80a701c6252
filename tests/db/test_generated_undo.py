"""Generated undo on a scratch database: the diff from after to before, proven by applying it, written as the file's
undo section; what no undo gives back (dropped data, changed rows) is said, never silently "undone"."""

from __future__ import annotations

from typing import Any

import pytest

from dbworkbench.app import migrations
from dbworkbench.app.generated_undo import generate_undo
from dbworkbench.app.roundtrip import roundtrip
from dbworkbench.cli import main
from dbworkbench.errors import PlanError
from tests.conftest import Project

BASE = "CREATE TABLE t (id int PRIMARY KEY, x int, legacy text);\n-- @undo\nDROP TABLE t;\n"


def test_an_undo_is_generated_checked_written_and_then_round_trips(project: Project, settings_of: Any,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__t.sql", BASE)
    project.write("V2__more.sql", "CREATE TYPE mood AS ENUM ('ok', 'meh');\nALTER TABLE t ADD COLUMN m mood;\n"
                                  "CREATE INDEX t_x ON t (x);\nCREATE TABLE u (id int REFERENCES t);\n")
    report = generate_undo(settings_of(project), "2")
    assert report.verified and report.irreversible == ()
    for needed in ('DROP INDEX', 'DROP TABLE "public"."u"', 'DROP TYPE', 'DROP COLUMN "m"'):
        assert needed in report.sql, report.sql
    assert report.sql.index('DROP COLUMN "m"') < report.sql.index("DROP TYPE"), "dependency order"
    assert main(["undo", "2", "--write"]) == 0
    assert "wrote the undo of V2__more.sql" in capsys.readouterr().out
    assert "-- @undo" in (project.sql_dir / "V2__more.sql").read_text()
    assert roundtrip(settings_of(project), ["2"]).ok
    migrations.migrate(settings_of(project))
    migrations.down(settings_of(project))
    assert not project.table_exists("u") and project.table_exists("t")
    with pytest.raises(PlanError, match="already has an undo"):
        generate_undo(settings_of(project), "2", write=True)


def test_what_no_undo_gives_back_is_said_statement_by_statement(project: Project, settings_of: Any,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__t.sql", BASE)
    project.write("V2__lossy.sql", "INSERT INTO t VALUES (1, 1, 'a');\nALTER TABLE t DROP COLUMN legacy;\n"
                                   "UPDATE t SET x = 2;\n")
    report = generate_undo(settings_of(project), "2")
    assert report.verified and 'ADD COLUMN "legacy"' in report.sql
    assert any("DROP COLUMN" in line and "not given back" in line for line in report.irreversible), report
    assert sum("changes rows" in line for line in report.irreversible) == 2, report.irreversible
    assert "INSERT" not in report.sql and "DELETE" not in report.sql, "DML is never undone silently"
    assert main(["undo", "V2"]) == 0
    out = capsys.readouterr().out
    assert out.count("-- irreversible:") == 3 and "-- @undo" in out


def test_an_unknown_version_is_a_clear_error(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__t.sql", BASE)
    assert main(["undo", "7"]) == 2 and "no versioned file has version 7" in capsys.readouterr().err
    assert main(["undo", "x.y"]) == 2 and "not a version" in capsys.readouterr().err


def test_renames_are_renamed_back_not_dropped_and_recreated(project: Project, settings_of: Any) -> None:
    project.write("V1__t.sql", BASE)
    project.write("V2__rename.sql", "ALTER TABLE t RENAME TO things;\nALTER TABLE things RENAME COLUMN x TO amount;\n")
    report = generate_undo(settings_of(project), "2")
    assert report.verified and "DROP TABLE" not in report.sql and "RENAME TO" in report.sql, report.sql
    assert 'RENAME COLUMN "amount" TO "x"' in report.sql, report.sql
    assert report.irreversible == (), report.irreversible


def test_dropping_a_table_with_a_serial_and_a_trigger_function_undoes_in_order(project: Project,
                                                                               settings_of: Any) -> None:
    project.write("V1__t.sql", BASE)
    project.write("V2__more.sql", "CREATE TABLE j (id serial PRIMARY KEY, at timestamptz);\n"
                                  "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS "
                                  "$$ BEGIN NEW.at = now(); RETURN NEW; END $$;\n"
                                  "CREATE TRIGGER j_touch BEFORE UPDATE ON j FOR EACH ROW EXECUTE FUNCTION touch();\n")
    report = generate_undo(settings_of(project), "2")
    assert report.verified and "DROP SEQUENCE" not in report.sql, report.sql
    assert report.sql.index("DROP TABLE") < report.sql.index("DROP FUNCTION"), report.sql
