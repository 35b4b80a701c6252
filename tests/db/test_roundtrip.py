"""roundtrip on a scratch database: each shape of undo that forgets something is caught by catalog equality and
named as the DDL the undo is missing; a good undo passes; the target is never touched."""

from __future__ import annotations

from typing import Any

import pytest

from dbworkbench.app.roundtrip import roundtrip
from dbworkbench.cli import main
from tests.conftest import Project

BASE = "CREATE TABLE t (id int PRIMARY KEY, x int);\n-- @undo\nDROP TABLE t;\n"

FORGETFUL = {
    "a column": ("ALTER TABLE t ADD COLUMN y int;", "SELECT 1;", "DROP COLUMN"),
    "a type": ("CREATE TYPE mood AS ENUM ('ok');", "SELECT 1;", "DROP TYPE"),
    "an index": ("CREATE INDEX t_x ON t (x);", "SELECT 1;", "DROP INDEX"),
    "a grant": ("GRANT SELECT ON t TO PUBLIC;", "SELECT 1;", "REVOKE"),
    "a sequence": ("CREATE SEQUENCE t_seq;", "SELECT 1;", "DROP SEQUENCE"),
    "too much": ("ALTER TABLE t ADD COLUMN y int;", "ALTER TABLE t DROP COLUMN y; ALTER TABLE t DROP COLUMN x;",
                 "ADD COLUMN"),
}


@pytest.mark.parametrize("shape", list(FORGETFUL))
def test_an_undo_that_forgets_something_is_caught(project: Project, settings_of: Any, shape: str) -> None:
    up, undo, says = FORGETFUL[shape]
    project.write("V1__t.sql", BASE)
    project.write("V2__change.sql", f"{up}\n-- @undo\n{undo}\n")
    report = roundtrip(settings_of(project))
    first, second = report.files
    assert first.ok and first.checked
    assert not second.ok and not report.ok
    assert any(says in ddl for ddl in second.left_behind), second.left_behind
    assert not project.table_exists("t"), "the target is never touched"


def test_a_good_undo_passes_and_a_file_without_one_is_said(project: Project,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__t.sql", BASE)
    project.write("V2__y.sql", "ALTER TABLE t ADD COLUMN y int;\nCREATE INDEX t_y ON t (y);\n"
                               "-- @undo\nDROP INDEX t_y;\nALTER TABLE t DROP COLUMN y;\n")
    project.write("V3__seed.sql", "INSERT INTO t VALUES (1, 1);\n")
    assert main(["roundtrip"]) == 0
    out = capsys.readouterr().out
    assert "✓ V1 V1__t.sql" in out and "✓ V2 V2__y.sql" in out and "· V3 V3__seed.sql: no undo" in out, out
    project.write("V2__y.sql", "ALTER TABLE t ADD COLUMN y int;\nCREATE INDEX t_y ON t (y);\n"
                               "-- @undo\nALTER TABLE t DROP COLUMN y;\nCREATE INDEX t_x ON t (x);\n")
    assert main(["roundtrip", "2", "--json"]) == 5
    assert '"ok": false' in capsys.readouterr().out


def test_a_failing_undo_names_its_line_and_an_unknown_version_is_refused(project: Project,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__t.sql", "CREATE TABLE t (x int);\n-- @undo\nDROP TABLE nope;\n")
    project.write("V2__u.sql", "CREATE TABLE u (x int);\n-- @undo\nDROP TABLE u;\n")
    assert main(["roundtrip"]) == 5
    out = capsys.readouterr().out
    assert "✗ V1" in out and "V1__t.sql:3: fails on the scratch database (undo)" in out, out
    assert "✓ V2 V2__u.sql" in out, "the files after it are still checked on the state its up left"
    project.write("V2__u.sql", "CREATE TABLE u (x int REFERENCES nope);\n")
    assert main(["roundtrip"]) == 2, "an up that fails is an error: nothing after it could be checked"
    assert "V2__u.sql:1: fails on the scratch database (up)" in capsys.readouterr().err
    assert main(["roundtrip", "9"]) == 2 and "no versioned file has version 9" in capsys.readouterr().err


def test_the_demo_projects_undos_round_trip(project: Project, settings_of: Any) -> None:
    import shutil
    from pathlib import Path

    shutil.copytree(Path(__file__).resolve().parents[2] / "sql", project.sql_dir, dirs_exist_ok=True)
    config = project.root / "dbworkbench.toml"
    config.write_text(config.read_text() + '\n[placeholders]\ncompany = "Example Co"\n')
    report = roundtrip(settings_of(project))
    assert [f.script for f in report.files if not f.ok] == [], [(f.script, f.left_behind, f.not_again)
                                                               for f in report.files if not f.ok]
    assert sum(f.checked for f in report.files) >= 10
