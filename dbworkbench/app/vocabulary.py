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
    UI = "ui"

    @property
    def runs_migrations(self) -> bool:
        """Runs migration files (the workbench's u, d, m, t and r)."""
        return self in RUNS_MIGRATIONS


RUNS_MIGRATIONS = frozenset({Verb.MIGRATE, Verb.UP, Verb.DOWN, Verb.REDO})
"""Verbs that run migration files through the executor."""


class ServerAction(StrEnum):
    """What `server` does."""

    STATUS = "status"
    START = "start"
    STOP = "stop"


RECIPES = ("not-null",)
"""The online recipes `new --recipe` writes."""
