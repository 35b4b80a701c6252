"""Split PostgreSQL script text into statements with exact lexical rules, keeping source positions.

The rules follow PostgreSQL's own scanner and psql's statement splitter: single-quoted strings
('' escapes; E'' strings also take backslash escapes), quoted identifiers ("" escapes), dollar
quotes with optional tags (a `$` inside an identifier or a `$1` parameter is not a quote), line
comments, nested block comments, and parentheses. Like psql (PostgreSQL 14+), a semicolon inside
`BEGIN ... END` of a `CREATE [OR REPLACE] FUNCTION|PROCEDURE` (SQL-standard body) does not end
the statement. Nothing is rewritten: each statement is a slice of the input.
"""

from __future__ import annotations

import bisect
import functools
import re
from collections.abc import Iterator

from dbworkbench.core.statement_list import Statement as Statement
from dbworkbench.core.statement_list import StatementList as StatementList

_IDENT_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_IDENT_CONT = _IDENT_START | frozenset("0123456789$")
_ROUTINE_HEAD = ("create", "or", "replace", "function", "procedure")


def _is_ident_start(ch: str) -> bool:
    return ch in _IDENT_START or ch >= "\x80"


def _is_ident_cont(ch: str) -> bool:
    return ch in _IDENT_CONT or ch >= "\x80"


