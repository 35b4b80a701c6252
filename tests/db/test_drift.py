"""drift on a real server: out-of-band changes are found and attributed; a clean database has none."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dbworkbench.app import migrations
from dbworkbench.cli import main
from dbworkbench.core.db import embedded_server
from tests.conftest import Project


@pytest.fixture
def drifting(any_project: Project, settings_of: Any) -> Iterator[Project]:
    """A project on each server (PostgreSQL 15 also as a non-superuser owner over TCP)."""
    project = any_project
    yield project
    embedded_server(settings_of(project)).stop()


def test_out_of_band_changes_are_found_and_attributed(drifting: Project, settings_of: Any,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    project = drifting
    project.write("V1__accounts.sql", "CREATE TABLE accounts (id int PRIMARY KEY, email text);\n")
    project.write("V2__orders.sql", "CREATE TABLE orders (id int PRIMARY KEY, account_id int REFERENCES accounts);\n"
                                    "CREATE INDEX orders_account ON orders (account_id);\n")
    migrations.migrate(settings_of(project))
    assert main(["drift"]) == 0
    assert "no drift" in capsys.readouterr().out
    project.query("ALTER TABLE accounts ADD COLUMN hotfix boolean")
    project.query("DROP INDEX orders_account")
    project.query("CREATE TABLE scratch_by_hand (x int)")
    assert main(["drift", "--json"]) == 5
    import json

    items = json.loads(capsys.readouterr().out)
    by_sql = {i["sql"]: i["last_touched_by"] for i in items}
    assert by_sql['ALTER TABLE "public"."accounts" ADD COLUMN "hotfix" boolean'] == "V1__accounts.sql"
    assert by_sql['DROP INDEX "public"."orders_account"'] == "V2__orders.sql"
    assert any(s.startswith('CREATE TABLE "public"."scratch_by_hand"') and who is None for s, who in by_sql.items())
