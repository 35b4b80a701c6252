"""The workbench's view of the application layer: `EngineApi` (its contract) and `Engine`, a thin object bound
to one project and environment whose every method is one call to an `app` function.

Every method blocks (the workbench calls them from thread workers) and raises only `DbWorkbenchError`s.
The schema browser reads on a connection of its own, never the migration connection.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from dbworkbench.app import inspection, maintenance, migrations, safety, schema_as_code
from dbworkbench.app.analysis import StatementReport, analyze
from dbworkbench.app.fleet_grid import TargetsGrid, target_settings, targets_grid
from dbworkbench.app.gate import Confirm, ConfirmRequest
from dbworkbench.app.generated_undo import GeneratedUndo, generate_undo
from dbworkbench.app.preflight import PreflightReport, preflight
from dbworkbench.app.reports import ApplyReport, Expected, ShowReport, StatusReport, ValidationReport, WriteReport
from dbworkbench.app.stepping import Stepping, step_into
from dbworkbench.app.vocabulary import Verb
from dbworkbench.config import Overrides, Settings, load_settings
from dbworkbench.core import events as ev
from dbworkbench.core.cancel import CancelToken
from dbworkbench.core.catalog_browser import CatalogNode, children, definition, first_rows
from dbworkbench.core.db import connect, resolve_target
from dbworkbench.core.history import hidden_relations
from dbworkbench.core.planner import Entry
from dbworkbench.core.steps import outside_transaction
from dbworkbench.errors import PlanError
from dbworkbench.lint.findings import Finding
from dbworkbench.schema.changes import tagged


class EngineApi(Protocol):
    """What the workbench needs from the engine; `Engine` and the tests' fake both provide it."""

    @property
    def environment(self) -> str: ...
    @property
    def environments(self) -> tuple[str, ...]: ...
    @property
    def protected(self) -> bool: ...
    @property
    def project(self) -> str: ...

    def status(self) -> StatusReport: ...
    def show(self, key: str) -> ShowReport: ...
    def dry_run(self, verb: Verb, *, target: str | None = None) -> ApplyReport: ...
    def apply(self, verb: Verb, *, target: str | None = None, on_event: ev.EventSink | None = None,
              cancel: CancelToken | None = None, confirmed_as: str | None = None,
              expected: Expected | None = None) -> ApplyReport: ...
    def validate(self) -> ValidationReport: ...
    def lint(self, entries: tuple[Entry, ...], server_major: int) -> dict[str, list[Finding]]: ...
    def transaction_modes(self, entries: tuple[Entry, ...], server_major: int) -> dict[str, str]: ...
    def preflight(self, key: str) -> PreflightReport: ...
    def step_into(self, key: str, *, expected_history: str | None = None) -> Stepping: ...
    def generated_undo(self, key: str) -> GeneratedUndo: ...
    def accept_change(self, key: str, *, dry_run: bool = False, confirmed_as: str | None = None,
                      expected_history: str | None = None) -> WriteReport: ...
    def approve(self, key: str, reason: str) -> str: ...
    def schema_change(self, key: str) -> list[str]: ...
    def drift(self) -> list[str]: ...
    def analyze(self) -> list[StatementReport]: ...
    def catalog_children(self, node: CatalogNode | None) -> list[CatalogNode]: ...
    def catalog_definition(self, node: CatalogNode) -> str: ...
    def catalog_rows(self, node: CatalogNode, cancel: CancelToken | None = None
                     ) -> tuple[list[str], list[tuple[str, ...]]]: ...
    def for_environment(self, name: str) -> EngineApi: ...
    @property
    def is_fleet(self) -> bool: ...
    @property
    def fleet(self) -> EngineApi | None: ...
    def targets_grid(self) -> TargetsGrid: ...
    def for_target(self, name: str) -> EngineApi: ...


def _typed(name: str | None) -> Confirm:
    """A confirmation that holds only for the name the person typed in the workbench (None: nothing typed)."""
    def confirm(request: ConfirmRequest) -> bool:
        return name is not None and request.environment == name
    return confirm


