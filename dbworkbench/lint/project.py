"""Lint a project's migration files: every file, chosen files, or the files pending on a target.

Approvals apply the same way whichever files are chosen: a file named on the command line that is one of
the project's migrations is matched to its approval exactly as when every migration is linted.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

from dbworkbench.config import Settings
from dbworkbench.core.db import ASSUMED_SERVER_MAJOR
from dbworkbench.core.discovery import MigrationFile
from dbworkbench.core.layouts import project_migrations
from dbworkbench.core.project_state import ProjectState
from dbworkbench.core.scripts import normalise, split_sections
from dbworkbench.errors import DiscoveryError
from dbworkbench.lint.approvals import approved_findings, load_approvals
from dbworkbench.lint.catalog import Catalog, LazyCatalog, fold
from dbworkbench.lint.findings import Finding, Severity
from dbworkbench.lint.queries import AppQuery, impact, read_queries
from dbworkbench.lint.runner import finding_of, lint_text


@dataclass(frozen=True, slots=True)
class LintReport:
    """Findings per linted file, in file order."""

    files: tuple[tuple[str, tuple[Finding, ...]], ...]
    server_major: int
    approved: dict[Finding, str] = field(default_factory=dict)
    """Unsafe findings covered by a valid approval, with who approved them."""

    @property
    def findings(self) -> list[Finding]:
        """Every finding."""
        return [f for _, found in self.files for f in found]

    @property
    def unsafe(self) -> list[Finding]:
        """Findings of severity error that no approval covers."""
        return [f for f in self.findings if f.severity is Severity.ERROR and f not in self.approved]


def display_path(settings: Settings, script: str) -> str:
    """A migration's path as findings name it: relative to the project when inside it."""
    path = settings.migrations_dir / script
    return path.relative_to(settings.project_dir).as_posix() if path.is_relative_to(settings.project_dir) else str(path)


class LintInputs:
    """What linting several of a project's files shares: the application queries (read once) and the catalogs the
    earlier files leave (folded once, when a rule first asks). One per run; `lint_migration` makes its own."""

    def __init__(self, settings: Settings, queries: list[AppQuery] | None = None,
                 before: dict[str, Catalog] | None = None) -> None:
        self.settings = settings
        self.queries = read_queries(settings.queries_dir) if queries is None else queries
        self._before: dict[str, Catalog] | None = before
        """Key → the catalog the earlier files leave: given (replayed, `app.lint_replay`), or folded here."""

    def before(self, migration: MigrationFile) -> Catalog:
        """The catalog the files before `migration` leave."""
        if self._before is None:
            self._before = catalogs_before(self.settings)
        return self._before.get(migration.key, Catalog({}))


def lint_migration(settings: Settings, migration: MigrationFile, *, server_major: int,
                   honour_inline_allows: bool = True, catalog: Catalog | None = None,
                   inputs: LintInputs | None = None) -> list[Finding]:
    """Lint one migration's up part (see `lint_text` for `honour_inline_allows`) against the schema it meets
    (`catalog`; default: the project's earlier files, folded when a rule asks), with the application queries it
    breaks (`lint.queries`)."""
    shared = inputs or LintInputs(settings)
    path = display_path(settings, migration.script)
    schema = LazyCatalog(lambda: catalog if catalog is not None else shared.before(migration))
    found = lint_text(migration.up_sql, path, server_major=server_major,
                      lock_timeout_configured=settings.environment.lock_timeout is not None,
                      honour_inline_allows=honour_inline_allows, schema=schema)
    if shared.queries:
        hits, _ = impact(migration.up_sql, schema.catalog.tables, shared.queries)
        found += [finding_of(hit, path, migration.up_sql) for hit in hits]
    return found


def catalogs_before(settings: Settings) -> dict[str, Catalog]:
    """Each versioned migration's key → the catalog its earlier files leave (folded statically, no database)."""
    files = project_migrations(settings).versioned
    return _folded(tuple((f.key, f.up_sql) for f in files))


@functools.lru_cache(maxsize=4)
def _folded(files: tuple[tuple[str, str], ...]) -> dict[str, Catalog]:
    before: dict[str, Catalog] = {}
    catalog = Catalog({})
    for index, (key, text) in enumerate(files):
        before[key] = catalog
        if index + 1 < len(files):  # what the last file leaves is met by no file
            catalog = fold(catalog, text)
    return before


def lint_migrations(settings: Settings, migrations: list[MigrationFile], *, server_major: int,
                    catalog: Catalog | None = None, queries: list[AppQuery] | None = None,
                    before: dict[str, Catalog] | None = None) -> LintReport:
    """Lint `migrations`, marking the unsafe findings their approvals cover. With `catalog` (the target's, for
    its pending files in order), each file meets what the files before it leave; `before` gives the catalogs the
    earlier files leave (default: folded statically)."""
    approvals = load_approvals(settings)
    inputs = LintInputs(settings, queries, before)
    files, approved = [], {}
    for migration in migrations:
        found = lint_migration(settings, migration, server_major=server_major, catalog=catalog, inputs=inputs)
        if catalog is not None:
            catalog = fold(catalog, migration.up_sql)
        approved.update(approved_findings(migration, found, approvals))
        files.append((display_path(settings, migration.script), tuple(found)))
    return LintReport(tuple(files), server_major, approved)


def _lint_paths(settings: Settings, paths: list[str], server_major: int,
                before: dict[str, Catalog] | None = None) -> LintReport:
    """Chosen files: the project's migrations among them with their approvals, other files as they are."""
    own = {(settings.migrations_dir / m.script).resolve(): m for m in _all(settings)} \
        if settings.migrations_dir.is_dir() else {}
    approvals = load_approvals(settings)
    inputs = LintInputs(settings, before=before)
    files, approved = [], {}
    for name in paths:
        path = Path(name)
        if not path.is_file():
            raise DiscoveryError([(name, "no such file to lint")])
        migration = own.get(path.resolve())
        if migration is not None:
            found = lint_migration(settings, migration, server_major=server_major, inputs=inputs)
            approved.update(approved_findings(migration, found, approvals))
        else:
            text = normalise(path.read_text(encoding="utf-8"))
            found = lint_text(split_sections(text).up, name, server_major=server_major,
                              lock_timeout_configured=settings.environment.lock_timeout is not None)
        files.append((name, tuple(found)))
    return LintReport(tuple(files), server_major, approved)


def _all(settings: Settings) -> list[MigrationFile]:
    migrations = project_migrations(settings)
    return [*migrations.versioned, *migrations.repeatable]


def lint_project(settings: Settings, *, paths: list[str] | None = None, state: ProjectState | None = None,
                 server_major: int | None = None, catalog: Catalog | None = None,
                 queries: list[AppQuery] | None = None, before: dict[str, Catalog] | None = None) -> LintReport:
    """Lint chosen files, every migration, or (given the target's `state`) what is pending there; `before`: the
    catalogs the earlier files leave, when not folded statically.

    Raises:
        DiscoveryError: bad migration files, or a named file that does not exist.
    """
    major = server_major or ASSUMED_SERVER_MAJOR
    if paths:
        return _lint_paths(settings, paths, major, before)
    if state is not None:
        chosen = [e.file for e in state.pending if e.file is not None]
    else:
        chosen = _all(settings)
    return lint_migrations(settings, chosen, server_major=major, catalog=catalog if state is not None else None,
                           queries=queries, before=before)
