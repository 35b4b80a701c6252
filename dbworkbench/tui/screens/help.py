"""HelpScreen: every key of the workbench, from the bindings themselves."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Label

_NAMES = {"slash": "/", "escape": "Esc", "enter": "Enter", "tab": "Tab", "space": "Space", "up": "↑", "down": "↓",
          "left": "←", "right": "→", "pageup": "PgUp", "pagedown": "PgDn", "home": "Home", "end": "End"}


def key_label(key: str) -> str:
    """A binding's key as a person reads it: `slash` → `/`, `ctrl+t` → `Ctrl+T`, `f5` → `F5`, `A` → `Shift+A`."""
    def one(part: str) -> str:
        if part in _NAMES:
            return _NAMES[part]
        if part in ("ctrl", "shift", "alt", "meta", "super"):
            return part.capitalize()
        if len(part) > 1 and part[0] == "f" and part[1:].isdigit():
            return part.upper()
        if len(part) == 1 and part.isupper():
            return f"Shift+{part}"
        return part.upper() if len(part) == 1 and "+" in key else part
    return " / ".join("+".join(one(p) for p in alternative.split("+")) for alternative in key.split(","))


class HelpScreen(ModalScreen[None]):
    """A table of keys and what they do."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 90%; max-width: 100; height: 90%; border: round $primary; background: $surface; }
    """
    BINDINGS = [Binding("escape,q,f1", "close", "Close", id="help-close")]

    def __init__(self, bindings: list[tuple[str, str, str]]) -> None:
        super().__init__()
        self.bindings = bindings
        """(key as shown, what it does, binding id) per key."""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(" Keys: remap them under [keys] in dbworkbench.toml, by binding id", markup=False)
            table: DataTable[str] = DataTable(cursor_type="row")
            yield table

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("key", "action", "binding id")
        table.add_rows(self.bindings)
        table.focus()

    def action_close(self) -> None:
        self.dismiss(None)
