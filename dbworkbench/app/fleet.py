"""Fleets: an environment naming many databases (`targets = [URL, …]`, `databases = "tenant_%"` on its server), and
a verb fanned out over them.

dbworkbench stays a client: each target keeps its own history table, so a rerun touches only the targets that are
not at the version yet, and one target's failure rolls back only its own file. `fan_out` runs the canary targets
first (and stops when one fails), then the rest, at most `concurrency` at a time; after a failure no new target
starts unless `keep_going`. Each target runs the verb's own app function with its own Settings, so every check of a
single-database run (approvals, protection, the lock) holds for each; `once` makes one typed confirmation cover the
whole run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Generic, TypeVar

from dbworkbench.app.gate import Confirm, ConfirmRequest
from dbworkbench.config import Settings, redact
from dbworkbench.core.db import connect, resolve_target
from dbworkbench.errors import ConfigError, DbWorkbenchError, ExitCode

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class FleetTarget:
    """One database of a fleet, with the Settings that reach it alone."""

    name: str
    """`environment[database]`."""
    settings: Settings


def is_fleet(settings: Settings) -> bool:
    """The environment names more databases than its url."""
    return bool(settings.environment.targets or settings.environment.databases)


def resolve(settings: Settings) -> tuple[FleetTarget, ...]:
    """The fleet's databases, in the order they run: the listed targets, then the matching databases by name.

    Raises:
        ConfigError: the environment names no database at all.
        DatabaseConnectionError: the server to list databases on cannot be reached.
    """
    env = settings.environment
    urls = list(env.targets)
    if env.databases:
        with connect(resolve_target(settings), purpose="targets", create_missing=env.is_embedded) as conn:
            names = [r[0] for r in conn.execute(
                "SELECT datname FROM pg_database WHERE datname LIKE %s AND NOT datistemplate AND datallowconn "
                "ORDER BY datname", (env.databases,)).fetchall()]
        urls += [_on_database(env.url, str(name)) for name in names]
    if not urls:
        raise ConfigError(f"environment {env.name!r} names no database: its targets are empty and no database "
                          f"matches databases = {env.databases!r}.", title="no targets")
    found, seen = [], set()
    for url in urls:
        target = replace(settings, environment=replace(env, url=url, targets=(), databases=None))
        identity = resolve_target(target).label
        if identity in seen:
            continue
        seen.add(identity)
        found.append(FleetTarget(f"{env.name}[{_database(url) or identity}]", target))
    return tuple(found)


def _on_database(url: str, name: str) -> str:
    if url == "embedded" or url.startswith("embedded:"):
        return f"embedded:{name}"
    from psycopg.conninfo import make_conninfo

    return make_conninfo(url, dbname=name)


def _database(url: str) -> str:
    if url.startswith("embedded:"):
        return url.partition(":")[2]
    from psycopg.conninfo import conninfo_to_dict

    try:
        return str(conninfo_to_dict(url).get("dbname") or "")
    except Exception:  # noqa: BLE001 — a URL libpq cannot read is reported when it is used
        return redact(url)


class Outcome(StrEnum):
    """How one target's run ended."""

    DONE = "done"
    FAILED = "failed"
    NOT_STARTED = "not started"


@dataclass(frozen=True, slots=True)
class TargetResult(Generic[T]):
    """One target's report, or its error."""

    target: str
    outcome: Outcome
    report: T | None = None
    error: str = ""
    exit_code: ExitCode = ExitCode.OK
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class FleetReport(Generic[T]):
    """Every target, in fleet order."""

    results: tuple[TargetResult[T], ...]

    @property
    def exit_code(self) -> ExitCode:
        """The first failed target's exit code; OK when none failed."""
        return next((r.exit_code for r in self.results if r.outcome is Outcome.FAILED), ExitCode.OK)

    def count(self, outcome: Outcome) -> int:
        """Targets that ended so."""
        return sum(r.outcome is outcome for r in self.results)


def fan_out(targets: tuple[FleetTarget, ...], run: Callable[[Settings], T], *, failed: Callable[[T], str | None] =
            lambda report: None, canary: int = 0, concurrency: int = 1, keep_going: bool = False,
            on_result: Callable[[TargetResult[T]], None] | None = None) -> FleetReport[T]:
    """Run `run` on each target (see the module). `failed` tells a report that is a failure (e.g. a validation
    with problems) by returning why; an error a user can cause is that target's failure, never the run's."""
    results: dict[str, TargetResult[T]] = {}
    stop = threading.Event()

    def one(target: FleetTarget) -> TargetResult[T]:
        start = time.perf_counter()
        try:
            report = run(target.settings)
        except DbWorkbenchError as exc:
            result: TargetResult[T] = TargetResult(target.name, Outcome.FAILED, None, exc.message, exc.exit_code)
        else:
            why = failed(report)
            result = TargetResult(target.name, Outcome.FAILED if why else Outcome.DONE, report, why or "",
                                  ExitCode.INTEGRITY if why else ExitCode.OK)
        result = replace(result, seconds=time.perf_counter() - start)
        if result.outcome is Outcome.FAILED:
            stop.set()
        if on_result is not None:
            on_result(result)
        return result

    first, rest = targets[:canary], targets[canary:]
    for batch, may_go_on in ((first, False), (rest, keep_going)):
        if stop.is_set():
            break
        _run_batch(batch, one, max(1, concurrency), stop if not may_go_on else threading.Event(), results)
    return FleetReport(tuple(results.get(t.name, TargetResult(t.name, Outcome.NOT_STARTED)) for t in targets))


def _run_batch(batch: tuple[FleetTarget, ...], one: Callable[[FleetTarget], TargetResult[T]], concurrency: int,
               stop: threading.Event, results: dict[str, TargetResult[T]]) -> None:
    """At most `concurrency` targets at a time; none starts once `stop` is set (the running ones finish)."""
    waiting = list(batch)
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="dbwb-fleet") as pool:
        running: set[Future[TargetResult[T]]] = set()
        while waiting or running:
            while waiting and len(running) < concurrency and not stop.is_set():
                running.add(pool.submit(one, waiting.pop(0)))
            if not running:
                break
            done, running = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                result = future.result()
                results[result.target] = result


def once(confirm: Confirm, count: int) -> Confirm:
    """A confirmation asked once for the whole run (naming how many targets), its answer kept for every target."""
    lock = threading.Lock()
    answer: list[bool] = []

    def ask(request: ConfirmRequest) -> bool:
        with lock:
            if not answer:
                answer.append(confirm(replace(request, action=f"{request.action} (each of {count} targets)")))
            return answer[0]
    return ask
