"""The README's promises that tooling depends on."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def setup_commands() -> list[str]:
    return re.findall(r"^    (python3 -m venv .*)$", (ROOT / "README.md").read_text(), re.MULTILINE)


def test_readme_opens_with_the_two_setup_commands() -> None:
    commands = setup_commands()
    assert len(commands) == 2
    assert "dbworkbench" in commands[0] and "pytest" in commands[1]
    quick_start = (ROOT / "README.md").read_text().split("## ")[1]
    assert all(c in quick_start for c in commands)


def test_ci_runs_exactly_the_readme_test_command() -> None:
    script = ROOT / ".ci" / "run"
    extracted = subprocess.run(
        ["bash", "-c", "sed -n 's/^    \\(python3 -m venv .venv && .*pytest.*\\)$/\\1/p' README.md | head -n 1"],
        cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    assert extracted == setup_commands()[1]
    assert "README.md" in script.read_text()


def test_every_cli_command_is_documented() -> None:
    from dbworkbench.cli import build_parser

    readme = (ROOT / "README.md").read_text()
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices  # noqa: SLF001
    assert commands
    for name in commands:
        assert f"| `{name}` |" in readme, name
