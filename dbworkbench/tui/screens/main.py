"""MainScreen: the panes (history, pending, schema tree, preview) and the read-only actions.

Each pane is a widget that keeps and draws its own state (`HistoryTable` its rows and filter, `PendingList` its
lint cells, `PreviewPane` the migration on show with its findings and measurements); this screen routes the
engine's results to them. Review actions are `ReviewingScreen`'s, writes `WritingScreen`'s, and engine calls
`EngineBackedScreen`'s workers.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from dbworkbench.app.engine import EngineApi
from dbworkbench.app.reports import ShowReport
from dbworkbench.app.vocabulary import Verb
from dbworkbench.errors import DbWorkbenchError
from dbworkbench.tui import messages as msg
from dbworkbench.tui.screens.environment import EnvironmentModal
from dbworkbench.tui.screens.error import ErrorModal
from dbworkbench.tui.screens.reviewing import ReviewingScreen
from dbworkbench.tui.widgets.history_table import HistoryTable
from dbworkbench.tui.widgets.pending_list import PendingList
from dbworkbench.tui.widgets.preview_pane import PreviewPane
from dbworkbench.tui.widgets.progress_strip import ProgressStrip
from dbworkbench.tui.widgets.schema_tree import SchemaTree
from dbworkbench.tui.widgets.status_header import StatusHeader


class MainScreen(ReviewingScreen):
    """History, pending files, schema browser, preview, progress."""

    BINDINGS = [
        Binding("u", "step_up", "Up", id="step-up"),
        Binding("d", "step_down", "Down", id="step-down"),
        Binding("m", "migrate_all", "Migrate", id="migrate-all"),
        Binding("t", "migrate_to_selected", "To here", id="migrate-to-selected"),
        Binding("r", "redo", "Redo", id="redo"),
        Binding("v", "validate", "Validate", id="validate"),
        Binding("f5", "refresh", "Refresh", id="refresh"),
        Binding("e", "switch_environment", "Env", id="switch-environment"),
        Binding("w", "enable_writes", "Writes", id="enable-writes"),
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("a", "analyze", "Analyze", id="analyze", show=False),
        Binding("A", "approve_selected", "Approve", id="approve-selected", show=False),
        Binding("b", "schema_change", "Before/after", id="schema-change", show=False),
        Binding("D", "drift", "Drift", id="drift", show=False),
        Binding("escape", "cancel", "Cancel", id="cancel", show=False),
        Binding("c", "copy_sql", "Copy SQL", id="copy-sql", show=False),
        Binding("1", "show_tab('migrations')", "Migrations", id="show-migrations", show=False),
        Binding("2", "show_tab('schema')", "Schema", id="show-schema", show=False),
    ]

    def __init__(self, engine: EngineApi) -> None:
        super().__init__(engine)

    def compose(self) -> ComposeResult:
        yield StatusHeader(id="header")
        with Horizontal(id="body"):
            with TabbedContent(id="browser", initial="migrations"):
                with TabPane("Migrations", id="migrations"):
                    yield Input(placeholder="filter: text, status:failed …", id="filter")
                    with Vertical(id="history-box"):
                        yield HistoryTable(id="history")
                    with Vertical(id="pending-box"):
                        yield PendingList(id="pending")
                with TabPane("Schema", id="schema"):
                    yield SchemaTree(id="schema-tree")
            yield PreviewPane(id="preview")
        yield ProgressStrip(id="progress")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#history-box").border_title = "History"
        self.query_one("#pending-box").border_title = "Pending"
        self.query_one("#filter").display = False
        self.query_one(HistoryTable).focus()
        self._draw_header()
        self.watch(self.app, "theme", lambda _: self._draw_report(), init=False)
        self._load_status()
        self.query_one(SchemaTree).reload()

    # --- status, history and pending panes ---------------------------------------------------------------------

    @on(msg.StatusLoaded)
    def _status_loaded(self, message: msg.StatusLoaded) -> None:
        self.report = message.report
        self.refresh_bindings()
        self._draw_header()
        self._draw_report()
        self._lint(message.report)
        if self.selected_key is None:
            pending = message.report.pending
            if pending:
                entry = pending[0]
                assert entry.file is not None
                self.selected_key = entry.key
                self.query_one(PreviewPane).show_migration(ShowReport(entry, None, entry.file.up_sql, (), None, ()))
            elif message.report.entries:
                self.selected_key = message.report.entries[-1].key
                self._load_detail(self.selected_key)

    @property
    def protected_as(self) -> str | None:
        """The configured protection, or the database's own (its mark, or a protected environment's URL)."""
        if self.report is not None and self.report.protected_as is not None:
            return self.report.protected_as
        return super().protected_as

    def _draw_header(self) -> None:
        self.query_one(StatusHeader).show(project=self.engine.project, environment=self.engine.environment,
                                          protected=self.protected_as is not None, writable=self.writable,
                                          report=self.report)

    def _draw_report(self) -> None:
        if self.report is not None:
            self.query_one(HistoryTable).show_history(self.report.entries, self.report.rows)
            self.query_one(PendingList).set_entries(self.report.entries)

    def watch_writable(self) -> None:
        super().watch_writable()
        if self.is_mounted:
            self._draw_header()

    def after_write(self) -> None:
        self._load_status()
        if self.selected_key:
            self._load_detail(self.selected_key)
        self.query_one(SchemaTree).reload()

    @on(HistoryTable.RowChosen)
    @on(PendingList.RowChosen)
    def _row_chosen(self, message: HistoryTable.RowChosen | PendingList.RowChosen) -> None:
        self.selected_key = message.key
        self._load_detail(message.key)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_one(HistoryTable).set_query(event.value)

    # --- preview pane --------------------------------------------------------------------------------------------

    @on(msg.DetailLoaded)
    def _detail_loaded(self, message: msg.DetailLoaded) -> None:
        if message.key == self.selected_key:
            self.query_one(PreviewPane).show_migration(message.report)

    # --- schema pane ---------------------------------------------------------------------------------------------

    @on(SchemaTree.LoadRequested)
    def _catalog_requested(self, message: SchemaTree.LoadRequested) -> None:
        self._load_catalog(message.node.data)

    @on(msg.CatalogLoaded)
    def _catalog_loaded(self, message: msg.CatalogLoaded) -> None:
        tree = self.query_one(SchemaTree)
        node = tree.find(message.node)
        if node is not None:
            tree.add_loaded(node, message.children)

    @on(SchemaTree.ObjectChosen)
    def _object_chosen(self, message: SchemaTree.ObjectChosen) -> None:
        self._load_definition(message.node)

    @on(msg.DefinitionLoaded)
    def _definition_loaded(self, message: msg.DefinitionLoaded) -> None:
        self.query_one(PreviewPane).show_object(message.node, message.ddl)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A worker died of something that is not a DbWorkbenchError: a bug, shown, never fatal."""
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            if event.worker.group == "apply":
                self.busy = False
            self.app.push_screen(ErrorModal(DbWorkbenchError(
                f"{type(error).__name__}: {error}. This is a bug in dbworkbench; the workbench keeps running. "
                "Please report it with what you were doing.", title="internal error"),
                operation=event.worker.description or "background task"))

    # --- actions that read -----------------------------------------------------------------------------------------

    def action_migrate_to_selected(self) -> None:
        entry = next((e for e in self.report.entries if e.key == self.selected_key), None) if self.report else None
        if entry is None or entry.version is None:
            self.query_one(ProgressStrip).say("select a versioned migration first.", error=True)
            return
        self.write(Verb.MIGRATE, entry.version.text)

    def action_refresh(self) -> None:
        self.after_write()

    def action_cancel(self) -> None:
        if not self.cancel_write() and self.query_one("#filter").display:
            self.query_one("#filter", Input).value = ""
            self.query_one("#filter").display = False
            self.query_one(HistoryTable).focus()

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    def action_copy_sql(self) -> None:
        self.app.copy_to_clipboard(self.query_one(PreviewPane).current_sql)
        self.notify("SQL copied to the clipboard.")

    def action_show_tab(self, tab: str) -> None:
        self.query_one("#browser", TabbedContent).active = tab

    def action_switch_environment(self) -> None:
        if not self.engine.environments:
            self.notify("No environments are defined in dbworkbench.toml.", severity="warning")
            return

        def chosen(name: str | None) -> None:
            if name and name != self.engine.environment:
                try:
                    engine = self.engine.for_environment(name)
                except DbWorkbenchError as error:
                    self.app.push_screen(ErrorModal(error, operation="switch environment"))
                    return
                self.app.switch_screen(MainScreen(engine))

        self.app.push_screen(EnvironmentModal(self.engine.environments, self.engine.environment), chosen)
