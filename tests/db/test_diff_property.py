"""The diff's correctness property on real servers: for every (A, B) pair, applying diff(A, B) to A yields a
database whose introspected model equals B's, and diffing again finds nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from dbworkbench.schema.diff import diff
from dbworkbench.schema.introspect import introspect
from dbworkbench.schema.model import SchemaSnapshot
from tests.conftest import Server

PAIRS = sorted((Path(__file__).resolve().parents[1] / "data" / "diff_pairs").glob("*.sql"))
ROLES = ("dbwb_diff_r1", "dbwb_diff_r2")


def sections(path: Path) -> tuple[str, str]:
    text = path.read_text()
    a, _, b = text.removeprefix("-- @a\n").partition("-- @b\n")
    return a, b


def normalised(model: SchemaSnapshot) -> SchemaSnapshot:
    """Column order does not matter: a diff never reorders columns."""
    return replace(model, tables={k: replace(t, columns=tuple(sorted(t.columns, key=lambda c: c.name)))
                                  for k, t in model.tables.items()})


@pytest.fixture
def roles(server: Server) -> Iterator[None]:
    with server.admin() as conn:
        for role in ROLES:
            conn.execute(f"DO $$ BEGIN CREATE ROLE {role}; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    yield


def build(server: Server, name: str, script: str) -> str:
    with server.admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        owner = sql.SQL(" OWNER {}").format(sql.Identifier(server.owner)) if server.owner else sql.SQL("")
        conn.execute(sql.SQL("CREATE DATABASE {}{}").format(sql.Identifier(name), owner))
    conninfo = server.conninfo(name)
    if script.strip():
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(script)
    return conninfo


@pytest.mark.parametrize("path", PAIRS, ids=[p.stem for p in PAIRS])
def test_applying_the_diff_reaches_b(path: Path, server: Server, roles: None) -> None:
    a_sql, b_sql = sections(path)
    a_info, b_info = build(server, "diff_a", a_sql), build(server, "diff_b", b_sql)
    with psycopg.connect(a_info) as a_conn, psycopg.connect(b_info) as b_conn:
        model_a, model_b = introspect(a_conn), introspect(b_conn)
        major = a_conn.info.server_version // 10000
    changes = diff(model_a, model_b, allow_data_loss=True, server_major=major)
    assert not changes.withheld
    with psycopg.connect(a_info) as conn:
        with conn.transaction():
            for change in changes.changes:
                conn.execute(change.sql)
    with psycopg.connect(a_info) as conn:
        after = introspect(conn)
    assert normalised(after) == normalised(model_b), changes.sql
    assert diff(after, model_b, allow_data_loss=True, server_major=major).empty


def test_fixture_set_is_large() -> None:
    assert len(PAIRS) >= 40
