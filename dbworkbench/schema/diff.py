"""Compare two schema snapshots and write the DDL that turns the first into the second.

Changes come in phases so dependencies hold: schemas and extensions, then types and sequences, then the
views that must be rebuilt are dropped, constraints, indexes and triggers that change are dropped, tables
and columns change, constraints and indexes are added, foreign keys last among table objects, functions,
views (in dependency order), triggers and policies, comments and grants, and finally the drops. Each change
is tagged safe or unsafe with why; data loss (a dropped table or column, a narrowing type change) is only
emitted when allowed, otherwise listed as withheld. Column order alone never produces SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from dbworkbench.schema import acl, ddl
from dbworkbench.schema.changes import (
    P_DROP_EXTENSION,
    P_DROP_SCHEMA,
    P_DROP_SEQUENCE,
    P_DROP_TYPE,
    P_EXTENSION,
    P_GRANT,
    P_SCHEMA,
    P_SEQUENCE,
    P_SEQUENCE_OWNER,
    P_TYPE,
    Builder,
    Change,
    SchemaDiff,
    comment,
)
from dbworkbench.schema.ddl import ident, literal
from dbworkbench.schema.diff_tables import apply_renames, default_privileges, functions, tables, views
from dbworkbench.schema.model import Column, CompositeType, Domain, SchemaSnapshot, Sequence


def diff(a: SchemaSnapshot, b: SchemaSnapshot, *, allow_data_loss: bool = False, server_major: int = 18,
         renames: dict[str, str] | None = None) -> SchemaDiff:
    """The DDL turning `a` into `b`.

    Args:
        a: the schema as it is.
        b: the schema wanted.
        allow_data_loss: emit drops of tables and columns and narrowing type changes (else withheld).
        server_major: the target's major version (generated-column expressions change in place from 17;
            privileges it lacks, such as MAINTAIN before 17, are not compared).
        renames: `schema.table` -> new table name, or `schema.table.column` -> new column name: emitted as
            RENAME instead of a drop and an add.
    """
    builder = Builder(allow_data_loss)
    a, b = acl.normalized(a, server_major, b), acl.normalized(b, server_major, a)  # both against the other as read
    a = apply_renames(a, renames or {}, builder)
    for name in sorted(set(b.schemas) - set(a.schemas)):
        builder.add(P_SCHEMA, f"CREATE SCHEMA {ident(name)}", name)
    for name in sorted(set(b.extensions) - set(a.extensions)):
        ext = b.extensions[name]
        builder.add(P_EXTENSION, f"CREATE EXTENSION IF NOT EXISTS {ident(name)} SCHEMA {ident(ext.schema)}", name)
    for name in sorted(set(a.extensions) - set(b.extensions)):
        builder.add(P_DROP_EXTENSION, f"DROP EXTENSION {ident(name)}", name, "drops the extension's objects",
                    data_loss=True)
    _types(a, b, builder)
    _sequences(a, b, builder)
    rebuilt = tables(a, b, builder, server_major)
    functions(a, b, builder)
    views(a, b, builder, rebuilt)
    for name in sorted(set(a.schemas) - set(b.schemas)):
        held = [key for group in (a.tables, a.views, a.sequences, a.enums, a.domains, a.composites, a.functions)
                for key, obj in group.items() if getattr(obj, "schema", None) == name]
        if held:
            builder.add(P_DROP_SCHEMA, f"DROP SCHEMA {ident(name)}", name,
                        f"drops the schema and the {len(held)} object(s) it held", data_loss=True)
        else:
            builder.add(P_DROP_SCHEMA, f"DROP SCHEMA {ident(name)}", name, "drops the schema (empty: no data)")
    for name in sorted(set(a.schemas) & set(b.schemas)):
        comment(builder, f"SCHEMA {ident(name)}", a.schemas[name].comment, b.schemas[name].comment, name)
        for statement in acl.changes(f"SCHEMA {ident(name)}", a.schemas[name].acl, b.schemas[name].acl,
                                     owner=b.schemas[name].owner):
            builder.add(P_GRANT, statement, name)
    for name in sorted(set(b.schemas) - set(a.schemas)):
        comment(builder, f"SCHEMA {ident(name)}", None, b.schemas[name].comment, name)
        for statement in acl.changes(f"SCHEMA {ident(name)}", (), b.schemas[name].acl, owner=b.schemas[name].owner):
            builder.add(P_GRANT, statement, name)
    default_privileges(a, b, builder)
    order = sorted(range(len(builder.changes)), key=lambda i: (builder.changes[i].phase, i))
    return SchemaDiff(tuple(builder.changes[i] for i in order), tuple(builder.withheld))


def _types(a: SchemaSnapshot, b: SchemaSnapshot, builder: Builder) -> None:
    for name in sorted(set(b.enums) - set(a.enums)):
        builder.add(P_TYPE, ddl.create_enum(b.enums[name]), name)
    for name in sorted(set(a.enums) & set(b.enums)):
        old, new = a.enums[name].labels, b.enums[name].labels
        renames = _enum_renames(old, new) if old != new else {}
        for was, becomes in renames.items():
            builder.add(P_TYPE, f"ALTER TYPE {ddl.qualified(name)} RENAME VALUE {literal(was)} TO {literal(becomes)}",
                        name, f"rows holding {was!r} read {becomes!r} (a rename: the diff cannot tell it from "
                        "dropping one value and adding another, which PostgreSQL cannot do in place)", data_loss=True)
        if renames and not builder.allow:
            old = new  # withheld: what else changes is planned on the renamed labels, so it waits with them
        old = tuple(renames.get(label, label) for label in old)
        if old != new:
            if [label for label in new if label in old] == list(old):
                for index, label in enumerate(new):
                    if label not in old:
                        where = f" BEFORE {literal(new[index + 1])}" if index + 1 < len(new) and new[index + 1] in old \
                            else (f" AFTER {literal(new[index - 1])}" if index else "")
                        builder.add(P_TYPE, f"ALTER TYPE {ddl.qualified(name)} ADD VALUE {literal(label)}{where}", name)
                        old = (*old, label)
            else:
                builder.add(P_TYPE, f"-- enum {name} labels changed from {list(old)} to {list(new)}: PostgreSQL "
                            "cannot remove or reorder enum values; migrate the columns to a new type by hand", name,
                            "cannot be done in place", data_loss=True)
        comment(builder, f"TYPE {ddl.qualified(name)}", a.enums[name].comment, b.enums[name].comment, name)
    _recreatable("DOMAIN", a.domains, b.domains, ddl.create_domain, builder)
    _recreatable("TYPE", a.composites, b.composites, ddl.create_composite, builder)
    for name in sorted(set(b.enums) - set(a.enums)):
        comment(builder, f"TYPE {ddl.qualified(name)}", None, b.enums[name].comment, name)
    for name in sorted(set(a.enums) - set(b.enums)):
        builder.add(P_DROP_TYPE, f"DROP TYPE {ddl.qualified(name)}", name, "drops the type", data_loss=True)


def _enum_renames(old: tuple[str, ...], new: tuple[str, ...]) -> dict[str, str]:
    """Labels of `old` to rename so that it becomes an ordered part of `new` (the rest of `new` is then added): a
    label `new` lacks takes the first label `new` has, and `old` lacks, between the neighbours both keep. Empty
    when no such renaming exists (a label removed outright, or the kept labels reordered)."""
    kept = [label for label in old if label in new]
    if [label for label in new if label in kept] != kept:
        return {}
    renames: dict[str, str] = {}
    position = 0  # where in `new` the previous label of `old` landed
    for index, label in enumerate(old):
        if label in new:
            position = new.index(label) + 1
            continue
        following = next((new.index(o) for o in old[index + 1:] if o in new), len(new))
        fresh = [c for c in new[position:following] if c not in old and c not in renames.values()]
        if not fresh:
            return {}
        renames[label] = fresh[0]
        position = new.index(fresh[0]) + 1
    return renames


Recreatable = TypeVar("Recreatable", Domain, CompositeType)


def _recreatable(kind: str, old_map: dict[str, Recreatable], new_map: dict[str, Recreatable],
                 create: Callable[[Recreatable], str], builder: Builder) -> None:
    """Domains and composite types: created, dropped, or (when changed) dropped and created again."""
    for name in sorted(set(new_map) - set(old_map)):
        builder.add(P_TYPE, create(new_map[name]), name)
    for name in sorted(set(old_map) & set(new_map)):
        if _without_comment(old_map[name]) != _without_comment(new_map[name]):
            builder.add(P_TYPE, f"DROP {kind} {ddl.qualified(name)}", name, "recreated: columns using it must be "
                        "dropped first", data_loss=True)
            builder.add(P_TYPE, create(new_map[name]), name)
        comment(builder, f"{kind} {ddl.qualified(name)}", old_map[name].comment, new_map[name].comment, name)
    for name in sorted(set(new_map) - set(old_map)):
        comment(builder, f"{kind} {ddl.qualified(name)}", None, new_map[name].comment, name)
    for name in sorted(set(old_map) - set(new_map)):
        builder.add(P_DROP_TYPE, f"DROP {kind} {ddl.qualified(name)}", name, "drops the type", data_loss=True)


def _without_comment(obj: object) -> object:
    from dataclasses import replace

    return replace(obj, comment=None)  # type: ignore[type-var]


def _sequences(a: SchemaSnapshot, b: SchemaSnapshot, builder: Builder) -> None:
    for name in sorted(set(b.sequences) - set(a.sequences)):
        seq = b.sequences[name]
        builder.add(P_SEQUENCE, ddl.create_sequence(seq), name)
        if seq.owned_by:
            builder.add(P_SEQUENCE_OWNER, f"ALTER SEQUENCE {ddl.qualified(name)} OWNED BY {seq.owned_by}", name)
        comment(builder, f"SEQUENCE {ddl.qualified(name)}", None, seq.comment, name)
    for name in sorted(set(a.sequences) & set(b.sequences)):
        old, new = a.sequences[name], b.sequences[name]
        options = [f"{word} {value}" for word, before, value in (
            ("AS", old.type, new.type), ("INCREMENT", old.increment, new.increment),
            ("MINVALUE", old.minimum, new.minimum), ("MAXVALUE", old.maximum, new.maximum),
            ("START", old.start, new.start), ("CACHE", old.cache, new.cache)) if before != value]
        if old.cycle != new.cycle:
            options.append("CYCLE" if new.cycle else "NO CYCLE")
        reasons = []
        if new.minimum > old.minimum or new.start != old.start:
            options.append("RESTART")  # the current value may lie below the new minimum
            reasons.append("restarts the sequence at its start value")
        if options:
            builder.add(P_SEQUENCE, f"ALTER SEQUENCE {ddl.qualified(name)} {' '.join(options)}", name, *reasons)
        if old.owned_by != new.owned_by:
            builder.add(P_SEQUENCE_OWNER, f"ALTER SEQUENCE {ddl.qualified(name)} OWNED BY {new.owned_by or 'NONE'}", name)
        comment(builder, f"SEQUENCE {ddl.qualified(name)}", old.comment, new.comment, name)
    for name in sorted(set(a.sequences) - set(b.sequences)):
        if _goes_with_its_owner(a.sequences[name], a, b):
            continue  # dropping the table (or column) that owns it drops it; a DROP SEQUENCE after that would fail
        becomes_identity = _owner_column(a.sequences[name], b)
        if becomes_identity is not None and becomes_identity.identity:
            builder.add(P_DROP_SEQUENCE, f"DROP SEQUENCE {ddl.qualified(name)}", name)  # the identity goes on from it
            continue
        builder.add(P_DROP_SEQUENCE, f"DROP SEQUENCE {ddl.qualified(name)}", name,
                    "drops the sequence: its position (the next value it gives) is lost", data_loss=True)


def _owner(seq: Sequence, snapshot: SchemaSnapshot) -> tuple[str, str] | None:
    """The (table key, column) of `snapshot` whose column owns the sequence (OWNED BY), when that table is there."""
    if not seq.owned_by:
        return None
    owner, _, column = seq.owned_by.rpartition(".")
    owner, column = owner.replace('"', ""), column.replace('"', "")
    table = next((t for t in (owner, f"{seq.schema}.{owner}", f"public.{owner}") if t in snapshot.tables), None)
    return None if table is None else (table, column)


def _owner_column(seq: Sequence, snapshot: SchemaSnapshot) -> Column | None:
    """The column of `snapshot` that owns the sequence (OWNED BY), when there is one."""
    found = _owner(seq, snapshot)
    return None if found is None else next((c for c in snapshot.tables[found[0]].columns if c.name == found[1]), None)


def _goes_with_its_owner(seq: Sequence, a: SchemaSnapshot, b: SchemaSnapshot) -> bool:
    """The sequence is OWNED BY a column that this diff drops (with its table, or alone)."""
    found = _owner(seq, a)
    if found is None:
        return False
    kept = b.tables.get(found[0])
    return kept is None or all(c.name != found[1] for c in kept.columns)


__all__ = ["Change", "SchemaDiff", "diff"]
