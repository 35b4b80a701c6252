"""The verbs both front ends speak, as one enum instead of bare strings."""

from __future__ import annotations

from enum import StrEnum


class Verb(StrEnum):
    """Every command of the CLI, and every operation the workbench asks for."""

    STATUS = "status"
    MIGRATE = "migrate"
    UP = "up"
    DOWN = "down"
    REDO = "redo"
    VALIDATE = "validate"
    REPAIR = "repair"
    BASELINE = "baseline"
    CLEAN = "clean"
    PROTECT = "protect"
    NEW = "new"
    HISTORY = "history"
    SHOW = "show"
    SERVER = "server"
    LINT = "lint"
    DIFF = "diff"
    PLAN = "plan"
    DRIFT = "drift"
    SCHEMA = "schema"
    ANALYZE = "analyze"
    APPROVE = "approve"
    PREFLIGHT = "preflight"
    ROUNDTRIP = "roundtrip"
    UNDO = "undo"
    SCRATCH = "scratch"
    CONFLICTS = "conflicts"
    CI = "ci"
    SQUASH = "squash"
    SEED = "seed"
    TARGETS = "targets"
    ADOPT = "adopt"
    ROLES = "roles"
    UI = "ui"

    @property
    def runs_migrations(self) -> bool:
        """Runs migration files (the workbench's u, d, m, t and r)."""
        return self in RUNS_MIGRATIONS


RUNS_MIGRATIONS = frozenset({Verb.MIGRATE, Verb.UP, Verb.DOWN, Verb.REDO})
"""Verbs that run migration files through the executor."""


FANS_OUT = frozenset({Verb.STATUS, Verb.MIGRATE, Verb.UP, Verb.DOWN, Verb.VALIDATE, Verb.DRIFT, Verb.ROLES})
"""Verbs that run on every database of a fleet environment (`app.fleet`)."""
ONE_DATABASE = frozenset({Verb.REDO, Verb.REPAIR, Verb.BASELINE, Verb.ADOPT, Verb.CLEAN, Verb.PROTECT, Verb.HISTORY, Verb.SHOW,
                          Verb.PLAN, Verb.SCHEMA, Verb.ANALYZE, Verb.PREFLIGHT, Verb.SEED})
"""Verbs that need one database: on a fleet environment they ask for `--url` instead of guessing one."""


class RolesAction(StrEnum):
    """What `roles` does."""

    PLAN = "plan"
    APPLY = "apply"


class ServerAction(StrEnum):
    """What `server` does."""

    STATUS = "status"
    START = "start"
    STOP = "stop"


RECIPES = ("not-null",)
"""The online recipes `new --recipe` writes."""
