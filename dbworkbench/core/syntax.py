"""Statements as PostgreSQL's own parser sees them (libpg_query via pglast), checked before anything runs.

pglast bundles the PostgreSQL 18 grammar: one call both rejects what no server accepts (with the error's
position) and gives exact statement boundaries, `BEGIN ATOMIC ... END` bodies included. It is imported only
when files are about to run, never for `status`.
"""

from __future__ import annotations

from dbworkbench.core.lexer import Statement, Token, statements_at, tokens

_TRIVIA = (Token.SPACE, Token.COMMENT)


class SqlSyntaxError(ValueError):
    """The text does not parse; `offset` is a character offset into it."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


def _first_token(text: str, start: int, stop: int) -> int:
    """Offset of the first token that is not whitespace or a comment in text[start:stop]."""
    for kind, i, _ in tokens(text[start:stop]):
        if kind not in _TRIVIA:
            return start + i
    return start


def parse_statements(text: str) -> list[Statement]:
    """Split `text` into statements with the server's grammar, each from its first token (comments before it
    are skipped) to its end, semicolon included when there is one.

    Raises:
        SqlSyntaxError: the text does not parse.
    """
    from pglast import parser

    try:
        slices = parser.split(text, with_parser=True, only_slices=True)
    except parser.ParseError as exc:
        message = str(exc.args[0]) if exc.args else "syntax error"
        location = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
        raise SqlSyntaxError(location, message) from exc
    spans = [(_first_token(text, piece.start, piece.stop),
              piece.stop + 1 if text[piece.stop:piece.stop + 1] == ";" else piece.stop) for piece in slices]
    return statements_at(text, spans)
