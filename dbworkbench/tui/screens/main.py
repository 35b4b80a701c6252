"""MainScreen: the panes (history, pending, schema tree, preview) and the read-only actions.

Each pane is a widget that keeps and draws its own state (`HistoryTable` its rows and filter, `PendingList` its
lint cells, `PreviewPane` the migration on show with its findings and measurements); this screen routes the
engine's results to them. Review actions are `ReviewingScreen`'s, writes `WritingScreen`'s, and engine calls
`EngineBackedScreen`'s workers.
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from dbworkbench.app.engine import EngineApi
from dbworkbench.app.reports import PlannedStep, ShowReport
from dbworkbench.app.vocabulary import Verb
from dbworkbench.core.cancel import CancelToken
from dbworkbench.core.catalog_browser import CatalogNode
from dbworkbench.core.planner import State
from dbworkbench.errors import DbWorkbenchError
from dbworkbench.lint.findings import Severity
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

COMPACT_WIDTH = 110
"""Narrower than this, the browser and the preview are shown one at a time, each at full width."""


class MainScreen(ReviewingScreen):
    """History, pending files, schema browser, preview, progress."""

    BINDINGS = [
        Binding("u", "step_up", "Up", id="step-up"),
        Binding("d", "step_down", "Down", id="step-down"),
        Binding("m", "migrate_all", "Migrate", id="migrate-all"),
        Binding("w", "enable_writes", "Writes", id="enable-writes"),
        Binding("e", "switch_environment", "Env", id="switch-environment"),
        Binding("T", "show_targets", "Targets", id="show-targets"),
        Binding("p", "toggle_preview", "Preview", id="toggle-preview"),
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("t", "migrate_to_selected", "To here", id="migrate-to-selected"),
        Binding("r", "redo", "Redo", id="redo"),
        Binding("v", "validate", "Validate", id="validate"),
        Binding("f5", "refresh", "Refresh", id="refresh"),
        Binding("a", "analyze", "Analyze", id="analyze", show=False),
        Binding("A", "approve_selected", "Approve", id="approve-selected", show=False),
        Binding("b", "schema_change", "Before/after", id="schema-change", show=False),
        Binding("D", "drift", "Drift", id="drift", show=False),
        Binding("escape", "cancel", "Cancel", id="cancel", show=False),
        Binding("c", "copy_sql", "Copy SQL", id="copy-sql", show=False),
        Binding("1", "show_tab('migrations')", "Migrations", id="show-migrations", show=False),
        Binding("2", "show_tab('schema')", "Schema", id="show-schema", show=False),
        Binding("s", "show_preview('tab-sql')", "Preview SQL", id="preview-sql", show=False),
        Binding("n", "show_preview('tab-undo')", "Preview undo", id="preview-undo", show=False),
        Binding("f", "show_preview('tab-diff')", "Preview diff", id="preview-diff", show=False),
        Binding("i", "show_preview('tab-info')", "Preview info", id="preview-info", show=False),
        Binding("l", "show_preview('tab-lint')", "Preview lint", id="preview-lint", show=False),
        Binding("g", "preflight", "Pre-flight", id="preflight", show=False),
        Binding("o", "preview_rows", "Rows", id="preview-rows", show=False),
        Binding("X", "step_into", "Step into", id="step-into", show=False),
        Binding("G", "generate_undo", "Generate undo", id="generate-undo", show=False),
        Binding("R", "accept_change", "Accept change", id="accept-change", show=False),
    ]

    def __init__(self, engine: EngineApi) -> None:
        super().__init__(engine)
        self._newest_first = False
        """The next status shows the newest history row (after a write ran files)."""
        self.chosen_object: CatalogNode | None = None
        """The schema-tree object last selected (for its rows, `o`)."""
        self._rows_cancel: CancelToken | None = None
        """Stops the data preview's query while it runs (Esc)."""

    def on_resize(self, event: events.Resize) -> None:
        """Below COMPACT_WIDTH columns the browser and the preview take the whole width in turn (`p` toggles)."""
        compact = event.size.width < COMPACT_WIDTH
        if compact != self.has_class("-compact"):
            self.set_class(compact, "-compact")
            self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_preview":
            return self.has_class("-compact")
        if action == "show_targets":
            return self.engine.fleet is not None
        return super().check_action(action, parameters)

    def action_toggle_preview(self) -> None:
        self.toggle_class("-preview-shown")
        if self.has_class("-preview-shown"):
            self.query_one("#preview-tabs", TabbedContent).focus()
        else:
            self.query_one(HistoryTable).focus()

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
        yield Footer(compact=True)

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
        if self._newest_first:
            self._newest_first = False
            self.query_one(HistoryTable).action_jump(0)
        if self.selected_key is not None and all(e.key != self.selected_key for e in message.report.entries):
            self.selected_key = None  # its file was deleted (and its history undone): show something that exists
        if self.selected_key is not None:
            self._load_detail(self.selected_key)
            return
        pending = message.report.pending
        if pending:
            entry = pending[0]
            assert entry.file is not None
            self.selected_key = entry.key
            self.query_one(PreviewPane).show_migration(ShowReport(entry, None, entry.file.up_sql, (), None, ()))
        elif message.report.entries:
            self.selected_key = message.report.entries[-1].key
            self._load_detail(self.selected_key)
        else:
            self.query_one(PreviewPane).show_nothing()

    @property
    def protected_as(self) -> str | None:
        """The configured protection, or the database's own (its mark, or a protected environment's URL)."""
        if self.report is not None and self.report.protected_as is not None:
            return self.report.protected_as
        return super().protected_as

    def expected_state(self) -> str | None:
        """The history mark of the status on screen: a write planned here refuses to run on another state."""
        return self.report.history_mark if self.report is not None else None

    def describe_step(self, step: PlannedStep) -> str:
        """`apply sql/V3__x.sql · lint: 1 unsafe, unapproved · undo: yes · no transaction · measured: …`."""
        preview = self.query_one(PreviewPane)
        entry = next((e for e in self.report.entries if (e.version.canonical == step.version if e.version else
                                                         step.version is None and step.script.endswith(e.script))),
                     None) if self.report else None
        parts = [f"{step.action} {step.script}"]
        if entry is not None and not step.action.is_undo:
            found = preview.findings.get(entry.key)
            if found is None:
                parts.append("lint: not run yet")
            else:
                unsafe = sum(f.severity is Severity.ERROR for f in found)
                approved = sum(f.message.startswith("approved by ") for f in found)
                warnings = sum(f.severity is Severity.WARNING for f in found)
                parts.append("lint: " + (", ".join(filter(None, [
                    f"{unsafe} unsafe, unapproved" if unsafe else "", f"{approved} approved" if approved else "",
                    f"{warnings} warning(s)" if warnings else ""])) or "clean"))
            has_undo = entry.file is not None and entry.file.undo_sql is not None
            parts.append("undo: yes" if has_undo else "undo: none (cannot be stepped down)")
            measured = preview.measured.get(step.script)
            if measured:
                parts.append(f"measured: {measured[0].strip()}")
        if not step.transactional:
            parts.append("no transaction")
        return " · ".join(parts)

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
        """Reload status (then the selected migration's detail, if it still exists) and the schema tree."""
        self._load_status()
        self.query_one(SchemaTree).reload()

    @on(msg.ActionFinished)
    def _show_newest_history(self, message: msg.ActionFinished) -> None:
        self._newest_first = bool(message.report.steps)

    @on(HistoryTable.RowChosen)
    @on(PendingList.RowChosen)
    def _row_chosen(self, message: HistoryTable.RowChosen | PendingList.RowChosen) -> None:
        self.selected_key = message.key
        self._load_detail(message.key)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.query_one(HistoryTable).set_query(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self) -> None:
        self.query_one(HistoryTable).focus()

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
        self.chosen_object = message.node
        self._load_definition(message.node)

    def action_preview_rows(self) -> None:
        node = self.chosen_object
        if node is None or node.kind not in ("table", "view", "matview"):
            self.query_one(ProgressStrip).say("select a table or view in the Schema tab (2) to see its rows.",
                                              error=True)
            return
        self.query_one(ProgressStrip).say(f"reading the first rows of {node.schema}.{node.name} (read-only; Esc "
                                          "stops it)…")
        self._rows_cancel = CancelToken()
        self._load_rows(node, self._rows_cancel)
        if self.has_class("-compact"):
            self.add_class("-preview-shown")

    @on(msg.RowsLoaded)
    def _rows_loaded(self, message: msg.RowsLoaded) -> None:
        self._rows_cancel = None
        self.query_one(PreviewPane).show_rows(message.node, message.columns, message.rows)
        self.query_one(ProgressStrip).say(f"{message.node.schema}.{message.node.name}: {len(message.rows)} row(s) "
                                          "shown (Data tab).")

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

    def action_step_into(self) -> None:
        pending = self.report.pending if self.report else ()
        if not pending:
            self.query_one(ProgressStrip).say("nothing is pending: there is no file to step into.", error=True)
            return
        self.step_into(pending[0].key)

    def action_accept_change(self) -> None:
        entry = next((e for e in self.report.entries if e.key == self.selected_key), None) if self.report else None
        if entry is None or entry.state is not State.CHECKSUM_MISMATCH:
            self.query_one(ProgressStrip).say("select a migration whose file changed since it ran (≠ checksum "
                                              "mismatch) to accept its change.", error=True)
            return
        self.accept_change(entry.key)

    def action_refresh(self) -> None:
        self.after_write()

    def action_cancel(self) -> None:
        if self._rows_cancel is not None:
            self._rows_cancel.cancel()
            self._rows_cancel = None
            self.query_one(ProgressStrip).say("data preview stopped.")
            return
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

    def action_preflight(self) -> None:
        super().action_preflight()
        if self.has_class("-compact"):
            self.add_class("-preview-shown")

    def action_show_preview(self, tab: str) -> None:
        self.query_one("#preview-tabs", TabbedContent).active = tab
        if self.has_class("-compact"):
            self.add_class("-preview-shown")

    def action_show_targets(self) -> None:
        if self.engine.fleet is not None:
            self.post_message(msg.TargetsViewRequested(self.engine.fleet))

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
                if engine.is_fleet:
                    self.post_message(msg.TargetsViewRequested(engine))
                else:
                    self.app.switch_screen(MainScreen(engine))

        self.app.push_screen(EnvironmentModal(self.engine.environments, self.engine.environment), chosen)
