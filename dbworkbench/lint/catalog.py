"""The schema a file meets, for the rules a file alone cannot decide: from the target's catalog (read-only) when
there is one, else the project's earlier files folded statically (CREATE / ALTER / RENAME / DROP TABLE and their
CHECK constraints), else nothing (then the rules stay static).

What the rules ask: a column's type before a type change (`varchar(50)` → `varchar(100)` is free, → `varchar(20)`
or `text` → `varchar(n)` rewrites; a numeric's precision may grow at the same scale, any scale change rewrites),
and whether a validated `CHECK (col IS NOT NULL)` makes `SET NOT NULL` free (PostgreSQL 12+).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dbworkbench.lint.parse_tree import nodes
from dbworkbench.lint.queries import LIVE_TABLES_SQL, Tables, changes_in, live_tables, relation_name, statements_of
from dbworkbench.lint.view_deps import ViewsOn, fold_views

_FAMILIES = {"character varying": "varchar", "varchar": "varchar", "character": "bpchar", "bpchar": "bpchar",
             "char": "bpchar", "numeric": "numeric", "decimal": "numeric", "text": "text", "citext": "citext"}
_TYPE_RE = re.compile(r"^(?P<name>[a-z ]+?)\s*(?:\((?P<mods>[\d,\s]+)\))?(?P<array>\[\])?$")
_NOT_NULL_CHECK_RE = re.compile(r'^CHECK \(\("?(?P<column>[^"()]+)"? IS NOT NULL\)\)$')
_VIEWS_ON_SQL = ("SELECT DISTINCT n.nspname, c.relname, a.attname, vn.nspname || '.' || v.relname FROM pg_depend d "
                 "JOIN pg_rewrite r ON r.oid = d.objid AND d.classid = 'pg_rewrite'::regclass "
                 "JOIN pg_class v ON v.oid = r.ev_class JOIN pg_namespace vn ON vn.oid = v.relnamespace "
                 "JOIN pg_class c ON c.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass "
                 "JOIN pg_namespace n ON n.oid = c.relnamespace "
                 "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid "
                 "WHERE d.refobjsubid > 0 AND v.oid <> c.oid AND n.nspname NOT IN ('pg_catalog', 'information_schema')")
_NOT_NULL_SQL = ("SELECT n.nspname, c.relname, a.attname FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                 "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE a.attnotnull AND a.attnum > 0 AND NOT "
                 "a.attisdropped AND c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')")
_INDEXES_SQL = ("SELECT n.nspname, c.relname, ic.relname, ARRAY(SELECT a.attname FROM unnest(i.indkey::int2[]) WITH ORDINALITY "
                "k(attnum, position) JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
                "ORDER BY k.position) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class ic ON ic.oid = "
                "i.indexrelid JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')")
_SIZES_SQL = ("SELECT n.nspname, c.relname, c.reltuples::bigint, pg_total_relation_size(c.oid) FROM pg_class c "
              "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p', 'm') "
              "AND n.nspname NOT IN ('pg_catalog', 'information_schema')")
_FUNCTIONS_SQL = ("SELECT p.proname, p.provolatile FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                  "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')")
_CHECKS_SQL = ("SELECT n.nspname, c.relname, pg_get_constraintdef(k.oid), k.convalidated, ARRAY(SELECT a.attname "
               "FROM pg_attribute a WHERE a.attrelid = k.conrelid AND a.attnum = ANY(k.conkey)) FROM pg_constraint k "
               "JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
               "WHERE k.contype = 'c' AND n.nspname NOT IN ('pg_catalog', 'information_schema')")


@dataclass(frozen=True, slots=True)
class Catalog:
    """Tables and columns (types with their modifiers), and the validated NOT NULL checks."""

    tables: Tables
    not_null_checks: dict[str, frozenset[str]] = field(default_factory=dict)
    """`schema.table` → columns a validated `CHECK (col IS NOT NULL)` covers."""
    source: str = "files"
    """Where it came from: `target` or `files`."""
    checked: dict[str, frozenset[str]] = field(default_factory=dict)
    """`schema.table` → columns some CHECK constraint reads (a type change verifies those again: a scan)."""
    sizes: dict[str, tuple[int, int]] = field(default_factory=dict)
    """`schema.table` → (estimated rows, bytes): the target's statistics (files have none; never analysed: -1 rows)."""
    volatility: dict[str, str] = field(default_factory=dict)
    """User function name (bare, lower case) → `v`olatile, `s`table or `i`mmutable (the most volatile overload)."""
    indexes: dict[str, frozenset[tuple[str, ...]]] = field(default_factory=dict)
    """`schema.table` → the column lists of its indexes (primary keys and unique constraints included)."""
    not_null: dict[str, frozenset[str]] = field(default_factory=dict)
    """`schema.table` → its NOT NULL columns."""
    index_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """`schema.index` → the columns it indexes, for `… USING INDEX name`."""
    views_on: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    """(`schema.table`, column) → the views and rules that use it (the target's pg_depend; files: `lint.view_deps`)."""

    def column_type(self, table: str, column: str) -> str | None:
        """The column's type, when known (`table` as written: unqualified means public)."""
        return self.tables.get(qualified(table), {}).get(column)

    def type_change_rewrites(self, table: str, column: str, new_type: str) -> bool | None:
        """Whether changing the column to `new_type` rewrites the table; None when the column or a type is not
        one the rules can compare."""
        old = self.column_type(table, column)
        return None if old is None else rewrites(old, new_type)

    def has_not_null_check(self, table: str, column: str) -> bool:
        """A validated CHECK (column IS NOT NULL) exists on the table."""
        return column in self.not_null_checks.get(qualified(table), frozenset())

    def check_reads(self, table: str, column: str) -> bool:
        """A CHECK constraint of the table reads the column."""
        return column in self.checked.get(qualified(table), frozenset())

    def function_volatility(self, name: str) -> str | None:
        """A user function's volatility (`v`, `s`, `i`), when the schema has one of that name."""
        return self.volatility.get(name.lower())

    def table_size(self, table: str) -> tuple[int, int] | None:
        """(estimated rows, bytes) of the table on the target, when known."""
        return self.sizes.get(qualified(table))

    def nullable_index_columns(self, table: str, index: str) -> tuple[str, ...] | None:
        """The columns of `index` (in the table's schema) that may hold NULL and no validated CHECK covers: a
        PRIMARY KEY USING it sets them NOT NULL with a scan. None when the index is unknown."""
        key = qualified(table)
        columns = self.index_columns.get(f"{key.partition('.')[0]}.{index}")
        if columns is None:
            return None
        held = self.not_null.get(key, frozenset()) | self.not_null_checks.get(key, frozenset())
        return tuple(c for c in columns if c not in held)

    def views_using(self, table: str, column: str) -> tuple[str, ...]:
        """Views (or rules) that use the column: PostgreSQL refuses to change its type while they exist."""
        return self.views_on.get((qualified(table), column), ())

    def has_index_on(self, table: str, columns: tuple[str, ...]) -> bool | None:
        """Some index of the table starts with these columns (in any order); None when the table is unknown."""
        key = qualified(table)
        if key not in self.tables:
            return None
        wanted = set(columns)
        return any(set(index[:len(columns)]) == wanted for index in self.indexes.get(key, frozenset()))


