"""TargetsTable: a fleet's grid, one row per target (version, applied, pending, problems) and one column per
migration with its state's symbol, coloured by the theme."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from dbworkbench.app.fleet_grid import TargetsGrid
from dbworkbench.core.planner import State
from dbworkbench.tui.widgets.history_table import STATUS_STYLE

PENDING_STYLE = ("·", "foreground-muted")
"""A pending migration's cell."""


class TargetsTable(DataTable[Text]):
    """Targets × migrations; the row key is the target's name."""

    DEFAULT_CSS = """
    TargetsTable { height: 1fr; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=True, **kwargs)  # type: ignore[arg-type]
        self.grid: TargetsGrid | None = None
        """The grid on show."""

    def show(self, grid: TargetsGrid) -> None:
        """Draw `grid`, keeping the cursor on the same target where it still exists."""
        colours = self.app.theme_variables
        chosen = self.chosen_target
        self.grid = grid
        self.clear(columns=True)
        self.add_columns("target", "version", "applied", "pending", "problems",
                         *(key[-4:] for key in grid.keys))
        for row in grid.rows:
            if row.error:
                cells = [Text(row.target), Text("—"), Text(""), Text(""), Text(row.error.splitlines()[0][:60],
                                                                               style=colours.get("error", ""))]
                cells += [Text("") for _ in grid.keys]
            else:
                cells = [Text(row.target), Text(row.version or "-"), Text(str(row.applied)), Text(str(row.pending)),
                         Text(str(row.problems), style=colours.get("error", "") if row.problems else "")]
                cells += [self._cell(row.states.get(key), colours) for key in grid.keys]
            self.add_row(*cells, key=row.target)
        names = [r.target for r in grid.rows]
        if chosen in names:
            self.move_cursor(row=names.index(chosen))

    @property
    def chosen_target(self) -> str | None:
        """The target under the cursor."""
        if self.grid is None or not self.grid.rows or not 0 <= self.cursor_row < len(self.grid.rows):
            return None
        return self.grid.rows[self.cursor_row].target

    @staticmethod
    def _cell(state: State | None, colours: dict[str, str]) -> Text:
        if state is None:
            return Text(" ")
        symbol, variable = PENDING_STYLE if state is State.PENDING else STATUS_STYLE.get(state.value, ("•", "foreground"))
        return Text(symbol, style=colours.get(variable, ""), justify="center")
