"""Themes load from data files (a broken one is reported and skipped), the choice persists, keys remap."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dbworkbench.app.engine import Engine
from dbworkbench.app.reports import StatusReport
from dbworkbench.config import Overrides, load_settings
from dbworkbench.tui import theming
from dbworkbench.tui.app import DbWorkbenchApp
from dbworkbench.tui.screens.error import ErrorModal
from dbworkbench.tui.widgets.status_header import StatusHeader
from tests.tui.fake_engine import FakeEngine
from tests.tui.helpers import settle

DEMO = Path(__file__).resolve().parents[2] / "sql"




def test_shipped_themes_load_and_a_broken_one_is_skipped(tmp_path: Path) -> None:
    shipped = theming.load_themes()
    assert {t.name for t in shipped.themes} >= {"dbworkbench-dark", "dbworkbench-light", "dbworkbench-contrast"}
    assert shipped.problems == ()
    for theme in shipped.themes:
        assert {"diff-added", "diff-removed", "protected", "protected-text"} <= set(theme.variables)
    shutil.copy(theming.themes_dir() / "dbworkbench-dark.toml", tmp_path)
    (tmp_path / "broken.toml").write_text('name = "broken"\nprimary = "#fff"\nsparkles = true\n')
    (tmp_path / "not-toml.toml").write_text("this is not = toml = at all")
    loaded = theming.load_themes(tmp_path)
    assert [t.name for t in loaded.themes] == ["dbworkbench-dark"]
    assert len(loaded.problems) == 2 and any("sparkles" in p for p in loaded.problems)


async def test_theme_choice_persists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    app = DbWorkbenchApp(FakeEngine(DEMO))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.theme == "dbworkbench-dark"
        await pilot.press("ctrl+t")
        await settle(pilot)
        chosen = app.theme
        assert chosen != "dbworkbench-dark"
    assert theming.saved_theme() == chosen
    again = DbWorkbenchApp(FakeEngine(DEMO))
    async with again.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert again.theme == chosen


async def test_keys_remap_by_binding_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    engine = FakeEngine(DEMO)
    app = DbWorkbenchApp(engine, keymap={"step-up": "x"})
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert engine.rows == []
        await pilot.press("x")
        await settle(pilot)
        assert [r.version for r in engine.rows] == ["1"]


async def test_unreachable_server_is_reported_and_the_app_keeps_running(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    (tmp_path / "sql").mkdir()
    settings = load_settings(tmp_path, Overrides(url="postgresql://nobody:secret@127.0.0.1:1/db"), environ={})
    app = DbWorkbenchApp(Engine(settings), remember_theme=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal) and "cannot connect" in app.screen.error.title
        assert "secret" not in app.screen.error.message
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert app.is_running and isinstance(app.screen, ErrorModal)
        assert app.screen_stack[1].query_one(StatusHeader) is not None


async def test_an_unexpected_worker_error_is_shown_not_swallowed(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))

    class BrokenEngine(FakeEngine):
        def status(self) -> StatusReport:
            raise RuntimeError("catalog exploded")

    app = DbWorkbenchApp(BrokenEngine(DEMO))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        assert app.screen.error.title == "internal error" and "catalog exploded" in app.screen.error.message
        assert app.is_running


@pytest.mark.parametrize(("status", "wanted", "matches"), [
    ("checksum mismatch", "mismatch", True), ("checksum mismatch", "checksum", True),
    ("undo failed", "fail", True), ("failed", "fail", True), ("undo failed", "undo failed", True),
    ("applied", "app", True), ("applied", "pending", False), ("undone", "undo failed", False),
])
def test_the_history_filter_accepts_a_state_or_the_start_of_one_of_its_words(status: str, wanted: str,
                                                                               matches: bool) -> None:
    from dbworkbench.tui.widgets.history_table import status_matches

    assert status_matches(status, wanted) is matches
