"""The review cockpit on a real server: the 80×24 layout, keys that say why nothing happens, preview tab keys,
help and palette, detected no-transaction badges, a ticking elapsed time, and panes that never show what is gone."""

from __future__ import annotations

import asyncio
from typing import Any

from textual.command import CommandPalette
from textual.widgets import DataTable, Input, TabbedContent

from dbworkbench.app import inspection, migrations
from dbworkbench.app.engine import Engine
from dbworkbench.tui.app import DbWorkbenchApp
from dbworkbench.tui.palette import WorkbenchCommands
from dbworkbench.tui.screens.error import ErrorModal
from dbworkbench.tui.screens.help import HelpScreen, key_label
from dbworkbench.tui.widgets.history_table import HistoryTable
from dbworkbench.tui.widgets.pending_list import PendingList
from dbworkbench.tui.widgets.preview_pane import PreviewPane
from dbworkbench.tui.widgets.progress_strip import ProgressStrip
from dbworkbench.tui.widgets.status_header import StatusHeader
from tests.conftest import Project
from tests.tui.helpers import settle


def app_for(project: Project, settings_of: Any, env: str | None = None) -> DbWorkbenchApp:
    return DbWorkbenchApp(Engine(settings_of(project, env=env)), theme="dbworkbench-dark", remember_theme=False)


def many(project: Project, count: int = 9) -> None:
    for n in range(1, count + 1):
        project.write(f"V{n}__table_{n}.sql", f"CREATE TABLE t{n} (x int);\n-- @undo\nDROP TABLE t{n};\n")


async def test_at_80x24_every_pane_shows_rows_and_the_header_what_matters(project: Project, settings_of: Any) -> None:
    many(project)
    migrations.migrate(settings_of(project, env="prod"), steps=3, confirm=lambda request: True)
    app = app_for(project, settings_of, env="prod")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.has_class("-compact")
        assert not screen.query_one(PreviewPane).display or not screen.query_one(PreviewPane).region.width, \
            "the preview waits behind p"
        assert screen.query_one(HistoryTable).region.width >= 70, "history gets the full width"
        pending = screen.query_one(PendingList)
        assert pending.region.height - 1 >= 5, "at least five pending rows fit"
        header = screen.query_one(StatusHeader)
        text = str(header.render())
        for needed in ("PRODUCTION", "env prod", "pending 6", "problems 0", "v3", prod_database_name(project)):
            assert needed in text, (needed, text)
        assert header.region.height <= 2
        await pilot.press("p")
        await settle(pilot)
        assert screen.query_one(PreviewPane).region.width >= 70 and not screen.query_one(HistoryTable).region.width
        await pilot.press("p")
        await pilot.press("l")
        await settle(pilot)
        assert screen.query_one("#preview-tabs", TabbedContent).active == "tab-lint"
        assert screen.query_one(PreviewPane).region.width >= 70, "a preview tab key brings the preview forward"


def prod_database_name(project: Project) -> str:
    return project.prod_conninfo.rsplit("dbname=", 1)[1].split()[0]


async def test_preview_tabs_have_one_key_each(project: Project, settings_of: Any) -> None:
    many(project, 2)
    app = app_for(project, settings_of)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        tabs = app.screen.query_one("#preview-tabs", TabbedContent)
        for key, tab in (("n", "tab-undo"), ("f", "tab-diff"), ("i", "tab-info"), ("l", "tab-lint"), ("s", "tab-sql")):
            await pilot.press(key)
            await pilot.pause()
            assert tabs.active == tab, key


async def test_help_lists_keys_readably_with_their_binding_ids(project: Project, settings_of: Any) -> None:
    app = app_for(project, settings_of)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        rows = [tuple(str(c) for c in app.screen.query_one(DataTable).get_row_at(i))
                for i in range(app.screen.query_one(DataTable).row_count)]
        keys = {row[0]: row[2] for row in rows}
        assert keys["/"] == "filter" and keys["Esc"] == "cancel" and keys["Ctrl+T"] == "next-theme"
        assert keys["F5"] == "refresh" and keys["Shift+A"] == "approve-selected" and "Ctrl+P" in keys
        assert not any("slash" in row[0] or "escape" in row[0] for row in rows)
    assert key_label("escape,q,f1") == "Esc / q / F1" and key_label("ctrl+up") == "Ctrl+↑"


async def test_the_palette_offers_only_dbworkbench_actions(project: Project, settings_of: Any) -> None:
    app = app_for(project, settings_of)
    assert app.COMMANDS == {WorkbenchCommands}
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"theme")
        await asyncio.sleep(0.5)
        await pilot.pause()
        found = [str(option.prompt) for option in app.screen.query_one("CommandList").options]  # type: ignore[attr-defined]
        assert found and all("textual" not in option.lower() for option in found), found
        assert sum("theme" in option.lower() for option in found) == 1, found


