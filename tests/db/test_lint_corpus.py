"""The labelled lint corpus: every label agrees with what a real server does (the linter's side: tests/unit)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from dbworkbench.lint.rehearsal import measured_hazards
from tests.conftest import Server
from tests.unit.test_lint_corpus_static import CORPUS, FILES, labelled_unsafe


@pytest.fixture(scope="module")
def template(pg18: Server) -> Iterator[str]:
    name = "lint_corpus_template"
    with pg18.admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    with psycopg.connect(pg18.conninfo(name), autocommit=True) as conn:
        conn.execute((CORPUS / "_setup.sql").read_text())
    yield name
    with pg18.admin() as conn:
        conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_label_matches_what_the_server_does(path: Path, pg18: Server, template: str) -> None:
    name = f"corpus_{path.stem[:40]}"
    with pg18.admin() as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
    try:
        with psycopg.connect(pg18.conninfo(name), autocommit=True) as conn:
            hazards = measured_hazards(conn, path.read_text())
    finally:
        with pg18.admin() as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
    assert bool(hazards) == labelled_unsafe(path), hazards
