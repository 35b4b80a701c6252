"""lock_timeout on a real server: blockers are named, and a transactional file is run again with backoff."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest

from dbworkbench.app import migrations
from dbworkbench.core import events as ev
from dbworkbench.errors import MigrationFailedError
from tests.conftest import Project

RETRIES = 'lock_timeout = "150ms"\nlock_retries = {retries}\nlock_retry_backoff = 0.1\n'


def configure(project: Project, retries: int) -> None:
    config = project.root / "dbworkbench.toml"
    text = config.read_text().replace(f'url = "{project.conninfo}"\n',
                                      f'url = "{project.conninfo}"\n' + RETRIES.format(retries=retries), 1)
    config.write_text(text)


@pytest.mark.parametrize("per_statement", [False, True], ids=["batched", "per-statement"])
def test_gives_up_after_retries_and_names_the_blocker(project: Project, settings_of: Any, per_statement: bool) -> None:
    project.query("CREATE TABLE busy (x int)")
    configure(project, retries=2)
    project.write("V1__alter.sql", "ALTER TABLE busy ADD COLUMN y int;\n")
    warnings: list[str] = []
    with psycopg.connect(project.conninfo) as holder:
        holder.execute("SET application_name = 'long report'")
        holder.execute("LOCK TABLE busy IN ACCESS SHARE MODE")
        holder_pid = holder.info.backend_pid
        with pytest.raises(MigrationFailedError) as caught:
            migrations.migrate(settings_of(project), per_statement=per_statement,
                        on_event=lambda e: warnings.append(e.message) if isinstance(e, ev.WarningRaised) else None)
    failure = caught.value
    assert failure.failure.sqlstate == "55P03"
    assert f"pid {holder_pid} (postgres, long report" in failure.message and "AccessShareLock on busy" in failure.message
    assert [w.split(":")[1].strip()[:12] for w in warnings] == ["lock timeout"] * 2
    assert "retry 2 of 2" in warnings[1]
    assert project.query("SELECT count(*) FROM dbworkbench_history") == [(0,)]


@pytest.mark.parametrize("per_statement", [False, True], ids=["batched", "per-statement"])
def test_succeeds_when_the_blocker_goes_away(project: Project, settings_of: Any, per_statement: bool) -> None:
    project.query("CREATE TABLE busy (x int)")
    configure(project, retries=5)
    project.write("V1__alter.sql", "ALTER TABLE busy ADD COLUMN y int;\n")
    holder = psycopg.connect(project.conninfo)
    holder.execute("LOCK TABLE busy IN ACCESS SHARE MODE")
    retried = threading.Event()

    def release_after_first_retry() -> None:
        retried.wait(20)
        holder.commit()
        holder.close()

    releaser = threading.Thread(target=release_after_first_retry)
    releaser.start()
    began = time.monotonic()
    try:
        report = migrations.migrate(settings_of(project), per_statement=per_statement,
                             on_event=lambda e: retried.set() if isinstance(e, ev.WarningRaised) else None)
    finally:
        retried.set()
        releaser.join()
    assert [s.version for s in report.steps] == ["1"] and retried.is_set()
    assert time.monotonic() - began < 10
    assert project.query("SELECT count(*) FROM pg_attribute WHERE attrelid = 'busy'::regclass AND attname = 'y'") == [(1,)]
