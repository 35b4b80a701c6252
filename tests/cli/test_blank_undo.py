"""An undo with nothing in it (the empty `-- @undo` section `new` writes, a U file of comments, or such a text stored
in history by an older version) undoes nothing, so it is no undo: `down` refuses instead of recording an undo that
did not happen, and `undo V --write` fills the section in."""

from __future__ import annotations

import pytest

from tests.cli.helpers import run
from tests.conftest import Project


def _new_file_with_up(project: Project, capsys: pytest.CaptureFixture[str], up: str) -> str:
    code, out, _ = run(capsys, "new", "add d")
    assert code == 0, out
    path = next(project.sql_dir.glob("V*__add_d.sql"))
    text = path.read_text()
    assert "-- @undo" in text, "new writes an empty undo section"
    path.write_text(text.replace("-- @undo", f"{up}\n-- @undo", 1))
    return path.name


def test_down_refuses_an_empty_undo_section_and_history_stays_true(
        project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    script = _new_file_with_up(project, capsys, "CREATE TABLE d (id int);")
    assert run(capsys, "migrate")[0] == 0
    assert project.query("SELECT undo_sql FROM dbworkbench_history") == [(None,)]
    code, out, err = run(capsys, "down")
    assert code == 2 and "no undo available" in err and script in err, out + err
    assert project.table_exists("d")
    assert project.query("SELECT count(*) FROM dbworkbench_history WHERE kind = 'undo'") == [(0,)]
    code, out, _ = run(capsys, "roundtrip")
    assert code == 0 and "1 file(s) without an undo" in out, out


def test_undo_write_fills_the_empty_section_in(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    script = _new_file_with_up(project, capsys, "CREATE TABLE d (id int);")
    assert run(capsys, "migrate")[0] == 0
    code, out, err = run(capsys, "undo", script.split("__")[0][1:], "--write")
    assert code == 0, out + err
    text = (project.sql_dir / script).read_text()
    assert text.count("@undo") == 1 and 'DROP TABLE "public"."d"' in text, text
    assert run(capsys, "status")[0] == 0, "filling the undo in is no change to what ran"
    assert run(capsys, "down")[0] == 0
    assert not project.table_exists("d")


def test_a_comment_only_undo_file_and_a_blank_stored_undo_are_no_undo(
        project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__d.sql", "CREATE TABLE d (id int);\n")
    project.write("U1__d.sql", "-- TODO: write the undo\n/* later */ ;\n")
    assert run(capsys, "migrate")[0] == 0
    assert run(capsys, "down")[0] == 2
    project.query("UPDATE dbworkbench_history SET undo_sql = E'\\n-- nothing\\n'")  # as an older version stored it
    (project.sql_dir / "U1__d.sql").unlink()
    code, _, err = run(capsys, "down")
    assert code == 2 and "no undo available" in err and project.table_exists("d"), err


def test_new_from_a_file_writes_the_up_and_its_proved_undo(
        project: Project, capsys: pytest.CaptureFixture[str], tmp_path_factory: pytest.TempPathFactory) -> None:
    project.write("V1__t.sql", "CREATE TABLE t (id int);\n-- @undo\nDROP TABLE t;\n")
    drafts = tmp_path_factory.mktemp("drafts")
    (drafts / "up.sql").write_text("ALTER TABLE t ADD COLUMN note text;\nCREATE INDEX t_note ON t (note);\n")
    code, out, err = run(capsys, "new", "note", "--from", str(drafts / "up.sql"))
    assert code == 0 and "undo generated and proved" in out, out + err
    written = next(project.sql_dir.glob("V*__note.sql"))
    text = written.read_text()
    assert text.count("@undo") == 1 and "DROP INDEX" in text and "DROP COLUMN" in text, text
    assert run(capsys, "migrate")[0] == 0 and run(capsys, "down")[0] == 0
    assert project.query("SELECT count(*) FROM information_schema.columns WHERE column_name = 'note'") == [(0,)]
    (drafts / "bad.sql").write_text("ALTER TABLE nowhere ADD COLUMN x int;\n")
    code, _, err = run(capsys, "new", "bad", "--from", str(drafts / "bad.sql"))
    assert code == 2 and "its undo was not generated" in err and "nowhere" in err, err
    assert next(project.sql_dir.glob("V*__bad.sql")).read_text().rstrip().endswith("-- @undo"), "kept, undo empty"
    for content, words in ((b"", "holds no SQL"), (b"SELECT 1;\n-- @undo\nSELECT 2;\n", "of its own"),
                           (b"\xff\xfe", "not UTF-8")):
        (drafts / "x.sql").write_bytes(content)
        before = sorted(p.name for p in project.sql_dir.iterdir())
        code, _, err = run(capsys, "new", "x", "--from", str(drafts / "x.sql"))
        assert code == 2 and words in err and "Traceback" not in err, err
        assert sorted(p.name for p in project.sql_dir.iterdir()) == before, "nothing written"
    code, _, err = run(capsys, "new", "x", "--from", str(drafts / "missing.sql"))
    assert code == 2 and "cannot be read" in err
