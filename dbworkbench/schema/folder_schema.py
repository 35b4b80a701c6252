"""A folder of .sql files as a schema: built on a scratch database, then introspected (one side of `diff`, and
the desired state of `plan`). Only a folder side loads this (and the parser, discovery and scratch databases)."""

from __future__ import annotations

import re
from pathlib import Path

import psycopg

from dbworkbench.config import Settings
from dbworkbench.core.discovery import discover
from dbworkbench.core.lexer import line_col
from dbworkbench.core.scripts import substitute
from dbworkbench.core.syntax import SqlSyntaxError, parse_statements
from dbworkbench.errors import PlanError
from dbworkbench.schema.introspect import introspect
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


def from_folder(folder: Path, settings: Settings) -> SchemaSnapshot:
    """The folder's schema, built on a scratch database.

    Raises:
        PlanError: a file fails or cannot be read. DiscoveryError: a bad migration file.
    """
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
