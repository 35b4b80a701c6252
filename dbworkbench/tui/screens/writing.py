"""WritingScreen: the workbench's write flow, for every key that runs migrations (u, d, m, t, r).

A protected environment is read-only until `w`, and again after each write; a write there is planned (a dry run),
shown with each file's verdict and refused before any typing when the gate would refuse it, then run after the typed
name, statement by statement with progress, cancellable with Esc. Every write carries the history mark of the state
on screen (`Expected`): the engine refuses, running nothing, when the target changed meanwhile, and the screen
reloads. The engine's gate (`app.gate`) still checks approvals, so the workbench and the CLI refuse the same things.
"""

from __future__ import annotations

from textual import on
from textual.reactive import reactive

from dbworkbench.app.engine import EngineApi
from dbworkbench.app.reports import Expected, PlannedStep
from dbworkbench.app.vocabulary import Verb
from dbworkbench.core.cancel import CancelToken
from dbworkbench.errors import CancelledError, StaleStateError
from dbworkbench.tui import messages as msg
from dbworkbench.tui.screens.confirm_apply import ConfirmApplyModal
from dbworkbench.tui.screens.engine_screen import EngineBackedScreen
from dbworkbench.tui.screens.error import ErrorModal
from dbworkbench.tui.screens.stepper import StepperModal
from dbworkbench.tui.widgets.progress_strip import ProgressStrip

WRITE_ACTIONS = {"step_up": Verb.UP, "step_down": Verb.DOWN, "migrate_all": Verb.MIGRATE,
                 "migrate_to_selected": Verb.MIGRATE, "redo": Verb.REDO}
"""Screen actions that write, and the verb each runs."""


