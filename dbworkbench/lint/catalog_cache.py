"""Catalogs the project's files leave, kept between runs (`lint --replay`): one JSON file in the project's
`.dbworkbench/cache/`, each catalog filed under the hash of the files before it (their names and SQL), so editing the
newest file keeps every earlier catalog. JSON: loading it runs no code; anything wrong with it means "not cached".
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from dbworkbench.core.json_files import read_json, write_json
from dbworkbench.lint.catalog import Catalog

FORMAT = 1
"""Bumped whenever `Catalog` changes shape or what it is read from."""


def prefix_keys(files: list[tuple[str, str]], salt: str) -> list[str]:
    """For each file, the key of the catalog it meets: a hash chained over the files before it (and `salt`: the
    server's version and the placeholders)."""
    digest = hashlib.sha256(f"{FORMAT}\0{salt}".encode())
    keys = []
    for name, text in files:
        keys.append(digest.hexdigest())
        digest = hashlib.sha256(digest.digest() + name.encode() + b"\0" + text.encode())
    return keys


def to_json(catalog: Catalog) -> dict[str, Any]:
    """A JSON-ready form of `catalog`."""
    def sets(value: dict[str, Any]) -> dict[str, Any]:
        return {k: sorted(v) for k, v in value.items()}

    return {"tables": catalog.tables, "not_null_checks": sets(catalog.not_null_checks), "source": catalog.source,
            "checked": sets(catalog.checked), "sizes": catalog.sizes, "volatility": catalog.volatility,
            "indexes": {k: sorted(list(i) for i in v) for k, v in catalog.indexes.items()},
            "not_null": sets(catalog.not_null), "index_columns": catalog.index_columns,
            "views_on": [[t, c, list(v)] for (t, c), v in catalog.views_on.items()]}


def from_json(data: dict[str, Any]) -> Catalog:
    """The catalog `to_json` wrote."""
    def sets(value: dict[str, Any]) -> dict[str, frozenset[str]]:
        return {k: frozenset(v) for k, v in value.items()}

    return Catalog(data["tables"], sets(data["not_null_checks"]), data["source"], sets(data["checked"]),
                   {k: (int(v[0]), int(v[1])) for k, v in data["sizes"].items()}, data["volatility"],
                   {k: frozenset(tuple(i) for i in v) for k, v in data["indexes"].items()}, sets(data["not_null"]),
                   {k: tuple(v) for k, v in data["index_columns"].items()},
                   {(t, c): tuple(v) for t, c, v in data["views_on"]})


def load(path: Path) -> dict[str, Catalog]:
    """Key → catalog from the cache file (empty when missing or unreadable)."""
    data = read_json(path)
    try:
        if data.get("format") != FORMAT:
            return {}
        return {k: from_json(v) for k, v in data["catalogs"].items()}
    except (ValueError, KeyError, TypeError, IndexError, AttributeError):
        return {}


def save(path: Path, catalogs: dict[str, Catalog]) -> None:
    """Write the cache (a folder that cannot be written means nothing is kept)."""
    write_json(path, {"format": FORMAT, "catalogs": {k: to_json(v) for k, v in catalogs.items()}})
