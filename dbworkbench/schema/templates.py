"""Template databases on the embedded server: a replayed prefix of migrations, kept to clone fresh databases from.

A template is named by the chained hash of the steps that built it (step k's key hashes step k-1's key with step
k's own text), so it matches exactly when every step up to it is the same: a changed file invalidates the
templates after it and none before. A fresh database is cloned (`CREATE DATABASE … TEMPLATE`) from the newest
template whose key is a prefix of the steps wanted; only the steps after it are replayed. Replaying saves two
templates: after the last step and after the one before it (the file being written is usually the last one, so its
edits keep the prefix before it cached). Templates take no connections (`ALLOW_CONNECTIONS false`), so a clone
never waits for a session; at most `KEEP` are kept (the newest), and `clear` drops them all.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from dbworkbench.config import Settings, redact
from dbworkbench.core.db import connection_reason, embedded_server
from dbworkbench.errors import ConfigError, DatabaseConnectionError

PREFIX = "dbwb_tpl_"
"""Every template database's name starts with this (then the kind, `_`, and 32 hex digits of its key)."""
KEEP = 16
"""Templates kept on a server; the oldest beyond this are dropped when a new one is saved."""
FORMAT = "1"
"""Part of every key: a change to how steps are replayed invalidates every template."""

Advance = Callable[[str, int, int], None]
"""Bring the database at this conninfo from step `start` to step `stop` (indexes into the steps); must close
every connection it opened before returning (a database with sessions cannot be copied)."""


@dataclass(frozen=True, slots=True)
class Fresh:
    """A fresh database cloned from the cache."""

    name: str
    conninfo: str
    reused: int
    """Steps that came from a template (not replayed)."""
    replayed: int
    """Steps replayed after the template."""


def chain(texts: Sequence[str], kind: str) -> list[str]:
    """The key after each step: sha256 chained over the steps' texts, salted by kind and format."""
    key = hashlib.sha256(f"{FORMAT}:{kind}".encode()).hexdigest()
    keys = []
    for text in texts:
        key = hashlib.sha256((key + hashlib.sha256(text.encode()).hexdigest()).encode()).hexdigest()
        keys.append(key)
    return keys


def template_name(kind: str, key: str) -> str:
    """The database name of the template at this key."""
    return f"{PREFIX}{kind}_{key[:32]}"


_lock = threading.Lock()
_users = 0
"""Scratch databases open in this process (two at once for a diff of two folders)."""
_started_here = False
"""This process started the embedded server only to hold scratch databases."""


class ScratchServer(Protocol):
    """Where scratch databases and templates are created."""

    def conninfo(self, database: str) -> str:
        """Connection string for `database` on this server, as a role that may create databases."""


@dataclass(frozen=True, slots=True)
class ConfiguredServer:
    """A server named by `scratch_url` (a role with CREATEDB) instead of the embedded one."""

    url: str

    def conninfo(self, database: str) -> str:
        """The URL with its database replaced."""
        return make_conninfo(self.url, dbname=database)


@contextlib.contextmanager
def scratch_server(settings: Settings) -> Iterator[ScratchServer]:
    """The server for scratch databases, running, for the duration: `scratch_url` when configured, else the
    embedded server; an embedded server started only for scratch databases is stopped again when the last one is
    done and nobody else is connected to it."""
    if settings.scratch_url:
        yield _reachable(ConfiguredServer(settings.scratch_url))
        return
    global _users, _started_here
    server = embedded_server(settings)
    with _lock:
        if _users == 0 and not server.status().running:
            _started_here = True
        status = server.ensure_running()
        _users += 1
    try:
        yield status
    finally:
        with _lock:
            _users -= 1
            if _users == 0 and _started_here:
                _started_here = False
                if _nobody_else_on(status.conninfo("postgres")):
                    server.stop()


