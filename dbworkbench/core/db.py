"""Connections: resolve the target from `Settings`, connect, translate failures, describe the server.

Connections are autocommit; atomic work uses `with conn.transaction():`. No password ever leaves
this module in a message: conninfo strings are redacted, and libpq's own messages do not carry it.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from dbworkbench.config import EMBEDDED, EMBEDDED_DEFAULT_DB, Settings, redact
from dbworkbench.core.embedded import EmbeddedServer
from dbworkbench.errors import ConfigError, DatabaseConnectionError

ASSUMED_SERVER_MAJOR = 18
"""The PostgreSQL major version assumed when no server is consulted (linting files offline)."""

APPLICATION_NAME = "dbworkbench"
"""application_name of every connection we open; the lock holder extends it with what it runs."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where to connect, ready for libpq."""

    conninfo: str
    label: str
    """user@host/db as shown to people: no password."""
    embedded: bool


def embedded_server(settings: Settings) -> EmbeddedServer:
    """The project's embedded server (not started)."""
    return EmbeddedServer(settings.state_dir / "pgdata")


def resolve_target(settings: Settings) -> Target:
    """Turn the environment's URL into a conninfo; starts the embedded server when it is the target.

    Raises:
        ServerError: the embedded server could not start.
    """
    env = settings.environment
    if env.is_embedded:
        status = embedded_server(settings).ensure_running()
        target = Target(status.conninfo(env.embedded_database), f"embedded PostgreSQL {status.version} "
                        f"({settings.state_dir.name}/pgdata)/{env.embedded_database}", True)
    else:
        target = Target(env.url, describe_conninfo(env.url), False)
    return target if env.tenant is None else confined(target, env.tenant)


def confined(target: Target, schema: str) -> Target:
    """The target with every connection's search_path set to `schema` alone, from the connection's start (so a
    file's RESET ALL returns to it): one tenant of a schema-per-tenant database."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    quoted = '"' + schema.replace('"', '""') + '"'
    option = "-c search_path=" + quoted.replace("\\", "\\\\").replace(" ", "\\ ")
    given = str(conninfo_to_dict(target.conninfo).get("options") or "")
    return Target(make_conninfo(target.conninfo, options=f"{given} {option}".strip()),
                  f"{target.label} (schema {schema})", target.embedded)


def describe_conninfo(conninfo: str) -> str:
    """user@host:port/db from a URL or conninfo string (libpq defaults filled in), without password."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = conninfo_to_dict(conninfo)
    except psycopg.Error:
        return redact(conninfo)
    user = params.get("user") or "(default user)"
    host = params.get("host") or params.get("hostaddr") or "(default host)"
    port = f":{params['port']}" if params.get("port") else ""
    db = params.get("dbname") or "(default db)"
    return f"{user}@{host}{port}/{db}"


@dataclass(frozen=True, slots=True)
class TargetIdentity:
    """Which database a connection reaches: host (a socket folder, or a host name), port and database name."""

    host: str | None
    """None: libpq's default socket folder, whichever it is (matches any socket)."""
    port: int
    dbname: str

    def same_as(self, other: TargetIdentity) -> bool:
        """The same database (an unknown default socket folder matches any socket folder)."""
        if (self.port, self.dbname) != (other.port, other.dbname):
            return False
        if self.host is None or other.host is None:
            return (self.host or "/").startswith("/") and (other.host or "/").startswith("/")
        return self.host == other.host


_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


def _host(value: str | None) -> str | None:
    if not value:
        return None
    value = value.split(",")[0].strip()
    if value.startswith("/"):
        return os.path.realpath(value)
    return "localhost" if value.lower() in _LOOPBACK else value.lower()


def connection_identity(conn: psycopg.Connection[Any]) -> TargetIdentity:
    """Where an open connection really goes."""
    return TargetIdentity(_host(conn.info.host), int(conn.info.port), conn.info.dbname)


