"""Real processes against a real server: two migrators at once, and a migrator killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from dbworkbench.app import inspection, migrations
from dbworkbench.core.planner import State
from tests.conftest import Project

REPO = Path(__file__).resolve().parents[2]


def start_cli(project: Project, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "dbworkbench", *args], cwd=project.root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(project: Project, query: str, timeout: float = 20.0) -> None:
    """Poll the database until `query` returns a true first column (no sleeps standing in for events)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = project.query(query)
        if rows and rows[0][0]:
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for: {query}")


RUNNING = ("SELECT count(*) > 0 FROM pg_stat_activity WHERE application_name LIKE 'dbworkbench applying%' "
           "AND query LIKE '%pg_sleep%' AND state = 'active' AND datname = current_database()")


ORPHAN_GONE = ("SELECT count(*) = 0 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' "
               "AND application_name LIKE 'dbworkbench%' AND datname = current_database()")


def test_second_migrator_waits_then_reports_the_holder(project: Project, settings_of: Any) -> None:
    project.write("V1__slow.sql", "CREATE TABLE slow (x int);\nSELECT pg_sleep(3);\n")
    project.write("V2__after.sql", "CREATE TABLE after_slow (x int);\n")
    first = start_cli(project, "migrate")
    wait_for(project, RUNNING)
    second = start_cli(project, "migrate", "--lock-wait", "0.5")
    _, err = second.communicate(timeout=30)
    assert second.returncode == 4, err
    assert "locked by pid" in err and "applying V1" in err and "Traceback" not in err
    patient = start_cli(project, "migrate", "--lock-wait", "30")
    assert first.wait(timeout=30) == 0
    out, err = patient.communicate(timeout=30)
    assert patient.returncode == 0, err
    assert "nothing to migrate" in out
    counts = project.query("SELECT version, count(*) FROM dbworkbench_history GROUP BY version ORDER BY version")
    assert counts == [("1", 1), ("2", 1)], "each file applied exactly once"


def test_sigkill_during_a_transactional_file_leaves_nothing(project: Project, settings_of: Any) -> None:
    project.write("V1__ok.sql", "CREATE TABLE ok (x int);\n")
    project.write("V2__slow.sql", "CREATE TABLE half (x int);\nSELECT pg_sleep(30);\n")
    victim = start_cli(project, "migrate")
    wait_for(project, RUNNING)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    settings = settings_of(project)
    wait_for(project, ORPHAN_GONE)
    assert [e.state for e in inspection.status(settings).entries] == [State.APPLIED, State.PENDING]
    assert not project.table_exists("half")
    project.write("V2__slow.sql", "CREATE TABLE half (x int);\n")
    migrations.migrate(settings)
    assert project.table_exists("half")


def test_sigkill_during_a_non_transactional_file_resumes(project: Project, settings_of: Any) -> None:
    project.write("V1__t.sql", "CREATE TABLE t (a int, b int);\n")
    project.write("V2__steps.sql", """
        -- dbworkbench:no-transaction
        CREATE INDEX CONCURRENTLY t_a ON t (a);
        SELECT pg_sleep(30);
        CREATE INDEX CONCURRENTLY t_b ON t (b);
    """)
    victim = start_cli(project, "migrate")
    wait_for(project, RUNNING)
    victim.send_signal(signal.SIGKILL)
    victim.wait(timeout=10)
    wait_for(project, ORPHAN_GONE)
    settings = settings_of(project)
    entry = inspection.status(settings).entries[1]
    assert entry.state is State.FAILED and entry.row is not None and entry.row.statements_done == 1
    project.write("V2__steps.sql", """
        -- dbworkbench:no-transaction
        CREATE INDEX CONCURRENTLY t_a ON t (a);
        SELECT pg_sleep(0);
        CREATE INDEX CONCURRENTLY t_b ON t (b);
    """)
    migrations.migrate(settings)
    assert {r[0] for r in project.query("SELECT indexname FROM pg_indexes WHERE tablename = 't'")} == {"t_a", "t_b"}
    assert project.query("SELECT count(*) FROM dbworkbench_history WHERE version = '2'") == [(1,)]
    assert inspection.validate(settings).ok


def test_ctrl_c_rolls_back_the_running_file_and_exits_130(project: Project, settings_of: Any) -> None:
    project.write("V1__ok.sql", "CREATE TABLE ok (x int);\n")
    project.write("V2__slow.sql", "CREATE TABLE half (x int);\nSELECT pg_sleep(30);\n")
    victim = start_cli(project, "migrate")
    wait_for(project, RUNNING)
    victim.send_signal(signal.SIGINT)
    _, err = victim.communicate(timeout=15)
    assert victim.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    assert not project.table_exists("half")
    assert [e.state for e in inspection.status(settings_of(project)).entries] == [State.APPLIED, State.PENDING]
