"""The template cache: fresh migrated databases cloned from the newest template whose files match; a changed file,
placeholder, name or history table invalidates the templates after it (never a stale schema); a failing file leaves
no database behind; `scratch clear` empties it; two processes filling it at once both succeed."""

from __future__ import annotations

import threading
import uuid
from typing import Any

import psycopg
import pytest

from dbworkbench.app.scratch import fresh_migrated, scratch
from dbworkbench.cli import main
from dbworkbench.errors import MigrationFailedError
from tests.conftest import Project, Server


def _files(project: Project, count: int, token: str) -> None:
    for i in range(1, count + 1):
        project.write(f"V{i}__t{i}.sql", f"CREATE TABLE t{i}_{token} (id int);\n-- @undo\nDROP TABLE t{i}_{token};\n")


def _tables(conninfo: str) -> set[str]:
    with psycopg.connect(conninfo) as conn:
        return {str(r[0]) for r in conn.execute("SELECT relname FROM pg_class WHERE relkind = 'r' AND "
                                                "relnamespace = 'public'::regnamespace").fetchall()}


def _versions(conninfo: str) -> list[str]:
    with psycopg.connect(conninfo) as conn:
        return [str(r[0]) for r in conn.execute("SELECT version FROM dbworkbench_history WHERE version IS NOT NULL "
                                                "ORDER BY installed_rank").fetchall()]


def test_a_changed_file_invalidates_the_templates_after_it_and_none_before(project: Project,
                                                                          settings_of: Any) -> None:
    token = uuid.uuid4().hex[:8]
    _files(project, 5, token)
    settings = settings_of(project)
    with fresh_migrated(settings) as first:
        assert (first.reused, first.replayed) == (0, 5)  # five files, no repeatables
        assert _versions(first.conninfo) == ["1", "2", "3", "4", "5"], "the engine ran them: history is there"
    with fresh_migrated(settings) as cached:
        assert (cached.reused, cached.replayed) == (5, 0)
        assert f"t5_{token}" in _tables(cached.conninfo)
    project.write("V5__t5.sql", f"CREATE TABLE t5_{token}_edited (id int);\n")
    with fresh_migrated(settings) as edited:
        assert (edited.reused, edited.replayed) == (4, 1), "the edit of the last file keeps the four before it"
        tables = _tables(edited.conninfo)
        assert f"t5_{token}_edited" in tables and f"t5_{token}" not in tables, "never the stale schema"
    project.write("V2__t2.sql", f"CREATE TABLE t2_{token}_edited (id int);\n")
    with fresh_migrated(settings) as early:
        assert early.reused == 0, "an edit of file 2 invalidates everything after file 1 (nothing saved there)"
        assert f"t2_{token}_edited" in _tables(early.conninfo)


def test_placeholders_names_and_a_new_file_change_the_key(project: Project, settings_of: Any) -> None:
    token = uuid.uuid4().hex[:8]
    project.write("V1__a.sql", f"CREATE TABLE a_{token} (id int);\n")
    project.write("V2__b.sql", "CREATE TABLE ${name} (id int);\n")
    (project.root / "dbworkbench.toml").write_text(
        (project.root / "dbworkbench.toml").read_text() + f'[environments.test.placeholders]\nname = "b_{token}"\n')
    settings = settings_of(project)
    with fresh_migrated(settings) as first:
        assert first.reused == 0 and f"b_{token}" in _tables(first.conninfo)
    other = settings_of(project).environment.placeholders | {"name": f"c_{token}"}
    from dataclasses import replace
    changed = replace(settings, environment=replace(settings.environment, placeholders=other))
    with fresh_migrated(changed) as second:
        assert second.reused == 1 and f"c_{token}" in _tables(second.conninfo), "V2 ran with the new value"
    (project.sql_dir / "V2__b.sql").rename(project.sql_dir / "V2__renamed.sql")
    with fresh_migrated(settings_of(project)) as renamed:
        assert renamed.reused == 1, "history stores the name, so a renamed file is a different step"
    project.write("V3__c.sql", f"CREATE TABLE d_{token} (id int);\n")
    with fresh_migrated(settings_of(project)) as extended:
        assert extended.reused == 2 and extended.replayed == 1, "a new last file replays only itself"
        assert _versions(extended.conninfo) == ["1", "2", "3"]


def test_a_failing_file_is_named_and_leaves_no_database(project: Project, settings_of: Any, pg18: Server) -> None:
    token = uuid.uuid4().hex[:8]
    _files(project, 2, token)
    project.write("V3__bad.sql", "CREATE TABLE nope (id int REFERENCES missing);\n")
    with pytest.raises(MigrationFailedError) as failed, fresh_migrated(settings_of(project)):
        pass
    assert "V3__bad.sql" in failed.value.message
    with pg18.admin() as conn:
        left = conn.execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'dbwb_scratch_%'").fetchone()
    assert left == (0,)
    project.write("V3__bad.sql", "CREATE TABLE fine (id int);\n")
    with fresh_migrated(settings_of(project)) as fixed:
        assert fixed.reused == 2, "the prefix saved before the failure is reused"


