"""Before/after-migrate hooks: told in JSON what runs and which objects it touches; a before hook vetoes with a
non-zero exit (nothing runs); an after hook hears of a failure too; their output is shown; a dry run and scratch
databases run none; the payload never holds a password; every way of naming the target runs them."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.cli.helpers import run
from tests.conftest import Project

HOOK = """
import json, os, sys
payload = json.load(sys.stdin)
with open(os.environ["HOOK_LOG"], "a") as log:
    log.write(json.dumps(payload) + "\\n")
print("hook says", payload["hook"], os.environ["DBWORKBENCH_HOOK"])
sys.exit(int(os.environ.get("HOOK_EXIT_" + payload["hook"], "0")))
"""


@pytest.fixture
def hooked(any_project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    script = tmp_path / "hook.py"
    script.write_text(HOOK)
    log = tmp_path / "hooks.log"
    monkeypatch.setenv("HOOK_LOG", str(log))
    monkeypatch.delenv("DBWORKBENCH_URL", raising=False)
    config = any_project.root / "dbworkbench.toml"
    hooks = (f'hooks = {{ before_migrate = ["{sys.executable}", "{script}"], '
             f'after_migrate = "{sys.executable} {script}" }}\n')
    text = config.read_text()
    config.write_text(hooks + text.replace("[environments.test]\n", "[environments.test]\n" + hooks))
    any_project.write("V1__accounts.sql", "CREATE TABLE accounts (id int);\n-- @undo\nDROP TABLE accounts;\n")
    any_project.write("V2__orders.sql", "CREATE TABLE orders (id int, account int);\n"
                      "-- @undo\nDROP TABLE orders;\n")
    return log


def _calls(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def test_hooks_hear_the_plan_and_the_result_and_their_output_is_shown(
        hooked: Path, any_project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "migrate")
    assert code == 0, out + err
    before, after = _calls(hooked)
    assert before["hook"] == "before_migrate" and after["hook"] == "after_migrate"
    assert [f["script"] for f in before["files"]] == ["sql/V1__accounts.sql", "sql/V2__orders.sql"]
    assert {"table:accounts", "table:orders"} <= set(before["objects"])
    assert [r["version"] for r in after["ran"]] == ["1", "2"] and after["failed"] is None
    assert "password" not in json.dumps(before) and "secret" not in json.dumps(before).lower()
    assert "✓ hook before_migrate" in err and "hook says before_migrate before_migrate" in err, err
    assert run(capsys, "migrate", "--dry-run")[0] == 0 and len(_calls(hooked)) == 2, "a dry run runs no hook"
    assert run(capsys, "migrate")[0] == 0 and len(_calls(hooked)) == 2, "nothing to run: no hook"


def test_a_before_hook_vetoes_and_nothing_runs(hooked: Path, any_project: Project, capsys: pytest.CaptureFixture[str],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOOK_EXIT_before_migrate", "3")
    code, out, err = run(capsys, "migrate")
    assert code == 2 and "vetoed by a hook" in err and "exited 3" in err and "Nothing was run" in err, out + err
    assert not any_project.table_exists("accounts") and [c["hook"] for c in _calls(hooked)] == ["before_migrate"]
    assert "Traceback" not in err


def test_an_after_hook_hears_of_a_failure_and_its_exit_changes_nothing(
        hooked: Path, any_project: Project, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    any_project.write("V2__orders.sql", "CREATE TABLE orders (id int REFERENCES nowhere);\n")
    monkeypatch.setenv("HOOK_EXIT_after_migrate", "9")
    code, out, err = run(capsys, "migrate")
    assert code == 1, out + err
    after = _calls(hooked)[-1]
    assert [r["script"] for r in after["ran"]] == ["sql/V1__accounts.sql"]
    assert after["failed"]["script"] == "sql/V2__orders.sql" and "nowhere" in after["failed"]["error"]
    assert "✗ hook after_migrate" in err and "(exit 9)" in err, err
    assert any_project.table_exists("accounts")


def test_every_way_of_naming_the_target_runs_the_hooks_and_scratch_runs_none(
        hooked: Path, any_project: Project, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(capsys, "up", "--url", any_project.conninfo, "--env", "test")[0] == 0
    monkeypatch.setenv("DBWORKBENCH_URL", any_project.conninfo)
    assert run(capsys, "up")[0] == 0, "the top level's hooks cover the environment DBWORKBENCH_URL makes"
    monkeypatch.delenv("DBWORKBENCH_URL")
    assert run(capsys, "down")[0] == 0
    assert [(c["hook"], c["verb"]) for c in _calls(hooked)] == [
        ("before_migrate", "up"), ("after_migrate", "up"), ("before_migrate", "up"), ("after_migrate", "up"),
        ("before_migrate", "down"), ("after_migrate", "down")]
    code, out, err = run(capsys, "roundtrip")
    assert code == 0 and len(_calls(hooked)) == 6, "replays on scratch databases run no hook"


def test_hooks_that_cannot_work_are_one_paragraph(hooked: Path, any_project: Project,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    config = any_project.root / "dbworkbench.toml"
    text = config.read_text()
    config.write_text(text.replace(f'before_migrate = ["{sys.executable}"', 'before_migrate = ["/no/such/hook"', 1))
    code, _, err = run(capsys, "migrate", "--env", "prod", "--yes")  # the top level's hooks, on another database
    assert code == 2 and "could not start" in err and "Traceback" not in err, err
    rest = text.split("\n", 1)[1]  # without the top level's hooks line
    config.write_text('hooks = { before = "x" }\n' + rest)
    code, _, err = run(capsys, "status")
    assert code == 2 and "hooks must be a table naming before_migrate" in err, err
    config.write_text('hooks = { before_migrate = "unclosed \'quote" }\n' + rest)
    code, _, err = run(capsys, "status")
    assert code == 2 and "cannot be split" in err, err
