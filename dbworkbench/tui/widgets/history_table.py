"""HistoryTable: every history row (applies, undos, baselines), newest first, with status, filterable."""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable

from dbworkbench.core.history import HistoryRow

STATUS_STYLE = {
    "applied": ("✓", "success"), "failed": ("✗", "error"), "checksum mismatch": ("≠", "warning"),
    "missing file": ("?", "warning"), "out of order": ("↯", "warning"), "baseline": ("⊢", "secondary"),
    "undone": ("↶", "secondary"), "undo": ("↶", "accent"), "superseded": ("·", "foreground-muted"),
    "undo failed": ("✗", "error"), "outdated": ("↻", "warning"),
}
"""Symbol and theme variable for each status."""


class HistoryTable(DataTable[str | Text]):
    """The history pane: rank, version, status, description, applied at, by, duration, checksum."""

    class RowChosen(Message):
        """The cursor moved to a row: show that migration."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self._rows: list[tuple[HistoryRow, str]] = []
        self.text_filter = ""
        """Only rows whose version, description or script contain this (case-insensitive)."""
        self.status_filter = ""
        """Only rows with this status; empty for all."""

    COLUMNS = (("#", 5), ("version", 9), ("status", 18), ("description", 28), ("applied at", 11), ("by", 10),
               ("ms", 6), ("checksum", 8))
    """Column labels and fixed widths (fixed, so 10 000 rows need no measuring)."""

    def on_mount(self) -> None:
        for label, width in self.COLUMNS:
            self.add_column(label, width=width)

    def set_rows(self, rows: list[tuple[HistoryRow, str]]) -> None:
        """Replace the rows (newest first), keeping filters."""
        self._rows = rows
        self._render_rows()

    def set_filter(self, text: str, status: str = "") -> None:
        """Filter by text and status."""
        self.text_filter, self.status_filter = text.lower(), status
        self._render_rows()

    def _render_rows(self) -> None:
        variables = self.app.theme_variables
        needle, wanted = self.text_filter, self.status_filter
        self.clear()
        rows = []
        keys = []
        for row, status in self._rows:
            if wanted and status != wanted:
                continue
            if needle and needle not in f"{row.version or ''} {row.description} {row.script}".lower():
                continue
            symbol, variable = STATUS_STYLE.get(status, ("•", "foreground"))
            rows.append((str(row.rank), row.version or "R", Text(f"{symbol} {status}", style=variables.get(variable, ""), justify="left"),
                         row.description, f"{row.installed_on:%m-%d %H:%M}", row.installed_by, str(row.execution_ms),
                         (row.checksum or "")[:8]))
            keys.append(f"{row.rank}:{row.version or row.description}")
        for key, cells in zip(keys, rows, strict=False):
            self.add_row(*cells, key=key)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        event.stop()
        if event.row_key.value:
            self.post_message(self.RowChosen(event.row_key.value.split(":", 1)[1]))
