"""Where a schema to compare comes from: a live database (URL), or a folder of .sql files built on a scratch
database of the project's embedded server."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg

from dbworkbench.config import Settings, check_url
from dbworkbench.core.discovery import discover
from dbworkbench.core.syntax import parse_statements
from dbworkbench.errors import DatabaseConnectionError, PlanError
from dbworkbench.schema.introspect import introspect, introspect_conninfo
from dbworkbench.schema.model import SchemaSnapshot
from dbworkbench.schema.replay import scratch_database

_MIGRATION_NAME = re.compile(r"^(V.+__|R__).+\.sql$")


def _scripts(folder: Path) -> list[tuple[str, str]]:
    """The folder's SQL in the order to run it: migrations in version order (up parts), else files by name."""
    if any(_MIGRATION_NAME.match(p.name) for p in folder.glob("*.sql")):
        migrations = discover(folder)
        return [(m.script, m.up_sql) for m in (*migrations.versioned, *migrations.repeatable)]
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(folder.rglob("*.sql"))]


def load(source: str, settings: Settings) -> SchemaSnapshot:
    """Introspect a URL, or build a folder of .sql files on a scratch database and introspect that.

    Raises:
        PlanError: a file of the folder fails. DatabaseConnectionError: unreachable database.
    """
    folder = Path(source)
    if folder.is_dir():
        return _from_folder(folder, settings)
    url = check_url(source, "--from/--to")
    try:
        return introspect_conninfo(url)
    except psycopg.OperationalError as exc:
        raise DatabaseConnectionError(f"could not connect to {source!r}: {str(exc).strip().splitlines()[0]}") from exc


def _from_folder(folder: Path, settings: Settings) -> SchemaSnapshot:
    with scratch_database(settings) as conn:
        for script, text in _scripts(folder):
            for statement in parse_statements(text):
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
