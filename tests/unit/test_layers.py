"""The architecture is checked, not described: import-linter's contracts (pyproject.toml), ruff and mypy --strict."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _tool(name: str) -> str:
    path = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed; it is a test dependency (pip install -e '.[test]')")
    return path


def test_import_contracts_are_kept() -> None:
    result = subprocess.run([_tool("lint-imports")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "0 broken" in result.stdout or "broken" not in result.stdout.split("Contracts:")[-1].split("\n")[0]


def test_a_forbidden_import_is_caught(tmp_path: Path) -> None:
    """The contracts can fail: a copy of the package with core importing the app layer breaks them."""
    shutil.copytree(ROOT / "dbworkbench", tmp_path / "dbworkbench")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    planner = tmp_path / "dbworkbench" / "core" / "planner.py"
    planner.write_text(planner.read_text() + "\nfrom dbworkbench.app import reports  # noqa\n")
    result = subprocess.run([_tool("lint-imports")], cwd=tmp_path, capture_output=True, text=True,
                            env={"PYTHONPATH": str(tmp_path), "PATH": str(Path(sys.executable).parent)})
    assert result.returncode != 0
    assert "dbworkbench.core.planner -> dbworkbench.app.reports" in result.stdout


def test_ruff_is_clean() -> None:
    result = subprocess.run([_tool("ruff"), "check", "dbworkbench", "tests", "bench"], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-4000:]


def test_mypy_strict_is_clean() -> None:
    result = subprocess.run([_tool("mypy")], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-6000:]


def test_no_module_over_400_lines() -> None:
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "dbworkbench").rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert long == {}