def _reachable(server: ConfiguredServer) -> ConfiguredServer:
    """The configured server, once it answered and its role may create databases.

    Raises:
        DatabaseConnectionError: unreachable, refused, wrong password, unknown database.
        ConfigError: the role may not create databases.
    """
    try:
        with psycopg.connect(server.url, autocommit=True, connect_timeout=10) as conn:
            row = conn.execute("SELECT current_user, rolcreatedb OR rolsuper FROM pg_roles "
                               "WHERE rolname = current_user").fetchone()
    except psycopg.Error as exc:
        raise DatabaseConnectionError(
            f"could not connect to the scratch server {redact(server.url)}: {redact(connection_reason(exc))}. Scratch databases go "
            "to scratch_url / DBWORKBENCH_SCRATCH_URL (or `ci --url`): check it names a running server and a role "
            "that may log in.") from exc
    if row is None or not row[1]:
        role = row[0] if row else "the role"
        raise ConfigError(f"{role} may not create databases on the scratch server {redact(server.url)}: scratch "
                          f"databases need ALTER ROLE {role} CREATEDB, or another scratch_url.",
                          title="scratch server refused")
    return server


def _nobody_else_on(admin: str) -> bool:
    """No other client is connected. A backend whose client just closed its connection exits a moment later
    (it is still in pg_stat_activity meanwhile), so the question is asked again for half a second."""
    with psycopg.connect(admin, autocommit=True) as conn:
        for _ in range(10):
            row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                               "AND pid <> pg_backend_pid()").fetchone()
            if row is not None and row[0] == 0:
                return True
            time.sleep(0.05)
    return False


def scratch_name() -> str:
    """A database name no other process or thread will pick."""
    return f"dbwb_scratch_{os.getpid()}_{uuid.uuid4().hex[:12]}"


@contextlib.contextmanager
def fresh_database(status: ScratchServer, kind: str, texts: Sequence[str], advance: Advance, *,
                   cache: bool = True, keep: Sequence[int] | None = None, spare: bool = False) -> Iterator[Fresh]:
    """A new database on the scratch server holding every step of `texts`, dropped afterwards.

    Cloned from the newest template of `kind` whose key is a prefix of the steps; the rest is replayed by
    `advance`, saving a template after the last step and after each step count in `keep` (default: the one
    before the last). With `cache` false no template is read or saved. Errors raised by `advance` pass through (the
    templates already saved stay: each is a correct prefix).

    With `spare` (for a long-lived process that asks again and again: the pytest plugin), a copy of the full
    template is made in a background thread while the database is in use, and the next request of the same steps
    takes it by renaming it (milliseconds) instead of copying a template (the copy's cost is the database's size:
    about 3 s for 1 000 migrations' 110 MB here).
    """
    keys = chain(texts, kind)
    admin = status.conninfo("postgres")
    name = scratch_name()
    reused = 0
    with psycopg.connect(admin, autocommit=True) as conn:
        if cache and spare and keys and _claim_spare(conn, name, template_name(kind, keys[-1])):
            reused = len(keys)
        elif cache and keys:
            reused = _clone_newest(conn, name, kind, keys)
        if reused == 0:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        conninfo = status.conninfo(name)
        total = len(keys)
        points = (total - 1,) if keep is None else keep
        checkpoints = sorted({k for k in (*points, total) if reused < k <= total}) if cache else [total]
        done = reused
        for point in checkpoints:
            if point > done:
                advance(conninfo, done, point)
                done = point
            if cache and point > 0:
                _save(admin, name, template_name(kind, keys[point - 1]))
        if cache and spare and keys:
            threading.Thread(target=_make_spare, args=(admin, template_name(kind, keys[-1])), daemon=True).start()
        yield Fresh(name, conninfo, reused, total - reused)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _clone_newest(conn: psycopg.Connection[Any], name: str, kind: str, keys: list[str]) -> int:
    """Create `name` from the newest matching template; the number of steps it holds (0: none matched)."""
    existing = {str(r[0]) for r in conn.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE %s", (PREFIX + kind + "\\_%",)).fetchall()}
    for count in range(len(keys), 0, -1):
        template = template_name(kind, keys[count - 1])
        if template not in existing:
            continue
        try:
            _copy(conn, name, template)
        except psycopg.Error:  # dropped since the listing (another process cleared or evicted it)
            continue
        return count
    return 0


BIG = 32 * 1024 * 1024
"""Above this size a database is copied file by file (STRATEGY FILE_COPY, PostgreSQL 15+), cloned by the file system
where PostgreSQL 18 can (`file_copy_method = clone`); below it WAL_LOG is faster (measured: 31 vs 61 ms for 8 MB,
3.0–4.8 vs 2.6 s, or 1.9 s with clone on ext4, for 110 MB)."""


def _copy(conn: psycopg.Connection[Any], new: str, source: str) -> None:
    """CREATE DATABASE new TEMPLATE source, with the cheapest strategy the server has for its size."""
    create = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(new), sql.Identifier(source))
    version = conn.info.server_version
    row = conn.execute("SELECT pg_database_size(%s)", (source,)).fetchone() if version >= 150000 else None
    if row is None or int(row[0]) <= BIG:
        conn.execute(create)
        return
    if version >= 180000:
        with contextlib.suppress(psycopg.Error):  # a role that may not set it copies as before
            conn.execute("SET file_copy_method = clone")
    conn.execute(create + sql.SQL(" STRATEGY FILE_COPY"))


