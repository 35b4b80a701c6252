"""WritingScreen: the workbench's write flow, for every key that runs migrations (u, d, m, t, r).

A protected environment is read-only until `w`; each write is then planned (a dry run), shown for the typed name,
and run statement by statement with progress, cancellable with Esc. The engine's gate (`app.gate`) still checks
approvals, so the workbench and the CLI refuse the same things.
"""

from __future__ import annotations

from textual import on
from textual.reactive import reactive

from dbworkbench.app.engine import EngineApi
from dbworkbench.app.vocabulary import Verb
from dbworkbench.core.cancel import CancelToken
from dbworkbench.errors import MigrationInterruptedError
from dbworkbench.tui import messages as msg
from dbworkbench.tui.screens.confirm_apply import ConfirmApplyModal
from dbworkbench.tui.screens.engine_screen import EngineBackedScreen
from dbworkbench.tui.screens.error import ErrorModal
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

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITE_ACTIONS and (self.busy or (self.protected_as is not None and not self.writable)):
            return None
        if action == "enable_writes":
            return self.protected_as is not None
        return True

    def watch_busy(self) -> None:
        self.refresh_bindings()

    def watch_writable(self) -> None:
        self.refresh_bindings()

    def write(self, verb: Verb, target: str | None = None) -> None:
        """Run a write: straight away, or after the typed confirmation on a protected database."""
        if self.protected_as is not None:
            self._dry_run(verb, target)
        else:
            self._start_apply(verb, target, None)

    @on(msg.DryRunReady)
    def _dry_run_ready(self, message: msg.DryRunReady) -> None:
        scripts = tuple(step.script for step in message.report.planned)
        if not scripts:
            self.query_one(ProgressStrip).say(f"nothing to {message.verb}.")
            return

        name = self.protected_as or self.engine.environment

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._start_apply(message.verb, message.target, name)
            else:
                self.query_one(ProgressStrip).say(f"{message.verb} cancelled: nothing was run.")

        self.app.push_screen(ConfirmApplyModal(environment=name, action=message.verb, scripts=scripts,
                                               sql=message.report.dry_run_sql or "",
                                               protected=self.protected_as is not None), confirmed)

    def _start_apply(self, verb: Verb, target: str | None, confirmed_as: str | None) -> None:
        self.busy = True
        self._cancel = CancelToken()
        self._apply(verb, target, self._cancel, confirmed_as)

    @on(msg.EngineEventReceived)
    def _engine_event(self, message: msg.EngineEventReceived) -> None:
        self.query_one(ProgressStrip).show_event(message.event)

    @on(msg.ActionFinished)
    def _action_finished(self, message: msg.ActionFinished) -> None:
        self.busy = False
        steps = message.report.steps
        total = sum(s.elapsed_ms for s in steps)
        self.query_one(ProgressStrip).say(f"✓ {message.verb}: {len(steps)} file(s) in {total:.0f} ms" if steps
                                          else f"nothing to {message.verb}.")
        self.after_write()

    @on(msg.OperationFailed)
    def _failed(self, message: msg.OperationFailed) -> None:
        if message.operation in WRITE_ACTIONS.values():
            self.busy = False
            self.after_write()
        if isinstance(message.error, MigrationInterruptedError):
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
