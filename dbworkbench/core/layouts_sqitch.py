"""Sqitch's layout read in place: `sqitch.plan` orders the changes; each change's `deploy/NAME.sql` is its up part
and `revert/NAME.sql` its undo (`verify/` is Sqitch's own and not run). A change's version is its position in the
plan (1, 2, …), so the plan must stay append-only, as Sqitch's own history assumes. A reworked change (the same name
later in the plan) keeps its earlier scripts as `deploy/NAME@TAG.sql`, TAG being the first tag after it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from dbworkbench.core.discovery import MigrationFile, MigrationKind, blank, printable, read_text
from dbworkbench.core.scripts import checksum, wants_no_transaction
from dbworkbench.core.versions import Version

PLAN = "sqitch.plan"
"""Sqitch's plan file, in the migrations folder."""


@dataclass(frozen=True, slots=True)
class PlannedChange:
    """One change line of the plan."""

    name: str
    line: int
    tag_after: str | None
    """The first tag after it in the plan."""
    script: str
    """`deploy/NAME.sql` (or `deploy/NAME@TAG.sql` for an instance reworked later)."""


def read_plan(folder: Path, problems: list[tuple[str, str]]) -> tuple[str | None, list[PlannedChange]]:
    """The plan's project name and its changes, in order; problems are added to `problems`."""
    path = folder / PLAN
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problems.append((PLAN, f"cannot be read as UTF-8 text ({getattr(exc, 'strerror', None) or exc}); layout "
                         "sqitch needs the plan in the migrations folder"))
        return None, []
    project: str | None = None
    found: list[tuple[str, int]] = []
    tags: dict[int, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("%"):
            key, _, value = line[1:].partition("=")
            if key.strip() == "project":
                project = value.strip()
            continue
        token = line.split()[0]
        if token.startswith("@"):
            for index in range(len(found) - 1, -1, -1):
                if index in tags:
                    break
                tags[index] = token[1:]
            continue
        if token.startswith("-"):
            problems.append((f"{PLAN}:{number}", f"a revert entry ({token}) in the plan is not supported; dbworkbench "
                             "reads plans that only add changes"))
            continue
        found.append((token.removeprefix("+"), number))
    changes = []
    for index, (name, number) in enumerate(found):
        later = any(other == name for other, _ in found[index + 1:])
        tag = tags.get(index)
        if later and tag is None:
            problems.append((f"{PLAN}:{number}", f"change {name!r} is reworked later, but no tag follows it"))
        script = f"deploy/{name}@{tag}.sql" if later and tag else f"deploy/{name}.sql"
        changes.append(PlannedChange(name, number, tag, script))
    return project, changes


def read_sqitch(folder: Path, problems: list[tuple[str, str]]) -> list[MigrationFile]:
    """Every change of the plan as a versioned migration (see the module)."""
    _, changes = read_plan(folder, problems)
    found = []
    for position, change in enumerate(changes, 1):
        if printable(change.name) != change.name:
            problems.append((f"{PLAN}:{change.line}", "a change name holds control characters"))
            continue
        up = read_text(str(folder), change.script, problems)
        undo_script = "revert/" + change.script.removeprefix("deploy/")
        undo = read_text(str(folder), undo_script, problems) if (folder / undo_script).exists() else None
        if up is None:
            continue
        if undo is not None and blank(undo):
            undo = None
        found.append(MigrationFile(change.script, MigrationKind.VERSIONED, Version.parse(str(position)), change.name,
                                   up, checksum(up), undo, undo_script if undo is not None else None, 1,
                                   wants_no_transaction(up)))
    return found


def script_hash(folder: Path, script: str) -> str:
    """Sqitch's `script_hash` of a deploy script: SHA-1 of its bytes."""
    return hashlib.sha1((folder / script).read_bytes(), usedforsecurity=False).hexdigest()