async def test_a_detected_no_transaction_file_gets_the_badge(project: Project, settings_of: Any) -> None:
    project.write("V1__t.sql", "CREATE TABLE t (x int);\n")
    project.write("V2__index.sql", "CREATE INDEX CONCURRENTLY t_x ON t (x);\n")
    project.write("V3__plain.sql", "CREATE TABLE u (x int);\n")
    app = app_for(project, settings_of)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot, rounds=6)
        pending = app.screen.query_one(PendingList)
        badges = {str(pending.get_row(key)[0]): str(pending.get_row(key)[3]) for key in ("1", "2", "3")}
        assert "⚡no-tx" in badges["2"] and "⚡no-tx" not in badges["1"] + badges["3"], badges
        app.theme = "dbworkbench-light"
        await settle(pilot)
        assert "⚡no-tx" in str(pending.get_row("2")[3]) and str(pending.get_row("2")[1]) != "…"


async def test_the_elapsed_time_ticks_while_a_statement_runs(project: Project, settings_of: Any) -> None:
    project.write("V1__slow.sql", "CREATE TABLE half (x int);\nSELECT pg_sleep(1.6);\n")
    app = app_for(project, settings_of)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        seen = set()
        for _ in range(30):
            await asyncio.sleep(0.1)
            text = str(app.screen.query_one(ProgressStrip).render())
            if "statement 2/2" in text:
                seen.add(text.split("statement 2/2 · ", 1)[1].split("s", 1)[0])
        await settle(pilot)
        assert len(seen) >= 3, f"the elapsed time should tick, saw {seen}"


async def test_a_file_deleted_after_its_undo_leaves_no_stale_pane_and_no_error(project: Project,
                                                                              settings_of: Any) -> None:
    many(project, 2)
    migrations.migrate(settings_of(project))
    app = app_for(project, settings_of)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await settle(pilot, rounds=6)
        assert not project.table_exists("t2")
        (project.sql_dir / "V2__table_2.sql").unlink()
        await pilot.press("f5")
        await settle(pilot, rounds=6)
        assert not isinstance(app.screen, ErrorModal), "F5 must not fail on a version that is gone"
        assert app.screen.query_one(PendingList).row_count == 0
        assert "t2" not in app.screen.query_one(PreviewPane).current_sql


async def test_f5_keeps_the_pending_cursor_and_a_write_shows_the_newest_history(project: Project,
                                                                               settings_of: Any) -> None:
    many(project, 4)
    app = app_for(project, settings_of)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        pending = app.screen.query_one(PendingList)
        pending.focus()
        await pilot.press("down", "down")
        await settle(pilot)
        assert pending.cursor_row == 2
        await pilot.press("f5")
        await settle(pilot, rounds=6)
        assert pending.cursor_row == 2, "F5 keeps the cursor on the same file"
        await pilot.press("m")
        await settle(pilot, rounds=8)
        history = app.screen.query_one(HistoryTable)
        assert history.cursor_row == 0 and history.scroll_offset.y == 0, "the newest rows are in view"


async def test_a_filter_leaving_one_row_selects_it_and_enter_focuses_the_table(project: Project,
                                                                              settings_of: Any) -> None:
    many(project, 3)
    migrations.migrate(settings_of(project))
    app = app_for(project, settings_of)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.press(*"table_2")
        await settle(pilot)
        history = app.screen.query_one(HistoryTable)
        assert history.row_count == 1
        await settle(pilot)
        assert getattr(app.screen, "selected_key", None) == "2", "the one remaining row is the one shown"
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused is history and isinstance(app.screen.query_one("#filter"), Input)


async def test_preflight_panel_names_the_session_holding_the_table(project: Project, settings_of: Any) -> None:
    import psycopg
    from textual.widgets import Static

    project.write("V1__t.sql", "CREATE TABLE t (x int);\n")
    migrations.migrate(settings_of(project))
    project.write("V2__add.sql", "ALTER TABLE t ADD COLUMN y int;\n")
    app = app_for(project, settings_of)
    with psycopg.connect(project.conninfo, application_name="nightly-report") as holder:
        holder.execute("SELECT count(*) FROM t").fetchone()
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("g")
            await settle(pilot, rounds=6)
            screen = app.screen
            assert screen.query_one("#preview-tabs", TabbedContent).active == "tab-preflight"
            assert screen.query_one(PreviewPane).region.width >= 70, "shown at full width on a narrow terminal"
            shown = str(screen.query_one("#preflight-view", Static).render())
            assert shown.startswith("✗ blocked now: pid") and f"pid {holder.info.backend_pid}" in shown, shown
            assert "nightly-report" in shown and "ACCESS EXCLUSIVE on t" in shown
            assert "measured on a scratch copy (a):" in shown and "not analyzed yet" in shown
            await pilot.press("a")
            await settle(pilot, rounds=8)
            await pilot.press("g")
            await settle(pilot, rounds=6)
            shown = str(screen.query_one("#preflight-view", Static).render())
            assert "not analyzed yet" not in shown.split("measured on a scratch copy")[1], shown
            assert "blocked now" in str(screen.query_one(ProgressStrip).render())
    assert project.query("SELECT count(*) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = 'y'") \
        == [(0,)]


