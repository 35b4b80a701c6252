"""The schema-as-code verbs: schema (introspect), plan (to the desired `schema/`), drift (live against history),
and the before/after of one pending migration. `diff` of any two schemas is `app.schema_diff`."""

from __future__ import annotations

from dataclasses import dataclass

from dbworkbench.app.roles import differences as role_differences
from dbworkbench.app.state import prepare_steps, read_state
from dbworkbench.app.vocabulary import Verb
from dbworkbench.config import Settings
from dbworkbench.config.roles import load_roles
from dbworkbench.core.catalog_browser import definition_by_name
from dbworkbench.core.db import connect, resolve_target
from dbworkbench.core.history import hidden_relations
from dbworkbench.core.planner import StepAction, plan_forward
from dbworkbench.core.session import open_session
from dbworkbench.errors import PlanError
from dbworkbench.schema.desired import SchemaPlan, plan_to_desired, write_plan
from dbworkbench.schema.diff import SchemaDiff
from dbworkbench.schema.diff import diff as diff_snapshots
from dbworkbench.schema.drift import DriftItem
from dbworkbench.schema.drift import drift as drift_items
from dbworkbench.schema.introspect import introspect
from dbworkbench.schema.model import SchemaSnapshot
from dbworkbench.schema.replay import applied_rows, scratch_from_history


@dataclass(frozen=True, slots=True)
class SchemaReport:
    """The environment's schema model, or one object's DDL."""

    model: SchemaSnapshot | None
    ddl: str | None = None


def schema(settings: Settings, *, object_name: str | None = None) -> SchemaReport:
    """Introspect the environment (one catalog query per object kind), or give one object's DDL.

    Raises:
        PlanError: no such object. DatabaseConnectionError: unreachable.
    """
    with connect(resolve_target(settings), purpose=Verb.SCHEMA.value, create_missing=True) as conn:
        if object_name is not None:
            return SchemaReport(None, definition_by_name(conn, object_name))
        row = conn.execute("SELECT current_schema()").fetchone()
        current = str(row[0]) if row and row[0] else "public"
        return SchemaReport(introspect(conn, hidden=hidden_relations(settings.history_table, current)))


@dataclass(frozen=True, slots=True)
class PlanReport:
    """The migration from the environment to the desired schema, and its undo."""

    plan: SchemaPlan
    written: str | None = None
    """The migration file written (`--write`), relative to the project."""


def plan(settings: Settings, *, allow_data_loss: bool = False, write: str | None = None) -> PlanReport:
    """Diff the environment to `schema/`; with `write`, save it as the next migration with its undo.

    Raises:
        PlanError: no desired-state folder. DatabaseConnectionError: unreachable.
    """
    result = plan_to_desired(settings, allow_data_loss=allow_data_loss)
    written = write_plan(settings, write, result) if write is not None and result.forward.changes else None
    return PlanReport(result, written)


@dataclass(frozen=True, slots=True)
class DriftReport:
    """Changes made outside migrations."""

    items: tuple[DriftItem, ...]
    roles: tuple[str, ...] = ()
    """What the cluster lacks of roles/ (as `roles plan` says it), when the project declares roles."""

    @property
    def ok(self) -> bool:
        """No drift."""
        return not self.items and not self.roles

    @property
    def count(self) -> int:
        """Differences of both kinds."""
        return len(self.items) + len(self.roles)


def drift(settings: Settings) -> DriftReport:
    """Compare the live schema with the one history says it has, and the cluster's roles and grants with roles/.

    Raises:
        PlanError: history cannot rebuild the schema; roles/ names an unknown role or object.
        ConfigError: a bad roles/ file. DatabaseConnectionError: unreachable.
    """
    declared = load_roles(settings.project_dir)
    items = tuple(drift_items(settings, managed_grantees=declared.grantees if declared else frozenset()))
    if declared is None:
        return DriftReport(items)
    with open_session(settings, write=False, purpose=Verb.DRIFT.value) as session:
        return DriftReport(items, tuple(role_differences(declared, session)))


def schema_change(settings: Settings, key: str) -> SchemaDiff:
    """The DDL difference between the schema before and after the pending migration `key`, computed on a
    scratch copy rebuilt from history (earlier pending files applied first; the target is only read).

    Raises:
        PlanError: `key` is not pending, or history cannot rebuild the schema.
    """
    with open_session(settings, write=False, purpose="preview") as session:
        state = read_state(settings, session, with_sql=True)
        specs = [s for s in plan_forward(list(state.entries), out_of_order=True) if s.action is StepAction.APPLY]
        keys = [s.entry.key for s in specs]
        if key not in keys:
            raise PlanError(f"{key} is not pending, so there is no before and after to show.")
        steps = prepare_steps(session, specs[: keys.index(key) + 1])
        hidden, server_major = hidden_relations(settings.history_table, session.store.schema), session.server_major
    with scratch_from_history(settings, applied_rows(list(state.entries), list(state.rows))) as conn:
        for step in steps[:-1]:
            for statement in step.statements:
                conn.execute(statement.text)
        before = introspect(conn, hidden=hidden)
        for statement in steps[-1].statements:
            conn.execute(statement.text)
        after = introspect(conn, hidden=hidden)
    return diff_snapshots(before, after, allow_data_loss=True, server_major=server_major)
