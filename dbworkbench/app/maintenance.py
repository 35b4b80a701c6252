"""The verbs that change history or wipe schemas (repair, baseline, clean), and `new`, which writes files."""

from __future__ import annotations

from psycopg import sql

from dbworkbench.app.gate import (
    Confirm,
    ConfirmRequest,
    Protection,
    mark_protected,
    protection_of,
    require_confirmation,
    target_name,
)
from dbworkbench.app.reports import WriteReport
from dbworkbench.app.state import read_state, require_history
from dbworkbench.app.vocabulary import RECIPES, Verb
from dbworkbench.config import Settings
from dbworkbench.core.authoring import new_migration, not_null_column, renumber_file, write_recipe
from dbworkbench.core.discovery import MigrationKind
from dbworkbench.core.history import NewRow
from dbworkbench.core.planner import State
from dbworkbench.core.scripts import substitute
from dbworkbench.core.session import Session, open_session
from dbworkbench.core.versions import version_argument
from dbworkbench.errors import ConfigError, DbWorkbenchError, PlanError, ProtectedEnvironmentError

"""Multi-step recipes `new --recipe` writes."""


def execute_reviewed(session: Session, statements: list[sql.Composed], *, dry_run: bool, verb: Verb,
                     changes: list[str], confirm: Confirm | None, protection: Protection | None = None,
                     always_ask: bool = False) -> WriteReport:
    """Run reviewed history writes: nothing for a dry run; else the protected rules (typed confirmation), then the
    history tables, then every statement in one transaction."""
    settings = session.settings
    text = "\n".join(s.as_string(session.conn) + ";" for s in statements)
    if dry_run or not statements:
        return WriteReport(tuple(changes), text, dry_run)
    protection = protection or protection_of(settings, session)
    require_confirmation(protection, confirm, ConfirmRequest(protection.name or target_name(settings, session),
                                                             verb.value, tuple(changes), text), always=always_ask)
    if verb is not Verb.CLEAN:
        session.ensure_history()
        mark_protected(settings, session)
    with session.conn.transaction():
        for statement in statements:
            session.conn.execute(statement)
    return WriteReport(tuple(changes), text, dry_run)


def repair(settings: Settings, *, dry_run: bool = False, confirm: Confirm | None = None, only: str | None = None,
           expected_history: str | None = None) -> WriteReport:
    """Remove unfinished (failed) entries and realign changed checksums to the files, after review.

    The replaced text and checksum are kept in the `repaired` event, so nothing is lost. `only` limits it to one
    migration (the workbench's "accept this change"); `expected_history` is the history mark the request was made
    on (`core.project_state.history_mark`): a different history refuses, having changed nothing.

    Raises:
        DiscoveryError, DatabaseConnectionError, LockError, ProtectedEnvironmentError.
        PlanError: `only` names no migration with anything to repair. StaleStateError: history changed.
    """
    with open_session(settings, write=not dry_run, purpose=Verb.REPAIR.value) as session:
        store = session.store
        statements: list[sql.Composed] = []
        changes: list[str] = []
        state = read_state(settings, session)
        require_history(state, expected_history, Verb.REPAIR)
        entries = state.entries
        if only is not None:
            chosen = state.find(only)
            if chosen is None or chosen.state not in (State.FAILED, State.UNDO_FAILED, State.CHECKSUM_MISMATCH,
                                                      State.OUTDATED):
                raise PlanError(f"{only!r} has nothing to repair: only a changed file or an unfinished run can be "
                                "accepted or cleared.")
            entries = (chosen,)
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
                changes.append(f"accept changed {entry.script}: checksum {_short(row.checksum)} -> "
                               f"{_short(entry.file.checksum)}")
                statements += [store.realign(row.rank, entry.file.checksum, up_sql, entry.file.description),
                               store.event("repaired", version=row.version, script=row.script,
                                           checksum=entry.file.checksum,
                                           detail={"old_checksum": row.checksum, "old_up_sql": full.up_sql})]
        return execute_reviewed(session, statements, dry_run=dry_run, verb=Verb.REPAIR, changes=changes, confirm=confirm)


