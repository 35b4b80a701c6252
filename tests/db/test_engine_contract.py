"""The fake engine used by snapshot tests behaves like the real one on the same files (a contract test)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from dbworkbench.app.engine import Engine, EngineApi
from dbworkbench.app.reports import Expected
from dbworkbench.app.vocabulary import Verb
from dbworkbench.errors import ConfigError, StaleStateError
from tests.conftest import Project
from tests.tui.fake_engine import FakeEngine

DEMO = Path(__file__).resolve().parents[2] / "sql"


def observe(engine: EngineApi) -> list[object]:
    """A scenario every engine must agree on: what runs, and the states after each action."""
    seen: list[object] = []

    def states() -> list[tuple[str, str]]:
        return [(e.key, e.state.value) for e in engine.status().entries]

    seen.append(states())
    for verb in (Verb.UP, Verb.UP, Verb.DOWN, Verb.MIGRATE, Verb.REDO, Verb.DOWN):
        planned = engine.dry_run(verb)
        seen.append([(p.script, p.version, p.action) for p in planned.planned])
        assert planned.history_mark == engine.status().history_mark
        if planned.planned:
            with pytest.raises(StaleStateError):
                engine.apply(verb, expected=Expected(planned.history_mark + "-other"))
        report = engine.apply(verb, expected=Expected(planned.history_mark, planned.planned))
        seen.append([(s.version, s.action) for s in report.steps])
        assert [(p.script, p.version, p.action) for p in report.planned] == seen[-2]
        seen.append(states())
    seen.append(engine.show("2").entry.state.value)
    grid = engine.targets_grid()
    seen.append([(r.target == engine.environment, sorted((k, v.value) for k, v in r.states.items()), r.version,
                  r.applied, r.pending, r.problems, r.error) for r in grid.rows])
    target = engine.for_target(engine.environment)
    assert target.fleet is engine and target.status().entries == engine.status().entries
    with pytest.raises(ConfigError, match="no target"):
        engine.for_target("no-such-target")
    return seen


@pytest.fixture
def demo_project(project: Project) -> Project:
    shutil.copytree(DEMO, project.sql_dir, dirs_exist_ok=True)
    config = project.root / "dbworkbench.toml"
    config.write_text(config.read_text() + '\n[placeholders]\ncompany = "Example Co"\n')
    return project


def test_fake_engine_agrees_with_the_real_one(demo_project: Project, settings_of: Any) -> None:
    real_engine: EngineApi = Engine(settings_of(demo_project))
    fake_engine: EngineApi = FakeEngine(demo_project.sql_dir)  # mypy checks the fake satisfies the contract
    real = observe(real_engine)
    fake = observe(fake_engine)
    assert fake == real


def test_two_first_connections_at_once_both_succeed(project: Project, settings_of: Any, tmp_path: Path) -> None:
    """The workbench's status and schema workers start together; on a fresh embedded server both must work."""
    import threading

    from dbworkbench.config import Overrides, load_settings

    (tmp_path / "fresh" / "sql").mkdir(parents=True)
    settings = load_settings(tmp_path / "fresh", Overrides(url="embedded:fresh_db"), environ={})
    engine = Engine(settings)
    errors: list[BaseException] = []

    def attempt(call: Any) -> None:
        try:
            call()
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=attempt, args=(engine.status,)),
               threading.Thread(target=attempt, args=(lambda: engine.catalog_children(None),))]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
    finally:
        from dbworkbench.core.db import embedded_server

        embedded_server(settings).stop()


def test_a_plan_that_no_longer_matches_the_files_runs_nothing(project: Project, settings_of: Any) -> None:
    """The history is unchanged but a file appeared after the confirmation was shown: refused, nothing run."""
    from dbworkbench.app import migrations

    project.write("V1__a.sql", "CREATE TABLE a (x int);\n")
    shown = migrations.migrate(settings_of(project), dry_run=True)
    project.write("V2__b.sql", "CREATE TABLE b (x int);\n")
    with pytest.raises(StaleStateError, match="V2__b.sql"):
        migrations.migrate(settings_of(project), expected=Expected(shown.history_mark, shown.planned))
    assert not project.table_exists("a") and not project.table_exists("b")
