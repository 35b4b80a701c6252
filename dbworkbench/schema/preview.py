"""The schema change a pending migration makes: before and after, on a scratch copy rebuilt from history.

The target is only read (its history); earlier pending files are applied to the copy first, so the
change shown is exactly the selected file's.
"""

from __future__ import annotations

from dbworkbench.config import Settings
from dbworkbench.core.discovery import discover
from dbworkbench.core.planner import fold, plan_forward
from dbworkbench.core.session import open_session
from dbworkbench.core.steps import prepare
from dbworkbench.errors import PlanError
from dbworkbench.schema.commands import hidden_tables
from dbworkbench.schema.diff import SchemaDiff, diff
from dbworkbench.schema.introspect import introspect
from dbworkbench.schema.replay import applied_rows, scratch_from_history


def pending_change(settings: Settings, key: str) -> SchemaDiff:
    """The DDL difference between the schema before and after the pending migration `key`.

    Raises:
        PlanError: `key` is not pending, or history cannot rebuild the schema.
    """
    migrations = discover(settings.migrations_dir)
    with open_session(settings, write=False, purpose="preview") as session:
        rows = session.rows(with_sql=True)
        entries = fold(migrations, rows)
        schema, server_major = session.store.schema, session.server_major
    specs = [s for s in plan_forward(entries, out_of_order=True) if s.action == "apply"]
    keys = [s.entry.key for s in specs]
    if key not in keys:
        raise PlanError(f"{key} is not pending, so there is no before and after to show.")
    steps = [prepare(spec, migrations_dir=settings.migrations_dir, project_dir=settings.project_dir,
                     placeholders=dict(settings.environment.placeholders), server_major=server_major, stored=None)
             for spec in specs[: keys.index(key) + 1]]
    hidden = hidden_tables(settings, schema)
    with scratch_from_history(settings, applied_rows(entries, rows)) as conn:
        for step in steps[:-1]:
            for statement in step.statements:
                conn.execute(statement.text)
        before = introspect(conn, hidden=hidden)
        for statement in steps[-1].statements:
            conn.execute(statement.text)
        after = introspect(conn, hidden=hidden)
    return diff(before, after, allow_data_loss=True, server_major=server_major)