def configured_identity(settings: Settings, url: str) -> TargetIdentity | None:
    """Where a configured URL would go, without connecting (libpq's PG* defaults filled in); None when it cannot be
    told (a malformed URL, or the embedded server is not running, so it cannot be the current target)."""
    environ = settings.libpq_environment
    if url == EMBEDDED or url.startswith(EMBEDDED + ":"):
        status = embedded_server(settings).status()
        name = url.partition(":")[2] or EMBEDDED_DEFAULT_DB
        return TargetIdentity(_host(str(status.socket_dir)), status.port, name) if status.running else None
    from psycopg.conninfo import conninfo_to_dict

    try:
        params = conninfo_to_dict(url) if url else {}
    except psycopg.Error:
        return None
    user = str(params.get("user") or environ.get("PGUSER") or getpass.getuser())
    host = str(params.get("host") or params.get("hostaddr") or environ.get("PGHOST") or environ.get("PGHOSTADDR") or "")
    port = str(params.get("port") or environ.get("PGPORT") or "5432").split(",")[0]
    dbname = str(params.get("dbname") or environ.get("PGDATABASE") or user)
    return TargetIdentity(_host(host), int(port) if port.isdigit() else 5432, dbname)


def describe_connection(conn: psycopg.Connection[Any]) -> str:
    """user@host:port/db of an open connection (what it really reached), never a password."""
    info = conn.info
    return f"{info.user}@{info.host}:{info.port}/{info.dbname}"


def connect(target: Target, *, purpose: str = "", create_missing: bool = False) -> psycopg.Connection[tuple[object, ...]]:
    """Open an autocommit connection.

    Args:
        target: where to connect.
        purpose: appended to application_name, visible in pg_stat_activity.
        create_missing: on the embedded server, create the database if it does not exist.

    Raises:
        DatabaseConnectionError: unreachable, refused, wrong password, unknown database.
    """
    app = f"{APPLICATION_NAME} {purpose}".strip()[:63]
    try:
        return psycopg.connect(target.conninfo, autocommit=True, application_name=app, connect_timeout=10)
    except psycopg.OperationalError as exc:
        if create_missing and target.embedded and "does not exist" in str(exc):
            _create_embedded_database(target)
            return connect(target, purpose=purpose)
        raise DatabaseConnectionError(_connection_message(target, exc)) from exc
    except psycopg.ProgrammingError as exc:
        raise ConfigError(f"the connection settings for {target.label} are not valid: {redact(str(exc))}",
                          title="bad database URL") from exc


def _create_embedded_database(target: Target) -> None:
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(target.conninfo)
    dbname = str(params["dbname"])
    admin = make_conninfo(target.conninfo, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        try:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(dbname)))
        except (psycopg.errors.DuplicateDatabase, psycopg.errors.UniqueViolation):
            pass  # created meanwhile by another connection (two workers starting at once): that is the goal


def connection_reason(exc: psycopg.Error) -> str:
    """libpq's reason for a failed connection, on one line (not yet redacted)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return ("; ".join(lines) or type(exc).__name__).replace("connection failed: ", "")


def _connection_message(target: Target, exc: psycopg.Error) -> str:
    reason = connection_reason(exc)
    hint = "Check the URL (--url, the environment's url, or PGHOST/PGPORT/PGUSER/PGDATABASE) and that the server runs."
    if "password authentication failed" in reason:
        hint = "The password was refused: check PGPASSWORD, ~/.pgpass or the URL's password (never printed here)."
    elif "no password supplied" in reason:
        hint = "The server wants a password: set PGPASSWORD or ~/.pgpass, or put it in the URL through ${VAR}."
    return f"could not connect to {target.label}: {redact(reason)}. {hint}"


def server_version(conn: psycopg.Connection[tuple[object, ...]]) -> str:
    """`18.6` style version of the connected server."""
    number = conn.info.server_version
    major = number // 10000
    return f"{major}.{number % 10000}" if major >= 10 else f"{major}.{(number // 100) % 100}.{number % 100}"
