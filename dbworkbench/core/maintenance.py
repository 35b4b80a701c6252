"""Commands that change history or wipe schemas: repair, baseline, clean; and `show`, which explains a version."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from psycopg import sql

from dbworkbench.config import Settings
from dbworkbench.core.api import load_migrations, parse_version
from dbworkbench.core.discovery import MigrationKind
from dbworkbench.core.history import HistoryEvent, HistoryRow, NewRow
from dbworkbench.core.lexer import UnterminatedError, strip_comments_and_space
from dbworkbench.core.planner import Entry, State, fold
from dbworkbench.core.scripts import substitute
from dbworkbench.core.session import Confirm, ConfirmRequest, Session, open_session, require_confirmation
from dbworkbench.errors import PlanError, ProtectedEnvironmentError


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What a history-changing command did (or would do): one line per change, and its SQL."""

    changes: tuple[str, ...]
    sql: str
    dry_run: bool


def _execute(session: Session, statements: list[sql.Composed], *, dry_run: bool, action: str,
             changes: list[str], confirm: Confirm | None) -> WriteReport:
    text = "\n".join(s.as_string(session.conn) + ";" for s in statements)
    if dry_run or not statements:
        return WriteReport(tuple(changes), text, dry_run)
    require_confirmation(session.settings, confirm, ConfirmRequest(session.settings.environment.name, action,
                                                                   tuple(changes), text))
    if action != "clean":
        session.ensure_history()
    with session.conn.transaction():
        for statement in statements:
            session.conn.execute(statement)
    return WriteReport(tuple(changes), text, dry_run)


def repair(settings: Settings, *, dry_run: bool = False, confirm: Confirm | None = None) -> WriteReport:
    """Remove unfinished (failed) entries and realign changed checksums to the files, after review.

    The replaced text and checksum are kept in the `repaired` event, so nothing is lost.
    """
    migrations = load_migrations(settings)
    with open_session(settings, write=not dry_run, purpose="repair") as session:
        store = session.store
        entries = fold(migrations, session.rows())
        statements: list[sql.Composed] = []
        changes: list[str] = []
        for entry in entries:
            row = entry.row
            if row is None:
                continue
            if entry.state in (State.FAILED, State.UNDO_FAILED):
                changes.append(f"remove unfinished {row.kind.value} run of {row.script} "
                               f"({row.statements_done}/{row.statements_total} statements had run)")
                statements += [store.delete(row.rank), store.event("repaired", version=row.version, script=row.script,
                               detail={"removed_rank": row.rank, "statements_done": row.statements_done,
                                       "error": row.error})]
            elif entry.state in (State.CHECKSUM_MISMATCH, State.OUTDATED) and entry.file is not None and \
                    entry.kind is MigrationKind.VERSIONED:
                full = store.row(session.conn, row.rank)
                up_sql = substitute(entry.file.up_sql, dict(settings.environment.placeholders)).text
                changes.append(f"accept changed {entry.script}: checksum {_short(row.checksum)} -> {_short(entry.file.checksum)}")
                statements += [store.realign(row.rank, entry.file.checksum, up_sql, entry.file.description),
                               store.event("repaired", version=row.version, script=row.script, checksum=entry.file.checksum,
                                           detail={"old_checksum": row.checksum, "old_up_sql": full.up_sql})]
        return _execute(session, statements, dry_run=dry_run, action="repair", changes=changes, confirm=confirm)


def baseline(settings: Settings, version: str, *, description: str = "baseline", dry_run: bool = False,
             confirm: Confirm | None = None) -> WriteReport:
    """Mark an existing database as being at `version`: files up to it are never run.

    Raises:
        PlanError: versions were already applied here.
    """
    parsed = parse_version(version)
    assert parsed is not None
    with open_session(settings, write=not dry_run, purpose="baseline") as session:
        if any(r.kind in (MigrationKind.VERSIONED, MigrationKind.BASELINE) for r in session.rows()):
            raise PlanError("this database already has applied versions or a baseline; baseline is for a database "
                            "that existed before dbworkbench managed it.")
        store = session.store
        row = NewRow(parsed.canonical, description, MigrationKind.BASELINE, f"<< baseline {parsed} >>", None, None,
                     None, True, 0, 0)
        statements = [store.insert(row), store.event("baselined", version=parsed.canonical, script=row.script)]
        return _execute(session, statements, dry_run=dry_run, action="baseline",
                        changes=[f"baseline at version {parsed}"], confirm=confirm)


