"""`status` answered from its last answer (`app.status_cache`) only while nothing it shows changed: the same text as
a fresh reading, and a fresh reading after any change to the history, the files, the rendering or the cache itself."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from dbworkbench.app import inspection, status_cache
from tests.cli.helpers import run
from tests.conftest import Project

OLD = 1_600_000_000


def aged(project: Project) -> None:
    """Old mtimes (a checkout's), which a cache must not be fooled by."""
    for path in [*project.sql_dir.rglob("*"), project.sql_dir]:
        os.utime(path, (OLD, OLD))


def cached_files(project: Project) -> list[Path]:
    return sorted((project.root / ".dbworkbench" / "cache").glob("status-*.json"))


def _applied(project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setattr(status_cache, "RACY_SECONDS", 0.0)  # ctime cannot be set back: trust files now
    project.write("V1__a.sql", "CREATE TABLE a (id int);\n")
    project.write("V2__b.sql", "CREATE TABLE b (id int);\n")
    assert run(capsys, "migrate")[0] == 0
    project.write("V3__c.sql", "CREATE TABLE c (id int);\n")
    aged(project)
    return project


@pytest.fixture
def applied(project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Project:
    return _applied(project, capsys, monkeypatch)


@pytest.fixture
def applied_anywhere(any_project: Project, capsys: pytest.CaptureFixture[str],
                     monkeypatch: pytest.MonkeyPatch) -> Project:
    return _applied(any_project, capsys, monkeypatch)


def _no_fresh_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("status was read again although nothing changed")
    monkeypatch.setattr(inspection, "_status", refuse)


def test_an_unchanged_project_gets_the_same_answer_without_reading_it_again(
        applied_anywhere: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    first = run(capsys, "status")[1]
    first_json = run(capsys, "status", "--json")[1]
    assert len(cached_files(applied_anywhere)) == 2, "text and JSON are kept apart"
    with monkeypatch.context() as patch:
        _no_fresh_reading(patch)
        assert run(capsys, "status")[1] == first and run(capsys, "status", "--json")[1] == first_json
    assert "applied 2 · pending 1" in first


@pytest.mark.parametrize("change", ["hand-edited row", "new migration ran", "file edited", "file added",
                                    "row deleted"])
def test_any_change_is_read_afresh(applied: Project, capsys: pytest.CaptureFixture[str], change: str) -> None:
    before = run(capsys, "status")[1]
    if change == "hand-edited row":
        applied.query("UPDATE dbworkbench_history SET installed_by = 'mallory' WHERE version = '1'")
    elif change == "new migration ran":
        assert run(capsys, "migrate")[0] == 0
    elif change == "file edited":
        applied.write("V1__a.sql", "CREATE TABLE a (id bigint);\n")
        aged(applied)  # even with the old mtime back: size, ctime and inode still say it changed
    elif change == "file added":
        applied.write("V4__d.sql", "CREATE TABLE d (id int);\n")
    else:
        applied.query("DELETE FROM dbworkbench_history WHERE version = '2'")
    after = run(capsys, "status")[1]
    assert after != before
    expected = {"hand-edited row": "mallory", "new migration ran": "applied 3 · pending 0",
                "file edited": "checksum mismatch", "file added": "pending 2", "row deleted": "applied 1"}[change]
    assert expected in after, after
    assert after == run(capsys, "status")[1]


def test_a_damaged_cache_is_no_cache(applied: Project, capsys: pytest.CaptureFixture[str]) -> None:
    first = run(capsys, "status")[1]
    for path in cached_files(applied):
        path.write_text('{"key": "x", "text": 1')
    assert run(capsys, "status")[1] == first
    for path in cached_files(applied):
        path.write_text('{"key": "forged", "text": "not the status"}')
    assert run(capsys, "status")[1] == first, "a key that does not match is not believed"


def test_files_too_new_to_trust_are_not_kept(any_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    any_project.write("V1__a.sql", "CREATE TABLE a (id int);\n")
    aged(any_project)  # an old mtime, but the ctime says it was written just now
    run(capsys, "status")
    assert cached_files(any_project) == []
