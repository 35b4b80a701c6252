"""HistoryTable: every history row (applies, undos, baselines), newest first, with status, filterable.

Virtualised with Textual's line API: rows are kept as plain tuples and only the lines on screen are
rendered, so 10 000 rows load and scroll as fast as 10.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from dbworkbench.core.history import HistoryRow
from dbworkbench.core.planner import Entry, row_states

STATUS_STYLE = {
    "applied": ("✓", "success"), "failed": ("✗", "error"), "checksum mismatch": ("≠", "warning"),
    "missing file": ("?", "warning"), "out of order": ("↯", "warning"), "baseline": ("⊢", "secondary"),
    "undone": ("↶", "secondary"), "undo": ("↶", "accent"), "superseded": ("·", "foreground-muted"),
    "undo failed": ("✗", "error"), "outdated": ("↻", "warning"),
}
"""Symbol and theme variable for each status."""

COLUMNS = (("#", 6), ("version", 9), ("status", 19), ("description", 28), ("applied at", 12), ("by", 10),
           ("ms", 7), ("checksum", 8))
"""Column labels and widths."""

_Line = tuple[tuple[str, ...], str, str]
"""A row ready to draw: cells, status theme variable, key."""


def status_matches(status: str, wanted: str) -> bool:
    """`wanted` names `status`: the whole label, its start, or the start of one of its words."""
    return status.startswith(wanted) or any(word.startswith(wanted) for word in status.split())


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


class HistoryTable(ScrollView, can_focus=True):
    """The history pane: rank, version, status, description, applied at, by, duration, checksum."""

    COMPONENT_CLASSES = {"history-table--header", "history-table--cursor", "history-table--zebra"}
    DEFAULT_CSS = """
    HistoryTable { height: 1fr; background: $surface; }
    HistoryTable > .history-table--header { text-style: bold; background: $panel; color: $foreground; }
    HistoryTable > .history-table--cursor { background: $primary 30%; }
    HistoryTable:focus > .history-table--cursor { background: $primary; color: $background; }
    HistoryTable > .history-table--zebra { background: $panel 40%; }
    """
    BINDINGS = [
        Binding("up,k", "move(-1)", "Up", show=False, id="history-up"),
        Binding("down,j", "move(1)", "Down", show=False, id="history-down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="history-page-up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="history-page-down"),
        Binding("home", "jump(0)", "First", show=False, id="history-first"),
        Binding("end", "jump(-1)", "Last", show=False, id="history-last"),
    ]

    cursor_row: reactive[int] = reactive(0)
    """Index of the highlighted row among the shown (filtered) rows."""

    class RowChosen(Message):
        """The cursor moved to a row: show that migration."""

        def __init__(self, key: str) -> None:
            super().__init__()
            self.key = key

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._rows: list[tuple[HistoryRow, str]] = []
        self._lines: list[_Line] = []
        self.text_filter = ""
        """Only rows whose version, description or script contain this (case-insensitive)."""
        self.status_filter = ""
        """Only rows with this status; empty for all."""
        self._width = sum(w for _, w in COLUMNS) + len(COLUMNS)

    @property
    def row_count(self) -> int:
        """Rows shown after filtering."""
        return len(self._lines)

    def set_rows(self, rows: list[tuple[HistoryRow, str]]) -> None:
        """Replace the rows (newest first), keeping filters and, where it still exists, the cursor's row."""
        key = self._lines[self.cursor_row][2] if self._lines and self.cursor_row < len(self._lines) else None
        self._rows = rows
        self._rebuild(keep=key)

    def show_history(self, entries: tuple[Entry, ...], rows: tuple[HistoryRow, ...]) -> None:
        """Every history row with what it means now (`core.planner.row_states`), newest first."""
        self.set_rows(row_states(list(entries), list(rows)))

    def set_filter(self, text: str, status: str = "") -> None:
        """Filter by text and status (a state as shown, a prefix of one of its words, `_` for a space)."""
        self.text_filter, self.status_filter = text.lower(), status.lower().replace("_", " ")
        self._rebuild(keep=None, announce=True)

    def set_query(self, query: str) -> None:
        """Filter by a typed query: words, and `status:STATE` (`status:mismatch`, `status:fail`, `status:undo_failed`)."""
        words = query.split()
        status = next((w.split(":", 1)[1] for w in words if w.lower().startswith("status:")), "")
        self.set_filter(" ".join(w for w in words if not w.lower().startswith("status:")), status)

    def _rebuild(self, *, keep: str | None, announce: bool = False) -> None:
        """Redraw the shown rows; `announce`: the person filtered, so the row under the cursor is chosen even when
        it sits at the same index as before (a filter leaving one row)."""
        needle, wanted = self.text_filter, self.status_filter
        lines: list[_Line] = []
        for row, status in self._rows:
            if wanted and not status_matches(status, wanted):
                continue
            if needle and needle not in f"{row.version or ''} {row.description} {row.script}".lower():
                continue
            symbol, variable = STATUS_STYLE.get(status, ("•", "foreground"))
            cells = (str(row.rank), row.version or "R", f"{symbol} {status}", row.description,
                     f"{row.installed_on:%m-%d %H:%M}", row.installed_by, str(row.execution_ms), (row.checksum or "")[:8])
            lines.append((cells, variable, f"{row.rank}:{row.version or row.description}"))
        self._lines = lines
        self.virtual_size = Size(self._width, len(lines) + 1)
        index = next((i for i, line in enumerate(lines) if line[2] == keep), 0) if keep else 0
        before = self.cursor_row
        self.cursor_row = min(index, max(0, len(lines) - 1))
        if announce and self.cursor_row == before and lines:
            self.post_message(self.RowChosen(lines[self.cursor_row][2].split(":", 1)[1]))  # same index, new row
        self.refresh()

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        width = self.scrollable_content_region.width
        if y == 0:
            text = " ".join(_fit(label, w) for label, w in COLUMNS)
            strip = Strip([Segment(text.ljust(self._width), self.get_component_rich_style("history-table--header"))])
            return strip.crop(scroll_x, scroll_x + width)
        index = scroll_y + y - 1
        if index >= len(self._lines):
            return Strip.blank(width, self.rich_style)
        cells, variable, _ = self._lines[index]
        base = self.rich_style
        if index == self.cursor_row:
            base = base + self.get_component_rich_style("history-table--cursor")
        elif index % 2:
            base = base + self.get_component_rich_style("history-table--zebra")
        colour = self.app.theme_variables.get(variable)
        status_style = base + Style(color=colour) if colour and index != self.cursor_row else base
        segments = []
        for column, ((_, w), cell) in enumerate(zip(COLUMNS, cells, strict=True)):
            segments.append(Segment(_fit(cell, w) + " ", status_style if column == 2 else base))
        return Strip(segments).extend_cell_length(self._width, base).crop(scroll_x, scroll_x + width)

    def watch_cursor_row(self, previous: int, current: int) -> None:
        self.refresh()
        visible = max(1, self.scrollable_content_region.height - 1)
        if current < self.scroll_offset.y:
            self.scroll_to(y=current, animate=False)
        elif current >= self.scroll_offset.y + visible:
            self.scroll_to(y=current - visible + 1, animate=False)
        if self._lines and current < len(self._lines):
            self.post_message(self.RowChosen(self._lines[current][2].split(":", 1)[1]))

    def action_move(self, delta: int) -> None:
        if self._lines:
            self.cursor_row = max(0, min(len(self._lines) - 1, self.cursor_row + delta))

    def action_page(self, direction: int) -> None:
        self.action_move(direction * max(1, self.scrollable_content_region.height - 2))

    def action_jump(self, where: int) -> None:
        if self._lines:
            self.cursor_row = 0 if where == 0 else len(self._lines) - 1

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            index = self.scroll_offset.y + event.y - 1
            if 0 <= index < len(self._lines):
                self.cursor_row = index
