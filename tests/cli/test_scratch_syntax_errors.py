"""SQL that does not parse, met on the scratch path (round trip, generated undo, new --from, seeds), is a one-line
error naming the file and line, never exit 70; squash names its file from the description as `new` does."""

from __future__ import annotations

import json

import pytest

from tests.cli.helpers import run
from tests.conftest import Project


def test_unparsable_sql_on_the_scratch_path_is_named(project: Project, capsys: pytest.CaptureFixture[str],
                                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    project.write("V1__a.sql", "CREATE TABLE a (id int);\n-- @undo\nDROP TABLE a;\n")
    project.write("V2__b.sql", "CREATE TABLE b (id int);\n-- @undo\nDROP TABLE b (;\n")
    code, out, err = run(capsys, "roundtrip")
    assert code in (2, 5) and "V2__b.sql:3" in out + err and "internal error" not in err, out + err
    (project.sql_dir / "V2__b.sql").write_text("SELECT 1;\nCREATE TABLE b (;\n")
    code, _, err = run(capsys, "undo", "2")
    assert code == 2 and "V2__b.sql:2" in err and "internal error" not in err, err
    (project.sql_dir / "V2__b.sql").unlink()
    draft = tmp_path_factory.mktemp("drafts") / "up.sql"
    draft.write_text("CREATE TABLE oops (;\n")
    code, _, err = run(capsys, "new", "oops", "--from", str(draft))
    assert code == 2 and "undo not generated" in err and "internal error" not in err, err
    next(project.sql_dir.glob("V*__oops.sql")).unlink()
    (project.root / "seeds").mkdir()
    (project.root / "seeds" / "V1__rows.sql").write_text("INSERT INTO a VALUES (1);\nINSERT INTO a VALUES (2;\n")
    code, _, err = run(capsys, "seed")
    assert code == 2 and "seeds/V1__rows.sql:2" in err and "internal error" not in err, err
    assert not project.table_exists("a"), "the seed is read before anything is migrated"
    code, out, _ = run(capsys, "ci", "--json")
    seeds = {c["name"]: c for c in json.loads(out)["checks"]}["seeds"]
    assert code == 1 and "seeds/V1__rows.sql:2" in seeds["cases"][0]["message"], seeds


def test_squash_names_its_file_as_new_does(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__a.sql", "CREATE TABLE a (id int);\n")
    code, out, err = run(capsys, "squash", "--to", "1", "--description", "../Release 2/x", "--write")
    assert code == 0, out + err
    assert [p.name for p in project.sql_dir.glob("B*")] == ["B1__release_2_x.sql"]
