"""MainScreen: the panes, the actions, the thread workers that call the engine, and the handlers that draw.

Workers compute (one engine call each, result posted as a message); handlers mutate widgets. Nothing here
holds migration logic: every decision is the engine's.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, Input, TabbedContent, TabPane
from textual.worker import Worker, WorkerState

from dbworkbench.core.api import StatusReport
from dbworkbench.core.cancel import CancelToken
from dbworkbench.core.facade import EngineApi
from dbworkbench.core.maintenance import ShowReport
from dbworkbench.core.planner import row_states
from dbworkbench.errors import DbWorkbenchError, MigrationInterruptedError
from dbworkbench.lint.findings import Finding, Severity
from dbworkbench.tui import messages as msg
from dbworkbench.tui.screens.approve import ApprovalModal
from dbworkbench.tui.screens.confirm_apply import ConfirmApplyModal
from dbworkbench.tui.screens.drift import DriftModal
from dbworkbench.tui.screens.environment import EnvironmentModal
from dbworkbench.tui.screens.error import ErrorModal
from dbworkbench.tui.screens.workers import EngineWorkers
from dbworkbench.tui.widgets.history_table import HistoryTable
from dbworkbench.tui.widgets.pending_list import PendingList
from dbworkbench.tui.widgets.preview_pane import PreviewPane
from dbworkbench.tui.widgets.progress_strip import ProgressStrip
from dbworkbench.tui.widgets.schema_tree import SchemaTree
from dbworkbench.tui.widgets.status_header import StatusHeader

WRITE_ACTIONS = {"step_up": "up", "step_down": "down", "migrate_all": "migrate", "migrate_to_selected": "migrate",
                 "redo": "redo"}
"""Screen actions that write, and the engine action each runs."""


class MainScreen(EngineWorkers, Screen[None]):
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

    busy: reactive[bool] = reactive(False)
    """An action is running: writes are disabled until it ends."""
    writable: reactive[bool] = reactive(False)
    """On a protected environment, the person asked to write (each write still needs the typed name)."""

    def __init__(self, engine: EngineApi) -> None:
        super().__init__()
        self.engine = engine
        self.report: StatusReport | None = None
        self.shown: ShowReport | None = None
        """The migration in the preview, redrawn when its lint findings arrive."""
        self.findings: dict[str, list[Finding]] = {}
        self.measured: dict[str, list[str]] = {}
        """Measured effects by script, once `analyze` ran."""
        """Lint findings by migration key, for the pending pane and the Lint tab."""
        self.selected_key: str | None = None
        self._cancel: CancelToken | None = None

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

    # --- handlers: the only place widgets change ------------------------------------------------------------

    @on(msg.StatusLoaded)
    def _status_loaded(self, message: msg.StatusLoaded) -> None:
        self.report = message.report
        self._draw_header()
        self._draw_report()
        self._lint(message.report)
        if self.selected_key is None:
            pending = [e for e in message.report.entries if e.row is None and e.file is not None]
            if pending:
                self.selected_key = pending[0].key
                entry = pending[0]
                assert entry.file is not None
                self._show(ShowReport(entry, None, entry.file.up_sql, (), None, ()))
            elif message.report.entries:
                self.selected_key = message.report.entries[-1].key
                self._load_detail(self.selected_key)

    def _draw_header(self) -> None:
        self.query_one(StatusHeader).show(project=self.engine.project, environment=self.engine.environment,
                                          protected=self.engine.protected, writable=self.writable, report=self.report)

    def _draw_report(self) -> None:
        if self.report is None:
            return
        self.query_one(HistoryTable).set_rows(row_states(list(self.report.entries), list(self.report.rows)))
        self.query_one(PendingList).set_entries(self.report.entries)

    @on(HistoryTable.RowChosen)
    @on(PendingList.RowChosen)
    def _row_chosen(self, message: HistoryTable.RowChosen | PendingList.RowChosen) -> None:
        self.selected_key = message.key
        self._load_detail(message.key)

    @on(msg.DetailLoaded)
    def _detail_loaded(self, message: msg.DetailLoaded) -> None:
        if message.key == self.selected_key:
            self._show(message.report)

    def _show(self, report: ShowReport) -> None:
        self.shown = report
        script = report.entry.file.script if report.entry.file else report.entry.script
        measured = next((lines for name, lines in self.measured.items() if name.endswith(script)), None)
        self.query_one(PreviewPane).show_migration(report, self.findings.get(report.entry.key), measured)

    @on(msg.AnalysisReady)
    def _analysis_ready(self, message: msg.AnalysisReady) -> None:
        measured: dict[str, list[str]] = {}
        for report in message.reports:
            lines = measured.setdefault(report.script, [])
            lines.append(f"statement {report.index + 1} (line {report.line}): {report.excerpt}")
            lines += [f"    {s}" for s in report.consequences or ("no lock that blocks writers, no scan, no rewrite",)]
        self.measured = measured
        self.query_one(ProgressStrip).say(f"analyzed {len(measured)} pending file(s): see the Lint tab.")
        if self.shown is not None:
            self._show(self.shown)

    @on(msg.SchemaChangeReady)
    def _schema_change_ready(self, message: msg.SchemaChangeReady) -> None:
        self.query_one(PreviewPane).show_schema_change(message.key, message.lines)
        self.query_one(ProgressStrip).say(f"schema before and after {message.key}: see the Diff tab.")

    @on(msg.DriftReady)
    def _drift_ready(self, message: msg.DriftReady) -> None:
        self.query_one(ProgressStrip).say(f"drift: {len(message.lines)} change(s) made outside migrations.",
                                          error=bool(message.lines))
        self.app.push_screen(DriftModal(message.lines))

    @on(msg.ApprovalWritten)
    def _approval_written(self, message: msg.ApprovalWritten) -> None:
        self.notify(f"wrote {message.path}: commit it with the migration.")
        if self.report is not None:
            self._lint(self.report)

    @on(msg.LintReady)
    def _lint_ready(self, message: msg.LintReady) -> None:
        self.findings = message.findings
        self.query_one(PendingList).set_lint(
            {key: max((f.severity for f in found), default=None) for key, found in message.findings.items()})
        if self.shown is not None and self.shown.entry.key == self.selected_key:
            self._show(self.shown)

    @on(msg.PlanReady)
    def _plan_ready(self, message: msg.PlanReady) -> None:
        sql = message.report.dry_run_sql or ""
        scripts = tuple(line.split(":")[0].removeprefix("-- ") for line in sql.splitlines()
                        if line.startswith("-- ") and ": " in line and not line.startswith("-- warning"))
        if not scripts:
            self.query_one(ProgressStrip).say(f"nothing to {message.action}.")
            return

        def confirmed(answer: bool | None) -> None:
            if answer:
                self._start_apply(message.action, message.target)
            else:
                self.query_one(ProgressStrip).say(f"{message.action} cancelled: nothing was run.")

        self.app.push_screen(ConfirmApplyModal(environment=self.engine.environment, action=message.action,
                                               scripts=scripts, sql=sql, protected=self.engine.protected), confirmed)

    def _start_apply(self, action: str, target: str | None) -> None:
        self.busy = True
        self._cancel = CancelToken()
        self._apply(action, target, self._cancel)

    @on(msg.EngineEventReceived)
    def _engine_event(self, message: msg.EngineEventReceived) -> None:
        self.query_one(ProgressStrip).show_event(message.event)

    @on(msg.ActionFinished)
    def _action_finished(self, message: msg.ActionFinished) -> None:
        self.busy = False
        steps = message.report.steps
        total = sum(s.elapsed_ms for s in steps)
        self.query_one(ProgressStrip).say(f"✓ {message.action}: {len(steps)} file(s) in {total:.0f} ms" if steps
                                          else f"nothing to {message.action}.")
        self._after_write()

    def _after_write(self) -> None:
        self._load_status()
        if self.selected_key:
            self._load_detail(self.selected_key)
        self.query_one(SchemaTree).reload()

    @on(msg.ValidationFinished)
    def _validated(self, message: msg.ValidationFinished) -> None:
        report = message.report
        problems = [f"{e.script}: {e.state.value}" for e in report.status.problems] + list(report.pending_errors)
        self.query_one(ProgressStrip).say("valid: files and history agree." if report.ok else
                                          "✗ " + " · ".join(problems), error=not report.ok)

    @on(msg.OperationFailed)
    def _failed(self, message: msg.OperationFailed) -> None:
        if message.operation in WRITE_ACTIONS.values():
            self.busy = False
            self._after_write()
        if isinstance(message.error, MigrationInterruptedError):
            self.query_one(ProgressStrip).say(f"✗ {message.operation} cancelled: {message.error.message}", error=True)
            return
        self.query_one(ProgressStrip).say(f"✗ {message.operation}: {message.error.title}", error=True)
        self.app.push_screen(ErrorModal(message.error, operation=message.operation))

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

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        words = event.value.split()
        status = next((w.split(":", 1)[1].replace("_", " ") for w in words if w.startswith("status:")), "")
        self.query_one(HistoryTable).set_filter(" ".join(w for w in words if not w.startswith("status:")), status)

    # --- actions ------------------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in WRITE_ACTIONS:
            if self.busy or (self.engine.protected and not self.writable):
                return None
        if action == "enable_writes":
            return self.engine.protected
        if action == "cancel":
            return True
        return True

    def watch_busy(self) -> None:
        self.refresh_bindings()

    def watch_writable(self) -> None:
        self.refresh_bindings()
        if self.is_mounted:
            self._draw_header()

    def _write(self, action: str, target: str | None = None) -> None:
        if self.engine.protected:
            self._plan(action, target)
        else:
            self._start_apply(action, target)

    def action_step_up(self) -> None:
        self._write("up")

    def action_step_down(self) -> None:
        self._write("down")

    def action_migrate_all(self) -> None:
        self._write("migrate")

    def action_migrate_to_selected(self) -> None:
        entry = next((e for e in self.report.entries if e.key == self.selected_key), None) if self.report else None
        if entry is None or entry.version is None:
            self.query_one(ProgressStrip).say("select a versioned migration first.", error=True)
            return
        self._write("migrate", entry.version.text)

    def action_analyze(self) -> None:
        self.query_one(ProgressStrip).say("analyzing: rehearsing pending files on a scratch copy…")
        self._analyze()

    def action_schema_change(self) -> None:
        if self.selected_key is None:
            return
        self.query_one(ProgressStrip).say(f"rebuilding the schema on a scratch copy to show {self.selected_key}…")
        self._schema_change(self.selected_key)

    def action_drift(self) -> None:
        self.query_one(ProgressStrip).say("checking drift: replaying history on a scratch copy…")
        self._drift()

    def action_approve_selected(self) -> None:
        key = self.selected_key
        unsafe = [f for f in self.findings.get(key or "", []) if f.severity is Severity.ERROR]
        if key is None or not unsafe:
            self.query_one(ProgressStrip).say("select a pending file with unsafe findings to approve.", error=True)
            return
        script = unsafe[0].path

        def approved(reason: str | None) -> None:
            if reason:
                self._approve(key, reason)

        self.app.push_screen(ApprovalModal(script, unsafe), approved)

    def action_redo(self) -> None:
        self._write("redo")

    def action_validate(self) -> None:
        self.query_one(ProgressStrip).say("validating…")
        self._validate()

    def action_refresh(self) -> None:
        self._after_write()

    def action_enable_writes(self) -> None:
        self.writable = not self.writable

    def action_cancel(self) -> None:
        if self.busy and self._cancel is not None:
            self._cancel.cancel()
            self.query_one(ProgressStrip).say("cancelling: the running statement is being cancelled…", error=True)
        elif self.query_one("#filter").display:
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
