"""StepperModal: step into a pending file statement by statement inside its transaction, then commit or roll back.

Each step runs in a thread worker on the session's own connection (`app.stepping`); the modal shows, after each
statement, the rows it affected, its time, the locks the transaction now holds and the schema change so far. On a
protected database the session runs on a scratch copy and only rolling back is offered. Closing the modal in any
way ends the session (what is still open is rolled back).
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from dbworkbench.app.stepping import StepOutcome, Stepping
from dbworkbench.errors import DbWorkbenchError


class StepperModal(ModalScreen[str]):
    """Dismisses with what happened: "committed", "rolled back" or "failed"."""

    DEFAULT_CSS = """
    StepperModal { align: center middle; }
    StepperModal > Vertical { width: 95%; height: 95%; border: thick $accent; background: $surface; padding: 0 1; }
    StepperModal .title { text-style: bold; color: $accent; }
    StepperModal #statements { height: auto; max-height: 35%; border: round $panel; }
    StepperModal #outcome { height: 1fr; border: round $panel; }
    StepperModal .-error { color: $error; }
    """
    BINDINGS = [
        Binding("n,enter", "next", "Next statement", id="stepper-next"),
        Binding("c", "commit", "Commit", id="stepper-commit"),
        Binding("escape,r", "roll_back", "Roll back", id="stepper-roll-back"),
    ]

    class Stepped(Message):
        def __init__(self, outcome: StepOutcome) -> None:
            super().__init__()
            self.outcome = outcome

    class Ended(Message):
        def __init__(self, how: str, error: DbWorkbenchError | None = None) -> None:
            super().__init__()
            self.how = how
            self.error = error

    def __init__(self, session: Stepping, *, target: str) -> None:
        super().__init__()
        self.session = session
        self.target = target
        self.outcomes: list[StepOutcome] = []
        self.ended: str | None = None
        self._in_flight = False

    def compose(self) -> ComposeResult:
        where = f"on a scratch copy of {self.target} (protected: nothing reaches it)" if self.session.on_scratch \
            else f"on {self.target}, inside one transaction"
        with Vertical():
            yield Label(f"step into {self.session.script} {where}", classes="title", markup=False)
            with VerticalScroll(id="statements"):
                yield Static(id="statement-list", markup=False)
            with VerticalScroll(id="outcome"):
                yield Static("n: run the next statement · c: commit once all ran · Esc: roll back and close",
                             id="outcome-view", markup=False)
            yield Footer(compact=True)

    def on_mount(self) -> None:
        self._draw_list()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "commit":
            return self.session.done and not self.session.on_scratch and self.ended is None
        if action == "next":
            return not self.session.done and self.ended is None
        return True

    def _draw_list(self) -> None:
        lines = []
        for index, (line, excerpt) in enumerate(self.session.statements):
            mark = "✓" if index < len(self.outcomes) else "▸" if index == len(self.outcomes) else " "
            lines.append(f"{mark} {index + 1:>3}  line {line}: {excerpt}")
        self.query_one("#statement-list", Static).update("\n".join(lines))

    def action_next(self) -> None:
        if not self._in_flight and not self.session.done and self.ended is None:
            self._in_flight = True
            self._step()

    def action_commit(self) -> None:
        if not self._in_flight and self.session.done and not self.session.on_scratch and self.ended is None:
            self._in_flight = True
            self._commit()

    def action_roll_back(self) -> None:
        if self._in_flight:
            return
        if self.ended is not None:
            self.dismiss(self.ended)
            return
        self._in_flight = True
        self._roll_back()

    @work(thread=True, exclusive=True, group="stepper", exit_on_error=False)
    def _roll_back(self) -> None:
        self.session.rollback()
        self.post_message(self.Ended("rolled back"))

    @work(thread=True, exclusive=True, group="stepper", exit_on_error=False)
    def _step(self) -> None:
        try:
            self.post_message(self.Stepped(self.session.next()))
        except DbWorkbenchError as error:
            self.post_message(self.Ended("failed", error))

    @work(thread=True, exclusive=True, group="stepper", exit_on_error=False)
    def _commit(self) -> None:
        try:
            self.session.commit()
            self.post_message(self.Ended("committed"))
        except DbWorkbenchError as error:
            self.post_message(self.Ended("failed", error))

    @on(Stepped)
    def _stepped(self, message: Stepped) -> None:
        self._in_flight = False
        outcome = message.outcome
        self.outcomes.append(outcome)
        self._draw_list()
        rows = "rows not reported" if outcome.rows < 0 else f"{outcome.rows} row(s)"
        text = [f"statement {outcome.index + 1} (line {outcome.line}): {rows} · {outcome.elapsed_ms:.1f} ms",
                "", "locks held now (until commit or roll back):", *(f"  {lock}" for lock in outcome.locks or
                                                                      ["none on tables"]),
                "", "schema change so far:", *(f"  {ddl}" for ddl in outcome.schema_so_far or ["none"])]
        if self.session.done:
            text += ["", "every statement ran: c commits (recorded like migrate), Esc rolls back" if not
                     self.session.on_scratch else "every statement ran on the scratch copy: Esc rolls back"]
        self.query_one("#outcome-view", Static).update("\n".join(text))
        self.refresh_bindings()

    @on(Ended)
    def _ended(self, message: Ended) -> None:
        self._in_flight = False
        self.ended = message.how
        if message.how == "rolled back":
            self.dismiss(message.how)
            return
        view = self.query_one("#outcome-view", Static)
        if message.error is not None:
            view.update(f"{message.error.title}: {message.error.message}\n\nNothing of the file remains. Esc closes.")
            view.add_class("-error")
        else:
            view.update(f"{message.how}: {self.session.script} is recorded in history. Esc closes.")
        self.refresh_bindings()
