"""The workbench driven by Textual's pilot against a real PostgreSQL (the engine is the real one)."""

from __future__ import annotations

import time
from typing import Any

from textual.widgets import Input

from dbworkbench.app import migrations
from dbworkbench.app.engine import Engine
from dbworkbench.tui.app import DbWorkbenchApp
from dbworkbench.tui.screens.confirm_apply import ConfirmApplyModal
from dbworkbench.tui.screens.error import ErrorModal
from dbworkbench.tui.widgets.history_table import HistoryTable
from dbworkbench.tui.widgets.pending_list import PendingList
from dbworkbench.tui.widgets.preview_pane import PreviewPane
from dbworkbench.tui.widgets.progress_strip import ProgressStrip
from dbworkbench.tui.widgets.status_header import StatusHeader
from tests.conftest import Project
from tests.tui.helpers import settle

SIZE = (120, 36)




def text_of(widget: Any) -> str:
    return str(widget.render())


def three(project: Project) -> None:
    project.write("V1__accounts.sql", "CREATE TABLE accounts (id int PRIMARY KEY);\n-- @undo\nDROP TABLE accounts;\n")
    project.write("V2__projects.sql", "CREATE TABLE projects (id int);\n-- @undo\nDROP TABLE projects;\n")
    project.write("V3__labels.sql", "CREATE TABLE labels (id int);\n-- @undo\nDROP TABLE labels;\n")


def app_for(project: Project, settings_of: Any, env: str | None = None) -> DbWorkbenchApp:
    return DbWorkbenchApp(Engine(settings_of(project, env=env)), theme="dbworkbench-dark", remember_theme=False)


async def test_opens_with_history_pending_and_header(project: Project, settings_of: Any) -> None:
    three(project)
    migrations.migrate(settings_of(project), steps=1)
    app = app_for(project, settings_of)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.query_one(HistoryTable).row_count == 1
        assert app.screen.query_one(PendingList).row_count == 2
        header = text_of(app.screen.query_one(StatusHeader))
        assert "applied 1" in header and "pending 2" in header and "env test" in header


async def test_step_up_step_down_and_migrate_all(project: Project, settings_of: Any) -> None:
    three(project)
    app = app_for(project, settings_of)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert project.table_exists("accounts") and not project.table_exists("projects")
        assert app.screen.query_one(PendingList).row_count == 2
        await pilot.press("d")
        await settle(pilot)
        assert not project.table_exists("accounts")
        assert app.screen.query_one(HistoryTable).row_count == 2, "the apply and its undo"
        await pilot.press("m")
        await settle(pilot)
        assert all(project.table_exists(t) for t in ("accounts", "projects", "labels"))
        assert app.screen.query_one(PendingList).row_count == 0
        assert "✓ migrate: 3 file(s)" in text_of(app.screen.query_one(ProgressStrip))


async def test_checksum_mismatch_shows_its_diff(project: Project, settings_of: Any) -> None:
    path = project.write("V1__a.sql", "CREATE TABLE a (x int);\n")
    migrations.migrate(settings_of(project))
    path.write_text("CREATE TABLE a (x bigint);\n")
    app = app_for(project, settings_of)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "problems 1" in text_of(app.screen.query_one(StatusHeader))
        app.screen.query_one(PreviewPane).show_tab("diff")
        await settle(pilot)
        diff = str(app.screen.query_one("#diff-view").render())
        assert "SQL changed" in diff and "-CREATE TABLE a (x int);" in diff and "+CREATE TABLE a (x bigint);" in diff


async def test_protected_environment_is_read_only_then_needs_the_typed_name(project: Project,
                                                                            settings_of: Any) -> None:
    three(project)
    app = app_for(project, settings_of, env="prod")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        header = app.screen.query_one(StatusHeader)
        assert header.has_class("-protected") and "PRODUCTION" in text_of(header) and "READ-ONLY" in text_of(header)
        await pilot.press("u")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmApplyModal) and not project.table_exists("accounts", prod=True)
        assert "read-only" in text_of(app.screen.query_one(ProgressStrip)) and "press w" in \
            text_of(app.screen.query_one(ProgressStrip)), "a write key in read-only mode says why nothing happens"
        await pilot.press("w")
        await pilot.press("u")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmApplyModal) and len(modal.files) == 1
        assert modal.files[0].startswith("apply sql/V1__accounts.sql") and "undo: yes" in modal.files[0]
        assert "lint: clean" in modal.files[0], modal.files
        assert modal.sql.startswith("-- first: create the history tables"), "bookkeeping is folded"
        assert "CREATE TABLE accounts" in modal.sql and "dbworkbench_history" not in modal.sql
        assert modal.query_one(Input).placeholder == "type the name here"
        await pilot.press(*"production")
        await pilot.press("enter")
        await pilot.press("escape")
        await settle(pilot)
        assert not project.table_exists("accounts", prod=True), "refused: wrong name, then Escape"
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmApplyModal)
        app.screen.query_one(Input).value = "prod"
        await pilot.press("enter")
        await settle(pilot)
        assert project.table_exists("accounts", prod=True) and not project.table_exists("projects", prod=True)
        assert "READ-ONLY" in text_of(app.screen.query_one(StatusHeader)), "back to read-only after a write"
        await pilot.press("u")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmApplyModal) and not project.table_exists("projects", prod=True)


