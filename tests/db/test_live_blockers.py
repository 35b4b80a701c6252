"""Live "who blocks me": while a migration waits for a lock, a side connection names the sessions it waits for and
those queued behind it, with the statements to end them (never run). Real servers, a real open transaction."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest

from dbworkbench.app import migrations
from dbworkbench.cli import main
from dbworkbench.core import events as ev
from dbworkbench.errors import MigrationFailedError
from tests.conftest import Project


def blocked_project(project: Project, settings_of: Any, lock_timeout: str = "2500ms") -> None:
    config = project.root / "dbworkbench.toml"
    config.write_text(config.read_text().replace("[environments.test]\n",
                                                 f'[environments.test]\nlock_timeout = "{lock_timeout}"\n'
                                                 "lock_retries = 0\n"))
    project.write("V1__t.sql", "CREATE TABLE t (x int);\n")
    migrations.migrate(settings_of(project))
    project.write("V2__add.sql", "ALTER TABLE t ADD COLUMN y int;\n")


@pytest.mark.parametrize("verbose", [False, True])
def test_the_cli_names_who_blocks_the_migration(far_project: Project, settings_of: Any,
                                                capsys: pytest.CaptureFixture[str], verbose: bool) -> None:
    project = far_project
    blocked_project(project, settings_of)
    with psycopg.connect(project.conninfo, application_name="old-report") as holder:
        holder.execute("SELECT count(*) FROM t").fetchone()
        pid = holder.info.backend_pid
        code = main(["migrate", "-v"] if verbose else ["migrate"])
    err = capsys.readouterr().err
    assert code == 1 and "lock" in err.lower(), err
    assert "⏳ waiting" in err and f"pid {pid} (" in err and "old-report" in err, err
    assert f"SELECT pg_cancel_backend({pid});" in err and "never" not in err.split("⏳")[0]
    assert err.count("⏳") == 1, "said once while the blocker stays the same"
    assert project.query("SELECT count(*) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'y'") \
        == [(0,)]


def test_sessions_queued_behind_the_migration_are_counted(project: Project, settings_of: Any) -> None:
    blocked_project(project, settings_of, lock_timeout="4s")
    seen: list[ev.BlockedBy] = []

    def reader() -> None:
        time.sleep(1.0)  # the ALTER is queued by now: this SELECT waits behind it
        with psycopg.connect(project.conninfo, autocommit=True) as conn:
            conn.execute("SET statement_timeout = '3s'")
            try:
                conn.execute("SELECT count(*) FROM t")
            except psycopg.errors.QueryCanceled:
                pass

    with psycopg.connect(project.conninfo) as holder:
        holder.execute("SELECT count(*) FROM t").fetchone()
        pid = holder.info.backend_pid
        thread = threading.Thread(target=reader)
        thread.start()
        with pytest.raises(MigrationFailedError):
            migrations.migrate(settings_of(project), on_event=lambda e: seen.append(e) if isinstance(
                e, ev.BlockedBy) else None)
        thread.join()
    assert seen and seen[0].blockers[0].pid == pid
    assert max(e.queued_behind for e in seen) >= 1, "the reader queued behind the waiting ALTER"
    assert max(e.waited_seconds for e in seen) > 1.0


def test_a_run_of_quick_files_never_opens_the_side_connection(project: Project, settings_of: Any) -> None:
    for n in range(1, 6):
        project.write(f"V{n}__t{n}.sql", f"CREATE TABLE t{n} (x int);\n")
    seen: list[str] = []

    def watch_connections(event: ev.EngineEvent) -> None:
        seen.extend([str(r[0]) for r in project.query("SELECT application_name FROM pg_stat_activity "
                                                    "WHERE application_name LIKE '%%watch%%'")])

    migrations.migrate(settings_of(project), on_event=watch_connections)
    assert seen == []
