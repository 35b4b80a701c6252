"""The lint catalog cache (`lint.catalog_cache`): a catalog comes back as it went in, keys chain over the files
before, and a damaged cache is no cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbworkbench.lint import catalog_cache
from dbworkbench.lint.catalog import Catalog, fold


def test_a_catalog_comes_back_as_it_went_in(tmp_path: Path) -> None:
    catalog = fold(Catalog({}, sizes={"public.t": (5, 8192)}, volatility={"f": "v"}), """
        CREATE TABLE t (id int PRIMARY KEY, code varchar(20) CHECK (code IS NOT NULL), note text NOT NULL);
        CREATE UNIQUE INDEX t_code ON t (code, id);
        CREATE VIEW v AS SELECT id, code FROM t;
    """)
    path = tmp_path / "c.json"
    catalog_cache.save(path, {"k": catalog})
    assert catalog_cache.load(path) == {"k": catalog}


def test_keys_chain_over_the_files_before() -> None:
    one = catalog_cache.prefix_keys([("1", "a"), ("2", "b"), ("3", "c")], "salt")
    edited_last = catalog_cache.prefix_keys([("1", "a"), ("2", "b"), ("3", "changed")], "salt")
    edited_first = catalog_cache.prefix_keys([("1", "changed"), ("2", "b"), ("3", "c")], "salt")
    assert one == edited_last, "the newest file's catalog is the one before it: unchanged"
    assert one[0] == edited_first[0] and one[1:] != edited_first[1:] and len(set(one)) == 3
    assert catalog_cache.prefix_keys([("1", "a")], "other")[0] != one[0]


@pytest.mark.parametrize("text", ["", "not json", '{"format": 99, "catalogs": {}}', '{"format": 1, "catalogs": {"k": {}}}',
                                  '{"format": 1, "catalogs": []}'])
def test_a_damaged_cache_is_no_cache(tmp_path: Path, text: str) -> None:
    path = tmp_path / "c.json"
    path.write_text(text)
    assert catalog_cache.load(path) == {}