async def test_an_unapproved_unsafe_file_is_refused_before_the_name_is_typed(project: Project,
                                                                            settings_of: Any) -> None:
    project.write("V1__t.sql", "CREATE TABLE t (x int);\n-- @undo\nDROP TABLE t;\n")
    project.write("V2__index.sql", "CREATE INDEX t_x ON t (x);\n-- @undo\nDROP INDEX t_x;\n")
    app = app_for(project, settings_of, env="prod")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w", "m")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmApplyModal) and modal.refusal is not None
        assert "approval" in modal.refusal and "A" in modal.refusal
        assert not modal.query(Input) and not modal.query("#run"), "no way to run it, nothing to type"
        assert "1 unsafe, unapproved" in modal.files[1], modal.files
        await pilot.press("escape")
        await settle(pilot)
        assert not project.table_exists("t", prod=True)


async def test_a_write_planned_on_a_stale_screen_runs_nothing_and_reloads(project: Project, settings_of: Any) -> None:
    """The screen shows V2 on top; a CLI migrate applies V3 meanwhile; `d` must not undo V3, never shown."""
    three(project)
    migrations.migrate(settings_of(project), steps=2)
    app = app_for(project, settings_of)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.query_one(PendingList).row_count == 1
        migrations.migrate(settings_of(project))
        await pilot.press("d")
        await settle(pilot, rounds=8)
        assert project.table_exists("labels") and project.table_exists("projects"), "nothing was undone"
        assert "history changed" in text_of(app.screen.query_one(ProgressStrip))
        assert app.screen.query_one(PendingList).row_count == 0, "the screen reloaded"
        await pilot.press("d")
        await settle(pilot, rounds=8)
        assert not project.table_exists("labels") and project.table_exists("projects"), "now it undoes what it shows"


async def test_cancel_during_a_slow_migration_leaves_nothing(project: Project, settings_of: Any) -> None:
    project.write("V1__slow.sql", "CREATE TABLE half (x int);\nSELECT pg_sleep(30);\n")
    app = app_for(project, settings_of)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m")
        deadline = time.monotonic() + 15
        while not project.query("SELECT count(*) > 0 FROM pg_stat_activity WHERE query LIKE '%pg_sleep(30)%' "
                                "AND state = 'active' AND datname = current_database() "
                                "AND application_name LIKE 'dbworkbench%'")[0][0]:
            assert time.monotonic() < deadline, "the slow statement never started"
            await pilot.pause(0.05)
        began = time.monotonic()
        await pilot.press("escape")
        await settle(pilot)
        assert time.monotonic() - began < 10
        assert not project.table_exists("half")
        assert "cancelled" in text_of(app.screen.query_one(ProgressStrip))
        assert app.screen.query_one(PendingList).row_count == 1


async def test_failing_statement_opens_the_error_modal(project: Project, settings_of: Any) -> None:
    project.write("V1__bad.sql", "CREATE TABLE t (x int);\nINSERT INTO t VALUES ('nope');\n")
    app = app_for(project, settings_of)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        where = str(app.screen.query_one(".where").render())
        assert "sql/V1__bad.sql:2:" in where and "22P02" in where
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ErrorModal) and app.is_running
        assert not project.table_exists("t")


async def test_pending_files_show_lint_findings(project: Project, settings_of: Any) -> None:
    project.write("V1__t.sql", "CREATE TABLE t (x int);\n")
    migrations.migrate(settings_of(project))
    project.write("V2__index.sql", "SET lock_timeout = '5s';\n\nCREATE INDEX t_x ON t (x);\n")
    project.write("V3__safe.sql", "SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY t_x2 ON t (x);\n")
    app = app_for(project, settings_of)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        pending = app.screen.query_one(PendingList)
        assert str(pending.get_cell("2", "lint")) == "✗ unsafe" and str(pending.get_cell("3", "lint")) == "✓"
        lint = str(app.screen.query_one("#lint-view").render())
        assert "line 3:21  error [require-concurrent-index-creation]" in lint and "safe recipe" in lint
        gutter = str(app.screen.query_one("#sql-view .gutter").render())
        assert gutter.splitlines()[2].startswith("✗")


