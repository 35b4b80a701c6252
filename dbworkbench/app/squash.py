"""The `squash` verb: one baseline file equal to the schema (and the rows migrations inserted) at a version.

The versioned files up to that version are replayed on a scratch database; its schema, diffed from an empty
database, gives the DDL in dependency order, and its rows become INSERTs (sequences set where they stood). The text
is then proved on another scratch database: run alone, it must build the same catalog (compared as catalogs, not
text) and the same rows, table by table. Written as `B<version>__<description>.sql` beside the files, it is what a
new database runs instead of them (`core.planner`); databases that already have history keep it and never run it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import psycopg

from dbworkbench.app.roundtrip import file_steps
from dbworkbench.config import Settings
from dbworkbench.core.authoring import slug
from dbworkbench.core.layouts import project_migrations, require_own_names
from dbworkbench.core.syntax import parse_statements
from dbworkbench.core.versions import Version
from dbworkbench.errors import ConfigError, IntegrityError, PlanError
from dbworkbench.schema.diff import diff as diff_snapshots
from dbworkbench.schema.introspect import introspect
from dbworkbench.schema.model import SchemaSnapshot
from dbworkbench.schema.replay import scratch_database, scratch_replayed
from dbworkbench.schema.rows import fingerprint, insert_statements


@dataclass(frozen=True, slots=True)
class Squash:
    """A baseline file's text, what it stands for, and where it was written."""

    version: str
    script: str
    """`B<version>__<description>.sql`, the version spelled as its versioned file spells it."""
    sql: str
    replaces: tuple[str, ...]
    """The versioned files a new database no longer runs."""
    statements: int
    tables_with_rows: int
    notes: tuple[str, ...] = ()
    """What the reader should know (placeholders written with this environment's values)."""
    written: str | None = None


def squash(settings: Settings, to: str, *, description: str = "baseline", write: bool = False) -> Squash:
    """The baseline file at version `to`, proved; with `write`, saved beside the migrations.

    Raises:
        ConfigError: `to` is not a version.
        PlanError: no versioned file has it, a baseline file at it exists, a file fails on the scratch database,
            or the file would be written over.
        IntegrityError: the baseline does not build the same schema or rows (nothing is written).
    """
    if write:
        require_own_names(settings, "squash --write")
    try:
        wanted = Version.parse(to.lstrip("Vv"))
    except ValueError as exc:
        raise ConfigError(f"--to {to!r} is not a version.") from exc
    found = project_migrations(settings)
    files = [f for f in found.versioned if f.version is not None]
    upto = next((i for i, f in enumerate(files) if f.version == wanted), None)
    if upto is None:
        raise PlanError(f"no versioned file has version {to}; `dbworkbench status` lists them.")
    version = files[upto].version
    assert version is not None
    existing = next((b for b in found.baselines if b.version == wanted), None)
    if existing is not None:
        raise PlanError(f"{existing.script} is already the baseline at version {to}.")
    prefix = files[: upto + 1]
    placeholders = dict(settings.environment.placeholders)
    with scratch_replayed(settings, file_steps(prefix, placeholders), kind="squash") as conn:
        at_version = introspect(conn)
        rows = insert_statements(conn)
        data = fingerprint(conn)
    script = f"B{version.text}__{slug(description) or 'baseline'}.sql"
    header = (f"-- {script}: the schema and rows of versions up to {version.text}, written by `dbworkbench squash`\n"
              f"-- and proved on a scratch database. A new database runs this file instead of {prefix[0].script}"
              f" … {prefix[-1].script};\n-- databases with history keep it and never run this.\n")
    with scratch_database(settings) as empty:  # diffed from empty, then the proof runs on that same database
        ddl = diff_snapshots(introspect(empty), at_version, allow_data_loss=True)
        first = [f"{c.sql};\n" for c in ddl.changes if not _after_rows(c.sql)]
        later = [f"{c.sql};\n" for c in ddl.changes if _after_rows(c.sql)]
        text = header + "".join(first) + ("\n" if rows else "") + "".join(f"{r}\n" for r in rows) + \
            ("\n" if later and rows else "") + "".join(later)
        _prove(empty, script, text, at_version, data)
    notes = tuple(f"{f.script} uses placeholders: the baseline holds this environment's values "
                  f"({settings.environment.name})" for f in prefix if "${" in f.up_sql)
    result = Squash(version.text, script, text, tuple(f.script for f in prefix), len(ddl.changes) + len(rows),
                    sum(1 for count, _ in data.values() if count), notes)
    if not write:
        return result
    path = settings.migrations_dir / script
    if path.exists():
        raise PlanError(f"{path} exists; nothing was written.")
    path.write_text(text, encoding="utf-8")
    return replace(result, written=str(path))


def _after_rows(statement: str) -> bool:
    """Foreign keys and triggers are created after the rows are in: no insert order to get right (cycles and
    self-references included), and no trigger fires on rows that were already there."""
    head = " ".join(statement.split()[:12]).upper()
    return head.startswith("CREATE TRIGGER") or head.startswith("CREATE CONSTRAINT TRIGGER") or \
        (head.startswith("ALTER TABLE") and any(w in f"{head} " for w in (" FOREIGN KEY ", " TRIGGER ")))


def _prove(conn: psycopg.Connection[Any], script: str, text: str, at_version: SchemaSnapshot,
           data: dict[str, tuple[int, str]]) -> None:
    """Run `text` on `conn`, an empty scratch database: it must build `at_version` and hold `data`.

    Raises:
        IntegrityError: a statement fails, or a difference remains.
    """
    for statement in parse_statements(text):
        try:
            conn.execute(statement.text, prepare=False)
        except psycopg.Error as exc:
            raise IntegrityError(f"the baseline fails on a scratch database at line {statement.line}: "
                                 f"{exc.diag.message_primary or exc}; nothing was written. The schema at this "
                                 "version uses something the diff cannot write yet: report it.",
                                 title="squash not proved") from exc
    rest = diff_snapshots(introspect(conn), at_version, allow_data_loss=True)
    rows = fingerprint(conn)
    left = [c.sql + ";" for c in (*rest.changes, *rest.withheld)]
    if left:
        raise IntegrityError(f"{script} does not build the schema at its version: it would still need "
                             f"{' '.join(left)[:400]}; nothing was written.", title="squash not proved")
    differing = sorted(name for name in set(rows) | set(data) if rows.get(name) != data.get(name))
    if differing:
        raise IntegrityError(f"{script} does not give back the rows of {', '.join(differing)}; nothing was written.",
                             title="squash not proved")
