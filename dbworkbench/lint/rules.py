"""Lint rules over PostgreSQL's own parse tree (libpg_query JSON), one function per statement kind.

Each rule yields `Hit`s; the runner turns them into `Finding`s with file positions. The rules know what
the same file created (an index on a brand-new table locks nobody), the server version (a constant
default is free since PostgreSQL 11), and never look inside strings or function bodies, which the parse
tree keeps as strings.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from dbworkbench.lint.findings import Severity

Node = dict[str, Any]

VOLATILE_FUNCTIONS = frozenset({
    "random", "gen_random_uuid", "uuid_generate_v1", "uuid_generate_v1mc", "uuid_generate_v4", "clock_timestamp",
    "timeofday", "nextval", "txid_current", "random_normal", "uuidv4", "uuidv7",
})
"""Functions whose value differs per row: a DEFAULT calling one rewrites the table."""
TINY_ROWS = 10_000
"""At most this many rows (by the target's statistics), with at most `TINY_BYTES`, a blocking index build is brief."""
TINY_BYTES = 1 << 20
SERIAL_TYPES = frozenset({"serial", "bigserial", "smallserial", "serial4", "serial8", "serial2"})
"""Pseudo-types whose column default is nextval(): adding one to a populated table rewrites it."""


@dataclass(frozen=True, slots=True)
class Hit:
    """A rule that fired, before it has a file position."""

    rule: str
    severity: Severity
    message: str
    recipe: str
    location: int | None = None
    """Byte offset from the parse tree, when the node has one."""


class SchemaKnowledge(Protocol):
    """What a rule may ask of the schema the file meets (`lint.catalog.Catalog`)."""

    @property
    def source(self) -> str: ...
    def type_change_rewrites(self, table: str, column: str, new_type: str) -> bool | None: ...
    def has_not_null_check(self, table: str, column: str) -> bool: ...
    def check_reads(self, table: str, column: str) -> bool: ...
    def function_volatility(self, name: str) -> str | None: ...
    def table_size(self, table: str) -> tuple[int, int] | None: ...
    def has_index_on(self, table: str, columns: tuple[str, ...]) -> bool | None: ...
    def nullable_index_columns(self, table: str, index: str) -> tuple[str, ...] | None: ...
    def views_using(self, table: str, column: str) -> tuple[str, ...]: ...


@dataclass
class FileContext:
    """What the linter knows about the file so far."""

    server_major: int
    transactional: bool
    created: set[str] = field(default_factory=set)
    """Tables (and types) created earlier in this file: changes to them lock nobody."""
    not_valid: set[str] = field(default_factory=set)
    """Constraints added NOT VALID earlier in this file."""
    sets_lock_timeout: bool = False
    touches_existing: bool = False
    schema: SchemaKnowledge | None = None
    """The schema the file meets, when known (the target's, or the earlier files'): rules that need it use it."""


def _name(relation: Node | None) -> str:
    if not relation:
        return ""
    return ".".join(p for p in (relation.get("schemaname"), relation["relname"]) if p)


def _bare(name: str) -> str:
    return name.rsplit(".", 1)[-1]


def _is_new(context: FileContext, relation: Node | None) -> bool:
    return _bare(_name(relation)) in context.created


def _func_names(node: Any) -> Iterator[str]:
    """Every function called anywhere inside an expression tree."""
    if isinstance(node, dict):
        call = node.get("FuncCall")
        if call is not None:
            names = [n["String"]["sval"] for n in call.get("funcname", []) if "String" in n]
            if names:
                yield names[-1].lower()
        for value in node.values():
            yield from _func_names(value)
    elif isinstance(node, list):
        for item in node:
            yield from _func_names(item)


def _type_name(column: Node) -> tuple[str, bool]:
    """Last name of a ColumnDef's type, and whether it carries a length or precision modifier."""
    type_name = column.get("typeName", {})
    names = [n["String"]["sval"] for n in type_name.get("names", []) if "String" in n]
    return (names[-1] if names else ""), bool(type_name.get("typmods"))


def index_stmt(stmt: Node, context: FileContext) -> Iterator[Hit]:
    only = (stmt.get("relation") or {}).get("inh") is not True  # ON ONLY: lint.rules_storage.index_on_only
    if stmt.get("concurrent") or _is_new(context, stmt.get("relation")) or only:
        return
    context.touches_existing = True
    size = context.schema.table_size(_name(stmt.get("relation"))) if context.schema is not None else None
    if size is not None and 0 <= size[0] <= TINY_ROWS and size[1] <= TINY_BYTES:
        yield Hit("require-concurrent-index-creation", Severity.INFO,
                  f"CREATE INDEX on {_name(stmt.get('relation'))} blocks writes only while it builds, and the table "
                  f"is tiny on the target (≈{size[0]} rows, {size[1] // 1024} kB): milliseconds.",
                  "Fine as is; CONCURRENTLY once the table grows.", stmt.get("relation", {}).get("location"))
        return
    yield Hit("require-concurrent-index-creation", Severity.ERROR,
              f"CREATE INDEX on {_name(stmt.get('relation'))} blocks writes to the table until the index is built.",
              "CREATE INDEX CONCURRENTLY (dbworkbench runs it outside a transaction and resumes after a failure).",
              stmt.get("relation", {}).get("location"))


def drop_stmt(stmt: Node, context: FileContext) -> Iterator[Hit]:
    kind = stmt.get("removeType", "")
    names = [".".join(i["String"]["sval"] for i in o.get("List", {}).get("items", []) if "String" in i)
             for o in stmt.get("objects", [])]
    if kind == "OBJECT_INDEX" and not stmt.get("concurrent"):
        yield Hit("require-concurrent-index-deletion", Severity.WARNING,
                  f"DROP INDEX {', '.join(names)} takes ACCESS EXCLUSIVE on its table: brief, but it waits behind "
                  "every running query on the table, and everything queues behind it.",
                  "DROP INDEX CONCURRENTLY (or keep a lock_timeout).")
    elif kind in ("OBJECT_TABLE", "OBJECT_SCHEMA", "OBJECT_DATABASE", "OBJECT_MATVIEW"):
        fresh = [n for n in names if _bare(n) not in context.created]
        if fresh:
            what = kind.removeprefix("OBJECT_").lower().replace("matview", "materialized view")
            yield Hit(f"ban-drop-{what.split()[0]}", Severity.ERROR, f"DROP {what.upper()} {', '.join(fresh)} "
                      "deletes data, and code still using it breaks.",
                      "First stop every reader and writer (deploy that), keep a backup, then drop in a later "
                      "migration with -- dbworkbench:allow and the reason.")
    elif kind == "OBJECT_TYPE" or kind == "OBJECT_DOMAIN":
        return


def _column_hits(table: Node, cmd: Node, context: FileContext) -> Iterator[Hit]:
    column = cmd.get("def", {}).get("ColumnDef", {})
    constraints = [c.get("Constraint", {}) for c in column.get("constraints", [])]
    kinds = {c.get("contype") for c in constraints}
    default = next((c for c in constraints if c.get("contype") == "CONSTR_DEFAULT"), None)
    name = f"{_name(table)}.{column.get('colname')}"
    location = column.get("location")
    if "CONSTR_GENERATED" in kinds and any(c.get("generated_when") or c.get("contype") == "CONSTR_GENERATED"
                                           for c in constraints):
        stored = all(c.get("storage_kind", "s") != "v" for c in constraints if c.get("contype") == "CONSTR_GENERATED")
        if stored:
            yield Hit("adding-stored-generated-column", Severity.ERROR,
                      f"adding stored generated column {name} rewrites the table under ACCESS EXCLUSIVE.",
                      "Add a plain nullable column, backfill it in batches, and keep it current with a trigger.",
                      location)
    if default is not None:
        called = set(_func_names(default.get("raw_expr")))
        if context.server_major < 11:
            yield Hit("adding-field-with-default", Severity.ERROR,
                      f"before PostgreSQL 11, ADD COLUMN {name} with a DEFAULT rewrites the table.",
                      "Add the column without a default, set the default, then backfill in batches.", location)
        else:
            volatile = sorted(called & VOLATILE_FUNCTIONS | {f for f in called - VOLATILE_FUNCTIONS if context.schema
                                                            and context.schema.function_volatility(f) == "v"})
            if volatile:
                yield Hit("adding-field-with-volatile-default", Severity.ERROR,
                          f"ADD COLUMN {name} DEFAULT {', '.join(volatile)}() is volatile: every row is rewritten "
                          "under ACCESS EXCLUSIVE.", "Add the column without a default (or with a constant one), "
                          "then backfill in batches (-- dbworkbench:batch size=N).", location)
    type_name, _ = _type_name(column)
    if "CONSTR_IDENTITY" in kinds or type_name in SERIAL_TYPES:
        yield Hit("adding-serial-or-identity-column", Severity.ERROR,
                  f"ADD COLUMN {name} {'GENERATED AS IDENTITY' if 'CONSTR_IDENTITY' in kinds else type_name} fills "
                  "every existing row from a sequence: the table is rewritten under ACCESS EXCLUSIVE.",
                  "Add a plain nullable bigint column, attach a sequence default for new rows, backfill in batches, "
                  "then add the identity or NOT NULL in later steps.", location)
    if "CONSTR_NOTNULL" in kinds and default is None and "CONSTR_GENERATED" not in kinds \
            and "CONSTR_IDENTITY" not in kinds and type_name not in SERIAL_TYPES:
        yield Hit("adding-required-field", Severity.ERROR,
                  f"ADD COLUMN {name} NOT NULL without a DEFAULT fails as soon as the table has a row.",
                  "Add it nullable, backfill in batches, add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, "
                  "then SET NOT NULL (`dbworkbench new --recipe not-null`).", location)


def _constraint_hits(table: Node, cmd: Node, context: FileContext) -> Iterator[Hit]:
    constraint = cmd.get("def", {}).get("Constraint", {})
    kind = constraint.get("contype", "")
    name = constraint.get("conname") or kind.removeprefix("CONSTR_").lower()
    where = constraint.get("location")
    if kind == "CONSTR_FOREIGN" and context.schema is not None:
        columns = tuple(a["String"]["sval"] for a in constraint.get("fk_attrs", []) if "String" in a)
        if columns and context.schema.has_index_on(_name(table), columns) is False:
            yield Hit("foreign-key-without-index", Severity.WARNING,
                      f"no index of {_name(table)} starts with ({', '.join(columns)}): every DELETE (or key UPDATE) "
                      f"on {_name(constraint.get('pktable'))} scans {_name(table)} to check it, under a lock.",
                      f"CREATE INDEX CONCURRENTLY ON {_name(table)} ({', '.join(columns)}), in its own migration.",
                      where)
    if kind in ("CONSTR_FOREIGN", "CONSTR_CHECK"):
        if constraint.get("skip_validation"):
            context.not_valid.add(name)
        else:
            rule = "adding-foreign-key-constraint" if kind == "CONSTR_FOREIGN" else "constraint-missing-not-valid"
            yield Hit(rule, Severity.ERROR,
                      f"ADD CONSTRAINT {name} on {_name(table)} scans the whole table while holding a lock that "
                      "blocks writes" + (" (on both tables)." if kind == "CONSTR_FOREIGN" else "."),
                      "ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT in a later migration "
                      "(validation only takes SHARE UPDATE EXCLUSIVE).", where)
    elif kind == "CONSTR_PRIMARY" and constraint.get("indexname") and context.schema is not None and \
            (nullable := context.schema.nullable_index_columns(_name(table), constraint["indexname"])):
        yield Hit("primary-key-using-nullable-index", Severity.ERROR,
                  f"PRIMARY KEY USING INDEX {constraint['indexname']} sets {', '.join(nullable)} NOT NULL first: a "
                  f"scan of {_name(table)} under ACCESS EXCLUSIVE.",
                  "Add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it in a later migration, SET NOT NULL (free with "
                  "the CHECK, PostgreSQL 12+), then add the primary key USING INDEX.", where)
    elif kind in ("CONSTR_UNIQUE", "CONSTR_PRIMARY") and not constraint.get("indexname"):
        yield Hit("disallowed-unique-constraint", Severity.ERROR,
                  f"ADD {'PRIMARY KEY' if kind == 'CONSTR_PRIMARY' else 'UNIQUE'} on {_name(table)} builds its "
                  "index under ACCESS EXCLUSIVE.",
                  "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX.", where)
    elif kind == "CONSTR_EXCLUSION":
        yield Hit("adding-exclusion-constraint", Severity.ERROR,
                  f"ADD EXCLUDE on {_name(table)} builds its index and scans the table under ACCESS EXCLUSIVE.",
                  "There is no online recipe: do it in a maintenance window, or on a new table.", where)


def alter_table_stmt(stmt: Node, context: FileContext) -> Iterator[Hit]:
    table = stmt.get("relation")
    if _is_new(context, table) or stmt.get("objtype") not in (None, "OBJECT_TABLE"):
        return
    context.touches_existing = True
    for item in stmt.get("cmds", []):
        cmd = item.get("AlterTableCmd", {})
        subtype = cmd.get("subtype")
        if subtype == "AT_AddColumn":
            yield from _column_hits(table or {}, cmd, context)
        elif subtype == "AT_AddConstraint":
            yield from _constraint_hits(table or {}, cmd, context)
        elif subtype == "AT_ValidateConstraint" and cmd.get("name") in context.not_valid and context.transactional:
            yield Hit("validate-in-same-transaction", Severity.ERROR,
                      f"VALIDATE CONSTRAINT {cmd.get('name')} in the same transaction as its ADD ... NOT VALID keeps "
                      "the ADD's strong lock during the whole scan.",
                      "Validate in a later migration.", (table or {}).get("location"))
        elif subtype == "AT_SetNotNull" and context.server_major >= 12 and context.schema is not None and \
                context.schema.has_not_null_check(_name(table), cmd.get("name", "")):
            yield Hit("setting-not-null", Severity.INFO,
                      f"SET NOT NULL on {_name(table)}.{cmd.get('name')} skips the scan: a validated CHECK "
                      f"({cmd.get('name')} IS NOT NULL) exists (in the {context.schema.source}).",
                      "Drop the CHECK afterwards; it is redundant once the column is NOT NULL.",
                      (table or {}).get("location"))
        elif subtype == "AT_SetNotNull":
            yield Hit("setting-not-null", Severity.ERROR,
                      f"SET NOT NULL on {_name(table)}.{cmd.get('name')} scans the table under ACCESS EXCLUSIVE"
                      + ("" if context.server_major < 12 else " unless a validated CHECK (col IS NOT NULL) exists."),
                      "ADD CONSTRAINT c CHECK (col IS NOT NULL) NOT VALID; VALIDATE it in a later migration; then "
                      "SET NOT NULL (PostgreSQL 12+ skips the scan) and drop the CHECK.", (table or {}).get("location"))
        elif subtype == "AT_DropColumn":
            yield Hit("ban-drop-column", Severity.ERROR,
                      f"DROP COLUMN {_name(table)}.{cmd.get('name')} deletes its data, and code still reading it "
                      "breaks.", "Stop using the column in the application (deploy that) before dropping it.",
                      (table or {}).get("location"))


def create_stmt(stmt: Node, context: FileContext) -> Iterator[Hit]:
    context.created.add(_bare(_name(stmt.get("relation"))))
    return iter(())


def rename_stmt(stmt: Node, context: FileContext) -> Iterator[Hit]:
    kind = stmt.get("renameType")
    table = stmt.get("relation")
    if _is_new(context, table):
        return
    if kind == "OBJECT_TABLE":
        yield Hit("renaming-table", Severity.ERROR, f"RENAME of table {_name(table)} breaks every query using the old "
                  "name the moment it commits.", "Create a view with the old name, or add the new name and migrate "
                  "readers first; rename in a later release.", (table or {}).get("location"))
    elif kind == "OBJECT_COLUMN":
        yield Hit("renaming-column", Severity.ERROR, f"RENAME COLUMN {_name(table)}.{stmt.get('subname')} breaks "
                  "every query using the old name the moment it commits.",
                  "Add the new column, write both, backfill, move readers, then drop the old one.",
                  (table or {}).get("location"))


def alter_enum_stmt(stmt: Node, context: FileContext) -> Iterator[Hit]:
    if stmt.get("oldVal"):
        yield Hit("renaming-enum-value", Severity.ERROR, f"renaming enum value {stmt['oldVal']!r} breaks code and "
                  "data that still send the old label.", "Add the new value, migrate rows and code, keep the old one.")


def truncate_stmt(stmt: Node, context: FileContext) -> Iterator[Hit]:
    tables = ", ".join(_name(r.get("RangeVar")) for r in stmt.get("relations", []))
    if stmt.get("behavior") == "DROP_CASCADE":
        yield Hit("ban-truncate-cascade", Severity.ERROR, f"TRUNCATE {tables} CASCADE also empties every table that "
                  "references it, recursively.", "Truncate the tables by name.")
    else:
        yield Hit("ban-truncate", Severity.ERROR, f"TRUNCATE {tables} deletes every row and takes ACCESS EXCLUSIVE.",
                  "Make sure this is seed or scratch data, then allow it with a reason.")


def _matches_everything(where: Node | None) -> bool:
    if where is None:
        return True
    const = where.get("A_Const", {})
    if const.get("boolval", {}).get("boolval") is True:
        return True
    expr = where.get("A_Expr", {})
    left, right = expr.get("lexpr", {}).get("A_Const"), expr.get("rexpr", {}).get("A_Const")
    operator = [n.get("String", {}).get("sval") for n in expr.get("name", [])]
    if expr.get("kind") != "AEXPR_OP" or operator != ["="] or not left or not right:
        return False
    return {k: v for k, v in left.items() if k != "location"} == {k: v for k, v in right.items() if k != "location"}


def update_stmt(stmt: Node, context: FileContext) -> Iterator[Hit]:
    if _matches_everything(stmt.get("whereClause")) and not _is_new(context, stmt.get("relation")):
        yield Hit("update-without-where", Severity.ERROR, f"UPDATE {_name(stmt.get('relation'))} changes every row "
                  "in one transaction, holding row locks on all of them.",
                  "Backfill in batches: -- dbworkbench:batch size=N on the statement, with a WHERE that skips "
                  "rows already done.", stmt.get("relation", {}).get("location"))


def delete_stmt(stmt: Node, context: FileContext) -> Iterator[Hit]:
    if _matches_everything(stmt.get("whereClause")) and not _is_new(context, stmt.get("relation")):
        yield Hit("delete-without-where", Severity.ERROR, f"DELETE FROM {_name(stmt.get('relation'))} removes every "
                  "row.", "Add a WHERE clause, or TRUNCATE if emptying the table is really meant.",
                  stmt.get("relation", {}).get("location"))


def reindex_stmt(stmt: Node, context: FileContext) -> Iterator[Hit]:
    options = {o.get("DefElem", {}).get("defname") for o in stmt.get("params", [])}
    if "concurrently" not in options and not _is_new(context, stmt.get("relation")):
        yield Hit("require-concurrent-reindex", Severity.ERROR, "REINDEX rebuilds the index while blocking writes "
                  "to its table (and reads that would use it).", "REINDEX ... CONCURRENTLY (PostgreSQL 12+).",
                  (stmt.get("relation") or {}).get("location"))


def vacuum_stmt(stmt: Node, context: FileContext) -> Iterator[Hit]:
    options = {o.get("DefElem", {}).get("defname") for o in stmt.get("options", [])}
    if "full" in options:
        yield Hit("ban-vacuum-full", Severity.ERROR, "VACUUM FULL rewrites the table under ACCESS EXCLUSIVE.",
                  "Use pg_repack, or plain VACUUM.")


def cluster_stmt(stmt: Node, context: FileContext) -> Iterator[Hit]:
    yield Hit("ban-cluster", Severity.ERROR, "CLUSTER rewrites the table under ACCESS EXCLUSIVE.",
              "Use pg_repack --order-by, or skip it.")


def lock_stmt(stmt: Node, context: FileContext) -> Iterator[Hit]:
    yield Hit("ban-lock-table", Severity.WARNING, "LOCK TABLE holds its lock until the migration's transaction ends.",
              "Rely on the statements' own locks, with a lock_timeout.")


def variable_set_stmt(stmt: Node, context: FileContext) -> Iterator[Hit]:
    if stmt.get("name") == "lock_timeout":
        context.sets_lock_timeout = True
    elif stmt.get("name") == "transaction_timeout" and context.server_major < 17:
        yield Hit("transaction-timeout-needs-17", Severity.ERROR,
                  f"transaction_timeout exists from PostgreSQL 17; on {context.server_major} the SET fails "
                  "(unrecognized configuration parameter) and the file with it.",
                  "Use statement_timeout (per statement) and lock_timeout here, or set transaction_timeout for the "
                  "environment only where the server is 17+.")


def create_role_stmt(stmt: Node, context: FileContext) -> Iterator[Hit]:
    yield Hit("create-role-not-idempotent", Severity.WARNING, f"CREATE ROLE {stmt.get('role')} fails on any cluster "
              "where the role exists (roles are cluster-wide, not per database).",
              "Create it in a DO block that checks pg_roles first.")


def transaction_stmt(stmt: Node, context: FileContext) -> Iterator[Hit]:
    kind = stmt.get("kind", "")
    if kind in ("TRANS_STMT_BEGIN", "TRANS_STMT_START", "TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK"):
        yield Hit("transaction-control", Severity.WARNING, "dbworkbench wraps each file in one transaction; BEGIN/"
                  "COMMIT inside a file is skipped when it wraps the whole file and refused anywhere else.",
                  "Remove it; use -- dbworkbench:no-transaction for statements that must run outside one.")


RULES = {
    "IndexStmt": index_stmt, "DropStmt": drop_stmt, "AlterTableStmt": alter_table_stmt, "CreateStmt": create_stmt,
    "RenameStmt": rename_stmt, "AlterEnumStmt": alter_enum_stmt, "TruncateStmt": truncate_stmt,
    "UpdateStmt": update_stmt, "DeleteStmt": delete_stmt, "VacuumStmt": vacuum_stmt, "ClusterStmt": cluster_stmt,
    "ReindexStmt": reindex_stmt,
    "LockStmt": lock_stmt, "VariableSetStmt": variable_set_stmt, "CreateRoleStmt": create_role_stmt,
    "TransactionStmt": transaction_stmt,
}
"""Statement kind -> rule function."""
