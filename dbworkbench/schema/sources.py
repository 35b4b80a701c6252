"""Where a schema to compare comes from: a live database (URL), or a folder of .sql files built on a scratch
database of the project's embedded server."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg

from dbworkbench.config import EMBEDDED, EMBEDDED_DEFAULT_DB, Settings, check_url
from dbworkbench.core.db import embedded_server
from dbworkbench.core.discovery import discover
from dbworkbench.core.history import hidden_relations
from dbworkbench.core.lexer import line_col
from dbworkbench.core.scripts import substitute
from dbworkbench.core.syntax import SqlSyntaxError, parse_statements
from dbworkbench.errors import DatabaseConnectionError, PlanError
from dbworkbench.schema.introspect import introspect, introspect_conninfo
from dbworkbench.schema.model import SchemaSnapshot
from dbworkbench.schema.replay import scratch_database

_MIGRATION_NAME = re.compile(r"^(V.+__|R__).+\.sql$")


def _scripts(folder: Path, placeholders: dict[str, str]) -> list[tuple[str, str]]:
    """The folder's SQL in the order to run it: migrations in version order (up parts, the environment's
    placeholders filled as a migrate would), else files by name.

    Raises:
        DiscoveryError: a bad migration file. PlanError: a file that is not UTF-8.
    """
    if any(_MIGRATION_NAME.match(p.name) for p in folder.glob("*.sql")):
        migrations = discover(folder)
        return [(m.script, _filled(m.up_sql, placeholders)) for m in (*migrations.versioned, *migrations.repeatable)]
    found = []
    for path in sorted(folder.rglob("*.sql")):
        try:
            found.append((str(path.relative_to(folder)), path.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise PlanError(f"{path}: cannot be read as UTF-8 text ({exc}).") from exc
    return found


def _filled(text: str, placeholders: dict[str, str]) -> str:
    try:
        return substitute(text, placeholders).text
    except KeyError:
        return text


def load(source: str, settings: Settings) -> SchemaSnapshot:
    """Introspect a URL, or build a folder of .sql files on a scratch database and introspect that.

    Raises:
        PlanError: a file of the folder fails. DatabaseConnectionError: unreachable database.
    """
    folder = Path(source)
    if folder.is_dir():
        return _from_folder(folder, settings)
    url = check_url(source, "--from/--to")
    if url == EMBEDDED or url.startswith(EMBEDDED + ":"):
        status = embedded_server(settings).ensure_running()
        url = status.conninfo(url.partition(":")[2] or EMBEDDED_DEFAULT_DB)
    elif not url:
        raise PlanError("--from/--to needs a folder, a URL, or `embedded[:database]`.")
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
            row = conn.execute("SELECT current_schema()").fetchone()
        hidden = hidden_relations(settings.history_table, str(row[0]) if row and row[0] else "public")
        return introspect_conninfo(url, hidden=hidden)
    except psycopg.OperationalError as exc:
        raise DatabaseConnectionError(f"could not connect to {source!r}: {str(exc).strip().splitlines()[0]}") from exc


def _from_folder(folder: Path, settings: Settings) -> SchemaSnapshot:
    with scratch_database(settings) as conn:
        for script, text in _scripts(folder, dict(settings.environment.placeholders)):
            try:
                statements = parse_statements(text)
            except SqlSyntaxError as exc:
                line, column = line_col(text, exc.offset)
                raise PlanError(f"{folder / script}:{line}:{column}: {exc.message} (while building the folder's "
                                "schema on a scratch database); nothing was compared.",
                                title="SQL syntax error") from exc
            for statement in statements:
                try:
                    conn.execute(statement.text)
                except psycopg.Error as exc:
                    raise PlanError(f"{folder / script}:{statement.line}: {str(exc).strip().splitlines()[0]} "
                                    "(while building the folder's schema on a scratch database)") from exc
        return introspect(conn)


def load_both(source: str, target: str, settings: Settings) -> tuple[SchemaSnapshot, SchemaSnapshot]:
    """Both sides of a diff, read at the same time."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.submit(load, source, settings), pool.submit(load, target, settings)
        return first.result(), second.result()
