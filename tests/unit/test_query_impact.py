"""`breaks-query-*`: application queries (queries/ beside the migrations) parsed with sqlglot, qualified against the
schema the project's earlier files leave, and matched with what a migration drops, renames, retypes or adds.
No database: the schema is folded from the files."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from dbworkbench.cli import main

V1 = """
CREATE TABLE customers (id bigint PRIMARY KEY, email text NOT NULL, name text);
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id bigint, note text, status text);
CREATE TABLE audit (id bigint, note text);
"""


def _lint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], change: str,
          queries: str, config: str = "") -> list[tuple[str, str, str]]:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sql").mkdir(exist_ok=True)
    (tmp_path / "sql" / "V1__init.sql").write_text(V1)
    (tmp_path / "sql" / "V2__change.sql").write_text(textwrap.dedent(change))
    folder = tmp_path / ("app_queries" if config else "queries")
    folder.mkdir(exist_ok=True)
    (folder / "app.sql").write_text(textwrap.dedent(queries))
    (tmp_path / "dbworkbench.toml").write_text(config)
    code = main(["lint", "sql/V2__change.sql", "--json"])
    out = capsys.readouterr().out
    assert code in (0, 6), out
    findings = json.loads(out)["findings"]
    return [(f["rule"], f["severity"], f["message"]) for f in findings if f["rule"].startswith("breaks-query")]


def _rules(found: list[tuple[str, str, str]]) -> list[str]:
    return sorted(rule for rule, _, _ in found)


def test_a_dropped_column_breaks_the_queries_that_use_it_however_they_name_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    found = _lint(tmp_path, monkeypatch, capsys, "ALTER TABLE orders DROP COLUMN note;\n", """
        SELECT o.note FROM orders o;
        SELECT note FROM orders WHERE id = $1;
        SELECT id, status FROM orders;
        UPDATE orders SET note = 'x' WHERE id = $1;
        SELECT a.note FROM audit a;
        SELECT * FROM orders;
    """)
    assert _rules(found) == ["breaks-query-dropped-column"], found
    message = found[0][2]
    assert "breaks 4 application queries" in message and "queries/app.sql:2" in message, message
    assert "queries/app.sql:4" not in message and "audit" not in message, "other columns, another table's note"


def test_renames_not_null_columns_type_changes_and_select_star(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    found = _lint(tmp_path, monkeypatch, capsys, """
        ALTER TABLE customers RENAME COLUMN name TO full_name;
        ALTER TABLE orders ADD COLUMN region text NOT NULL;
        ALTER TABLE orders ALTER COLUMN status TYPE varchar(20);
        ALTER TABLE audit RENAME TO audit_log;
    """, """
        SELECT c.name FROM customers c JOIN orders o ON o.customer_id = c.id;
        INSERT INTO orders (id, customer_id) VALUES ($1, $2);
        INSERT INTO orders (id, region) VALUES ($1, 'eu');
        SELECT * FROM orders WHERE status = 'new';
        SELECT count(*) FROM audit;
    """)
    assert _rules(found) == ["breaks-query-not-null-insert", "breaks-query-renamed-column",
                             "breaks-query-renamed-table", "breaks-query-select-star", "breaks-query-type-change"]
    severity = {rule: level for rule, level, _ in found}
    assert severity["breaks-query-type-change"] == severity["breaks-query-select-star"] == "warning"
    assert severity["breaks-query-not-null-insert"] == "error"
    insert = next(m for r, _, m in found if r == "breaks-query-not-null-insert")
    assert "1 application INSERT" in insert and "queries/app.sql:3" in insert, "the INSERT naming region is fine"


def test_unparsable_queries_are_counted_and_safe_changes_say_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    found = _lint(tmp_path, monkeypatch, capsys, "ALTER TABLE orders DROP COLUMN status;\n", """
        SELEKT broken;
        SELECT id FROM nowhere_known;
        WITH orders AS (SELECT 1 AS status) SELECT status FROM orders;
        SELECT id FROM orders;
    """)
    assert _rules(found) == ["breaks-query-unchecked"], found
    assert "2 of 4 application queries" in found[0][2], found
    assert _lint(tmp_path, monkeypatch, capsys, "CREATE TABLE fresh (id int);\nDROP TABLE fresh;\n",
                 "SELECT id FROM orders;\n") == [], "a table created in the same file breaks nothing"


def test_the_queries_folder_is_configurable_and_optional(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    found = _lint(tmp_path, monkeypatch, capsys, "DROP TABLE audit;\n", "SELECT note FROM audit;\n",
                  config='queries = "app_queries"\n')
    assert _rules(found) == ["breaks-query-dropped-table"], found
    (tmp_path / "dbworkbench.toml").write_text("")
    capsys.readouterr()
    main(["lint", "sql/V2__change.sql"])
    assert "breaks-query" not in capsys.readouterr().out, "without a queries folder nothing is checked"


def test_the_static_catalog_folds_what_the_files_do() -> None:
    from dbworkbench.lint.catalog import Catalog, fold

    catalog = fold(Catalog({}), """
        CREATE TABLE s.t (id int, code varchar(20) CHECK (code <> ''), flag boolean NOT NULL);
        CREATE UNIQUE INDEX t_id ON s.t (id);
        ALTER TABLE s.t ADD COLUMN n numeric(10,2) CHECK (n > 0), ALTER COLUMN id SET NOT NULL;
        ALTER TABLE s.t ADD CONSTRAINT t_pkey PRIMARY KEY USING INDEX t_id;
        ALTER TABLE s.t ADD CONSTRAINT code_present CHECK (code IS NOT NULL) NOT VALID;
        ALTER TABLE s.t VALIDATE CONSTRAINT code_present;
        CREATE FUNCTION s.f() RETURNS int LANGUAGE sql STABLE AS 'SELECT 1';
    """)
    assert catalog.column_type("s.t", "code") == "varchar(20)" and catalog.column_type("s.t", "n") == "numeric(10,2)"
    assert catalog.check_reads("s.t", "code") and catalog.check_reads("s.t", "n") and not catalog.check_reads("s.t", "id")
    assert catalog.has_not_null_check("s.t", "code") and catalog.function_volatility("F") == "s"
    assert catalog.has_index_on("s.t", ("id",)) and catalog.has_index_on("s.t", ("flag",)) is False
    assert catalog.nullable_index_columns("s.t", "t_id") == (), "id was set NOT NULL"
    assert catalog.has_index_on("public.nowhere", ("id",)) is None


def test_the_static_catalog_knows_which_columns_views_use() -> None:
    from dbworkbench.lint.catalog import Catalog, fold

    catalog = fold(Catalog({}), """
        CREATE TABLE t (id int, name varchar(20), note text);
        CREATE TABLE s.u (id int, x int, y int, unused int);
        CREATE VIEW t_names AS SELECT a.id, name FROM t a WHERE a.id > 0;
        CREATE MATERIALIZED VIEW everything AS SELECT * FROM t;
        CREATE VIEW joined AS SELECT b.x FROM t JOIN s.u b USING (id);
        CREATE VIEW replaced AS SELECT note FROM t;
        CREATE OR REPLACE VIEW replaced AS SELECT 1 AS one;
    """)
    assert catalog.views_using("t", "name") == ("public.everything", "public.t_names")
    assert catalog.views_using("t", "note") == ("public.everything",), "the replaced view no longer reads note"
    assert catalog.views_using("s.u", "x") == ("public.joined",) and catalog.views_using("s.u", "id") == ("public.joined",)
    assert catalog.views_using("s.u", "y") == () and catalog.views_using("s.u", "unused") == ()
    later = fold(catalog, "DROP VIEW t_names; ALTER TABLE s.u RENAME COLUMN x TO xx; ALTER VIEW joined RENAME TO j2;"
                          "DROP MATERIALIZED VIEW everything;")
    assert later.views_using("t", "name") == () and later.views_using("s.u", "xx") == ("public.j2",)
    assert later.views_using("s.u", "x") == ()
