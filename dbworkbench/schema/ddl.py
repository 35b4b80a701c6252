"""CREATE statements for schema-model objects, with identifiers quoted the way PostgreSQL needs."""

from __future__ import annotations

from functools import lru_cache

from psycopg import sql

from dbworkbench.schema.model import Column, CompositeType, Domain, EnumType, Policy, Sequence, Table, View


def ident(*parts: str) -> str:
    """A (qualified) identifier, always double-quoted (psycopg's rule), so any name, keyword or case is safe."""
    if not parts:
        raise TypeError("an identifier needs at least one part")
    return ".".join(_quoted(part) for part in parts)


@lru_cache(maxsize=1 << 16)
def _quoted(part: str) -> str:
    # psycopg's sql.Identifier without a connection does the same; this is the hot path of a large diff.
    if not isinstance(part, str):
        raise TypeError(f"SQL identifier parts must be strings, got {part!r} instead")
    return '"' + part.replace('"', '""') + '"'


def literal(value: str | None) -> str:
    """A string literal (or NULL)."""
    return sql.Literal(value).as_string(None)


def qualified(name: str) -> str:
    """`schema.name` (as the model keys objects) quoted."""
    schema, _, rest = name.partition(".")
    return ident(schema, rest)


def column(col: Column) -> str:
    """A column definition, as in CREATE TABLE or ADD COLUMN."""
    parts = [ident(col.name), col.type]
    if col.collation:
        parts.append(f"COLLATE {col.collation}")
    if col.generated:
        parts.append(f"GENERATED ALWAYS AS ({col.generated}) STORED")
    elif col.default is not None:
        parts.append(f"DEFAULT {col.default}")
    if col.identity:
        parts.append("GENERATED " + ("ALWAYS" if col.identity == "a" else "BY DEFAULT") + " AS IDENTITY")
    if col.not_null and not col.identity:
        parts.append("NOT NULL")
    return " ".join(parts)


def create_table(table: Table) -> str:
    """CREATE TABLE with columns and every constraint except foreign keys (added once all tables exist)."""
    name = ident(table.schema, table.name)
    if table.partition_of:
        return f"CREATE TABLE {name} PARTITION OF {table.partition_of} {table.partition_bound}"
    items = [column(c) for c in table.columns]
    items += [f"CONSTRAINT {ident(c.name)} {c.definition}" for c in table.constraints if c.kind != "f"]
    body = ",\n    ".join(items)
    key = f" PARTITION BY {table.partition_key}" if table.partition_key else ""
    return f"CREATE TABLE {name} (\n    {body}\n){key}"


def create_view(view: View) -> str:
    """CREATE [MATERIALIZED] VIEW."""
    kind = "MATERIALIZED VIEW" if view.materialized else "VIEW"
    return f"CREATE {kind} {ident(view.schema, view.name)} AS\n{view.definition.rstrip().rstrip(';')}"


def create_sequence(seq: Sequence) -> str:
    """CREATE SEQUENCE with every option."""
    return (f"CREATE SEQUENCE {ident(seq.schema, seq.name)} AS {seq.type} START {seq.start} INCREMENT {seq.increment} "
            f"MINVALUE {seq.minimum} MAXVALUE {seq.maximum} CACHE {seq.cache}{' CYCLE' if seq.cycle else ''}")


def create_enum(enum: EnumType) -> str:
    """CREATE TYPE ... AS ENUM."""
    return f"CREATE TYPE {ident(enum.schema, enum.name)} AS ENUM ({', '.join(literal(v) for v in enum.labels)})"


def create_domain(domain: Domain) -> str:
    """CREATE DOMAIN with default, NOT NULL and checks."""
    parts = [f"CREATE DOMAIN {ident(domain.schema, domain.name)} AS {domain.base}"]
    if domain.default is not None:
        parts.append(f"DEFAULT {domain.default}")
    if domain.not_null:
        parts.append("NOT NULL")
    parts += list(domain.checks)
    return " ".join(parts)


def create_composite(composite: CompositeType) -> str:
    """CREATE TYPE ... AS (...)."""
    attributes = ", ".join(f"{ident(name)} {type_}" for name, type_ in composite.attributes)
    return f"CREATE TYPE {ident(composite.schema, composite.name)} AS ({attributes})"


POLICY_COMMANDS = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "*": "ALL"}
"""pg_policy.polcmd letters."""


def create_policy(table: Table, policy: Policy) -> str:
    """CREATE POLICY."""
    roles = ", ".join("PUBLIC" if r == "public" else ident(r) for r in policy.roles) or "PUBLIC"
    text = (f"CREATE POLICY {ident(policy.name)} ON {ident(table.schema, table.name)} AS "
            f"{'PERMISSIVE' if policy.permissive else 'RESTRICTIVE'} FOR {POLICY_COMMANDS[policy.command]} TO {roles}")
    if policy.using:
        text += f" USING ({policy.using})"
    if policy.check:
        text += f" WITH CHECK ({policy.check})"
    return text


def create_index(definition: str) -> str:
    """pg_get_indexdef's text, made to create the index on every partition of a partitioned table too."""
    return definition.replace(" ON ONLY ", " ON ", 1)