async def test_approve_and_analyze_from_the_workbench(project: Project, settings_of: Any,
                                                      monkeypatch: Any) -> None:
    from dbworkbench.core.db import embedded_server
    from dbworkbench.tui.screens.approve import ApprovalModal

    monkeypatch.setenv("DBWORKBENCH_REVIEWER", "Ada")
    project.write("V1__t.sql", "CREATE TABLE t (x int);\n")
    migrations.migrate(settings_of(project))
    project.query("INSERT INTO t SELECT generate_series(1, 1000)")
    project.write("V2__index.sql", "SET LOCAL lock_timeout = '5s';\nCREATE INDEX t_x ON t (x);\n")
    app = app_for(project, settings_of)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert str(app.screen.query_one(PendingList).get_cell("2", "lint")) == "✗ unsafe"
            await pilot.press("A")
            await settle(pilot)
            assert isinstance(app.screen, ApprovalModal)
            await pilot.press(*"t has 1000 rows", "enter")
            await settle(pilot)
            approval = (project.root / "approvals" / "V2.toml").read_text()
            assert 'reviewer = "Ada"' in approval and "require-concurrent-index-creation" in approval
            assert str(app.screen.query_one(PendingList).get_cell("2", "lint")) == "i info"
            await pilot.press("a")
            await settle(pilot, rounds=8)
            lint = str(app.screen.query_one("#lint-view").render())
            assert "approved by Ada" in lint and "scans t (≈" in lint and "ShareLock" in lint
    finally:
        embedded_server(settings_of(project)).stop()


async def test_schema_before_and_after_and_drift(project: Project, settings_of: Any) -> None:
    from dbworkbench.core.db import embedded_server
    from dbworkbench.tui.screens.drift import DriftModal

    project.write("V1__t.sql", "CREATE TABLE t (x int);\n")
    migrations.migrate(settings_of(project))
    project.query("ALTER TABLE t ADD COLUMN by_hand int")
    project.write("V2__grow.sql", "ALTER TABLE t ADD COLUMN y text NOT NULL DEFAULT '';\nCREATE INDEX t_y ON t (y);\n")
    app = app_for(project, settings_of)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("b")
            await settle(pilot, rounds=8)
            diff_text = str(app.screen.query_one("#diff-view").render())
            assert 'ADD COLUMN "y" text DEFAULT \'\'::text NOT NULL' in diff_text and "CREATE INDEX t_y" in diff_text
            assert "by_hand" not in diff_text, "the copy is rebuilt from history, not read from the target"
            await pilot.press("D")
            await settle(pilot, rounds=8)
            assert isinstance(app.screen, DriftModal)
            assert any("by_hand" in line and "V1__t.sql" in line for line in app.screen.lines)
    finally:
        embedded_server(settings_of(project)).stop()


async def test_a_database_marked_protected_is_protected_in_the_workbench(project: Project, settings_of: Any) -> None:
    """Environment `test` is not configured protected, but its database was marked: the workbench reads the
    protection from the database, stays read-only until `w`, and needs the name typed."""
    from dbworkbench.app import maintenance

    three(project)
    maintenance.protect(settings_of(project))
    app = app_for(project, settings_of)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.query_one(StatusHeader).has_class("-protected")
        await pilot.press("u")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmApplyModal) and not project.table_exists("accounts")
        await pilot.press("w")
        await pilot.press("u")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmApplyModal)
        app.screen.query_one(Input).value = "test"
        await pilot.press("enter")
        await settle(pilot)
        assert project.table_exists("accounts") and not project.table_exists("projects")


async def test_a_big_file_is_shown_in_part_and_says_what_is_left_out(project: Project, settings_of: Any,
                                                                      monkeypatch: Any) -> None:
    from dbworkbench.tui.widgets import sql_view
    from dbworkbench.tui.widgets.sql_view import SqlView

    monkeypatch.setattr(sql_view, "SHOWN_CHARS", 3000)  # (256 KB by default)
    shown = 3000
    rows = shown // 30 * 3
    project.write("V1__big.sql", "CREATE TABLE big (id int);\n" + "".join(
        f"INSERT INTO big VALUES ({i});\n" for i in range(rows)))
    app = app_for(project, settings_of)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        view = app.screen.query_one("#sql-view", SqlView)
        code = str(view.query_one(".code").render())
        assert "more lines not shown" in code and "the whole file is what runs" in code
        assert len(code) < shown * 2 and "INSERT INTO big VALUES (0);" in code
        assert f"VALUES ({rows - 1});" not in code
        assert view.text.endswith(f"VALUES ({rows - 1});\n"), "the widget keeps the whole text it was given"
