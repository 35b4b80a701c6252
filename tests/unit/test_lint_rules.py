"""Lint rules, table-driven: SQL in, rule ids out (no database)."""

from __future__ import annotations

import pytest

from dbworkbench.lint.findings import Severity
from dbworkbench.lint.runner import lint_text

SET_TIMEOUT = "SET lock_timeout = '5s';\n"


def rules(sql: str, *, server_major: int = 18) -> set[str]:
    return {f.rule for f in lint_text(SET_TIMEOUT + sql, "V1__x.sql", server_major=server_major)}


@pytest.mark.parametrize(("sql", "expected"), [
    ("CREATE INDEX i ON orders (x);", {"require-concurrent-index-creation"}),
    ("CREATE INDEX CONCURRENTLY i ON orders (x);", set()),
    ("CREATE TABLE t (x int); CREATE INDEX i ON t (x);", set()),
    ("DROP INDEX i;", {"require-concurrent-index-deletion"}),  # a warning now: brief ACCESS EXCLUSIVE
    ("DROP INDEX CONCURRENTLY i;", set()),
    ("REFRESH MATERIALIZED VIEW mv;", {"require-concurrent-refresh"}),
    ("REFRESH MATERIALIZED VIEW CONCURRENTLY mv;", set()),
    ("CREATE MATERIALIZED VIEW mv AS SELECT 1 AS x WITH NO DATA; REFRESH MATERIALIZED VIEW mv;", set()),
    ("ALTER TABLE orders SET UNLOGGED;", {"ban-set-logged"}),
    ("ALTER TABLE orders SET LOGGED;", {"ban-set-logged"}),
    ("CREATE UNLOGGED TABLE s (x int); ALTER TABLE s SET LOGGED;", set()),
    ("ALTER TABLE orders SET TABLESPACE fast;", {"ban-set-tablespace"}),
    ("ALTER TABLE parted DETACH PARTITION p1;", {"detach-partition-not-concurrent"}),
    ("ALTER TABLE parted DETACH PARTITION p1 CONCURRENTLY;", set()),
    ("ALTER SCHEMA billing RENAME TO invoicing;", {"renaming-schema"}),
    ("CREATE INDEX i ON ONLY parted (x);", {"index-on-only"}),
    ("CREATE TEMP TABLE scratch (x int); DROP TABLE scratch;", set()),
    ("CREATE TABLE fresh AS SELECT 1 AS x; ALTER TABLE fresh RENAME TO fresher;", set()),
    ("CREATE TABLE fresh (x int); ALTER TABLE fresh RENAME TO fresher;", set()),
    ("DROP TABLE orders;", {"ban-drop-table"}),
    ("CREATE TABLE t (x int); DROP TABLE t;", set()),
    ("DROP SCHEMA billing CASCADE;", {"ban-drop-schema"}),
    ("ALTER TABLE orders DROP COLUMN note;", {"ban-drop-column"}),
    ("ALTER TABLE orders ADD COLUMN n int DEFAULT 0;", set()),
    ("ALTER TABLE orders ADD COLUMN at timestamptz DEFAULT now();", set()),
    ("ALTER TABLE orders ADD COLUMN u uuid DEFAULT gen_random_uuid();", {"adding-field-with-volatile-default"}),
    ("ALTER TABLE orders ADD COLUMN n int NOT NULL;", {"adding-required-field"}),
    ("ALTER TABLE orders ADD COLUMN n int NOT NULL DEFAULT 0;", set()),
    ("ALTER TABLE orders ADD COLUMN id2 bigint GENERATED ALWAYS AS IDENTITY;", {"adding-serial-or-identity-column"}),
    ("ALTER TABLE orders ADD COLUMN n2 bigserial;", {"adding-serial-or-identity-column"}),
    ("CREATE TABLE t (id bigserial PRIMARY KEY); ALTER TABLE t ADD COLUMN n bigserial;", set()),
    ("REINDEX TABLE orders;", {"require-concurrent-reindex"}),
    ("REINDEX TABLE CONCURRENTLY orders;", set()),
    ("ALTER TABLE orders ADD COLUMN t2 int GENERATED ALWAYS AS (x * 2) STORED;", {"adding-stored-generated-column"}),
    ("ALTER TABLE orders ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES customers (id);",
     {"adding-foreign-key-constraint"}),
    ("ALTER TABLE orders ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES customers (id) NOT VALID;", set()),
    ("ALTER TABLE orders ADD CONSTRAINT c CHECK (x > 0);", {"constraint-missing-not-valid"}),
    ("ALTER TABLE orders ADD CONSTRAINT c CHECK (x > 0) NOT VALID; ALTER TABLE orders VALIDATE CONSTRAINT c;",
     {"validate-in-same-transaction"}),
    ("ALTER TABLE orders VALIDATE CONSTRAINT c;", set()),
    ("ALTER TABLE orders ADD CONSTRAINT u UNIQUE (code);", {"disallowed-unique-constraint"}),
    ("ALTER TABLE orders ADD CONSTRAINT u UNIQUE USING INDEX orders_code;", set()),
    ("ALTER TABLE orders ADD CONSTRAINT e EXCLUDE USING gist (r WITH &&);", {"adding-exclusion-constraint"}),
    ("ALTER TABLE orders ALTER COLUMN n SET NOT NULL;", {"setting-not-null"}),
    ("ALTER TABLE orders ALTER COLUMN amount TYPE bigint;", {"changing-column-type"}),
    ("ALTER TABLE orders RENAME TO purchases;", {"renaming-table"}),
    ("ALTER TABLE orders RENAME COLUMN a TO b;", {"renaming-column"}),
    ("ALTER TYPE mood RENAME VALUE 'ok' TO 'fine';", {"renaming-enum-value"}),
    ("TRUNCATE orders CASCADE;", {"ban-truncate-cascade"}),
    ("UPDATE orders SET flag = true;", {"update-without-where"}),
    ("UPDATE orders SET flag = true WHERE 1 = 1;", {"update-without-where"}),
    ("UPDATE orders SET flag = true WHERE id < 1000;", set()),
    ("DELETE FROM orders;", {"delete-without-where"}),
    ("DELETE FROM orders WHERE true;", {"delete-without-where"}),
    ("VACUUM FULL orders;", {"ban-vacuum-full"}),
    ("VACUUM orders;", set()),
    ("CLUSTER orders USING orders_pkey;", {"ban-cluster"}),
    ("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;", {"ban-lock-table"}),
    ("CREATE ROLE reporting;", {"create-role-not-idempotent"}),
    ("ALTER TYPE mood ADD VALUE 'great'; UPDATE orders SET m = 'great' WHERE id = 1;", {"enum-value-added-and-used"}),
    ("ALTER TYPE mood ADD VALUE 'great';", set()),
    ("SELECT 'DROP TABLE orders; ALTER TABLE orders DROP COLUMN x';", set()),
    ("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DROP TABLE orders; END $$;", set()),
    ("DO $$ BEGIN EXECUTE 'CREATE INDEX i ON orders (x)'; END $$;", {"require-concurrent-index-creation"}),
    ("DO $$ BEGIN IF NOT EXISTS (SELECT 1) THEN ALTER TABLE orders DROP COLUMN x; END IF; END $$;",
     {"ban-drop-column"}),
    ("DO $$ BEGIN EXECUTE format('DROP TABLE %I', 'orders'); END $$;", set()),
    ("DO $$ BEGIN RAISE NOTICE 'CREATE INDEX i ON orders (x)'; END $$;", set()),
    ("WITH gone AS (DELETE FROM orders RETURNING id) SELECT count(*) FROM gone;", {"delete-without-where"}),
    ("WITH touched AS (UPDATE orders SET x = 1 WHERE id = 3 RETURNING id) SELECT * FROM touched;", set()),
])
def test_rule(sql: str, expected: set[str]) -> None:
    assert rules(sql) == expected


