"""Drift: what changed in the live schema outside migrations.

The expected schema is rebuilt on a scratch database from the SQL stored in history; the differences
from it to the live schema are the out-of-band changes. Each names the migration that last touched the
object (the latest applied migration whose SQL mentions its name), or none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dbworkbench.config import Settings
from dbworkbench.core.history import HistoryRow, hidden_relations
from dbworkbench.core.layouts import project_migrations
from dbworkbench.core.lexer import Token, tokens
from dbworkbench.core.project_state import ProjectState
from dbworkbench.core.session import open_session
from dbworkbench.core.syntax import parse_statements
from dbworkbench.errors import ConfigError
from dbworkbench.schema.acl import without_grantees
from dbworkbench.schema.diff import Change, diff
from dbworkbench.schema.introspect import introspect
from dbworkbench.schema.replay import applied_rows, scratch_from_history


@dataclass(frozen=True, slots=True)
class DriftItem:
    """One out-of-band difference."""

    change: Change
    """The statement that would turn the expected schema into the live one (what was done by hand)."""
    last_touched_by: str | None
    """The latest applied migration whose SQL names the object, or None."""


def drift(settings: Settings, *, managed_grantees: frozenset[str] = frozenset()) -> list[DriftItem]:
    """Compare the live schema with the one history says it has; the privileges of `managed_grantees` (the roles
    roles/ manages, which `roles plan` checks) are left out.

    Raises:
        PlanError: history cannot rebuild the schema. DatabaseConnectionError: unreachable.
    """
    if settings.environment.tenant is not None:
        raise ConfigError(f"drift of tenant schema {settings.environment.tenant!r}: comparing one schema of a shared "
                          "database with a replay is not supported yet; `validate` checks each tenant's history, and "
                          "`drift --url` checks a database as a whole.", title="not supported for tenant schemas")
    migrations = project_migrations(settings)
    with open_session(settings, write=False, purpose="drift") as session:
        state = ProjectState.of(migrations, session.rows(with_sql=True))
        hidden = hidden_relations(settings.history_table, session.store.schema)
        live = introspect(session.conn, hidden=hidden)
        server_major = session.server_major
    replayed = applied_rows(list(state.entries), list(state.rows))
    with scratch_from_history(settings, replayed) as conn:
        expected = introspect(conn, hidden=hidden)
    expected, live = without_grantees(expected, managed_grantees), without_grantees(live, managed_grantees)
    found = diff(expected, live, allow_data_loss=True, server_major=server_major)
    return [DriftItem(change, _last_touched(change.object, replayed)) for change in found.changes
            if change.object != "settings"]


_VERBS = frozenset({"create", "alter", "drop", "comment", "grant", "revoke", "truncate"})
_NOISE = frozenset({"or", "replace", "unique", "materialized", "if", "not", "exists", "only", "concurrently",
                    "temporary", "temp", "unlogged", "recursive", "constraint", "trigger", "on", "is"})
_KINDS = frozenset({"table", "view", "index", "sequence", "type", "function", "procedure", "schema", "domain",
                    "policy", "extension", "trigger", "column"})


def _qualified_words(text: str, limit: int) -> list[str]:
    """Lower-cased words with `schema.name` folded to `name` (quoted identifiers unquoted)."""
    words: list[str] = []
    joined = False
    for kind, start, end in tokens(text):
        piece = text[start:end]
        if kind in (Token.WORD, Token.QUOTED_IDENT):
            name = piece.strip('"') if kind == Token.QUOTED_IDENT else piece.lower()
            if joined and words:
                words[-1] = name
            else:
                words.append(name)
            joined = False
        elif kind == Token.OTHER and piece == ".":
            joined = True
        elif kind not in (Token.SPACE, Token.COMMENT):
            joined = False
        if len(words) >= limit:
            break
    return words


def targets(statement: str) -> set[str]:
    """The objects a DDL statement changes: the name after its kind, and the table after ON."""
    words = _qualified_words(statement, 16)
    if not words or words[0] not in _VERBS:
        return set()
    found: set[str] = set()
    kinds = [i for i, w in enumerate(words) if w in _KINDS]
    if kinds:
        rest = [w for w in words[kinds[0] + 1:] if w not in _NOISE]
        if rest:
            found.add(rest[0])
    if "on" in words:
        after = [w for w in words[words.index("on") + 1:] if w not in _NOISE and w not in _KINDS]
        if after:
            found.add(after[0])
    return found


def _last_touched(obj: str, rows: list[HistoryRow]) -> str | None:
    names = {part.split("(")[0].lower() for part in re.split(r"[,\s]+", obj) if part}
    names = {name.rsplit(".", 1)[-1] for name in names}
    for row in reversed(rows):
        if any(names & {t.lower() for t in targets(s.text)} for s in parse_statements(row.up_sql or "")):
            return str(row.script)
    return None
