"""A file's parse tree a piece at a time (`lint.parse_tree`): linting and the static fold find exactly what they find
with the whole tree at once, locations included, on the labelled corpus run together as one file (with non-ASCII
text, so byte and character offsets differ)."""

from __future__ import annotations

from pathlib import Path
from unittest import mock

import pytest

from dbworkbench.lint import parse_tree
from dbworkbench.lint.catalog import Catalog, fold
from dbworkbench.lint.queries import changes_in
from dbworkbench.lint.runner import lint_text

CORPUS = Path(__file__).resolve().parents[1] / "data" / "lint_corpus"


@pytest.fixture(scope="module")
def one_file() -> str:
    parts = [p.read_text() for p in sorted(CORPUS.glob("*.sql"))]
    return "\n".join(f"-- naïve café ☕ {i}\n{text.rstrip().rstrip(';')};" for i, text in enumerate(parts))


def test_lint_in_pieces_finds_what_lint_at_once_finds(one_file: str) -> None:
    whole = lint_text(one_file, "all.sql", lock_timeout_configured=True)
    with mock.patch.object(parse_tree, "PIECE_CHARS", 700):
        pieces = lint_text(one_file, "all.sql", lock_timeout_configured=True)
    assert len(whole) > 50 and pieces == whole


def test_the_fold_and_the_changes_in_pieces_are_those_at_once(one_file: str) -> None:
    setup = (CORPUS / "_setup.sql").read_text()
    whole_catalog = fold(Catalog({}), setup + one_file)
    whole_changes = changes_in(one_file, fold(Catalog({}), setup).tables)
    with mock.patch.object(parse_tree, "PIECE_CHARS", 500):
        assert fold(Catalog({}), setup + one_file) == whole_catalog
        assert changes_in(one_file, fold(Catalog({}), setup).tables) == whole_changes
    assert whole_catalog.tables and whole_changes[0]
