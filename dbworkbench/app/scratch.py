"""Fresh migrated databases from the template cache, and the `scratch` verb that lists or clears it.

`fresh_migrated` gives a new database on the embedded server on which the project's migrations ran through the
engine itself (history table included, so `status` on it says up to date): cloned from the newest template whose
files match, with only the files after it migrated. The `ci` verb, the pytest plugin and `bench/bootstrap.py` use
it; `roundtrip`, `undo`, `analyze` and `drift` use the same cache for their replayed prefixes.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, replace

from dbworkbench.app.migrations import migrate
from dbworkbench.config import Settings
from dbworkbench.core.discovery import MigrationFile
from dbworkbench.core.layouts import project_migrations
from dbworkbench.core.scripts import substitute
from dbworkbench.core.versions import Version
from dbworkbench.errors import PlanError
from dbworkbench.schema import templates
from dbworkbench.schema.templates import Fresh


@dataclass(frozen=True, slots=True)
class ScratchReport:
    """The templates kept on the embedded server (before a clear, for `clear`)."""

    cleared: bool
    names: tuple[str, ...]
    bytes: int


def scratch(settings: Settings, *, clear: bool = False) -> ScratchReport:
    """List the template databases of the embedded server, or drop them all (`clear`).

    Raises:
        ServerError: the embedded server could not start.
    """
    found = templates.clear(settings) if clear else templates.list_templates(settings)
    return ScratchReport(clear, found.names, found.bytes)


def _text(file: MigrationFile, placeholders: dict[str, str]) -> str:
    """What a template key covers for one file: its name (history stores it) and its SQL as it runs."""
    try:
        body = substitute(file.up_sql, placeholders).text
    except KeyError:
        body = file.up_sql  # migrate itself reports the missing placeholder
    return f"{file.script}\n{file.checksum}\n{body}"


def migrate_scratch(settings: Settings, conninfo: str, target: str | None = None) -> None:
    """Migrate a scratch database (all pending files, or up to `target`) through the engine, as an unprotected
    environment of its own: the project's protected environments are other databases.

    Raises:
        as `migrate`.
    """
    scratch_env = replace(settings.environment, name="scratch", url=conninfo, protected=False, hooks={}, tenant=None)
    migrate(replace(settings, environment=scratch_env, protected_environments=()), target=target)


@contextlib.contextmanager
def fresh_migrated(settings: Settings, *, spare: bool = False, upto: Version | None = None) -> Iterator[Fresh]:
    """A new database on the scratch server with every migration applied by the engine (with `upto`: the versioned
    files up to that version only); dropped afterwards.
    `spare`: keep a spare copy ready for the next call of this process (see `templates.fresh_database`).

    Raises:
        DiscoveryError, PlanError, MigrationFailedError: as `migrate` (a failing file is named); PlanError also when
            no versioned file has version `upto`.
        ServerError: the embedded server could not start.
    """
    found = project_migrations(settings)
    placeholders = dict(settings.environment.placeholders)
    versioned = [f for f in found.versioned if f.version is not None]
    if upto is not None:
        count = next((i + 1 for i, f in enumerate(versioned) if f.version == upto), None)
        if count is None:
            raise PlanError(f"no versioned migration file has version {upto.text}.")
        versioned = versioned[:count]
    texts = [_text(f, placeholders) for f in versioned]
    if found.baselines and texts:  # a new database runs the baseline file instead: it is part of every key
        texts[0] = "".join(f"baseline\n{_text(b, placeholders)}\n" for b in found.baselines) + texts[0]
    if found.repeatable and upto is None:  # one more step; without repeatables the last file's template is the whole
        texts.append("repeatables\n" + "\n".join(_text(f, placeholders) for f in found.repeatable))

    def advance(conninfo: str, start: int, stop: int) -> None:
        target = versioned[stop - 1].version if stop <= len(versioned) else None
        migrate_scratch(settings, conninfo, target.text if target is not None else None)

    kind = "m" + hashlib.sha256(settings.history_table.encode()).hexdigest()[:8]
    keep = (len(versioned) - 1, len(versioned)) if upto is None else (len(versioned),)
    with templates.scratch_server(settings) as status, \
            templates.fresh_database(status, kind, texts, advance, cache=settings.scratch_cache, keep=keep,
                                      spare=spare) as fresh:
        yield fresh
