"""The `conflicts` verb: versioned files that collide, the common merge pain of two branches each adding the next
version.

Two kinds, kept apart. Files sharing a version are harmless to fix (renumber one). Files that touch the same
objects (tables, columns, types, functions, read from PostgreSQL's parse tree) are where order matters and
someone must look. With `base` (a git ref, say `origin/main`) the files added on this branch (in the folder, not
in `base`) are compared with the files `base` added since the branches parted (in `base`, not in their merge
base); without it, the files of the folder sharing a version are compared with each other. Nothing connects to a
database.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path

from dbworkbench.config import Settings
from dbworkbench.core.discovery import MigrationFile, MigrationSet
from dbworkbench.core.layouts import project_migrations
from dbworkbench.core.versions import Version
from dbworkbench.errors import ConfigError
from dbworkbench.lint.objects import touched_objects

_VERSIONED = re.compile(r"^V(?P<version>.+?)__.*\.sql$")


@dataclass(frozen=True, slots=True)
class Collision:
    """Files with one version: renumber all but one."""

    version: str
    scripts: tuple[str, ...]
    renumber: str
    """The one to rename: this branch's (with a base), else the last by name."""


@dataclass(frozen=True, slots=True)
class Overlap:
    """Two files touching the same objects: their order matters."""

    first: str
    second: str
    objects: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ConflictsReport:
    """What collides; `ok` when nothing does."""

    base: str | None
    collisions: tuple[Collision, ...]
    overlaps: tuple[Overlap, ...]
    compared: int
    """Files compared (the branch's new ones with `base`, else the folder's versioned files)."""

    @property
    def ok(self) -> bool:
        """No shared version and no shared object."""
        return not self.collisions and not self.overlaps


def conflicts(settings: Settings, *, base: str | None = None) -> ConflictsReport:
    """Find colliding versioned files (see the module).

    Raises:
        ConfigError: `base` is not a git ref of the project, or git is missing.
    """
    folder = settings.migrations_dir
    here = {str(p.relative_to(folder)): p.read_text(encoding="utf-8", errors="replace")
            for p in sorted(folder.rglob("*.sql")) if _version(p.name) is not None}
    if base is None:
        ours, theirs = here, here
    else:
        inside = _inside(settings.project_dir, folder)
        at_base = _tree(settings.project_dir, inside, base)
        parted = _tree(settings.project_dir, inside, _git(settings.project_dir, "merge-base", base, "HEAD").strip())
        ours = {n: t for n, t in here.items() if n not in at_base}
        theirs = {n: _git(settings.project_dir, "show", f"{base}:{at_base[n]}") for n in at_base if n not in parted}
    everything = {**theirs, **ours}
    by_version: dict[str, list[str]] = {}
    for name in sorted({**here, **theirs}):
        version = _version(Path(name).name)
        assert version is not None
        by_version.setdefault(version.canonical, []).append(name)
    collisions = tuple(Collision(v, tuple(names), next((n for n in reversed(names) if n in ours and base), names[-1]))
                       for v, names in by_version.items()
                       if len(names) > 1 and (base is None or any(n in ours for n in names)))
    # with a base, only this branch's files against the other side's: two files of one branch that touch one table
    # were put in order by their author, which is no merge conflict
    pairs = ([(a, b) for c in collisions for a, b in combinations(c.scripts, 2)] if base is None else
             [(a, b) for a in sorted(ours) for b in sorted(theirs) if a != b])
    objects = {name: touched_objects(text) for name, text in everything.items()}
    overlaps = tuple(Overlap(a, b, tuple(sorted(objects[a] & objects[b]))) for a, b in pairs
                     if objects[a] & objects[b])
    return ConflictsReport(base, collisions, overlaps, len(ours))


def names_at(settings: Settings, ref: str) -> tuple[str, ...]:
    """The versioned files of the migrations folder at git `ref`.

    Raises:
        ConfigError: not a ref of the project's repository.
    """
    return tuple(_tree(settings.project_dir, _inside(settings.project_dir, settings.migrations_dir), ref))


def changed_since(settings: Settings, ref: str) -> tuple[Path, ...]:
    """Files of the migrations folder added or changed since git `ref` (committed, staged, in the working tree, or
    new and not ignored), as absolute paths; deleted files are left out.

    Raises:
        ConfigError: not a ref of the project's repository, or git is missing.
    """
    project = settings.project_dir
    top = _top(project)
    inside = _relative(top, settings.migrations_dir)
    if subprocess.run(["git", "-C", str(project), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
                      capture_output=True, timeout=60).returncode != 0:
        raise ConfigError(f"{ref!r} is not a commit, branch or tag of the repository at {top} (a CI checkout may "
                          "need `git fetch` of it first, or a deeper clone).", title="bad git ref")
    spec = inside or "."
    listed = _git(top, "diff", "--name-only", "-z", ref, "--", spec).split("\0") + \
        _git(top, "ls-files", "--others", "--exclude-standard", "-z", "--", spec).split("\0")
    return tuple(sorted({(top / p).resolve() for p in listed if p and (top / p).is_file()}))


def changed_migrations(settings: Settings, ref: str, found: MigrationSet | None = None) -> list[MigrationFile]:
    """The migrations (versioned, then repeatable) whose file or undo file changed since git `ref` (among `found`,
    the folder as already discovered, when given).

    Raises:
        ConfigError: as `changed_since`. DiscoveryError: bad migration files.
    """
    touched = set(changed_since(settings, ref))
    found = found or project_migrations(settings)
    folder = settings.migrations_dir
    return [m for m in (*found.versioned, *found.repeatable) if (folder / m.script).resolve() in touched
            or (m.undo_script is not None and (folder / m.undo_script).resolve() in touched)]


def _version(name: str) -> Version | None:
    match = _VERSIONED.match(name)
    if match is None:
        return None
    try:
        return Version.parse(match["version"])
    except ValueError:
        return None


def _inside(project: Path, folder: Path) -> str:
    """The migrations folder relative to the repository root ("" at the root)."""
    return _relative(_top(project), folder)


def _top(project: Path) -> Path:
    """The root of the project's git repository."""
    return Path(_git(project, "rev-parse", "--show-toplevel").strip())


def _relative(top: Path, folder: Path) -> str:
    try:
        inside = folder.resolve().relative_to(top.resolve()).as_posix()
    except ValueError as exc:
        raise ConfigError(f"the migrations folder {folder} is outside the git repository {top}, so --base or --since cannot "
                          "compare it with a ref.") from exc
    return "" if inside == "." else inside


def _tree(project: Path, inside: str, ref: str) -> dict[str, str]:
    """Migration files (relative to the folder `inside` the repository) at `ref`, each with its path from the root."""
    listed = _git(project, "ls-tree", "-r", "--name-only", ref, "--", inside or ".").splitlines()
    return {Path(p).relative_to(inside).as_posix() if inside else p: p for p in listed
            if p.endswith(".sql") and _version(Path(p).name) is not None}


def _git(project: Path, *args: str) -> str:
    try:
        run = subprocess.run(["git", "-C", str(project), *args], capture_output=True, text=True, timeout=60)
    except OSError as exc:
        raise ConfigError(f"comparing with a git ref (--base, --since) needs git, which could not run ({exc}).") \
            from exc
    if run.returncode != 0:
        reason = (run.stderr.strip().splitlines() or ["no reason given"])[0]
        raise ConfigError(f"git {' '.join(args[:2])} failed in {project}: {reason}. The ref must name a "
                          "commit, branch or tag of the project's repository (e.g. origin/main).", title="bad git ref")
    return run.stdout
