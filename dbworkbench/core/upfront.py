"""A file's table locks taken first: every table its statements name, in one deterministic order, each in one mode
that covers every lock the file asks for on it, under lock_timeout.

A file marked `-- dbworkbench:lock-upfront` (or any transactional file of an environment with `lock_upfront = true`)
starts, inside its transaction, with a prelude that locks those tables ordered by schema and name. Two such files
can then never deadlock against each other, and a file never stalls half-way with locks already held: it waits (or
times out, and is retried like any lock timeout) before its first statement runs. The locks are read from the
statements' words (`core.lock_modes`): a table reached only inside a function or a DO block is not seen.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from psycopg import sql

from dbworkbench.core.lexer import Statement
from dbworkbench.core.lock_modes import _CONFLICTS, LockMode, lock_needed

UPFRONT_RE = re.compile(r"^[ \t]*--[ \t]*dbworkbench:lock-upfront[ \t]*$", re.IGNORECASE | re.MULTILINE)
"""The file marker asking for its locks up front."""
DEFAULT_TIMEOUT = "5s"
"""The prelude's lock_timeout when the environment sets none (the file's own statements keep the session's)."""
LOCKABLE_KINDS = "('r', 'p', 'v', 'f')"
"""Relation kinds LOCK TABLE accepts (tables, partitioned tables, views, foreign tables); others are skipped."""


def asks_upfront(text: str) -> bool:
    """The file carries `-- dbworkbench:lock-upfront`."""
    return UPFRONT_RE.search(text) is not None


def covering(modes: Iterable[LockMode]) -> LockMode:
    """The weakest mode that conflicts with everything any of `modes` conflicts with: holding it, the file's own
    later requests for any of them wait for nobody (SHARE and SHARE UPDATE EXCLUSIVE together need SHARE ROW
    EXCLUSIVE, not the stronger of the two)."""
    wanted = set(modes)
    needed = frozenset().union(*(_CONFLICTS[m] for m in wanted))
    return next(m for m in LockMode if m >= max(wanted) and _CONFLICTS[m] >= needed)


def split_name(name: str) -> tuple[str, str]:
    """`schema.table` or `table` as a statement writes it (quotes kept case, others fold to lower case) →
    (schema or "", table)."""
    parts: list[str] = []
    current, quoted, was_quoted, at, text = "", False, False, 0, name.strip()
    while at < len(text):
        char = text[at]
        if char == '"' and quoted and text[at + 1:at + 2] == '"':
            current, at = current + '"', at + 1
        elif char == '"':
            quoted, was_quoted = not quoted, True
        elif char == "." and not quoted:
            parts.append(current if was_quoted else current.lower())
            current, was_quoted = "", False
        else:
            current += char
        at += 1
    parts.append(current if was_quoted else current.lower())
    return (parts[-2] if len(parts) > 1 else "", parts[-1])


def upfront_locks(statements: Iterable[Statement]) -> tuple[tuple[str, str, str], ...]:
    """(schema or "", table, mode label) for each table the statements lock, one covering mode per table, in the
    order first named (the server orders them by schema and name when it takes them)."""
    modes: dict[tuple[str, str], set[LockMode]] = {}
    for statement in statements:
        need = lock_needed(statement.text)
        if need.mode is None:
            continue
        for table in need.tables:
            if table:
                modes.setdefault(split_name(table), set()).add(need.mode)
    return tuple((schema, table, covering(wanted).label) for (schema, table), wanted in modes.items())


def prelude(locks: tuple[tuple[str, str, str], ...]) -> sql.Composed:
    """One DO block taking `locks` (tables that exist; a table the file creates is not there yet) ordered by
    schema and name, under the session's lock_timeout or DEFAULT_TIMEOUT when it has none."""
    rows = sql.SQL(", ").join(sql.SQL("({}, {}, {}, {})").format(
        sql.Literal(s), sql.Literal(t), sql.Literal(m), sql.Literal(int(LockMode[m.title().replace(" ", "") + "Lock"])))
        for s, t, m in locks)
    body = sql.SQL(
        "DECLARE r record; kept text := current_setting('lock_timeout'); BEGIN "
        "IF kept = '0' THEN PERFORM set_config('lock_timeout', {timeout}, true); END IF; "
        "FOR r IN SELECT c.oid::regclass AS rel, (array_agg(w.mode ORDER BY w.rank DESC))[1] AS mode "
        "FROM (VALUES {rows}) AS w(s, t, mode, rank) "
        "JOIN pg_class c ON c.oid = to_regclass(CASE WHEN w.s = '' THEN quote_ident(w.t) "
        "ELSE quote_ident(w.s) || '.' || quote_ident(w.t) END) JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE c.relkind IN {LOCKABLE_KINDS} GROUP BY c.oid, n.nspname, c.relname ORDER BY n.nspname, c.relname LOOP "
        "EXECUTE format('LOCK TABLE %s IN %s MODE', r.rel, r.mode); END LOOP; "
        "PERFORM set_config('lock_timeout', kept, true); END").format(
        timeout=sql.Literal(DEFAULT_TIMEOUT), rows=rows)
    return sql.SQL("DO {}").format(sql.Literal(body.as_string(None)))
