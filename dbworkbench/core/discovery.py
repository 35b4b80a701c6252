"""Read a migrations folder into `MigrationFile`s, reporting every bad file at once.

File names: `V<version>__<description>.sql` (versioned), `U<version>__<description>.sql` (undo of
that version), `R__<description>.sql` (repeatable), `B<version>__<description>.sql` (a baseline: the schema and
rows at that version, run instead of the versioned files up to it on a database whose history is empty). Other `.sql` names are errors; files with other
extensions and hidden folders are ignored. Nothing here touches a database.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from dbworkbench.core.scripts import ScriptSections, checksum, normalise, split_sections, wants_no_transaction
from dbworkbench.core.versions import Version
from dbworkbench.errors import DiscoveryError

_NAME_RE = re.compile(r"^(?:(?P<prefix>[VUB])(?P<version>.+?)|R)__(?P<desc>.*)\.sql$")


class MigrationKind(StrEnum):
    """What a migration file or history row is."""

    VERSIONED = "versioned"
    REPEATABLE = "repeatable"
    BASELINE = "baseline"
    UNDO = "undo"


@dataclass(frozen=True, slots=True)
class MigrationFile:
    """One versioned or repeatable migration as found on disk, with its undo if it has one."""

    script: str
    """Path relative to the migrations folder, as recorded in history."""
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
    baselines: tuple[MigrationFile, ...] = ()
    """Baseline files (`B<version>__`), in version order."""

    def by_version(self) -> dict[str, MigrationFile]:
        """Versioned files keyed by canonical version."""
        return {m.key: m for m in self.versioned}


_Parsed = tuple[str, str, Version | None, str, str]
"""(script, prefix V/U/R, version, description, normalised text) of one readable, well-named file."""


def blank(text: str) -> bool:
    """Only whitespace, comments and semicolons: an undo like this undoes nothing, so it is no undo (`down` refuses
    instead of recording an undo that did not happen; `undo V --write` fills the section in)."""
    start = text.lstrip()[:1]
    if start and start not in "-/;":
        return False  # the first token is neither a comment nor a semicolon
    from dbworkbench.core.lexer import Token, UnterminatedError, tokens  # a cached `status` never lexes

    try:
        return all(kind in (Token.SPACE, Token.COMMENT, Token.SEMICOLON) for kind, _, _ in tokens(text))
    except UnterminatedError:
        return False


def describe(raw: str) -> str:
    return raw.replace("_", " ").strip()


def printable(name: str) -> str:
    """A file name safe to print: control characters (terminal escapes among them) shown as \\xNN."""
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in name)


def _parse_one(folder: str, script: str, name: str, problems: list[tuple[str, str]]) -> _Parsed | None:
    if printable(script) != script:
        problems.append((printable(script), "the name holds control characters (a terminal escape?): rename it"))
        return None
    if not name.endswith(".sql"):
        problems.append((script, "the extension must be `.sql` in lower case, or the file is never run: rename it"))
        return None
    match = _NAME_RE.match(name)
    if match is None:
        problems.append((script, "name is not V<version>__<description>.sql, U<version>__<description>.sql, "
                         "R__<description>.sql or B<version>__<description>.sql"))
        return None
    text = read_text(folder, script, problems)
    if text is None:
        return None
    description = describe(match.group("desc"))
    if not description:
        problems.append((script, "the description after `__` is empty"))
        return None
    prefix = match.group("prefix")
    if prefix is None:
        return (script, "R", None, description, text)
    try:
        version = Version.parse(match.group("version"))
    except ValueError as exc:
        problems.append((script, str(exc)))
        return None
    return (script, prefix, version, description, text)


def read_text(folder: str, script: str, problems: list[tuple[str, str]]) -> str | None:
    """A migration file's normalised text, or None with the reason added to `problems` (not UTF-8, unreadable, a
    NUL byte PostgreSQL text cannot hold)."""
    try:
        with open(f"{folder}/{script}", "rb") as handle:
            text = handle.read().decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append((script, f"not UTF-8 (byte {exc.start}): re-save the file as UTF-8"))
        return None
    except OSError as exc:
        problems.append((script, f"cannot be read: {exc.strerror}"))
        return None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        problems.append((script, f"holds a NUL byte (line {line}), which PostgreSQL text cannot: remove it"))
        return None
    return normalise(text) if "\r" in text or text.startswith("\ufeff") else text


def sql_files(folder: Path, problems: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(script relative to folder, file name) of every .sql file (any case of the extension, so that a `.SQL` is
    reported rather than ignored), skipping hidden entries; sorted. Unreadable folders and symlink loops are
    problems, and a folder reached twice (a link to a parent) is read once."""
    found: list[tuple[str, str]] = []
    pending = [("", str(folder))]
    seen: set[str] = set()
    while pending:
        prefix, directory = pending.pop()
        real = os.path.realpath(directory)
        if real in seen:
            problems.append((prefix.rstrip("/") or str(folder), "a link back to a folder already read: remove it"))
            continue
        seen.add(real)
        try:
            with os.scandir(directory) as entries:
                listed = list(entries)
        except OSError as exc:
            problems.append((prefix.rstrip("/") or str(folder), f"cannot be read: {exc.strerror}"))
            continue
        for entry in listed:
            if entry.name.startswith("."):
                continue
            if entry.is_symlink() and not os.path.exists(entry.path):
                problems.append((printable(prefix + entry.name), "a broken link or a symlink loop: remove it"))
                continue
            try:
                is_dir, is_file = entry.is_dir(), entry.is_file()
            except OSError as exc:
                problems.append((printable(prefix + entry.name), f"cannot be read: {exc.strerror}"))
                continue
            if is_dir:
                pending.append((f"{prefix}{entry.name}/", entry.path))
            elif entry.name.lower().endswith(".sql") and is_file:
                found.append((prefix + entry.name, entry.name))
    return sorted(found)


