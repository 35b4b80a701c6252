"""The schema model: frozen values describing a database's objects, comparable and hashable.

Produced by `introspect`, compared by `diff`. Names are kept as PostgreSQL reports them; definitions come
from PostgreSQL's own deparsers (pg_get_*def) so two databases with the same objects compare equal.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Column:
    """One table column."""

    name: str
    type: str
    not_null: bool = False
    default: str | None = None
    collation: str | None = None
    identity: str | None = None
    """"a" (ALWAYS), "d" (BY DEFAULT) or None."""
    generated: str | None = None
    """The expression of a stored generated column."""
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Constraint:
    """A table constraint, with PostgreSQL's own definition text."""

    name: str
    kind: str
    """p, f, u, c or x."""
    definition: str
    validated: bool = True
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Index:
    """An index that no constraint owns (constraint indexes come with their constraint)."""

    name: str
    definition: str
    valid: bool = True
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Trigger:
    """A trigger, with pg_get_triggerdef's text."""

    name: str
    definition: str
    enabled: str = "O"


@dataclass(frozen=True, slots=True)
class Policy:
    """A row-level security policy."""

    name: str
    command: str
    permissive: bool
    roles: tuple[str, ...]
    using: str | None
    check: str | None


@dataclass(frozen=True, slots=True)
class Table:
    """A table, with everything attached to it."""

    schema: str
    name: str
    columns: tuple[Column, ...]
    constraints: tuple[Constraint, ...] = ()
    indexes: tuple[Index, ...] = ()
    triggers: tuple[Trigger, ...] = ()
    policies: tuple[Policy, ...] = ()
    rls: bool = False
    partition_key: str | None = None
    """pg_get_partkeydef for a partitioned table."""
    partition_of: str | None = None
    partition_bound: str | None = None
    comment: str | None = None
    owner: str | None = None
    acl: tuple[str, ...] = ()
    column_acl: tuple[tuple[str, str], ...] = ()

    @property
    def qualified(self) -> str:
        """schema.name."""
        return f"{self.schema}.{self.name}"


@dataclass(frozen=True, slots=True)
class View:
    """A view or materialised view."""

    schema: str
    name: str
    definition: str
    materialized: bool = False
    depends_on: tuple[str, ...] = ()
    """Relations it reads (schema.name)."""
    comment: str | None = None
    owner: str | None = None
    acl: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Sequence:
    """A sequence that is not an identity column's."""

    schema: str
    name: str
    type: str
    start: int
    increment: int
    minimum: int
    maximum: int
    cache: int
    cycle: bool
    owned_by: str | None = None
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class EnumType:
    """An enum and its labels in order."""

    schema: str
    name: str
    labels: tuple[str, ...]
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Domain:
    """A domain over a base type."""

    schema: str
    name: str
    base: str
    not_null: bool = False
    default: str | None = None
    checks: tuple[str, ...] = ()
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class CompositeType:
    """A composite type."""

    schema: str
    name: str
    attributes: tuple[tuple[str, str], ...]
    comment: str | None = None


@dataclass(frozen=True, slots=True)
class Function:
    """A function, procedure or aggregate, with pg_get_functiondef's text."""

    schema: str
    name: str
    arguments: str
    kind: str
    definition: str
    comment: str | None = None
    owner: str | None = None
    acl: tuple[str, ...] = ()

    @property
    def signature(self) -> str:
        """schema.name(arguments), unique among routines."""
        return f"{self.schema}.{self.name}({self.arguments})"


@dataclass(frozen=True, slots=True)
class Extension:
    """An installed extension."""

    name: str
    schema: str
    version: str


@dataclass(frozen=True, slots=True)
class SchemaInfo:
    """A schema (namespace)."""

    name: str
    owner: str | None = None
    comment: str | None = None
    acl: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DefaultPrivilege:
    """ALTER DEFAULT PRIVILEGES: for objects a role creates (in a schema)."""

    role: str
    schema: str | None
    object_type: str
    acl: tuple[str, ...]


@dataclass(frozen=True)
class SchemaSnapshot:
    """Everything introspected, keyed by qualified name (routines by signature)."""

    schemas: dict[str, SchemaInfo] = field(default_factory=dict)
    tables: dict[str, Table] = field(default_factory=dict)
    views: dict[str, View] = field(default_factory=dict)
    sequences: dict[str, Sequence] = field(default_factory=dict)
    enums: dict[str, EnumType] = field(default_factory=dict)
    domains: dict[str, Domain] = field(default_factory=dict)
    composites: dict[str, CompositeType] = field(default_factory=dict)
    functions: dict[str, Function] = field(default_factory=dict)
    extensions: dict[str, Extension] = field(default_factory=dict)
    default_privileges: tuple[DefaultPrivilege, ...] = ()

    def object_count(self) -> int:
        """How many top-level objects the snapshot holds."""
        return sum(len(d) for d in (self.schemas, self.tables, self.views, self.sequences, self.enums,
                                    self.domains, self.composites, self.functions, self.extensions))
