"""`status` answered with its last answer when nothing it shows can have changed: the migrations folder (every
entry's inode, size, mtime and ctime, as `core.migration_cache` signs it), the history (a digest of every row the
server computes, `HistoryStore.fingerprint`), the target, its server version and protection mark, the environment,
the local time zone, and how the answer is rendered (the caller's `kind`). Any of them different, and the status is
read and rendered as usual, and kept for next time.

The answer is kept only when every file of the folder is older than `RACY_SECONDS` (a file edited in the same
clock tick as the cache is never trusted), as JSON text in the project's `.dbworkbench/cache/`; a cache that
cannot be read or written is no cache.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from dbworkbench import __version__
from dbworkbench.app.gate import protection_of
from dbworkbench.app.inspection import report_of
from dbworkbench.app.reports import StatusReport
from dbworkbench.app.vocabulary import Verb
from dbworkbench.config import STATE_DIR, Settings
from dbworkbench.core.json_files import read_json, write_json
from dbworkbench.core.migration_cache import RACY_SECONDS, folder_signature
from dbworkbench.core.session import open_session

FORMAT = 1
"""Bumped whenever what the key covers changes."""


def status_text(settings: Settings, kind: str, render: Callable[[StatusReport], str]) -> str:
    """`render(status(settings))`, from the cache when its key still holds.

    Raises:
        DiscoveryError, DatabaseConnectionError: as `status`.
    """
    taken = folder_signature(settings.migrations_dir)
    signature, newest = taken
    with open_session(settings, write=False, purpose=Verb.STATUS.value) as session:
        history = session.store.fingerprint(session.conn) if session.history_exists() else "no history"
        now = datetime.now().astimezone()
        key = hashlib.sha256(json.dumps([
            FORMAT, __version__, kind, signature, settings.layout, str(settings.migrations_dir.resolve()),
            settings.history_table, settings.environment.name, session.label, session.server_version,
            protection_of(settings, session).name, history, str(now.tzinfo), str(now.utcoffset()),
        ]).encode()).hexdigest()
        path = settings.project_dir / STATE_DIR / "cache" / f"status-{_slot(settings, kind)}.json"
        found = _load(path, key) if signature is not None else None
        if found is not None:
            return found
        report = report_of(settings, session, taken)
    text = render(report)
    if signature is not None and newest < time.time_ns() - int(RACY_SECONDS * 1e9):
        write_json(path, {"key": key, "text": text})
    return text


def _slot(settings: Settings, kind: str) -> str:
    """One cache file per environment, folder and rendering (a new answer replaces the last)."""
    return hashlib.sha256(f"{settings.environment.name}\0{settings.migrations_dir}\0{kind}".encode()).hexdigest()[:16]


def _load(path: Path, key: str) -> str | None:
    data = read_json(path)
    return data["text"] if isinstance(data, dict) and data.get("key") == key and isinstance(
        data.get("text"), str) else None