def _unique(items: list[_Parsed], problems: list[tuple[str, str]]) -> dict[str, _Parsed]:
    """Key files by canonical version (or lower-cased description), reporting duplicates."""
    keyed: dict[str, _Parsed] = {}
    for item in items:
        key = item[2].canonical if item[2] is not None else item[3].lower()
        if key in keyed:
            problems.append((item[0], f"duplicates {keyed[key][0]}"))
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
    root = str(folder)
    parsed = [p for p in (_parse_one(root, script, name, problems) for script, name in sql_files(folder, problems))
              if p is not None]

    ups = _unique([p for p in parsed if p[1] == "V"], problems)
    undos = _unique([p for p in parsed if p[1] == "U"], problems)
    repeatables = _unique([p for p in parsed if p[1] == "R"], problems)
    baselines = _baselines(_unique([p for p in parsed if p[1] == "B"], problems), problems)
    for key, (undo_script_name, _, undo_version, _, _) in undos.items():
        if key not in ups:
            problems.append((undo_script_name, f"undo for version {undo_version} but there is no V{undo_version}__ file"))

    versioned: list[MigrationFile] = []
    for key in sorted(ups, key=lambda k: ups[k][2].parts):  # type: ignore[union-attr]
        script, _, version, description, text = ups[key]
        sections = split_sections(text)
        if sections.undo is not None and blank(sections.undo):
            sections = ScriptSections(sections.up, None, None)  # `-- @undo` with nothing under it: no undo yet
        undo_file = undos.get(key)
        if undo_file is not None and blank(undo_file[4]):
            undo_file = None
        if undo_file is not None and sections.undo is not None:
            problems.append((script, f"has an undo section and an undo file {undo_file[0]}: keep one"))
            continue
        if undo_file is not None:
            undo_sql, undo_script, undo_line = undo_file[4], undo_file[0], 1
        elif sections.undo is not None:
            undo_sql, undo_script, undo_line = sections.undo, script, sections.undo_line or 1
        else:
            undo_sql, undo_script, undo_line = None, None, 1
        versioned.append(MigrationFile(script, MigrationKind.VERSIONED, version, description, sections.up,
                                       checksum(sections.up), undo_sql, undo_script, undo_line,
                                       wants_no_transaction(sections.up)))
    repeatable = [
        MigrationFile(script, MigrationKind.REPEATABLE, None, description, text, checksum(text), None, None, 1,
                      wants_no_transaction(text))
        for _, (script, _, _, description, text) in sorted(repeatables.items())
    ]
    if problems:
        raise DiscoveryError(sorted(problems))
    return MigrationSet(folder, tuple(versioned), tuple(repeatable), baselines)


def _baselines(found: dict[str, _Parsed], problems: list[tuple[str, str]]) -> tuple[MigrationFile, ...]:
    """Baseline files in version order; one with an undo section is an error (a new database has nothing to go
    back to)."""
    baselines = []
    for key in sorted(found, key=lambda k: found[k][2].parts):  # type: ignore[union-attr]
        script, _, version, description, text = found[key]
        if split_sections(text).undo is not None:
            problems.append((script, "a baseline file has no undo: remove its `-- @undo` section"))
            continue
        baselines.append(MigrationFile(script, MigrationKind.BASELINE, version, description, text, checksum(text),
                                       None, None, 1, wants_no_transaction(text)))
    return tuple(baselines)
