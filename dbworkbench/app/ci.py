"""The `ci` verb: check a change the way production will meet it, on scratch databases only.

In order: the files (discovery), migrate from zero on a fresh database (cloned from the template cache where it
can), the history that migrate wrote (`validate` on that database), lint (the files changed since `since`, every
file otherwise), round trip (the same files), the desired schema in `schema/` reached, drift of an environment
(only when one is given), roles/ applied and planned again (roles it created are dropped after), branch conflicts (against `since`), and the seed files migrated from their version to
the latest. A check that needs the migrated database is skipped when migrate failed. No environment is written:
every database is created on the scratch server (embedded, or `scratch_url`) and dropped; an environment given for
drift is only read.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum

from dbworkbench.app import roles
from dbworkbench.app.conflicts import changed_migrations, changed_since
from dbworkbench.app.conflicts import conflicts as colliding
from dbworkbench.app.inspection import validate
from dbworkbench.app.lint_replay import replayed_catalogs
from dbworkbench.app.roundtrip import roundtrip
from dbworkbench.app.schema_as_code import drift, plan
from dbworkbench.app.scratch import fresh_migrated
from dbworkbench.app.seeds import migrate_seeded, seed_files
from dbworkbench.config import Settings
from dbworkbench.config.roles import load_roles
from dbworkbench.core.db import ASSUMED_SERVER_MAJOR
from dbworkbench.core.discovery import MigrationFile, MigrationSet
from dbworkbench.core.layouts import project_migrations
from dbworkbench.errors import DbWorkbenchError, ExitCode, MigrationFailedError
from dbworkbench.lint.project import lint_migrations
from dbworkbench.schema.desired import desired_dir
from dbworkbench.schema.templates import Fresh


class Outcome(StrEnum):
    """How a check or one of its cases ended."""

    PASS = "pass"
    FAIL = "fail"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class Case:
    """One file (or one finding's subject) within a check."""

    name: str
    outcome: Outcome
    message: str = ""


@dataclass(frozen=True, slots=True)
class Check:
    """One check of the run."""

    name: str
    outcome: Outcome
    summary: str
    cases: tuple[Case, ...] = ()
    seconds: float = 0.0
    exit_code: ExitCode = ExitCode.OK
    """What `ci` exits with when this is the first failing check."""


@dataclass(frozen=True, slots=True)
class CiReport:
    """Every check, in the order run."""

    since: str | None
    checks: tuple[Check, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        """No check failed."""
        return all(c.outcome is not Outcome.FAIL for c in self.checks)

    @property
    def exit_code(self) -> ExitCode:
        """The first failing check's exit code; OK when none failed."""
        return next((c.exit_code for c in self.checks if c.outcome is Outcome.FAIL), ExitCode.OK)


CHECKS = ("files", "migrate", "history", "lint", "roundtrip", "plan", "roles", "drift", "conflicts", "seeds")
"""The checks, in the order they run."""


def ci(settings: Settings, *, since: str | None = None, drift_settings: Settings | None = None,
       on_check: Callable[[Check], None] | None = None) -> CiReport:
    """Run every check (see the module); `on_check` is told each one as it ends.

    Raises:
        ConfigError: `since` is not a git ref of the project (before anything runs).
        ServerError: the scratch server could not start.
    """
    if since is not None:
        changed_since(settings, since)  # a bad ref stops the run before any check
    checks: list[Check] = []

    def done(check: Check) -> None:
        checks.append(check)
        if on_check is not None:
            on_check(check)

    loaded: list[MigrationSet] = []  # discovered once, by the files check
    files = _timed(lambda: _files(settings, loaded), "files")
    done(files)
    chosen = _chosen(settings, loaded[0], since) if loaded else None
    with contextlib.ExitStack() as stack:
        fresh: list[Fresh] = []
        done(_timed(lambda: _migrate(settings, stack, fresh, loaded[0]), "migrate") if chosen is not None else
             Check("migrate", Outcome.SKIP, "the files do not load"))
        migrated = replace(settings, environment=replace(settings.environment, name="scratch", url=fresh[0].conninfo,
                                                          protected=False, hooks={}), protected_environments=()) \
            if fresh else None
        done(_timed(lambda: _history(migrated), "history") if migrated else _skipped("history"))
        done(_timed(lambda: _lint(settings, chosen, since), "lint") if chosen is not None else _skipped("lint"))
        done(_timed(lambda: _roundtrip(settings, chosen, since), "roundtrip") if migrated and chosen is not None
             else _skipped("roundtrip"))
        done(_timed(lambda: _plan(migrated), "plan") if migrated else _skipped("plan"))
        done(_timed(lambda: _roles(migrated), "roles") if migrated else _skipped("roles"))
    done(_timed(lambda: _drift(drift_settings), "drift") if drift_settings is not None else
         Check("drift", Outcome.SKIP, "no environment named (--drift-env ENV compares one with its history)"))
    done(_timed(lambda: _conflicts(settings, since), "conflicts") if files.outcome is Outcome.PASS
         else _skipped("conflicts"))
    done(_timed(lambda: _seeds(settings), "seeds") if fresh else _skipped("seeds"))
    return CiReport(since, tuple(checks))


def _skipped(name: str) -> Check:
    return Check(name, Outcome.SKIP, "skipped: an earlier check it needs failed")


def _timed(run: Callable[[], Check], name: str) -> Check:
    """Run a check; an error a user can cause (a bad file, an unreachable server) is the check's failure."""
    start = time.perf_counter()
    try:
        check = run()
    except DbWorkbenchError as exc:
        subject = exc.script if isinstance(exc, MigrationFailedError) else name
        first, _, rest = exc.message.partition("\n")
        check = Check(name, Outcome.FAIL, first.rstrip(":") if rest.strip() else exc.title, (Case(subject, Outcome.FAIL, rest.strip() or first),),
                      exit_code=exc.exit_code)
    return replace(check, seconds=time.perf_counter() - start)


def _files(settings: Settings, loaded: list[MigrationSet]) -> Check:
    found = project_migrations(settings)  # DiscoveryError lists every bad file
    loaded.append(found)
    every = [*found.versioned, *found.repeatable]
    return Check("files", Outcome.PASS, f"{len(every)} migration file(s) load",
                 tuple(Case(m.script, Outcome.PASS) for m in every))


def _chosen(settings: Settings, found: MigrationSet, since: str | None) -> list[MigrationFile]:
    """The migrations to lint and round-trip: those changed since `since`, all without it."""
    if since is not None:
        return changed_migrations(settings, since, found)
    return [*found.versioned, *found.repeatable]


def _migrate(settings: Settings, stack: contextlib.ExitStack, fresh: list[Fresh], found: MigrationSet) -> Check:
    made = stack.enter_context(fresh_migrated(settings))
    fresh.append(made)
    versioned = [f for f in found.versioned if f.version is not None]
    reused = f" ({made.reused} step(s) from a template)" if made.reused else ""
    return Check("migrate", Outcome.PASS, f"{len(versioned)} versioned file(s) applied from zero{reused}",
                 tuple(Case(f.script, Outcome.PASS) for f in versioned))


def _history(migrated: Settings) -> Check:
    report = validate(migrated)
    problems = [*(Case(e.script, Outcome.FAIL, f"{e.script}: {e.state.value}") for e in report.status.problems),
                *(Case("history", Outcome.FAIL, error) for error in report.pending_errors)]
    if problems:
        return Check("history", Outcome.FAIL, f"{len(problems)} problem(s) in the history migrate wrote",
                     tuple(problems), exit_code=ExitCode.INTEGRITY)
    return Check("history", Outcome.PASS, f"{len(report.status.entries)} entries, every checksum matches")


def _lint(settings: Settings, chosen: list[MigrationFile], since: str | None) -> Check:
    if not chosen:
        return Check("lint", Outcome.PASS, f"no migration changed since {since}")
    try:  # each file meets the earlier files as they ran on the scratch server (`lint --replay`)
        before = replayed_catalogs(settings)
        how = "against the earlier files replayed"
    except DbWorkbenchError:  # an earlier file fails there: the migrate check says so; lint folds them instead
        before, how = None, "against the earlier files folded (they do not replay)"
    report = lint_migrations(settings, chosen, server_major=ASSUMED_SERVER_MAJOR, before=before)
    cases = []
    unsafe_anywhere = set(report.unsafe)
    for (_path, findings), migration in zip(report.files, chosen, strict=True):
        unsafe = [f for f in findings if f in unsafe_anywhere]
        message = "\n".join(f"{f.path}:{f.line} [{f.rule}] {f.message}" for f in unsafe)
        cases.append(Case(migration.script, Outcome.FAIL if unsafe else Outcome.PASS, message))
    failed = sum(c.outcome is Outcome.FAIL for c in cases)
    scope = f"changed since {since}" if since else "in the project"
    return Check("lint", Outcome.FAIL if failed else Outcome.PASS,
                 f"{len(report.unsafe)} unsafe finding(s) in {failed} of {len(cases)} file(s) {scope}, {how}",
                 tuple(cases), exit_code=ExitCode.LINT if failed else ExitCode.OK)


def _roundtrip(settings: Settings, chosen: list[MigrationFile], since: str | None) -> Check:
    versions = [m.version.text for m in chosen if m.version is not None]
    if not versions:
        return Check("roundtrip", Outcome.PASS, f"no versioned file changed since {since}" if since else
                     "no versioned file")
    report = roundtrip(settings, versions)
    cases = tuple(Case(r.script, Outcome.FAIL, "\n".join((*r.left_behind, *r.not_again))) if not r.ok else
                  Case(r.script, Outcome.PASS) if r.checked else
                  Case(r.script, Outcome.SKIP, "no undo: irreversible as written (`dbworkbench undo V` generates one)")
                  for r in report.files)
    failed = sum(c.outcome is Outcome.FAIL for c in cases)
    proven = sum(c.outcome is Outcome.PASS for c in cases)
    return Check("roundtrip", Outcome.FAIL if failed else Outcome.PASS,
                 f"{proven} undo(s) proven, {failed} failed, {len(cases) - proven - failed} file(s) without undo",
                 cases, exit_code=ExitCode.INTEGRITY if failed else ExitCode.OK)


def _plan(migrated: Settings) -> Check:
    folder = desired_dir(migrated)
    if not folder.is_dir() or not any(folder.rglob("*.sql")):
        return Check("plan", Outcome.SKIP, "no desired schema (schema/) in the project")
    changes = plan(migrated).plan.forward.changes
    if changes:
        return Check("plan", Outcome.FAIL, f"the migrations do not reach schema/: {len(changes)} change(s) missing",
                     (Case("schema", Outcome.FAIL, "\n".join(c.sql + ";" for c in changes)),),
                     exit_code=ExitCode.INTEGRITY)
    return Check("plan", Outcome.PASS, "the migrations reach the desired schema in schema/")


def _roles(migrated: Settings) -> Check:
    """roles/ applies to the migrated scratch database (throwaway passwords) and a second plan is empty; the roles
    it created are dropped afterwards."""
    if load_roles(migrated.project_dir) is None:
        return Check("roles", Outcome.SKIP, "no roles/ in the project")
    report = roles.apply(migrated, password_for=lambda role: secrets.token_urlsafe(24))
    created = [c.removeprefix("create role ") for c in report.changes if c.startswith("create role ")]
    try:
        again = roles.plan(migrated).changes
    finally:
        left = roles.remove_roles(migrated, created)
    kept = f"; {', '.join(left)} kept on the scratch server (they hold privileges elsewhere)" if left else ""
    if again:
        return Check("roles", Outcome.FAIL, f"a second roles apply would still run {len(again)} change(s)",
                     tuple(Case("roles", Outcome.FAIL, change) for change in again), exit_code=ExitCode.INTEGRITY)
    return Check("roles", Outcome.PASS, f"roles/ applies after the migrations ({len(report.changes)} change(s)) "
                 f"and a second plan is empty{kept}")


def _drift(drift_settings: Settings) -> Check:
    report = drift(drift_settings)
    name = drift_settings.environment.name
    if not report.ok:
        return Check("drift", Outcome.FAIL, f"{report.count} change(s) on {name} made outside migrations or roles/",
                     tuple(Case(i.change.object, Outcome.FAIL, f"{i.change.sql}; (last touched by "
                                f"{i.last_touched_by or 'no migration'})") for i in report.items) +
                     tuple(Case("roles", Outcome.FAIL, change) for change in report.roles), exit_code=ExitCode.INTEGRITY)
    return Check("drift", Outcome.PASS, f"{name} has the schema its history says")


def _conflicts(settings: Settings, since: str | None) -> Check:
    report = colliding(settings, base=since)
    cases = [*(Case(f"version {c.version}", Outcome.FAIL, f"{', '.join(c.scripts)} share version {c.version}; "
                    f"`dbworkbench new --renumber {c.renumber}`") for c in report.collisions),
             *(Case(f"{o.first} / {o.second}", Outcome.FAIL, f"both touch {', '.join(o.objects)}: order matters")
               for o in report.overlaps)]
    if cases:
        return Check("conflicts", Outcome.FAIL, f"{len(report.collisions)} shared version(s), {len(report.overlaps)} "
                     "pair(s) of files touching the same objects", tuple(cases), exit_code=ExitCode.INTEGRITY)
    return Check("conflicts", Outcome.PASS, f"no collision with {since}" if since else "no two files share a version")


def _seeds(settings: Settings) -> Check:
    seeds = seed_files(settings)
    if not seeds:
        return Check("seeds", Outcome.SKIP, "no seed files (seeds/V<version>__<name>.sql)")
    cases = []
    for seed in seeds:
        try:
            migrate_seeded(settings, seed)
            cases.append(Case(seed.name, Outcome.PASS))
        except DbWorkbenchError as exc:
            cases.append(Case(seed.name, Outcome.FAIL, exc.message))
    failed = sum(c.outcome is Outcome.FAIL for c in cases)
    return Check("seeds", Outcome.FAIL if failed else Outcome.PASS,
                 f"{len(cases) - failed} of {len(cases)} seed(s) migrated from their version to the latest",
                 tuple(cases), exit_code=ExitCode.MIGRATION_FAILED if failed else ExitCode.OK)

