"""Statements as PostgreSQL's own parser sees them (libpg_query via pglast), checked before anything runs.

pglast bundles the PostgreSQL 18 grammar: one call both rejects what no server accepts (with the error's
position) and gives exact statement boundaries, `BEGIN ATOMIC ... END` bodies included. It is imported only
when files are about to run, never for `status`.
"""

from __future__ import annotations

from array import array

from dbworkbench.core.lexer import StatementList, Token, tokens

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


CHUNK_CHARS = 1 << 20
"""A longer text is parsed a piece of about this size at a time: libpg_query's memory grows about thirteen times
the text it parses (845 MB for a 64 MB file at once), a piece's stays at a few MB."""


def parse_statements(text: str) -> StatementList:
    """Split `text` into statements with the server's grammar, each from its first token (comments before it
    are skipped) to its end, semicolon included when there is one.

    Raises:
        SqlSyntaxError: the text does not parse.
    """
    from pglast import parser

    starts, ends = array("q"), array("q")
    start, size = 0, CHUNK_CHARS
    while start < len(text):
        stop = len(text) if len(text) - start <= size else (text.find("\n", start + size) + 1 or len(text))
        final = stop == len(text)
        try:
            slices = parser.split(text[start:stop], with_parser=True, only_slices=True)
        except parser.ParseError as exc:
            message = str(exc.args[0]) if exc.args else "syntax error"
            location = exc.args[1] if len(exc.args) > 1 and isinstance(exc.args[1], int) else 0
            if final or not _cut_short(message):
                raise SqlSyntaxError(start + location, message) from exc
            size *= 2  # the cut fell inside a statement, a string or a body: parse a longer piece
            continue
        pieces = [(start + p.start, start + p.stop) for p in slices]
        if not final:
            if len(pieces) < 2:  # one statement longer than the piece: a longer piece
                size *= 2
                continue
            pieces.pop()  # the last may be cut short: it starts the next piece
        for a, b in pieces:
            starts.append(_first_token(text, a, b))
            ends.append(b + 1 if text[b:b + 1] == ";" else b)
        start, size = (stop if final else pieces[-1][1] + 1), CHUNK_CHARS
    if len(text) > CHUNK_CHARS:
        _give_back_freed_memory()
    return StatementList(text, starts=starts, ends=ends)


def _cut_short(message: str) -> bool:
    """The error is one a piece cut at a line end can cause: the input ends inside a statement, a string, a quoted
    name or a comment. Any other error is the text's own, wherever the piece ends (tokens never span a line
    break, except inside quotes and comments)."""
    return "at end of input" in message or "unterminated" in message


def _give_back_freed_memory() -> None:
    """Return the C heap libpg_query used and freed to the system (glibc keeps it otherwise: about 60 MB after a
    64 MB file), so running the file does not stand on it. Elsewhere than glibc, nothing."""
    import ctypes
    import ctypes.util

    try:
        ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
