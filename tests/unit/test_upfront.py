"""The up-front lock plan read from a file's statements (`core.upfront`); the server side is tests/db/test_lock_upfront."""

from __future__ import annotations

import pytest

from dbworkbench.core.lock_modes import LockMode
from dbworkbench.core.syntax import parse_statements
from dbworkbench.core.upfront import asks_upfront, covering, upfront_locks

M = LockMode


@pytest.mark.parametrize(("modes", "expected"), [
    ({M.RowExclusiveLock}, M.RowExclusiveLock),
    ({M.AccessShareLock, M.AccessExclusiveLock}, M.AccessExclusiveLock),
    ({M.ShareLock, M.ShareUpdateExclusiveLock}, M.ShareRowExclusiveLock),  # neither of the two covers the other
    ({M.ShareUpdateExclusiveLock, M.RowExclusiveLock}, M.ShareUpdateExclusiveLock),
    ({M.ShareLock, M.RowExclusiveLock}, M.ShareRowExclusiveLock),
])
def test_one_mode_covers_every_lock_the_file_asks_for(modes: set[LockMode], expected: LockMode) -> None:
    assert covering(modes) is expected


def test_names_keep_their_case_and_schema_and_each_table_gets_one_mode() -> None:
    text = ('INSERT INTO a VALUES (1); ALTER TABLE "B" ADD COLUMN x int; DROP TABLE "Q".z, Y; '
            'SELECT * FROM "we""ird"; CREATE INDEX ON a (x); ALTER TABLE s.c ADD FOREIGN KEY (x) REFERENCES a (id); '
            "CREATE TABLE n (id int)")
    assert upfront_locks(parse_statements(text)) == (
        ("", "a", "SHARE ROW EXCLUSIVE"), ("", "B", "ACCESS EXCLUSIVE"), ("Q", "z", "ACCESS EXCLUSIVE"),
        ("", "y", "ACCESS EXCLUSIVE"), ("", 'we"ird', "ACCESS SHARE"), ("s", "c", "SHARE ROW EXCLUSIVE"))


@pytest.mark.parametrize(("text", "asks"), [
    ("-- dbworkbench:lock-upfront\nALTER TABLE t ADD x int;", True),
    ("  --  DBWORKBENCH:LOCK-UPFRONT  \nSELECT 1;", True),
    ("SELECT '-- dbworkbench:lock-upfront';", False),
    ("-- dbworkbench:lock-upfront please\nSELECT 1;", False),
])
def test_the_marker_is_a_line_of_its_own(text: str, asks: bool) -> None:
    assert asks_upfront(text) is asks
