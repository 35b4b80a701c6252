"""ConfirmApplyModal: shows exactly what will run; on a protected environment the name must be typed."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label

from dbworkbench.tui.widgets.sql_view import SqlView


class ConfirmApplyModal(ModalScreen[bool]):
    """Dismisses with True only when confirmed (and, when protected, the environment's name typed)."""

    DEFAULT_CSS = """
    ConfirmApplyModal { align: center middle; }
    ConfirmApplyModal > Vertical { width: 90%; height: 85%; border: thick $error; background: $surface; padding: 0 1; }
    ConfirmApplyModal .title { text-style: bold; color: $error; width: 1fr; }
    ConfirmApplyModal SqlView { height: 1fr; border: round $panel; }
    ConfirmApplyModal Horizontal { height: auto; }
    ConfirmApplyModal Input { width: 1fr; }
    """
    BINDINGS = [Binding("escape", "refuse", "Cancel", id="confirm-cancel")]

    def __init__(self, *, environment: str, action: str, scripts: tuple[str, ...], sql: str, protected: bool) -> None:
        super().__init__()
        self.environment = environment
        self.action = action
        self.scripts = scripts
        self.sql = sql
        self.protected = protected

    def compose(self) -> ComposeResult:
        with Vertical():
            heading = f"{self.action} on {'PROTECTED ' if self.protected else ''}environment {self.environment}"
            yield Label(heading.upper() if self.protected else heading, classes="title")
            yield Label(f"{len(self.scripts)} file(s): {', '.join(self.scripts)}")
            yield SqlView(id="plan-sql")
            if self.protected:
                yield Label(f"Type {self.environment!r} to run it, Escape to cancel:")
            with Horizontal():
                if self.protected:
                    yield Input(placeholder=self.environment, id="typed-name")
                yield Button("Run", variant="error" if self.protected else "primary", id="run",
                             disabled=self.protected)
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one(SqlView).show_sql(self.sql)
        (self.query_one(Input) if self.protected else self.query_one("#run", Button)).focus()

    @on(Input.Changed, "#typed-name")
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#run", Button).disabled = event.value != self.environment

    @on(Input.Submitted, "#typed-name")
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value == self.environment:
            self.dismiss(True)

    @on(Button.Pressed, "#run")
    def _run(self) -> None:
        self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_refuse(self) -> None:
        self.dismiss(False)
