"""libpg_query's parse tree of a file, a piece at a time: a big file's tree as JSON and then as Python objects is
some forty times the text (3.7 GB for a 64 MB file at once), a 1 MB piece's a few tens of MB.

Each piece is whole statements; the tree's byte `location`s are shifted so they count from the start of the text,
as a tree of the whole text would have them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from dbworkbench.core.lexer import Statement
from dbworkbench.core.statement_list import pieces

PIECE_CHARS = 1 << 20
"""About how much text is parsed into a tree at a time."""


def statement_trees(text: str, statements: Sequence[Statement],
                    wanted: tuple[str, ...] | None = None) -> Iterator[dict[str, Any]]:
    """The parse tree's `stmts` entries of `text`, whose statements are `statements` (as `parse_statements`
    gives them), in order; with `wanted` (lower-case first words), only the statements starting with one of them
    are parsed at all (a data file's INSERTs cost nothing then).

    Raises:
        pglast.parser.ParseError: the text does not parse.
    """
    from pglast import parser

    if wanted is None and (len(text) <= PIECE_CHARS or len(statements) < 2):
        yield from json.loads(parser.parse_sql_json(text)).get("stmts", [])
        return
    ascii_text = text.isascii()
    done_chars, done_bytes = 0, 0
    for _, start, end in pieces(statements, PIECE_CHARS, wanted):
        base = start if ascii_text else done_bytes + len(text[done_chars:start].encode("utf-8"))
        piece = text[start:end]
        for raw in json.loads(parser.parse_sql_json(piece)).get("stmts", []):
            if base:
                raw.setdefault("stmt_location", 0)
                _shift(raw, base)
            yield raw
        if not ascii_text:
            done_bytes = base + len(piece.encode("utf-8"))
        done_chars = end


def _shift(node: Any, by: int) -> None:
    """Add `by` to every location in the tree (a stmts entry's `stmt_location` too)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("location", "stmt_location") and isinstance(value, int) and value >= 0:
                node[key] = value + by
            elif isinstance(value, (dict, list)):
                _shift(value, by)
    elif isinstance(node, list):
        for item in node:
            _shift(item, by)


def nodes(tree: Any) -> Iterator[dict[str, Any]]:
    """Every dict of a parse tree, depth first (the tree itself first when it is one)."""
    if isinstance(tree, dict):
        yield tree
        for value in tree.values():
            yield from nodes(value)
    elif isinstance(tree, list):
        for item in tree:
            yield from nodes(item)