def qualified(table: str) -> str:
    """`schema.table`; unqualified names are in public."""
    return table if "." in table else f"public.{table}"


def type_family(text: str) -> tuple[str, tuple[int, ...]] | None:
    """(family, modifiers) of a type as the catalog or the parser writes it: `character varying(50)` and
    `varchar(50)` are both ("varchar", (50,)); None for types the rules do not compare (and arrays)."""
    match = _TYPE_RE.match(text.strip().lower())
    if match is None or match.group("array"):
        return None
    family = _FAMILIES.get(match.group("name").strip())
    if family is None:
        return None
    mods = tuple(int(m) for m in (match.group("mods") or "").replace(" ", "").split(",") if m)
    return family, mods


def rewrites(old: str, new: str) -> bool | None:
    """Whether changing a column from type `old` to `new` rewrites the table; None when the rules cannot tell."""
    before, after = type_family(old), type_family(new)
    if before is None or after is None:
        return None
    (family, mods), (target, target_mods) = before, after
    if target in ("text", "citext") and family in ("varchar", "text", "citext"):
        return False
    if family == target == "varchar" or (family == "text" and target == "varchar"):
        return bool(target_mods) and (not mods or target_mods[0] < mods[0])
    if family == target == "numeric":
        if not target_mods:
            return False
        if not mods:
            return True
        scale, target_scale = (mods[1] if len(mods) > 1 else 0), (target_mods[1] if len(target_mods) > 1 else 0)
        return target_scale != scale or target_mods[0] < mods[0]
    return None if family == target else True


