"""Batched backfills and the NOT NULL recipe on a real server: batches commit alone, and an interrupted run resumes."""

from __future__ import annotations

from typing import Any

import pytest

from dbworkbench.app import migrations
from dbworkbench.cli import main
from dbworkbench.core import events as ev
from dbworkbench.core.cancel import CancelToken
from dbworkbench.errors import MigrationInterruptedError, PlanError
from tests.conftest import Project


def orders(project: Project, rows: int) -> None:
    project.query("CREATE TABLE orders (id bigint PRIMARY KEY, note text)")
    project.query(f"INSERT INTO orders SELECT g, 'n' FROM generate_series(1, {rows}) g")


def test_not_null_recipe_backfills_in_batches(project: Project, settings_of: Any,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    orders(project, 2500)
    assert main(["new", "--recipe", "not-null", "orders", "priority", "smallint", "3"]) == 0
    created = capsys.readouterr().out.split()
    assert [p for p in created if p.endswith(".sql")] == [
        "sql/V001__add_priority_to_orders.sql", "sql/V002__backfill_orders_priority.sql",
        "sql/V003__check_orders_priority_not_null.sql", "sql/V004__set_orders_priority_not_null.sql"]
    assert main(["lint"]) == 0, "the recipe itself passes the linter"
    capsys.readouterr()
    batches: list[ev.BatchExecuted] = []
    migrations.migrate(settings_of(project), on_event=lambda e: batches.append(e) if isinstance(e, ev.BatchExecuted) else None)
    assert [b.rows for b in batches] == [1000, 1000, 500, 0]
    assert project.query("SELECT count(*) FROM orders WHERE priority = 3") == [(2500,)]
    assert project.query("SELECT attnotnull FROM pg_attribute WHERE attrelid = 'orders'::regclass "
                         "AND attname = 'priority'") == [(True,)]
    assert project.query("SELECT count(*) FROM pg_constraint WHERE conrelid = 'orders'::regclass "
                         "AND contype = 'c'") == [(0,)]


def test_an_interrupted_backfill_resumes(project: Project, settings_of: Any) -> None:
    orders(project, 2500)
    project.write("V1__backfill.sql", """
        -- dbworkbench:batch pause=0
        UPDATE orders SET note = 'done'
        WHERE id IN (SELECT id FROM orders WHERE note <> 'done' LIMIT 1000);
    """)
    token = CancelToken()

    def stop_after_first(event: ev.EngineEvent) -> None:
        if isinstance(event, ev.BatchExecuted):
            token.cancel()

    with pytest.raises(MigrationInterruptedError):
        migrations.migrate(settings_of(project), on_event=stop_after_first, cancel=token)
    assert project.query("SELECT count(*) FROM orders WHERE note = 'done'") == [(1000,)], "the first batch committed"
    assert project.query("SELECT success FROM dbworkbench_history") == [(False,)]
    migrations.migrate(settings_of(project))
    assert project.query("SELECT count(*) FROM orders WHERE note = 'done'") == [(2500,)]
    assert project.query("SELECT success, statements_done FROM dbworkbench_history") == [(True, 1)]


def test_batch_directive_needs_an_update_or_delete(project: Project, settings_of: Any) -> None:
    orders(project, 10)
    project.write("V1__bad.sql", "-- dbworkbench:batch\nCREATE INDEX i ON orders (note);\n")
    with pytest.raises(PlanError, match="goes before an UPDATE or DELETE"):
        migrations.migrate(settings_of(project))


def test_a_batch_that_never_runs_out_stops_at_its_limit(project: Project, settings_of: Any) -> None:
    orders(project, 10)
    project.write("V1__endless.sql", "-- dbworkbench:batch max=5\nUPDATE orders SET note = 'x' WHERE id IN "
                                     "(SELECT id FROM orders LIMIT 2);\n")
    with pytest.raises(MigrationInterruptedError, match="after 5 batches"):
        migrations.migrate(settings_of(project))
