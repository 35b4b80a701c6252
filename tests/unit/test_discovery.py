from __future__ import annotations

from pathlib import Path

import pytest

from dbworkbench.core.discovery import MigrationKind, discover
from dbworkbench.errors import DiscoveryError


def write(folder: Path, name: str, content: str | bytes) -> None:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def test_finds_versioned_undo_and_repeatable_files(tmp_path: Path) -> None:
    write(tmp_path, "V2__second_step.sql", "select 2;\n")
    write(tmp_path, "V1.10__later.sql", "select 110;\n")
    write(tmp_path, "V1.9__earlier.sql", "select 19;\n-- @undo\nselect -19;\n")
    write(tmp_path, "U2__second_step.sql", "select -2;\n")
    write(tmp_path, "R__views.sql", "create view v as select 1;\n")
    write(tmp_path, "nested/V3__in_folder.sql", "select 3;\n")
    write(tmp_path, "README.md", "not sql")
    write(tmp_path, ".hidden/V9__ignored.sql", "select 9;")
    found = discover(tmp_path)
    assert [m.script for m in found.versioned] == ["V1.9__earlier.sql", "V1.10__later.sql", "V2__second_step.sql",
                                                    "nested/V3__in_folder.sql"]
    earlier, later, second, _ = found.versioned
    assert earlier.up_sql == "select 19;\n" and earlier.undo_sql == "select -19;\n" and earlier.undo_line == 3
    assert second.undo_sql == "select -2;\n" and second.undo_script == "U2__second_step.sql"
    assert later.undo_sql is None
    assert second.description == "second step"
    assert [r.kind for r in found.repeatable] == [MigrationKind.REPEATABLE]


def test_mybatis_undo_marker_is_accepted(tmp_path: Path) -> None:
    write(tmp_path, "V1__a.sql", "create table a (x int);\n-- //@UNDO\ndrop table a;\n")
    (only,) = discover(tmp_path).versioned
    assert only.undo_sql == "drop table a;\n"


def test_every_bad_file_is_listed_at_once(tmp_path: Path) -> None:
    write(tmp_path, "V1__a.sql", "select 1;")
    write(tmp_path, "V001__a_again.sql", "select 1;")
    write(tmp_path, "U5__orphan.sql", "select 1;")
    write(tmp_path, "create_users.sql", "select 1;")
    write(tmp_path, "V1x__bad_version.sql", "select 1;")
    write(tmp_path, "V7__.sql", "select 1;")
    write(tmp_path, "V8__latin1.sql", "select 'caf\xe9';".encode("latin-1"))
    write(tmp_path, "V9__both.sql", "select 1;\n-- @undo\nselect 2;")
    write(tmp_path, "U9__both.sql", "select 2;")
    with pytest.raises(DiscoveryError) as caught:
        discover(tmp_path)
    reported = dict(caught.value.problems)
    assert set(reported) == {"V1__a.sql", "U5__orphan.sql", "create_users.sql", "V1x__bad_version.sql",
                             "V7__.sql", "V8__latin1.sql", "V9__both.sql"}
    assert "duplicates V001__a_again.sql" in reported["V1__a.sql"]
    assert "not UTF-8" in reported["V8__latin1.sql"]
    assert "7 problem(s)" in caught.value.message


def test_crlf_and_bom_do_not_change_the_checksum(tmp_path: Path) -> None:
    unix, windows = tmp_path / "a", tmp_path / "b"
    write(unix, "V1__x.sql", "create table t (x int);\nselect 1;\n")
    write(windows, "V1__x.sql", "\ufeffcreate table t (x int);\r\nselect 1;\r\n".encode("utf-8"))
    assert discover(unix).versioned[0].checksum == discover(windows).versioned[0].checksum
    write(windows, "V1__x.sql", "create table t (x bigint);\nselect 1;\n")
    assert discover(unix).versioned[0].checksum != discover(windows).versioned[0].checksum


def test_editing_only_the_undo_section_keeps_the_checksum(tmp_path: Path) -> None:
    write(tmp_path, "V1__x.sql", "create table t (x int);\n-- @undo\ndrop table t;\n")
    before = discover(tmp_path).versioned[0].checksum
    write(tmp_path, "V1__x.sql", "create table t (x int);\n-- @undo\ndrop table if exists t;\n")
    assert discover(tmp_path).versioned[0].checksum == before


def test_missing_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DiscoveryError, match="does not exist"):
        discover(tmp_path / "nope")
