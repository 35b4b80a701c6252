"""Which application queries a migration breaks: the `breaks-query-*` rules.

The application's queries (a `queries/` folder of `.sql` files, or `pg_stat_statements` on the target) are parsed
with sqlglot's PostgreSQL dialect and qualified against the schema the migration meets (the target's tables when
there is one, else the project's earlier files folded statically: their CREATE / ALTER / RENAME / DROP TABLE), so
every column is pinned to its table. Each change of the migration to an existing table is then matched with the
queries that touch it: a dropped or renamed table or column breaks the queries naming it, a type change may break
them (warning), a NOT NULL column without a default breaks the INSERTs that leave it out, and a table gaining or
losing columns changes what `SELECT *` over it returns (warning). Queries sqlglot cannot parse or qualify are
counted in one finding, never dropped silently.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbworkbench.core.lexer import UnterminatedError, split_statements
from dbworkbench.core.syntax import SqlSyntaxError, parse_statements
from dbworkbench.lint.findings import Severity
from dbworkbench.lint.parse_tree import statement_trees
from dbworkbench.lint.query_log import LOG_SUFFIXES, read_log
from dbworkbench.lint.rules import Hit
from dbworkbench.lint.rules_types import type_text

Tables = dict[str, dict[str, str]]
"""`schema.table` → column → type (with its modifiers), as the migration meets them."""

_RECIPE = ("Deprecate before you drop: ship the application without these queries first (or keep the old name "
           "as a view or a generated column for a release), then change the schema.")
_RECIPES = {
    "not-null-added": "Give the column a DEFAULT, or ship the application writing it before the column turns NOT NULL.",
    "type-change": "Check each query against the new type (comparisons, casts, the client's decoding) before it ships.",
    "added-column": "Name the columns in those queries instead of `*`, so the schema can grow under them.",
}


@dataclass(frozen=True, slots=True)
class AppQuery:
    """One application query and where it came from."""

    text: str
    source: str
    """`queries/reports.sql:12`, or `pg_stat_statements`."""


@dataclass(frozen=True, slots=True)
class SchemaChange:
    """What one statement of a migration does to a table that existed before it."""

    kind: str
    """dropped-table, renamed-table, dropped-column, renamed-column, type-change, not-null-added, added-column."""
    table: str
    column: str | None
    detail: str
    location: int


@dataclass(frozen=True, slots=True)
class _Reads:
    """What a qualified query touches."""

    columns: frozenset[tuple[str, str]]
    tables: frozenset[str]
    star: frozenset[str]
    """Tables read with `*` (or `t.*`)."""
    inserts: tuple[tuple[str, frozenset[str] | None], ...]
    """(table, the columns named; None without a column list)."""


def read_queries(folder: Path | None) -> list[AppQuery]:
    """Every statement of every `.sql` file under `folder`, and the row queries of every server log there
    (`lint.query_log`); none when the folder does not exist."""
    if folder is None or not folder.is_dir():
        return []
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.suffix in LOG_SUFFIXES and p.is_file()):
        name = path.relative_to(folder.parent).as_posix()
        try:
            found += [AppQuery(query, f"{name}:{line}") for line, query in read_log(path)]
        except (OSError, UnicodeDecodeError, ValueError):
            found.append(AppQuery("", f"{name}:1"))  # counted as unparsable
    for path in sorted(folder.rglob("*.sql")):
        try:
            text = path.read_text(encoding="utf-8")
            statements = split_statements(text)
        except (OSError, UnicodeDecodeError, UnterminatedError):
            found.append(AppQuery("", f"{path.relative_to(folder.parent).as_posix()}:1"))  # counted as unparsable
            continue
        name = path.relative_to(folder.parent).as_posix()
        found += [AppQuery(s.text.rstrip().rstrip(";"), f"{name}:{s.line}") for s in statements if s.text.strip(" ;\n")]
    return found


def relation_name(relation: dict[str, Any]) -> str:
    """`schema.table` of a parse tree's RangeVar (unqualified: public)."""
    return f"{relation.get('schemaname') or 'public'}.{relation.get('relname')}"