class UnterminatedError(ValueError):
    """The script ends inside a string, quoted identifier, dollar quote or comment."""

    def __init__(self, what: str, offset: int) -> None:
        super().__init__(f"unterminated {what}")
        self.what = what
        self.offset = offset


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset; a binary search in the text's line starts, which are found
    once per text (a long file's thousands of findings cost one pass, not one each)."""
    if len(text) < 4096:
        line = text.count("\n", 0, offset) + 1
        return line, offset - text.rfind("\n", 0, offset)
    starts = _line_starts(text)
    index = bisect.bisect_right(starts, offset) - 1
    return index + 1, offset - starts[index] + 1


@functools.lru_cache(maxsize=4)
def _line_starts(text: str) -> list[int]:
    """Offsets where each line of `text` begins (a str caches its hash, so a hit costs no pass over the text)."""
    return [0, *(match.end() for match in re.finditer("\n", text))]


def _skip_quoted(text: str, i: int, quote: str, backslash: bool) -> int:
    """Return the offset just past the closing quote; `i` is just past the opening one."""
    opened = i - 1
    n = len(text)
    while i < n:
        ch = text[i]
        if backslash and ch == "\\":
            i += 2
            continue
        if ch == quote:
            if i + 1 < n and text[i + 1] == quote:
                i += 2
                continue
            return i + 1
        i += 1
    raise UnterminatedError("quoted identifier" if quote == '"' else "string literal", opened)


def _skip_block_comment(text: str, i: int) -> int:
    """`i` points at `/*`; return the offset just past the matching `*/` (comments nest)."""
    depth = 0
    n = len(text)
    start = i
    while i < n:
        if text.startswith("/*", i):
            depth += 1
            i += 2
        elif text.startswith("*/", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        else:
            i += 1
    raise UnterminatedError("block comment", start)


def _dollar_tag(text: str, i: int) -> str | None:
    """If a dollar quote opens at `i`, return its delimiter (`$tag$`)."""
    n = len(text)
    j = i + 1
    if j < n and text[j] == "$":
        return "$$"
    if j < n and _is_ident_start(text[j]):
        j += 1
        while j < n and text[j] != "$" and _is_ident_cont(text[j]):
            j += 1
        if j < n and text[j] == "$":
            return text[i : j + 1]
    return None


class Token:
    """Token kinds produced by `tokens`."""

    SPACE = "space"
    COMMENT = "comment"
    STRING = "string"
    QUOTED_IDENT = "quoted_ident"
    DOLLAR = "dollar"
    WORD = "word"
    SEMICOLON = ";"
    OPEN = "("
    CLOSE = ")"
    OTHER = "other"


def _word_or_prefixed_string(text: str, i: int) -> tuple[str, int]:
    n = len(text)
    ch = text[i]
    nxt = text[i + 1] if i + 1 < n else ""
    if ch in "eE" and nxt == "'":
        return Token.STRING, _skip_quoted(text, i + 2, "'", backslash=True)
    if ch in "bBxXnN" and nxt == "'":
        return Token.STRING, _skip_quoted(text, i + 2, "'", backslash=False)
    if ch in "uU" and nxt == "&" and i + 2 < n and text[i + 2] in "'\"":
        quote = text[i + 2]
        kind = Token.STRING if quote == "'" else Token.QUOTED_IDENT
        return kind, _skip_quoted(text, i + 3, quote, backslash=False)
    j = i + 1
    while j < n and _is_ident_cont(text[j]):
        j += 1
    return Token.WORD, j


_FAST_TOKEN_RE = re.compile(
    r"(?P<space>[ \t\r\n\f\v]+)"
    r"|(?P<comment>--[^\n]*)"
    r"|(?P<word>[A-Za-z_\x80-\U0010FFFF][A-Za-z0-9_$\x80-\U0010FFFF]*)"
    r"|(?P<number>[0-9][0-9A-Za-z_.]*)"
    r"|(?P<other>(?:[^'\"$/\-;()A-Za-z0-9_\s\x80-\U0010FFFF]|/(?!\*)|-(?!-))+)"
)
"""The common tokens, matched by the regex engine; quotes, dollars and block comments take the slow path."""
_FAST_KINDS = {"space": Token.SPACE, "comment": Token.COMMENT, "word": Token.WORD, "number": Token.OTHER,
               "other": Token.OTHER}
_PREFIXES = frozenset("eEbBxXnNuU")


def tokens(text: str) -> Iterator[tuple[str, int, int]]:
    """Yield `(kind, start, end)` for every token of a script, whitespace and comments included.

    Raises:
        UnterminatedError: the script ends inside a quote or comment.
    """
    n = len(text)
    i = 0
    fast = _FAST_TOKEN_RE.match
    while i < n:
        match = fast(text, i)
        if match is not None:
            j = match.end()
            kind = _FAST_KINDS[match.lastgroup or "other"]
            if kind is Token.WORD and j - i == 1 and text[i] in _PREFIXES and j < n and text[j] in "'&":
                kind, j = _word_or_prefixed_string(text, i)
            yield kind, i, j
            i = j
            continue
        ch = text[i]
        if ch == "/":
            j = _skip_block_comment(text, i)
            kind = Token.COMMENT
        elif ch == "'":
            j = _skip_quoted(text, i + 1, "'", backslash=False)
            kind = Token.STRING
        elif ch == '"':
            j = _skip_quoted(text, i + 1, '"', backslash=False)
            kind = Token.QUOTED_IDENT
        elif ch == "$":
            tag = _dollar_tag(text, i)
            if tag is None:
                j = i + 1
                while j < n and text[j].isdigit():
                    j += 1
                kind = Token.OTHER
            else:
                close = text.find(tag, i + len(tag))
                if close < 0:
                    raise UnterminatedError("dollar-quoted string", i)
                j = close + len(tag)
                kind = Token.DOLLAR
        else:
            j = i + 1
            kind = {";": Token.SEMICOLON, "(": Token.OPEN, ")": Token.CLOSE}.get(ch, Token.OTHER)
        yield kind, i, j
        i = j


_TRIVIA = (Token.SPACE, Token.COMMENT)


class _RoutineBodyTracker:
    """psql's heuristic for `BEGIN ATOMIC ... END` bodies of CREATE FUNCTION/PROCEDURE."""

    def __init__(self) -> None:
        self.head: list[str] = []
        self.depth = 0

    def _is_routine(self) -> bool:
        head = self.head
        if len(head) >= 2 and head[0] == "create":
            if head[1] in ("function", "procedure"):
                return True
            return len(head) == 4 and head[1:3] == ["or", "replace"] and head[3] in ("function", "procedure")
        return False

    def word(self, lowered: str, paren_depth: int) -> None:
        if len(self.head) < 4:
            self.head.append(lowered if lowered in _ROUTINE_HEAD else "")
        if paren_depth == 0 and self._is_routine():
            if lowered == "begin":
                self.depth += 1
            elif lowered == "case" and self.depth >= 1:
                self.depth += 1
            elif lowered == "end" and self.depth > 0:
                self.depth -= 1


def split_statements(text: str) -> StatementList:
    """Split a script into statements.

    Args:
        text: the script, exactly as it will be executed.

    Returns:
        The statements in order; whitespace, comments and empty statements between them are dropped.

    Raises:
        UnterminatedError: the script ends inside a quote or comment.
    """
    spans: list[tuple[int, int]] = []
    start: int | None = None
    last_end = 0
    paren_depth = 0
    body = _RoutineBodyTracker()

    def close(end: int) -> None:
        if start is not None:
            spans.append((start, end))

    for kind, i, j in tokens(text):
        if kind in _TRIVIA:
            continue
        if kind == Token.SEMICOLON and paren_depth == 0 and body.depth == 0:
            close(j)
            start, paren_depth, body = None, 0, _RoutineBodyTracker()
            continue
        if start is None:
            start = i
        last_end = j
        if kind == Token.WORD:
            body.word(text[i:j].lower(), paren_depth)
        elif kind == Token.OPEN:
            paren_depth += 1
        elif kind == Token.CLOSE and paren_depth > 0:
            paren_depth -= 1
    if start is not None:
        close(last_end)
    return statements_at(text, spans)


def statements_at(text: str, spans: list[tuple[int, int]]) -> StatementList:
    """Statements for (start, end) spans in increasing order; lines and columns counted in one pass."""
    return StatementList(text, spans)


_KEPT_WORDS = 40
"""How many first words of a statement are remembered (the most any caller asks for)."""


def significant_words(text: str, limit: int = 12) -> list[str]:
    """The first `limit` words of a statement, lower-cased; a quoted identifier counts as "".

    Comments, strings and dollar quotes are skipped. Remembered per text: planning a file asks several times.
    """
    bucket = next((b for b in _BUCKETS if limit <= b), None)
    if bucket is None:
        return _words(text, limit)
    return list(_first_words(text, bucket)[:limit])


_BUCKETS = (4, 12, _KEPT_WORDS)
"""Word counts remembered per text: most callers want a statement's first few words only."""


@functools.lru_cache(maxsize=8192)
def _first_words(text: str, limit: int) -> tuple[str, ...]:
    return tuple(_words(text, limit))


def _words(text: str, limit: int) -> list[str]:
    words: list[str] = []
    for kind, i, j in tokens(text):
        if kind == Token.WORD:
            words.append(text[i:j].lower())
        elif kind == Token.QUOTED_IDENT:
            words.append("")
        if len(words) >= limit:
            break
    return words


def strip_comments_and_space(text: str) -> str:
    """The script with comments removed and whitespace runs folded to one space, quotes intact.

    Two scripts with the same result differ only in comments and layout.
    """
    out: list[str] = []
    gap = False
    for kind, i, j in tokens(text):
        if kind in _TRIVIA:
            gap = True
            continue
        if gap and out:
            out.append(" ")
        gap = False
        out.append(text[i:j])
    return "".join(out)
