"""EngineBackedScreen: a screen bound to an engine, with one thread worker per engine call; each worker posts its
result (or the failure) as a message.

Workers never touch widgets; the handlers of the screens built on this one do.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import work
from textual.message import Message
from textual.screen import Screen
from textual.worker import get_current_worker

from dbworkbench.app.engine import EngineApi
from dbworkbench.app.reports import Expected, StatusReport
from dbworkbench.app.vocabulary import Verb
from dbworkbench.core import events as ev
from dbworkbench.core.cancel import CancelToken
from dbworkbench.core.catalog_browser import CatalogNode
from dbworkbench.errors import DbWorkbenchError
from dbworkbench.tui import messages as msg


class EngineBackedScreen(Screen[None]):
    """A screen whose thread workers call `self.engine`."""

    def __init__(self, engine: EngineApi) -> None:
        super().__init__()
        self.engine = engine

    def _post_result(self, operation: str, compute: Callable[[], Message]) -> None:
        """Run one engine call (in a worker) and post its result, or the failure, as a message."""
        try:
            self.post_message(compute())
        except DbWorkbenchError as error:
            self.post_message(msg.OperationFailed(error, operation=operation))

    @work(thread=True, exclusive=True, group="status", exit_on_error=False, description="reading status")
    def _load_status(self) -> None:
        self._post_result("status", lambda: msg.StatusLoaded(self.engine.status()))

    @work(thread=True, exclusive=True, group="detail", exit_on_error=False, description="reading a migration")
    def _load_detail(self, key: str) -> None:
        self._post_result("show", lambda: msg.DetailLoaded(key, self.engine.show(key)))

    @work(thread=True, exclusive=True, group="dry-run", exit_on_error=False, description="planning")
    def _dry_run(self, verb: Verb, target: str | None) -> None:
        self._post_result(verb, lambda: msg.DryRunReady(verb, target, self.engine.dry_run(verb, target=target)))

    @work(thread=True, group="apply", exit_on_error=False, description="applying")
    def _apply(self, verb: Verb, target: str | None, cancel: CancelToken, confirmed_as: str | None,
               expected: Expected | None) -> None:
        def forward(event: ev.EngineEvent) -> None:
            self.post_message(msg.EngineEventReceived(event))

        self._post_result(verb, lambda: msg.ActionFinished(verb, self.engine.apply(
            verb, target=target, cancel=cancel, on_event=forward, confirmed_as=confirmed_as, expected=expected)))

    @work(thread=True, exclusive=True, group="lint", exit_on_error=False, description="linting")
    def _lint(self, report: StatusReport) -> None:
        self._post_result("lint", lambda: msg.LintReady(
            self.engine.lint(report.pending, report.server_major),
            self.engine.transaction_modes(report.pending, report.server_major)))

    @work(thread=True, exclusive=True, group="repair", exit_on_error=False, description="planning a repair")
    def _plan_repair(self, key: str, history_mark: str | None) -> None:
        self._post_result("repair", lambda: msg.RepairPlanned(key, self.engine.accept_change(key, dry_run=True),
                                                               history_mark))

    @work(thread=True, exclusive=True, group="repair", exit_on_error=False, description="repairing")
    def _repair(self, key: str, confirmed_as: str | None, history_mark: str | None) -> None:
        self._post_result("repair", lambda: msg.RepairDone(key, self.engine.accept_change(
            key, confirmed_as=confirmed_as, expected_history=history_mark)))

    @work(thread=True, exclusive=True, group="preflight", exit_on_error=False, description="pre-flight")
    def _preflight(self, key: str) -> None:
        self._post_result("preflight", lambda: msg.PreflightReady(key, self.engine.preflight(key)))

    @work(thread=True, exclusive=True, group="analyze", exit_on_error=False, description="analyzing")
    def _analyze(self) -> None:
        self._post_result("analyze", lambda: msg.AnalysisReady(self.engine.analyze()))

    @work(thread=True, exclusive=True, group="schema-change", exit_on_error=False, description="before and after")
    def _schema_change(self, key: str) -> None:
        self._post_result("before/after", lambda: msg.SchemaChangeReady(key, self.engine.schema_change(key)))

    @work(thread=True, exclusive=True, group="drift", exit_on_error=False, description="checking drift")
    def _drift(self) -> None:
        self._post_result("drift", lambda: msg.DriftReady(self.engine.drift()))

    @work(thread=True, exclusive=True, group="approve", exit_on_error=False, description="writing an approval")
    def _approve(self, key: str, reason: str) -> None:
        self._post_result("approve", lambda: msg.ApprovalWritten(key, self.engine.approve(key, reason)))

    @work(thread=True, exclusive=True, group="validate", exit_on_error=False, description="validating")
    def _validate(self) -> None:
        self._post_result("validate", lambda: msg.ValidationFinished(self.engine.validate()))

    @work(thread=True, group="schema", exit_on_error=False, description="reading the catalog")
    def _load_catalog(self, node: CatalogNode | None) -> None:
        if not get_current_worker().is_cancelled:
            self._post_result("schema", lambda: msg.CatalogLoaded(node, self.engine.catalog_children(node)))

    @work(thread=True, exclusive=True, group="stepping", exit_on_error=False, description="stepping in")
    def _step_into(self, key: str, history_mark: str | None) -> None:
        self._post_result("step into", lambda: msg.SteppingOpened(key, self.engine.step_into(
            key, expected_history=history_mark)))

    @work(thread=True, exclusive=True, group="undo", exit_on_error=False, description="generating an undo")
    def _generate_undo(self, key: str) -> None:
        self._post_result("generate undo", lambda: msg.UndoGenerated(key, self.engine.generated_undo(key)))

    @work(thread=True, exclusive=True, group="rows", exit_on_error=False, description="reading rows")
    def _load_rows(self, node: CatalogNode, cancel: CancelToken) -> None:
        self._post_result("data preview", lambda: msg.RowsLoaded(node, *self.engine.catalog_rows(node, cancel)))

    @work(thread=True, exclusive=True, group="definition", exit_on_error=False, description="reading a definition")
    def _load_definition(self, node: CatalogNode) -> None:
        self._post_result("schema", lambda: msg.DefinitionLoaded(node, self.engine.catalog_definition(node)))

