"""Engine functions behind `dbworkbench schema`: the model of the environment, or one object's DDL."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from dbworkbench.config import Settings
from dbworkbench.core import catalog
from dbworkbench.core.catalog import CatalogNode
from dbworkbench.core.db import connect, resolve_target
from dbworkbench.errors import PlanError
from dbworkbench.schema.introspect import introspect
from dbworkbench.schema.model import SchemaSnapshot


def hidden_tables(settings: Settings, schema: str) -> frozenset[str]:
    """The history tables (and their sequences), which introspection leaves out."""
    owner, _, table = settings.history_table.rpartition(".")
    names = (table, f"{table}_events")
    return frozenset(f"{owner or schema}.{name}" for name in names)


def snapshot(settings: Settings) -> SchemaSnapshot:
    """Introspect the environment (one catalog query per object kind)."""
    with connect(resolve_target(settings), purpose="schema", create_missing=True) as conn:
        row = conn.execute("SELECT current_schema()").fetchone()
        return introspect(conn, hidden=hidden_tables(settings, str(row[0]) if row and row[0] else "public"))


def snapshot_json(model: SchemaSnapshot) -> str:
    """The model as JSON."""
    def plain(value: Any) -> Any:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        return value
    return json.dumps(plain(model), indent=2)


def object_ddl(settings: Settings, name: str) -> str:
    """DDL of one table, view, sequence, type or function, by name (schema-qualified or not).

    Raises:
        PlanError: no such object.
    """
    with connect(resolve_target(settings), purpose="schema", create_missing=True) as conn:
        row = conn.execute(
            "SELECT c.oid, n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.oid = to_regclass(%s)", [name]).fetchone()
        if row is not None:
            oid, schema, relname = int(str(row[0])), str(row[1]), str(row[2])
            kind = {"r": "table", "p": "table", "v": "view", "m": "matview", "S": "sequence", "i": "index"}.get(str(row[3]))
            if kind:
                return catalog.definition(conn, CatalogNode(kind, schema, relname, relname, oid))
        row = conn.execute("SELECT t.oid, n.nspname, t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
                           "WHERE t.oid = to_regtype(%s)", [name]).fetchone()
        if row is not None:
            return catalog.definition(conn, CatalogNode("type", str(row[1]), str(row[2]), str(row[2]), int(str(row[0]))))
        rows = conn.execute("SELECT p.oid, n.nspname, p.proname FROM pg_proc p JOIN pg_namespace n "
                            "ON n.oid = p.pronamespace WHERE p.proname = %s AND (n.nspname = %s OR %s = '')",
                            [name.rpartition(".")[2].split("(")[0], name.rpartition(".")[0],
                             name.rpartition(".")[0]]).fetchall()
        if rows:
            return "\n\n".join(catalog.definition(conn, CatalogNode("function", str(r[1]), str(r[2]), str(r[2]),
                                                                    int(str(r[0])))) for r in rows)
    raise PlanError(f"no table, view, sequence, type or function is named {name!r} here.")