class WritingScreen(EngineBackedScreen):
    """Runs writes: plan, confirm, apply, progress, cancel; refreshes what the screen shows after each."""

    busy: reactive[bool] = reactive(False)
    """A write is running: other writes are disabled until it ends."""
    writable: reactive[bool] = reactive(False)
    """On a protected environment, the person asked to write (each write still needs the typed name)."""

    def __init__(self, engine: EngineApi) -> None:
        super().__init__(engine)
        self._cancel: CancelToken | None = None

    def after_write(self) -> None:
        """Reload what a write may have changed (the screen built on this one says what)."""

    @property
    def protected_as(self) -> str | None:
        """The name a write must be confirmed with, or None (the screen built on this one knows the database's)."""
        return self.engine.environment if self.engine.protected else None

    def expected_state(self) -> str | None:
        """The history mark of the state on screen (the screen built on this one knows it), or None."""
        return None

    def describe_step(self, step: PlannedStep) -> str:
        """One line about a planned file for the confirmation: verdict, approval, undo (the screen knows them)."""
        return f"{step.action} {step.script}"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "enable_writes":
            return self.protected_as is not None
        return True

    def watch_busy(self) -> None:
        self.refresh_bindings()

    def watch_writable(self) -> None:
        self.refresh_bindings()

    def _refused(self, what: str, *, writes: bool = True) -> bool:
        """Say why `what` cannot start now (a write is running; read-only on a protected database) and return True;
        False when it may start."""
        strip = self.query_one(ProgressStrip)
        if self.busy:
            strip.say(f"a write is running: wait for it, or press Esc to cancel it, before {what}.", error=True)
            return True
        if writes and self.protected_as is not None and not self.writable:
            strip.say(f"read-only: {self.protected_as} is protected; press w to enable writes, then {what} again.",
                      error=True)
            return True
        return False

    def write(self, verb: Verb, target: str | None = None) -> None:
        """Run a write: straight away, or after the typed confirmation on a protected database."""
        if self._refused(verb):
            return
        if self.protected_as is not None:
            self._dry_run(verb, target)
        else:
            mark = self.expected_state()
            self._start_apply(verb, target, None, Expected(mark) if mark is not None else None)

    def accept_change(self, key: str) -> None:
        """Repair one migration (accept its changed file), after the same confirmation as any write."""
        if not self._refused("accept"):
            self._plan_repair(key, self.expected_state())

    def step_into(self, key: str) -> None:
        """Step into the next pending file statement by statement (a scratch copy on a protected database)."""
        if self._refused("step into", writes=False):  # a protected database is stepped on a scratch copy
            return
        self.busy = True
        self.query_one(ProgressStrip).say(f"stepping into {key}: opening its transaction…")
        self._step_into(key, self.expected_state())

    @on(msg.SteppingOpened)
    def _stepping_opened(self, message: msg.SteppingOpened) -> None:
        def ended(how: str | None) -> None:
            self.busy = False
            self.query_one(ProgressStrip).say(f"step into {message.key}: {how or 'closed'}.",
                                              error=how == "failed")
            self.after_write()

        self.app.push_screen(StepperModal(message.session, target=self.protected_as or self.engine.environment),
                             ended)

    @on(msg.RepairPlanned)
    def _repair_planned(self, message: msg.RepairPlanned) -> None:
        name = self.protected_as or self.engine.environment

        def confirmed(answer: bool | None) -> None:
            if answer:
                self.busy = True
                self._repair(message.key, name, message.history_mark)
            else:
                self.query_one(ProgressStrip).say("accept cancelled: nothing was changed.")

        self.app.push_screen(ConfirmApplyModal(
            environment=name, action=f"accept the change to {message.key} (repair)",
            files=(*message.report.changes, "the replaced text and checksum are kept in the event log"),
            sql=message.report.sql, protected=self.protected_as is not None), confirmed)

    @on(msg.RepairDone)
    def _repair_done(self, message: msg.RepairDone) -> None:
        self.busy = False
        self.writable = False
        self.query_one(ProgressStrip).say(f"✓ accepted: {'; '.join(message.report.changes)}")
        self.after_write()

    @on(msg.DryRunReady)
    def _dry_run_ready(self, message: msg.DryRunReady) -> None:
        report = message.report
        if not report.planned:
            self.query_one(ProgressStrip).say(f"nothing to {message.verb}.")
            return
        shown = self.expected_state()
        if shown is not None and shown != report.history_mark:
            self.query_one(ProgressStrip).say(f"✗ {message.verb}: the history changed since this screen was "
                                              "loaded; reloaded, nothing was run: look again.", error=True)
            self.after_write()
            return

        name = self.protected_as or self.engine.environment

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._start_apply(message.verb, message.target, name, Expected(report.history_mark, report.planned))
            else:
                self.query_one(ProgressStrip).say(f"{message.verb} cancelled: nothing was run.")

        self.app.push_screen(ConfirmApplyModal(
            environment=name, action=message.verb, files=tuple(self.describe_step(s) for s in report.planned),
            sql=report.review_sql or report.dry_run_sql or "", protected=self.protected_as is not None,
            refusal=report.refusal), confirmed)

    def _start_apply(self, verb: Verb, target: str | None, confirmed_as: str | None,
                     expected: Expected | None) -> None:
        self.busy = True
        self._cancel = CancelToken()
        self._apply(verb, target, self._cancel, confirmed_as, expected)

    @on(msg.EngineEventReceived)
    def _engine_event(self, message: msg.EngineEventReceived) -> None:
        self.query_one(ProgressStrip).show_event(message.event)

    @on(msg.ActionFinished)
    def _action_finished(self, message: msg.ActionFinished) -> None:
        self.busy = False
        self.writable = False
        steps = message.report.steps
        total = sum(s.elapsed_ms for s in steps)
        self.query_one(ProgressStrip).say(f"✓ {message.verb}: {len(steps)} file(s) in {total:.0f} ms" if steps
                                          else f"nothing to {message.verb}.")
        self.after_write()

    @on(msg.OperationFailed)
    def _failed(self, message: msg.OperationFailed) -> None:
        if message.operation in (*WRITE_ACTIONS.values(), "repair", "step into"):
            self.busy = False
            self.writable = False
            self.after_write()
        if isinstance(message.error, StaleStateError):
            self.query_one(ProgressStrip).say(f"✗ {message.operation}: the history changed since this screen was "
                                              "loaded; reloaded, nothing was run: look again.", error=True)
            self.notify(message.error.message, title="history changed", severity="warning", timeout=12)
            return
        if isinstance(message.error, CancelledError):
            self.query_one(ProgressStrip).say(f"✗ {message.operation} cancelled: {message.error.message}", error=True)
            return
        self.query_one(ProgressStrip).say(f"✗ {message.operation}: {message.error.title}", error=True)
        self.app.push_screen(ErrorModal(message.error, operation=message.operation))

    def cancel_write(self) -> bool:
        """Cancel the running write (the running statement through `cancel_safe`); False when none runs."""
        if not (self.busy and self._cancel is not None):
            return False
        self._cancel.cancel()
        self.query_one(ProgressStrip).say("cancelling: the running statement is being cancelled…", error=True)
        return True

    def action_step_up(self) -> None:
        self.write(Verb.UP)

    def action_step_down(self) -> None:
        self.write(Verb.DOWN)

    def action_migrate_all(self) -> None:
        self.write(Verb.MIGRATE)

    def action_redo(self) -> None:
        self.write(Verb.REDO)

    def action_enable_writes(self) -> None:
        self.writable = not self.writable
