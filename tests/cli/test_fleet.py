"""Fleets: an environment whose `databases` pattern or `targets` list names many databases; migrate / status /
validate fan out with --concurrency, stop at the first failure (or --keep-going), --canary first; a rerun touches only
the targets that are behind; one failing target rolls back only its own file; a protected fleet asks once; verbs that
need one database ask for --url."""

from __future__ import annotations

import io
import json
import os
import textwrap
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.cli.helpers import run
from tests.conftest import Server

V1 = "CREATE TABLE accounts (id int PRIMARY KEY);\n-- @undo\nDROP TABLE accounts;\n"
V2 = "CREATE TABLE orders (id int);\nALTER TABLE accounts ADD COLUMN plan text;\n-- @undo\nDROP TABLE orders;\n" \
     "ALTER TABLE accounts DROP COLUMN plan;\n"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def fleet(tmp_path: Path, pg18: Server, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
          ) -> Iterator[list[str]]:
    count = getattr(request, "param", 8)
    prefix = f"fleet{os.getpid()}x{abs(hash(request.node.name)) % 10_000}"
    names = [f"{prefix}_{i:02d}" for i in range(count)]
    with pg18.admin() as admin:
        for name in names:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DBWORKBENCH_URL", raising=False)
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "V1__accounts.sql").write_text(V1)
    (tmp_path / "sql" / "V2__orders.sql").write_text(V2)
    listed = ", ".join(f'"{pg18.conninfo(n)}"' for n in names[:3])
    (tmp_path / "dbworkbench.toml").write_text(textwrap.dedent(f"""
        default_env = "tenants"
        lock_wait = 2
        [environments.tenants]
        url = "{pg18.conninfo()}"
        databases = "{prefix}\\\\_%"
        [environments.listed]
        targets = [{listed}]
        [environments.guarded]
        url = "{pg18.conninfo()}"
        databases = "{prefix}\\\\_%"
        protected = true
    """))
    try:
        yield [pg18.conninfo(n) for n in names]
    finally:
        def drop(name: str) -> None:
            with pg18.admin() as admin:
                admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))

        with ThreadPoolExecutor(4) as pool:  # each drop waits for its own checkpoint: four at a time
            list(pool.map(drop, names))


def _versions(urls: list[str]) -> list[list[str]]:
    found = []
    for url in urls:
        with psycopg.connect(url) as conn:
            exists = conn.execute("SELECT to_regclass('dbworkbench_history')").fetchone()
            found.append([r[0] for r in conn.execute("SELECT version FROM dbworkbench_history WHERE success "
                                                     "ORDER BY installed_rank")] if exists and exists[0] else [])
    return found


@pytest.mark.parametrize("fleet", [50], indirect=True)
def test_fifty_databases_migrate_concurrently_and_a_rerun_touches_none(
        fleet: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "targets", "--json")
    assert code == 0 and len(json.loads(out)) == 50
    code, out, err = run(capsys, "migrate", "--concurrency", "8")
    assert code == 0, out + err
    assert "50 target(s): 50 done, 0 failed, 0 not started" in out
    assert _versions(fleet) == [["1", "2"]] * 50
    code, out, _ = run(capsys, "migrate", "--concurrency", "8", "--json")
    assert code == 0 and {t["summary"] for t in json.loads(out)["targets"]} == {"nothing to do"}
    code, out, _ = run(capsys, "status", "--targets")
    assert code == 0 and out.count("version 2 · applied 2 · pending 0") == 50, out
    assert "  1   2" in out, "the grid's header names the versions"
    code, out, _ = run(capsys, "status", "--targets", "--json")
    grid = json.loads(out)["grid"]
    assert grid["migrations"] == ["1", "2"] and len(grid["targets"]) == 50, grid
    assert all(t["states"] == {"1": "applied", "2": "applied"} and t["pending"] == 0 for t in grid["targets"]), grid
    assert run(capsys, "validate")[0] == 0


