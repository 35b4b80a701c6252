"""The objects a migration touches, read from PostgreSQL's parse tree: `table:name`, `column:table.name`,
`type:name`, `function:name` (schema-qualified when written so). Used by `conflicts` to tell two files that only
share a version number from two files whose order matters."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

_DROPPED_KIND = {"OBJECT_TABLE": "table", "OBJECT_VIEW": "table", "OBJECT_MATVIEW": "table", "OBJECT_INDEX": "index",
                 "OBJECT_SEQUENCE": "table", "OBJECT_TYPE": "type", "OBJECT_DOMAIN": "type",
                 "OBJECT_FUNCTION": "function", "OBJECT_PROCEDURE": "function"}


def touched_objects(sql: str) -> frozenset[str]:
    """Every object the SQL creates, alters, drops or reads; empty when it does not parse."""
    from pglast import parser

    try:
        tree = json.loads(parser.parse_sql_json(sql))
    except parser.ParseError:
        return frozenset()
    return frozenset(_walk(tree))


def _names(items: list[Any]) -> str:
    return ".".join(str(i["String"]["sval"]) for i in items if isinstance(i, dict) and "String" in i)


def _relation(node: dict[str, Any]) -> str:
    return ".".join(p for p in (node.get("schemaname"), node["relname"]) if p)


def _walk(node: Any) -> Iterator[str]:
    if isinstance(node, list):
        for item in node:
            yield from _walk(item)
        return
    if not isinstance(node, dict):
        return
    if isinstance(node.get("relname"), str):
        yield "table:" + _relation(node)
    yield from _special(node)
    for value in node.values():
        yield from _walk(value)


def _special(node: dict[str, Any]) -> Iterator[str]:
    for key in ("CreateEnumStmt", "AlterEnumStmt"):
        if key in node:
            yield "type:" + _names(node[key]["typeName"])
    if "CreateDomainStmt" in node:
        yield "type:" + _names(node["CreateDomainStmt"]["domainname"])
    if "CreateFunctionStmt" in node:
        yield "function:" + _names(node["CreateFunctionStmt"]["funcname"])
    if "AlterTableStmt" in node:
        stmt = node["AlterTableStmt"]
        table = _relation(stmt["relation"])
        for cmd in stmt.get("cmds", []):
            body = cmd.get("AlterTableCmd", {})
            column = body.get("name") or body.get("def", {}).get("ColumnDef", {}).get("colname")
            if column and "Constraint" not in body.get("def", {}):
                yield f"column:{table}.{column}"
    if "RenameStmt" in node and node["RenameStmt"].get("subname") and node["RenameStmt"].get("relation"):
        yield f"column:{_relation(node['RenameStmt']['relation'])}.{node['RenameStmt']['subname']}"
    if "DropStmt" in node:
        kind = _DROPPED_KIND.get(node["DropStmt"].get("removeType", ""))
        for obj in node["DropStmt"].get("objects", []) if kind else ():
            if "List" in obj:
                yield f"{kind}:{_names(obj['List']['items'])}"
            elif "TypeName" in obj:
                yield f"{kind}:{_names(obj['TypeName']['names'])}"
            elif "ObjectWithArgs" in obj:
                yield f"{kind}:{_names(obj['ObjectWithArgs']['objname'])}"
