"""`lock-upfront` on real servers: a file's table locks are held before its first statement, in one order, and a
file that cannot have them waits (or times out) holding nothing, with nothing of it run."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest

from dbworkbench.app import migrations
from dbworkbench.app.stepping import step_into
from dbworkbench.core import events as ev
from dbworkbench.errors import MigrationFailedError
from tests.conftest import Project

SEEN = ("CREATE TABLE seen AS SELECT c.relname::text AS relname, l.mode FROM pg_locks l JOIN pg_class c "
        "ON c.oid = l.relation WHERE l.pid = pg_backend_pid() AND l.granted AND c.relname IN ('alpha', 'Beta', 'v');\n")
BODY = 'INSERT INTO alpha VALUES (1);\nALTER TABLE "Beta" ADD COLUMN y int;\nCREATE INDEX ON alpha (x);\nSELECT * FROM v;\n'


def setting(project: Project, line: str) -> None:
    config = project.root / "dbworkbench.toml"
    config.write_text(config.read_text().replace(f'url = "{project.conninfo}"\n',
                                                 f'url = "{project.conninfo}"\n{line}\n', 1))


def tables(project: Project) -> None:
    project.query('CREATE TABLE alpha (x int); CREATE TABLE "Beta" (x int); CREATE VIEW v AS SELECT * FROM alpha')


@pytest.mark.parametrize(("how", "per_statement"), [("marker", False), ("environment", True)],
                         ids=["marker-batched", "environment-per-statement"])
def test_every_lock_is_held_before_the_first_statement(any_project: Project, settings_of: Any, per_statement: bool,
                                                       how: str) -> None:
    tables(any_project)
    if how == "environment":
        setting(any_project, "lock_upfront = true")
    marker = "-- dbworkbench:lock-upfront\n" if how == "marker" else ""
    any_project.write("V1__touch.sql", marker + SEEN + BODY)
    migrations.migrate(settings_of(any_project), per_statement=per_statement)
    # one covering mode per table: INSERT (ROW EXCLUSIVE) + CREATE INDEX (SHARE) on alpha need SHARE ROW EXCLUSIVE
    # (locking the view v also takes ACCESS SHARE on alpha beneath it)
    assert {("Beta", "AccessExclusiveLock"), ("alpha", "ShareRowExclusiveLock"), ("v", "AccessShareLock")} <= set(
        any_project.query("SELECT relname, mode FROM seen"))
    assert any_project.query("SELECT success FROM dbworkbench_history WHERE version = '1'") == [(True,)]


def test_without_it_nothing_is_locked_before_its_statement(project: Project, settings_of: Any) -> None:
    tables(project)
    project.write("V1__touch.sql", SEEN + BODY)
    migrations.migrate(settings_of(project))
    assert project.query("SELECT relname, mode FROM seen") == []


def _held_by_migrator(watch: psycopg.Connection[Any], stop: threading.Event, seen: set[tuple[str, str]]) -> None:
    while not stop.is_set():
        for row in watch.execute(
                "SELECT c.relname::text, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN "
                "pg_stat_activity a ON a.pid = l.pid WHERE l.granted AND a.application_name LIKE 'dbworkbench %' "
                "AND c.relname IN ('alpha', 'beta')").fetchall():
            seen.add((str(row[0]), str(row[1])))
        time.sleep(0.01)


@pytest.mark.parametrize("upfront", [True, False], ids=["upfront", "as-it-goes"])
def test_a_file_that_must_wait_waits_holding_nothing(project: Project, settings_of: Any, upfront: bool) -> None:
    project.query("CREATE TABLE alpha (x int); CREATE TABLE beta (x int)")
    setting(project, 'lock_timeout = "600ms"\nlock_retries = 0')
    # beta is written first, alpha altered after; alpha comes first in the up-front order
    project.write("V1__two.sql", ("-- dbworkbench:lock-upfront\n" if upfront else "")
                  + "INSERT INTO beta VALUES (1);\nALTER TABLE alpha ADD COLUMN y int;\n")
    seen: set[tuple[str, str]] = set()
    stop = threading.Event()
    with psycopg.connect(project.conninfo, autocommit=True) as watch, psycopg.connect(project.conninfo) as holder:
        holder.execute("LOCK TABLE alpha IN ACCESS SHARE MODE")
        watcher = threading.Thread(target=_held_by_migrator, args=(watch, stop, seen))
        watcher.start()
        try:
            with pytest.raises(MigrationFailedError) as caught:
                migrations.migrate(settings_of(project))
        finally:
            stop.set()
            watcher.join()
    assert caught.value.failure.sqlstate == "55P03"
    assert project.query("SELECT count(*) FROM beta") == [(0,)]
    if upfront:
        assert seen == set()  # it waited for alpha before taking beta's lock or running anything
        assert "taking the file's locks up front" in caught.value.message
    else:
        assert ("beta", "RowExclusiveLock") in seen  # it held beta (and had written to it) while it waited


def test_the_prelude_has_a_lock_timeout_of_its_own_when_the_environment_has_none(
        project: Project, settings_of: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from dbworkbench.core import upfront

    monkeypatch.setattr(upfront, "DEFAULT_TIMEOUT", "400ms")  # (5s by default)
    project.query("CREATE TABLE alpha (x int)")
    setting(project, "lock_retries = 0")
    project.write("V1__a.sql", "-- dbworkbench:lock-upfront\nALTER TABLE alpha ADD COLUMN y int;\n"
                                "CREATE TABLE timeout_seen AS SELECT current_setting('lock_timeout') AS value;\n")
    migrations.migrate(settings_of(project))
    assert project.query("SELECT value FROM timeout_seen") == [("0",)]  # the file's own statements keep the session's
    with psycopg.connect(project.conninfo) as holder:
        holder.execute("LOCK TABLE alpha IN ACCESS SHARE MODE")
        project.write("V2__b.sql", "-- dbworkbench:lock-upfront\nALTER TABLE alpha ADD COLUMN z int;\n")
        began = time.monotonic()
        with pytest.raises(MigrationFailedError) as caught:
            migrations.migrate(settings_of(project))
    assert caught.value.failure.sqlstate == "55P03" and time.monotonic() - began < 4, "it gave up after 400ms"


def test_a_file_outside_a_transaction_says_the_marker_is_ignored(project: Project, settings_of: Any) -> None:
    project.query("CREATE TABLE alpha (x int)")
    project.write("V1__c.sql", "-- dbworkbench:lock-upfront\nCREATE INDEX CONCURRENTLY alpha_x ON alpha (x);\n")
    warnings: list[str] = []
    migrations.migrate(settings_of(project),
                       on_event=lambda e: warnings.append(e.message) if isinstance(e, ev.WarningRaised) else None)
    assert any("lock-upfront is ignored" in w for w in warnings)
    assert project.table_exists("alpha_x")


def test_dry_run_shows_the_prelude(project: Project, settings_of: Any) -> None:
    project.query("CREATE TABLE alpha (x int)")
    project.write("V1__d.sql", "-- dbworkbench:lock-upfront\nALTER TABLE alpha ADD COLUMN y int;\n")
    text = migrations.migrate(settings_of(project), dry_run=True).dry_run_sql or ""
    assert "LOCK TABLE %s IN %s MODE" in text and "ACCESS EXCLUSIVE" in text
    assert text.index("BEGIN;") < text.index("LOCK TABLE") < text.index("ALTER TABLE alpha")
    review = migrations.migrate(settings_of(project), dry_run=True).review_sql or ""
    assert "-- first: lock alpha (lock-upfront" in review


def test_stepping_into_the_file_takes_its_locks_when_it_begins(project: Project, settings_of: Any) -> None:
    tables(project)
    project.write("V1__touch.sql", "-- dbworkbench:lock-upfront\n" + BODY)
    session = step_into(settings_of(project))
    try:
        first = session.next()  # the INSERT into alpha: Beta's ACCESS EXCLUSIVE is already held
        assert "Beta: AccessExclusiveLock" in first.locks and "alpha: ShareRowExclusiveLock" in first.locks
    finally:
        session.rollback()
        session.close()
    assert project.query("SELECT count(*) FROM alpha") == [(0,)]
