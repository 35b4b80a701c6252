"""ReviewingScreen: what a reviewer asks before a write, on the migration selected: lint findings, the pre-flight
against the live target (g), measured analysis (a), the schema before and after (b), drift (D), approval (A) and validate (v).

Each action starts one worker (`EngineBackedScreen`); its handler hands the result to the pane that shows it.
"""

from __future__ import annotations

from textual import on

from dbworkbench.app.engine import EngineApi
from dbworkbench.app.reports import StatusReport
from dbworkbench.tui import messages as msg
from dbworkbench.tui.screens.approve import ApprovalModal
from dbworkbench.tui.screens.drift import DriftModal
from dbworkbench.tui.screens.writing import WritingScreen
from dbworkbench.tui.widgets.pending_list import PendingList
from dbworkbench.tui.widgets.preview_pane import PreviewPane
from dbworkbench.tui.widgets.progress_strip import ProgressStrip


class ReviewingScreen(WritingScreen):
    """Review actions and their results, over the selected migration and the latest status."""

    def __init__(self, engine: EngineApi) -> None:
        super().__init__(engine)
        self.report: StatusReport | None = None
        """The latest status of the target."""
        self.selected_key: str | None = None
        """The migration whose detail the preview shows (or is loading)."""

    @on(msg.LintReady)
    def _lint_ready(self, message: msg.LintReady) -> None:
        self.query_one(PendingList).set_lint(
            {key: max((f.severity for f in found), default=None) for key, found in message.findings.items()},
            message.outside_transaction)
        self.query_one(PreviewPane).set_findings(message.findings)

    @on(msg.AnalysisReady)
    def _analysis_ready(self, message: msg.AnalysisReady) -> None:
        files = self.query_one(PreviewPane).set_measurements(message.reports)
        self.query_one(ProgressStrip).say(f"analyzed {files} pending file(s): see the Lint tab.")

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

    @on(msg.ValidationFinished)
    def _validated(self, message: msg.ValidationFinished) -> None:
        report = message.report
        problems = [f"{e.script}: {e.state.value}" for e in report.status.problems] + list(report.pending_errors)
        self.query_one(ProgressStrip).say("valid: files and history agree." if report.ok else
                                          "✗ " + " · ".join(problems), error=not report.ok)

    @on(msg.PreflightReady)
    def _preflight_ready(self, message: msg.PreflightReady) -> None:
        report = message.report
        self.query_one(PreviewPane).show_preflight(report)
        self.query_one(ProgressStrip).say(f"pre-flight of {message.key}: {report.verdict_line}",
                                          error=report.verdict.value == "blocked")

    def action_preflight(self) -> None:
        entry = next((e for e in self.report.pending if e.key == self.selected_key), None) if self.report else None
        if entry is None:
            self.query_one(ProgressStrip).say("select a pending file for its pre-flight.", error=True)
            return
        self.query_one(ProgressStrip).say(f"pre-flight of {entry.key}: reading the target's locks and sessions…")
        self._preflight(entry.key)

    def action_generate_undo(self) -> None:
        entry = next((e for e in self.report.entries if e.key == self.selected_key), None) if self.report else None
        if entry is None or entry.file is None or entry.version is None or entry.file.undo_sql is not None:
            self.query_one(ProgressStrip).say("select a versioned file without an undo to generate one.", error=True)
            return
        self.query_one(ProgressStrip).say(f"generating the undo of {entry.key} on a scratch copy…")
        self._generate_undo(entry.key)

    @on(msg.UndoGenerated)
    def _undo_generated(self, message: msg.UndoGenerated) -> None:
        self.query_one(PreviewPane).show_generated_undo(message.report)
        self.query_one(ProgressStrip).say(
            f"generated the undo of {message.key}" + (" (verified on a scratch copy)" if message.report.verified else
                                                      " — NOT verified: see the Undo tab") +
            f"; write it with: dbworkbench undo {message.key} --write", error=not message.report.verified)

    def action_analyze(self) -> None:
        self.query_one(ProgressStrip).say("analyzing: rehearsing pending files on a scratch copy…")
        self._analyze()

    def action_schema_change(self) -> None:
        if self.selected_key is not None:
            self.query_one(ProgressStrip).say(f"rebuilding the schema on a scratch copy to show {self.selected_key}…")
            self._schema_change(self.selected_key)

    def action_drift(self) -> None:
        self.query_one(ProgressStrip).say("checking drift: replaying history on a scratch copy…")
        self._drift()

    def action_approve_selected(self) -> None:
        key = self.selected_key
        unsafe = self.query_one(PreviewPane).unsafe_findings(key) if key else []
        if key is None or not unsafe:
            self.query_one(ProgressStrip).say("select a pending file with unsafe findings to approve.", error=True)
            return

        def approved(reason: str | None) -> None:
            if reason:
                self._approve(key, reason)

        self.app.push_screen(ApprovalModal(unsafe[0].path, unsafe), approved)

    def action_validate(self) -> None:
        self.query_one(ProgressStrip).say("validating…")
        self._validate()
