from __future__ import annotations

import pytest

from dbworkbench.core.versions import Version, next_version


def test_versions_compare_numerically_part_by_part() -> None:
    ordered = ["1", "1.2", "1.2.3", "1.9", "1.10", "002.1", "10", "20261121093000"]
    parsed = [Version.parse(v) for v in reversed(ordered)]
    assert [v.text for v in sorted(parsed)] == ordered


def test_leading_zeros_and_trailing_zero_parts_are_equal() -> None:
    assert Version.parse("007") == Version.parse("7")
    assert Version.parse("1.0") == Version.parse("1")
    assert Version.parse("1_2").canonical == "1.2"


@pytest.mark.parametrize("text", ["", "1a", "v1", "1..2", "1.", ".1", "1-2"])
def test_bad_versions_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        Version.parse(text)


def test_next_version_keeps_the_style() -> None:
    assert next_version([], timestamp="20261121000000") == "001"
    assert next_version([Version.parse("009"), Version.parse("3")], timestamp="x") == "010"
    assert next_version([Version.parse("1.9")], timestamp="x") == "1.10"
    assert next_version([Version.parse("20261120093000")], timestamp="20261121000000") == "20261121000000"
