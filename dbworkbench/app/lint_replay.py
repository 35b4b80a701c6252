"""`lint --replay`: each file meets the schema the files before it leave when they really run, replayed on a
scratch database (the embedded server, or `scratch_url`), instead of the files folded statically.

What the server knows and a static fold does not (a function's or DO block's DDL, inheritance, defaults that
PostgreSQL resolves, views over views) then reaches every catalog-aware rule. The replayed prefix comes from the
template cache (`schema.templates`), and the catalogs are kept between runs (`lint.catalog_cache`), each filed under
the files before it: after editing the newest file nothing is replayed at all. Sizes are left out (a scratch
database's tables are empty: they say nothing about the target's).
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import partial

from dbworkbench.config import STATE_DIR, Settings
from dbworkbench.core.discovery import MigrationFile
from dbworkbench.core.layouts import project_migrations
from dbworkbench.core.scripts import substitute
from dbworkbench.errors import PlanError
from dbworkbench.lint import catalog_cache
from dbworkbench.lint.catalog import Catalog, live_catalog
from dbworkbench.schema.replay import ReplayStep, run_step, scratch_replayed

SOURCE = "files replayed"
"""How a replayed catalog names itself in findings ("the column's type in the files replayed")."""


def replayed_catalogs(settings: Settings) -> dict[str, Catalog]:
    """Each versioned migration's key → the catalog the files before it leave, replayed.

    Raises:
        PlanError: a file fails on the scratch database (named with its line), or a placeholder has no value.
        ServerError: the embedded server could not start.
    """
    files = project_migrations(settings).versioned
    placeholders = dict(settings.environment.placeholders)
    texts = [_sql(f, placeholders) for f in files]
    salt = json.dumps([sorted(placeholders.items()), settings.scratch_url or "embedded"])
    keys = catalog_cache.prefix_keys([(f.key, t) for f, t in zip(files, texts, strict=True)], salt)
    path = settings.project_dir / STATE_DIR / "cache" / "lint-catalogs.json"
    cached = catalog_cache.load(path)
    known = next((i for i, key in enumerate(keys) if key not in cached), len(keys))
    if known < len(keys):
        steps = [ReplayStep(text, partial(_failure, f.script)) for f, text in zip(files, texts, strict=True)]
        with scratch_replayed(settings, steps[:known], kind="lint") as conn:
            for index in range(known, len(files)):
                cached[keys[index]] = replace(live_catalog(conn), source=SOURCE, sizes={})
                if index + 1 < len(files):
                    run_step(conn, steps[index])
        catalog_cache.save(path, {key: cached[key] for key in keys})
    return {f.key: cached[key] for f, key in zip(files, keys, strict=True)}


def _sql(file: MigrationFile, placeholders: dict[str, str]) -> str:
    try:
        return substitute(file.up_sql, placeholders).text
    except KeyError as exc:
        names = ", ".join(f"${{{n}}}" for n in exc.args)
        raise PlanError(f"{file.script}: placeholder(s) {names} have no value in the environment's placeholders, so "
                        "the files cannot be replayed for lint --replay.", title="undefined placeholder") from exc


def _failure(script: str, line: int, message: str) -> PlanError:
    return PlanError(f"lint --replay: {script}:{line} fails on a scratch database: {message}. The files before the "
                     "one being linted must run on an empty database; without --replay lint folds them statically.",
                     title="replay failed")