class Engine:
    """The real engine for one project and environment."""

    def __init__(self, settings: Settings, fleet: Engine | None = None, name: str | None = None) -> None:
        self.settings = settings
        self._fleet = fleet
        self._name = name

    @property
    def is_fleet(self) -> bool:
        """The environment names many targets: the workbench opens on its Targets view."""
        return self.settings.environment.is_fleet

    @property
    def fleet(self) -> Engine | None:
        """The fleet this engine's target belongs to (opened from its Targets view)."""
        return self._fleet

    def targets_grid(self) -> TargetsGrid:
        """Every target's status, as the Targets view's grid."""
        return targets_grid(self.settings)

    def for_target(self, name: str) -> Engine:
        """The engine of one target of this fleet."""
        return Engine(target_settings(self.settings, name), fleet=self, name=name)

    @property
    def environment(self) -> str:
        """Environment name (a fleet's target: `environment[database]`)."""
        return self._name or self.settings.environment.name

    @property
    def environments(self) -> tuple[str, ...]:
        """Every environment of the project's configuration."""
        return self.settings.environment_names

    @property
    def protected(self) -> bool:
        """Writes need typed confirmation."""
        return self.settings.environment.protected

    @property
    def project(self) -> str:
        """The project folder's name."""
        return self.settings.project_dir.name

    def status(self) -> StatusReport:
        """Every migration's state."""
        return inspection.status(self.settings)

    def show(self, key: str) -> ShowReport:
        """A migration's stored SQL, file, diff and events (version or repeatable name)."""
        return inspection.show(self.settings, key)

    def dry_run(self, verb: Verb, *, target: str | None = None) -> ApplyReport:
        """What a write would run: the files planned and the exact SQL, nothing run."""
        return self._write(verb, target, dry_run=True)

    def apply(self, verb: Verb, *, target: str | None = None, on_event: ev.EventSink | None = None,
              cancel: CancelToken | None = None, confirmed_as: str | None = None,
              expected: Expected | None = None) -> ApplyReport:
        """Run a write statement by statement (progress events, cancellable).

        The workbench asks for the protected name itself and passes what was typed as `confirmed_as`; the gate
        compares it with the database's protected name and checks approvals, exactly as for the CLI. `expected`
        is the state the screen showed: the write refuses (StaleStateError, nothing run) if it is not the
        target's any more.
        """
        return self._write(verb, target, on_event=on_event, cancel=cancel, confirmed_as=confirmed_as,
                           expected=expected)

    def _write(self, verb: Verb, target: str | None, *, dry_run: bool = False, on_event: ev.EventSink | None = None,
               cancel: CancelToken | None = None, confirmed_as: str | None = None,
               expected: Expected | None = None) -> ApplyReport:
        settings, confirm, per_statement = self.settings, _typed(confirmed_as), not dry_run
        if verb is Verb.UP:
            return migrations.up(settings, dry_run=dry_run, confirm=confirm, on_event=on_event, cancel=cancel,
                                 per_statement=per_statement, expected=expected)
        if verb is Verb.MIGRATE:
            return migrations.migrate(settings, target=target, dry_run=dry_run, confirm=confirm, on_event=on_event,
                                      cancel=cancel, per_statement=per_statement, expected=expected)
        if verb is Verb.DOWN:
            return migrations.down(settings, target=target, steps=None if target else 1, dry_run=dry_run,
                                   confirm=confirm, on_event=on_event, cancel=cancel, per_statement=per_statement,
                                   expected=expected)
        if verb is Verb.REDO:
            return migrations.redo(settings, dry_run=dry_run, confirm=confirm, on_event=on_event, cancel=cancel,
                                   per_statement=per_statement, expected=expected)
        raise PlanError(f"{verb} does not run migrations; the workbench runs "
                        f"{', '.join(sorted(v.value for v in Verb if v.runs_migrations))}.")


    def validate(self) -> ValidationReport:
        """Integrity problems."""
        return inspection.validate(self.settings)

    def lint(self, entries: tuple[Entry, ...], server_major: int) -> dict[str, list[Finding]]:
        """Findings per entry with a file; approved ones as info, naming who approved them."""
        return safety.findings_by_migration(self.settings, entries, server_major)

    def preflight(self, key: str) -> PreflightReport:
        """What a pending file meets on the target now (read-only)."""
        return preflight(self.settings, key)

    def generated_undo(self, key: str) -> GeneratedUndo:
        """The undo generated for a versioned file, verified on a scratch copy (`app.generated_undo`)."""
        return generate_undo(self.settings, key)

    def step_into(self, key: str, *, expected_history: str | None = None) -> Stepping:
        """Open a stepping session on the next pending file (`app.stepping`); the caller must close it."""
        return step_into(self.settings, key, expected_history=expected_history)

    def accept_change(self, key: str, *, dry_run: bool = False, confirmed_as: str | None = None,
                      expected_history: str | None = None) -> WriteReport:
        """Repair one migration: accept its changed file (the old text kept in the event log), or clear its
        unfinished run; the same gate as `repair` (typed name on a protected database)."""
        return maintenance.repair(self.settings, dry_run=dry_run, confirm=_typed(confirmed_as), only=key,
                                  expected_history=expected_history)

    def transaction_modes(self, entries: tuple[Entry, ...], server_major: int) -> dict[str, str]:
        """For each entry whose file runs outside a transaction, why (marker or detected statement)."""
        return transaction_modes(entries, server_major)

    def approve(self, key: str, reason: str) -> str:
        """Approve every unsafe finding of a migration's current content; returns the approval's path."""
        return safety.approve(self.settings, key, reason=reason).path

    def schema_change(self, key: str) -> list[str]:
        """What a pending migration changes in the schema, as tagged SQL lines (from a scratch copy)."""
        return tagged(schema_as_code.schema_change(self.settings, key)).splitlines()

    def drift(self) -> list[str]:
        """Changes made outside migrations, one line each with the migration that last touched the object."""
        return [f"{i.change.sql};  -- {i.change.object}, last touched by {i.last_touched_by or 'no migration'}"
                for i in schema_as_code.drift(self.settings).items]

    def analyze(self) -> list[StatementReport]:
        """Measured effects of every pending statement (see `app.analysis`)."""
        return analyze(self.settings)

    def catalog_children(self, node: CatalogNode | None) -> list[CatalogNode]:
        """Children of a schema-tree node, on a connection of its own."""
        with connect(resolve_target(self.settings), purpose="browse", create_missing=True) as conn:
            row = conn.execute("SELECT current_schema()").fetchone()
            hidden = hidden_relations(self.settings.history_table, str(row[0]) if row and row[0] else "public")
            return children(conn, node, hidden=hidden)

    def catalog_definition(self, node: CatalogNode) -> str:
        """DDL of a schema-tree node."""
        with connect(resolve_target(self.settings), purpose="browse", create_missing=True) as conn:
            return definition(conn, node)

    def catalog_rows(self, node: CatalogNode, cancel: CancelToken | None = None
                     ) -> tuple[list[str], list[tuple[str, ...]]]:
        """The first rows of a table or view, read-only and bounded (`catalog_browser.first_rows`); `cancel`
        stops the query on the server."""
        with connect(resolve_target(self.settings), purpose="browse", create_missing=True) as conn:
            if cancel is not None:
                cancel.attach(conn)
            try:
                return first_rows(conn, node)
            finally:
                if cancel is not None:
                    cancel.attach(None)

    def for_environment(self, name: str) -> Engine:
        """The same project on another environment."""
        config = str(self.settings.config_path) if self.settings.config_path else None
        settings = load_settings(self.settings.project_dir, Overrides(env=name, config=config))
        return Engine(replace(settings, migrations_dir=self.settings.migrations_dir))


def ui(settings: Settings) -> Engine:
    """The `ui` verb's part below the front end: the engine the workbench is opened on."""
    return Engine(settings)


def transaction_modes(entries: tuple[Entry, ...], server_major: int) -> dict[str, str]:
    """Entries whose file runs outside a transaction, with why (parses each file; reads no database)."""
    found = {e.key: outside_transaction(e.file, server_major) for e in entries if e.file is not None}
    return {key: reason for key, reason in found.items() if reason}