def test_multi_command_alter_reports_each_hazard() -> None:
    found = rules("ALTER TABLE orders ADD COLUMN u uuid DEFAULT gen_random_uuid(), DROP COLUMN legacy, "
                  "ADD CONSTRAINT c CHECK (x > 0);")
    assert found == {"adding-field-with-volatile-default", "ban-drop-column", "constraint-missing-not-valid"}


def test_server_version_matters() -> None:
    assert rules("ALTER TABLE orders ADD COLUMN n int DEFAULT 0;", server_major=10) == {"adding-field-with-default"}
    assert {f.severity for f in lint_text(SET_TIMEOUT + "ALTER TABLE o ALTER COLUMN n SET NOT NULL;", "x",
                                          server_major=11)} == {Severity.ERROR}
    assert Severity.ERROR not in {f.severity for f in lint_text(SET_TIMEOUT + "ALTER TABLE o ALTER COLUMN n TYPE "
                                                                 "varchar(80);", "x")}


def test_allow_with_reason_suppresses_and_without_reason_is_reported() -> None:
    allowed = "-- dbworkbench:allow ban-drop-column because unused since release 41\nALTER TABLE o DROP COLUMN x;"
    assert rules(allowed) == set()
    no_reason = "-- dbworkbench:allow ban-drop-column\nALTER TABLE o DROP COLUMN x;"
    assert rules(no_reason) == {"ban-drop-column", "allow-without-reason"}


def test_lock_timeout_rule_and_positions() -> None:
    findings = lint_text("\n\nCREATE INDEX i ON orders (x);\n", "sql/V2__i.sql")
    assert [f.rule for f in findings] == ["require-lock-timeout", "require-concurrent-index-creation"]
    index = findings[1]
    assert (index.path, index.line, index.column) == ("sql/V2__i.sql", 3, 19)
    assert lint_text("CREATE INDEX CONCURRENTLY i ON orders (x);", "x", lock_timeout_configured=True) == []


def test_non_ascii_positions_and_syntax_errors() -> None:
    (finding,) = lint_text(SET_TIMEOUT + "SELECT 'héllo';\nDROP INDEX idx;", "x")
    assert (finding.line, finding.rule) == (3, "require-concurrent-index-deletion")
    (syntax,) = lint_text("SELECT 1;\nALTR TABLE x;", "x")
    assert (syntax.rule, syntax.line, syntax.column) == ("syntax-error", 2, 1)


def test_detach_partition_concurrently_is_only_suggested_where_it_exists() -> None:
    assert rules("ALTER TABLE parted DETACH PARTITION p1;", server_major=13) == set()
    assert rules("ALTER TABLE parted DETACH PARTITION p1;", server_major=14) == {"detach-partition-not-concurrent"}