def baseline(settings: Settings, version: str, *, description: str = "baseline", dry_run: bool = False,
             confirm: Confirm | None = None) -> WriteReport:
    """Mark an existing database as being at `version`: files up to it are never run.

    Raises:
        ConfigError: not a version. PlanError: versions were already applied here.
    """
    parsed = version_argument(version)
    assert parsed is not None
    with open_session(settings, write=not dry_run, purpose=Verb.BASELINE.value) as session:
        if any(r.kind in (MigrationKind.VERSIONED, MigrationKind.BASELINE) for r in session.rows()):
            raise PlanError("this database already has applied versions or a baseline; baseline is for a database "
                            "that existed before dbworkbench managed it.")
        store = session.store
        row = NewRow(parsed.canonical, description, MigrationKind.BASELINE, f"<< baseline {parsed} >>", None, None,
                     None, True, 0, 0)
        statements = [store.insert(row), store.event("baselined", version=parsed.canonical, script=row.script)]
        return execute_reviewed(session, statements, dry_run=dry_run, verb=Verb.BASELINE,
                        changes=[f"baseline at version {parsed}"], confirm=confirm)


def clean(settings: Settings, *, dry_run: bool = False, confirm: Confirm | None = None) -> WriteReport:
    """Drop everything in the managed schemas (and the history), recreating each schema with its owner, comment and
    grants.
    Every environment asks for its name to be typed (or --yes).

    Raises:
        ProtectedEnvironmentError: always on a protected database (however it is reached), even for a dry run.
    """
    env = settings.environment
    with open_session(settings, write=not dry_run, purpose=Verb.CLEAN.value) as session:
        protection = protection_of(settings, session)
        if protection.protected:
            raise ProtectedEnvironmentError(f"clean drops every object, and {protection.reason}: refused. "
                                            "Clean is for development and CI databases.")
        schemas = list(env.schemas) or [session.store.schema]
        statements: list[sql.Composed] = []
        for schema in schemas:
            statements += _recreate_schema(session, schema)
        if session.store.schema not in schemas and session.history_exists():
            statements.append(sql.SQL("DROP TABLE {}, {}").format(session.store.ident, session.store.events_ident))
        changes = [f"drop and recreate schema {s}" for s in schemas]
        return execute_reviewed(session, statements, dry_run=dry_run, verb=Verb.CLEAN, changes=changes, confirm=confirm,
                        protection=protection, always_ask=True)


def protect(settings: Settings, *, off: bool = False, dry_run: bool = False,
            confirm: Confirm | None = None) -> WriteReport:
    """Mark the target database protected (under the environment's name, or the database's), or remove the mark.
    Removing it asks for the protected name to be typed (or --yes).

    Raises:
        ProtectedEnvironmentError: `off` not confirmed. PlanError: `off` on an environment configured protected.
    """
    with open_session(settings, write=not dry_run, purpose=Verb.PROTECT.value) as session:
        store, marked = session.store, session.store.protected_as(session.conn)
        if not off:
            name = target_name(settings, session)
            if marked is not None:
                return WriteReport((), "", dry_run)
            statement = store.event("protected", version=None, script=None, detail={"name": name, "by": "protect"})
            return execute_reviewed(session, [statement], dry_run=dry_run, verb=Verb.PROTECT, confirm=confirm,
                            changes=[f"mark {session.label} protected as {name!r}"], protection=Protection(None))
        if settings.environment.protected:
            raise PlanError(f"environment {settings.environment.name!r} is protected in the configuration; remove "
                            "`protected = true` there first.", title="still protected")
        if marked is None:
            return WriteReport((), "", dry_run)
        statement = store.event("unprotected", version=None, script=None, detail={"name": marked})
        return execute_reviewed(session, [statement], dry_run=dry_run, verb=Verb.PROTECT, confirm=confirm,
                        changes=[f"remove the protected mark ({marked!r}) of {session.label}"],
                        protection=Protection(marked or session.conn.info.dbname, "the database is marked protected"))