def fold(catalog: Catalog, sql: str) -> Catalog:
    """The catalog after `sql` ran (statically)."""
    parsed = statements_of(sql)
    _, tables = changes_in(sql, catalog.tables, parsed)
    checks = {k: set(v) for k, v in catalog.not_null_checks.items() if k in tables}
    checked = {k: set(v) for k, v in catalog.checked.items() if k in tables}
    volatility = dict(catalog.volatility)
    indexes = {k: set(v) for k, v in catalog.indexes.items()}
    not_null = {k: set(v) for k, v in catalog.not_null.items()}
    index_columns = dict(catalog.index_columns)
    views: ViewsOn = {k: set(v) for k, v in catalog.views_on.items()}
    pending: dict[str, tuple[str, str]] = {}  # NOT VALID checks by name, until validated
    for node, _ in parsed:
        kind, body = next(iter(node.items()))
        fold_views(views, kind, body, tables)
        if kind == "CreateFunctionStmt" and body.get("funcname"):
            name = str(body["funcname"][-1].get("String", {}).get("sval", "")).lower()
            said = next((o["DefElem"]["arg"]["String"]["sval"] for o in body.get("options", [])
                         if o.get("DefElem", {}).get("defname") == "volatility"), "volatile")
            volatility[name] = _most_volatile(volatility.get(name), said[0])
        elif kind == "IndexStmt" and body.get("relation"):
            columns = tuple(p["IndexElem"]["name"] for p in body.get("indexParams", [])
                            if p.get("IndexElem", {}).get("name"))
            indexes.setdefault(relation_name(body["relation"]), set()).add(columns)
            if body.get("idxname"):
                index_columns[f"{relation_name(body['relation']).partition('.')[0]}.{body['idxname']}"] = columns
        elif kind == "CreateStmt":
            table = relation_name(body["relation"])
            checks[table], checked[table], indexes[table], not_null[table] = set(), set(), set(), set()
            for element in body.get("tableElts", []):
                definition = element.get("ColumnDef", {})
                constraints = [element] if "Constraint" in element else definition.get("constraints", [])
                for constraint in constraints:
                    keyed = _key_columns(constraint.get("Constraint", {}), definition.get("colname"))
                    if keyed:
                        indexes[table].add(keyed)
                    if constraint.get("Constraint", {}).get("contype") in ("CONSTR_NOTNULL", "CONSTR_PRIMARY"):
                        not_null[table].update(keyed or ((definition["colname"],) if definition.get("colname")
                                                         else ()))
                    _check(constraint.get("Constraint", {}), table, checks, pending)
                    checked[table] |= _check_columns(constraint.get("Constraint", {}), definition.get("colname"))
        elif kind == "AlterTableStmt" and body.get("relation"):
            table = relation_name(body["relation"])
            for entry in body.get("cmds", []):
                cmd = entry.get("AlterTableCmd", {})
                if cmd.get("subtype") == "AT_AddConstraint":
                    constraint = (cmd.get("def") or {}).get("Constraint", {})
                    _check(constraint, table, checks, pending)
                    checked.setdefault(table, set()).update(_check_columns(constraint, None))
                    keyed = _key_columns(constraint, None)
                    if keyed:
                        indexes.setdefault(table, set()).add(keyed)
                    if constraint.get("contype") == "CONSTR_PRIMARY":
                        named = index_columns.get(f"{table.partition('.')[0]}.{constraint.get('indexname')}", ())
                        not_null.setdefault(table, set()).update(keyed or named)
                elif cmd.get("subtype") == "AT_SetNotNull" and cmd.get("name"):
                    not_null.setdefault(table, set()).add(cmd["name"])
                elif cmd.get("subtype") == "AT_AddColumn" and (cmd.get("def") or {}).get("ColumnDef"):
                    definition = cmd["def"]["ColumnDef"]
                    if any(c.get("Constraint", {}).get("contype") in ("CONSTR_NOTNULL", "CONSTR_PRIMARY")
                           for c in definition.get("constraints", [])):
                        not_null.setdefault(table, set()).add(definition["colname"])
                    for column_constraint in definition.get("constraints", []):
                        checked.setdefault(table, set()).update(
                            _check_columns(column_constraint.get("Constraint", {}), definition["colname"]))
                elif cmd.get("subtype") == "AT_ValidateConstraint" and cmd.get("name") in pending:
                    owner, column = pending.pop(cmd["name"])
                    checks.setdefault(owner, set()).add(column)
                elif cmd.get("subtype") == "AT_DropConstraint":
                    pending.pop(cmd.get("name", ""), None)
    sizes = {k: v for k, v in catalog.sizes.items() if k in tables}  # what the file changes keeps its old size
    return Catalog(tables, {k: frozenset(v) for k, v in checks.items()}, catalog.source,
                   {k: frozenset(v) for k, v in checked.items()}, sizes, volatility,
                   {k: frozenset(v) for k, v in indexes.items() if k in tables},
                   {k: frozenset(v) for k, v in not_null.items() if k in tables}, index_columns,
                   {k: tuple(sorted(v)) for k, v in views.items()})


