"""Preparing a step: which statements need autocommit, and what is refused before touching the database."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbworkbench.core.discovery import MigrationFile, MigrationKind
from dbworkbench.core.lexer import split_statements
from dbworkbench.core.planner import Entry, State, StepAction, StepSpec
from dbworkbench.core.scripts import checksum
from dbworkbench.core.steps import PreparedStep, autocommit_reason, prepare
from dbworkbench.core.versions import Version
from dbworkbench.errors import PlanError


@pytest.mark.parametrize(("statement", "reason"), [
    ("CREATE INDEX CONCURRENTLY i ON t (x)", "CREATE INDEX CONCURRENTLY"),
    ("create unique index concurrently if not exists i on t (x)", "CREATE INDEX CONCURRENTLY"),
    ("DROP INDEX CONCURRENTLY IF EXISTS i", "DROP INDEX CONCURRENTLY"),
    ("REINDEX (VERBOSE) TABLE CONCURRENTLY t", "REINDEX CONCURRENTLY"),
    ("REINDEX DATABASE app", "REINDEX DATABASE/SYSTEM"),
    ("VACUUM (ANALYZE) t", "VACUUM"),
    ("CREATE DATABASE other", "CREATE DATABASE"),
    ("ALTER SYSTEM SET work_mem = '64MB'", "ALTER SYSTEM"),
    ("ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY", "DETACH PARTITION CONCURRENTLY"),
    ("CREATE INDEX i ON t (x)", None),
    ("SELECT 'CREATE INDEX CONCURRENTLY'", None),
    ("/* VACUUM */ ANALYZE t", None),
    ("CREATE FUNCTION f() RETURNS void LANGUAGE sql AS $$ VACUUM $$", None),
    ("ALTER TYPE mood ADD VALUE 'great'", None),
])
def test_autocommit_detection(statement: str, reason: str | None) -> None:
    (parsed,) = split_statements(statement)
    assert autocommit_reason(parsed, 18) == reason


def test_enum_add_value_needs_autocommit_only_before_pg12() -> None:
    (parsed,) = split_statements("ALTER TYPE mood ADD VALUE 'great'")
    assert autocommit_reason(parsed, 11) is not None and autocommit_reason(parsed, 12) is None


def spec_for(text: str, *, no_transaction: bool = False) -> StepSpec:
    file = MigrationFile("V1__x.sql", MigrationKind.VERSIONED, Version.parse("1"), "x", text, checksum(text),
                         None, None, 1, no_transaction)
    return StepSpec(StepAction.APPLY, Entry("1", file.version, "x", MigrationKind.VERSIONED, file.script, State.PENDING, file, None))


def prep(text: str, *, no_transaction: bool = False) -> PreparedStep:
    return prepare(spec_for(text, no_transaction=no_transaction), migrations_dir=Path("sql"), project_dir=Path("."), placeholders={"p": "v"},
                   server_major=18, stored=None)


def test_transaction_mode_and_warnings() -> None:
    assert prep("CREATE TABLE a (x int); CREATE TABLE b (x int);").transactional
    mixed = prep("CREATE TABLE a (x int); CREATE INDEX CONCURRENTLY i ON a (x);")
    assert not mixed.transactional and any("cannot run in a transaction" in w for w in mixed.warnings)
    assert not prep("CREATE TABLE a (x int);", no_transaction=True).transactional


@pytest.mark.parametrize(("text", "fragment"), [
    ("select ${missing};", "${missing}"),
    ("select 1;\nselect 'unterminated;\n", "sql/V1__x.sql:2:8: unterminated quoted string"),
    ("select 1;\nselec 2;\n", "sql/V1__x.sql:2:1: syntax error"),
    ("create table a (x int);\nrollback;\n", "ROLLBACK inside a migration"),
])
def test_problems_found_before_touching_the_database(text: str, fragment: str) -> None:
    with pytest.raises(PlanError) as caught:
        prep(text)
    assert fragment in caught.value.message


def test_placeholders_are_filled() -> None:
    step = prep("select '${p}';")
    assert step.statements[0].text == "select 'v';"
