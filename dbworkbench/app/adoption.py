"""`adopt --from TOOL`: take over a project another tool has been migrating, without touching that tool's history.

The other tool's history table says which versions ran; the folder (read in that tool's layout, or the project's)
gives their files. Each applied file becomes a dbworkbench history row holding the SQL and checksum of the file as
it is now, so `status` shows what the other tool would, and `migrate` / `down` go on from there. What can be
checked is: Flyway's CRC32 checksums and Sqitch's SHA-1 script hashes (a changed file refuses), golang-migrate's
dirty flag (a half-applied version refuses), Flyway's failed rows (refuse: `flyway repair` first), Sqitch's
deployed changes against its plan. What cannot (dbmate and golang-migrate keep no
checksums) is said in the report's notes, as are versions the other tool ran that have no file.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from dbworkbench.app.adoption_liquibase import liquibase_applied
from dbworkbench.app.gate import Confirm
from dbworkbench.app.maintenance import execute_reviewed
from dbworkbench.app.reports import WriteReport
from dbworkbench.app.vocabulary import Verb
from dbworkbench.config import Settings
from dbworkbench.core.discovery import MigrationFile, MigrationKind, MigrationSet
from dbworkbench.core.history import NewRow
from dbworkbench.core.layouts import read_layout
from dbworkbench.core.layouts_sqitch import PLAN, read_plan, script_hash
from dbworkbench.core.lexer import split_statements
from dbworkbench.core.scripts import substitute
from dbworkbench.core.session import Session, open_session
from dbworkbench.core.versions import Version
from dbworkbench.errors import ConfigError, DiscoveryError, IntegrityError, PlanError

TOOLS = {"flyway": "flyway_schema_history", "golang-migrate": "schema_migrations", "dbmate": "schema_migrations",
         "sqitch": "sqitch.changes", "liquibase": "databasechangelog"}
"""Tools `adopt` reads, with their default history table."""


@dataclass(frozen=True, slots=True)
class Theirs:
    """What the other tool's history says."""

    applied: dict[str, int | None]
    """Canonical version -> the tool's checksum of it (Flyway's CRC32), None where it keeps none."""
    repeatables: dict[str, int | None] = field(default_factory=dict)
    """Flyway: description -> checksum of the latest successful run of each repeatable."""
    baseline: str | None = None
    """Flyway: the version its `baseline` marked."""
    upto: Version | None = None
    """golang-migrate: every version up to this one ran (it keeps only the current one)."""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AdoptReport:
    """What adoption found and wrote (or would write)."""

    tool: str
    table: str
    layout: str
    """The layout the files were read in."""
    adopted: tuple[str, ...]
    """Scripts recorded as applied."""
    pending: tuple[str, ...]
    notes: tuple[str, ...]
    write: WriteReport


def flyway_checksum(text: str) -> int:
    """Flyway's checksum of a file: CRC32 of its lines' UTF-8 bytes without line breaks (BOM dropped), as a signed
    32-bit integer."""
    crc = 0
    for line in re.split(r"\r\n|\r|\n", text.removeprefix("\ufeff")):
        crc = zlib.crc32(line.encode("utf-8"), crc)
    return crc - (1 << 32) if crc >= 1 << 31 else crc


