"""The `seed` verb: load the seed file that fits a database's schema version, or write one from its data.

`seed` on a database with no history migrates it to the seed's version, loads the seed in one transaction and
migrates it on to the latest, so data written for an older schema is carried up by the migrations themselves. On
a database at version X only a seed of version X fits. `seed snapshot` writes the data (only) of a database as
`seeds/V<its version>__<description>.sql`, read in one repeatable-read, read-only transaction. A protected database
is never seeded (its data is not development data); a snapshot of one only reads it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg

from dbworkbench.app.gate import protection_of
from dbworkbench.app.migrations import migrate
from dbworkbench.app.seeds import SeedFile, read_seed, run_seed, seed_files, seeds_dir
from dbworkbench.app.state import read_state
from dbworkbench.config import Settings
from dbworkbench.core.authoring import slug
from dbworkbench.core.lexer import Statement
from dbworkbench.core.project_state import current_version
from dbworkbench.core.session import Session, open_session
from dbworkbench.errors import ConfigError, PlanError, ProtectedEnvironmentError
from dbworkbench.schema.rows import insert_statements


@dataclass(frozen=True, slots=True)
class SeedReport:
    """What `seed` did."""

    seed: str
    version: str
    statements: int
    migrated_before: int
    """Files migrated to reach the seed's version (a database without history)."""
    migrated_after: int
    """Files migrated after the seed was loaded."""


def seed(settings: Settings, name: str | None = None) -> SeedReport:
    """Load seed `name` (a file of `seeds/`, by name or path; default: the one that fits) into the environment.

    Raises:
        PlanError: no seed fits, or the seed does not load (its line named; nothing of it stays).
        ProtectedEnvironmentError: the database is protected.
        as `migrate`, for the files run before and after.
    """
    seeds = seed_files(settings)
    if not seeds:
        raise PlanError(f"no seed files in {seeds_dir(settings)}: seeds are named V<version>__<description>.sql "
                        "(`dbworkbench seed snapshot` writes one from a database).")
    wanted = _named(seeds, name) if name else None
    with open_session(settings, write=False, purpose="seed") as session:
        _refuse_protected(settings, session)
        current = current_version(read_state(settings, session).entries)
    fitting = [s for s in seeds if s.version.canonical == current]
    chosen = wanted or (seeds[-1] if current is None else fitting[-1] if fitting else None)
    statements = read_seed(chosen) if chosen is not None else []  # a seed that cannot load stops before migrate
    if current is None and chosen is not None:
        before = len(migrate(settings, target=chosen.version.text).steps)
    else:
        if chosen is None or chosen.version.canonical != current:
            have = ", ".join(f"{s.name} (version {s.version.text})" for s in seeds)
            which = f"{wanted.name} is for version {wanted.version.text}" if wanted else "no seed fits it"
            raise PlanError(f"the database is at version {current} and {which} (seeds: {have}). A seed loads into a database at its version, or into one without "
                            "history, which is migrated to it first.", title="no seed fits")
        before = 0
    assert chosen is not None
    loaded = _load(settings, chosen, statements)
    after = len(migrate(settings).steps) if current is None else 0
    return SeedReport(chosen.name, chosen.version.text, loaded, before, after)


def _named(seeds: tuple[SeedFile, ...], name: str) -> SeedFile:
    found = [s for s in seeds if name in (s.name, s.path.name, str(s.path))]
    if not found:
        raise ConfigError(f"no seed file {name!r}; seeds: {', '.join(s.name for s in seeds)}.")
    return found[0]


def _refuse_protected(settings: Settings, session: Session) -> None:
    protection = protection_of(settings, session)
    if protection.protected:
        raise ProtectedEnvironmentError(f"seed loads development data, and {protection.reason}: refused.")


def _load(settings: Settings, chosen: SeedFile, statements: Sequence[Statement]) -> int:
    """Run the seed in one transaction under the migration lock; returns its statement count."""
    with open_session(settings, write=True, purpose="seed") as session:
        _refuse_protected(settings, session)  # the same database? checked again under the lock
        try:
            with session.conn.transaction():
                run_seed(session.conn, chosen, statements)
                if session.history_exists():
                    session.conn.execute(session.store.event("seeded", version=chosen.version.canonical,
                                                             script=chosen.name,
                                                             detail={"statements": len(statements)}))
        except psycopg.Error as exc:
            raise PlanError(f"{chosen.name}: {exc}; nothing of it was loaded.", title="seed does not load") from exc
    return len(statements)


def snapshot(settings: Settings, *, description: str = "snapshot") -> str:
    """Write the environment's data as the seed file of its version; returns its path.

    Raises:
        PlanError: the database has no applied version, or the file exists.
    """
    name = slug(description)
    if not name:
        raise ConfigError("the description must contain letters or digits, e.g. \"staging\".")
    with open_session(settings, write=False, purpose="seed snapshot") as session:
        state = read_state(settings, session)
        current = current_version(state.entries)
        entry = next((e for e in state.entries if e.version is not None and e.version.canonical == current), None)
        if entry is None or entry.version is None:
            raise PlanError("the database has no applied version, so its data fits no version; migrate it first.")
        store = session.store
        skip = frozenset({store.qualified_name, f"{store.qualified_name}_events"})
        with session.conn.transaction():
            session.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            rows = insert_statements(session.conn, skip=skip)
    path = seeds_dir(settings) / f"V{entry.version.text}__{name}.sql"
    if path.exists():
        raise PlanError(f"{path} exists; nothing was written (give another --description).")
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    header = (f"-- data of {settings.environment.name} at version {entry.version.text}, {stamp}, written by "
              "`dbworkbench seed snapshot`\n")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + "".join(f"{r}\n" for r in rows), encoding="utf-8")
    return str(path)