async def test_the_progress_strip_names_who_blocks_a_running_migration(project: Project, settings_of: Any) -> None:
    import psycopg

    config = project.root / "dbworkbench.toml"
    config.write_text(config.read_text().replace("[environments.test]\n",
                                                 '[environments.test]\nlock_timeout = "3s"\nlock_retries = 0\n'))
    project.write("V1__t.sql", "CREATE TABLE t (x int);\n")
    migrations.migrate(settings_of(project))
    project.write("V2__add.sql", "ALTER TABLE t ADD COLUMN y int;\n")
    app = app_for(project, settings_of)
    with psycopg.connect(project.conninfo, application_name="stuck-batch") as holder:
        holder.execute("SELECT count(*) FROM t").fetchone()
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(pilot)
            await pilot.press("m")
            strip = app.screen.query_one(ProgressStrip)
            seen = ""
            for _ in range(40):
                await asyncio.sleep(0.1)
                if strip.blocked is not None:
                    seen = str(strip.render())
                    break
            assert strip.blocked is not None and strip.blocked.blockers[0].pid == holder.info.backend_pid
            assert "⏳ waiting" in seen and "stuck-batch" in seen and "pg_cancel_backend" in seen, seen
            await settle(pilot, rounds=8)
            assert isinstance(app.screen, ErrorModal), "the lock timeout is reported when the wait ends"


async def test_accept_a_changed_file_from_its_diff_with_the_typed_name(project: Project, settings_of: Any) -> None:
    from dbworkbench.tui.screens.confirm_apply import ConfirmApplyModal

    prod = settings_of(project, env="prod")
    project.write("V1__a.sql", "CREATE TABLE a (x int);\n")
    project.write("V2__b.sql", "CREATE TABLE b (x int);\n")
    migrations.migrate(prod, confirm=lambda request: True)
    project.write("V1__a.sql", "CREATE TABLE a (x int); -- reformatted\n")
    project.write("V2__b.sql", "CREATE TABLE b (x int); -- also changed\n")
    app = app_for(project, settings_of, env="prod")
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        history = app.screen.query_one(HistoryTable)
        history.focus()
        await pilot.press("end")  # the oldest row: V1
        await settle(pilot)
        assert getattr(app.screen, "selected_key", None) == "1"
        await pilot.press("R")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmApplyModal) and "read-only" in str(
            app.screen.query_one(ProgressStrip).render())
        await pilot.press("w", "R")
        await settle(pilot)
        modal = app.screen
        assert isinstance(modal, ConfirmApplyModal)
        assert "accept changed V1__a.sql" in modal.files[0], modal.files
        modal.query_one(Input).value = "prod"
        await pilot.press("enter")
        await settle(pilot, rounds=6)
        assert "READ-ONLY" in str(app.screen.query_one(StatusHeader).render())
    states = {e.key: e.state.value for e in inspection.status(prod).entries}
    assert states == {"1": "applied", "2": "checksum mismatch"}, "only the file accepted changed"
    (detail,), = project.query("SELECT detail FROM dbworkbench_history_events WHERE action = 'repaired'", prod=True)
    assert "CREATE TABLE a (x int);" in str(detail), "the old text is kept in the event log"


async def test_the_schema_tab_shows_sizes_and_the_first_rows_of_a_table(project: Project, settings_of: Any) -> None:
    from dbworkbench.tui.widgets.schema_tree import SchemaTree

    project.write("V1__t.sql", "CREATE TABLE things (id int, name text);\n"
                               "INSERT INTO things SELECT n, 'thing ' || n FROM generate_series(1, 80) n;\n")
    migrations.migrate(settings_of(project))
    app = app_for(project, settings_of)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        await pilot.press("2")
        tree = app.screen.query_one(SchemaTree)
        tree.focus()
        await settle(pilot)
        for key in ("down", "enter", "down", "enter"):  # public → expand → Tables → expand
            await pilot.press(key)
            await settle(pilot)
        for _ in range(4):
            if tree.cursor_node is not None and tree.cursor_node.data is not None and \
                    tree.cursor_node.data.name == "things":
                break
            await pilot.press("down")
            await settle(pilot)
        assert tree.cursor_node is not None and tree.cursor_node.data is not None
        shape = [(str(n.label), n.is_expanded) for n in tree.root.children] + [
            (str(c.label), c.is_expanded) for n in tree.root.children for c in n.children]
        assert tree.cursor_node.data.name == "things", shape
        assert "kB" in str(tree.cursor_node.label)
        await pilot.press("o")
        await settle(pilot)
        table = app.screen.query_one("#data-view", DataTable)
        assert app.screen.query_one("#preview-tabs", TabbedContent).active == "tab-data"
        assert table.row_count == 50 and [str(c.label) for c in table.columns.values()] == ["id", "name"]