def _key_columns(constraint: dict[str, Any], column: str | None) -> tuple[str, ...]:
    """The columns a PRIMARY KEY or UNIQUE constraint indexes (a column constraint: its own column)."""
    if constraint.get("contype") not in ("CONSTR_PRIMARY", "CONSTR_UNIQUE"):
        return ()
    keys = tuple(k["String"]["sval"] for k in constraint.get("keys", []) if "String" in k)
    return keys or ((column,) if column else ())


def _most_volatile(one: str | None, other: str) -> str:
    """Of two overloads' volatilities, the one that rewrites more (v > s > i)."""
    order = "isv"
    return other if one is None or order.index(other) > order.index(one) else one


def _check_columns(constraint: dict[str, Any], column: str | None) -> set[str]:
    """The columns a CHECK constraint reads (a column constraint reads its own column)."""
    if constraint.get("contype") != "CONSTR_CHECK":
        return set()
    found = {column} if column else set()
    for node in nodes(constraint.get("raw_expr")):
        fields = node["ColumnRef"].get("fields") if "ColumnRef" in node else None
        if fields and "String" in fields[-1]:
            found.add(fields[-1]["String"]["sval"])
    return found


def _check(constraint: dict[str, Any], table: str, checks: dict[str, set[str]],
           pending: dict[str, tuple[str, str]]) -> None:
    if constraint.get("contype") != "CONSTR_CHECK":
        return
    test = (constraint.get("raw_expr") or {}).get("NullTest", {})
    fields = (test.get("arg") or {}).get("ColumnRef", {}).get("fields", [])
    if test.get("nulltesttype") != "IS_NOT_NULL" or len(fields) != 1 or "String" not in fields[0]:
        return
    column = fields[0]["String"]["sval"]
    if constraint.get("skip_validation"):
        pending[constraint.get("conname", "")] = (table, column)
    else:
        checks.setdefault(table, set()).add(column)


