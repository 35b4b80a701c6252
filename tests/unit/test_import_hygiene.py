"""The engine never imports Textual (STYLE.md: one engine, two front ends)."""

from __future__ import annotations

import subprocess
import sys

import pytest

ENGINE_MODULES = [
    "dbworkbench.config", "dbworkbench.errors", "dbworkbench.cli", "dbworkbench.commands",
    "dbworkbench.core.api", "dbworkbench.core.maintenance", "dbworkbench.core.executor", "dbworkbench.core.lexer",
    "dbworkbench.core.planner", "dbworkbench.core.embedded", "dbworkbench.core.steps",
]


@pytest.mark.parametrize("module", ENGINE_MODULES)
def test_engine_module_does_not_import_textual(module: str) -> None:
    code = f"import sys, {module}; sys.exit(1 if any(m.split('.')[0] == 'textual' for m in sys.modules) else 0)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_status_path_does_not_import_the_sql_parsers() -> None:
    code = ("import sys, dbworkbench.commands; "
            "sys.exit(1 if {'pglast', 'sqlglot', 'pygments'} & {m.split('.')[0] for m in sys.modules} else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
