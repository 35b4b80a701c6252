"""Other tools' migration folders, read in place (`layout = "golang-migrate"` in dbworkbench.toml, or `--layout`).

- `dbworkbench` and `flyway`: `V<version>__<description>.sql`, `U…` undo files, `R__…` repeatables
  (`core.discovery`; Flyway's names are dbworkbench's).
- `golang-migrate`: `<version>_<name>.up.sql` and `<version>_<name>.down.sql` in the folder itself.
- `dbmate`: `<version>_<name>.sql` holding `-- migrate:up` (optionally `transaction:false`) and `-- migrate:down`.
- `sqitch`: `sqitch.plan` with `deploy/` and `revert/` (`core.layouts_sqitch`; versions are plan positions).
- `liquibase`: formatted SQL changelogs, a changeset each (`core.layouts_liquibase`; versions are positions).

Each file becomes the same `MigrationFile` dbworkbench's own names give, so planning, history, lint and undo work
alike; a dbmate file's up part keeps the lines before its down marker, so error positions are the file's own lines.
Nothing here touches a database.
"""

from __future__ import annotations

import re
from pathlib import Path

from dbworkbench.config import LAYOUTS as LAYOUTS
from dbworkbench.config import STATE_DIR, Settings
from dbworkbench.core.discovery import (
    MigrationFile,
    MigrationKind,
    MigrationSet,
    blank,
    describe,
    discover,
    printable,
    read_text,
    sql_files,
)
from dbworkbench.core.layouts_liquibase import read_liquibase
from dbworkbench.core.layouts_sqitch import read_sqitch
from dbworkbench.core.migration_cache import Signature, cached_migrations
from dbworkbench.core.scripts import checksum, wants_no_transaction
from dbworkbench.core.versions import Version
from dbworkbench.errors import ConfigError, DiscoveryError

_GOLANG_RE = re.compile(r"^(?P<version>\d+)_(?P<desc>.*)\.(?P<direction>up|down)\.sql$")
_DBMATE_RE = re.compile(r"^(?P<version>\d+)_?(?P<desc>.*)\.sql$")
_DBMATE_MARK_RE = re.compile(r"^--\s*migrate:(?P<which>up|down)\b(?P<options>[^\n]*)$", re.MULTILINE)


def project_migrations(settings: Settings, *, cached: bool = False, signature: Signature | None = None
                       ) -> MigrationSet:
    """The project's migrations, read in its layout; `cached` (for `status`) takes them from the stat-keyed cache
    when no file changed (`core.migration_cache`; `signature`: the folder's, just taken by the caller).

    Raises:
        DiscoveryError: every bad file at once.
    """
    def read() -> MigrationSet:
        return read_layout(settings.migrations_dir, settings.layout)
    if not cached:
        return read()
    return cached_migrations(settings.migrations_dir, settings.layout, settings.project_dir / STATE_DIR / "cache", read,
                             signature)


def require_own_names(settings: Settings, what: str) -> None:
    """Refuse to write a file under dbworkbench's names into a folder of another tool's layout.

    Raises:
        ConfigError: the project's layout is golang-migrate or dbmate.
    """
    if settings.layout not in ("dbworkbench", "flyway"):
        raise ConfigError(f"{what} writes dbworkbench's file names, and this project reads layout {settings.layout!r}, "
                          f"whose tool would not read them: write the file under {settings.layout}'s names.",
                          title="another tool's layout")


def read_layout(folder: Path, layout: str) -> MigrationSet:
    """A folder's migrations in the named layout (see the module)."""
    if layout in ("dbworkbench", "flyway"):
        return discover(folder)
    if not folder.is_dir():
        raise DiscoveryError([(str(folder), "migrations folder does not exist")])
    problems: list[tuple[str, str]] = []
    if layout == "sqitch":
        found = read_sqitch(folder, problems)
    elif layout == "liquibase":
        found = read_liquibase(folder, problems)[0]
    else:
        scripts = [script for script, _ in sql_files(folder, problems) if "/" not in script]  # neither tool recurses
        found = _golang(folder, scripts, problems) if layout == "golang-migrate" else _dbmate(folder, scripts,
                                                                                              problems)
    keyed: dict[str, MigrationFile] = {}
    for file in found:
        if file.key in keyed:
            problems.append((file.script, f"version {file.version} duplicates {keyed[file.key].script}"))
        keyed[file.key] = file
    if problems:
        raise DiscoveryError(sorted(problems))
    ordered = sorted(keyed.values(), key=lambda f: f.version.parts if f.version else ())
    return MigrationSet(folder, tuple(ordered), ())


def _versioned(script: str, version: Version, description: str, up: str, undo: str | None, undo_script: str | None,
               undo_line: int, no_transaction: bool) -> MigrationFile:
    if undo is not None and blank(undo):
        undo, undo_script = None, None
    return MigrationFile(script, MigrationKind.VERSIONED, version, description or script, up, checksum(up), undo,
                         undo_script, undo_line, no_transaction)


def _golang(folder: Path, scripts: list[str], problems: list[tuple[str, str]]) -> list[MigrationFile]:
    ups: dict[str, tuple[str, Version, str]] = {}
    downs: dict[str, str] = {}
    for script in scripts:
        match = _GOLANG_RE.match(script)
        if match is None:
            problems.append((printable(script), "name is not <version>_<name>.up.sql or <version>_<name>.down.sql "
                             "(layout golang-migrate)"))
            continue
        version = Version.parse(match.group("version"))
        if match.group("direction") == "down":
            downs[version.canonical] = script
        elif version.canonical in ups:
            problems.append((script, f"version {version} duplicates {ups[version.canonical][0]}"))
        else:
            ups[version.canonical] = (script, version, describe(match.group("desc")))
    for key, script in downs.items():
        if key not in ups:
            problems.append((script, "a down file without its up file"))
    found = []
    for key, (script, version, description) in ups.items():
        up = read_text(str(folder), script, problems)
        down = read_text(str(folder), downs[key], problems) if key in downs else None
        if up is not None:
            found.append(_versioned(script, version, description, up, down, downs.get(key), 1,
                                    wants_no_transaction(up)))
    return found


def _dbmate(folder: Path, scripts: list[str], problems: list[tuple[str, str]]) -> list[MigrationFile]:
    found = []
    for script in scripts:
        match = _DBMATE_RE.match(script)
        if match is None:
            problems.append((printable(script), "name does not start with a version: <version>_<name>.sql "
                             "(layout dbmate)"))
            continue
        text = read_text(str(folder), script, problems)
        if text is None:
            continue
        marks = {m.group("which"): m for m in reversed(list(_DBMATE_MARK_RE.finditer(text)))}
        up_mark, down_mark = marks.get("up"), marks.get("down")
        if up_mark is None or (down_mark is not None and down_mark.start() < up_mark.start()):
            problems.append((script, "dbmate needs a `-- migrate:up` line before `-- migrate:down`"))
            continue
        end = down_mark.start() if down_mark is not None else len(text)
        up = text[:end]
        undo = text[down_mark.end() + 1:] if down_mark is not None else None
        undo_line = text.count("\n", 0, down_mark.end()) + 2 if down_mark is not None else 1
        no_transaction = "transaction:false" in up_mark.group("options").replace(" ", "") or wants_no_transaction(up)
        found.append(_versioned(script, Version.parse(match.group("version")), describe(match.group("desc")), up,
                                undo, script if undo is not None else None, undo_line, no_transaction))
    return found
