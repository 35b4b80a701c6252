"""The schema diff on hand-built models: no database. (tests/db holds the property that the diff's SQL, run on a
real server, turns A into B.)"""

from __future__ import annotations

import pytest

from dbworkbench.schema import acl, ddl
from dbworkbench.schema.diff import diff
from dbworkbench.schema.drift import targets
from dbworkbench.schema.model import Column, Constraint, EnumType, Index, SchemaInfo, SchemaSnapshot, Table, View


def snapshot(*tables: Table, views: tuple[View, ...] = (), enums: tuple[EnumType, ...] = ()) -> SchemaSnapshot:
    return SchemaSnapshot(schemas={"public": SchemaInfo("public")},
                          tables={f"{t.schema}.{t.name}": t for t in tables},
                          views={f"{v.schema}.{v.name}": v for v in views},
                          enums={f"{e.schema}.{e.name}": e for e in enums})


ACCOUNTS = Table("public", "accounts", (Column("id", "bigint", not_null=True), Column("email", "text")),
                 constraints=(Constraint("accounts_pkey", "p", "PRIMARY KEY (id)"),))


def test_identical_models_have_no_changes() -> None:
    assert diff(snapshot(ACCOUNTS), snapshot(ACCOUNTS)).empty


def test_a_new_table_is_created_with_its_columns() -> None:
    result = diff(snapshot(), snapshot(ACCOUNTS))
    create = [c for c in result.changes if c.sql.startswith("CREATE TABLE")]
    assert len(create) == 1
    assert create[0].sql.startswith('CREATE TABLE "public"."accounts" (')
    assert '"id" bigint NOT NULL' in create[0].sql and 'CONSTRAINT "accounts_pkey" PRIMARY KEY (id)' in create[0].sql
    assert not create[0].unsafe


def test_dropping_a_table_is_withheld_unless_data_loss_is_allowed() -> None:
    kept = diff(snapshot(ACCOUNTS), snapshot())
    assert not kept.changes and [c.sql for c in kept.withheld] == ['DROP TABLE "public"."accounts"']
    allowed = diff(snapshot(ACCOUNTS), snapshot(), allow_data_loss=True)
    assert [c.sql for c in allowed.changes] == ['DROP TABLE "public"."accounts"'] and allowed.changes[0].data_loss


def test_a_new_not_null_column_without_default_is_tagged_unsafe() -> None:
    wider = Table("public", "accounts", (*ACCOUNTS.columns, Column("plan", "text", not_null=True)),
                  constraints=ACCOUNTS.constraints)
    (change,) = [c for c in diff(snapshot(ACCOUNTS), snapshot(wider)).changes if "plan" in c.sql]
    assert change.sql == 'ALTER TABLE "public"."accounts" ADD COLUMN "plan" text NOT NULL'
    assert change.unsafe == ("fails if the table has rows",)


def test_indexes_come_after_the_table_they_are_on_and_views_after_their_tables() -> None:
    indexed = Table("public", "accounts", ACCOUNTS.columns, constraints=ACCOUNTS.constraints,
                    indexes=(Index("accounts_email", "CREATE INDEX accounts_email ON public.accounts USING btree (email)"),))
    view = View("public", "emails", " SELECT email FROM accounts;", depends_on=("public.accounts",))
    changes = [c.sql for c in diff(snapshot(), snapshot(indexed, views=(view,))).changes]
    table_at = next(i for i, s in enumerate(changes) if s.startswith("CREATE TABLE"))
    index_at = next(i for i, s in enumerate(changes) if "accounts_email" in s)
    view_at = next(i for i, s in enumerate(changes) if "VIEW" in s)
    assert table_at < index_at and table_at < view_at


def test_an_enum_value_added_at_the_end_is_one_alter_type() -> None:
    before = EnumType("public", "mood", ("sad", "ok"))
    after = EnumType("public", "mood", ("sad", "ok", "happy"))
    assert [c.sql for c in diff(snapshot(enums=(before,)), snapshot(enums=(after,))).changes] == \
        ["ALTER TYPE \"public\".\"mood\" ADD VALUE 'happy' AFTER 'ok'"]


@pytest.mark.parametrize(("item", "expected"), [
    ("alice=arw/owner", ("alice", {"SELECT", "INSERT", "UPDATE"}, set())),
    ("=r/owner", ("PUBLIC", {"SELECT"}, set())),
    ('"Weird Name"=r*w/owner', ("Weird Name", {"SELECT", "UPDATE"}, {"SELECT"})),
])
def test_aclitems_parse(item: str, expected: tuple[str, set[str], set[str]]) -> None:
    grantee, privileges, grantable = acl.parse(item)
    assert (grantee, set(privileges), set(grantable)) == expected


