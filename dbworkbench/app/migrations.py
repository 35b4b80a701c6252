"""The verbs that run migration files: migrate, up, down, redo.

Each reads the target's state under the migration lock, plans, prepares every file (so a syntax error or a
missing undo stops it before anything runs), passes the gate (`app.gate`), then runs the files one by one,
each in its own transaction with its history row.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import replace

from dbworkbench.app.gate import (
    Confirm,
    ConfirmRequest,
    mark_protected,
    protection_of,
    require_approvals,
    require_confirmation,
    target_name,
)
from dbworkbench.app.hooks import HookContext, run_hook
from dbworkbench.app.reports import ApplyReport, Expected, PlannedStep, StepResult
from dbworkbench.app.state import prepare_steps, read_state, render_dry_run, render_review, require_history
from dbworkbench.app.vocabulary import Verb
from dbworkbench.config import Settings
from dbworkbench.core import events as ev
from dbworkbench.core.cancel import CancelToken
from dbworkbench.core.executor import Executor
from dbworkbench.core.locking import lock_key
from dbworkbench.core.planner import State, StepAction, StepSpec, plan_backward, plan_forward
from dbworkbench.core.project_state import ProjectState, history_mark
from dbworkbench.core.session import Session, open_session
from dbworkbench.core.steps import PreparedStep
from dbworkbench.core.versions import version_argument
from dbworkbench.core.watch import BlockWatch
from dbworkbench.errors import ChecksumMismatchError, DbWorkbenchError, PlanError, StaleStateError

Planner = Callable[[ProjectState], list[StepSpec]]
"""Decides which files a verb runs, from the target's state."""


def _planned(prepared: list[PreparedStep]) -> tuple[PlannedStep, ...]:
    return tuple(PlannedStep(p.script, p.version, p.spec.action, len(p.statements), p.transactional)
                 for p in prepared)


def _check_expected(expected: Expected | None, state: ProjectState, planned: tuple[PlannedStep, ...],
                    verb: Verb) -> None:
    """Refuse a write planned on a state that is no longer the target's (nothing has run yet)."""
    if expected is None:
        return
    require_history(state, expected.history_mark, verb)
    if expected.planned is not None and [(p.script, p.action) for p in expected.planned] != \
            [(p.script, p.action) for p in planned]:
        raise StaleStateError(f"the files changed after this {verb} was planned: it would now run "
                              f"{', '.join(p.script for p in planned) or 'nothing'}, not what was shown. Nothing was "
                              "run; look at the refreshed state and ask again.")


def _write(settings: Settings, verb: Verb, planner: Planner, *, dry_run: bool, confirm: Confirm | None,
           on_event: ev.EventSink | None, cancel: CancelToken | None, per_statement: bool,
           expected: Expected | None = None) -> ApplyReport:
    with open_session(settings, write=not dry_run, purpose=verb.value, on_event=on_event) as session:
        state = read_state(settings, session)
        specs = planner(state)
        prepared = prepare_steps(session, specs)
        planned = _planned(prepared)
        protection = protection_of(settings, session)
        # the exact SQL is shown by a dry run and confirmed on a protected database; otherwise nobody reads it
        rendered = render_dry_run(session, prepared) if dry_run or protection.protected else ""
        applied_files = [s.entry.file for s in specs if s.entry.file is not None and not s.action.is_undo]
        if dry_run:
            try:
                require_approvals(settings, protection, applied_files, session.server_major)
                refusal = None
            except PlanError as exc:
                refusal = exc.message
            return ApplyReport((), rendered, planned, history_mark(state.rows), render_review(session, prepared),
                               refusal)
        _check_expected(expected, state, planned, verb)
        if not prepared:
            return ApplyReport((), None, planned)
        require_approvals(settings, protection, applied_files, session.server_major)
        require_confirmation(protection, confirm, ConfirmRequest(protection.name or target_name(settings, session),
                                                                 verb.value, tuple(p.script for p in prepared),
                                                                 rendered))
        context = HookContext(verb.value, session.label, tuple(prepared))
        run_hook(settings, "before_migrate", context, on_event)
        results: list[StepResult] = []
        try:
            _run(session, prepared, results, on_event=on_event, cancel=cancel, per_statement=per_statement)
        except DbWorkbenchError as exc:
            run_hook(settings, "after_migrate", context, on_event, ran=_ran(results),
                     failed={"script": prepared[len(results)].script if len(results) < len(prepared) else None,
                             "error": exc.message})
            raise
        run_hook(settings, "after_migrate", context, on_event, ran=_ran(results), failed=None)
        return ApplyReport(tuple(results), None, planned)


def _ran(results: list[StepResult]) -> list[dict[str, object]]:
    return [{"script": r.script, "version": r.version, "action": r.action.value, "elapsed_ms": round(r.elapsed_ms, 1)}
            for r in results]