def _plain_not_null(column: dict[str, Any]) -> bool:
    kinds = {c["Constraint"]["contype"] for c in column.get("constraints", []) if "Constraint" in c}
    return ("CONSTR_NOTNULL" in kinds or "CONSTR_PRIMARY" in kinds) and not kinds & {
        "CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED"}


SCHEMA_WORDS = ("create", "drop", "alter")
"""What a statement that changes the schema starts with: the only ones the static fold and `changes_in` read."""


def statements_of(sql: str) -> list[tuple[dict[str, Any], int]]:
    """The parse trees of `sql`'s schema-changing statements (CREATE, DROP, ALTER) with their locations; none
    when it does not parse. A piece at a time, and only those statements (`lint.parse_tree`)."""
    from pglast import parser

    try:
        statements = parse_statements(sql)
        return [(s["stmt"], s.get("stmt_location", 0)) for s in statement_trees(sql, statements, SCHEMA_WORDS)]
    except (SqlSyntaxError, parser.ParseError):
        return []


def changes_in(sql: str, tables: Tables, statements: list[tuple[dict[str, Any], int]] | None = None
               ) -> tuple[list[SchemaChange], Tables]:
    """The changes `sql` makes to tables of `tables`, and the tables after it (folded statically); `statements`
    is `statements_of(sql)` when the caller has parsed it already."""
    after = {k: dict(v) for k, v in tables.items()}
    found: list[SchemaChange] = []
    existed = set(tables)
    for node, start in statements_of(sql) if statements is None else statements:
        kind, body = next(iter(node.items()))
        at = (body.get("relation") or {}).get("location", start) if isinstance(body, dict) else start
        if kind == "CreateStmt":
            after[relation_name(body["relation"])] = {e["ColumnDef"]["colname"]: type_text(e["ColumnDef"])
                                              for e in body.get("tableElts", []) if "ColumnDef" in e}
        elif kind == "DropStmt" and body.get("removeType") in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW"):
            for item in body.get("objects", []):
                parts = [p["String"]["sval"] for p in item.get("List", {}).get("items", []) if "String" in p]
                name = ".".join(parts) if len(parts) > 1 else f"public.{parts[0]}" if parts else ""
                if name in existed and name in after:
                    found.append(SchemaChange("dropped-table", name, None, f"DROP of {name}", at))
                after.pop(name, None)
        elif kind == "RenameStmt" and body.get("relation"):
            name = relation_name(body["relation"])
            if body.get("renameType") == "OBJECT_TABLE" and name in after:
                new = f"{name.partition('.')[0]}.{body['newname']}"
                if name in existed:
                    found.append(SchemaChange("renamed-table", name, None, f"RENAME of {name} to {new}", at))
                after[new] = after.pop(name)
            elif body.get("renameType") == "OBJECT_COLUMN" and name in after and body.get("subname") in after[name]:
                old_column, new_column = body["subname"], body["newname"]
                if name in existed and old_column in tables.get(name, {}):
                    found.append(SchemaChange("renamed-column", name, old_column,
                                              f"RENAME of {name}.{old_column} to {new_column}", at))
                after[name][new_column] = after[name].pop(old_column)
        elif kind == "AlterTableStmt" and body.get("relation"):
            found += _alter(relation_name(body["relation"]), body.get("cmds", []), at, tables, after, existed)
    return found, after


def _alter(name: str, cmds: list[dict[str, Any]], at: int, before: Tables, after: Tables,
           existed: set[str]) -> Iterator[SchemaChange]:
    columns = after.setdefault(name, {})
    old = before.get(name, {}) if name in existed else {}
    for entry in cmds:
        cmd = entry.get("AlterTableCmd", {})
        subtype, column = cmd.get("subtype"), cmd.get("name")
        definition = (cmd.get("def") or {}).get("ColumnDef")
        if subtype == "AT_AddColumn" and definition:
            columns[definition["colname"]] = type_text(definition)
            if old:
                added = f"ADD COLUMN {name}.{definition['colname']}"
                yield SchemaChange("added-column", name, definition["colname"], added, at)
                if _plain_not_null(definition):
                    yield SchemaChange("not-null-added", name, definition["colname"], added, at)
        elif subtype == "AT_DropColumn" and column:
            if column in old:
                yield SchemaChange("dropped-column", name, column, f"DROP COLUMN {name}.{column}", at)
            columns.pop(column, None)
        elif subtype == "AT_AlterColumnType" and column and definition:
            columns[column] = type_text(definition)
            if column in old:
                yield SchemaChange("type-change", name, column,
                                   f"ALTER COLUMN {name}.{column} TYPE {type_text(definition)}", at)


