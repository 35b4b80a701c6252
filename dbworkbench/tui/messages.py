"""Messages the workbench's thread workers post: facts in the past tense."""

from __future__ import annotations

from textual.message import Message

from dbworkbench.app.analysis import StatementReport
from dbworkbench.app.reports import ApplyReport, ShowReport, StatusReport, ValidationReport
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

    def __init__(self, findings: dict[str, list[Finding]]) -> None:
        super().__init__()
        self.findings = findings


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
