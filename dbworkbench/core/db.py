"""Connections: resolve the target from `Settings`, connect, translate failures, describe the server.

Connections are autocommit; atomic work uses `with conn.transaction():`. No password ever leaves
this module in a message: conninfo strings are redacted, and libpq's own messages do not carry it.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from dbworkbench.config import Environment, Settings, redact
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
        return Target(status.conninfo(env.embedded_database), f"embedded PostgreSQL {status.version} "
                      f"({settings.state_dir.name}/pgdata)/{env.embedded_database}", True)
    return Target(env.url, describe_conninfo(env.url), False)


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


def _connection_message(target: Target, exc: psycopg.Error) -> str:
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    reason = "; ".join(lines) or type(exc).__name__
    reason = reason.replace("connection failed: ", "")
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


def apply_timeouts(conn: psycopg.Connection[tuple[object, ...]], env: Environment) -> None:
    """Set the environment's lock_timeout and statement_timeout on the session."""
    for name, value in (("lock_timeout", env.lock_timeout), ("statement_timeout", env.statement_timeout)):
        if value is not None:
            conn.execute(sql.SQL("SELECT set_config({}, {}, false)").format(sql.Literal(name), sql.Literal(value)))
