"""The workbench's schema browser on a real server: sizes and row estimates, index size and validity, history tables
hidden, and a data preview that is read-only and bounded in rows and time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from dbworkbench.core import catalog_browser as cb
from dbworkbench.errors import PlanError

Conn = psycopg.Connection[Any]


def tree(conn: Conn, hidden: frozenset[str] = frozenset()) -> dict[str, cb.CatalogNode]:
    public = next(n for n in cb.children(conn, None) if n.name == "public")
    found = {}
    for group in cb.children(conn, public, hidden=hidden):
        for member in cb.children(conn, group, hidden=hidden):
            found[member.name] = member
    return found


@pytest.fixture
def conn(any_database: str) -> Iterator[Conn]:
    with psycopg.connect(any_database, autocommit=True) as connection:
        connection.execute("CREATE TABLE big (id int PRIMARY KEY, note text); "
                           "INSERT INTO big SELECT n, repeat('x', 200) FROM generate_series(1, 3000) n; ANALYZE big; "
                           "CREATE TABLE fresh (x int); CREATE TABLE dbworkbench_history (x int); "
                           "INSERT INTO fresh VALUES (1), (1)")
        yield connection


def test_tables_show_row_estimates_and_sizes_and_history_is_hidden(conn: Conn) -> None:
    nodes = tree(conn, hidden=frozenset({"public.dbworkbench_history"}))
    assert "dbworkbench_history" not in nodes
    assert nodes["big"].label.startswith("big  ~3.0k rows · ") and nodes["big"].label.endswith("kB"), nodes["big"]
    assert nodes["fresh"].label.startswith("fresh  rows ? · ") or "~" in nodes["fresh"].label


def test_indexes_show_size_and_an_invalid_index_says_so(conn: Conn) -> None:
    with pytest.raises(psycopg.errors.UniqueViolation):
        conn.execute("CREATE UNIQUE INDEX CONCURRENTLY fresh_x ON fresh (x)")
    parts = {p.name: p.label for p in cb.children(conn, tree(conn)["fresh"]) if p.kind == "index"}
    assert parts["fresh_x"].endswith("INVALID") and ("bytes" in parts["fresh_x"] or "kB" in parts["fresh_x"]), parts
    big = {p.name: p.label for p in cb.children(conn, tree(conn)["big"]) if p.kind == "index"}
    assert "INVALID" not in big["big_pkey"] and "kB" in big["big_pkey"], big


def test_the_data_preview_is_bounded_and_read_only(conn: Conn,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    nodes = tree(conn)
    columns, rows = cb.first_rows(conn, nodes["big"])
    assert columns == ["id", "note"] and len(rows) == cb.PREVIEW_ROWS
    assert rows[0][0] == "1" and rows[0][1].endswith("…") and len(rows[0][1]) == 60
    conn.execute("CREATE TABLE log (x int); CREATE FUNCTION noisy() RETURNS int LANGUAGE sql VOLATILE AS "
                 "$$ INSERT INTO log VALUES (1) RETURNING x $$; CREATE VIEW writes AS SELECT noisy() AS n; "
                 "CREATE VIEW slow AS SELECT 1 AS s FROM pg_sleep(30)")
    nodes = tree(conn)
    with pytest.raises(PlanError, match="read-only"):
        cb.first_rows(conn, nodes["writes"])
    assert conn.execute("SELECT count(*) FROM log").fetchone() == (0,)
    monkeypatch.setattr(cb, "PREVIEW_TIMEOUT", "300ms")
    started = time.monotonic()
    with pytest.raises(PlanError, match="statement_timeout"):
        cb.first_rows(conn, nodes["slow"])
    assert time.monotonic() - started < 10
    with pytest.raises(PlanError, match="no rows to show"):
        cb.first_rows(conn, cb.CatalogNode("sequence", "public", "s", "s"))


def test_the_data_preview_can_be_cancelled(project: Any, settings_of: Any) -> None:
    import threading

    from dbworkbench.app.engine import Engine
    from dbworkbench.core.cancel import CancelToken
    from dbworkbench.errors import CancelledError

    project.query("CREATE VIEW slow AS SELECT 1 AS s FROM pg_sleep(20)")
    engine = Engine(settings_of(project))
    node = next(n for n in engine.catalog_children(next(
        g for g in engine.catalog_children(next(s for s in engine.catalog_children(None) if s.name == "public"))
        if g.group == "views")) if n.name == "slow")
    token = CancelToken()
    threading.Timer(0.5, token.cancel).start()
    started = time.monotonic()
    with pytest.raises(CancelledError):
        engine.catalog_rows(node, token)
    assert time.monotonic() - started < 4
