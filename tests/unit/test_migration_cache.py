"""The stat-keyed cache `status` reads a folder through: a current cache gives exactly what discovery gives, and
anything that could make it stale (an edit that keeps size and mtime, a new, removed or renamed file, a file too
recent to trust, a corrupt or foreign cache file, another layout) makes it read the files again."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from dbworkbench.core import migration_cache
from dbworkbench.core.discovery import MigrationSet, discover
from dbworkbench.core.migration_cache import cached_migrations


class Counting:
    """discover(), counting the calls (a call is a read of the files)."""

    def __init__(self, folder: Path) -> None:
        self.folder, self.calls = folder, 0

    def __call__(self) -> MigrationSet:
        self.calls += 1
        return discover(self.folder)


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(migration_cache, "RACY_SECONDS", 0.0)  # ctime cannot be set back: trust files now
    sql = tmp_path / "sql"
    (sql / "nested").mkdir(parents=True)
    (sql / "V1__a.sql").write_text("CREATE TABLE a ();\n-- @undo\nDROP TABLE a;\n")
    (sql / "nested" / "V2__b.sql").write_text("CREATE TABLE b ();\n")
    (sql / "U2__b.sql").write_text("DROP TABLE b;\n")
    (sql / "R__view.sql").write_text("CREATE OR REPLACE VIEW v AS SELECT 1;\n")
    (sql / "B1__base.sql").write_text("CREATE TABLE a ();\n")
    return sql


def test_a_current_cache_gives_what_discovery_gives_without_reading_the_files(folder: Path, tmp_path: Path) -> None:
    read = Counting(folder)
    first = cached_migrations(folder, "dbworkbench", tmp_path / "cache", read)
    again = cached_migrations(folder, "dbworkbench", tmp_path / "cache", read)
    assert read.calls == 1
    assert again == first == discover(folder)
    assert cached_migrations(folder, "flyway", tmp_path / "cache", read) == first and read.calls == 2, \
        "another layout is another key"


@pytest.mark.parametrize("change", ["same size and mtime", "new file", "removed", "renamed", "undo file"])
def test_any_change_under_the_folder_reads_it_again(folder: Path, tmp_path: Path, change: str) -> None:
    read = Counting(folder)
    cached_migrations(folder, "dbworkbench", tmp_path / "cache", read)
    target = folder / "V1__a.sql"
    if change == "same size and mtime":
        stat = target.stat()
        target.write_text("CREATE TABLE z ();\n-- @undo\nDROP TABLE z;\n")  # same length
        os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        assert target.stat().st_size == stat.st_size and target.stat().st_mtime_ns == stat.st_mtime_ns
    elif change == "new file":
        (folder / "V3__c.sql").write_text("CREATE TABLE c ();\n")
    elif change == "removed":
        (folder / "R__view.sql").unlink()
    elif change == "renamed":
        target.rename(folder / "V1__renamed.sql")
    else:
        (folder / "U2__b.sql").write_text("DROP TABLE b CASCADE;\n")
    found = cached_migrations(folder, "dbworkbench", tmp_path / "cache", read)
    assert read.calls == 2 and found == discover(folder)


def test_files_too_recent_to_trust_are_not_cached(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                                  ) -> None:
    monkeypatch.setattr(migration_cache, "RACY_SECONDS", 3600.0)
    read = Counting(folder)
    cached_migrations(folder, "dbworkbench", tmp_path / "cache", read)
    cached_migrations(folder, "dbworkbench", tmp_path / "cache", read)
    assert read.calls == 2 and not list((tmp_path / "cache").glob("*.json"))


def test_a_corrupt_or_unwritable_cache_is_ignored(folder: Path, tmp_path: Path) -> None:
    read = Counting(folder)
    cache = tmp_path / "cache"
    cached_migrations(folder, "dbworkbench", cache, read)
    for path in cache.glob("*.json"):
        path.write_text('{"key": ')
    assert cached_migrations(folder, "dbworkbench", cache, read) == discover(folder) and read.calls == 2
    blocked = tmp_path / "file-not-folder"
    blocked.write_text("")
    assert cached_migrations(folder, "dbworkbench", blocked / "cache", read) == discover(folder)


def test_bad_files_are_never_cached(folder: Path, tmp_path: Path) -> None:
    from dbworkbench.errors import DiscoveryError

    (folder / "V9__x.SQL").write_text("SELECT 1;\n")
    read = Counting(folder)
    for _ in range(2):
        with pytest.raises(DiscoveryError):
            cached_migrations(folder, "dbworkbench", tmp_path / "cache", read)
    assert read.calls == 2
