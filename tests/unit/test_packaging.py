"""The wheel's package list covers every sub-package, and ships the themes."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_package_is_listed_and_themes_are_mapped() -> None:
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "dbworkbench").rglob("__init__.py")}
    assert on_disk | {"dbworkbench._themes"} == set(setuptools["packages"])
    assert setuptools["package-dir"]["dbworkbench._themes"] == "themes"
    assert {"*.toml", "*.tcss"} <= set(setuptools["package-data"]["dbworkbench._themes"])
