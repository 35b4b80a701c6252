"""Seed data tagged by the schema version it fits: `seeds/V<version>__<description>.sql` beside the migrations
folder, plain SQL (INSERTs, UPDATEs, `SELECT setval(...)`) written against the schema at that version.

`migrate_seeded` proves that existing data survives the migrations after its version: a fresh database at the
seed's version (from the template cache), the seed loaded, then migrated to the latest by the engine. `ci` runs it
for every seed file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg

from dbworkbench.app.scratch import fresh_migrated, migrate_scratch
from dbworkbench.config import Settings
from dbworkbench.core.lexer import Statement, line_col
from dbworkbench.core.syntax import SqlSyntaxError, parse_statements
from dbworkbench.core.versions import Version
from dbworkbench.errors import DiscoveryError, PlanError

_SEED = re.compile(r"^V(?P<version>.+?)__(?P<description>.+)\.sql$")


@dataclass(frozen=True, slots=True)
class SeedFile:
    """One seed file and the version whose schema it fits."""

    path: Path
    name: str
    """Relative to the project."""
    version: Version


def seeds_dir(settings: Settings) -> Path:
    """`seeds/` beside the migrations folder."""
    return settings.migrations_dir.parent / "seeds"


def seed_files(settings: Settings) -> tuple[SeedFile, ...]:
    """The seed files, oldest version first (empty without a seeds folder).

    Raises:
        DiscoveryError: a .sql file in the folder whose name carries no version.
    """
    folder = seeds_dir(settings)
    if not folder.is_dir():
        return ()
    found, problems = [], []
    for path in sorted(folder.glob("*.sql")):
        shown = path.relative_to(settings.project_dir).as_posix() if path.is_relative_to(settings.project_dir) \
            else str(path)
        match = _SEED.match(path.name)
        try:
            version = Version.parse(match["version"]) if match else None
        except ValueError:
            version = None
        if version is None:
            problems.append((shown, "a seed file is named V<version>__<description>.sql, the version whose schema "
                             "its data fits"))
            continue
        found.append(SeedFile(path, shown, version))
    if problems:
        raise DiscoveryError(problems)
    return tuple(sorted(found, key=lambda s: (s.version, s.name)))


def migrate_seeded(settings: Settings, seed: SeedFile) -> None:
    """Load `seed` into a fresh database at its version, then migrate that database to the latest.

    Raises:
        PlanError: no migration has the seed's version, or the seed does not load there (its line named).
        MigrationFailedError: a later migration fails on the seeded data.
    """
    statements = read_seed(seed)
    with fresh_migrated(settings, upto=seed.version) as fresh:
        with psycopg.connect(fresh.conninfo) as conn:  # one transaction: a failure leaves nothing
            run_seed(conn, seed, statements)
        migrate_scratch(settings, fresh.conninfo)


def read_seed(seed: SeedFile) -> Sequence[Statement]:
    """The seed's statements.

    Raises:
        PlanError: it cannot be read as UTF-8 text, or does not parse (its line named).
    """
    try:
        text = seed.path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise PlanError(f"{seed.name} is not UTF-8 text (byte {exc.start} cannot be read); save it as UTF-8.",
                        title="seed does not load") from exc
    except OSError as exc:
        raise PlanError(f"{seed.name} cannot be read: {exc.strerror}.", title="seed does not load") from exc
    try:
        return parse_statements(text)
    except SqlSyntaxError as exc:
        raise PlanError(f"{seed.name}:{line_col(text, exc.offset)[0]}: {exc.message}; nothing was loaded.",
                        title="SQL syntax error") from exc


def run_seed(conn: psycopg.Connection[Any], seed: SeedFile, statements: Sequence[Statement]) -> None:
    """Run the seed's statements on `conn`, inside the caller's transaction.

    Raises:
        PlanError: a statement fails (its line named); the caller's transaction is rolled back.
    """
    for statement in statements:
        try:
            conn.execute(statement.text, prepare=False)
        except psycopg.Error as exc:
            raise PlanError(f"{seed.name}:{statement.line}: does not load at version {seed.version.text}: "
                            f"{exc.diag.message_primary or exc}; the seed's transaction was rolled back, nothing of "
                            "it was loaded.", title="seed does not load") from exc