def _sqlglot_schema(tables: Tables) -> dict[str, Any]:
    """`tables` as sqlglot's qualify wants them (a table whose columns are unknown gets a placeholder)."""
    schema: dict[str, Any] = {}
    for key, known in tables.items():
        owner, _, table = key.partition(".")
        schema.setdefault(owner, {})[table] = dict(known) or {"?": "text"}
    return schema


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> tuple[Any, frozenset[str]] | None:
    """A query's tree and the tables its `*` reads, parsed once however many files are checked against it; None
    when sqlglot cannot parse it as a query."""
    import sqlglot
    from sqlglot import exp
    from sqlglot.errors import SqlglotError

    try:
        tree = sqlglot.parse_one(text, read="postgres")
    except (SqlglotError, ValueError, KeyError, RecursionError):
        return None
    if not isinstance(tree, (exp.Query, exp.Insert, exp.Update, exp.Delete, exp.Merge)):
        return None  # sqlglot reads some non-SQL as a bare expression: that is not a query it understood
    return tree, frozenset(_starred(tree))


def _reads(query: AppQuery, schema: dict[str, Any]) -> _Reads | None:
    """What the query touches, qualified against `schema`; None when sqlglot cannot parse or qualify it."""
    from sqlglot import exp
    from sqlglot.errors import SqlglotError
    from sqlglot.optimizer.qualify import qualify

    parsed = _parsed(query.text)
    if parsed is None:
        return None
    tree, starred = parsed
    try:
        qualified = qualify(tree.copy(), schema=schema, dialect="postgres", db="public", validate_qualify_columns=True,
                            quote_identifiers=False)
    except (SqlglotError, ValueError, KeyError, RecursionError):
        return None
    # qualify gives every real table its schema; a table without one is a CTE or a subquery's name
    aliases = {t.alias_or_name: f"{t.db}.{t.name}" for t in qualified.find_all(exp.Table) if t.db}
    columns = {(aliases[c.table], c.name) for c in qualified.find_all(exp.Column) if c.table in aliases}
    for write in qualified.find_all(exp.Update, exp.Delete):
        target = write.this
        if isinstance(target, exp.Table) and target.db:  # SET's targets and bare names stay unqualified
            columns |= {(f"{target.db}.{target.name}", c.name) for c in write.find_all(exp.Column) if not c.table}
    inserts = []
    for insert in qualified.find_all(exp.Insert):
        target = insert.this
        table = target.this if isinstance(target, exp.Schema) else target
        if isinstance(table, exp.Table):
            named = frozenset(i.name for i in target.expressions) if isinstance(target, exp.Schema) else None
            inserts.append((f"{table.db or 'public'}.{table.name}", named))
            columns |= {(f"{table.db or 'public'}.{table.name}", name) for name in named or ()}
    star = frozenset(aliases.get(s, s if "." in s else f"public.{s}") for s in starred)
    return _Reads(frozenset(columns), frozenset(aliases.values()), star, tuple(inserts))


def _starred(tree: Any) -> set[str]:
    """Tables (by alias or name) a `SELECT *` or `SELECT t.*` reads, before qualify expands the star."""
    from sqlglot import exp

    found: set[str] = set()
    for select in tree.find_all(exp.Select):
        for item in select.expressions:
            if isinstance(item, exp.Star):
                found |= {t.alias_or_name for t in select.find_all(exp.Table) if t.parent_select is select}
            elif isinstance(item, exp.Column) and isinstance(item.this, exp.Star) and item.table:
                found.add(item.table)
    return found


