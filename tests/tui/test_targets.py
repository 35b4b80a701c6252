"""The workbench on a fleet environment opens on its Targets view (the grid of every target's states, read from a
real PostgreSQL); Enter opens one target's panes, where `u` steps that target alone; `T` goes back to the grid."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import sql

from dbworkbench.app import migrations
from dbworkbench.app.engine import Engine
from dbworkbench.tui.app import DbWorkbenchApp
from dbworkbench.tui.screens.main import MainScreen
from dbworkbench.tui.screens.targets import TargetsScreen
from dbworkbench.tui.widgets.status_header import StatusHeader
from dbworkbench.tui.widgets.targets_table import TargetsTable
from tests.conftest import Project, Server
from tests.tui.helpers import settle

SIZE = (120, 36)


@pytest.fixture
def fleet_project(project: Project, pg18: Server) -> Iterator[tuple[Project, list[str]]]:
    prefix = f"tuifleet{os.getpid()}"
    names = [f"{prefix}_{i}" for i in range(3)]
    with pg18.admin() as admin:
        for name in names:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    project.write("V1__accounts.sql", "CREATE TABLE accounts (id int PRIMARY KEY);\n-- @undo\nDROP TABLE accounts;\n")
    project.write("V2__projects.sql", "CREATE TABLE projects (id int);\n-- @undo\nDROP TABLE projects;\n")
    with (project.root / "dbworkbench.toml").open("a") as config:
        config.write(f'\n[environments.tenants]\nurl = "{pg18.conninfo()}"\ndatabases = "{prefix}\\\\_%"\n')
    try:
        yield project, [pg18.conninfo(n) for n in names]
    finally:
        with pg18.admin() as admin:
            for name in names:
                admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _applied(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        if conn.execute("SELECT to_regclass('dbworkbench_history')").fetchone() == (None,):
            return []
        return [str(r[0]) for r in conn.execute("SELECT version FROM dbworkbench_history WHERE success AND "
                                                "kind = 'versioned' ORDER BY installed_rank")]


async def test_the_targets_view_opens_a_target_steps_it_alone_and_comes_back(
        fleet_project: tuple[Project, list[str]], settings_of: Any) -> None:
    project, urls = fleet_project
    from dbworkbench.config import Overrides, load_settings

    migrations.migrate(load_settings(project.root, Overrides(url=urls[0]), environ={}))
    migrations.migrate(load_settings(project.root, Overrides(url=urls[1]), environ={}), steps=1)
    app = DbWorkbenchApp(Engine(settings_of(project, env="tenants")), theme="dbworkbench-dark",
                         remember_theme=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TargetsScreen)
        table = app.screen.query_one(TargetsTable)
        assert table.row_count == 3
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(3)]
        assert [r[1:4] for r in rows] == [["2", "2", "0"], ["1", "1", "1"], ["-", "0", "2"]], rows
        assert [r[5:] for r in rows] == [["✓", "✓"], ["✓", "·"], ["·", "·"]], rows
        await pilot.press("down", "down", "enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        header = str(app.screen.query_one(StatusHeader).render())
        assert "tenants[" in header and "_2]" in header and "pending 2" in header, header
        await pilot.press("u")
        await settle(pilot)
        assert [_applied(u) for u in urls] == [["1", "2"], ["1"], ["1"]], "only the opened target was stepped"
        await pilot.press("T")
        await settle(pilot)
        assert isinstance(app.screen, TargetsScreen)
        table = app.screen.query_one(TargetsTable)
        assert [str(c) for c in table.get_row_at(2)][1:4] == ["1", "1", "1"]
