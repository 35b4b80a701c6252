"""Read a migrations folder into `MigrationFile`s, reporting every bad file at once.

File names: `V<version>__<description>.sql` (versioned), `U<version>__<description>.sql` (undo of
that version), `R__<description>.sql` (repeatable). Other `.sql` names are errors; files with other
extensions and hidden folders are ignored. Nothing here touches a database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from dbworkbench.core.scripts import checksum, normalise, split_sections, wants_no_transaction
from dbworkbench.core.versions import Version
from dbworkbench.errors import DiscoveryError

_NAME_RE = re.compile(r"^(?:(?P<prefix>[VU])(?P<version>.+?)|R)__(?P<desc>.*)\.sql$")


class MigrationKind(str, Enum):
    """What a migration file or history row is."""

    VERSIONED = "versioned"
    REPEATABLE = "repeatable"
    BASELINE = "baseline"
    UNDO = "undo"


@dataclass(frozen=True, slots=True)
class MigrationFile:
    """One versioned or repeatable migration as found on disk, with its undo if it has one."""

    path: Path
    script: str
    """File name relative to the migrations folder, as recorded in history."""
    kind: MigrationKind
    version: Version | None
    description: str
    up_sql: str
    """Normalised text of the up part (the whole file when it has no undo section)."""
    checksum: str
    """SHA-256 of `up_sql`: what ran is what is guarded."""
    undo_sql: str | None
    undo_script: str | None
    """Where the undo text lives: the U file, or this file for an undo section."""
    undo_line: int
    """1-based line of the undo text's first line in `undo_script`."""
    no_transaction: bool
    """The file carries the `-- dbworkbench:no-transaction` directive."""

    @property
    def key(self) -> str:
        """The history key: canonical version, or the description of a repeatable file."""
        return self.version.canonical if self.version is not None else self.description


@dataclass(frozen=True, slots=True)
class MigrationSet:
    """Every migration of a folder: versioned ones in version order, then repeatables by name."""

    folder: Path
    versioned: tuple[MigrationFile, ...]
    repeatable: tuple[MigrationFile, ...]

    def by_version(self) -> dict[str, MigrationFile]:
        """Versioned files keyed by canonical version."""
        return {m.key: m for m in self.versioned}


@dataclass(frozen=True, slots=True)
class _Parsed:
    path: Path
    script: str
    prefix: str
    version: Version | None
    description: str
    text: str


def _describe(raw: str) -> str:
    return raw.replace("_", " ").strip()


def _parse_one(folder: Path, path: Path, problems: list[tuple[str, str]]) -> _Parsed | None:
    script = path.relative_to(folder).as_posix()
    match = _NAME_RE.match(path.name)
    if match is None:
        problems.append((script, "name is not V<version>__<description>.sql, U<version>__<description>.sql or R__<description>.sql"))
        return None
    try:
        text = normalise(path.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as exc:
        problems.append((script, f"not UTF-8 (byte {exc.start}): re-save the file as UTF-8"))
        return None
    except OSError as exc:
        problems.append((script, f"cannot be read: {exc.strerror}"))
        return None
    description = _describe(match.group("desc"))
    if not description:
        problems.append((script, "the description after `__` is empty"))
        return None
    if match.group("prefix") is None:
        return _Parsed(path, script, "R", None, description, text)
    try:
        version = Version.parse(match.group("version"))
    except ValueError as exc:
        problems.append((script, str(exc)))
        return None
    return _Parsed(path, script, match.group("prefix"), version, description, text)


def _sql_files(folder: Path) -> list[Path]:
    return sorted(
        p for p in folder.rglob("*.sql")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def _unique(items: list[_Parsed], problems: list[tuple[str, str]]) -> dict[Version | str, _Parsed]:
    """Key files by version (or lower-cased description), reporting duplicates."""
    keyed: dict[Version | str, _Parsed] = {}
    for item in items:
        key: Version | str = item.version if item.version is not None else item.description.lower()
        if key in keyed:
            problems.append((item.script, f"duplicates {keyed[key].script}"))
        else:
            keyed[key] = item
    return keyed


def discover(folder: Path) -> MigrationSet:
    """Read every migration file under `folder`.

    Raises:
        DiscoveryError: listing every file with a bad name, duplicate version, orphan undo,
            conflicting undo, or undecodable content.
    """
    if not folder.is_dir():
        raise DiscoveryError([(str(folder), "migrations folder does not exist")])
    problems: list[tuple[str, str]] = []
    parsed = [p for p in (_parse_one(folder, path, problems) for path in _sql_files(folder)) if p is not None]

    ups = _unique([p for p in parsed if p.prefix == "V"], problems)
    undos = _unique([p for p in parsed if p.prefix == "U"], problems)
    repeatables = _unique([p for p in parsed if p.prefix == "R"], problems)
    for version, undo in undos.items():
        if version not in ups:
            problems.append((undo.script, f"undo for version {undo.version} but there is no V{undo.version}__ file"))

    versioned: list[MigrationFile] = []
    for version, item in sorted(ups.items(), key=lambda kv: kv[1].version or Version((), "")):
        sections = split_sections(item.text)
        undo_file = undos.get(version)
        if undo_file is not None and sections.undo is not None:
            problems.append((item.script, f"has an undo section and an undo file {undo_file.script}: keep one"))
            continue
        if undo_file is not None:
            undo_sql, undo_script, undo_line = undo_file.text, undo_file.script, 1
        elif sections.undo is not None:
            undo_sql, undo_script, undo_line = sections.undo, item.script, sections.undo_line or 1
        else:
            undo_sql, undo_script, undo_line = None, None, 1
        versioned.append(MigrationFile(
            path=item.path, script=item.script, kind=MigrationKind.VERSIONED, version=version,
            description=item.description, up_sql=sections.up, checksum=checksum(sections.up),
            undo_sql=undo_sql, undo_script=undo_script, undo_line=undo_line,
            no_transaction=wants_no_transaction(sections.up),
        ))
    repeatable = [
        MigrationFile(
            path=item.path, script=item.script, kind=MigrationKind.REPEATABLE, version=None,
            description=item.description, up_sql=item.text, checksum=checksum(item.text),
            undo_sql=None, undo_script=None, undo_line=1, no_transaction=wants_no_transaction(item.text),
        )
        for _, item in sorted(repeatables.items())
    ]
    if problems:
        raise DiscoveryError(sorted(problems))
    return MigrationSet(folder, tuple(versioned), tuple(repeatable))
