"""The pytest plugin (entry point `pytest11`): a fresh, migrated database per test, from the template cache.

    def test_signup(dbworkbench_database):            # a libpq connection string
        with psycopg.connect(dbworkbench_database) as conn: ...

The project is the test run's root folder, or `dbworkbench_project` in the pytest ini options (relative to it).
Every migration runs through the engine, so the database has dbworkbench's history too; the first test pays for
the replay, every later one gets a clone of the template (see the README's template cache), usually a spare copy
made in the background while the test before it ran. Its database is dropped after the test.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ini option naming the project."""
    parser.addini("dbworkbench_project", "folder of the dbworkbench project whose migrations "
                  "`dbworkbench_database` applies (default: the root folder)", default="")


@pytest.fixture
def dbworkbench_database(request: pytest.FixtureRequest) -> Iterator[str]:
    """A new database with every migration of the project applied; its connection string. Dropped after."""
    from dbworkbench.app.scratch import fresh_migrated
    from dbworkbench.config import load_settings
    from dbworkbench.errors import DbWorkbenchError

    folder = request.config.rootpath / Path(str(request.config.getini("dbworkbench_project") or "."))
    with contextlib.ExitStack() as stack:
        try:
            fresh = stack.enter_context(fresh_migrated(load_settings(folder), spare=True))
        except DbWorkbenchError as exc:
            pytest.fail(f"dbworkbench_database: {exc.title}: {exc.message}", pytrace=False)
        yield fresh.conninfo
