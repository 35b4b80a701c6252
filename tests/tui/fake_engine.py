"""An in-memory engine for snapshot tests, built on the engine's own pure planner; kept honest by
tests/db/test_engine_contract.py, which runs the same scenario on it and on the real engine."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dbworkbench.app.analysis import StatementReport
from dbworkbench.app.engine import transaction_modes
from dbworkbench.app.fleet_grid import TargetRow, TargetsGrid
from dbworkbench.app.generated_undo import GeneratedUndo
from dbworkbench.app.preflight import PreflightReport, Verdict
from dbworkbench.app.reports import (
    ApplyReport,
    Expected,
    PlannedStep,
    ShowReport,
    StatusReport,
    StepResult,
    ValidationReport,
    WriteReport,
)
from dbworkbench.app.stepping import Stepping
from dbworkbench.app.vocabulary import Verb
from dbworkbench.core import events as ev
from dbworkbench.core.cancel import CancelToken
from dbworkbench.core.catalog_browser import CatalogNode
from dbworkbench.core.discovery import MigrationFile, MigrationKind, MigrationSet, discover
from dbworkbench.core.history import HistoryRow
from dbworkbench.core.planner import Entry, State, StepAction, fold, plan_backward, plan_forward
from dbworkbench.core.project_state import history_mark
from dbworkbench.core.versions import version_argument
from dbworkbench.errors import ConfigError, PlanError, ProtectedEnvironmentError, StaleStateError
from dbworkbench.lint.findings import Finding, Severity
from dbworkbench.lint.runner import lint_text

EPOCH = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
"""The fake's frozen clock: row n is applied n minutes after it."""