def clean(settings: Settings, *, dry_run: bool = False, confirm: Confirm | None = None) -> WriteReport:
    """Drop everything in the managed schemas (and the history), recreating each schema with its owner and grants.

    Raises:
        ProtectedEnvironmentError: always on a protected environment.
    """
    env = settings.environment
    if env.protected:
        raise ProtectedEnvironmentError(f"clean drops every object in {env.name!r}, which is protected: refused. "
                                        "Clean is for development and CI databases.")
    with open_session(settings, write=not dry_run, purpose="clean") as session:
        conn = session.conn
        schemas = list(env.schemas) or [session.store.schema]
        statements: list[sql.Composed] = []
        for schema in schemas:
            found = conn.execute("SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = %s", [schema]).fetchone()
            if found is None:
                continue
            statements.append(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))
            statements.append(sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(sql.Identifier(schema), sql.Identifier(found[0])))
            grants = conn.execute(
                "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END, a.privilege_type, "
                "a.is_grantable FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname = %s "
                "AND a.grantee <> n.nspowner", [schema]).fetchall()
            for grantee, privilege, grantable in grants:
                who = sql.SQL("PUBLIC") if grantee == "PUBLIC" else sql.Identifier(grantee)
                statements.append(sql.SQL("GRANT {} ON SCHEMA {} TO {}{}").format(
                    sql.SQL(privilege), sql.Identifier(schema), who, sql.SQL(" WITH GRANT OPTION" if grantable else "")))
        if session.store.schema not in schemas and session.history_exists():
            statements.append(sql.SQL("DROP TABLE {}, {}").format(session.store.ident, session.store.events_ident))
        changes = [f"drop and recreate schema {s}" for s in schemas]
        return _execute(session, statements, dry_run=dry_run, action="clean", changes=changes, confirm=confirm)


def _short(checksum: str | None) -> str:
    return (checksum or "-")[:8]


@dataclass(frozen=True, slots=True)
class ShowReport:
    """A version's stored SQL, its file, and how they differ."""

    entry: Entry
    row: HistoryRow | None
    file_sql: str | None
    diff: tuple[str, ...]
    change_kind: str | None
    """None when identical; "comments and whitespace only" or "SQL changed" otherwise."""
    events: tuple[HistoryEvent, ...]


def show(settings: Settings, version: str) -> ShowReport:
    """Explain one version (or repeatable, by name): stored up/undo SQL, and a unified diff against the file
    when they differ.

    Raises:
        PlanError: no such version or repeatable in files or history.
    """
    migrations = load_migrations(settings)
    with open_session(settings, write=False, purpose="show") as session:
        entries = fold(migrations, session.rows())
        entry = next((e for e in entries if e.version is None and e.key.lower() == version.lower()), None)
        if entry is None:
            parsed = parse_version(version)
            entry = next((e for e in entries if e.version is not None and e.version == parsed), None)
        if entry is None:
            raise PlanError(f"no migration has version {version}, in the files or in history.")
        row = session.store.row(session.conn, entry.row.rank) if entry.row is not None else None
        events = tuple(session.store.events(session.conn, entry.key)) if session.history_exists() else ()
    file_sql = None
    if entry.file is not None:
        file_sql = substitute(entry.file.up_sql, dict(settings.environment.placeholders)).text \
            if _all_defined(entry.file.up_sql, settings) else entry.file.up_sql
    diff: tuple[str, ...] = ()
    change_kind = None
    if row is not None and row.up_sql is not None and file_sql is not None and row.up_sql != file_sql:
        diff = tuple(difflib.unified_diff(row.up_sql.splitlines(), file_sql.splitlines(),
                                          f"applied (rank {row.rank}, {row.installed_on:%Y-%m-%d %H:%M})",
                                          f"file {entry.script}", lineterm=""))
        change_kind = "SQL changed"
        try:
            if strip_comments_and_space(row.up_sql) == strip_comments_and_space(file_sql):
                change_kind = "comments and whitespace only"
        except UnterminatedError:
            pass
    return ShowReport(entry, row, file_sql, diff, change_kind, events)


def _all_defined(text: str, settings: Settings) -> bool:
    try:
        substitute(text, dict(settings.environment.placeholders))
    except KeyError:
        return False
    return True
