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
        self._outside: dict[str, str] = {}
        """Keys whose file runs outside a transaction (marker or detected), with why."""
        self._badges: dict[str, list[str]] = {}

    def on_mount(self) -> None:
        for label, width in (("version", 9), ("lint", 9), ("description", 28), ("badges", 22)):
            self.add_column(label, width=width, key=label)

    def set_lint(self, worst: dict[str, Severity | None], outside_transaction: dict[str, str] | None = None) -> None:
        """Show each pending file's worst lint finding and whether it runs outside a transaction (kept for later
        redraws)."""
        self._worst = dict(worst)
        self._outside = dict(outside_transaction or {})
        self._paint_lint()

    def _paint_lint(self) -> None:
        for key, badges in self._badges.items():
            if key in self.rows:
                shown = [b for b in badges if b != "⚡no-tx"]
                if key in self._outside:
                    shown.insert(1 if shown[:1] == ["↶undo"] else 0, "⚡no-tx")
                self.update_cell(key, "badges", " ".join(shown))
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
        keep = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value if self.row_count else None
        self.clear()
        self._badges = {}
        for entry in pending:
            assert entry.file is not None
            badges = [b for b, on in (
                ("↶undo", entry.file.undo_sql is not None), ("⚡no-tx", entry.file.no_transaction),
                ("↻repeatable", entry.version is None), ("⟳resume", entry.state is State.FAILED),
                ("↯late", entry.state is State.OUT_OF_ORDER)) if on]
            self._badges[entry.key] = badges
            self.add_row(entry.version.text if entry.version else "R", "…", entry.description, " ".join(badges),
                         key=entry.key)
        self._paint_lint()
        keys = [e.key for e in pending]
        if keep in keys:
            self.move_cursor(row=keys.index(keep), scroll=True)
        return keys

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(self.RowChosen(event.row_key.value))
