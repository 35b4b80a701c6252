"""What Liquibase's `databasechangelog` says ran, mapped onto the folder's formatted SQL changesets (for `adopt`).

A row counts when its EXECTYPE is EXECUTED, RERAN or MARK_RAN; a FAILED row refuses (Liquibase left the change
half-done). Rows are matched to changesets by `author:id` and file name. Liquibase's MD5SUM is its own
normalisation of the changeset and is not recomputed here, which the report says.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import Any

import psycopg
from psycopg import sql

from dbworkbench.core.layouts_liquibase import read_liquibase
from dbworkbench.errors import DiscoveryError, IntegrityError, PlanError

_RAN = ("EXECUTED", "RERAN", "MARK_RAN")


def liquibase_applied(conn: psycopg.Connection[Any], table: str, folder: Path) -> tuple[list[str], list[str]]:
    """(the versions of the changesets Liquibase ran, notes).

    Raises:
        DiscoveryError: the changelogs cannot be read. PlanError: not Liquibase's table. IntegrityError: a FAILED row.
    """
    problems: list[tuple[str, str]] = []
    files, changesets = read_liquibase(folder, problems)
    if problems:
        raise DiscoveryError(problems)
    try:
        rows = conn.execute(sql.SQL("SELECT id, author, filename, exectype FROM {} ORDER BY orderexecuted, "
                                    "dateexecuted").format(sql.SQL(table))).fetchall()
    except psycopg.errors.UndefinedColumn as exc:
        raise PlanError(f"{table} is not Liquibase's databasechangelog ({str(exc).splitlines()[0]}).") from exc
    failed = [f"{r[1]}:{r[0]} ({r[2]})" for r in rows if str(r[3]).upper() == "FAILED"]
    if failed:
        raise IntegrityError(f"{table} records failed changesets: {', '.join(failed)}; fix them with Liquibase "
                             "first, then adopt.", title="failed migration in history")
    where = {(c.identity, c.file): f.key for f, c in zip(files, changesets, strict=True)}
    by_identity = {c.identity: f.key for f, c in zip(files, changesets, strict=True)}
    applied, notes = [], []
    for change_id, author, filename, kind in rows:
        if str(kind).upper() not in _RAN:
            continue
        identity = f"{author}:{change_id}"
        key = where.get((identity, PurePosixPath(str(filename)).name)) or by_identity.get(identity)
        if key is None:
            notes.append(f"Liquibase ran changeset {identity} of {filename}, which is not in the folder: not recorded")
        elif key not in applied:
            applied.append(key)
    positions = sorted(int(k) for k in applied)
    if positions and positions != list(range(1, len(positions) + 1)):
        notes.append("Liquibase ran changesets out of their changelog order: the ones before them not yet run "
                     "are pending below the current version (`migrate --out-of-order` runs them)")
    notes.append("Liquibase's MD5SUM is not recomputed: a changeset edited since it ran is recorded as it is now")
    return applied, notes
