from __future__ import annotations

import pytest

from dbworkbench.core.scripts import placeholder_names, split_sections, substitute, wants_no_transaction


def test_placeholders_are_filled_and_positions_map_back() -> None:
    text = "grant ${role} on ${schema}.t to x; select bad"
    result = substitute(text, {"role": "select", "schema": "a_much_longer_schema"})
    assert result.text == "grant select on a_much_longer_schema.t to x; select bad"
    assert result.original_offset(result.text.index("bad")) == text.index("bad")
    assert result.original_offset(0) == 0


def test_undefined_placeholders_are_all_named() -> None:
    with pytest.raises(KeyError) as caught:
        substitute("${a} ${b} ${a} ${c}", {"b": "1"})
    assert caught.value.args == ("a", "c")
    assert placeholder_names("${x}${y}${x}") == ["x", "y"]


def test_undo_section_splits_at_the_marker_line_only() -> None:
    sections = split_sections("select '-- @undo';\n  -- @UNDO  \ndrop table t;\n")
    assert sections.up == "select '-- @undo';\n"
    assert sections.undo == "drop table t;\n"
    assert sections.undo_line == 3


def test_no_transaction_directive() -> None:
    assert wants_no_transaction("-- dbworkbench:no-transaction\nvacuum t;")
    assert not wants_no_transaction("select '-- dbworkbench:no-transaction';")


def test_quoted_placeholder_forms_can_never_end_their_statement() -> None:
    from dbworkbench.core.scripts import placeholder_names, substitute

    hostile = "x'); DROP TABLE accounts; --"
    text = "INSERT INTO t VALUES (${v:literal});\nCREATE SCHEMA ${s:identifier};\nSELECT '${v}';\n"
    assert placeholder_names(text) == ["v", "s"]
    done = substitute(text, {"v": hostile, "s": 'we"ird'}).text
    assert "(" + "'x''); DROP TABLE accounts; --'" + ");" in done
    assert 'CREATE SCHEMA "we""ird";' in done
    assert "SELECT 'x'); DROP TABLE accounts; --';" in done, "the plain form stays raw, as documented"
