"""What the CLI tests share: run the CLI in-process, and never let a password through."""

from __future__ import annotations

import pytest

from dbworkbench.cli import main
from tests.conftest import OWNER_PASSWORD


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one CLI call; fails if the test owner's password appears in either."""
    code = main(list(args))
    captured = capsys.readouterr()
    assert OWNER_PASSWORD not in captured.out + captured.err, "a password was printed"
    return code, captured.out, captured.err