def test_acl_changes_grant_and_revoke_exactly_the_difference_and_leave_the_owner_alone() -> None:
    statements = acl.changes("TABLE public.t", ("owner=arwdDxt/owner", "alice=r/owner", "bob=rw/owner"),
                             ("owner=r/owner", "alice=r*/owner", "carol=r/owner"), owner="owner")
    assert statements == [
        'GRANT SELECT ON TABLE public.t TO "alice" WITH GRANT OPTION',
        'REVOKE SELECT, UPDATE ON TABLE public.t FROM "bob"',
        'GRANT SELECT ON TABLE public.t TO "carol"',
    ]


@pytest.mark.parametrize(("parts", "expected"), [
    (("public", "accounts"), '"public"."accounts"'),
    (("public", "Order"), '"public"."Order"'),
    (("app", 'we"ird'), '"app"."we""ird"'),
])
def test_identifiers_are_always_quoted_and_escaped(parts: tuple[str, ...], expected: str) -> None:
    assert ddl.ident(*parts) == expected
    assert ddl.qualified(".".join(parts)) == expected


def test_literals_escape_quotes() -> None:
    assert ddl.literal("it's") == "'it''s'" and ddl.literal(None) == "NULL"


@pytest.mark.parametrize(("statement", "expected"), [
    ("ALTER TABLE public.accounts ADD COLUMN x int", {"accounts"}),
    ("CREATE INDEX IF NOT EXISTS accounts_x ON public.accounts (x)", {"accounts_x", "accounts"}),
    ('COMMENT ON TABLE "Public"."Accounts" IS \'x\'', {"Accounts"}),
    ("SELECT 1", set()),
])
def test_drift_attributes_a_statement_to_the_objects_it_changes(statement: str, expected: set[str]) -> None:
    """Names fold to the unqualified, case-folded name (quoted ones keep their case), as drift matches them."""
    assert targets(statement) == expected


def test_privileges_are_compared_per_server_version_and_without_owners_entries() -> None:
    """A replay as `postgres` on 18 and the live database owned by `app` on 15 hold the same grants."""
    replayed = Table("public", "t", (Column("id", "int"),), owner="postgres",
                     acl=("postgres=arwdDxtm/postgres", "reader=r/postgres", "writer=arwdDxtm/postgres"))
    live = Table("public", "t", (Column("id", "int"),), owner="app",
                 acl=("app=arwdDxt/app", "reader=r/app", "writer=arwdDxt/app"))
    assert diff(snapshot(replayed), snapshot(live), server_major=15).empty
    on_18 = [c.sql for c in diff(snapshot(replayed), snapshot(live), server_major=18).changes]
    assert on_18 == ['REVOKE MAINTAIN ON TABLE "public"."t" FROM "writer"']


@pytest.mark.parametrize(("item", "major", "owner", "expected"), [
    ("alice=rm*/bob", 15, "bob", "alice=r/bob"),
    ("alice=rm*/bob", 17, "bob", "alice=rm*/bob"),
    ("alice=m/bob", 16, "bob", None),
    ("bob=arwdDxt/bob", 15, "bob", None),
    ("=r/bob", 15, "bob", "=r/bob"),
])
def test_one_aclitem_for_a_server(item: str, major: int, owner: str, expected: str | None) -> None:
    assert acl.for_server(item, major, owner) == expected


@pytest.mark.parametrize("parts", [("plain",), ("Mixed Case", "t"), ('quo"te', 'x""y'), ("select",), ("ü-ñ", "表"),
                                   ("a.b", "c"), ("",)])
def test_identifiers_quote_exactly_as_psycopg_does(parts: tuple[str, ...]) -> None:
    from psycopg import sql

    assert ddl.ident(*parts) == sql.Identifier(*parts).as_string(None)


def test_an_identifier_needs_parts_that_are_strings() -> None:
    with pytest.raises(TypeError):
        ddl.ident()
    with pytest.raises(TypeError):
        ddl.ident("public", 3)  # type: ignore[arg-type]


def test_a_table_equal_but_for_privileges_still_gets_its_grants_and_owner_entries_never_count() -> None:
    """Equal tables are skipped before privileges are normalized: only a table that is equal as read is."""
    owned = Table("public", "t", (Column("id", "int"),), owner="alice", acl=("alice=arwdDxtm/alice",))
    granted = Table("public", "t", (Column("id", "int"),), owner="alice",
                    acl=("alice=arwdDxtm/alice", "bob=r/alice"))
    assert [c.sql for c in diff(snapshot(owned), snapshot(granted)).changes] == ['GRANT SELECT ON TABLE "public"."t" TO "bob"']
    bare = Table("public", "t", (Column("id", "int"),), owner="alice", acl=())
    assert diff(snapshot(owned), snapshot(bare)).empty, "the owner's own entry is implicit"
    assert diff(snapshot(granted), snapshot(granted)).empty
