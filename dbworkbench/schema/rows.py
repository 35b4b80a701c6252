"""The rows of a (scratch) database as SQL, and a fingerprint of them to compare two databases by.

`squash` uses both: the rows that migrations inserted (reference data, lookup tables) go into the baseline file as
INSERTs, tables ordered so that a foreign key's table is filled first, sequences set to where they stood; then the
database the baseline builds must hold the same rows, table by table.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import sql

_USER_TABLES = """
SELECT c.oid, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.deptype = 'e')
ORDER BY n.nspname, c.relname
"""
_SEQUENCES = """
SELECT n.nspname, c.relname, (SELECT format('%s.%s', tn.nspname, t.relname) FROM pg_depend o
                              JOIN pg_class t ON t.oid = o.refobjid JOIN pg_namespace tn ON tn.oid = t.relnamespace
                              WHERE o.classid = 'pg_class'::regclass AND o.objid = c.oid
                                AND o.refclassid = 'pg_class'::regclass AND o.deptype IN ('a', 'i') LIMIT 1)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'S' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.deptype = 'e')
ORDER BY 1, 2
"""


def _tables(conn: psycopg.Connection[Any], skip: frozenset[str]) -> list[tuple[int, str, str]]:
    """User tables (not an extension's), a referenced table before the tables whose foreign keys point at it."""
    tables = [(oid, ns, name) for oid, ns, name in conn.execute(_USER_TABLES).fetchall()
              if f"{ns}.{name}" not in skip]
    needs: dict[int, set[int]] = {oid: set() for oid, _, _ in tables}
    for child, parent in conn.execute("SELECT conrelid::oid::int, confrelid::oid::int FROM pg_constraint "
                                      "WHERE contype = 'f' AND conrelid <> confrelid").fetchall():
        if child in needs and parent in needs:
            needs[child].add(parent)
    ordered: list[tuple[int, str, str]] = []
    done: set[int] = set()
    while len(ordered) < len(tables):
        ready = [t for t in tables if t[0] not in done and needs[t[0]] <= done]
        ready = ready or [next(t for t in tables if t[0] not in done)]  # a cycle: the proof afterwards says so
        for table in ready:
            ordered.append(table)
            done.add(table[0])
    return ordered


def insert_statements(conn: psycopg.Connection[Any], *, skip: frozenset[str] = frozenset()) -> list[str]:
    """INSERTs of every row of every user table (`skip`: `schema.table` names left out), then the setval of
    every sequence that moved (but those of skipped tables), as SQL text."""
    statements: list[str] = []
    for oid, ns, name in _tables(conn, skip):
        columns = [(column, identity) for column, identity in conn.execute(
            "SELECT attname, attidentity FROM pg_attribute WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped "
            "AND attgenerated = '' ORDER BY attnum", (oid,)).fetchall()]
        if not columns:
            continue
        table = sql.Identifier(ns, name)
        values = sql.SQL(", ").join(sql.SQL("quote_nullable({})").format(sql.Identifier(c)) for c, _ in columns)
        rows = conn.execute(sql.SQL("SELECT concat_ws(', ', {}) FROM {} ORDER BY 1").format(values, table)).fetchall()
        if not rows:
            continue
        names = sql.SQL(", ").join(sql.Identifier(c) for c, _ in columns).as_string(conn)
        overriding = " OVERRIDING SYSTEM VALUE" if any(identity == "a" for _, identity in columns) else ""
        body = ",\n  ".join(f"({row[0]})" for row in rows)
        statements.append(f"INSERT INTO {table.as_string(conn)} ({names}){overriding} VALUES\n  {body};")
    for ns, name, owner in conn.execute(_SEQUENCES).fetchall():
        if owner in skip:
            continue
        sequence = sql.Identifier(ns, name)
        last, called = conn.execute(sql.SQL("SELECT last_value, is_called FROM {}").format(sequence)).fetchone() \
            or (None, False)
        if called:
            literal = sql.Literal(sequence.as_string(conn)).as_string(conn)
            statements.append(f"SELECT pg_catalog.setval({literal}, {last}, true);")
    return statements


def fingerprint(conn: psycopg.Connection[Any], *, skip: frozenset[str] = frozenset()) -> dict[str, tuple[int, str]]:
    """`schema.table` -> (row count, md5 of its rows as text, sorted), for every user table."""
    found: dict[str, tuple[int, str]] = {}
    for _oid, ns, name in _tables(conn, skip):
        row = conn.execute(sql.SQL("SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') "
                                   "FROM {} t").format(sql.Identifier(ns, name))).fetchone()
        found[f"{ns}.{name}"] = (int(row[0]), str(row[1])) if row else (0, "")
    return found
