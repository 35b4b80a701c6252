"""Big transactional files on real servers: run in pieces of whole statements with the history row written by COPY
(`core.large_files`), they record exactly the text that ran, fail at the right file:line:column with nothing
applied, and behave as a file sent in one message does. Thresholds are lowered so a small file takes the path."""

from __future__ import annotations

from typing import Any

import pytest

from dbworkbench.app import inspection, migrations
from dbworkbench.core import executor, large_files
from dbworkbench.errors import MigrationFailedError
from tests.conftest import Project

ROWS = 40
TRICKY = "tab\there, back\\slash, new\nline, quote '' and \\N"


@pytest.fixture
def small_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(executor, "LARGE_FILE_CHARS", 200)
    monkeypatch.setattr(large_files, "LARGE_PIECE_CHARS", 120)


def big_file(rows: int = ROWS, failing_at: int | None = None) -> str:
    lines = ["-- a big file\nCREATE TABLE items (id int PRIMARY KEY, note text);"]
    for i in range(1, rows + 1):
        value = "(SELECT 1 / 0)" if i == failing_at else f"'{TRICKY} {i}'"
        lines.append(f"INSERT INTO items VALUES ({i},\n  {value});")
    return "\n".join(lines) + "\n-- @undo\nDROP TABLE items;\n"


def test_a_big_file_runs_in_pieces_and_history_holds_exactly_its_text(any_project: Project, settings_of: Any,
                                                                       small_thresholds: None) -> None:
    text = big_file()
    path = any_project.write("V1__big.sql", text)
    report = migrations.migrate(settings_of(any_project))
    assert [s.version for s in report.steps] == ["1"]
    assert any_project.query("SELECT count(*), min(note) FROM items") == [(ROWS, TRICKY.replace("''", "'") + " 1")]
    up_sql, undo_sql, done, total, success = any_project.query(
        "SELECT up_sql, undo_sql, statements_done, statements_total, success FROM dbworkbench_history")[0]
    assert up_sql == path.read_text().split("-- @undo")[0] and undo_sql == "DROP TABLE items;\n"
    assert (done, total, success) == (ROWS + 1, ROWS + 1, True)
    assert [e.state.value for e in inspection.status(settings_of(any_project)).entries] == ["applied"]
    assert inspection.validate(settings_of(any_project)).ok, "the stored checksum and text agree"
    migrations.down(settings_of(any_project))
    assert not any_project.table_exists("items")


@pytest.mark.parametrize("failing_at", [1, 17, ROWS])
def test_a_failure_in_any_piece_names_its_line_and_applies_nothing(project: Project, settings_of: Any,
                                                                    small_thresholds: None, failing_at: int) -> None:
    text = big_file(failing_at=failing_at)
    project.write("V1__big.sql", text)
    with pytest.raises(MigrationFailedError) as caught:
        migrations.migrate(settings_of(project))
    failure = caught.value.failure
    assert failure.sqlstate == "22012" and failure.statement_index == failing_at
    assert failure.line == text[:text.index(f"VALUES ({failing_at},")].count("\n") + 1, failure
    assert not project.table_exists("items")
    assert project.query("SELECT count(*) FROM dbworkbench_history") == [(0,)]


def test_a_syntax_error_reported_by_the_server_is_located_inside_its_piece(project: Project, settings_of: Any,
                                                                           small_thresholds: None) -> None:
    text = big_file().replace("INSERT INTO items VALUES (30,", "INSERT INTO items VALUES (30, nosuchcolumn +")
    project.write("V1__big.sql", text)
    with pytest.raises(MigrationFailedError) as caught:
        migrations.migrate(settings_of(project))
    failure = caught.value.failure
    line = text.splitlines().index(next(x for x in text.splitlines() if "nosuchcolumn" in x)) + 1
    assert failure.sqlstate == "42703" and failure.line == line
    assert failure.column == text.splitlines()[line - 1].index("nosuchcolumn") + 1


def test_a_file_too_big_to_store_keeps_its_checksum_and_says_so(project: Project, settings_of: Any,
                                                                 small_thresholds: None,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from dbworkbench.core import events as ev
    from dbworkbench.core import steps

    monkeypatch.setattr(steps, "HISTORY_TEXT_LIMIT", 500)
    project.write("V1__big.sql", big_file())
    warnings: list[str] = []
    migrations.migrate(settings_of(project),
                       on_event=lambda e: warnings.append(e.message) if isinstance(e, ev.WarningRaised) else None)
    assert any("history keeps its checksum but not its text" in w for w in warnings), warnings
    assert project.query("SELECT up_sql IS NULL, checksum IS NOT NULL, success FROM dbworkbench_history") == [
        (True, True, True)]
    assert project.query("SELECT count(*) FROM items") == [(ROWS,)]
    assert inspection.validate(settings_of(project)).ok


def test_a_big_file_reports_its_pieces_and_stops_between_them(project: Project, settings_of: Any,
                                                              small_thresholds: None) -> None:
    from dbworkbench.core import events as ev
    from dbworkbench.core.cancel import CancelToken
    from dbworkbench.errors import MigrationInterruptedError

    project.write("V1__big.sql", big_file())
    token = CancelToken()
    started: list[int] = []

    def on_event(event: object) -> None:
        if isinstance(event, ev.StatementStarted):
            started.append(event.index)
            if len(started) == 3:
                token.cancel()
    with pytest.raises(MigrationInterruptedError):
        migrations.migrate(settings_of(project), on_event=on_event, cancel=token)
    assert started[0] == 0 and started == sorted(started) and len(started) == 3, started
    assert not project.table_exists("items") and project.query("SELECT count(*) FROM dbworkbench_history") == [(0,)]
