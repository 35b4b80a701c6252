"""Syntax checking before anything touches the database, with PostgreSQL's own parser (libpg_query via pglast).

pglast bundles the PostgreSQL 18 grammar, so what it rejects no server accepts. It is imported only
when a file is about to run, never for `status`.
"""

from __future__ import annotations


def syntax_error(text: str) -> tuple[int, str] | None:
    """The character offset (pglast converts libpg_query's byte offsets) and message of the first
    syntax error in `text`, or None."""
    from pglast import parser

    try:
        parser.parse_sql_json(text)
    except parser.ParseError as exc:
        message = str(exc.args[0]) if exc.args else "syntax error"
        location = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
        return location, message
    return None