def _claim_spare(conn: psycopg.Connection[Any], name: str, template: str) -> bool:
    """Rename a spare copy of `template` to `name`; False when there is none (or another process took it)."""
    spares = [str(r[0]) for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                                               (template.replace("_", "\\_") + "\\_s%",)).fetchall()]
    for candidate in spares:
        try:
            conn.execute(sql.SQL("ALTER DATABASE {} RENAME TO {}").format(sql.Identifier(candidate),
                                                                         sql.Identifier(name)))
        except psycopg.Error:
            continue
        conn.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true").format(sql.Identifier(name)))
        return True
    return False


def _make_spare(admin: str, template: str) -> None:
    """Copy `template` into a spare no session may connect to; a failure only means no spare next time."""
    spare = f"{template}_s{uuid.uuid4().hex[:6]}"
    with contextlib.suppress(psycopg.Error), psycopg.connect(admin, autocommit=True) as conn:
        _copy(conn, spare, template)
        conn.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(sql.Identifier(spare)))


def _save(admin: str, source: str, template: str) -> None:
    """Copy `source` (no session open on it) into template `template`, unless another process just did."""
    with psycopg.connect(admin, autocommit=True) as conn:
        try:
            _copy(conn, template, source)
        except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):  # a race: both are correct
            return
        conn.execute(sql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE true ALLOW_CONNECTIONS false").format(
            sql.Identifier(template)))
        _evict(conn)


def _evict(conn: psycopg.Connection[Any]) -> None:
    names = [str(r[0]) for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY oid DESC",
                                              (PREFIX + "%",)).fetchall()]
    kept = [n for n in names if n.count("_") == 3]  # templates; a spare's name adds `_s…` to its template's
    for name in kept[KEEP:]:
        for doomed in (name, *(n for n in names if n.startswith(name + "_s"))):
            with contextlib.suppress(psycopg.Error):  # another process is cloning it: leave it for next time
                _drop(conn, doomed)


def _drop(conn: psycopg.Connection[Any], name: str) -> None:
    conn.execute(sql.SQL("ALTER DATABASE {} WITH IS_TEMPLATE false").format(sql.Identifier(name)))
    conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@dataclass(frozen=True, slots=True)
class Templates:
    """The templates on the embedded server."""

    names: tuple[str, ...]
    bytes: int


def list_templates(settings: Settings) -> Templates:
    """The templates kept on the scratch server (none when the embedded server has never run)."""
    if not settings.scratch_url and embedded_server(settings).status().version is None:  # never initialised: nothing kept
        return Templates((), 0)
    with scratch_server(settings) as status, psycopg.connect(status.conninfo("postgres"),
                                                                   autocommit=True) as conn:
        rows = conn.execute("SELECT datname, pg_database_size(oid) FROM pg_database WHERE datname LIKE %s "
                            "ORDER BY oid", (PREFIX + "%",)).fetchall()
    return Templates(tuple(str(r[0]) for r in rows), sum(int(r[1]) for r in rows))


def clear(settings: Settings) -> Templates:
    """Drop every template on the scratch server; what was dropped."""
    found = list_templates(settings)
    if not found.names:
        return found
    with scratch_server(settings) as status, psycopg.connect(status.conninfo("postgres"),
                                                                   autocommit=True) as conn:
        for name in found.names:
            _drop(conn, name)
    return found
