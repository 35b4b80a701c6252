"""TargetsScreen: a fleet environment's Targets view, the grid of every target's migration states; Enter opens
the workbench's panes on the chosen target (where u / d / m step it, through every check a single database gets)."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from dbworkbench.tui import messages as msg
from dbworkbench.tui.screens.engine_screen import EngineBackedScreen
from dbworkbench.tui.screens.error import ErrorModal
from dbworkbench.tui.widgets.targets_table import TargetsTable


class TargetsScreen(EngineBackedScreen):
    """The grid of a fleet's targets."""

    DEFAULT_CSS = """
    TargetsScreen #targets-title { height: 1; background: $panel; color: $foreground; text-style: bold; padding: 0 1; }
    TargetsScreen #targets-legend { height: 1; color: $foreground-muted; padding: 0 1; }
    """
    BINDINGS = [
        Binding("enter", "open_target", "Open", id="open-target"),
        Binding("f5", "refresh", "Refresh", id="refresh-targets"),
    ]

    def compose(self) -> ComposeResult:
        yield Static(f" {self.engine.project} · {self.engine.environment} · reading targets…", id="targets-title")
        yield TargetsTable(id="targets")
        yield Static("✓ applied  · pending  ✗ failed  ≠ checksum mismatch  ? missing file  ↯ out of order  "
                     "Enter: open the target", id="targets-legend")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(TargetsTable).focus()
        self._load_targets()

    @work(thread=True, exclusive=True, group="targets", exit_on_error=False, description="reading targets")
    def _load_targets(self) -> None:
        self._post_result("targets", lambda: msg.TargetsLoaded(self.engine.targets_grid()))

    @on(msg.TargetsLoaded)
    def _targets_loaded(self, message: msg.TargetsLoaded) -> None:
        grid = message.grid
        self.query_one(TargetsTable).show(grid)
        self.query_one("#targets-title", Static).update(
            f" {self.engine.project} · {grid.environment} · {len(grid.rows)} target(s), {grid.behind} behind or "
            "with problems")

    @on(msg.OperationFailed)
    def _failed(self, message: msg.OperationFailed) -> None:
        self.query_one("#targets-title", Static).update(f" {self.engine.environment} · {message.error.title}")
        self.app.push_screen(ErrorModal(message.error, operation=message.operation))

    @on(DataTable.RowSelected)
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_target()

    def action_open_target(self) -> None:
        name = self.query_one(TargetsTable).chosen_target
        if name is not None:
            self._open_target(name)

    @work(thread=True, exclusive=True, group="open-target", exit_on_error=False, description="opening a target")
    def _open_target(self, name: str) -> None:
        self._post_result("open target", lambda: msg.TargetOpenRequested(self.engine.for_target(name)))

    def action_refresh(self) -> None:
        self._load_targets()