def _run(session: Session, prepared: list[PreparedStep], results: list[StepResult], *,
         on_event: ev.EventSink | None, cancel: CancelToken | None, per_statement: bool) -> None:
    """Run the files in order, appending each one's result as it ends (so a failure leaves the ones before)."""
    session.ensure_history()
    mark_protected(session.settings, session)
    env = session.settings.environment
    watch = BlockWatch(session.target, session.conn.info.backend_pid, on_event) if on_event is not None else None
    executor = Executor(session.conn, session.store, on_event=watch.relay if watch is not None else None,
                        should_stop=cancel.is_cancelled if cancel else None, per_statement=per_statement,
                        lock_retries=env.lock_retries, lock_retry_backoff=env.lock_retry_backoff,
                        before_each=session.reset_for_file, reset=session.reset_statements,
                        lock_key=lock_key(session.store.qualified_name))
    if cancel is not None:
        cancel.attach(session.conn)
    try:
        with watch if watch is not None else nullcontext():
            for step in prepared:
                elapsed = executor.run(step)
                results.append(StepResult(step.script, step.version, step.spec.action, elapsed))
    finally:
        if cancel is not None:
            cancel.attach(None)


def migrate(settings: Settings, *, target: str | None = None, steps: int | None = None, dry_run: bool = False,
            confirm: Confirm | None = None, on_event: ev.EventSink | None = None,
            cancel: CancelToken | None = None, per_statement: bool = False,
            expected: Expected | None = None) -> ApplyReport:
    """Apply pending migrations (all, up to `target`, or the first `steps`).

    A transactional file goes to the server as one message with its history row (one round trip), unless
    `per_statement` asks for statement-by-statement progress events and stop checks.

    Raises:
        DiscoveryError, PlanError, ChecksumMismatchError: before anything runs (PlanError also for an
            unapproved unsafe change on a protected environment).
        StaleStateError: `expected` (the state a screen planned on) is no longer the target's; nothing ran.
        MigrationFailedError: a statement failed; earlier files stay applied.
        LockError, DatabaseConnectionError, ProtectedEnvironmentError, MigrationInterruptedError.
    """
    version = version_argument(target)

    def planner(state: ProjectState) -> list[StepSpec]:
        return plan_forward(list(state.entries), target=version, steps=steps, out_of_order=settings.out_of_order)

    return _write(settings, Verb.MIGRATE, planner, dry_run=dry_run, confirm=confirm, on_event=on_event,
                  cancel=cancel, per_statement=per_statement, expected=expected)


def up(settings: Settings, *, dry_run: bool = False, confirm: Confirm | None = None,
       on_event: ev.EventSink | None = None, cancel: CancelToken | None = None,
       per_statement: bool = False, expected: Expected | None = None) -> ApplyReport:
    """Apply exactly one pending migration (the next `migrate` would run first). Raises as `migrate`."""
    def planner(state: ProjectState) -> list[StepSpec]:
        return plan_forward(list(state.entries), steps=1, out_of_order=settings.out_of_order)

    return _write(settings, Verb.UP, planner, dry_run=dry_run, confirm=confirm, on_event=on_event,
                  cancel=cancel, per_statement=per_statement, expected=expected)


def down(settings: Settings, *, target: str | None = None, steps: int | None = None, dry_run: bool = False,
         confirm: Confirm | None = None, on_event: ev.EventSink | None = None,
         cancel: CancelToken | None = None, per_statement: bool = False,
         expected: Expected | None = None) -> ApplyReport:
    """Undo applied migrations, highest version first (one by default; every version above `target`).

    Raises:
        PlanError: nothing applied, or a migration without any undo text (file or stored).
    """
    version = version_argument(target)

    def planner(state: ProjectState) -> list[StepSpec]:
        return plan_backward(list(state.entries), target=version, steps=steps)

    return _write(settings, Verb.DOWN, planner, dry_run=dry_run, confirm=confirm, on_event=on_event,
                  cancel=cancel, per_statement=per_statement, expected=expected)


def _redo_plan(state: ProjectState) -> list[StepSpec]:
    undo = plan_backward(list(state.entries), steps=1)[0]
    entry = undo.entry
    if entry.state is State.CHECKSUM_MISMATCH:
        raise ChecksumMismatchError(
            f"{entry.script} changed since it ran, so redo would undo what ran and apply something else. "
            f"See what changed with `dbworkbench show {entry.key}`; restore the file, or accept it with "
            "`dbworkbench repair` first.")
    if entry.file is None:
        raise PlanError(f"{entry.script} has no file, so it cannot be applied again after its undo.")
    again = replace(entry, state=State.PENDING, row=None)
    return [undo, StepSpec(StepAction.APPLY, again)]


def redo(settings: Settings, *, dry_run: bool = False, confirm: Confirm | None = None,
         on_event: ev.EventSink | None = None, cancel: CancelToken | None = None,
         per_statement: bool = False, expected: Expected | None = None) -> ApplyReport:
    """Undo the highest applied migration and apply its file again, under one lock.

    Raises:
        ChecksumMismatchError: the file changed since it ran. PlanError: nothing applied, no undo, no file.
    """
    return _write(settings, Verb.REDO, _redo_plan, dry_run=dry_run, confirm=confirm, on_event=on_event,
                  cancel=cancel, per_statement=per_statement, expected=expected)