class FakeEngine:
    """EngineApi over a folder of files and an in-memory history."""

    def __init__(self, folder: Path, *, environment: str = "dev", protected: bool = False,
                 environments: tuple[str, ...] = ("dev", "prod")) -> None:
        self.folder = folder
        self.environment = environment
        self.protected = protected
        self.environments = environments
        self.project = "demo"
        self.is_fleet = False
        self.fleet: FakeEngine | None = None
        self.rows: list[HistoryRow] = []
        self.approvals: dict[str, str] = {}
        self.catalog: dict[str, list[CatalogNode]] = {
            "": [CatalogNode("schema", "public", "public", "public", expandable=True)],
        }

    def _migrations(self) -> MigrationSet:
        return discover(self.folder)

    def status(self) -> StatusReport:
        entries = fold(self._migrations(), self.rows)
        return StatusReport(self.environment, "fake@localhost/demo", "18.6", "public.dbworkbench_history",
                            tuple(entries), tuple(self.rows), self.environment if self.protected else None)

    def show(self, key: str) -> ShowReport:
        entry = next((e for e in self.status().entries if e.key == key), None)
        if entry is None:
            raise PlanError(f"no migration has version {key}, in the files or in history.")
        return ShowReport(entry, entry.row, entry.file.up_sql if entry.file else None, (), None, ())

    def _specs(self, verb: Verb, target: str | None) -> list[tuple[StepAction, str]]:
        entries = fold(self._migrations(), self.rows)
        if verb in (Verb.UP, Verb.MIGRATE):
            specs = plan_forward(entries, steps=1 if verb is Verb.UP else None, target=version_argument(target))
        elif verb is Verb.DOWN:
            specs = plan_backward(entries, steps=1)
        elif verb is Verb.REDO:
            last = plan_backward(entries, steps=1)[0]
            return [(StepAction.UNDO, last.entry.key), (StepAction.APPLY, last.entry.key)]
        else:
            raise PlanError(f"{verb} does not run migrations.")
        return [(s.action, s.entry.key) for s in specs]

    def _files(self) -> dict[str, MigrationFile]:
        return {m.key: m for m in (*self._migrations().versioned, *self._migrations().repeatable)}

    def _planned(self, verb: Verb, target: str | None) -> tuple[PlannedStep, ...]:
        files = self._files()
        return tuple(PlannedStep(f"sql/{files[key].script}", _canonical(files[key]), step, 1, True)
                     for step, key in self._specs(verb, target))

    def dry_run(self, verb: Verb, *, target: str | None = None) -> ApplyReport:
        files = self._files()
        lines = [f"-- sql/{files[key].script}: {step}, 1 statement(s), one transaction\nBEGIN;\n"
                 f"{files[key].up_sql if step is StepAction.APPLY else files[key].undo_sql or ''}COMMIT;"
                 for step, key in self._specs(verb, target)]
        refusal = None
        if self.protected:
            unsafe = [f for step, key in self._specs(verb, target) if not step.is_undo
                      for f in self.lint(tuple(e for e in self.status().entries if e.key == key), 18).get(key, [])
                      if f.severity is Severity.ERROR and key not in self.approvals]
            refusal = (f"unsafe changes without an approval: {', '.join(f.rule for f in unsafe)} (in the workbench: A)"
                       if unsafe else None)
        joined = "\n\n".join(lines)
        return ApplyReport((), joined, self._planned(verb, target), history_mark(self.rows), joined, refusal)

    def apply(self, verb: Verb, *, target: str | None = None, on_event: ev.EventSink | None = None,
              cancel: CancelToken | None = None, confirmed_as: str | None = None,
              expected: Expected | None = None) -> ApplyReport:
        if expected is not None and expected.history_mark != history_mark(self.rows):
            raise StaleStateError("the history changed after this write was planned; nothing was run.")
        if self.protected and confirmed_as != self.environment:
            raise ProtectedEnvironmentError(f"{verb} on protected environment {self.environment!r} was not confirmed.")
        files = self._files()
        planned = self._planned(verb, target)
        results = []
        for step, key in self._specs(verb, target):
            file = files[key]
            if step.is_undo and file.undo_sql is None:
                raise PlanError(f"{file.script} has no undo.", title="no undo available")
            rank = len(self.rows) + 1
            kind = MigrationKind.UNDO if step.is_undo else file.kind
            self.rows.append(HistoryRow(rank, key if file.version else None, file.description, kind, file.script,
                                        None if step.is_undo else file.checksum, "postgres",
                                        EPOCH + timedelta(minutes=rank), 3, True, 1, 1, None,
                                        file.up_sql, file.undo_sql))
            if on_event is not None:
                on_event(ev.MigrationFinished(f"sql/{file.script}", key, step, 3.0))
            results.append(StepResult(f"sql/{file.script}", file.version.canonical if file.version else None, step, 3.0))
        return ApplyReport(tuple(results), None, planned)

    def validate(self) -> ValidationReport:
        return ValidationReport(self.status(), ())

    def lint(self, entries: tuple[Entry, ...], server_major: int) -> dict[str, list[Finding]]:
        return {e.key: lint_text(e.file.up_sql, f"sql/{e.file.script}", server_major=server_major)
                for e in entries if e.file is not None}

    def preflight(self, key: str) -> PreflightReport:
        entry = next((e for e in self.status().pending if e.key == key), None)
        if entry is None or entry.file is None:
            raise PlanError(f"{key!r} is not a pending migration here; pre-flight looks at files about to run.")
        return PreflightReport(f"sql/{entry.file.script}", "fake@localhost/demo", (), (), (), (), (), "5s", "5min",
                               Verdict.CLEAR, "clear: no session holds a conflicting lock on the file's tables now.")

    def generated_undo(self, key: str) -> GeneratedUndo:
        raise PlanError("the fake engine does not generate undos; the real one does (tests/db/test_generated_undo.py).")

    def step_into(self, key: str, *, expected_history: str | None = None) -> Stepping:
        raise PlanError("the fake engine does not step into files; the real one does (tests/db/test_stepping.py).")

    def accept_change(self, key: str, *, dry_run: bool = False, confirmed_as: str | None = None,
                      expected_history: str | None = None) -> WriteReport:
        if expected_history is not None and expected_history != history_mark(self.rows):
            raise StaleStateError("the history changed after this repair was asked for; nothing was changed.")
        entry = next((e for e in self.status().entries if e.key == key), None)
        if entry is None or entry.row is None or entry.file is None or entry.state is not State.CHECKSUM_MISMATCH:
            raise PlanError(f"{key!r} has nothing to repair.")
        change = f"accept changed {entry.script}"
        if not dry_run:
            if self.protected and confirmed_as != self.environment:
                raise ProtectedEnvironmentError(f"repair on {self.environment!r} was not confirmed.")
            self.rows = [replace(r, checksum=entry.file.checksum, up_sql=entry.file.up_sql)
                         if r.rank == entry.row.rank else r for r in self.rows]
        return WriteReport((change,), f"-- {change}", dry_run)

    def transaction_modes(self, entries: tuple[Entry, ...], server_major: int) -> dict[str, str]:
        return transaction_modes(entries, server_major)

    def approve(self, key: str, reason: str) -> str:
        self.approvals[key] = reason
        return f"approvals/V{key}.toml"

    def analyze(self) -> list[StatementReport]:
        return []

    def schema_change(self, key: str) -> list[str]:
        return [f"-- schema change of {key}"]

    def drift(self) -> list[str]:
        return []

    def catalog_children(self, node: CatalogNode | None) -> list[CatalogNode]:
        return self.catalog.get(node.name if node else "", [])

    def catalog_rows(self, node: CatalogNode, cancel: CancelToken | None = None
                     ) -> tuple[list[str], list[tuple[str, ...]]]:
        return ["id"], [("1",), ("2",)]

    def catalog_definition(self, node: CatalogNode) -> str:
        return f"-- {node.kind} {node.name}"

    def targets_grid(self) -> TargetsGrid:
        report = self.status()
        summary = report.summary
        return TargetsGrid(self.environment, tuple(e.key for e in report.entries), (TargetRow(
            self.environment, {e.key: e.state for e in report.entries}, summary.current_version, summary.applied,
            summary.pending, summary.problems),))

    def for_target(self, name: str) -> FakeEngine:
        if name != self.environment:
            raise ConfigError(f"environment {self.environment!r} has no target {name!r} (any more); "
                              "`dbworkbench targets` lists them.", title="no such target")
        other = FakeEngine(self.folder, environment=name, protected=self.protected, environments=self.environments)
        other.rows, other.approvals, other.fleet = self.rows, self.approvals, self
        return other

    def for_environment(self, name: str) -> FakeEngine:
        other = FakeEngine(self.folder, environment=name, protected=name == "prod", environments=self.environments)
        other.rows = [replace(r) for r in self.rows]
        return other


def _canonical(file: MigrationFile) -> str | None:
    return file.version.canonical if file.version is not None else None
