"""DriftModal: changes made outside migrations, each with the migration that last touched the object."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class DriftModal(ModalScreen[None]):
    """The drift report."""

    DEFAULT_CSS = """
    DriftModal { align: center middle; }
    DriftModal > Vertical { width: 90%; height: 80%; border: thick $warning; background: $surface; padding: 0 1; }
    DriftModal .title { text-style: bold; color: $warning; }
    """
    BINDINGS = [Binding("escape,q", "close", "Close", id="drift-close")]

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Drift: {len(self.lines)} change(s) made outside migrations" if self.lines
                        else "No drift: the live schema is what the applied migrations built.", classes="title")
            with VerticalScroll():
                yield Static("\n".join(self.lines), id="drift-lines")

    def action_close(self) -> None:
        self.dismiss(None)
