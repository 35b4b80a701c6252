"""Who holds the locks a migration statement waited for: sessions with granted locks on its tables."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import psycopg

_PLAIN = re.compile(r"[a-z_][a-z0-9_$]*")


def sql_name(part: str) -> str:
    """A name part as SQL writes it: quoted unless it reads back the same unquoted."""
    return part if _PLAIN.fullmatch(part) else '"' + part.replace('"', '""') + '"'


def relations(statement: str) -> list[str]:
    """Tables a statement names (schema-qualified when written so), from PostgreSQL's parse tree, as SQL text
    `to_regclass` reads (`"Orders"` keeps its case)."""
    from pglast import parser

    try:
        tree = json.loads(parser.parse_sql_json(statement))
    except parser.ParseError:
        return []
    return list(dict.fromkeys(_range_vars(tree)))


def _range_vars(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if "relname" in node and isinstance(node["relname"], str):
            yield ".".join(sql_name(p) for p in (node.get("schemaname"), node["relname"]) if p)
        for value in node.values():
            yield from _range_vars(value)
    elif isinstance(node, list):
        for item in node:
            yield from _range_vars(item)


def describe_blockers(conn: psycopg.Connection[Any], statement: str) -> str:
    """One line per session holding a lock on a table the statement uses ("" when none is found)."""
    names = relations(statement)
    if not names:
        return ""
    rows = conn.execute(
        "SELECT DISTINCT a.pid, a.usename, a.application_name, a.state, "
        "date_trunc('second', now() - a.xact_start), left(regexp_replace(a.query, '\\s+', ' ', 'g'), 80), "
        "l.relation::regclass::text, l.mode FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.granted AND l.pid <> pg_backend_pid() AND l.relation = ANY("
        "SELECT to_regclass(n)::oid FROM unnest(%s::text[]) n WHERE to_regclass(n) IS NOT NULL) ORDER BY 1",
        [names]).fetchall()
    return "; ".join(f"pid {r[0]} ({r[1]}, {r[2] or 'no application_name'}, {r[3]}, transaction open {r[4]}) "
                     f"holds {r[7]} on {r[6]}, running: {r[5]}" for r in rows)
