"""The `roundtrip` verb: prove each file's undo on a scratch database, by catalog equality.

The files are replayed in version order on a new database of the embedded server (the target is never touched);
for each file checked: up, then its undo (the schema must equal the one before, compared as catalogs, not text),
then up again (it must equal the first up). Each mismatch is reported as the schema difference: what the undo
left behind or took too far (a column, a type, an index, a grant, a sequence), naming the file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import psycopg

from dbworkbench.app.state import read_state
from dbworkbench.app.vocabulary import Verb
from dbworkbench.config import Settings
from dbworkbench.core.discovery import MigrationFile
from dbworkbench.core.layouts import project_migrations
from dbworkbench.core.lexer import Statement, line_col
from dbworkbench.core.scripts import substitute
from dbworkbench.core.session import open_session
from dbworkbench.core.steps import autocommit_reason
from dbworkbench.core.syntax import SqlSyntaxError, parse_statements
from dbworkbench.core.versions import Version
from dbworkbench.errors import PlanError
from dbworkbench.schema.diff import diff as diff_snapshots
from dbworkbench.schema.introspect import introspect
from dbworkbench.schema.model import SchemaSnapshot
from dbworkbench.schema.replay import ReplayStep, scratch_replayed


@dataclass(frozen=True, slots=True)
class RoundTrip:
    """One file's round trip."""

    script: str
    version: str
    checked: bool
    """False: the file has no undo, so there was nothing to prove (it is irreversible as written)."""
    left_behind: tuple[str, ...] = ()
    """The DDL that would still turn the schema after the undo into the one before the file: what the undo is
    missing (a DROP for what it left behind, a CREATE for what it took too far)."""
    not_again: tuple[str, ...] = ()
    """The DDL that would turn the schema after the second up into the one after the first."""

    @property
    def ok(self) -> bool:
        """Up, undo and up again gave back exactly the schemas they should (or there was no undo to check)."""
        return not self.left_behind and not self.not_again


@dataclass(frozen=True, slots=True)
class RoundTripReport:
    """Every file checked, in version order."""

    files: tuple[RoundTrip, ...]

    @property
    def ok(self) -> bool:
        """Every checked file round-trips."""
        return all(f.ok for f in self.files)


def roundtrip(settings: Settings, versions: list[str] | None = None, *, pending: bool = False) -> RoundTripReport:
    """Check the undo of the named versions (all versioned files with an undo by default; `pending`: the files
    pending on the environment) on a scratch database; earlier files are applied first.

    Raises:
        PlanError: an unknown version, or a file that fails on the scratch database (named, with the error).
        DiscoveryError, DatabaseConnectionError (pending only: the environment is read for what is pending).
    """
    files = [f for f in project_migrations(settings).versioned if f.version is not None]
    wanted = _wanted(settings, files, versions, pending)
    placeholders = dict(settings.environment.placeholders)
    results: list[RoundTrip] = []
    first = next((i for i, f in enumerate(files) if f.version is not None and f.version.canonical in wanted),
                 len(files))
    with scratch_replayed(settings, file_steps(files[:first], placeholders)) as conn:
        for file in files[first:]:
            assert file.version is not None
            checked = file.version.canonical in wanted
            if not checked:
                run_on_scratch(conn, file, file.up_sql, placeholders, "up")
                continue
            if file.undo_sql is None:
                run_on_scratch(conn, file, file.up_sql, placeholders, "up")
                results.append(RoundTrip(file.script, file.version.text, checked=False))
                continue
            results.append(_check(conn, file, placeholders))
            run_on_scratch(conn, file, file.up_sql, placeholders, "up")  # the state the next files are written against
    return RoundTripReport(tuple(results))


def _check(conn: psycopg.Connection[Any], file: MigrationFile, placeholders: dict[str, str]) -> RoundTrip:
    """Up, undo, up again inside one transaction that is always rolled back (a file whose statements cannot run
    in one runs in autocommit, and its last state is kept); an undo or second up that fails is a finding."""
    assert file.version is not None and file.undo_sql is not None
    in_transaction = not file.no_transaction and not any(
        autocommit_reason(s, 18) for s in _statements(file, file.up_sql, placeholders, "up"))
    if in_transaction:
        conn.execute("BEGIN")
    try:
        before = introspect(conn)
        run_on_scratch(conn, file, file.up_sql, placeholders, "up")
        after = introspect(conn)
        failed = _attempt(conn, file, file.undo_sql, placeholders, "undo", in_transaction)
        if failed:
            return RoundTrip(file.script, file.version.text, True, (f"-- {failed}",))
        left_behind = _ddl(introspect(conn), before)
        failed = _attempt(conn, file, file.up_sql, placeholders, "up again", in_transaction)
        not_again = (f"-- {failed}",) if failed else _ddl(introspect(conn), after)
        return RoundTrip(file.script, file.version.text, True, left_behind, not_again)
    finally:
        if in_transaction:
            conn.execute("ROLLBACK")
        elif file.undo_sql is not None:
            _attempt(conn, file, file.undo_sql, placeholders, "undo", False)  # back to before, for the next up


