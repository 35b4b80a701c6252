"""The real `dbworkbench` in a real terminal (tmux): the panes appear, a key steps a migration, Ctrl+Q quits."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import Project

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def capture(session: str) -> str:
    return subprocess.run(["tmux", "capture-pane", "-t", session, "-p"], capture_output=True, text=True).stdout


def wait_for_screen(session: str, text: str, timeout: float = 20.0) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = capture(session)
        if text in screen:
            return screen
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared; last screen:\n{screen}")


@pytest.mark.parametrize("size", [(80, 24), (140, 40)], ids=["80x24", "140x40"])
def test_workbench_in_tmux(project: Project, size: tuple[int, int]) -> None:
    project.write("V1__accounts.sql", "CREATE TABLE accounts (id int PRIMARY KEY);\n-- @undo\nDROP TABLE accounts;\n")
    project.write("V2__projects.sql", "CREATE TABLE projects (id int);\n")
    session = f"dbwb{os.getpid()}{size[0]}"
    env = f"PYTHONPATH={REPO} XDG_CONFIG_HOME={project.root / '.config'} TERM=xterm-256color"
    command = f"env {env} {sys.executable} -m dbworkbench ui"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", str(size[0]), "-y", str(size[1]),
                    "-c", str(project.root), command], check=True)
    try:
        screen = wait_for_screen(session, "Pending")
        assert "History" in screen and "env test" in screen and "SQL" in screen
        wait_for_screen(session, "pending 2")
        subprocess.run(["tmux", "send-keys", "-t", session, "u"], check=True)
        screen = wait_for_screen(session, "✓ up: 1 file(s)")
        assert project.table_exists("accounts") and not project.table_exists("projects")
        wait_for_screen(session, "applied 1")
        subprocess.run(["tmux", "send-keys", "-t", session, "C-q"], check=True)
        deadline = time.monotonic() + 10
        while subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode == 0:
            assert time.monotonic() < deadline, "Ctrl+Q did not quit"
            time.sleep(0.1)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
