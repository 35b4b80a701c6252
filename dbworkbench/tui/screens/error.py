"""ErrorModal: title, file:line:column, SQLSTATE, message, hint and the statement; never kills the app."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from dbworkbench.errors import DbWorkbenchError, MigrationFailedError


class ErrorModal(ModalScreen[None]):
    """Shows one DbWorkbenchError."""

    DEFAULT_CSS = """
    ErrorModal { align: center middle; }
    ErrorModal > Vertical { width: 85%; height: auto; max-height: 80%; border: thick $error; background: $surface;
                            padding: 0 1; }
    ErrorModal .title { text-style: bold; color: $error; }
    ErrorModal .where { color: $warning; }
    ErrorModal VerticalScroll { height: auto; max-height: 20; }
    """
    BINDINGS = [Binding("escape,enter", "close", "Close", id="error-close")]

    def __init__(self, error: DbWorkbenchError, *, operation: str) -> None:
        super().__init__()
        self.error = error
        self.operation = operation

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"{self.operation} failed: {self.error.title}", classes="title")
            if isinstance(self.error, MigrationFailedError):
                f = self.error.failure
                yield Label(f"{f.path}:{f.line}:{f.column}  SQLSTATE {f.sqlstate or '-'}", classes="where")
            with VerticalScroll():
                yield Static(self.error.message, id="error-message")
            yield Button("Close", id="close", variant="primary")

    def on_mount(self) -> None:
        self.query_one(Button).focus()

    def on_button_pressed(self) -> None:
        self.dismiss(None)

    def action_close(self) -> None:
        self.dismiss(None)