def live_catalog(conn: Any) -> Catalog:
    """The target's tables, column types and validated NOT NULL checks (read-only catalog queries)."""
    checks: dict[str, set[str]] = {}
    checked: dict[str, set[str]] = {}
    for schema, table, definition, validated, columns in conn.execute(_CHECKS_SQL).fetchall():
        checked.setdefault(f"{schema}.{table}", set()).update(str(c) for c in columns)
        match = _NOT_NULL_CHECK_RE.match(str(definition))
        if match and validated:
            checks.setdefault(f"{schema}.{table}", set()).add(match.group("column"))
    volatility: dict[str, str] = {}
    for name, kind in conn.execute(_FUNCTIONS_SQL).fetchall():
        volatility[str(name).lower()] = _most_volatile(volatility.get(str(name).lower()), str(kind))
    sizes = {f"{r[0]}.{r[1]}": (int(r[2]), int(r[3])) for r in conn.execute(_SIZES_SQL).fetchall()}
    indexes: dict[str, set[tuple[str, ...]]] = {}
    index_columns: dict[str, tuple[str, ...]] = {}
    for schema, table, index, columns in conn.execute(_INDEXES_SQL).fetchall():
        indexes.setdefault(f"{schema}.{table}", set()).add(tuple(str(c) for c in columns))
        index_columns[f"{schema}.{index}"] = tuple(str(c) for c in columns)
    not_null: dict[str, set[str]] = {}
    for schema, table, column in conn.execute(_NOT_NULL_SQL).fetchall():
        not_null.setdefault(f"{schema}.{table}", set()).add(str(column))
    views: dict[tuple[str, str], list[str]] = {}
    for schema, table, column, view in conn.execute(_VIEWS_ON_SQL).fetchall():
        views.setdefault((f"{schema}.{table}", str(column)), []).append(str(view))
    return Catalog(live_tables(conn.execute(LIVE_TABLES_SQL).fetchall()),
                   {k: frozenset(v) for k, v in checks.items()}, "target", {k: frozenset(v) for k, v in checked.items()},
                   sizes, volatility, {k: frozenset(v) for k, v in indexes.items()},
                   {k: frozenset(v) for k, v in not_null.items()}, index_columns,
                   {k: tuple(sorted(set(v))) for k, v in views.items()})


class LazyCatalog:
    """A catalog read only when a rule first asks (folding the earlier files costs a parse of each)."""

    def __init__(self, load: Callable[[], Catalog]) -> None:
        self._load = load
        self._catalog: Catalog | None = None

    @property
    def catalog(self) -> Catalog:
        """The catalog, loaded on first use."""
        if self._catalog is None:
            self._catalog = self._load()
        return self._catalog

    @property
    def source(self) -> str:
        """See `Catalog.source`."""
        return self.catalog.source

    def type_change_rewrites(self, table: str, column: str, new_type: str) -> bool | None:
        """See `Catalog.type_change_rewrites`."""
        return self.catalog.type_change_rewrites(table, column, new_type)

    def has_not_null_check(self, table: str, column: str) -> bool:
        """See `Catalog.has_not_null_check`."""
        return self.catalog.has_not_null_check(table, column)

    def function_volatility(self, name: str) -> str | None:
        """See `Catalog.function_volatility`."""
        return self.catalog.function_volatility(name)

    def table_size(self, table: str) -> tuple[int, int] | None:
        """See `Catalog.table_size`."""
        return self.catalog.table_size(table)

    def has_index_on(self, table: str, columns: tuple[str, ...]) -> bool | None:
        """See `Catalog.has_index_on`."""
        return self.catalog.has_index_on(table, columns)

    def nullable_index_columns(self, table: str, index: str) -> tuple[str, ...] | None:
        """See `Catalog.nullable_index_columns`."""
        return self.catalog.nullable_index_columns(table, index)

    def views_using(self, table: str, column: str) -> tuple[str, ...]:
        """See `Catalog.views_using`."""
        return self.catalog.views_using(table, column)

    def check_reads(self, table: str, column: str) -> bool:
        """See `Catalog.check_reads`."""
        return self.catalog.check_reads(table, column)