STEPPED = "UPDATE t SET x = x + 1;\nALTER TABLE t ADD COLUMN y int;\n-- @undo\nALTER TABLE t DROP COLUMN y;\n"


async def _open_stepper(pilot: Any, app: DbWorkbenchApp) -> Any:
    from dbworkbench.tui.screens.stepper import StepperModal

    await settle(pilot)
    await pilot.press("X")
    await settle(pilot, rounds=6)
    assert isinstance(app.screen, StepperModal), app.screen
    return app.screen


async def test_step_into_a_file_then_commit(project: Project, settings_of: Any) -> None:
    from textual.widgets import Static

    project.write("V1__t.sql", "CREATE TABLE t (x int);\nINSERT INTO t SELECT generate_series(1, 25);\n")
    migrations.migrate(settings_of(project))
    project.write("V2__change.sql", STEPPED)
    app = app_for(project, settings_of)
    async with app.run_test(size=(80, 24)) as pilot:
        modal = await _open_stepper(pilot, app)
        await pilot.press("n")
        await settle(pilot)
        shown = str(modal.query_one("#outcome-view", Static).render())
        assert "25 row(s)" in shown and "t: RowExclusiveLock" in shown and "none" in shown.split("schema")[1], shown
        await pilot.press("c")
        await settle(pilot)
        assert modal.ended is None, "commit waits until every statement ran"
        await pilot.press("n")
        await settle(pilot)
        shown = str(modal.query_one("#outcome-view", Static).render())
        assert "AccessExclusiveLock" in shown and "ADD COLUMN" in shown, shown
        await pilot.press("c")
        await settle(pilot)
        assert modal.ended == "committed"
        await pilot.press("escape")
        await settle(pilot, rounds=6)
        assert not isinstance(app.screen, type(modal))
        assert app.screen.query_one(PendingList).row_count == 0
    assert [e.state.value for e in inspection.status(settings_of(project)).entries] == ["applied", "applied"]
    assert project.query("SELECT sum(x) FROM t") == [(350,)]


async def test_step_into_then_escape_rolls_back_and_a_protected_one_runs_on_a_scratch_copy(
        project: Project, settings_of: Any) -> None:
    for env in (None, "prod"):
        project.write("V1__t.sql", "CREATE TABLE t (x int);\nINSERT INTO t SELECT generate_series(1, 25);\n")
        migrations.migrate(settings_of(project, env=env), confirm=lambda request: True)
        project.write("V2__change.sql", STEPPED)
        app = app_for(project, settings_of, env=env)
        async with app.run_test(size=(140, 40)) as pilot:
            modal = await _open_stepper(pilot, app)
            assert modal.session.on_scratch == (env == "prod")
            await pilot.press("n", "n")
            await settle(pilot)
            assert modal.session.done and bool(modal.check_action("commit", ())) == (env is None)
            await pilot.press("escape")
            await settle(pilot, rounds=6)
            assert not isinstance(app.screen, type(modal))
        assert project.query("SELECT sum(x) FROM t", prod=env == "prod") == [(325,)], env
        assert project.query("SELECT count(*) FROM dbworkbench_history", prod=env == "prod") == [(1,)], env
        (project.sql_dir / "V2__change.sql").unlink()


async def test_the_undo_tab_offers_a_generated_undo_where_the_file_has_none(project: Project,
                                                                           settings_of: Any) -> None:
    from dbworkbench.tui.widgets.sql_view import SqlView

    project.write("V1__t.sql", "CREATE TABLE t (x int);\n-- @undo\nDROP TABLE t;\n")
    migrations.migrate(settings_of(project))
    project.write("V2__y.sql", "ALTER TABLE t ADD COLUMN y int;\n")
    app = app_for(project, settings_of)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(pilot)
        assert getattr(app.screen, "selected_key", None) == "2"
        await pilot.press("G")
        await settle(pilot, rounds=8)
        assert app.screen.query_one("#preview-tabs", TabbedContent).active == "tab-undo"
        shown = app.screen.query_one("#undo-view", SqlView).text
        assert 'DROP COLUMN "y"' in shown and "generated by `dbworkbench undo`" in shown, shown
        assert "verified on a scratch copy" in str(app.screen.query_one(ProgressStrip).render())
    assert "-- @undo" not in (project.sql_dir / "V2__y.sql").read_text(), "showing it writes nothing"
