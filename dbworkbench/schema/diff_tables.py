"""The table-shaped part of the diff: tables and what hangs off them, functions, views, default privileges."""

from __future__ import annotations

import re
from dataclasses import replace

from dbworkbench.schema import acl, ddl
from dbworkbench.schema.changes import (
    P_COLUMN,
    P_CONSTRAINT,
    P_DROP_FUNCTION,
    P_DROP_TABLE,
    P_DROP_TABLE_OBJECTS,
    P_DROP_TRIGGER_FUNCTION,
    P_DROP_VIEW,
    P_FOREIGN_KEY,
    P_FUNCTION,
    P_GRANT,
    P_INDEX,
    P_SETTINGS,
    P_TABLE,
    P_TRIGGER,
    P_TYPE,
    P_VIEW,
    Builder,
    comment,
)
from dbworkbench.schema.ddl import ident
from dbworkbench.schema.model import Column, SchemaSnapshot, Table, View

_INTEGERS = {"smallint": 1, "integer": 2, "bigint": 3}
_LENGTH = re.compile(r"^(character varying|varchar|character|char|bit varying|bit)\((\d+)\)$")
_NUMERIC = re.compile(r"^numeric\((\d+)(?:,(\d+))?\)$")


def type_change(old: str, new: str) -> tuple[bool, bool]:
    """(rewrites the table, loses data) for ALTER COLUMN TYPE old -> new."""
    old_len, new_len = _LENGTH.match(old), _LENGTH.match(new)
    if old_len and new_len and old_len.group(1) == new_len.group(1):
        return False, int(new_len.group(2)) < int(old_len.group(2))
    if old_len and old_len.group(1) in ("character varying", "varchar") and new == "text":
        return False, False
    if old == "text" and new_len:
        return True, True
    old_num, new_num = _NUMERIC.match(old), _NUMERIC.match(new)
    if old_num and new_num:
        same_scale = (old_num.group(2) or "0") == (new_num.group(2) or "0")
        return not (same_scale and int(new_num.group(1)) >= int(old_num.group(1))), \
            int(new_num.group(1)) < int(old_num.group(1)) or int(new_num.group(2) or 0) < int(old_num.group(2) or 0)
    if old in _INTEGERS and new in _INTEGERS:
        return True, _INTEGERS[new] < _INTEGERS[old]
    return True, False


def apply_renames(a: SchemaSnapshot, renames: dict[str, str], builder: Builder) -> SchemaSnapshot:
    """Emit RENAMEs and return `a` as it will be after them, so the rest of the diff sees matching names. Tables
    are renamed first; a column is named by its table's new name (`schema.new_table.column`)."""
    tables = dict(a.tables)
    for old, new in sorted(renames.items(), key=lambda item: (item[0].count("."), item[0])):
        parts = old.split(".")
        if len(parts) == 2 and old in tables:
            table = tables.pop(old)
            builder.add(P_TABLE, f"ALTER TABLE {ident(*parts)} RENAME TO {ident(new)}", old,
                        "breaks every query using the old name")
            tables[f"{parts[0]}.{new}"] = replace(table, name=new)
        elif len(parts) == 3 and f"{parts[0]}.{parts[1]}" in tables:
            key = f"{parts[0]}.{parts[1]}"
            table = tables[key]
            builder.add(P_COLUMN, f"ALTER TABLE {ident(parts[0], parts[1])} RENAME COLUMN {ident(parts[2])} "
                        f"TO {ident(new)}", old, "breaks every query using the old name")
            tables[key] = replace(table, columns=tuple(replace(c, name=new) if c.name == parts[2] else c
                                                       for c in table.columns))
    return replace(a, tables=tables)


def _column_acl(table: Table, column: str) -> tuple[str, ...]:
    return tuple(item for name, item in table.column_acl if name == column)


