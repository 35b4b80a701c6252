"""EnvironmentModal: pick another environment of the project."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList


class EnvironmentModal(ModalScreen[str | None]):
    """Dismisses with the chosen environment's name, or None."""

    DEFAULT_CSS = """
    EnvironmentModal { align: center middle; }
    EnvironmentModal > Vertical { width: 50; height: auto; border: round $primary; background: $surface; }
    """
    BINDINGS = [Binding("escape", "close", "Cancel", id="environment-cancel")]

    def __init__(self, names: tuple[str, ...], current: str) -> None:
        super().__init__()
        self.names = names
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(" Switch environment")
            yield OptionList(*[f"{n}{'  (current)' if n == self.current else ''}" for n in self.names])

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.names[event.option_index])

    def action_close(self) -> None:
        self.dismiss(None)
