"""Other tools' layouts read in place: golang-migrate's up/down pairs and dbmate's sectioned files become the same
migrations dbworkbench's names give; bad files are listed at once; writers refuse another tool's layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbworkbench.core.layouts import read_layout
from dbworkbench.errors import ConfigError, DiscoveryError


def _folder(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "m"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def test_golang_migrate_pairs_become_versions_with_their_down_file_as_undo(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"0010_b.up.sql": "CREATE TABLE b ();\n", "0002_a_thing.up.sql": "CREATE TABLE a ();\n",
                                "0002_a_thing.down.sql": "DROP TABLE a;\n", "0010_b.down.sql": "-- nothing\n"})
    found = read_layout(folder, "golang-migrate")
    assert [(f.key, f.description, f.undo_sql, f.undo_script) for f in found.versioned] == [
        ("2", "a thing", "DROP TABLE a;\n", "0002_a_thing.down.sql"), ("10", "b", None, None)]


def test_golang_migrate_problems_are_listed_together(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"1_a.up.sql": "SELECT 1;", "01_b.up.sql": "SELECT 2;", "2_c.down.sql": "SELECT 3;",
                                "V3__d.sql": "SELECT 4;"})
    with pytest.raises(DiscoveryError) as caught:
        read_layout(folder, "golang-migrate")
    reasons = dict(caught.value.problems)
    assert "duplicates" in reasons["1_a.up.sql"] + reasons.get("01_b.up.sql", "")
    assert reasons["2_c.down.sql"] == "a down file without its up file"
    assert "layout golang-migrate" in reasons["V3__d.sql"]


def test_dbmate_sections_keep_the_file_s_lines_and_transaction_false(tmp_path: Path) -> None:
    text = ("-- a header comment\n-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (c);\n\n"
            "-- migrate:down\nDROP INDEX i;\n")
    folder = _folder(tmp_path, {"20240101000000_index.sql": text, "20231231000000_first.sql": "-- migrate:up\n"
                                "CREATE TABLE t (c int);\n"})
    first, index = read_layout(folder, "dbmate").versioned
    assert (first.key, first.undo_sql, first.no_transaction) == ("20231231000000", None, False)
    assert index.no_transaction and index.undo_sql == "DROP INDEX i;\n" and index.undo_line == 6
    assert index.up_sql.splitlines()[2].startswith("CREATE INDEX"), "line 3 of the file is line 3 of the up part"


def test_dbmate_files_without_an_up_section_or_with_down_first_are_problems(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"1_a.sql": "CREATE TABLE a ();\n", "2_b.sql": "-- migrate:down\nx;\n-- migrate:up\ny;\n",
                                "notes.sql": "-- migrate:up\n"})
    with pytest.raises(DiscoveryError) as caught:
        read_layout(folder, "dbmate")
    reasons = dict(caught.value.problems)
    assert set(reasons) == {"1_a.sql", "2_b.sql", "notes.sql"}
    assert "-- migrate:up" in reasons["1_a.sql"] and "before" in reasons["2_b.sql"]


def test_writers_refuse_another_tool_s_layout(tmp_path: Path) -> None:
    from dbworkbench.app.maintenance import new
    from dbworkbench.config import load_settings

    (tmp_path / "dbworkbench.toml").write_text('layout = "golang-migrate"\n')
    (tmp_path / "sql").mkdir()
    settings = load_settings(tmp_path, environ={})
    with pytest.raises(ConfigError, match="golang-migrate"):
        new(settings, ["add", "users"])
    assert list((tmp_path / "sql").iterdir()) == []
    (tmp_path / "dbworkbench.toml").write_text('layout = "alembic"\n')
    with pytest.raises(ConfigError, match="unknown layout|is not a layout"):
        load_settings(tmp_path, environ={})


def test_a_sqitch_plan_orders_changes_and_a_reworked_change_keeps_its_tagged_scripts(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {"sqitch.plan": "%project=p\n\n# a comment\na 2026-01-01T00:00:00Z A <a@x> # one\n"
                                               "+b [a] 2026-01-01T00:00:00Z A <a@x>\n@v1 2026-01-01T00:00:00Z A <a@x>\n"
                                               "b [b@v1] 2026-01-02T00:00:00Z A <a@x> # reworked\n"})
    for name in ("deploy", "revert"):
        (folder / name).mkdir()
    for script in ("a", "b@v1", "b"):
        (folder / "deploy" / f"{script}.sql").write_text(f"BEGIN;\nCREATE TABLE \"{script}\" ();\nCOMMIT;\n")
    (folder / "revert" / "b.sql").write_text("-- nothing to undo\n")
    (folder / "revert" / "a.sql").write_text("DROP TABLE a;\n")
    found = read_layout(folder, "sqitch")
    assert [(f.key, f.script, f.description, f.undo_script) for f in found.versioned] == [
        ("1", "deploy/a.sql", "a", "revert/a.sql"), ("2", "deploy/b@v1.sql", "b", None), ("3", "deploy/b.sql", "b", None)]
    (folder / "sqitch.plan").write_text("%project=p\na 2026-01-01T00:00:00Z A <a@x>\na 2026-01-02T00:00:00Z A <a@x>\n"
                                        "-c 2026-01-03T00:00:00Z A <a@x>\n")
    with pytest.raises(DiscoveryError) as caught:
        read_layout(folder, "sqitch")
    problems = dict(caught.value.problems)
    assert "no tag follows it" in problems["sqitch.plan:2"] and "revert entry" in problems["sqitch.plan:4"], problems
    (folder / "sqitch.plan").unlink()
    with pytest.raises(DiscoveryError, match="sqitch.plan"):
        read_layout(folder, "sqitch")


def test_liquibase_formatted_sql_changesets_are_migrations_in_the_master_changelog_s_order(tmp_path: Path) -> None:
    folder = _folder(tmp_path, {
        "a.sql": "--liquibase formatted sql\n--changeset ann:1\nCREATE TABLE a ();\n--rollback DROP TABLE a;\n",
        "b.sql": "--liquibase formatted sql\n\n--changeset bob:x runInTransaction:false\nCREATE INDEX CONCURRENTLY i "
                 "ON a (x);\n--changeset bob:y\nSELECT 1;\n--rollback not required\n",
        "notes.sql": "-- not a changelog\nSELECT 1;\n",
        "changelog.xml": '<databaseChangeLog xmlns="http://www.liquibase.org/xml/ns/dbchangelog">'
                         '<include file="b.sql"/><include file="./a.sql"/></databaseChangeLog>'})
    found = read_layout(folder, "liquibase")
    assert [(f.key, f.script, f.description, f.no_transaction, f.undo_sql) for f in found.versioned] == [
        ("1", "b.sql", "bob:x", True, None), ("2", "b.sql", "bob:y", False, None),
        ("3", "a.sql", "ann:1", False, "DROP TABLE a;\n")]
    assert found.versioned[0].up_sql.count("\n") >= 3, "the changeset keeps its lines' numbers in the file"
    (folder / "c.sql").write_text("--liquibase formatted sql\n--changeset ann:1\nSELECT 2;\n")
    (folder / "changelog.xml").write_text("<databaseChangeLog><include file='gone.sql'/>")
    with pytest.raises(DiscoveryError) as caught:
        read_layout(folder, "liquibase")
    said = " ".join(p for _, p in caught.value.problems)
    assert "is also in a.sql:2" in said and "not valid XML" in said, said
