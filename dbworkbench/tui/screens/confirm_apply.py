"""ConfirmApplyModal: what will run, in the order a reviewer reads it: the files (each with its lint verdict,
approval and undo), then the SQL with the bookkeeping folded, then, on a protected database, the typed name.

When the gate would refuse the write (an unsafe change without an approval), the modal says so before anything
is typed and offers no way to run it.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from dbworkbench.tui.widgets.sql_view import SqlView


class ConfirmApplyModal(ModalScreen[bool]):
    """Dismisses with True only when confirmed (and, when protected, the environment's name typed)."""

    DEFAULT_CSS = """
    ConfirmApplyModal { align: center middle; }
    ConfirmApplyModal > Vertical { width: 95%; height: 95%; border: thick $error; background: $surface; padding: 0 1; }
    ConfirmApplyModal .title { text-style: bold; color: $error; width: 1fr; }
    ConfirmApplyModal #files { height: auto; max-height: 30%; }
    ConfirmApplyModal #refusal-box { height: auto; max-height: 30%; }
    ConfirmApplyModal .refusal { color: $error; height: auto; }
    ConfirmApplyModal SqlView { height: 1fr; min-height: 3; border: round $panel; }
    ConfirmApplyModal Horizontal { height: auto; }
    ConfirmApplyModal Horizontal Label { padding: 0 1 0 0; }
    ConfirmApplyModal Input { width: 1fr; }
    """
    BINDINGS = [Binding("escape", "refuse", "Cancel", id="confirm-cancel")]

    def __init__(self, *, environment: str, action: str, files: tuple[str, ...], sql: str, protected: bool,
                 refusal: str | None = None) -> None:
        super().__init__()
        self.environment = environment
        self.action = action
        self.files = files
        self.sql = sql
        self.protected = protected
        self.refusal = refusal

    def compose(self) -> ComposeResult:
        with Vertical():
            heading = f"{self.action} on {'PROTECTED ' if self.protected else ''}environment {self.environment}"
            yield Label(heading.upper() if self.protected else heading, classes="title")
            yield Label(f"{len(self.files)} file(s) will run, in this order:")
            with VerticalScroll(id="files"):
                for line in self.files:
                    yield Static(f"  {line}", markup=False)
            if self.refusal is not None:
                with VerticalScroll(id="refusal-box"):
                    yield Static(f"refused before anything runs: {self.refusal}", classes="refusal", markup=False,
                                 id="refusal")
            yield SqlView(id="plan-sql")
            with Horizontal():
                if self.protected and self.refusal is None:
                    yield Label(f"Type {self.environment} to run it:", markup=False)
                    yield Input(placeholder="type the name here", id="typed-name", compact=True)
                if self.refusal is None:
                    yield Button("Run", variant="error" if self.protected else "primary", id="run",
                                 disabled=self.protected, compact=True)
                yield Button("Close (Esc)" if self.refusal else "Cancel (Esc)", id="cancel", compact=True)

    def on_mount(self) -> None:
        self.query_one(SqlView).show_sql(self.sql)
        if self.refusal is not None:
            self.query_one("#cancel", Button).focus()
        else:
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
        if self.refusal is None:
            self.dismiss(True)

    @on(Button.Pressed, "#cancel")
    def action_refuse(self) -> None:
        self.dismiss(False)
