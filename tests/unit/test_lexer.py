"""The statement splitter against hand-written cases and generated scripts (PostgreSQL's own scanner as oracle)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pglast import parser as pg_parser

from dbworkbench.core.lexer import (
    Statement,
    UnterminatedError,
    significant_words,
    split_statements,
    strip_comments_and_space,
)
from dbworkbench.core.syntax import parse_statements


def texts(script: str) -> list[str]:
    return [s.text for s in split_statements(script)]


@pytest.mark.parametrize(("script", "expected"), [
    ("select 1; select 2;", ["select 1;", "select 2;"]),
    ("select 'a;b'; select 2", ["select 'a;b';", "select 2"]),
    ("select 'it''s;'; x", ["select 'it''s;';", "x"]),
    (r"select E'\';'; y", [r"select E'\';';", "y"]),
    (r"select 'a\'; z", [r"select 'a\';", "z"]),  # standard strings: backslash is literal
    ('select ";" from "a""b;"; q', ['select ";" from "a""b;";', "q"]),
    ("select $$a;b$$; q", ["select $$a;b$$;", "q"]),
    ("select $x$ $$ ; $y$ $x$; q", ["select $x$ $$ ; $y$ $x$;", "q"]),
    ("select a$b; q", ["select a$b;", "q"]),
    ("select $1; q", ["select $1;", "q"]),
    ("/* a /* b; */ c; */ select 1; q", ["select 1;", "q"]),
    ("-- x; y\nselect 1; -- z;\nq", ["select 1;", "q"]),
    (";;; select 1;;", ["select 1;"]),
    ("create rule r as on insert to t do also (insert into a values (1); insert into b values (2)); q",
     ["create rule r as on insert to t do also (insert into a values (1); insert into b values (2));", "q"]),
    ("CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 1 END; END; q",
     ["CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 1 END; END;", "q"]),
    ("create or replace procedure p() begin atomic select 1; end; q",
     ["create or replace procedure p() begin atomic select 1; end;", "q"]),
    ("begin; select 1; end; q", ["begin;", "select 1;", "end;", "q"]),
    ("select case when x then 1 end; q", ["select case when x then 1 end;", "q"]),
    ("select U&'d\\0061t;a'; q", ["select U&'d\\0061t;a';", "q"]),
    ("select B'101', X'1F;'; q", ["select B'101', X'1F;';", "q"]),
])
def test_splits_like_postgresql(script: str, expected: list[str]) -> None:
    assert texts(script) == expected


def test_positions_are_of_the_first_token() -> None:
    script = "-- header\n\n  select 1;\n/* c */ select\n 2;"
    first, second = split_statements(script)
    assert (first.line, first.column, first.offset) == (3, 3, script.index("select 1"))
    assert (second.line, second.column) == (4, 9)
    assert script[second.offset:].startswith("select\n 2;")


@pytest.mark.parametrize("script", ["select 'abc", 'select "abc', "select $q$ abc $Q$", "/* /* */ select 1"])
def test_unterminated_is_reported(script: str) -> None:
    with pytest.raises(UnterminatedError):
        split_statements(script)


def test_significant_words_skip_comments_and_quotes() -> None:
    assert significant_words("/* x */ create unique -- y\n index concurrently \"I\" on t") == \
        ["create", "unique", "index", "concurrently", "", "on", "t"]


def test_strip_comments_keeps_quotes() -> None:
    a = "select  '--not a comment', 1 -- real comment\n/* block */ from t;"
    b = "select '--not a comment', 1\nfrom   t;"
    assert strip_comments_and_space(a) == strip_comments_and_space(b)
    assert strip_comments_and_space("select 'a  b'") != strip_comments_and_space("select 'a b'")


# --- property: generated scripts split back exactly -------------------------------------------------------------

_tag = st.from_regex(r"[a-z_][a-z0-9_]{0,4}", fullmatch=True)
_body = st.text(alphabet="ab ;'\"$\n*/-\\é", max_size=12)


@st.composite
def literal(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["string", "estring", "dollar", "number", "ident"]))
    body = draw(_body)
    if kind == "string":
        return "'" + body.replace("'", "''") + "'"
    if kind == "estring":
        return "E'" + body.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if kind == "dollar":
        tag = draw(st.one_of(st.just(""), _tag))
        delimiter = f"${tag}$"
        if delimiter in body or body.endswith("$"):
            body = body.replace("$", "")
        return f"{delimiter}{body}{delimiter}"
    if kind == "number":
        return str(draw(st.integers(0, 10_000)))
    return '"' + draw(st.text(alphabet="ab; $", min_size=1, max_size=6)).replace('"', '""') + '"'


@st.composite
def noise(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["space", "line", "block", "nested"]))
    text = draw(st.text(alphabet="ab; '\"$", max_size=8))
    if kind == "space":
        return draw(st.sampled_from([" ", "\n", "\t", "  \n "]))
    if kind == "line":
        return f" -- {text}\n"
    if kind == "block":
        return f"/* {text.replace('*/', '')} */"
    return f"/* a /* {text.replace('*/', '').replace('/*', '')} */ b */"


@st.composite
def statement(draw: st.DrawFn) -> str:
    items = draw(st.lists(literal(), min_size=1, max_size=4))
    return "SELECT " + ", ".join(items)


SPLITTERS = {"runs": parse_statements, "gutter": split_statements}
"""`core.syntax.parse_statements` splits what the executor runs; `core.lexer.split_statements` feeds the SQL
gutter and the history diff. Both must split generated scripts back exactly, at the same offsets."""


@pytest.mark.parametrize("splitter", list(SPLITTERS.values()), ids=list(SPLITTERS))
@settings(max_examples=250, deadline=None)
@given(st.lists(st.tuples(statement(), noise()), min_size=1, max_size=6), noise())
def test_generated_scripts_split_back_exactly(splitter: Callable[[str], list[Statement]],
                                              parts: list[tuple[str, str]], lead: str) -> None:
    script = lead + "".join(f"{stmt};{gap}" for stmt, gap in parts)
    found = splitter(script)
    assert [s.text for s in found] == [f"{stmt};" for stmt, _ in parts]
    for s in found:
        assert script[s.offset:s.offset + len(s.text)] == s.text
    oracle = [s.strip().rstrip(";").strip() for s in pg_parser.split(script, with_parser=False)]
    assert len(oracle) == len(found)
    for ours, theirs in zip(found, oracle, strict=False):  # libpg_query's scanner keeps leading comments with a statement
        assert theirs.endswith(ours.text.rstrip(";"))


def test_line_col_of_a_long_text_agrees_with_counting_from_the_start() -> None:
    import random

    from dbworkbench.core.lexer import line_col

    rng = random.Random(7)
    text = "".join(rng.choice(["a", "b", "\n", " ", "\n\n"]) for _ in range(20_000))
    for offset in [0, 1, len(text) - 1, len(text), *rng.sample(range(len(text)), 300)]:
        line = text.count("\n", 0, offset) + 1
        assert line_col(text, offset) == (line, offset - text.rfind("\n", 0, offset)), offset


_SHAPES = st.sampled_from([
    "SELECT 1\nUNION ALL\nSELECT 2",
    "SELECT \"quoted\nname\" FROM t",
    "SELECT E'one\\ntwo\nthree', B'10\n'",
    "/* a comment\n over lines; */ SELECT 4",
    "CREATE FUNCTION g() RETURNS int LANGUAGE plpgsql AS $body$\nBEGIN\n  RETURN 1;\nEND;\n$body$",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END",
    "INSERT INTO t VALUES (1,\n 'a;b',\n $$x;\ny$$)",
    "/* a; b */ UPDATE t SET x = 1 -- ; c\n WHERE y = 2",
    "SELECT 'it''s; here'",
])


@settings(max_examples=250, deadline=None)
@given(st.lists(st.one_of(_SHAPES, statement()), min_size=1, max_size=12), st.integers(8, 80),
       st.booleans())
def test_a_long_text_parsed_piece_by_piece_splits_as_parsed_at_once(parts: list[str], chunk: int, broken: bool) -> None:
    from unittest import mock

    from dbworkbench.core import syntax

    middle = len(parts) // 2
    script = "\n".join(f"{p};" for p in [*parts[:middle], *(["SELECT FROM WHERE"] if broken else []), *parts[middle:]])
    try:
        whole: object = [(s.text, s.offset, s.line, s.column, s.index) for s in parse_statements(script)]
    except syntax.SqlSyntaxError as exc:
        whole = ("error", exc.offset, exc.message)
    with mock.patch.object(syntax, "CHUNK_CHARS", chunk):
        try:
            pieces: object = [(s.text, s.offset, s.line, s.column, s.index) for s in parse_statements(script)]
        except syntax.SqlSyntaxError as exc:
            pieces = ("error", exc.offset, exc.message)
    assert pieces == whole