def test_templates_take_no_connection_and_scratch_clear_drops_them(project: Project, settings_of: Any,
                                                                 pg18: Server, capsys: Any) -> None:
    _files(project, 2, uuid.uuid4().hex[:8])
    settings = settings_of(project)
    with fresh_migrated(settings):
        pass
    names = scratch(settings).names
    assert names and all(n.startswith("dbwb_tpl_") for n in names)
    with pytest.raises(psycopg.OperationalError, match="not currently accepting connections"):
        psycopg.connect(pg18.conninfo(names[-1])).close()
    assert main(["scratch"]) == 0 and names[-1] in capsys.readouterr().out
    assert main(["scratch", "clear"]) == 0
    assert "dropped" in capsys.readouterr().out
    assert scratch(settings).names == ()
    with fresh_migrated(settings) as after:
        assert after.reused == 0


def test_two_fillers_at_once_both_get_a_database(project: Project, settings_of: Any) -> None:
    token = uuid.uuid4().hex[:8]
    _files(project, 8, token)
    settings = settings_of(project)
    results: list[object] = []

    def fill() -> None:
        try:
            with fresh_migrated(settings) as fresh:
                results.append(len(_tables(fresh.conninfo)))
        except Exception as exc:  # noqa: BLE001 - the assertion below shows it
            results.append(exc)

    threads = [threading.Thread(target=fill) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [10, 10], results  # eight tables and the two history tables


@pytest.mark.parametrize("value", ["true", '"embedded"', '""', '"mysql://x"'])
def test_a_scratch_url_that_names_no_server_is_a_config_error(tmp_path: Any, value: str) -> None:
    from dbworkbench.config import load_settings
    from dbworkbench.errors import ConfigError

    (tmp_path / "dbworkbench.toml").write_text(f"scratch_url = {value}\n")
    with pytest.raises(ConfigError, match="scratch_url"):
        load_settings(tmp_path, environ={})


def test_a_spare_copy_is_taken_by_the_next_request_and_never_for_other_files(project: Project,
                                                                             settings_of: Any) -> None:
    import time

    token = uuid.uuid4().hex[:8]
    _files(project, 3, token)
    settings = settings_of(project)
    with fresh_migrated(settings, spare=True) as first:
        assert first.reused == 0
    deadline = time.monotonic() + 30
    with fresh_migrated(settings, spare=True) as second:
        assert second.reused == 3 and f"t3_{token}" in _tables(second.conninfo)
        with psycopg.connect(second.conninfo) as conn:
            conn.execute(f"INSERT INTO t1_{token} VALUES (1)")
    assert settings.scratch_url is not None
    with psycopg.connect(settings.scratch_url, autocommit=True) as admin:
        while time.monotonic() < deadline and admin.execute(
                "SELECT count(*) FROM pg_database WHERE datname ~ '_s[0-9a-f]{6}$'").fetchone() == (0,):
            time.sleep(0.1)  # the spare is made in the background after a request is served
        assert time.monotonic() < deadline, "no spare copy was made"
    project.write("V3__t3.sql", f"CREATE TABLE t3_{token}_edited (id int);\n")
    with fresh_migrated(settings_of(project), spare=True) as edited:
        tables = _tables(edited.conninfo)
        assert f"t3_{token}_edited" in tables and f"t3_{token}" not in tables, "a spare of other files is never used"
    project.write("V3__t3.sql", f"CREATE TABLE t3_{token} (id int);\n-- @undo\nDROP TABLE t3_{token};\n")
    with fresh_migrated(settings_of(project), spare=True) as again, psycopg.connect(again.conninfo) as conn:
        assert conn.execute(f"SELECT count(*) FROM t1_{token}").fetchone() == (0,), "a spare is a clean copy"


def test_the_cache_works_on_a_configured_postgresql_15(project: Project, settings_of: Any, pg15: Server) -> None:
    from dataclasses import replace

    token = uuid.uuid4().hex[:8]
    _files(project, 3, token)
    settings = replace(settings_of(project), scratch_url=pg15.conninfo())
    with fresh_migrated(settings) as first:
        assert first.reused == 0 and "dbname=" in first.conninfo
        with psycopg.connect(first.conninfo) as conn:
            assert conn.info.server_version // 10000 == 15
    with fresh_migrated(settings) as second:
        assert second.reused == 3 and f"t3_{token}" in _tables(second.conninfo)
    assert scratch(settings, clear=True).names, "clear reaches the configured server"
    assert scratch(settings).names == ()


def test_repeatables_are_one_more_step_and_a_changed_one_replays_only_itself(project: Project,
                                                                              settings_of: Any) -> None:
    token = uuid.uuid4().hex[:8]
    _files(project, 2, token)
    project.write("R__view.sql", f"CREATE OR REPLACE VIEW v_{token} AS SELECT 1 AS one;\n")
    with fresh_migrated(settings_of(project)) as first:
        assert (first.reused, first.replayed) == (0, 3)
    project.write("R__view.sql", f"CREATE OR REPLACE VIEW v_{token} AS SELECT 2 AS two;\n")
    with fresh_migrated(settings_of(project)) as changed, psycopg.connect(changed.conninfo) as conn:
        assert (changed.reused, changed.replayed) == (2, 1)
        assert conn.execute(f"SELECT * FROM v_{token}").fetchone() == (2,)
