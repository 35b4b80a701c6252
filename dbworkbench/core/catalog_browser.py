"""A light, lazy reader of the live catalog for browsing: one query per level, definitions on demand.

The full schema model (diff, drift, planning) is `dbworkbench/schema/`'s job; this module serves the
workbench's tree, which must open instantly on a 2 000-table database: it never reads more than the
level being expanded. dbworkbench's own history tables are hidden.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from dbworkbench.errors import CancelledError, PlanError

GROUPS = (
    ("tables", "Tables", "c.relkind IN ('r', 'p')"),
    ("views", "Views", "c.relkind = 'v'"),
    ("matviews", "Materialized views", "c.relkind = 'm'"),
    ("sequences", "Sequences", "c.relkind = 'S'"),
)
"""Relation groups shown under a schema: key, label, relkind filter."""

_SYSTEM = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND n.nspname NOT LIKE 'pg_temp%' " \
          "AND n.nspname NOT LIKE 'pg_toast_temp%'"


@dataclass(frozen=True, slots=True)
class CatalogNode:
    """One node of the schema tree."""

    kind: str
    """schema, group, table, view, matview, sequence, type, function, column, index, constraint, trigger."""
    schema: str
    name: str
    label: str
    oid: int = 0
    group: str = ""
    expandable: bool = False


def children(conn: psycopg.Connection[Any], node: CatalogNode | None, *, hidden: frozenset[str] = frozenset()) -> list[CatalogNode]:
    """The children of a node (schemas for the root). `hidden` holds `schema.table` names to leave out."""
    if node is None:
        rows = conn.execute(f"SELECT n.nspname FROM pg_namespace n WHERE {_SYSTEM} ORDER BY 1").fetchall()
        return [CatalogNode("schema", r[0], r[0], r[0], expandable=True) for r in rows]
    if node.kind == "schema":
        return _groups(conn, node.schema, hidden)
    if node.kind == "group":
        return _members(conn, node, hidden)
    if node.kind in ("table", "matview", "view"):
        return _parts(conn, node)
    return []


def _groups(conn: psycopg.Connection[Any], schema: str, hidden: frozenset[str]) -> list[CatalogNode]:
    counts = conn.execute(
        "SELECT " + ", ".join(f"count(*) FILTER (WHERE {cond})" for _, _, cond in GROUPS) +
        " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s "
        "AND NOT (n.nspname || '.' || c.relname = ANY(%s))", [schema, list(hidden)]).fetchone() or ()
    extra = conn.execute(
        "SELECT (SELECT count(*) FROM pg_type t WHERE t.typnamespace = n.oid AND t.typtype IN ('e', 'd', 'r', 'm') "
        "OR (t.typnamespace = n.oid AND t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')), "
        "(SELECT count(*) FROM pg_proc p WHERE p.pronamespace = n.oid AND NOT EXISTS (SELECT 1 FROM pg_depend d "
        "WHERE d.objid = p.oid AND d.deptype = 'e')) FROM pg_namespace n WHERE n.nspname = %s", [schema]).fetchone() or (0, 0)
    found = [(key, label, count) for (key, label, _), count in zip(GROUPS, counts, strict=False)]
    found += [("types", "Types", extra[0]), ("functions", "Functions", extra[1])]
    return [CatalogNode("group", schema, key, f"{label} ({count})", group=key, expandable=True)
            for key, label, count in found if count]


def _members(conn: psycopg.Connection[Any], node: CatalogNode, hidden: frozenset[str]) -> list[CatalogNode]:
    if node.group == "types":
        rows = conn.execute(
            "SELECT t.oid, t.typname, CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN 'domain' WHEN 'r' THEN 'range' "
            "WHEN 'm' THEN 'multirange' ELSE 'composite' END FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE n.nspname = %s AND (t.typtype IN ('e', 'd', 'r', 'm') OR t.typtype = 'c' AND "
            "(SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c') ORDER BY 2", [node.schema]).fetchall()
        return [CatalogNode("type", node.schema, r[1], f"{r[1]}  {r[2]}", r[0]) for r in rows]
    if node.group == "functions":
        rows = conn.execute(
            "SELECT p.oid, p.proname, pg_get_function_identity_arguments(p.oid), p.prokind FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = %s AND NOT EXISTS (SELECT 1 FROM pg_depend d "
            "WHERE d.objid = p.oid AND d.deptype = 'e') ORDER BY 2, 3", [node.schema]).fetchall()
        return [CatalogNode("function", node.schema, r[1], f"{r[1]}({r[2]})" + (" procedure" if r[3] == "p" else ""), r[0])
                for r in rows]
    kind = {"tables": "table", "views": "view", "matviews": "matview", "sequences": "sequence"}[node.group]
    condition = dict((k, c) for k, _, c in GROUPS)[node.group]
    sized = kind in ("table", "matview")
    rows = conn.execute(
        f"SELECT c.oid, c.relname, c.reltuples::bigint, "
        f"{'pg_total_relation_size(c.oid)' if sized else '0'} FROM pg_class c "
        f"JOIN pg_namespace n ON n.oid = c.relnamespace "
        f"WHERE n.nspname = %s AND {condition} AND NOT (n.nspname || '.' || c.relname = ANY(%s)) ORDER BY 2",
        [node.schema, list(hidden)]).fetchall()
    return [CatalogNode(kind, node.schema, r[1], f"{r[1]}  {_estimate(r[2])} · {size_text(r[3])}" if sized else r[1],
                        r[0], expandable=kind != "sequence") for r in rows]


def _estimate(reltuples: int) -> str:
    """`pg_class.reltuples` as a person reads it: `~1.2k rows`, or `rows ?` for a table never analyzed."""
    if reltuples < 0:
        return "rows ?"
    for unit, size in (("M", 1_000_000), ("k", 1_000)):
        if reltuples >= size:
            return f"~{reltuples / size:.1f}{unit} rows"
    return f"~{reltuples} rows"


def size_text(value: int) -> str:
    """Bytes as `48 kB`, `1.2 GB`."""
    amount = float(value)
    for unit in ("bytes", "kB", "MB", "GB", "TB"):
        if amount < 1024 or unit == "TB":
            return f"{amount:.0f} {unit}" if unit in ("bytes", "kB") else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{value} bytes"


PREVIEW_ROWS = 50
"""The most rows the data preview reads."""
PREVIEW_TIMEOUT = "5s"
"""The longest the data preview may run on the server (statement_timeout)."""


def first_rows(conn: psycopg.Connection[Any], node: CatalogNode, limit: int = PREVIEW_ROWS
               ) -> tuple[list[str], list[tuple[str, ...]]]:
    """The first rows of a table, view or materialized view, read-only and bounded (rows and time); each value
    as text, shortened. Cancelling the connection's statement (`core.cancel.CancelToken`) ends it early.

    Raises:
        PlanError: not a relation with rows, the server refused (timeout, privileges), or it was cancelled.
    """
    from psycopg import sql

    if node.kind not in ("table", "view", "matview"):
        raise PlanError(f"{node.label} has no rows to show: choose a table, view or materialized view.")
    try:
        with conn.transaction(force_rollback=True):
            conn.execute("SET TRANSACTION READ ONLY")
            conn.execute(sql.SQL("SET LOCAL statement_timeout = {}").format(sql.Literal(PREVIEW_TIMEOUT)))
            cur = conn.execute(sql.SQL("SELECT * FROM {} LIMIT {}").format(sql.Identifier(node.schema, node.name),
                                                                          sql.Literal(limit)))
            columns = [c.name for c in cur.description or []]
            rows = [tuple("NULL" if v is None else _short(str(v)) for v in row) for row in cur.fetchall()]
    except psycopg.errors.QueryCanceled as exc:
        if "timeout" not in str(exc):
            raise CancelledError(f"stopped reading {node.schema}.{node.name}.") from exc
        raise PlanError(f"stopped reading {node.schema}.{node.name}: it took longer than the preview's "
                        f"statement_timeout ({PREVIEW_TIMEOUT}).", title="data preview") from exc
    except psycopg.Error as exc:
        raise PlanError(f"cannot read {node.schema}.{node.name}: {exc.diag.message_primary or exc}.",
                        title="data preview") from exc
    return columns, rows


def _short(text: str, width: int = 60) -> str:
    folded = " ".join(text.split())
    return folded if len(folded) <= width else folded[: width - 1] + "…"


def _parts(conn: psycopg.Connection[Any], node: CatalogNode) -> list[CatalogNode]:
    rows = conn.execute(
        "SELECT 'column', a.attname, a.attname || '  ' || format_type(a.atttypid, a.atttypmod) || "
        "CASE WHEN a.attnotnull THEN ' not null' ELSE '' END || "
        "COALESCE(' = ' || pg_get_expr(d.adbin, d.adrelid), ''), a.attnum "
        "FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = %(oid)s AND a.attnum > 0 AND NOT a.attisdropped "
        "UNION ALL SELECT 'index', c.relname, 'index ' || c.relname || '  ' || pg_size_pretty(pg_relation_size(c.oid)) "
        "|| CASE WHEN i.indisvalid THEN '' ELSE ' INVALID' END, "
        "1000 + c.oid::bigint FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = %(oid)s "
        "UNION ALL SELECT 'constraint', conname, CASE contype WHEN 'p' THEN 'primary key ' WHEN 'f' THEN 'foreign key ' "
        "WHEN 'u' THEN 'unique ' WHEN 'c' THEN 'check ' WHEN 'x' THEN 'exclude ' ELSE '' END || conname, "
        "2000000000 + oid::bigint FROM pg_constraint "
        "WHERE conrelid = %(oid)s AND contype <> 'n' "
        "UNION ALL SELECT 'trigger', tgname, 'trigger ' || tgname, 4000000000 + oid::bigint FROM pg_trigger "
        "WHERE tgrelid = %(oid)s AND NOT tgisinternal ORDER BY 4", {"oid": node.oid}).fetchall()
    return [CatalogNode(r[0], node.schema, r[1], r[2], node.oid) for r in rows]


def definition(conn: psycopg.Connection[Any], node: CatalogNode) -> str:
    """SQL that shows what a node is (DDL where PostgreSQL can give it)."""
    one = _one(conn)
    if node.kind in ("view", "matview"):
        keyword = "MATERIALIZED VIEW" if node.kind == "matview" else "VIEW"
        return (f"CREATE {keyword} {_qualified(node)} AS\n" + one("SELECT pg_get_viewdef(%s::oid, true)", node.oid)
                + _comment(conn, keyword, _qualified(node), node.oid, "pg_class"))
    if node.kind == "function":
        return (one("SELECT pg_get_functiondef(%s::oid)", node.oid).rstrip() + ";"
                + _comment(conn, "FUNCTION", one("SELECT %s::oid::regprocedure::text", node.oid), node.oid, "pg_proc"))
    if node.kind == "table":
        return _table_ddl(conn, node)
    if node.kind == "sequence":
        return one("SELECT format('CREATE SEQUENCE %%s AS %%s START %%s INCREMENT %%s MINVALUE %%s MAXVALUE %%s%%s;', "
                   "%s::text, format_type(seqtypid, NULL), seqstart, seqincrement, seqmin, seqmax, "
                   "CASE WHEN seqcycle THEN ' CYCLE' ELSE '' END) FROM pg_sequence WHERE seqrelid = %s::oid",
                   _qualified(node), node.oid)
    if node.kind == "type":
        return one("SELECT CASE t.typtype WHEN 'e' THEN format('CREATE TYPE %%s AS ENUM (%%s);', %s::text, "
                   "(SELECT string_agg(quote_literal(enumlabel), ', ' ORDER BY enumsortorder) FROM pg_enum "
                   "WHERE enumtypid = t.oid)) WHEN 'd' THEN format('CREATE DOMAIN %%s AS %%s%%s;', %s::text, "
                   "format_type(t.typbasetype, t.typtypmod), COALESCE((SELECT ' ' || string_agg(pg_get_constraintdef(oid), ' ') "
                   "FROM pg_constraint WHERE contypid = t.oid), '')) ELSE format('-- %%s type %%s', t.typtype, %s::text) END "
                   "FROM pg_type t WHERE t.oid = %s::oid", _qualified(node), _qualified(node), _qualified(node), node.oid
                   ) + _comment(conn, "TYPE", _qualified(node), node.oid, "pg_type")
    if node.kind == "index":
        return one("SELECT pg_get_indexdef(c.oid) || ';' FROM pg_class c WHERE c.relname = %s AND c.relnamespace = "
                   "(SELECT oid FROM pg_namespace WHERE nspname = %s)", node.name, node.schema)
    if node.kind == "constraint":
        return one("SELECT format('ALTER TABLE %%s ADD CONSTRAINT %%I %%s;', conrelid::regclass, conname, "
                   "pg_get_constraintdef(oid)) FROM pg_constraint WHERE conrelid = %s::oid AND conname = %s",
                   node.oid, node.name)
    if node.kind == "trigger":
        return one("SELECT pg_get_triggerdef(oid, true) || ';' FROM pg_trigger WHERE tgrelid = %s::oid AND tgname = %s",
                   node.oid, node.name)
    if node.kind == "column":
        return node.label
    return f"-- {node.kind} {node.name}"


def _one(conn: psycopg.Connection[Any]) -> Callable[..., str]:
    """A function running a one-value query and returning its text."""
    def fetch(query: str, *params: object) -> str:
        row = conn.execute(query, list(params)).fetchone()
        return str(row[0]) if row and row[0] is not None else "-- not found (dropped meanwhile?)"
    return fetch


def _comment(conn: psycopg.Connection[Any], keyword: str, name: str, oid: int | None, catalog: str) -> str:
    """`COMMENT ON keyword name IS '…';` on a line of its own, or nothing when the object has no comment."""
    row = conn.execute("SELECT quote_literal(obj_description(%s::oid, %s))", [oid, catalog]).fetchone()
    return f"\nCOMMENT ON {keyword} {name} IS {row[0]};" if row and row[0] is not None else ""


def _qualified(node: CatalogNode) -> str:
    from psycopg import sql

    return sql.Identifier(node.schema, node.name).as_string(None)


def _table_ddl(conn: psycopg.Connection[Any], node: CatalogNode) -> str:
    columns = conn.execute(
        "SELECT quote_ident(a.attname) || ' ' || format_type(a.atttypid, a.atttypmod) || "
        "CASE WHEN a.attidentity = 'a' THEN ' GENERATED ALWAYS AS IDENTITY' WHEN a.attidentity = 'd' "
        "THEN ' GENERATED BY DEFAULT AS IDENTITY' ELSE '' END || "
        "CASE WHEN a.attgenerated = 's' THEN ' GENERATED ALWAYS AS (' || pg_get_expr(d.adbin, d.adrelid) || ') STORED' "
        "WHEN d.adbin IS NOT NULL THEN ' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid) ELSE '' END || "
        "CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END FROM pg_attribute a "
        "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum", [node.oid]).fetchall()
    constraints = conn.execute(
        "SELECT 'CONSTRAINT ' || quote_ident(conname) || ' ' || pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = %s AND contype <> 'n' ORDER BY contype = 'p' DESC, conname", [node.oid]).fetchall()
    indexes = conn.execute(
        "SELECT pg_get_indexdef(indexrelid) || ';' FROM pg_index WHERE indrelid = %s AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint WHERE conindid = indexrelid AND conrelid = %s) ORDER BY 1",
        [node.oid, node.oid]).fetchall()
    triggers = conn.execute("SELECT pg_get_triggerdef(oid, true) || ';' FROM pg_trigger WHERE tgrelid = %s "
                            "AND NOT tgisinternal ORDER BY tgname", [node.oid]).fetchall()
    comments = conn.execute(
        "SELECT format('COMMENT ON COLUMN %%s.%%I IS %%L;', %s::text, a.attname, d.description) FROM pg_description d "
        "JOIN pg_attribute a ON a.attrelid = d.objoid AND a.attnum = d.objsubid WHERE d.classoid = 'pg_class'::regclass "
        "AND d.objoid = %s AND d.objsubid > 0 ORDER BY a.attnum", [_qualified(node), node.oid]).fetchall()
    body = ",\n".join("    " + r[0] for r in [*columns, *constraints])
    table = f"CREATE TABLE {_qualified(node)} (\n{body}\n);" + _comment(conn, "TABLE", _qualified(node), node.oid,
                                                                        "pg_class")
    return "\n".join([table, *(r[0] for r in [*comments, *indexes, *triggers])])


def definition_by_name(conn: psycopg.Connection[Any], name: str) -> str:
    """DDL of one table, view, sequence, type or function, by name (schema-qualified or not).

    Raises:
        PlanError: no such object, or a name PostgreSQL cannot read as one.
    """
    try:
        found = _find_by_name(conn, name)
    except (psycopg.errors.SyntaxError, psycopg.DataError) as exc:  # to_regclass/to_regtype reject a malformed name
        raise PlanError(f"{name!r} is not a name PostgreSQL can look up: {exc.diag.message_primary or exc}.") from exc
    if not found:
        raise PlanError(f"no table, view, sequence, type or function is named {name!r} here.")
    return "\n\n".join(definition(conn, node) for node in found)


_RELKINDS = {"r": "table", "p": "table", "v": "view", "m": "matview", "S": "sequence", "i": "index"}


def _find_by_name(conn: psycopg.Connection[Any], name: str) -> list[CatalogNode]:
    row = conn.execute("SELECT c.oid, n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n "
                       "ON n.oid = c.relnamespace WHERE c.oid = to_regclass(%s)", [name]).fetchone()
    if row is not None and str(row[3]) in _RELKINDS:
        return [CatalogNode(_RELKINDS[str(row[3])], str(row[1]), str(row[2]), str(row[2]), int(str(row[0])))]
    row = conn.execute("SELECT t.oid, n.nspname, t.typname FROM pg_type t JOIN pg_namespace n "
                       "ON n.oid = t.typnamespace WHERE t.oid = to_regtype(%s)", [name]).fetchone()
    if row is not None:
        return [CatalogNode("type", str(row[1]), str(row[2]), str(row[2]), int(str(row[0])))]
    schema, _, function = name.rpartition(".")
    rows = conn.execute("SELECT p.oid, n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n "
                        "ON n.oid = p.pronamespace WHERE p.proname = %s AND (n.nspname = %s OR %s = '')",
                        [function.split("(")[0], schema, schema]).fetchall()
    return [CatalogNode("function", str(r[1]), str(r[2]), str(r[2]), int(str(r[0]))) for r in rows]
