"""The engine as one object for the workbench: `Engine` over real PostgreSQL, `EngineApi` as its contract.

Every method blocks (the workbench calls them from thread workers) and raises `DbWorkbenchError`s. The
catalog reader uses a connection of its own, never the migration connection.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any, Protocol

import psycopg

from dbworkbench.config import Settings, load_settings
from dbworkbench.core import api, catalog, maintenance
from dbworkbench.core import events as ev
from dbworkbench.core.cancel import CancelToken
from dbworkbench.core.catalog import CatalogNode
from dbworkbench.core.db import connect, resolve_target
from dbworkbench.core.planner import Entry
from dbworkbench.core.session import ConfirmRequest
from dbworkbench.lint.findings import Finding, Severity

if TYPE_CHECKING:
    from dbworkbench.lint.analyze import StatementReport

ACTIONS = ("up", "down", "migrate", "redo")
"""What the workbench can ask the engine to run."""


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

    def status(self) -> api.StatusReport: ...
    def show(self, key: str) -> maintenance.ShowReport: ...
    def plan(self, action: str, *, target: str | None = None) -> api.ApplyReport: ...
    def apply(self, action: str, *, target: str | None = None, on_event: ev.EventSink | None = None,
              cancel: CancelToken | None = None) -> api.ApplyReport: ...
    def validate(self) -> api.ValidationReport: ...
    def lint(self, entries: tuple[Entry, ...], server_major: int) -> dict[str, list[Finding]]: ...
    def approve(self, key: str, reason: str) -> str: ...
    def schema_change(self, key: str) -> list[str]: ...
    def drift(self) -> list[str]: ...
    def analyze(self) -> list[StatementReport]: ...
    def catalog_children(self, node: CatalogNode | None) -> list[CatalogNode]: ...
    def catalog_definition(self, node: CatalogNode) -> str: ...
    def for_environment(self, name: str) -> EngineApi: ...


class Engine:
    """The real engine for one project and environment."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @property
    def environment(self) -> str:
        """Environment name."""
        return self.settings.environment.name

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

    def status(self) -> api.StatusReport:
        """Every migration's state."""
        return api.status(self.settings)

    def show(self, key: str) -> maintenance.ShowReport:
        """A migration's stored SQL, file, diff and events (version or repeatable name)."""
        return maintenance.show(self.settings, key)

    def plan(self, action: str, *, target: str | None = None) -> api.ApplyReport:
        """The exact SQL an action would run (a dry run)."""
        return self._call(action, target=target, dry_run=True)

    def apply(self, action: str, *, target: str | None = None, on_event: ev.EventSink | None = None,
              cancel: CancelToken | None = None) -> api.ApplyReport:
        """Run an action statement by statement (progress events, cancellable).

        The workbench confirms protected environments itself, before calling this.
        """
        return self._call(action, target=target, on_event=on_event, cancel=cancel, confirm=_confirmed,
                          per_statement=True)

    def _call(self, action: str, *, target: str | None, **options: Any) -> api.ApplyReport:
        if action == "up":
            return api.migrate(self.settings, steps=1, **options)
        if action == "migrate":
            return api.migrate(self.settings, target=target, **options)
        if action == "down":
            return api.down(self.settings, steps=None if target else 1, target=target, **options)
        if action == "redo":
            return api.redo(self.settings, **options)
        raise ValueError(f"unknown action {action!r}; expected one of {', '.join(ACTIONS)}")

    def validate(self) -> api.ValidationReport:
        """Integrity problems."""
        return api.validate(self.settings)

    def lint(self, entries: tuple[Entry, ...], server_major: int) -> dict[str, list[Finding]]:
        """Findings for each entry that has a file (reads no database); approved ones come back as info,
        saying who approved them."""
        from dbworkbench.lint.approvals import load_approvals
        from dbworkbench.lint.project import lint_migration

        approvals = load_approvals(self.settings)
        found: dict[str, list[Finding]] = {}
        for entry in entries:
            if entry.file is None:
                continue
            approval = approvals.get(entry.key)
            found[entry.key] = [
                replace(f, severity=Severity.INFO, message=f"approved by {approval.reviewer}: {f.message}")
                if approval is not None and f.severity is Severity.ERROR and approval.covers(entry.file, f.rule) else f
                for f in lint_migration(self.settings, entry.file, server_major=server_major)]
        return found

    def approve(self, key: str, reason: str) -> str:
        """Approve every unsafe finding of a migration's current content; returns the approval's path."""
        from dbworkbench.core.discovery import discover
        from dbworkbench.lint.approvals import reviewer_name, write_approval
        from dbworkbench.lint.project import lint_migration

        migration = next(m for m in discover(self.settings.migrations_dir).versioned if m.key == key)
        rules = sorted({f.rule for f in lint_migration(self.settings, migration, server_major=18)
                        if f.severity is Severity.ERROR})
        path = write_approval(self.settings, migration, rules, reason, reviewer_name())
        return path.relative_to(self.settings.project_dir).as_posix() \
            if path.is_relative_to(self.settings.project_dir) else str(path)

    def schema_change(self, key: str) -> list[str]:
        """What a pending migration changes in the schema, as tagged SQL lines (from a scratch copy)."""
        from dbworkbench.schema.plan import tagged
        from dbworkbench.schema.preview import pending_change

        return tagged(pending_change(self.settings, key)).splitlines()

    def drift(self) -> list[str]:
        """Changes made outside migrations, one line each with the migration that last touched the object."""
        from dbworkbench.schema.drift import drift

        return [f"{i.change.sql};  -- {i.change.object}, last touched by {i.last_touched_by or 'no migration'}"
                for i in drift(self.settings)]

    def analyze(self) -> list[StatementReport]:
        """Measured effects of every pending statement (see `lint.analyze`)."""
        from dbworkbench.lint.analyze import analyze

        return analyze(self.settings)

    def _hidden(self) -> frozenset[str]:
        schema, _, table = self.settings.history_table.rpartition(".")
        names = (table, f"{table}_events", f"{table}_installed_rank_seq", f"{table}_events_id_seq")
        return frozenset(f"{schema or 'public'}.{name}" for name in names)

    def catalog_children(self, node: CatalogNode | None) -> list[CatalogNode]:
        """Children of a schema-tree node, on a connection of its own."""
        with self._catalog_connection() as conn:
            return catalog.children(conn, node, hidden=self._hidden())

    def catalog_definition(self, node: CatalogNode) -> str:
        """DDL of a schema-tree node."""
        with self._catalog_connection() as conn:
            return catalog.definition(conn, node)

    def _catalog_connection(self) -> psycopg.Connection[Any]:
        return connect(resolve_target(self.settings), purpose="browse", create_missing=True)

    def for_environment(self, name: str) -> Engine:
        """The same project on another environment."""
        from dbworkbench.config import Overrides

        settings = load_settings(self.settings.project_dir, Overrides(env=name, config=str(self.settings.config_path)
                                                                       if self.settings.config_path else None))
        return Engine(replace(settings, migrations_dir=self.settings.migrations_dir))


def _confirmed(request: ConfirmRequest) -> bool:
    """The workbench has already shown the request and had the name typed."""
    return True