def impact(sql: str, tables: Tables, queries: list[AppQuery]) -> tuple[list[Hit], Tables]:
    """The `breaks-query-*` hits of a migration's up SQL (byte locations in `sql`), and the tables after it."""
    changes, after = changes_in(sql, tables)
    if not changes or not queries:
        return [], after
    reads: list[tuple[AppQuery, _Reads]] = []
    unparsed: list[str] = []
    schema = _sqlglot_schema(tables)
    for query in queries:
        found = _reads(query, schema) if query.text else None
        if found is None:
            unparsed.append(query.source)
        else:
            reads.append((query, found))
    hits = [hit for change in changes if (hit := _hit(change, reads)) is not None]
    if unparsed:
        hits.append(Hit("breaks-query-unchecked", Severity.INFO,
                        f"{len(unparsed)} of {len(queries)} application queries could not be parsed or qualified by "
                        f"sqlglot, so this file was not checked against them: {', '.join(unparsed[:5])}"
                        + (" …" if len(unparsed) > 5 else ""), "Check those queries by hand.", changes[0].location))
    return hits, after


_RULES = {
    "dropped-table": ("breaks-query-dropped-table", Severity.ERROR, "breaks {n} application quer{y} that read{v} it"),
    "renamed-table": ("breaks-query-renamed-table", Severity.ERROR, "breaks {n} application quer{y} naming it"),
    "dropped-column": ("breaks-query-dropped-column", Severity.ERROR, "breaks {n} application quer{y} that use{v} it"),
    "renamed-column": ("breaks-query-renamed-column", Severity.ERROR, "breaks {n} application quer{y} naming it"),
    "type-change": ("breaks-query-type-change", Severity.WARNING,
                    "changes the type {n} application quer{y} read (comparisons, casts and client types may break)"),
    "not-null-added": ("breaks-query-not-null-insert", Severity.ERROR,
                       "is NOT NULL without a default: {n} application INSERT{s} leaving it out will fail"),
    "added-column": ("breaks-query-select-star", Severity.WARNING,
                     "changes the columns {n} application `SELECT *` quer{y} over the table get back"),
}


def _hit(change: SchemaChange, reads: list[tuple[AppQuery, _Reads]]) -> Hit | None:
    if change.kind in ("dropped-table", "renamed-table"):
        hurt = [q for q, r in reads if change.table in r.tables]
    elif change.kind == "not-null-added":
        hurt = [q for q, r in reads if any(t == change.table and (cols is None or change.column not in cols)
                                           for t, cols in r.inserts)]
    elif change.kind == "added-column":
        hurt = [q for q, r in reads if change.table in r.star]
    else:
        hurt = [q for q, r in reads if (change.table, change.column) in r.columns]
    if change.kind == "dropped-column":
        hurt += [q for q, r in reads if change.table in r.star and q not in hurt]
    if not hurt:
        return None
    rule, severity, says = _RULES[change.kind]
    n = len(hurt)
    shown = "; ".join(f"{q.source} `{' '.join(q.text.split())[:70]}`" for q in hurt[:3]) + (" …" if n > 3 else "")
    text = says.format(n=n, y="y" if n == 1 else "ies", s="" if n == 1 else "s", v="s" if n == 1 else "")
    return Hit(rule, severity, f"{change.detail} {text}: {shown}", _RECIPES.get(change.kind, _RECIPE),
               change.location)


LIVE_TABLES_SQL = (
    "SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
    "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND a.attnum > 0 AND NOT a.attisdropped "
    "AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%%' "
    "ORDER BY c.oid, a.attnum")
"""Every user table's and view's columns, for qualifying queries against a live target."""


def live_tables(rows: list[tuple[Any, ...]]) -> Tables:
    """`Tables` from the rows of `LIVE_TABLES_SQL`."""
    tables: Tables = {}
    for schema, table, column, kind in rows:
        tables.setdefault(f"{schema}.{table}", {})[str(column)] = str(kind)
    return tables


def observed_queries(conn: Any) -> list[AppQuery]:
    """This database's `pg_stat_statements` queries, most called first (none when the extension is not installed
    or not readable by the role)."""
    import psycopg

    try:
        with conn.transaction():
            installed = conn.execute("SELECT to_regclass('pg_stat_statements') IS NOT NULL").fetchone()
            if not installed or not installed[0]:
                return []
            rows = conn.execute("SELECT query FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database "
                                "WHERE datname = current_database()) AND toplevel ORDER BY calls DESC LIMIT 5000"
                                ).fetchall()
    except psycopg.Error:
        return []  # not preloaded, or not readable by this role
    return [AppQuery(str(r[0]), "pg_stat_statements") for r in rows if r[0]]
