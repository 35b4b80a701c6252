"""Snapshots of the workbench at a fixed size, on the fake engine with a frozen clock (reviewed before updating)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from dbworkbench.app.vocabulary import Verb
from dbworkbench.tui.app import DbWorkbenchApp
from tests.tui.fake_engine import FakeEngine
from tests.tui.helpers import settle

DEMO = Path(__file__).resolve().parents[2] / "sql"
SIZE = (120, 36)




def demo_app(theme: str, *, environment: str = "dev", applied_to: str = "6") -> DbWorkbenchApp:
    engine = FakeEngine(DEMO, environment=environment, protected=environment == "prod")
    engine.apply(Verb.MIGRATE, target=applied_to, confirmed_as=environment)
    return DbWorkbenchApp(engine, theme=theme, remember_theme=False)


SIZES = {"80x24": (80, 24), "140x40": (140, 40)}
"""The smallest terminal the workbench is designed for (compact layout), and a roomy one."""


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("theme", ["dbworkbench-dark", "dbworkbench-light", "dbworkbench-contrast"])
def test_main_screen(snap_compare: Any, theme: str, size: str) -> None:
    assert snap_compare(demo_app(theme), terminal_size=SIZES[size], run_before=settle)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("theme", ["dbworkbench-dark", "dbworkbench-light", "dbworkbench-contrast"])
def test_protected_main_screen(snap_compare: Any, theme: str, size: str) -> None:
    assert snap_compare(demo_app(theme, environment="prod"), terminal_size=SIZES[size], run_before=settle)


@pytest.mark.parametrize("size", list(SIZES))
def test_protected_confirmation_modal(snap_compare: Any, size: str) -> None:
    async def open_confirmation(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("w", "u")
        await settle(pilot)

    assert snap_compare(demo_app("dbworkbench-dark", environment="prod"), terminal_size=SIZES[size],
                        run_before=open_confirmation)


def test_error_modal(snap_compare: Any) -> None:
    async def undo_without_undo(pilot: Pilot[None]) -> None:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot)

    assert snap_compare(demo_app("dbworkbench-dark", applied_to="10"), terminal_size=SIZE, run_before=undo_without_undo)
