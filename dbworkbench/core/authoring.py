"""Writing new migration files: the next version with an empty undo section, and multi-step online recipes."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime
from pathlib import Path

from dbworkbench.config import Settings
from dbworkbench.core.discovery import discover
from dbworkbench.core.versions import Version, next_version
from dbworkbench.errors import ConfigError

BATCH_SIZE = 1000
"""Rows per batch in generated backfills."""


def not_null_column(table: str, column: str, type_: str, default: str) -> list[tuple[str, str]]:
    """The four migrations that add a NOT NULL column to a busy table without a long lock.

    1. add the column nullable with no default, then SET DEFAULT for new rows only (both catalog-only: no
       rewrite, whatever the expression, even a volatile one like gen_random_uuid());
    2. backfill existing rows in batches, each batch its own transaction;
    3. add CHECK (column IS NOT NULL) NOT VALID (no scan);
    4. VALIDATE it (a scan under SHARE UPDATE EXCLUSIVE, which does not block writes), then SET NOT NULL
       (PostgreSQL 12+ uses the valid CHECK instead of scanning) and drop the CHECK.

    (With a constant default on PostgreSQL 11+, `ADD COLUMN ... NOT NULL DEFAULT constant` alone is already
    instant; the recipe is for computed or volatile values, and for older servers.)
    """
    check = f"{table.rsplit('.', 1)[-1]}_{column}_not_null"
    timeout = "SET LOCAL lock_timeout = '5s';\n"
    return [
        (f"add {column} to {table}",
         f"{timeout}ALTER TABLE {table} ADD COLUMN {column} {type_};\n"
         f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {default};\n"
         f"-- @undo\nALTER TABLE {table} DROP COLUMN {column};\n"),
        (f"backfill {table} {column}",
         f"-- Each batch is its own transaction; an interrupted run resumes where it stopped.\n"
         f"-- dbworkbench:batch pause=10\n"
         f"UPDATE {table} SET {column} = {default}\n"
         f"WHERE ctid IN (SELECT ctid FROM {table} WHERE {column} IS NULL LIMIT {BATCH_SIZE} FOR UPDATE SKIP LOCKED);\n"
         f"-- @undo\nSELECT 1; -- nothing to undo: the values stay until the column is dropped\n"),
        (f"check {table} {column} not null",
         f"{timeout}ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID;\n"
         f"-- @undo\nALTER TABLE {table} DROP CONSTRAINT {check};\n"),
        (f"set {table} {column} not null",
         f"{timeout}ALTER TABLE {table} VALIDATE CONSTRAINT {check};\n"
         f"-- dbworkbench:allow setting-not-null because the CHECK validated above proves it: PostgreSQL 12+ "
         f"skips the scan\n"
         f"ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL;\n"
         f"ALTER TABLE {table} DROP CONSTRAINT {check};\n"
         f"-- @undo\nALTER TABLE {table} ALTER COLUMN {column} DROP NOT NULL;\n"),
    ]


def slug(description: str) -> str:
    """The description as a file name part: lower case letters and digits joined by `_` ("" when it has none)."""
    return "_".join("".join(c if c.isalnum() else " " for c in description.lower()).split())


def _shown(settings: Settings, path: Path) -> str:
    return path.relative_to(settings.project_dir).as_posix() if path.is_relative_to(settings.project_dir) else str(path)


def new_migration(settings: Settings, description: str, *, now: datetime | None = None, up: str = "") -> str:
    """Write the next versioned file with an (empty) undo section, `up` as its up part; returns its path relative
    to the project.

    Raises:
        ConfigError: the description has no letters or digits.
    """
    if not slug(description):
        raise ConfigError("the description must contain letters or digits, e.g. \"add users table\".")
    body = up.strip("\n") + "\n" if up.strip() else "\n"
    return write_recipe(settings, [(description, f"-- {description}\n\n{body}\n-- @undo\n\n")], now=now)[0]


def write_recipe(settings: Settings, files: list[tuple[str, str]], *, now: datetime | None = None) -> list[str]:
    """Write the recipe's files as the next versions; returns their paths relative to the project.

    Raises:
        ConfigError: a step without a description. DiscoveryError: the folder holds bad file names.
    """
    folder = settings.migrations_dir
    existing: list[Version] = [m.version for m in discover(folder).versioned if m.version] if folder.is_dir() else []
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d%H%M%S")
    written = []
    for description, text in files:
        name = slug(description)
        if not name:
            raise ConfigError("a recipe step needs a description.")
        version = next_version(existing, timestamp=stamp)
        existing.append(Version.parse(version))
        stamp = str(int(stamp) + 1)
        path = folder / f"V{version}__{name}.sql"
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(_shown(settings, path))
    return written


_VERSIONED_NAME = re.compile(r"^V(?P<version>.+?)__(?P<rest>.*\.sql)$")


def renumber_file(settings: Settings, script: str, *, taken: tuple[str, ...] = (),
                  now: datetime | None = None) -> tuple[str, str]:
    """Rename versioned file `script` (a name in the migrations folder) to the next free version, the fix for two
    branches adding the same one; returns (old, new) paths relative to the project. Reads only names, so it works
    while two files share a version. `taken`: more file names whose versions count as used (another branch's).
    Only for a file no database has applied yet (history keeps the old name).

    Raises:
        ConfigError: no such versioned file.
    """
    folder = settings.migrations_dir
    path = folder / script
    match = _VERSIONED_NAME.match(path.name)
    if match is None or not path.is_file():
        raise ConfigError(f"{script!r} is not a versioned file in {folder} (write its name, e.g. V12__add_x.sql).")
    existing = []
    for other in (*(p.name for p in folder.rglob("V*__*.sql")), *taken):
        found = _VERSIONED_NAME.match(Path(other).name)
        if found is not None:
            with contextlib.suppress(ValueError):  # a bad name is discovery's to report
                existing.append(Version.parse(found["version"]))
    version = next_version(existing, timestamp=(now or datetime.now(UTC)).strftime("%Y%m%d%H%M%S"))
    target = path.with_name(f"V{version}__{match['rest']}")
    path.rename(target)
    return _shown(settings, path), _shown(settings, target)