def adopt(settings: Settings, tool: str, *, table: str | None = None, dry_run: bool = False,
          confirm: Confirm | None = None) -> AdoptReport:
    """Record in dbworkbench's history what `tool` applied (see the module).

    Raises:
        ConfigError: unknown tool or table name. DiscoveryError: the files cannot be read in either layout.
        PlanError: the tool's table is missing, or dbworkbench already records other versions here.
        IntegrityError: a dirty version, a failed Flyway row, or a file changed since Flyway ran it.
    """
    if tool not in TOOLS:
        raise ConfigError(f"adopt --from {tool!r}: dbworkbench reads {', '.join(TOOLS)}.", title="unknown tool")
    layout, found = _files(settings, tool)
    with open_session(settings, write=not dry_run, purpose=Verb.ADOPT.value) as session:
        name = _their_table(session, table or TOOLS[tool], tool)
        theirs = _sqitch(session.conn, name, settings.migrations_dir) if tool == "sqitch" else \
            _liquibase(session.conn, name, settings.migrations_dir) if tool == "liquibase" else \
            _read(session.conn, tool, name)
        files = found.by_version()
        if theirs.upto is not None:
            upto = theirs.upto
            applied: dict[str, int | None] = {k: None for k, f in files.items() if f.version and f.version <= upto}
            theirs = Theirs(applied | ({} if upto.canonical in files else {upto.canonical: None}), notes=theirs.notes)
        missing = sorted((v for v in theirs.applied if v not in files), key=lambda v: Version.parse(v).parts)
        notes = list(theirs.notes) + [f"{tool} ran version {v}, which has no file here: not recorded" for v in missing]
        if tool in ("dbmate", "golang-migrate"):
            notes.append(f"{tool} keeps no checksums: the files are recorded as they are now, not as they ran")
        now = {v: flyway_checksum(_raw(files[v])) for v, crc in theirs.applied.items() if v in files and crc is not None}
        changed = [f"{files[v].script} (checksum {theirs.applied[v]} in {name}, {crc} now)" for v, crc in now.items()
                   if theirs.applied[v] != crc]
        if changed:
            raise IntegrityError(f"{len(changed)} file(s) changed since {tool} ran them, so their history cannot be "
                                 f"vouched for: {'; '.join(changed)}. Restore the files, or `flyway repair` first.",
                                 title="files changed since they ran")
        adopted = [files[v] for v in files if v in theirs.applied]
        adopted += [r for r in found.repeatable if theirs.repeatables.get(r.description) == flyway_checksum(r.up_sql)]
        ours = {r.version for r in session.rows() if r.kind in (MigrationKind.VERSIONED, MigrationKind.BASELINE)}
        wanted = {f.key for f in adopted if f.kind is MigrationKind.VERSIONED} | (
            {theirs.baseline} if theirs.baseline else set())
        if ours and not wanted <= ours:
            raise PlanError(f"this database's dbworkbench history already records versions ({len(ours)}), and not "
                            f"those {tool} ran: adopt is for a database dbworkbench has not migrated yet.")
        statements = [] if ours else _rows(session, settings, adopted, theirs, tool, name)
        changes = [f"record {f.script} as applied by {tool}" for f in adopted] if statements else []
        if theirs.baseline and statements:
            changes.insert(0, f"record {tool}'s baseline at version {theirs.baseline}")
        write = execute_reviewed(session, statements, dry_run=dry_run, verb=Verb.ADOPT, changes=changes,
                                 confirm=confirm)
    done = {f.key for f in adopted}
    pending = [f.script for f in found.versioned if f.key not in done and not (
        theirs.baseline and f.version is not None and f.version <= Version.parse(theirs.baseline))]
    return AdoptReport(tool, name, layout, tuple(_label(f, layout) for f in adopted), tuple(pending), tuple(notes),
                       write)


def _label(file: MigrationFile, layout: str) -> str:
    """How the report names a file (a Liquibase file holds many changesets: each is named too)."""
    return f"{file.script} ({file.description})" if layout == "liquibase" else file.script


def _raw(file: MigrationFile) -> str:
    """The text Flyway hashed: the whole file (an undo section of ours included)."""
    return file.up_sql if file.undo_sql is None or file.undo_script != file.script else \
        f"{file.up_sql}-- @undo\n{file.undo_sql}"


def _files(settings: Settings, tool: str) -> tuple[str, MigrationSet]:
    """The project's files in the tool's layout, else in the project's own."""
    try:
        return tool, read_layout(settings.migrations_dir, tool)
    except DiscoveryError as first:
        if settings.layout == tool:
            raise
        try:
            return settings.layout, read_layout(settings.migrations_dir, settings.layout)
        except DiscoveryError:
            raise first from None


def _their_table(session: Session, table: str, tool: str) -> str:
    parts = table.split(".")
    if not 1 <= len(parts) <= 2 or not all(re.fullmatch(r"[A-Za-z_][A-Za-z0-9_$]*", p) for p in parts):
        raise ConfigError(f"--table {table!r} must be `table` or `schema.table`.")
    ident = sql.Identifier(*parts).as_string(session.conn)
    row = session.conn.execute("SELECT to_regclass(%s)::text", [ident]).fetchone()
    if row is None or row[0] is None:
        raise PlanError(f"there is no {tool} history table {table} here (searched the search_path of "
                        f"{session.label}); name it with --table schema.table.")
    return str(row[0])


def _read(conn: psycopg.Connection[Any], tool: str, table: str) -> Theirs:
    ident = sql.SQL(table)  # to_regclass's own quoted output
    try:
        if tool == "golang-migrate":
            rows = conn.execute(sql.SQL("SELECT version, dirty FROM {}").format(ident)).fetchall()
            return _golang(rows, table)
        if tool == "dbmate":
            rows = conn.execute(sql.SQL("SELECT version FROM {}").format(ident)).fetchall()
            return Theirs({Version.parse(str(r[0]).strip()).canonical: None for r in rows})
        rows = conn.execute(sql.SQL("SELECT version, description, type, checksum, success FROM {} "
                                    "ORDER BY installed_rank").format(ident)).fetchall()
    except (psycopg.errors.UndefinedColumn, ValueError) as exc:
        raise PlanError(f"{table} is not {tool}'s history table ({str(exc).splitlines()[0]}).") from exc
    return _flyway(rows, table)


