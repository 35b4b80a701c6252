"""A fleet's grid: every target's status as a row of migration states, for `status --targets` and the workbench's
Targets view; and the Settings of one target, for the workbench to open it."""

from __future__ import annotations

from dataclasses import dataclass

from dbworkbench.app import fleet
from dbworkbench.app.inspection import status
from dbworkbench.app.reports import StatusReport
from dbworkbench.config import Settings
from dbworkbench.core.planner import State
from dbworkbench.errors import ConfigError


@dataclass(frozen=True, slots=True)
class TargetRow:
    """One target's place in the grid (or why it could not be read)."""

    target: str
    states: dict[str, State]
    """Migration key → its state on this target."""
    version: str | None = None
    applied: int = 0
    pending: int = 0
    problems: int = 0
    error: str = ""


@dataclass(frozen=True, slots=True)
class TargetsGrid:
    """Targets × migrations."""

    environment: str
    keys: tuple[str, ...]
    """Every migration key any target knows, in file order."""
    rows: tuple[TargetRow, ...]

    @property
    def behind(self) -> int:
        """Targets with something pending or a problem."""
        return sum(1 for r in self.rows if r.pending or r.problems or r.error)


def grid_of(environment: str, report: fleet.FleetReport[StatusReport]) -> TargetsGrid:
    """The grid of a fleet status run (a target that failed keeps its row, with the error)."""
    rows, keys = [], {}
    for result in report.results:
        status_report = result.report
        if status_report is None:
            rows.append(TargetRow(result.target, {}, error=result.error or result.outcome.value))
            continue
        keys.update(dict.fromkeys(e.key for e in status_report.entries))
        summary = status_report.summary
        rows.append(TargetRow(result.target, {e.key: e.state for e in status_report.entries},
                              summary.current_version, summary.applied, summary.pending, summary.problems))
    return TargetsGrid(environment, tuple(keys), tuple(rows))


def targets_grid(settings: Settings, *, concurrency: int = 4) -> TargetsGrid:
    """Read every target's status (`concurrency` at a time; one unreachable target is its row's error); an
    environment of one database is a grid of one row, named after it.

    Raises:
        ConfigError: the environment names no target. DatabaseConnectionError: the server that lists them is down.
    """
    report = fleet.fan_out(_targets(settings), status, concurrency=concurrency, keep_going=True)
    return grid_of(settings.environment.name, report)


def target_settings(settings: Settings, name: str) -> Settings:
    """The Settings that reach the fleet's target `name` (as `targets` lists it) alone.

    Raises:
        ConfigError: no target of the environment has that name.
    """
    for target in _targets(settings):
        if target.name == name:
            return target.settings
    raise ConfigError(f"environment {settings.environment.name!r} has no target {name!r} (any more); "
                      "`dbworkbench targets` lists them.", title="no such target")


def _targets(settings: Settings) -> tuple[fleet.FleetTarget, ...]:
    if settings.environment.is_fleet:
        return fleet.resolve(settings)
    return (fleet.FleetTarget(settings.environment.name, settings),)
