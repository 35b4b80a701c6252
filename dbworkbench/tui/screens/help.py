"""HelpScreen: every key of the workbench, from the bindings themselves."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label


class HelpScreen(ModalScreen[None]):
    """A table of keys and what they do."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 70; height: 80%; border: round $primary; background: $surface; }
    """
    BINDINGS = [Binding("escape,q,f1", "close", "Close", id="help-close")]

    def __init__(self, bindings: list[tuple[str, str]]) -> None:
        super().__init__()
        self.bindings = bindings

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(" Keys (remap them under [keys] in dbworkbench.toml, by binding id)")
            table: DataTable[str] = DataTable(cursor_type="row")
            yield table

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("key", "action")
        table.add_rows(self.bindings)
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