def _sqitch(conn: psycopg.Connection[Any], table: str, folder: Path) -> Theirs:
    """Sqitch's deployed changes of the plan's project: always a prefix of the plan (it deploys and reverts in
    order), each deploy script's SHA-1 as Sqitch recorded it."""
    problems: list[tuple[str, str]] = []
    project, changes = read_plan(folder, problems)
    if problems or project is None:
        raise DiscoveryError(problems or [(PLAN, "has no %project=NAME line")])
    try:
        rows = conn.execute(sql.SQL("SELECT change, script_hash FROM {} WHERE project = %s ORDER BY committed_at, "
                                    "change_id").format(sql.SQL(table)), [project]).fetchall()
    except psycopg.errors.UndefinedColumn as exc:
        raise PlanError(f"{table} is not Sqitch's registry table ({str(exc).splitlines()[0]}).") from exc
    if len(rows) > len(changes):
        raise IntegrityError(f"Sqitch's registry {table} records {len(rows)} deployed changes of {project!r}, and "
                             f"{PLAN} plans only {len(changes)}.", title="plan and registry differ")
    changed = []
    for position, ((name, recorded), change) in enumerate(zip(rows, changes, strict=False), 1):
        if name != change.name:
            raise IntegrityError(f"Sqitch deployed {name!r} as change {position} of {project!r}, where {PLAN} plans "
                                 f"{change.name!r}: the plan was edited after deploying.", title="plan and registry differ")
        if (folder / change.script).is_file() and recorded and script_hash(folder, change.script) != recorded:
            changed.append(f"{change.script} (SHA-1 {recorded} in {table}, {script_hash(folder, change.script)} now)")
    if changed:
        raise IntegrityError(f"{len(changed)} deploy script(s) changed since Sqitch deployed them, so their history "
                             f"cannot be vouched for: {'; '.join(changed)}. Restore them, or rework the change in "
                             "Sqitch.", title="files changed since they ran")
    notes = ("verify/ scripts are Sqitch's own: dbworkbench does not run them",) if (folder / "verify").is_dir() \
        else ()
    return Theirs({str(position): None for position in range(1, len(rows) + 1)}, notes=notes)


def _liquibase(conn: psycopg.Connection[Any], table: str, folder: Path) -> Theirs:
    applied, notes = liquibase_applied(conn, table, folder)
    return Theirs(dict.fromkeys(applied), notes=tuple(notes))


def _golang(rows: list[tuple[Any, ...]], table: str) -> Theirs:
    if len(rows) > 1:
        raise IntegrityError(f"{table} holds {len(rows)} rows; golang-migrate keeps one (the current version).")
    if not rows or rows[0][0] is None or int(rows[0][0]) < 0:
        return Theirs({}, notes=(f"{table} is empty: golang-migrate applied nothing",))
    version, dirty = int(rows[0][0]), bool(rows[0][1])
    if dirty:
        raise IntegrityError(f"golang-migrate left version {version} dirty in {table}: it failed part-way, and what "
                             f"it left is unknown. Fix the database by hand, then `migrate force {version}` (or the "
                             "version before it) with golang-migrate, and adopt again.", title="dirty version")
    return Theirs({}, upto=Version.parse(str(version)))


def _flyway(rows: list[tuple[Any, ...]], table: str) -> Theirs:
    applied: dict[str, int | None] = {}
    repeatables: dict[str, int | None] = {}
    baseline: str | None = None
    notes: list[str] = []
    for version, description, kind, crc, success in rows:
        if not success and kind != "DELETE":
            raise IntegrityError(f"{table} records a failed run of {version or description} ({kind}): Flyway "
                                 "needs `flyway repair` before anything goes on, and so does adoption.",
                                 title="failed migration in history")
        key = Version.parse(str(version)).canonical if version else None
        if kind == "BASELINE" and key:
            baseline = key
        elif kind in ("SQL", "SQL_BASELINE") and key:
            applied[key] = crc
        elif kind == "SQL" and key is None:
            repeatables[str(description)] = crc
        elif kind in ("UNDO_SQL", "DELETE") and key:
            applied.pop(key, None)
        elif kind not in ("SCHEMA",):
            notes.append(f"{table}: a {kind} migration {version or description} has no SQL file to map: not recorded")
    return Theirs(applied, repeatables, baseline, notes=tuple(notes))


def _rows(session: Session, settings: Settings, adopted: list[MigrationFile], theirs: Theirs, tool: str,
          table: str) -> list[sql.Composed]:
    store, placeholders = session.store, dict(settings.environment.placeholders)
    statements: list[sql.Composed] = []
    if theirs.baseline:
        statements.append(store.insert(NewRow(theirs.baseline, "baseline", MigrationKind.BASELINE,
                                              f"<< baseline {theirs.baseline} >>", None, None, None, True, 0, 0)))
    for file in adopted:
        up = substitute(file.up_sql, placeholders).text
        undo = substitute(file.undo_sql, placeholders).text if file.undo_sql is not None else None
        count = len(split_statements(up))
        statements.append(store.insert(NewRow(file.key if file.version else None, file.description, file.kind,
                                              file.script, file.checksum, up, undo, True, count, count)))
    statements.append(store.event("adopted", version=None, script=None,
                                  detail={"from": tool, "table": table, "scripts": [f.script for f in adopted]}))
    return statements
