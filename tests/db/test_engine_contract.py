"""The fake engine used by snapshot tests behaves like the real one on the same files (a contract test)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from dbworkbench.core.facade import Engine, EngineApi
from tests.conftest import Project
from tests.tui.fake_engine import FakeEngine

DEMO = Path(__file__).resolve().parents[2] / "sql"


def observe(engine: EngineApi) -> list[object]:
    """A scenario every engine must agree on: what runs, and the states after each action."""
    seen: list[object] = []

    def states() -> list[tuple[str, str]]:
        return [(e.key, e.state.value) for e in engine.status().entries]

    seen.append(states())
    for action in ("up", "up", "down", "migrate", "redo", "down"):
        report = engine.apply(action)
        seen.append([(s.version, s.action) for s in report.steps])
        seen.append(states())
    seen.append(engine.show("2").entry.state.value)
    return seen


@pytest.fixture
def demo_project(project: Project) -> Project:
    shutil.copytree(DEMO, project.sql_dir, dirs_exist_ok=True)
    config = project.root / "dbworkbench.toml"
    config.write_text(config.read_text() + '\n[placeholders]\ncompany = "Example Co"\n')
    return project


def test_fake_engine_agrees_with_the_real_one(demo_project: Project, settings_of: Any) -> None:
    real = observe(Engine(settings_of(demo_project)))
    fake = observe(FakeEngine(demo_project.sql_dir))
    assert fake == real
