"""Liquibase's formatted SQL changelogs read in place: every `.sql` file of the migrations folder that starts with
`--liquibase formatted sql`, in the order a `changelog.xml` there includes them (else by name, like `includeAll`),
and each `--changeset author:id` in it is one migration, its `--rollback` lines the undo. A changeset's version is
its position in that order (keep the changelog append-only, as Liquibase's own history assumes); its description is
`author:id`, and its text keeps the file's line numbers (the lines before it are left blank). `runInTransaction:false`
runs it outside a transaction. XML, YAML and JSON changesets are not read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from dbworkbench.core.discovery import MigrationFile, MigrationKind, blank, read_text
from dbworkbench.core.scripts import checksum, wants_no_transaction
from dbworkbench.core.versions import Version

MASTER = "changelog.xml"
"""A master changelog in the folder, whose `<include file=…>` order is the files' order."""
_HEADER_RE = re.compile(r"^\s*--\s*liquibase\s+formatted\s+sql\b", re.IGNORECASE)
_CHANGESET_RE = re.compile(r"^--\s*changeset\s+(?P<author>[^:\s]+):(?P<id>\S+)(?P<attributes>.*)$", re.MULTILINE)
_ROLLBACK_RE = re.compile(r"^--\s*rollback\s?(?P<sql>.*)$", re.MULTILINE)


@dataclass(frozen=True, slots=True)
class Changeset:
    """One `--changeset` of a formatted SQL changelog."""

    file: str
    author: str
    id: str
    line: int

    @property
    def identity(self) -> str:
        """`author:id`, as Liquibase names it."""
        return f"{self.author}:{self.id}"


def changelog_files(folder: Path, problems: list[tuple[str, str]]) -> list[str]:
    """The formatted SQL changelogs, in order."""
    found = sorted(p.name for p in folder.glob("*.sql") if p.is_file() and _is_changelog(p))
    master = folder / MASTER
    if not master.is_file():
        return found
    try:
        includes = [e.get("file", "") for e in ElementTree.parse(master).getroot().iter()
                    if e.tag.rpartition("}")[2] == "include"]
    except ElementTree.ParseError as exc:
        problems.append((MASTER, f"is not valid XML: {exc}"))
        return found
    ordered = [name.removeprefix("./") for name in includes if name.removeprefix("./") in found]
    missing = [name for name in includes if name.endswith(".sql") and name.removeprefix("./") not in found]
    problems += [(MASTER, f"includes {name}, which is not a formatted SQL changelog in the folder") for name in missing]
    return ordered + [name for name in found if name not in ordered]


def _is_changelog(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            return bool(_HEADER_RE.match(handle.readline()))
    except OSError:
        return True  # read with the others, so that `read_text` names what is wrong with it


def read_liquibase(folder: Path, problems: list[tuple[str, str]]) -> tuple[list[MigrationFile], list[Changeset]]:
    """Every changeset as a versioned migration, and the changesets themselves (same order)."""
    files: list[MigrationFile] = []
    changesets: list[Changeset] = []
    seen: dict[str, str] = {}
    for name in changelog_files(folder, problems):
        text = read_text(str(folder), name, problems)
        if text is None:
            continue
        marks = list(_CHANGESET_RE.finditer(text))
        if not marks:
            problems.append((name, "a formatted SQL changelog without a `--changeset author:id` line"))
        for index, mark in enumerate(marks):
            line = text.count("\n", 0, mark.start()) + 1
            changeset = Changeset(name, mark.group("author"), mark.group("id"), line)
            if changeset.identity in seen:
                problems.append((f"{name}:{line}", f"changeset {changeset.identity} is also in {seen[changeset.identity]}"))
                continue
            seen[changeset.identity] = f"{name}:{line}"
            end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
            body = text[mark.end() + 1:end]
            rollback = "\n".join(m.group("sql") for m in _ROLLBACK_RE.finditer(body)).strip()
            up = "\n" * line + _ROLLBACK_RE.sub("", body)
            undo = rollback + "\n" if rollback and rollback.lower() != "not required" else None
            attributes = mark.group("attributes").replace(" ", "").lower()
            files.append(MigrationFile(name, MigrationKind.VERSIONED, Version.parse(str(len(files) + 1)),
                                       changeset.identity, up, checksum(up), None if undo is None or blank(undo)
                                       else undo, name if undo else None, line,
                                       "runintransaction:false" in attributes or wants_no_transaction(up)))
            changesets.append(changeset)
    return files, changesets
