"""Server logs as a source of application queries (`lint.query_log`): the three formats PostgreSQL writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dbworkbench.lint.query_log import read_log

STDERR = """2026-12-04 03:00:00.001 UTC [41] LOG:  statement: SELECT id FROM orders WHERE id = 1
2026-12-04 03:00:00.002 UTC [41] LOG:  duration: 0.120 ms  statement: SELECT id,
\t       note
\t  FROM orders;
2026-12-04 03:00:00.003 UTC [41] LOG:  execute <unnamed>: UPDATE orders SET note = $1 WHERE id = $2
2026-12-04 03:00:00.003 UTC [41] DETAIL:  parameters: $1 = 'x', $2 = '5'
2026-12-04 03:00:00.004 UTC [41] LOG:  statement: ALTER TABLE orders ADD COLUMN x int
2026-12-04 03:00:00.005 UTC [41] LOG:  statement: SELECT id FROM orders WHERE id = 1
2026-12-04 03:00:00.006 UTC [41] LOG:  checkpoint starting: time
2026-12-04 03:00:00.007 UTC [41] ERROR:  relation "nope" does not exist
2026-12-04 03:00:00.007 UTC [41] STATEMENT:  SELECT * FROM nope
"""


def test_the_stderr_format_with_continuations_parameters_and_repeats(tmp_path: Path) -> None:
    path = tmp_path / "pg.log"
    path.write_text(STDERR)
    assert read_log(path) == [(1, "SELECT id FROM orders WHERE id = 1"), (2, "SELECT id,\n       note\n  FROM orders"),
                              (5, "UPDATE orders SET note = $1 WHERE id = $2")]


def test_jsonlog_and_csvlog(tmp_path: Path) -> None:
    jsonlog = tmp_path / "pg.json"
    jsonlog.write_text("\n".join(json.dumps({"timestamp": "t", "error_severity": "LOG", "message": m}) for m in (
        "statement: DELETE FROM orders WHERE id = 3", "connection authorized: user=app", "statement: VACUUM")) + "\n")
    assert read_log(jsonlog) == [(1, "DELETE FROM orders WHERE id = 3")]
    csvlog = tmp_path / "pg.csv"
    fields = ["2026-12-04", "app", "db", "41", "[local]", "s", "1", "SELECT", "t", "3/4", "0", "LOG", "00000",
              "statement: SELECT note,\n total FROM orders", "", "", "", "", "", "", "psql", "client backend", "", "0"]
    import csv
    import io
    buffer = io.StringIO()
    csv.writer(buffer).writerow(fields)
    csvlog.write_text(buffer.getvalue())
    assert read_log(csvlog) == [(1, "SELECT note,\n total FROM orders")]


def test_a_broken_json_log_is_an_error_the_caller_counts(tmp_path: Path) -> None:
    path = tmp_path / "pg.json"
    path.write_text("{not json\n")
    with pytest.raises(ValueError):
        read_log(path)
