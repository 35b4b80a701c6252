"""Generated DDL changes: phases that order them, the change values, and the builder that collects them."""

from __future__ import annotations

from dataclasses import dataclass

from dbworkbench.schema.ddl import literal

(P_SETTINGS, P_SCHEMA, P_EXTENSION, P_TYPE, P_SEQUENCE, P_FUNCTION, P_DROP_VIEW, P_DROP_TABLE_OBJECTS, P_TABLE,
 P_COLUMN, P_CONSTRAINT, P_INDEX, P_FOREIGN_KEY, P_SEQUENCE_OWNER, P_VIEW, P_TRIGGER, P_COMMENT, P_GRANT,
 P_DROP_FUNCTION, P_DROP_TABLE, P_DROP_TRIGGER_FUNCTION, P_DROP_SEQUENCE, P_DROP_TYPE, P_DROP_EXTENSION,
 P_DROP_SCHEMA) = range(25)
"""Phases, in the order their statements run. A function is dropped before the tables (one returning a table's row
type would hold the table), a trigger function after them (the tables' triggers hold it until they go)."""


@dataclass(frozen=True, slots=True)
class Change:
    """One statement of a generated migration."""

    phase: int
    sql: str
    object: str
    unsafe: tuple[str, ...] = ()
    """Why it is unsafe (data loss, table rewrite, full scan, lock); empty when safe."""
    data_loss: bool = False
    """Needs an explicit allow to be emitted."""


@dataclass(frozen=True)
class SchemaDiff:
    """The changes, in order, and those withheld for losing data."""

    changes: tuple[Change, ...]
    withheld: tuple[Change, ...]

    @property
    def sql(self) -> str:
        """The migration text."""
        return "".join(f"{c.sql};\n" for c in self.changes)

    @property
    def empty(self) -> bool:
        """True when there is nothing to do (nothing withheld either)."""
        return not self.changes and not self.withheld


class Builder:
    """Collects changes; those that lose data are withheld unless allowed."""

    def __init__(self, allow_data_loss: bool) -> None:
        self.allow = allow_data_loss
        self.changes: list[Change] = []
        self.withheld: list[Change] = []

    def add(self, phase: int, statement: str, obj: str, *unsafe: str, data_loss: bool = False) -> None:
        change = Change(phase, statement, obj, tuple(unsafe), data_loss)
        (self.withheld if data_loss and not self.allow else self.changes).append(change)


def comment(builder: Builder, target: str, old: str | None, new: str | None, obj: str) -> None:
    if old != new:
        builder.add(P_COMMENT, f"COMMENT ON {target} IS {literal(new)}", obj)


def tagged(changes: SchemaDiff, *, hint: str = "plan --write --allow-data-loss") -> str:
    """The changes as SQL, each unsafe one preceded by why, withheld ones listed as comments."""
    lines = []
    for change in changes.changes:
        lines += [f"-- unsafe: {'; '.join(change.unsafe)}"] if change.unsafe else []
        lines.append(f"{change.sql};")
    if changes.withheld:
        lines.append(f"-- withheld, because they lose data (pass {hint} to include them):")
        lines += [f"--   {c.sql};" for c in changes.withheld]
    return "\n".join(lines) + "\n"
