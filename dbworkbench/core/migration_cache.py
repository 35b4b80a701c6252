"""A stat-keyed cache of a migrations folder, for `status` (like git's index): when no file under the folder was
added, removed or touched since the cache was written, the folder's `MigrationSet` comes from the cache instead of
being read, split and hashed again.

The key is every entry's name, inode, size, mtime and ctime (ctime changes on every write and cannot be set back
by a user), the layout and the folder. A cache is written only when every file is older than `RACY_SECONDS`, so a
file edited within the same clock tick as the cache's writing is never trusted (git's "racily clean" case). The
cache is JSON (loading it runs no code), lives in the project's `.dbworkbench/cache/`, and anything wrong with it
(unreadable, another format, a folder that cannot be written) means the folder is read as usual. `validate`,
writes and everything else read the files themselves.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dbworkbench.core.discovery import MigrationFile, MigrationKind, MigrationSet
from dbworkbench.core.json_files import read_json, write_json
from dbworkbench.core.versions import Version

FORMAT = 1
"""Bumped whenever `MigrationFile` or discovery's rules change."""
RACY_SECONDS = 2.0
"""Files modified this recently are not cached (the clock's and the file system's granularity)."""


Signature = tuple[str | None, int]
"""`folder_signature`'s answer: the folder's signature (None: it cannot be walked) and the newest time seen."""


def cached_migrations(folder: Path, layout: str, cache_dir: Path, read: Callable[[], MigrationSet],
                      taken: Signature | None = None) -> MigrationSet:
    """The folder's migrations from the cache when it is current, else from `read()` (and cached when every file
    is old enough). `read` raises DiscoveryError as discovery does; nothing is cached then. `taken`: the
    folder's signature, when the caller has just taken it."""
    signature, newest = taken or folder_signature(folder)
    if signature is None:
        return read()
    key = hashlib.sha256(f"{FORMAT}\0{layout}\0{folder.resolve()}\0{signature}".encode()).hexdigest()
    path = cache_dir / f"migrations-{hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]}.json"
    found = _load(path, key, folder)
    if found is not None:
        return found
    found = read()
    if newest < time.time_ns() - int(RACY_SECONDS * 1e9):
        _store(path, key, found)
    return found


def folder_signature(folder: Path) -> Signature:
    """Every entry under the folder (hidden ones too: a cheap superset of what discovery reads) with its inode,
    size, mtime and ctime; the newest mtime/ctime seen. None when the folder cannot be walked."""
    parts: list[str] = []
    newest = 0
    pending = [folder]
    seen: set[tuple[int, int]] = set()
    try:
        while pending:
            directory = pending.pop()
            with os.scandir(directory) as entries:
                listed = sorted(entries, key=lambda e: e.name)
            for entry in listed:
                stat = os.stat(entry.path)  # follows links, as discovery reads through them
                newest = max(newest, stat.st_mtime_ns, stat.st_ctime_ns)
                parts.append(f"{entry.path}\0{stat.st_ino}\0{stat.st_size}\0{stat.st_mtime_ns}\0{stat.st_ctime_ns}")
                if entry.is_dir() and (stat.st_dev, stat.st_ino) not in seen:
                    seen.add((stat.st_dev, stat.st_ino))
                    pending.append(Path(entry.path))
    except OSError:
        return None, 0
    return "\n".join(parts), newest


_KINDS = {kind.value: kind for kind in MigrationKind}


def _file(row: list[Any]) -> MigrationFile:
    script, kind, version, parts, description, up, digest, undo, undo_script, undo_line, no_tx = row
    parsed = None if version is None else Version(tuple(parts), version)
    return MigrationFile(script, _KINDS[kind], parsed, description, up, digest, undo, undo_script, undo_line, no_tx)


def _row(file: MigrationFile) -> list[Any]:
    version = file.version
    return [file.script, file.kind.value, version.text if version else None, list(version.parts) if version else None,
            file.description, file.up_sql, file.checksum, file.undo_sql, file.undo_script, file.undo_line,
            file.no_transaction]


def _load(path: Path, key: str, folder: Path) -> MigrationSet | None:
    data = read_json(path)
    try:
        if data.get("key") != key:
            return None
        return MigrationSet(folder, tuple(map(_file, data["versioned"])), tuple(map(_file, data["repeatable"])),
                            tuple(map(_file, data["baselines"])))
    except (AttributeError, ValueError, KeyError, TypeError):
        return None


def _store(path: Path, key: str, found: MigrationSet) -> None:
    write_json(path, {"key": key, "versioned": [_row(f) for f in found.versioned],
                      "repeatable": [_row(f) for f in found.repeatable],
                      "baselines": [_row(f) for f in found.baselines]})  # a read-only project is read every time
