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
    command = f"env -u COLUMNS -u LINES {env} {sys.executable} -m dbworkbench ui"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", str(size[0]), "-y", str(size[1]),
                    "-c", str(project.root), command], check=True)
    try:
        screen = wait_for_screen(session, "Pending")
        assert "History" in screen and "env test" in screen
        if size[0] >= 110:
            screen = wait_for_screen(session, "SQL (s)")  # the wide layout shows the preview beside the panes
        else:
            assert "SQL (s)" not in screen, "below 110 columns the preview waits behind p"
        wait_for_screen(session, "pending 2")
        subprocess.run(["tmux", "send-keys", "-t", session, "u"], check=True)
        screen = wait_for_screen(session, "✓ up: 1 file(s)")
        assert project.table_exists("accounts") and not project.table_exists("projects")
        wait_for_screen(session, "pending 1")  # what the header must always show, at any width
        subprocess.run(["tmux", "send-keys", "-t", session, "C-q"], check=True)
        deadline = time.monotonic() + 10
        while subprocess.run(["tmux", "has-session", "-t", session], capture_output=True).returncode == 0:
            assert time.monotonic() < deadline, "Ctrl+Q did not quit"
            time.sleep(0.1)
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


def keys(session: str, *typed: str, literal: bool = False) -> None:
    subprocess.run(["tmux", "send-keys", "-t", session, *(["-l"] if literal else []), *typed], check=True)


def test_workbench_in_tmux_on_a_protected_database(project: Project) -> None:
    """At 80×24 on `prod`: read-only until w, the dialog's verdict lines, the typed name, the run, read-only again."""
    project.write("V1__accounts.sql", "CREATE TABLE accounts (id int PRIMARY KEY);\n-- @undo\nDROP TABLE accounts;\n")
    project.write("V2__projects.sql", "CREATE TABLE projects (id int);\n")
    session = f"dbwbprod{os.getpid()}"
    env = f"PYTHONPATH={REPO} XDG_CONFIG_HOME={project.root / '.config'} TERM=xterm-256color"
    command = f"env -u COLUMNS -u LINES {env} {sys.executable} -m dbworkbench ui --env prod"
    subprocess.run(["tmux", "new-session", "-d", "-s", session, "-x", "80", "-y", "24", "-c", str(project.root),
                    command], check=True)
    try:
        screen = wait_for_screen(session, "pending 2")
        assert "PRODUCTION" in screen and "READ-ONLY" in screen and "problems 0" in screen
        keys(session, "m")
        wait_for_screen(session, "read-only: prod is protected; press w")
        keys(session, "w")
        wait_for_screen(session, "WRITES ENABLED")
        keys(session, "m")
        screen = wait_for_screen(session, "2 file(s) will run, in this order")
        assert "apply sql/V1__accounts.sql · lint: clean · undo: yes" in screen, screen
        assert "undo: none" in screen and "Type prod to run it" in screen, screen
        assert not project.table_exists("accounts", prod=True)
        keys(session, "prod", literal=True)
        keys(session, "Enter")
        wait_for_screen(session, "✓ migrate: 2 file(s)")
        screen = wait_for_screen(session, "pending 0")
        assert project.table_exists("projects", prod=True) and "READ-ONLY" in screen
        keys(session, "C-q")
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)
