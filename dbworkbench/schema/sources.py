"""Where a schema to compare comes from: a live database (URL), or a folder of .sql files built on a scratch
database of the project's embedded server."""

from __future__ import annotations

from pathlib import Path

import psycopg

from dbworkbench.config import EMBEDDED, EMBEDDED_DEFAULT_DB, Settings, check_url
from dbworkbench.core.db import embedded_server
from dbworkbench.core.history import hidden_relations
from dbworkbench.errors import DatabaseConnectionError, PlanError
from dbworkbench.schema.introspect import introspect_conninfo
from dbworkbench.schema.model import SchemaSnapshot


def load(source: str, settings: Settings) -> SchemaSnapshot:
    """Introspect a URL, or build a folder of .sql files on a scratch database and introspect that.

    Raises:
        PlanError: a file of the folder fails. DatabaseConnectionError: unreachable database.
    """
    folder = Path(source)
    if folder.is_dir():
        from dbworkbench.schema.folder_schema import from_folder  # only a folder side needs the parser

        return from_folder(folder, settings)
    url = check_url(source, "--from/--to")
    if url == EMBEDDED or url.startswith(EMBEDDED + ":"):
        status = embedded_server(settings).ensure_running()
        url = status.conninfo(url.partition(":")[2] or EMBEDDED_DEFAULT_DB)
    elif not url:
        raise PlanError("--from/--to needs a folder, a URL, or `embedded[:database]`.")
    try:
        return introspect_conninfo(url, hidden=lambda current: hidden_relations(settings.history_table, current),
                                   connect_timeout=10)
    except psycopg.OperationalError as exc:
        raise DatabaseConnectionError(f"could not connect to {source!r}: {str(exc).strip().splitlines()[0]}") from exc


def load_both(source: str, target: str, settings: Settings) -> tuple[SchemaSnapshot, SchemaSnapshot]:
    """Both sides of a diff, read at the same time."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        first, second = pool.submit(load, source, settings), pool.submit(load, target, settings)
        return first.result(), second.result()
