"""BlockWatch: while files run, a side connection asks the server who blocks the migration's backend.

A few times a second it reads `pg_blocking_pids()` of the migration's backend, with each blocker's user,
application, transaction age and query, and how many sessions queue behind the migration in turn (the outage
people hit: an ALTER waiting for one old transaction makes every reader and writer of the table wait behind it).
It reports through the engine's event callback (`ev.BlockedBy` while blocked, `ev.BlockCleared` when it ends) and
never cancels or terminates anything itself.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import Any

import psycopg

from dbworkbench.core import events as ev
from dbworkbench.core.db import Target, connect

POLL_SECONDS = 0.25
"""How often the side connection asks."""
QUIET_SECONDS = 0.5
"""It asks only once the engine has been quiet this long (a statement still running): a run of quick files never
opens the side connection at all."""

_BLOCKERS = """
SELECT b.pid, coalesce(b.usename, '?'), coalesce(b.application_name, ''), coalesce(b.state, '?'),
       extract(epoch FROM now() - b.xact_start)::int,
       left(regexp_replace(coalesce(b.query, ''), '\\s+', ' ', 'g'), 100),
       extract(epoch FROM now() - m.query_start)::float8,
       (SELECT count(*) FROM pg_stat_activity q WHERE m.pid = ANY(pg_blocking_pids(q.pid)))
FROM pg_stat_activity m
CROSS JOIN LATERAL unnest(pg_blocking_pids(m.pid)) AS blocking(pid)
JOIN pg_stat_activity b ON b.pid = blocking.pid
WHERE m.pid = %s
ORDER BY b.xact_start NULLS LAST
"""


class BlockWatch:
    """A context manager: watch `pid` on `target` from a thread of its own until the block ends."""

    def __init__(self, target: Target, pid: int, emit: ev.EventSink, *, interval: float = POLL_SECONDS) -> None:
        self.target, self.pid, self.emit, self.interval = target, pid, emit, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"dbworkbench-blockwatch-{pid}", daemon=True)
        self._conn: psycopg.Connection[Any] | None = None
        self._last_event = time.monotonic()

    def relay(self, event: ev.EngineEvent) -> None:
        """The engine's events pass through here (so the watch knows when it has gone quiet) to `emit`."""
        self._last_event = time.monotonic()
        self.emit(event)

    def __enter__(self) -> BlockWatch:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        blocked_for: float | None = None
        shown: tuple[int, ...] = ()
        try:
            while not self._stop.wait(self.interval):
                if blocked_for is None and time.monotonic() - self._last_event < QUIET_SECONDS:
                    continue
                if self._conn is None:
                    try:
                        self._conn = connect(self.target, purpose="watch")
                    except Exception:  # noqa: BLE001 - no side connection only means no live blocker lines
                        return
                try:
                    rows = self._conn.execute(_BLOCKERS, [self.pid]).fetchall()
                except psycopg.Error:
                    return
                if rows:
                    blockers = tuple(ev.Blocker(int(str(r[0])), str(r[1]), str(r[2]), str(r[3]),
                                                None if r[4] is None else int(str(r[4])), str(r[5])) for r in rows)
                    blocked_for = float(str(rows[0][6] or 0.0))
                    pids = tuple(b.pid for b in blockers)
                    self.emit(ev.BlockedBy(blockers, blocked_for, int(str(rows[0][7])), changed=pids != shown))
                    shown = pids
                elif blocked_for is not None:
                    self.emit(ev.BlockCleared(blocked_for))
                    blocked_for, shown = None, ()
        finally:
            if self._conn is not None:
                self._conn.close()
