"""The README's pipeline examples (GitHub Actions, GitLab CI, pre-commit) run as written: their `dbworkbench`
lines, with the CI system's base-branch variable filled in, pass on a sound branch and fail on an unsafe one."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.cli.helpers import run
from tests.conftest import Project

ROOT = Path(__file__).resolve().parents[2]
BASE = {"${{ github.base_ref }}": "main", "$CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}


def _blocks() -> dict[str, str]:
    """Each YAML block of the CI section, by its first-line comment."""
    section = (ROOT / "README.md").read_text().split("## Checking a change in CI", 1)[1].split("\n## ", 1)[0]
    return dict(re.findall(r"```yaml\n# (\S+)\n(.*?)```", section, re.DOTALL))


def _commands() -> dict[str, list[str]]:
    """Each YAML block of the CI section to its dbworkbench commands."""
    found = {}
    for name, body in _blocks().items():
        lines = re.findall(r"^\s*(?:- run:|-|entry:)\s*(dbworkbench .*)$", body, re.MULTILINE)
        commands = []
        for line in lines:
            for variable, value in BASE.items():
                line = line.replace(variable, value)
            commands.append(line)
        found[name] = commands
    return found


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   check=True, capture_output=True)


def test_the_readme_has_the_three_pipeline_examples() -> None:
    commands = _commands()
    assert set(commands) == {".github/workflows/migrations.yml", ".gitlab-ci.yml", ".pre-commit-config.yaml"}
    assert all(len(c) == 1 for c in commands.values()), commands
    assert "--since HEAD" in commands[".pre-commit-config.yaml"][0]


def test_the_pipeline_lines_pass_a_sound_branch_and_stop_an_unsafe_one(
        project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__t.sql", "CREATE TABLE t (id int PRIMARY KEY, name text);\n-- @undo\nDROP TABLE t;\n")
    _git(project.root, "init", "-q", "-b", "main")
    _git(project.root, "add", "-A")
    _git(project.root, "commit", "-qm", "base")
    _git(project.root, "update-ref", "refs/remotes/origin/main", "HEAD")  # what checkout / fetch give a pipeline
    _git(project.root, "checkout", "-q", "-b", "feature")
    project.write("V2__note.sql", "ALTER TABLE t ADD COLUMN note text;\n-- @undo\nALTER TABLE t DROP COLUMN note;\n")
    hook_files = re.search(r"files: (\S+)", _blocks()[".pre-commit-config.yaml"])
    assert hook_files and re.search(hook_files[1], "sql/V2__note.sql"), "the hook runs when a migration changes"
    for name, commands in _commands().items():
        for command in commands:
            code, out, err = run(capsys, *shlex.split(command)[1:])
            assert code == 0, f"{name}: {command}\n{out}{err}"
    project.write("V3__index.sql", "CREATE INDEX t_name ON t (name);\n-- @undo\nDROP INDEX t_name;\n")
    for name, commands in _commands().items():
        for command in commands:
            code, out, err = run(capsys, *shlex.split(command)[1:])
            assert code == 6 and "V3__index.sql" in out + err, f"{name}: {command}\n{out}{err}"
    junit = project.root / "ci.xml"
    assert junit.exists() and "require-concurrent-index-creation" in junit.read_text()
