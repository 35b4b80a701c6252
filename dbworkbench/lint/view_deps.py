"""Which table columns the views and materialized views of the project's files use, folded statically like the
rest of `lint.catalog`: what PostgreSQL's pg_depend would say once the files ran, so a type change on such a column
(which the server refuses while the view exists) is found without a database.

A column is attributed to a table when the view names it through the table or its alias, or unqualified when the
table has a column of that name; `*` uses every column the table has then (PostgreSQL expands it when the view is
made). Scoping of subqueries is not modelled: an unqualified name is given to every table of the query that has it.
"""

from __future__ import annotations

from typing import Any

from dbworkbench.lint.parse_tree import nodes
from dbworkbench.lint.queries import Tables, relation_name

ViewsOn = dict[tuple[str, str], set[str]]
"""(`schema.table`, column) → the views using it."""


def columns_used(query: Any, tables: Tables) -> set[tuple[str, str]]:
    """(`schema.table`, column) pairs a view's query reads, for tables `tables` knows."""
    ranges: dict[str, str] = {}
    refs: list[list[str | None]] = []
    for node in nodes(query):
        if "RangeVar" in node:
            relation = node["RangeVar"]
            name = relation_name(relation)
            if name in tables:
                ranges[(relation.get("alias") or {}).get("aliasname") or relation["relname"]] = name
                ranges[name] = name
        elif "ColumnRef" in node:
            refs.append([f["String"]["sval"] if "String" in f else None for f in node["ColumnRef"].get("fields", [])])
        elif "JoinExpr" in node:
            refs += [[u["String"]["sval"]] for u in node["JoinExpr"].get("usingClause") or [] if "String" in u]
    used: set[tuple[str, str]] = set()
    for fields in refs:
        *qualifier, column = fields
        owners = [ranges.get(".".join(str(q) for q in qualifier))] if qualifier else list(set(ranges.values()))
        for owner in filter(None, owners):
            columns = tables.get(owner, {})
            used |= {(owner, c) for c in columns} if column is None else {(owner, column)} & {
                (owner, c) for c in columns}
    return used


def fold_views(views: ViewsOn, kind: str, body: dict[str, Any], tables: Tables) -> None:
    """Update `views` for one statement (a CREATE [MATERIALIZED] VIEW, DROP, or RENAME)."""
    if kind == "ViewStmt":
        _define(views, relation_name(body["view"]), body.get("query"), tables)
    elif kind == "CreateTableAsStmt" and body.get("objtype") == "OBJECT_MATVIEW":
        _define(views, relation_name(body["into"]["rel"]), body.get("query"), tables)
    elif kind == "DropStmt" and body.get("removeType") in ("OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_TABLE"):
        for item in body.get("objects", []):
            parts = [p["String"]["sval"] for p in item.get("List", {}).get("items", []) if "String" in p]
            name = ".".join(parts) if len(parts) > 1 else f"public.{parts[0]}" if parts else ""
            _forget(views, name)
            for key in [k for k in views if k[0] == name]:
                del views[key]
    elif kind == "RenameStmt" and body.get("relation"):
        name = relation_name(body["relation"])
        new = f"{name.partition('.')[0]}.{body.get('newname')}"
        if body.get("renameType") == "OBJECT_COLUMN":
            for key in [k for k in views if k == (name, body.get("subname"))]:
                views[(name, str(body["newname"]))] = views.pop(key)
        elif body.get("renameType") == "OBJECT_TABLE":
            for key in [k for k in views if k[0] == name]:
                views[(new, key[1])] = views.pop(key)
        elif body.get("renameType") in ("OBJECT_VIEW", "OBJECT_MATVIEW"):
            for users in views.values():
                if name in users:
                    users.discard(name)
                    users.add(new)


def _define(views: ViewsOn, view: str, query: Any, tables: Tables) -> None:
    _forget(views, view)  # CREATE OR REPLACE: the new query's columns only
    for key in columns_used(query, tables):
        views.setdefault(key, set()).add(view)


def _forget(views: ViewsOn, view: str) -> None:
    for key in [k for k, users in views.items() if view in users]:
        views[key].discard(view)
        if not views[key]:
            del views[key]