def _attached(table: Table, builder: Builder, existed: bool) -> None:
    """Indexes, foreign keys, triggers, policies, comments and grants of a table that is new."""
    name = ident(table.schema, table.name)
    for index in table.indexes:
        builder.add(P_INDEX, ddl.create_index(index.definition), f"{table.qualified}.{index.name}")
    for constraint in table.constraints:
        if constraint.kind == "f":
            builder.add(P_FOREIGN_KEY, f"ALTER TABLE {name} ADD CONSTRAINT {ident(constraint.name)} "
                        f"{constraint.definition}", table.qualified)
        comment(builder, f"CONSTRAINT {ident(constraint.name)} ON {name}", None, constraint.comment, table.qualified)
    for trigger in table.triggers:
        builder.add(P_TRIGGER, trigger.definition, table.qualified)
    for policy in table.policies:
        builder.add(P_TRIGGER, ddl.create_policy(table, policy), table.qualified)
    if table.rls:
        builder.add(P_TRIGGER, f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY", table.qualified)
    comment(builder, f"TABLE {name}", None, table.comment, table.qualified)
    for column in table.columns:
        comment(builder, f"COLUMN {name}.{ident(column.name)}", None, column.comment, table.qualified)
        for statement in acl.changes(f"TABLE {name}", (), _column_acl(table, column.name), owner=table.owner,
                                     columns=ident(column.name)):
            builder.add(P_GRANT, statement, table.qualified)
    for statement in acl.changes(f"TABLE {name}", (), table.acl, owner=table.owner):
        builder.add(P_GRANT, statement, table.qualified)
    for index in table.indexes:
        comment(builder, f"INDEX {ident(table.schema, index.name)}", None, index.comment, table.qualified)


def _columns(old: Table, new: Table, builder: Builder, server_major: int) -> bool:
    """Column changes of a table in both snapshots; True when a column's type changed or a column was dropped."""
    name = ident(new.schema, new.name)
    before = {c.name: c for c in old.columns}
    after = {c.name: c for c in new.columns}
    rebuilt = False
    for column in new.columns:
        if column.name not in before:
            reasons = ["fails if the table has rows"] if column.not_null and column.default is None and \
                not column.identity and not column.generated else []
            if column.generated or column.identity:
                reasons.append("rewrites the table")
            builder.add(P_COLUMN, f"ALTER TABLE {name} ADD COLUMN {ddl.column(column)}", new.qualified, *reasons)
            continue
        rebuilt |= _column_change(name, new, before[column.name], column, builder, server_major)
    for column in old.columns:
        if column.name not in after:
            rebuilt = True
            builder.add(P_COLUMN, f"ALTER TABLE {name} DROP COLUMN {ident(column.name)}", new.qualified,
                        "drops the column's data", data_loss=True)
    return rebuilt


_NEXTVAL_RE = re.compile(r"^nextval\((.+)\)$")
_SERIAL_RE = re.compile(r"^nextval\('((?:[^']|'')+)'::regclass\)$")


def _column_change(name: str, table: Table, old: Column, new: Column, builder: Builder, server_major: int) -> bool:
    column = ident(new.name)
    alter = f"ALTER TABLE {name} ALTER COLUMN {column}"
    rebuilt = False
    if old.generated != new.generated:
        if old.generated and new.generated and server_major >= 17:
            builder.add(P_COLUMN, f"{alter} SET EXPRESSION AS ({new.generated})", table.qualified, "rewrites the table")
        elif old.generated and not new.generated:
            builder.add(P_COLUMN, f"{alter} DROP EXPRESSION", table.qualified)
            old = replace(old, generated=None)
        else:
            builder.add(P_COLUMN, f"ALTER TABLE {name} DROP COLUMN {column}", table.qualified, "recreated",
                        data_loss=not bool(old.generated))
            builder.add(P_COLUMN, f"ALTER TABLE {name} ADD COLUMN {ddl.column(new)}", table.qualified,
                        "rewrites the table")
            return True
    if (old.type, old.collation) != (new.type, new.collation):
        rewrites, loses = type_change(old.type, new.type)
        collate = f" COLLATE {new.collation}" if new.collation else ""
        reasons = (["rewrites the table under ACCESS EXCLUSIVE"] if rewrites else []) + \
            (["narrowing type change"] if loses else [])
        builder.add(P_COLUMN, f"{alter} TYPE {new.type}{collate} USING {column}::{new.type}", table.qualified,
                    *reasons, data_loss=loses)
        rebuilt = True
    continue_at = f"coalesce(max({column}), 0) + 1, false) FROM {name}"
    if old.identity != new.identity:
        if old.identity and not new.identity:
            # Before the sequences are created: a serial's sequence often takes the identity's sequence's name.
            builder.add(P_TYPE, f"{alter} DROP IDENTITY", table.qualified)
        elif not old.identity:
            if old.default is not None:  # a serial's nextval, or a constant: an identity column has no default
                builder.add(P_COLUMN, f"{alter} DROP DEFAULT", table.qualified)
            serial = _SERIAL_RE.match(old.default or "")
            if serial:  # so that the column's sequence, below, is the identity's (the old one is dropped later)
                builder.add(P_COLUMN, f"ALTER SEQUENCE {serial.group(1).replace(chr(39) * 2, chr(39))} OWNED BY NONE",
                            table.qualified)
            builder.add(P_COLUMN, f"{alter} ADD GENERATED {'ALWAYS' if new.identity == 'a' else 'BY DEFAULT'} AS "
                        "IDENTITY", table.qualified)
            builder.add(P_COLUMN, f"SELECT setval(pg_get_serial_sequence({ddl.literal(name)}, "
                        f"{ddl.literal(new.name)}), {continue_at}", table.qualified)
        else:
            builder.add(P_COLUMN, f"{alter} SET GENERATED {'ALWAYS' if new.identity == 'a' else 'BY DEFAULT'}",
                        table.qualified)
    if old.default != new.default and not new.generated and not new.identity:
        builder.add(P_COLUMN, f"{alter} SET DEFAULT {new.default}" if new.default is not None else f"{alter} DROP DEFAULT",
                    table.qualified)
        serial = _NEXTVAL_RE.match(new.default or "")
        if old.identity and serial:  # the new sequence goes on from the rows the identity numbered
            builder.add(P_COLUMN, f"SELECT setval({serial.group(1)}, {continue_at}", table.qualified)
    if old.not_null != new.not_null and not new.identity:
        if new.not_null:
            builder.add(P_COLUMN, f"{alter} SET NOT NULL", table.qualified, "scans the table under ACCESS EXCLUSIVE")
        else:
            builder.add(P_COLUMN, f"{alter} DROP NOT NULL", table.qualified)
    comment(builder, f"COLUMN {name}.{column}", old.comment, new.comment, table.qualified)
    return rebuilt


def _table_objects(old: Table, new: Table, builder: Builder) -> None:
    name = ident(new.schema, new.name)
    before = {c.name: c for c in old.constraints}
    after = {c.name: c for c in new.constraints}
    for key, constraint in before.items():
        if key not in after or _base(after[key].definition) != _base(constraint.definition) or \
                (constraint.validated and not after[key].validated):
            builder.add(P_DROP_TABLE_OBJECTS, f"ALTER TABLE {name} DROP CONSTRAINT {ident(key)}", new.qualified)
    for key, constraint in after.items():
        existing = before.get(key)
        if existing is not None and _base(existing.definition) == _base(constraint.definition):
            if not existing.validated and constraint.validated:
                builder.add(P_CONSTRAINT, f"ALTER TABLE {name} VALIDATE CONSTRAINT {ident(key)}", new.qualified,
                            "scans the table (SHARE UPDATE EXCLUSIVE: writers continue)")
        else:
            reasons = {"p": "builds an index under ACCESS EXCLUSIVE", "u": "builds an index under ACCESS EXCLUSIVE",
                       "x": "builds an index under ACCESS EXCLUSIVE"}.get(constraint.kind)
            if constraint.kind in ("c", "f") and constraint.validated:
                reasons = "scans the table while blocking writes (use NOT VALID, then VALIDATE)"
            phase = P_FOREIGN_KEY if constraint.kind == "f" else P_CONSTRAINT
            builder.add(phase, f"ALTER TABLE {name} ADD CONSTRAINT {ident(key)} {constraint.definition}",
                        new.qualified, *([reasons] if reasons else []))
        comment(builder, f"CONSTRAINT {ident(key)} ON {name}", existing.comment if existing else None,
                constraint.comment, new.qualified)
    old_indexes = {i.name: i for i in old.indexes}
    new_indexes = {i.name: i for i in new.indexes}
    for key, index in old_indexes.items():
        if key not in new_indexes or new_indexes[key].definition != index.definition:
            builder.add(P_DROP_TABLE_OBJECTS, f"DROP INDEX {ident(new.schema, key)}", new.qualified)
    for key, index in new_indexes.items():
        if key not in old_indexes or old_indexes[key].definition != index.definition:
            builder.add(P_INDEX, ddl.create_index(index.definition), new.qualified,
                        "blocks writes while it builds (use CONCURRENTLY)")
        comment(builder, f"INDEX {ident(new.schema, key)}", old_indexes[key].comment if key in old_indexes else None,
                index.comment, new.qualified)
    old_triggers, new_triggers = {t.name: t for t in old.triggers}, {t.name: t for t in new.triggers}
    for key, trigger in old_triggers.items():
        if new_triggers.get(key) != trigger:
            builder.add(P_DROP_TABLE_OBJECTS, f"DROP TRIGGER {ident(key)} ON {name}", new.qualified)
    for key, trigger in new_triggers.items():
        if old_triggers.get(key) != trigger:
            builder.add(P_TRIGGER, trigger.definition, new.qualified)
    old_policies, new_policies = {p.name: p for p in old.policies}, {p.name: p for p in new.policies}
    for key, policy in old_policies.items():
        if new_policies.get(key) != policy:
            builder.add(P_DROP_TABLE_OBJECTS, f"DROP POLICY {ident(key)} ON {name}", new.qualified)
    for key, policy in new_policies.items():
        if old_policies.get(key) != policy:
            builder.add(P_TRIGGER, ddl.create_policy(new, policy), new.qualified)
    if old.rls != new.rls:
        builder.add(P_TRIGGER, f"ALTER TABLE {name} {'ENABLE' if new.rls else 'DISABLE'} ROW LEVEL SECURITY",
                    new.qualified)
    comment(builder, f"TABLE {name}", old.comment, new.comment, new.qualified)
    for statement in acl.changes(f"TABLE {name}", old.acl, new.acl, owner=new.owner):
        builder.add(P_GRANT, statement, new.qualified)
    for column in {c for c, _ in old.column_acl} | {c for c, _ in new.column_acl}:
        for statement in acl.changes(f"TABLE {name}", _column_acl(old, column), _column_acl(new, column),
                                     owner=new.owner, columns=ident(column)):
            builder.add(P_GRANT, statement, new.qualified)


def _base(definition: str) -> str:
    return definition.removesuffix(" NOT VALID")


def tables(a: SchemaSnapshot, b: SchemaSnapshot, builder: Builder, server_major: int) -> set[str]:
    """Create, alter and drop tables; returns the tables whose columns were retyped or dropped."""
    rebuilt: set[str] = set()
    created = sorted(set(b.tables) - set(a.tables), key=lambda k: (b.tables[k].partition_of is not None, k))
    for key in created:
        builder.add(P_TABLE, ddl.create_table(b.tables[key]), key)
    for key in created:
        _attached(b.tables[key], builder, existed=False)
    for key in sorted(set(a.tables) & set(b.tables)):
        if a.tables[key] == b.tables[key]:
            continue  # equal tables make no statements; most tables of a large schema are equal
        if _columns(a.tables[key], b.tables[key], builder, server_major):
            rebuilt.add(key)
        _table_objects(a.tables[key], b.tables[key], builder)
    dropped = sorted(set(a.tables) - set(b.tables))
    if dropped:
        builder.add(P_DROP_TABLE, "DROP TABLE " + ", ".join(ddl.qualified(k) for k in dropped), ", ".join(dropped),
                    "drops the tables and their data", data_loss=True)
    return rebuilt | set(dropped)


def functions(a: SchemaSnapshot, b: SchemaSnapshot, builder: Builder) -> None:
    """Create or replace changed routines (bodies unchecked until all tables exist); drop removed ones."""
    changed = [k for k in sorted(b.functions) if k not in a.functions or
               a.functions[k].definition != b.functions[k].definition]
    if changed:
        builder.add(P_SETTINGS, "SET LOCAL check_function_bodies = off", "settings")
    for key in changed:
        if b.functions[key].definition:
            builder.add(P_FUNCTION, b.functions[key].definition.rstrip().rstrip(";"), key)
    for key in sorted(b.functions):
        function = b.functions[key]
        kind = "PROCEDURE" if function.kind == "p" else "FUNCTION"
        target = f"{kind} {ident(function.schema, function.name)}({function.arguments})"
        comment(builder, target, a.functions[key].comment if key in a.functions else None, function.comment, key)
        default = ("=X/" + (function.owner or ""), f"{function.owner}=X/{function.owner}")
        for statement in acl.changes(target, a.functions[key].acl if key in a.functions else default,
                                     function.acl, owner=function.owner):
            builder.add(P_GRANT, statement, key)
    for key in sorted(set(a.functions) - set(b.functions)):
        function = a.functions[key]
        kind = {"p": "PROCEDURE", "a": "AGGREGATE"}.get(function.kind, "FUNCTION")
        phase = P_DROP_TRIGGER_FUNCTION if " RETURNS trigger" in function.definition or \
            " RETURNS event_trigger" in function.definition else P_DROP_FUNCTION
        builder.add(phase, f"DROP {kind} {ident(function.schema, function.name)}({function.arguments})", key)


def _view_order(all_views: dict[str, View], names: set[str]) -> list[str]:
    ordered: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        if name in seen or name not in names:
            return
        seen.add(name)
        for dependency in all_views[name].depends_on:
            visit(dependency)
        ordered.append(name)

    for name in sorted(names):
        visit(name)
    return ordered


def views(a: SchemaSnapshot, b: SchemaSnapshot, builder: Builder, rebuilt_tables: set[str]) -> None:
    """Drop the views that change or read something that changes, then create them again in dependency order."""
    rebuild = {k for k in set(a.views) & set(b.views)
               if (a.views[k].definition, a.views[k].materialized) != (b.views[k].definition, b.views[k].materialized)}
    grew = True
    while grew:
        grew = False
        for key, view in a.views.items():
            if key not in rebuild and (set(view.depends_on) & (rebuild | rebuilt_tables)):
                rebuild.add(key)
                grew = True
    drop = rebuild | (set(a.views) - set(b.views))
    for key in reversed(_view_order(a.views, drop)):
        kind = "MATERIALIZED VIEW" if a.views[key].materialized else "VIEW"
        builder.add(P_DROP_VIEW, f"DROP {kind} {ddl.qualified(key)}", key,
                    *([] if key in b.views else ["breaks its readers"]))
    create = (rebuild & set(b.views)) | (set(b.views) - set(a.views))
    for key in _view_order(b.views, create):
        view = b.views[key]
        builder.add(P_VIEW, ddl.create_view(view), key)
        target = f"{'MATERIALIZED VIEW' if view.materialized else 'VIEW'} {ddl.qualified(key)}"
        comment(builder, target, None, view.comment, key)
        for statement in acl.changes(f"TABLE {ddl.qualified(key)}", (), view.acl, owner=view.owner):
            builder.add(P_GRANT, statement, key)
    for key in sorted((set(a.views) & set(b.views)) - rebuild):
        target = f"{'MATERIALIZED VIEW' if b.views[key].materialized else 'VIEW'} {ddl.qualified(key)}"
        comment(builder, target, a.views[key].comment, b.views[key].comment, key)
        for statement in acl.changes(f"TABLE {ddl.qualified(key)}", a.views[key].acl, b.views[key].acl,
                                     owner=b.views[key].owner):
            builder.add(P_GRANT, statement, key)


OBJECT_TYPES = {"r": "TABLES", "S": "SEQUENCES", "f": "FUNCTIONS", "T": "TYPES", "n": "SCHEMAS"}
"""pg_default_acl.defaclobjtype letters."""


def default_privileges(a: SchemaSnapshot, b: SchemaSnapshot, builder: Builder) -> None:
    """ALTER DEFAULT PRIVILEGES for every (role, schema, object type) whose ACL differs."""
    old = {(d.role, d.schema, d.object_type): d.acl for d in a.default_privileges}
    new = {(d.role, d.schema, d.object_type): d.acl for d in b.default_privileges}
    for key in sorted(set(old) | set(new), key=str):
        role, schema, kind = key
        prefix = f"ALTER DEFAULT PRIVILEGES FOR ROLE {ident(role)}" + (f" IN SCHEMA {ident(schema)}" if schema else "")
        for statement in acl.changes(OBJECT_TYPES[kind], old.get(key, ()), new.get(key, ()), owner=role):
            builder.add(P_GRANT, f"{prefix} {statement}", f"default privileges of {role}")
