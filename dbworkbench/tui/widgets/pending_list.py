"""PendingList: the files the next migrate runs (`State.is_pending`), in the order they will run, with badges."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from dbworkbench.core.planner import Entry, State
from dbworkbench.lint.findings import Severity


class PendingList(DataTable[str | Text]):
    """The pending pane: version, worst lint finding, description, badges (undo, no transaction, repeatable)."""

    class RowChosen(Message):
        """The cursor moved to a pending file."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", **kwargs)  # type: ignore[arg-type]
        self._worst: dict[str, Severity | None] = {}
        """The latest lint verdict per key, painted again whenever the rows are redrawn."""

    def on_mount(self) -> None:
        for label, width in (("version", 9), ("lint", 9), ("description", 28), ("badges", 22)):
            self.add_column(label, width=width, key=label)

    def set_lint(self, worst: dict[str, Severity | None]) -> None:
        """Show each pending file's worst lint finding (kept for later redraws)."""
        self._worst = dict(worst)
        self._paint_lint()

    def _paint_lint(self) -> None:
        variables = self.app.theme_variables
        for key, severity in self._worst.items():
            if key in self.rows:
                label = "✓" if severity is None else {Severity.ERROR: "✗ unsafe", Severity.WARNING: "! warn",
                                                       Severity.INFO: "i info"}[severity]
                colour = {None: "success", Severity.ERROR: "error", Severity.WARNING: "warning",
                          Severity.INFO: "foreground"}[severity]
                self.update_cell(key, "lint", Text(label, style=variables.get(colour, ""), justify="left"))

    def set_entries(self, entries: tuple[Entry, ...]) -> list[str]:
        """Show the pending entries; returns their keys in run order."""
        pending = [e for e in entries if e.state.is_pending and e.file is not None]
        pending.sort(key=lambda e: 0 if e.state is State.FAILED else 1)
        self.clear()
        for entry in pending:
            assert entry.file is not None
            badges = " ".join(b for b, on in (
                ("↶undo", entry.file.undo_sql is not None), ("⚡no-tx", entry.file.no_transaction),
                ("↻repeatable", entry.version is None), ("⟳resume", entry.state is State.FAILED),
                ("↯late", entry.state is State.OUT_OF_ORDER)) if on)
            self.add_row(entry.version.text if entry.version else "R", "…", entry.description, badges, key=entry.key)
        self._paint_lint()
        return [e.key for e in pending]

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(self.RowChosen(event.row_key.value))
