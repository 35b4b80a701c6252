"""The steps every migration verb shares: read the target's state, prepare planned files, render a dry run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dbworkbench.config import Settings
from dbworkbench.core.layouts import project_migrations
from dbworkbench.core.migration_cache import Signature
from dbworkbench.core.planner import StepAction, StepSpec
from dbworkbench.core.project_state import ProjectState, history_mark
from dbworkbench.core.session import Session
from dbworkbench.errors import StaleStateError

if TYPE_CHECKING:
    from dbworkbench.core.steps import PreparedStep


def read_state(settings: Settings, session: Session, *, with_sql: bool = False, cached: bool = False,
               signature: Signature | None = None) -> ProjectState:
    """The migrations folder and the target's history, folded (the one place this sequence is written); `cached`
    lets `status` take an unchanged folder from the stat-keyed cache (`signature`: the folder's, just taken).

    Raises:
        DiscoveryError: bad migration files.
    """
    return ProjectState.of(project_migrations(settings, cached=cached, signature=signature),
                           session.rows(with_sql=with_sql))


def require_history(state: ProjectState, expected_mark: str | None, what: str) -> None:
    """Refuse `what` (nothing has run yet) when the target's history is not the one it was asked for on, the
    `core.project_state.history_mark` a screen showed; None: not asked.

    Raises:
        StaleStateError: naming the history's latest row now.
    """
    if expected_mark is None or history_mark(state.rows) == expected_mark:
        return
    latest = state.rows[-1] if state.rows else None
    now = (f"its latest row is now {latest.script} ({'done' if latest.success else 'failed'} by "
           f"{latest.installed_by} at {latest.installed_on:%Y-%m-%d %H:%M:%S})" if latest else "it is now empty")
    raise StaleStateError(f"the history changed after this {what} was asked for ({now}), so it would not do what "
                          "was shown. Nothing was run; look at the refreshed state and ask again.")


def prepare_steps(session: Session, specs: list[StepSpec]) -> list[PreparedStep]:
    """Each planned file's text for this environment: placeholders filled, split, transaction mode chosen.

    Raises:
        PlanError: a syntax error, a missing undo, an undefined placeholder (nothing has run).
    """
    from dbworkbench.core.steps import prepare  # the executor's side loads only for writes, not for `status`

    settings = session.settings
    prepared = []
    for spec in specs:
        stored = None
        if spec.entry.row is not None and spec.action is not StepAction.APPLY:
            stored = session.store.row(session.conn, spec.entry.row.rank)
        prepared.append(prepare(spec, migrations_dir=settings.migrations_dir, project_dir=settings.project_dir,
                                placeholders=dict(settings.environment.placeholders),
                                server_major=session.server_major, stored=stored,
                                lock_upfront=settings.environment.lock_upfront))
    return prepared


def render_dry_run(session: Session, prepared: list[PreparedStep]) -> str:
    """The exact SQL the steps would send, history DDL and writes included."""
    from dbworkbench.core.dry_run import dry_run_sql

    return "\n\n".join(filter(None, [session.history_ddl(),
                                     *(dry_run_sql(session.conn, session.store, p) for p in prepared)]))


def render_review(session: Session, prepared: list[PreparedStep]) -> str:
    """What a person reviews before confirming: each file's own statements, in order, with the bookkeeping (the
    history tables' DDL, history rows and events, progress rows) folded into one comment line per file."""
    parts = []
    if session.history_ddl():
        parts.append("-- first: create the history tables (dbworkbench bookkeeping)")
    for step in prepared:
        mode = "in one transaction" if step.transactional else "in autocommit, statement by statement"
        done = "undo of" if step.spec.action.is_undo else "apply"
        start = f", resuming at statement {step.start_at + 1}" if step.start_at else ""
        body = [s.text if s.text.rstrip().endswith(";") else s.text + ";" for s in step.statements[step.start_at:]]
        record = "undone" if step.spec.action.is_undo else "applied"
        locks = [f"-- first: lock {', '.join(f'{s}.{t}' if s else t for s, t, _ in step.upfront)} (lock-upfront, "
                 "each in the one mode the file needs, in schema and name order)"] if step.upfront else []
        parts.append("\n".join([f"-- {done} {step.script}: {len(step.statements)} statement(s) {mode}{start}",
                                *locks, *body,
                                f"-- + bookkeeping: history row and event recording it {record}"]))
    return "\n\n".join(parts)