def test_a_failing_target_stops_the_run_keeps_its_own_rollback_and_resumes_alone(
        fleet: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with psycopg.connect(fleet[3], autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (taken int)")  # V2 fails there, after V1
    code, out, _ = run(capsys, "migrate")
    assert code == 1, out
    assert "4 done" not in out and "3 done, 1 failed, 4 not started" in out, out
    assert _versions(fleet) == [["1", "2"]] * 3 + [["1"]] + [[]] * 4
    with psycopg.connect(fleet[3]) as conn:
        assert conn.execute("SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts' "
                            "AND column_name = 'plan'").fetchone() == (0,), "V2 rolled back on that target only"
    code, out, _ = run(capsys, "migrate", "--keep-going")
    assert code == 1 and "7 done, 1 failed, 0 not started" in out, out
    with psycopg.connect(fleet[3], autocommit=True) as conn:
        conn.execute("DROP TABLE orders")
    code, out, _ = run(capsys, "migrate", "--json")
    assert code == 0
    ran = [t["target"] for t in json.loads(out)["targets"] if t["summary"] != "nothing to do"]
    assert len(ran) == 1 and ran[0].endswith("_03]"), ran
    assert _versions(fleet) == [["1", "2"]] * 8


def test_a_failing_canary_leaves_the_rest_untouched_even_with_keep_going(
        fleet: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with psycopg.connect(fleet[1], autocommit=True) as conn:
        conn.execute("CREATE TABLE accounts (x int)")
    code, out, _ = run(capsys, "migrate", "--canary", "2", "--keep-going", "--concurrency", "4")
    assert code == 1 and "1 done, 1 failed, 6 not started" in out, out
    assert _versions(fleet)[2:] == [[]] * 6


def test_a_protected_fleet_asks_once_for_the_whole_run(
        fleet: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", Tty("guarded\n"))  # one answer: a second question would read nothing
    code, out, err = run(capsys, "migrate", "--env", "guarded", "--concurrency", "3")
    assert code == 0, out + err
    assert err.count("Type 'guarded'") == 1 and "(EACH OF 8 TARGETS)" in err, err
    assert _versions(fleet) == [["1", "2"]] * 8
    monkeypatch.setattr("sys.stdin", Tty("no\n"))
    code, out, err = run(capsys, "down", "--env", "guarded")
    assert code == 2 and "0 done, 1 failed, 7 not started" in out, out
    assert _versions(fleet) == [["1", "2"]] * 8, "refused everywhere, nothing undone"


def test_verbs_that_need_one_database_ask_for_it_and_targets_lists_a_list(
        fleet: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["history"], ["seed"], ["clean", "--yes"]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "one database needed" in err and "--url" in err, (argv, err)
    assert run(capsys, "migrate", "--url", fleet[0])[0] == 0, "--url names one database of the fleet"
    assert _versions(fleet)[:2] == [["1", "2"], []]
    code, out, _ = run(capsys, "history", "--url", fleet[0])
    assert code == 0 and "V2__orders.sql" in out
    code, out, _ = run(capsys, "targets", "--env", "listed")
    assert code == 0 and len(out.splitlines()) == 3 and "listed[" in out, out
    code, out, _ = run(capsys, "status", "--env", "listed")
    assert code == 0 and out.count("version 2") == 1 and out.count("version -") == 2, out


def test_lint_pending_fans_out_and_each_target_lints_what_it_has_not_run(
        fleet: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert run(capsys, "migrate", "--url", fleet[0])[0] == 0
    (tmp_path / "sql" / "V3__widen.sql").write_text("ALTER TABLE accounts ALTER COLUMN id TYPE bigint;\n-- @undo\n"
                                                     "ALTER TABLE accounts ALTER COLUMN id TYPE int;\n")
    code, out, err = run(capsys, "lint", "--pending", "--keep-going", "--concurrency", "3", "--json")
    assert code == 6, out + err
    targets = {t["target"][-3:-1]: t for t in json.loads(out)["targets"]}
    assert len(targets) == 8 and all(t["outcome"] == "failed" for t in targets.values()), targets
    assert targets["00"]["summary"] == "1 pending file(s) linted · 1 unsafe finding(s)", targets["00"]
    assert targets["05"]["summary"] == "3 pending file(s) linted · 1 unsafe finding(s)", targets["05"]
    code, out, _ = run(capsys, "lint")
    assert code == 6 and "V3__widen.sql" in out, "without --pending it stays one static lint of every file"
    (tmp_path / "sql" / "V3__widen.sql").write_text("CREATE TABLE audit (id int);\n-- @undo\nDROP TABLE audit;\n")
    code, out, _ = run(capsys, "lint", "--pending")
    assert code == 0 and "8 done, 0 failed" in out and "no unsafe finding" in out, out


def test_fleet_settings_that_cannot_work_are_one_paragraph(
        fleet: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    for argv in (["migrate", "--canary", "-1"], ["status", "--concurrency", "0"]):
        code, _, err = run(capsys, *argv)
        assert code == 2 and "--canary" in err and "Traceback" not in err, err
    config = tmp_path / "dbworkbench.toml"
    text = config.read_text()
    config.write_text(text.replace('databases = "fleet', 'databases = "nothing_like_it', 1))
    code, _, err = run(capsys, "status")
    assert code == 2 and "no targets" in err, err
    config.write_text(text + '\n[environments.odd]\ntargets = "postgresql://one"\n')
    code, _, err = run(capsys, "status", "--env", "odd")
    assert code == 2 and "targets must be a list" in err, err
    config.write_text(text + '\n[environments.away]\ntargets = ["postgresql://u:pw-unseen@127.0.0.1:1/x"]\n')
    code, out, err = run(capsys, "status", "--env", "away")
    assert code == 3 and "pw-unseen" not in out + err and "1 failed" in out, out + err


def test_a_fleet_on_the_project_s_embedded_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from dbworkbench.config import load_settings
    from dbworkbench.core.db import embedded_server

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DBWORKBENCH_URL", raising=False)
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "V1__accounts.sql").write_text(V1)
    (tmp_path / "dbworkbench.toml").write_text('[environments.local]\nurl = "embedded"\ndatabases = "shop\\\\_%"\n')
    server = embedded_server(load_settings(tmp_path, environ={}))
    status = server.ensure_running()
    try:
        with psycopg.connect(status.conninfo("postgres"), autocommit=True) as admin:
            for name in ("shop_a", "shop_b", "other"):
                admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        code, out, err = run(capsys, "migrate", "--env", "local")
        assert code == 0 and "2 target(s): 2 done" in out, out + err
        assert _versions([status.conninfo(n) for n in ("shop_a", "shop_b", "other")]) == [["1"], ["1"], []]
    finally:
        server.stop()


def test_progress_and_a_json_lines_event_stream_for_orchestrators(
        fleet: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    with psycopg.connect(fleet[5], autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (taken int)")
    code, out, err = run(capsys, "migrate", "--keep-going", "--concurrency", "2", "--events", "-")
    assert code == 1
    events = [json.loads(line) for line in out.splitlines()]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "run_started" and kinds[-1] == "run_finished" and len(events[0]["targets"]) == 8
    assert kinds.count("target_started") == 8 and kinds.count("target_finished") == 8
    finished = [e for e in events if e["event"] == "target_finished"]
    assert [e["remaining"] for e in finished] == list(range(7, -1, -1)), "each end counts down what is left"
    failed = [e for e in finished if e["outcome"] == "failed"]
    assert len(failed) == 1 and failed[0]["target"].endswith("_05]") and "already exists" in failed[0]["error"]
    assert events[-1] | {"at": 0, "seconds": 0} == {"event": "run_finished", "done": 7, "failed": 1,
                                                    "not_started": 0, "exit_code": 1, "at": 0, "seconds": 0}
    assert "ETA" in err and "8/8 · 1 failed" in err and "8 target(s): 7 done, 1 failed" in err, err
    log = tmp_path / "events.jsonl"
    assert run(capsys, "status", "--events", str(log))[0] == 0
    assert [json.loads(line)["event"] for line in log.read_text().splitlines()].count("target_finished") == 8
    with psycopg.connect(fleet[5], autocommit=True) as conn:
        conn.execute("DROP TABLE orders")  # a migrate would now finish that target
    code, _, err = run(capsys, "migrate", "--events", str(tmp_path / "no" / "such" / "events.jsonl"))
    assert code == 2 and "cannot be written" in err and _versions(fleet)[5] == ["1"], err