def _attempt(conn: psycopg.Connection[Any], file: MigrationFile, text: str, placeholders: dict[str, str],
             what: str, in_transaction: bool) -> str | None:
    """Run a part that may fail as a finding: None when it ran, else what failed."""
    if in_transaction:
        conn.execute("SAVEPOINT roundtrip_attempt")
    try:
        run_on_scratch(conn, file, text, placeholders, what)
    except PlanError as exc:
        if in_transaction:
            conn.execute("ROLLBACK TO SAVEPOINT roundtrip_attempt")
        return exc.message.split(" Nothing was run")[0]
    return None


def _wanted(settings: Settings, files: list[MigrationFile], versions: list[str] | None, pending: bool) -> set[str]:
    known = {f.version.canonical for f in files if f.version is not None}
    if pending:
        with open_session(settings, write=False, purpose=Verb.ROUNDTRIP.value) as session:
            state = read_state(settings, session)
        return {e.version.canonical for e in state.pending if e.version is not None}
    if not versions:
        return known
    chosen = set()
    for text in versions:
        try:
            canonical = Version.parse(text.lstrip("Vv")).canonical
        except ValueError as exc:
            raise PlanError(f"{text!r} is not a version.") from exc
        if canonical not in known:
            raise PlanError(f"no versioned file has version {text}.")
        chosen.add(canonical)
    return chosen


def file_steps(files: list[MigrationFile], placeholders: dict[str, str]) -> list[ReplayStep]:
    """The up parts of `files` as replay steps for the template cache (placeholders filled in).

    Raises:
        PlanError: a placeholder has no value.
    """
    return [ReplayStep(_substituted(f, f.up_sql, placeholders), partial(_failure, f, "up")) for f in files]


def _substituted(file: MigrationFile, text: str, placeholders: dict[str, str]) -> str:
    try:
        return substitute(text, placeholders).text
    except KeyError as exc:
        raise PlanError(f"{file.script}: placeholder(s) {', '.join(exc.args)} have no value.") from exc


def _failure(file: MigrationFile, what: str, line: int, message: str) -> PlanError:
    line += file.undo_line - 1 if what == "undo" else 0
    return PlanError(f"{file.script}:{line}: fails on the scratch database ({what}): {message}. Nothing was run "
                     "on any environment.", title="round trip failed")


def _statements(file: MigrationFile, text: str, placeholders: dict[str, str], what: str) -> Sequence[Statement]:
    """One part of `file`, placeholders filled, split into statements.

    Raises:
        PlanError: a placeholder has no value, or the text does not parse (file and line named).
    """
    substituted = _substituted(file, text, placeholders)
    try:
        return parse_statements(substituted)
    except SqlSyntaxError as exc:
        line = line_col(substituted, exc.offset)[0] + (file.undo_line - 1 if what == "undo" else 0)
        raise PlanError(f"{file.script}:{line}: {exc.message} ({what}); nothing was run on any environment.",
                        title="SQL syntax error") from exc


def run_on_scratch(conn: psycopg.Connection[Any], file: MigrationFile, text: str, placeholders: dict[str, str],
         what: str) -> None:
    """Run one part (up, undo) of `file` on the scratch database, statement by statement.

    Raises:
        PlanError: the text does not parse, or a statement fails (file and line named).
    """
    for statement in _statements(file, text, placeholders, what):
        try:
            conn.execute(statement.text, prepare=False)
        except psycopg.Error as exc:
            raise _failure(file, what, statement.line, exc.diag.message_primary or str(exc)) from exc


def _ddl(found: SchemaSnapshot, expected: SchemaSnapshot) -> tuple[str, ...]:
    change = diff_snapshots(found, expected, allow_data_loss=True)
    return tuple(c.sql + ";" for c in (*change.changes, *change.withheld))
