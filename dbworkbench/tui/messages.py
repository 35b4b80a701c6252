"""Messages the workbench's thread workers post: facts in the past tense."""

from __future__ import annotations

from textual.message import Message

from dbworkbench.app.analysis import StatementReport
from dbworkbench.app.engine import EngineApi
from dbworkbench.app.fleet_grid import TargetsGrid
from dbworkbench.app.generated_undo import GeneratedUndo
from dbworkbench.app.preflight import PreflightReport
from dbworkbench.app.reports import ApplyReport, ShowReport, StatusReport, ValidationReport, WriteReport
from dbworkbench.app.stepping import Stepping
from dbworkbench.app.vocabulary import Verb
from dbworkbench.core import events as ev
from dbworkbench.core.catalog_browser import CatalogNode
from dbworkbench.errors import DbWorkbenchError
from dbworkbench.lint.findings import Finding


class StatusLoaded(Message):
    """The migrations' states were read."""

    def __init__(self, report: StatusReport) -> None:
        super().__init__()
        self.report = report


class DetailLoaded(Message):
    """One migration's stored SQL, file, diff and events were read."""

    def __init__(self, key: str, report: ShowReport) -> None:
        super().__init__()
        self.key = key
        self.report = report


class DryRunReady(Message):
    """The files and exact SQL a write would run, for the confirmation modal."""

    def __init__(self, verb: Verb, target: str | None, report: ApplyReport) -> None:
        super().__init__()
        self.verb = verb
        self.target = target
        self.report = report


class EngineEventReceived(Message):
    """Progress from a running action; statement events collapse when they come in bursts."""

    def __init__(self, event: ev.EngineEvent) -> None:
        super().__init__()
        self.event = event

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, EngineEventReceived) and isinstance(
            message.event, (ev.StatementStarted, ev.StatementExecuted)) and isinstance(
            self.event, (ev.StatementStarted, ev.StatementExecuted))


class ActionFinished(Message):
    """A write ran to completion."""

    def __init__(self, verb: Verb, report: ApplyReport) -> None:
        super().__init__()
        self.verb = verb
        self.report = report


class ValidationFinished(Message):
    """`validate` finished."""

    def __init__(self, report: ValidationReport) -> None:
        super().__init__()
        self.report = report


class OperationFailed(Message):
    """An engine call raised a DbWorkbenchError."""

    def __init__(self, error: DbWorkbenchError, *, operation: str) -> None:
        super().__init__()
        self.error = error
        self.operation = operation


class CatalogLoaded(Message):
    """Children of a schema-tree node were read."""

    def __init__(self, node: CatalogNode | None, children: list[CatalogNode]) -> None:
        super().__init__()
        self.node = node
        self.children = children


class DefinitionLoaded(Message):
    """A schema object's DDL was read."""

    def __init__(self, node: CatalogNode, ddl: str) -> None:
        super().__init__()
        self.node = node
        self.ddl = ddl


class LintReady(Message):
    """Findings for every migration with a file, by key."""

    def __init__(self, findings: dict[str, list[Finding]], outside_transaction: dict[str, str]) -> None:
        super().__init__()
        self.findings = findings
        self.outside_transaction = outside_transaction
        """Keys of files that run outside a transaction, with why."""


class RepairPlanned(Message):
    """What accepting one migration's change would write (a dry run), for the confirmation."""

    def __init__(self, key: str, report: WriteReport, history_mark: str | None) -> None:
        super().__init__()
        self.key = key
        self.report = report
        self.history_mark = history_mark


class RepairDone(Message):
    """One migration's change was accepted (or its unfinished run cleared)."""

    def __init__(self, key: str, report: WriteReport) -> None:
        super().__init__()
        self.key = key
        self.report = report


class SteppingOpened(Message):
    """A stepping session on a pending file is open (the stepper modal now owns it)."""

    def __init__(self, key: str, session: Stepping) -> None:
        super().__init__()
        self.key = key
        self.session = session


class UndoGenerated(Message):
    """An undo generated for a file that has none, verified on a scratch copy."""

    def __init__(self, key: str, report: GeneratedUndo) -> None:
        super().__init__()
        self.key = key
        self.report = report


class RowsLoaded(Message):
    """The first rows of a table or view, for the Data tab."""

    def __init__(self, node: CatalogNode, columns: list[str], rows: list[tuple[str, ...]]) -> None:
        super().__init__()
        self.node = node
        self.columns = columns
        self.rows = rows


class PreflightReady(Message):
    """What a pending file meets on the target now."""

    def __init__(self, key: str, report: PreflightReport) -> None:
        super().__init__()
        self.key = key
        self.report = report


class ApprovalWritten(Message):
    """An approval file was written."""

    def __init__(self, key: str, path: str) -> None:
        super().__init__()
        self.key = key
        self.path = path


class AnalysisReady(Message):
    """Measured effects of the pending statements."""

    def __init__(self, reports: list[StatementReport]) -> None:
        super().__init__()
        self.reports = reports


class SchemaChangeReady(Message):
    """The schema change of a pending migration, as SQL lines."""

    def __init__(self, key: str, lines: list[str]) -> None:
        super().__init__()
        self.key = key
        self.lines = lines


class DriftReady(Message):
    """Changes made outside migrations."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines


class TargetsLoaded(Message):
    """Every target of the fleet was read (the Targets view's grid)."""

    def __init__(self, grid: TargetsGrid) -> None:
        super().__init__()
        self.grid = grid


class TargetOpenRequested(Message):
    """Open the workbench's panes on one target (its engine)."""

    def __init__(self, engine: EngineApi) -> None:
        super().__init__()
        self.engine = engine


class TargetsViewRequested(Message):
    """Show the Targets view of a fleet (its engine)."""

    def __init__(self, engine: EngineApi) -> None:
        super().__init__()
        self.engine = engine
