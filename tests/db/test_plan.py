"""plan on a real server: the desired schema in schema/ becomes a migration whose undo returns the environment."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dbworkbench.app import migrations
from dbworkbench.cli import main
from dbworkbench.core.db import embedded_server
from tests.conftest import Project


@pytest.fixture
def planned(project: Project, settings_of: Any) -> Iterator[Project]:
    yield project
    embedded_server(settings_of(project)).stop()


def test_plan_write_migrate_and_undo(planned: Project, settings_of: Any, capsys: pytest.CaptureFixture[str]) -> None:
    project = planned
    project.write("V001__accounts.sql", "CREATE TABLE accounts (id int PRIMARY KEY, email text, legacy text);\n")
    migrations.migrate(settings_of(project))
    desired = project.root / "schema"
    desired.mkdir()
    (desired / "tables.sql").write_text(
        "CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL, legacy text);\n"
        "CREATE TABLE orders (id int PRIMARY KEY, account_id int REFERENCES accounts);\n"
        "CREATE INDEX orders_account ON orders (account_id);\n")
    assert main(["plan"]) == 0
    out = capsys.readouterr().out
    assert "-- unsafe: scans the table under ACCESS EXCLUSIVE" in out and 'CREATE TABLE "public"."orders"' in out
    assert main(["plan", "--write", "add orders"]) == 0
    assert capsys.readouterr().out.strip() == "created sql/V002__add_orders.sql"
    written = (project.sql_dir / "V002__add_orders.sql").read_text()
    assert "-- @undo" in written and "DROP TABLE" in written.split("-- @undo")[1]
    migrations.migrate(settings_of(project))
    assert project.table_exists("orders")
    assert main(["plan"]) == 0
    assert "nothing to plan" in capsys.readouterr().out
    migrations.down(settings_of(project))
    assert not project.table_exists("orders")
    assert project.query("SELECT attnotnull FROM pg_attribute WHERE attrelid = 'accounts'::regclass "
                         "AND attname = 'email'") == [(False,)]


def test_data_loss_is_withheld_and_the_undo_marked_irreversible(planned: Project, settings_of: Any,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    project = planned
    project.write("V001__accounts.sql", "CREATE TABLE accounts (id int PRIMARY KEY, legacy text);\n")
    migrations.migrate(settings_of(project))
    (project.root / "schema").mkdir()
    (project.root / "schema" / "tables.sql").write_text("CREATE TABLE accounts (id int PRIMARY KEY);\n")
    assert main(["plan"]) == 0
    assert "withheld" in capsys.readouterr().out
    assert main(["plan", "--write", "drop legacy", "--allow-data-loss"]) == 0
    capsys.readouterr()
    written = (project.sql_dir / "V002__drop_legacy.sql").read_text()
    assert 'DROP COLUMN "legacy"' in written.split("-- @undo")[0]
    assert "-- irreversible: this migration drops data" in written.split("-- @undo")[1]


def test_schema_object_output_is_sql_that_plan_accepts_back(planned: Project, settings_of: Any,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    """`schema OBJECT > schema/N.sql` for each object (a table's DDL holds its indexes and comments) is a desired
    state that is already reached: valid SQL, final `;`, nothing lost."""
    project = planned
    project.write("V001__objects.sql",
                  "CREATE TYPE order_state AS ENUM ('new', 'paid');\n"
                  "CREATE TABLE accounts (id int PRIMARY KEY, email text NOT NULL, state order_state DEFAULT 'new');\n"
                  "COMMENT ON TABLE accounts IS 'who pays';\n"
                  "COMMENT ON COLUMN accounts.email IS 'where receipts go';\n"
                  "CREATE INDEX accounts_by_email ON accounts (lower(email));\n"
                  "CREATE FUNCTION touch() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n"
                  "COMMENT ON FUNCTION touch() IS 'a no-op';\nCOMMENT ON TYPE order_state IS 'life of an order';\n"
                  "CREATE VIEW paying AS SELECT id FROM accounts WHERE state = 'paid';\n"
                  "COMMENT ON VIEW paying IS 'the ones that did';\n")
    migrations.migrate(settings_of(project))
    desired = project.root / "schema"
    desired.mkdir()
    assert main(["schema", "public.accounts_by_email"]) == 0
    assert capsys.readouterr().out.rstrip().endswith(";")
    order = ["public.order_state", "public.accounts", "public.touch", "public.paying"]
    for rank, each in enumerate(order):
        assert main(["schema", each]) == 0
        text = capsys.readouterr().out
        assert text.rstrip().endswith(";") and "COMMENT ON" in text, text
        (desired / f"{rank}.sql").write_text(text)
    capsys.readouterr()
    assert main(["plan"]) == 0
    assert "nothing to plan" in capsys.readouterr().out
