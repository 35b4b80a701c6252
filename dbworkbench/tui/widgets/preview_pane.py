"""PreviewPane: tabs for the selected migration (SQL, Undo, Diff, Info, Lint) or schema object (DDL)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from dbworkbench.app.analysis import StatementReport
from dbworkbench.app.generated_undo import GeneratedUndo
from dbworkbench.app.preflight import PreflightReport
from dbworkbench.app.reports import ShowReport
from dbworkbench.core.catalog_browser import CatalogNode
from dbworkbench.lint.findings import Finding, Severity
from dbworkbench.tui.widgets.sql_view import SqlView


class PreviewPane(Vertical):
    """The right-hand pane. It keeps what it shows (the migration, lint findings, measurements) and redraws itself
    when any of them arrives or the theme changes."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.shown: ShowReport | None = None
        """The migration on show (None: an object of the schema tree, or nothing yet)."""
        self.findings: dict[str, list[Finding]] = {}
        """Lint findings by migration key, as the engine last reported them."""
        self.measured: dict[str, list[str]] = {}
        """Lines of measured analysis by script, once `analyze` ran."""

    def on_mount(self) -> None:
        self.watch(self.app, "theme", lambda _: self.redraw(), init=False)

    def set_findings(self, findings: dict[str, list[Finding]]) -> None:
        """New lint results; the migration on show is redrawn with them."""
        self.findings = findings
        self.redraw()

    def set_measurements(self, reports: list[StatementReport]) -> int:
        """New measured analysis; returns how many files it covers."""
        measured: dict[str, list[str]] = {}
        for report in reports:
            lines = measured.setdefault(report.script, [])
            lines.append(report.heading)
            lines += [f"    {sentence}" for sentence in report.sentences]
        self.measured = measured
        self.redraw()
        return len(measured)

    def unsafe_findings(self, key: str) -> list[Finding]:
        """The unapproved unsafe findings of one migration."""
        return [f for f in self.findings.get(key, []) if f.severity is Severity.ERROR]

    def redraw(self) -> None:
        """Draw the migration on show again (after new findings, measurements or a theme change)."""
        if self.shown is not None and self.is_mounted:
            self.show_migration(self.shown)

    def compose(self) -> ComposeResult:
        with TabbedContent(id="preview-tabs"):
            with TabPane("SQL (s)", id="tab-sql"):
                yield SqlView(id="sql-view")
            with TabPane("Undo (n)", id="tab-undo"):
                yield SqlView(id="undo-view")
            with TabPane("Diff (f)", id="tab-diff"), VerticalScroll():
                yield Static(id="diff-view")
            with TabPane("Info (i)", id="tab-info"), VerticalScroll():
                yield Static(id="info-view")
            with TabPane("Lint (l)", id="tab-lint"), VerticalScroll():
                yield Static("Not linted yet.", id="lint-view")
            with TabPane("Data (o)", id="tab-data"):
                yield Static("Select a table in the Schema tab and press o: its first rows, read-only.",
                             id="data-note")
                yield DataTable(id="data-view", zebra_stripes=True)
            with TabPane("Pre-flight (g)", id="tab-preflight"), VerticalScroll():
                yield Static("Press g on a pending file: what it meets on the target now (read-only).",
                             id="preflight-view")

    @property
    def current_sql(self) -> str:
        """The SQL shown in the SQL tab (for copying)."""
        return self._sql

    _sql = ""

    def show_migration(self, report: ShowReport) -> None:
        """Fill every tab for one migration, with its lint findings and measurements when known."""
        self.shown = report
        entry, row = report.entry, report.row
        findings = self.findings.get(entry.key)
        script = entry.file.script if entry.file else entry.script
        measured = next((lines for name, lines in self.measured.items() if name.endswith(script)), None)
        up = row.up_sql if row is not None and row.up_sql is not None and not report.diff else report.file_sql
        self._sql = up or ""
        marked = frozenset(f.line for f in findings or [])
        self.query_one("#sql-view", SqlView).show_sql(self._sql or "-- no SQL (baseline)", marked=marked)
        self.show_findings(findings, measured)
        undo = row.undo_sql if row is not None and row.undo_sql else (entry.file.undo_sql if entry.file else None)
        undo_line = entry.file.undo_line if entry.file is not None and not (row and row.undo_sql) else 1
        self.query_one("#undo-view", SqlView).show_sql(
            undo or "-- no undo: no U file, no -- @undo section, none stored in history (G generates one)",
            first_line=undo_line)
        self.query_one("#diff-view", Static).update(self._diff(report))
        self.query_one("#info-view", Static).update(self._info(report))

    def _diff(self, report: ShowReport) -> Text:
        if not report.diff:
            return Text("No difference: the file matches what was applied." if report.row else
                        "Not applied yet: nothing to compare.")
        variables = self.app.theme_variables
        text = Text(f"The file differs from what was applied ({report.change_kind}). Press R to accept this change "
                    "(repair: history takes the file's text; the old text stays in the event log).\n\n")
        for line in report.diff:
            style = variables.get("diff-added", "") if line.startswith("+") and not line.startswith("+++") else \
                variables.get("diff-removed", "") if line.startswith("-") and not line.startswith("---") else ""
            text.append(line + "\n", style=style)
        return text

    def _info(self, report: ShowReport) -> Text:
        entry, row = report.entry, report.row
        lines = [f"{entry.script}", f"version {entry.version or 'R'} · {entry.kind.value} · state {entry.state.value}"]
        if entry.file is not None:
            lines.append(f"file checksum {entry.file.checksum[:16]} · "
                         f"{'no transaction' if entry.file.no_transaction else 'one transaction'}")
        if row is not None:
            lines += [f"history rank {row.rank} · {row.kind.value} · by {row.installed_by} at "
                      f"{row.installed_on:%Y-%m-%d %H:%M:%S} · {row.execution_ms} ms",
                      f"applied checksum {(row.checksum or '-')[:16]} · statements {row.statements_done}/"
                      f"{row.statements_total}" + (f" · error: {row.error}" if row.error else "")]
        if report.events:
            lines += ["", "events:"] + [f"  {e.at:%Y-%m-%d %H:%M:%S}  {e.action:<9} by {e.by}"
                                        + (f"  {e.detail}" if e.detail else "") for e in report.events]
        return Text("\n".join(lines))

    def show_findings(self, findings: list[Finding] | None, measured: list[str] | None = None) -> None:
        """List lint findings, and the measured effects once `analyze` ran, in the Lint tab."""
        view = self.query_one("#lint-view", Static)
        variables = self.app.theme_variables
        text = Text()
        if findings is None:
            text.append("Not linted yet.\n\n")
        elif not findings:
            text.append("✓ no findings\n\n", style=variables.get("success", ""))
        for finding in findings or []:
            colour = {Severity.ERROR: "error", Severity.WARNING: "warning"}.get(finding.severity, "foreground")
            text.append(f"line {finding.line}:{finding.column}  {finding.severity.label} [{finding.rule}]\n",
                        style=variables.get(colour, ""))
            text.append(f"  {finding.message}\n  safe recipe: {finding.recipe}\n\n")
        text.append("Measured (a: analyze on a scratch copy; A: approve the unsafe findings):\n", style="bold")
        text.append("\n".join(measured) if measured else "  not analyzed yet")
        view.update(text)

    def show_schema_change(self, key: str, lines: list[str]) -> None:
        """Show what a pending migration changes in the schema, in the Diff tab."""
        text = Text(f"Schema change of {key} (before -> after, measured on a scratch copy rebuilt from history):\n\n",
                    style="bold")
        variables = self.app.theme_variables
        for line in lines or ["-- no schema change (data only)"]:
            text.append(line + "\n", style=variables.get("warning", "") if line.startswith("-- unsafe") else "")
        self.query_one("#diff-view", Static).update(text)
        self.query_one(TabbedContent).active = "tab-diff"

    def show_generated_undo(self, report: GeneratedUndo) -> None:
        """A generated undo in the Undo tab, marked as generated (and as not verified, when it is not)."""
        text = report.section
        if not report.verified:
            text += "\n-- NOT VERIFIED: on a scratch copy it does not give back the schema before; it would still need:\n"
            text += "\n".join(f"--   {ddl}" for ddl in report.left_behind)
        self.query_one("#undo-view", SqlView).show_sql(text)
        self.query_one(TabbedContent).active = "tab-undo"

    def show_rows(self, node: CatalogNode, columns: list[str], rows: list[tuple[str, ...]]) -> None:
        """A table's first rows in the Data tab (read-only, at most `catalog_browser.PREVIEW_ROWS`)."""
        table: DataTable[str] = self.query_one("#data-view", DataTable)
        table.clear(columns=True)
        table.add_columns(*columns)
        table.add_rows(rows)
        self.query_one("#data-note", Static).update(
            f"{node.schema}.{node.name}: the first {len(rows)} row(s), read-only" if rows else
            f"{node.schema}.{node.name} has no rows.")
        self.query_one(TabbedContent).active = "tab-data"

    def show_preflight(self, report: PreflightReport) -> None:
        """The pre-flight's lines in its tab, the verdict coloured, and the tab brought forward."""
        variables = self.app.theme_variables
        colour = {"clear": "success", "caution": "warning", "blocked": "error"}[report.verdict.value]
        lines = report.lines
        measured = next((found for name, found in self.measured.items() if report.script.endswith(name)
                         or name.endswith(report.script)), None)
        lines += ["", "measured on a scratch copy (a):", *(measured or ["  not analyzed yet: press a"])]
        text = Text(lines[0] + "\n", style=variables.get(colour, ""))
        text.append("\n".join(lines[1:]))
        self.query_one("#preflight-view", Static).update(text)
        self.query_one(TabbedContent).active = "tab-preflight"

    def show_nothing(self) -> None:
        """No migration exists any more (or yet): empty every tab rather than keep a stale one."""
        self.shown = None
        self._sql = ""
        self.query_one("#sql-view", SqlView).show_sql("-- no migrations: add a file to sql/")
        self.query_one("#undo-view", SqlView).show_sql("")
        self.query_one("#diff-view", Static).update("")
        self.query_one("#info-view", Static).update("")
        self.show_findings(None)

    def show_object(self, node: CatalogNode, ddl: str) -> None:
        """Show a schema object's definition in the SQL tab."""
        self.shown = None
        self._sql = ddl
        self.query_one("#sql-view", SqlView).show_sql(ddl)
        self.query_one(TabbedContent).active = "tab-sql"

    def show_tab(self, tab: str) -> None:
        """Bring a tab forward (sql, undo, diff, info, lint)."""
        self.query_one(TabbedContent).active = f"tab-{tab}"
