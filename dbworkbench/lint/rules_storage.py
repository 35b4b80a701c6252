"""Lint rules for changes to how and where a relation is stored, and to names applications qualify by: materialized
view refreshes, partition detaching, SET LOGGED/UNLOGGED, SET TABLESPACE, schema renames, tables created by
CREATE TABLE AS. They run after `lint.rules`'s own rule for the same statement kind."""

from __future__ import annotations

from collections.abc import Iterator

from dbworkbench.lint.findings import Severity
from dbworkbench.lint.rules import FileContext, Hit, Node, _bare, _is_new, _name
from dbworkbench.lint.rules_types import type_change_hits


def create_table_as_stmt(stmt: Node, context: FileContext) -> Iterator[Hit]:
    """CREATE TABLE ... AS and CREATE MATERIALIZED VIEW create a relation: later changes to it lock nobody."""
    context.created.add(_bare(_name(stmt.get("into", {}).get("rel"))))
    return iter(())


def refresh_mat_view_stmt(stmt: Node, context: FileContext) -> Iterator[Hit]:
    view = stmt.get("relation")
    if stmt.get("concurrent") or _is_new(context, view):
        return
    context.touches_existing = True
    yield Hit("require-concurrent-refresh", Severity.ERROR,
              f"REFRESH MATERIALIZED VIEW {_name(view)} rebuilds it under ACCESS EXCLUSIVE: every reader waits "
              "until the query behind it has run again.",
              "REFRESH MATERIALIZED VIEW CONCURRENTLY (it needs a unique index on the view; it lets readers on).",
              (view or {}).get("location"))


def alter_table_storage(stmt: Node, context: FileContext) -> Iterator[Hit]:
    table = stmt.get("relation")
    if _is_new(context, table) or stmt.get("objtype") not in (None, "OBJECT_TABLE"):
        return
    for item in stmt.get("cmds", []):
        cmd = item.get("AlterTableCmd", {})
        subtype = cmd.get("subtype")
        if subtype in ("AT_SetLogged", "AT_SetUnLogged"):
            mode = "LOGGED" if subtype == "AT_SetLogged" else "UNLOGGED"
            yield Hit("ban-set-logged", Severity.ERROR,
                      f"SET {mode} on {_name(table)} rewrites the whole table (and its indexes) under ACCESS "
                      "EXCLUSIVE" + (", writing all of it to the WAL." if mode == "LOGGED" else "."),
                      "Create the new table with the persistence you want and move the rows in batches, or do it in "
                      "a maintenance window.", (table or {}).get("location"))
        elif subtype == "AT_SetTableSpace":
            yield Hit("ban-set-tablespace", Severity.ERROR,
                      f"SET TABLESPACE {cmd.get('name')} copies every block of {_name(table)} under ACCESS EXCLUSIVE.",
                      "Move it with pg_repack --tablespace, or in a maintenance window.",
                      (table or {}).get("location"))
        elif subtype == "AT_AlterColumnType":
            yield from type_change_hits(table or {}, cmd, context)
        elif subtype == "AT_DetachPartition":
            partition = cmd.get("def", {}).get("PartitionCmd", {})
            if not partition.get("concurrent") and context.server_major >= 14:
                yield Hit("detach-partition-not-concurrent", Severity.WARNING,
                          f"DETACH PARTITION {_name(partition.get('name'))} takes ACCESS EXCLUSIVE on {_name(table)}: "
                          "brief, but every query on the parent queues behind it while it waits.",
                          "ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY (PostgreSQL 14+; outside a transaction, "
                          "so in a -- dbworkbench:no-transaction file).", (table or {}).get("location"))


def index_on_only(stmt: Node, context: FileContext) -> Iterator[Hit]:
    """CREATE INDEX ON ONLY: say what it does (the index rule does not call it unsafe)."""
    relation = stmt.get("relation") or {}
    if relation.get("inh") is True or stmt.get("concurrent") or _is_new(context, relation):
        return
    context.touches_existing = True
    yield Hit("index-on-only", Severity.WARNING,
              f"CREATE INDEX ON ONLY {_name(relation)}: on a partitioned table this creates an invalid parent index "
              "and locks no partition (attach each partition's index, built CONCURRENTLY, to make it valid); on a "
              "plain table ONLY changes nothing and the build blocks writes.",
              "Build each partition's index CONCURRENTLY, then ALTER INDEX parent_index ATTACH PARTITION each.",
              relation.get("location"))


def rename_schema(stmt: Node, context: FileContext) -> Iterator[Hit]:
    if stmt.get("renameType") == "OBJECT_SCHEMA":
        yield Hit("renaming-schema", Severity.ERROR,
                  f"RENAME of schema {stmt.get('subname')} breaks every query and search_path naming it the moment it "
                  "commits.", "Create the new schema and move objects (or add views) while readers move; rename in a "
                  "later release.")


MORE_RULES = {
    "CreateTableAsStmt": create_table_as_stmt, "RefreshMatViewStmt": refresh_mat_view_stmt,
    "AlterTableStmt": alter_table_storage, "IndexStmt": index_on_only, "RenameStmt": rename_schema,
}
"""Statement kind -> a second rule, run after `lint.rules.RULES`'s."""
