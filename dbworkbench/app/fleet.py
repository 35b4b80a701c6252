"""Fleets: an environment naming many databases (`targets = [URL, …]`, `databases = "tenant_%"` on its server) or
tenant schemas (`tenant_schemas = "tenant_%"`: a history table per schema, search_path set to it), and a verb fanned
out over them.

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
from typing import Any, Generic, TypeVar

import psycopg

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
    """The environment names more databases (or tenant schemas) than its url."""
    return settings.environment.is_fleet


def resolve(settings: Settings) -> tuple[FleetTarget, ...]:
    """The fleet's targets, in the order they run: the listed URLs, then the databases matching `databases` by
    name; with `tenant_schemas`, each of those databases (or the url's alone) is one target per matching schema.

    Raises:
        ConfigError: the environment names no target at all, or its SELECT fails.
        DatabaseConnectionError: a server to list databases or schemas on cannot be reached.
    """
    env = settings.environment
    urls = list(env.targets)
    if env.databases:
        urls += [_on_database(env.url, name) for name in _names(settings, env.url, env.databases, "databases")]
    places: list[tuple[str, str | None]] = [(url, None) for url in urls or ([env.url] if env.tenant_schemas else [])]
    if env.tenant_schemas:
        pattern = env.tenant_schemas
        places = [(url, schema) for url, _ in places for schema in _names(settings, url, pattern, "tenant_schemas")]
    if not places:
        raise ConfigError(f"environment {env.name!r} names no target: its targets are empty and nothing matches "
                          f"databases = {env.databases!r} or tenant_schemas = {env.tenant_schemas!r}.",
                          title="no targets")
    table = settings.history_table.rpartition(".")[2]
    found, seen = [], set()
    for url, schema in places:
        one = replace(env, url=url, targets=(), databases=None, tenant_schemas=None, tenant=schema,
                      schemas=(schema,) if schema else env.schemas)
        target = replace(settings, environment=one, history_table=f"{schema}.{table}" if schema else
                         settings.history_table)
        identity = resolve_target(target).label
        if identity in seen:
            continue
        seen.add(identity)
        where = _database(url) or identity
        name = f"{where}.{schema}" if schema and (len(urls) > 1 or env.databases) else schema or where
        found.append(FleetTarget(f"{env.name}[{name}]", target))
    return tuple(found)


_LIST_SQL = {
    "databases": "SELECT datname FROM pg_database WHERE datname LIKE %s AND NOT datistemplate AND datallowconn "
                 "ORDER BY datname",
    "tenant_schemas": "SELECT nspname FROM pg_namespace WHERE nspname LIKE %s AND nspname NOT LIKE 'pg\\_%%' "
                      "AND nspname <> 'information_schema' ORDER BY nspname",
}


def _names(settings: Settings, url: str, pattern: str, key: str) -> list[str]:
    """The names a `databases` / `tenant_schemas` value stands for on `url`: a LIKE pattern, or a SELECT (run in a
    read-only transaction) whose first column gives them."""
    where = replace(settings, environment=replace(settings.environment, url=url, tenant=None))
    query = pattern.lstrip().lower().startswith(("select", "with", "values", "table"))
    with connect(resolve_target(where), purpose="targets", create_missing=where.environment.is_embedded) as conn:
        try:
            with conn.transaction():
                conn.execute("SET TRANSACTION READ ONLY")
                rows = conn.execute(pattern.encode() if query else _LIST_SQL[key].encode(),
                                    None if query else (pattern,)).fetchall()
        except psycopg.Error as exc:
            raise ConfigError(f"environment {settings.environment.name!r}: {key} = {pattern!r} failed on "
                              f"{redact(resolve_target(where).label)}: {str(exc).strip().splitlines()[0]}",
                              title="targets cannot be listed") from exc
    return [str(row[0]) for row in rows if row and row[0] is not None]


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


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a fleet run stands after a target ended."""

    total: int
    done: int
    failed: int
    elapsed: float
    """Seconds since the run started."""

    @property
    def remaining(self) -> int:
        """Targets not ended yet (some may never start, after a failure)."""
        return self.total - self.done - self.failed

    @property
    def rate(self) -> float:
        """Targets ended per second so far."""
        return (self.done + self.failed) / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        """Seconds until the rest end at the rate so far; None before any has ended."""
        return self.remaining / self.rate if self.rate > 0 else None


class Tracker:
    """Counts targets as they end (thread-safe): `record` gives the progress after each."""

    def __init__(self, total: int) -> None:
        self._total, self._done, self._failed = total, 0, 0
        self._start = time.perf_counter()
        self._lock = threading.Lock()

    def record(self, result: TargetResult[Any]) -> Progress:
        """Count one ended target."""
        with self._lock:
            if result.outcome is Outcome.FAILED:
                self._failed += 1
            else:
                self._done += 1
            return Progress(self._total, self._done, self._failed, time.perf_counter() - self._start)


def fan_out(targets: tuple[FleetTarget, ...], run: Callable[[Settings], T], *, failed: Callable[[T], str | None] =
            lambda report: None, canary: int = 0, concurrency: int = 1, keep_going: bool = False,
            on_result: Callable[[TargetResult[T]], None] | None = None,
            on_start: Callable[[str], None] | None = None,
            failure_code: ExitCode = ExitCode.INTEGRITY) -> FleetReport[T]:
    """Run `run` on each target (see the module). `failed` tells a report that is a failure (e.g. a validation
    with problems, exit `failure_code`) by returning why; an error a user can cause is that target's failure,
    never the run's.
    `on_start` hears each target's name as it starts, `on_result` its result as it ends (from worker threads)."""
    results: dict[str, TargetResult[T]] = {}
    stop = threading.Event()

    def one(target: FleetTarget) -> TargetResult[T]:
        if on_start is not None:
            on_start(target.name)
        start = time.perf_counter()
        try:
            report = run(target.settings)
        except DbWorkbenchError as exc:
            result: TargetResult[T] = TargetResult(target.name, Outcome.FAILED, None, exc.message, exc.exit_code)
        else:
            why = failed(report)
            result = TargetResult(target.name, Outcome.FAILED if why else Outcome.DONE, report, why or "",
                                  failure_code if why else ExitCode.OK)
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
