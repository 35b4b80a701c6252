"""Themes from data files in `themes/`, and the user's chosen theme, persisted in user config.

This is the one place that resolves the `themes/` folder: next to the package in a checkout, or inside
the installed package's data (`dbworkbench/_themes`) in a wheel.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from textual.theme import Theme

THEME_KEYS = {"name", "dark", "primary", "secondary", "accent", "warning", "error", "success", "foreground",
              "background", "surface", "panel", "boost", "variables"}
DEFAULT_THEME = "dbworkbench-dark"
"""Theme used when the user has not chosen one."""
VARIABLE_DEFAULTS = {"diff-added": "#4caf50", "diff-removed": "#e57373", "protected": "#d32f2f",
                     "protected-text": "#ffffff"}
"""Our own theme variables, with defaults for themes that do not set them."""


def themes_dir() -> Path:
    """The folder holding theme files and the layout stylesheet."""
    package = Path(__file__).resolve().parent.parent
    installed = package / "_themes"
    return installed if installed.is_dir() else package.parent / "themes"


@dataclass(frozen=True)
class LoadedThemes:
    """Themes that loaded, and one line per file that did not."""

    themes: tuple[Theme, ...]
    problems: tuple[str, ...]


def load_themes(folder: Path | None = None) -> LoadedThemes:
    """Read every `*.toml` theme; a broken file is reported and skipped."""
    folder = folder or themes_dir()
    themes: list[Theme] = []
    problems: list[str] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
            unknown = set(data) - THEME_KEYS
            if unknown:
                raise ValueError(f"unknown key(s) {', '.join(sorted(unknown))}")
            if "name" not in data or "primary" not in data:
                raise ValueError("`name` and `primary` are required")
            variables = {**VARIABLE_DEFAULTS, **{str(k): str(v) for k, v in data.pop("variables", {}).items()}}
            themes.append(Theme(variables=variables, **data))
        except (OSError, ValueError, TypeError, tomllib.TOMLDecodeError) as exc:
            problems.append(f"theme {path.name} skipped: {exc}")
    return LoadedThemes(tuple(themes), tuple(problems))


def user_config_path() -> Path:
    """Where the workbench remembers the user's theme."""
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "dbworkbench" / "workbench.toml"


def saved_theme() -> str | None:
    """The theme the user chose last time, if any."""
    try:
        return str(tomllib.loads(user_config_path().read_text(encoding="utf-8")).get("theme")) or None
    except (OSError, tomllib.TOMLDecodeError):
        return None


def save_theme(name: str) -> None:
    """Remember the chosen theme (best effort: an unwritable home is not an error)."""
    path = user_config_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f'theme = "{name}"\n', encoding="utf-8")
    except OSError:
        pass
