"""Access-control lists: parse PostgreSQL aclitems and write the GRANT / REVOKE that turn one list into another."""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Any, TypeVar

from psycopg import sql

from dbworkbench.schema.model import SchemaSnapshot

PRIVILEGES = {
    "r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "D": "TRUNCATE", "x": "REFERENCES", "t": "TRIGGER",
    "X": "EXECUTE", "U": "USAGE", "C": "CREATE", "c": "CONNECT", "T": "TEMPORARY", "m": "MAINTAIN",
}
"""aclitem letters and the privilege each stands for."""


def parse(item: str) -> tuple[str, frozenset[str], frozenset[str]]:
    """`grantee=privs/grantor` -> (grantee or PUBLIC, privileges, those WITH GRANT OPTION)."""
    grantee, _, rest = item.partition("=")
    letters = rest.partition("/")[0]
    privileges, grantable = set(), set()
    for index, letter in enumerate(letters):
        if letter == "*":
            continue
        name = PRIVILEGES.get(letter)
        if name is None:
            continue
        privileges.add(name)
        if index + 1 < len(letters) and letters[index + 1] == "*":
            grantable.add(name)
    return (grantee.strip('"') or "PUBLIC"), frozenset(privileges), frozenset(grantable)


SINCE = {"m": 17}
"""Privilege letters newer than the oldest supported server, and the major version that brought each (MAINTAIN)."""


@lru_cache(maxsize=1 << 14)
def for_server(item: str, server_major: int, owner: str | None) -> str | None:
    """One aclitem as it can exist on `server_major`, without the owner's own entry (implicit, never managed
    here, and different between a replay and the target when they run as different roles). None: nothing left."""
    grantee, _, rest = item.partition("=")
    if (grantee.strip('"') or "PUBLIC") == owner:
        return None
    letters, slash, grantor = rest.partition("/")
    kept = "".join(c for i, c in enumerate(letters) if not (
        c in SINCE and server_major < SINCE[c] or c == "*" and i and letters[i - 1] in SINCE
        and server_major < SINCE[letters[i - 1]]))
    return f"{grantee}={kept}{slash}{grantor}" if kept else None


def _acl(items: tuple[str, ...], server_major: int, owner: str | None) -> tuple[str, ...]:
    return tuple(sorted(filter(None, (for_server(i, server_major, owner) for i in items))))


Keyed = TypeVar("Keyed")


def _normal(objects: dict[str, Keyed], other: dict[str, Keyed], fix: Any) -> dict[str, Keyed]:
    # An object equal to its counterpart on the other side makes no statement either way, so it is left as
    # read (most objects of a large schema: a 2 000-table diff saved 40 ms).
    return {k: v if other.get(k) == v else fix(v) for k, v in objects.items()}


def normalized(snapshot: SchemaSnapshot, server_major: int, other: SchemaSnapshot | None = None) -> SchemaSnapshot:
    """The snapshot's privileges as a diff compares them: per server version, owners' entries left out.

    With `other` (the diff's other side), objects equal to their counterpart there are left as they are."""
    against = other or SchemaSnapshot()
    return replace(
        snapshot,
        schemas=_normal(snapshot.schemas, against.schemas,
                        lambda v: replace(v, acl=_acl(v.acl, server_major, v.owner))),
        tables=_normal(snapshot.tables, against.tables, lambda v: replace(
            v, acl=_acl(v.acl, server_major, v.owner),
            column_acl=tuple((c, i) for c, item in v.column_acl
                             if (i := for_server(item, server_major, None)) is not None))),
        views=_normal(snapshot.views, against.views, lambda v: replace(v, acl=_acl(v.acl, server_major, v.owner))),
        functions=_normal(snapshot.functions, against.functions,
                          lambda v: replace(v, acl=_acl(v.acl, server_major, v.owner))),
        default_privileges=tuple(replace(d, acl=_acl(d.acl, server_major, d.role))
                                 for d in snapshot.default_privileges))


def without_grantees(snapshot: SchemaSnapshot, grantees: frozenset[str]) -> SchemaSnapshot:
    """The snapshot without the privileges held by `grantees` (those roles/ manages, which `roles plan` checks)."""
    if not grantees:
        return snapshot

    def keep(items: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(i for i in items if parse(i)[0] not in grantees)
    return replace(
        snapshot,
        schemas={k: replace(v, acl=keep(v.acl)) for k, v in snapshot.schemas.items()},
        tables={k: replace(v, acl=keep(v.acl), column_acl=tuple((c, i) for c, i in v.column_acl
                                                                if parse(i)[0] not in grantees))
                for k, v in snapshot.tables.items()},
        views={k: replace(v, acl=keep(v.acl)) for k, v in snapshot.views.items()},
        functions={k: replace(v, acl=keep(v.acl)) for k, v in snapshot.functions.items()},
        default_privileges=tuple(replace(d, acl=keep(d.acl)) for d in snapshot.default_privileges))


def _who(grantee: str) -> str:
    return "PUBLIC" if grantee == "PUBLIC" else sql.Identifier(grantee).as_string(None)


def changes(object_sql: str, before: tuple[str, ...], after: tuple[str, ...], *, owner: str | None = None,
            columns: str = "") -> list[str]:
    """GRANT/REVOKE statements turning `before` into `after` on one object (`TABLE x`, `FUNCTION f(int)`, ...).

    The owner's own entry is left alone: ownership is not managed here.
    """
    old = {g: (p, o) for g, p, o in map(parse, before)}
    new = {g: (p, o) for g, p, o in map(parse, after)}
    statements = []
    for grantee in sorted(set(old) | set(new)):
        if grantee == owner:
            continue
        had, had_option = old.get(grantee, (frozenset(), frozenset()))
        has, has_option = new.get(grantee, (frozenset(), frozenset()))
        if (had, had_option) == (has, has_option):
            continue
        with_columns = f" ({columns})" if columns else ""
        if had - has:
            statements.append(f"REVOKE {', '.join(p + with_columns for p in sorted(had - has))} ON {object_sql} "
                              f"FROM {_who(grantee)}")
        plain = (has - had) | (has & had & (had_option - has_option))
        if plain - has_option:
            statements.append(f"GRANT {', '.join(p + with_columns for p in sorted(plain - has_option))} "
                              f"ON {object_sql} TO {_who(grantee)}")
        if has_option - had_option:
            statements.append(f"GRANT {', '.join(p + with_columns for p in sorted(has_option - had_option))} "
                              f"ON {object_sql} TO {_who(grantee)} WITH GRANT OPTION")
        if had_option - has_option and had_option & has:
            statements.append(f"REVOKE GRANT OPTION FOR {', '.join(sorted(had_option - has_option))} "
                              f"ON {object_sql} FROM {_who(grantee)}")
    return statements