def _recreate_schema(session: Session, schema: str) -> list[sql.Composed]:
    conn = session.conn
    found = conn.execute("SELECT pg_get_userbyid(nspowner), obj_description(oid, 'pg_namespace') FROM pg_namespace "
                         "WHERE nspname = %s", [schema]).fetchone()
    if found is None:
        return []
    statements = [sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)),
                  sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(sql.Identifier(schema), sql.Identifier(found[0]))]
    if found[1] is not None:
        statements.append(sql.SQL("COMMENT ON SCHEMA {} IS {}").format(sql.Identifier(schema), sql.Literal(found[1])))
    grants = conn.execute(
        "SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END, a.privilege_type, "
        "a.is_grantable FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname = %s "
        "AND a.grantee <> n.nspowner", [schema]).fetchall()
    for grantee, privilege, grantable in grants:
        who = sql.SQL("PUBLIC") if grantee == "PUBLIC" else sql.Identifier(grantee)
        statements.append(sql.SQL("GRANT {} ON SCHEMA {} TO {}{}").format(
            sql.SQL(privilege), sql.Identifier(schema), who, sql.SQL(" WITH GRANT OPTION" if grantable else "")))
    return statements


def _short(checksum: str | None) -> str:
    return (checksum or "-")[:8]


def new(settings: Settings, words: list[str], *, recipe: str | None = None,
        renumber: str | None = None, base: str | None = None, up: str | None = None) -> tuple[str, ...]:
    """Write the next versioned file with an undo section, or a recipe's files; returns their paths. With
    `renumber`, rename that file to the next free version instead (free in the folder and, with `base`, at that git
    ref too); returns (old, new). With `up`, the file holds that SQL and its generated undo (`generated_undo`,
    proved on a scratch database).

    Raises:
        ConfigError: no usable description, an unknown recipe, or a recipe's arguments missing; a bad `renumber`.
        PlanError: `up` fails on the scratch database, or its undo could not be proved (the file is written, with
            its undo section empty).
    """
    from dbworkbench.core.layouts import require_own_names

    require_own_names(settings, "new")
    if up is not None:
        if renumber or recipe:
            raise ConfigError("new --from takes no --recipe or --renumber.")
        from dbworkbench.core.discovery import blank
        from dbworkbench.core.scripts import UNDO_MARKER_RE

        if blank(up) or UNDO_MARKER_RE.search(up) or "\x00" in up:
            raise ConfigError("new --from FILE takes the up SQL alone: that file holds no SQL, a NUL byte, or an "
                              "`-- @undo` section of its own (then copy it into the folder as it is); nothing was "
                              "written.")
        return (_with_generated_undo(settings, new_migration(settings, " ".join(words), up=up)),)
    if renumber is not None:
        if words or recipe:
            raise ConfigError("new --renumber FILE takes no description or recipe.")
        from dbworkbench.app.conflicts import names_at

        return renumber_file(settings, renumber, taken=names_at(settings, base) if base else ())
    if recipe is None:
        return (new_migration(settings, " ".join(words)),)
    if recipe != "not-null":
        raise ConfigError(f"unknown recipe {recipe!r}; known: {', '.join(RECIPES)}.")
    if len(words) != 4:
        raise ConfigError("usage: dbworkbench new --recipe not-null TABLE COLUMN TYPE DEFAULT "
                          "(e.g. orders priority smallint 3).")
    return tuple(write_recipe(settings, not_null_column(*words)))


def _with_generated_undo(settings: Settings, written: str) -> str:
    """Fill the new file's undo section with its generated undo; the file stays (undo empty) when that fails."""
    from dbworkbench.app.generated_undo import generate_undo
    from dbworkbench.core.layouts import project_migrations

    name = (settings.project_dir / written).name
    version = next(m.version for m in project_migrations(settings).versioned if m.script.endswith(name)
                   and m.version is not None)
    try:
        generate_undo(settings, version.text, write=True)
    except DbWorkbenchError as exc:
        raise PlanError(f"created {written}, but its undo was not generated: {exc.message} Its `-- @undo` section is "
                        f"empty; write it, or fix the SQL and run `dbworkbench undo {version.text} --write`.",
                        title="undo not generated") from exc
    return written
