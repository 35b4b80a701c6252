"""analyze on a real server: a scratch copy rebuilt from history, effects reported in the target's terms."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dbworkbench.app import migrations
from dbworkbench.app.analysis import analyze
from dbworkbench.cli import main
from dbworkbench.core.db import embedded_server
from tests.conftest import Project


@pytest.fixture
def analyzed(project: Project, settings_of: Any) -> Iterator[Project]:
    yield project
    embedded_server(settings_of(project)).stop()


def test_pending_statements_are_measured_and_sized(analyzed: Project, settings_of: Any,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    project = analyzed
    project.write("V1__orders.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, note text);\n")
    migrations.migrate(settings_of(project))
    project.query("INSERT INTO orders SELECT g, 'n' FROM generate_series(1, 30000) g")
    project.query("ANALYZE orders")
    project.write("V2__index.sql", "CREATE INDEX orders_note ON orders (note);\n")
    project.write("V3__token.sql", "ALTER TABLE orders ADD COLUMN token float8 DEFAULT random();\n"
                                   "ALTER TABLE orders ADD COLUMN seen boolean;\n")
    project.write("V4__concurrent.sql", "CREATE INDEX CONCURRENTLY orders_token ON orders (token);\n")
    reports = analyze(settings_of(project))
    said = {(r.script, r.index): r.consequences for r in reports}
    assert any("scans orders (≈30.0 k rows" in s and "ShareLock" in s for s in said[("sql/V2__index.sql", 0)])
    assert any("rewrites orders (≈30.0 k rows" in s and "AccessExclusiveLock" in s for s in said[("sql/V3__token.sql", 0)])
    assert not any("rewrites" in s or "scans" in s for s in said[("sql/V3__token.sql", 1)])
    assert said[("sql/V4__concurrent.sql", 0)][0] == "runs outside a transaction"
    assert project.query("SELECT count(*) FROM pg_indexes WHERE indexname = 'orders_note'") == [(0,)], \
        "the target was only read"
    assert main(["analyze"]) == 0
    out = capsys.readouterr().out
    assert "sql/V3__token.sql" in out and "rewrites orders" in out


def test_the_lock_queue_is_rehearsed_behind_an_open_reader(analyzed: Project, settings_of: Any) -> None:
    project = analyzed
    project.write("V1__orders.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, note text);\n"
                                    "CREATE TABLE notes (id bigint);\n")
    migrations.migrate(settings_of(project))
    project.write("V2__flag.sql", "UPDATE notes SET id = id WHERE false;\nALTER TABLE orders ADD COLUMN flag boolean;\n"
                                  "ALTER TABLE orders ADD COLUMN seen boolean;\n")
    project.write("V3__index.sql", "CREATE INDEX orders_note ON orders (note);\n")
    reports = analyze(settings_of(project))
    said = {(r.script, r.index): r.consequences for r in reports}
    alter = [s for s in said[("sql/V2__flag.sql", 1)] if "queues" in s]
    assert alter and "blocks readers and writers" in alter[0] and "lock_timeout 5s" in alter[0], said
    assert any(s.startswith("waits for nobody") for s in said[("sql/V2__flag.sql", 0)]), said
    assert not any("queues" in s or "waits for nobody" in s for s in said[("sql/V2__flag.sql", 2)]), \
        "orders is already locked by the statement before: it does not queue again"
    assert any(s.startswith("waits for nobody") for s in said[("sql/V3__index.sql", 0)]), \
        "CREATE INDEX's SHARE lock lets readers through (it blocks writers, said elsewhere)"
    assert project.query("SELECT count(*) FROM information_schema.columns WHERE column_name = 'flag'") == [(0,)]


def test_the_lock_queue_of_a_file_outside_a_transaction_is_rehearsed_too(analyzed: Project, settings_of: Any) -> None:
    project = analyzed
    project.write("V1__orders.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, note text);\n")
    migrations.migrate(settings_of(project))
    project.write("V2__concurrent.sql", "CREATE INDEX CONCURRENTLY orders_note ON orders (note);\n"
                                        "CREATE INDEX CONCURRENTLY orders_note_2 ON orders (note, id);\n")
    project.write("V3__forced.sql", "-- dbworkbench:no-transaction\nALTER TABLE orders ADD COLUMN flag boolean;\n")
    reports = analyze(settings_of(project))
    said = {(r.script, r.index): r.consequences for r in reports}
    concurrent = [s for s in said[("sql/V2__concurrent.sql", 0)] if "open transactions" in s]
    assert concurrent and "blocks no reader or writer" in concurrent[0], said
    assert any("open transactions" in s for s in said[("sql/V2__concurrent.sql", 1)]), \
        "outside a transaction each statement takes its locks anew, and waits anew"
    forced = [s for s in said[("sql/V3__forced.sql", 0)] if "queues" in s]
    assert forced and "blocks readers and writers" in forced[0], said
    assert project.query("SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'orders_note%'") == [(0,)], \
        "the target was only read"
