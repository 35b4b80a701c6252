"""Introspection reads every object kind, on PostgreSQL 18 and 15."""

from __future__ import annotations

from pathlib import Path

import psycopg

from dbworkbench.schema.introspect import QUERIES, introspect
from tests.conftest import Project, Server

EVERYTHING = Path(__file__).resolve().parents[1] / "data" / "every_object_kind.sql"


def test_every_object_kind_is_read(any_project: Project, server: Server) -> None:
    """Also as a non-superuser database owner over TCP (roles are per cluster: the admin creates that one)."""
    project = any_project
    with server.admin() as admin:
        admin.execute("DO $$ BEGIN CREATE ROLE dbwb_reader_test; EXCEPTION WHEN duplicate_object THEN NULL; END $$")
    script = EVERYTHING.read_text().replace("CREATE ROLE dbwb_reader_test;", "")
    with psycopg.connect(project.conninfo, autocommit=True) as conn:
        conn.execute(script)
        model = introspect(conn)
    assert set(model.schemas) >= {"app", "public"} and model.schemas["app"].comment == "the application"
    assert any("dbwb_reader_test=U/" in item for item in model.schemas["app"].acl)
    assert model.enums["app.mood"].labels == ("ok", "meh", "great")
    domain = model.domains["app.positive"]
    assert (domain.base, domain.not_null, domain.default, domain.checks) == ("integer", True, "1", ("CHECK ((VALUE > 0))",))
    assert model.composites["app.money_pair"].attributes == (("amount", "numeric(12,2)"), ("currency", "character(3)"))
    seq = model.sequences["app.ticket_seq"]
    assert (seq.start, seq.increment, seq.minimum, seq.maximum, seq.cache, seq.cycle, seq.owned_by) == \
        (100, 5, 100, 100000, 3, True, "app.customers.score")
    customers = model.tables["app.customers"]
    columns = {c.name: c for c in customers.columns}
    assert columns["id"].identity == "d" and "app.customers_id_seq" not in model.sequences
    assert columns["email"].type == "citext" and columns["email"].comment == "login"
    assert columns["name"].collation == '"C"' and columns["mood"].default == "'ok'::app.mood"
    assert columns["name_upper"].generated == "upper(name)"
    assert customers.comment == "people"
    assert {c for c, item in customers.column_acl if item.startswith("dbwb_reader_test=r/")} == {"id", "email"}
    orders = model.tables["app.orders"]
    kinds = {c.name: (c.kind, c.validated) for c in orders.constraints}
    assert kinds["orders_note_short"] == ("c", False) and any(k == ("x", True) for k in kinds.values())
    fk = next(c for c in orders.constraints if c.kind == "f")
    assert "ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED" in fk.definition
    assert {i.name for i in orders.indexes} == {"orders_note_partial", "orders_lower_note"}
    assert "INCLUDE (amount)" in next(i.definition for i in orders.indexes if i.name == "orders_lower_note")
    assert orders.rls and orders.policies[0].roles == ("dbwb_reader_test",) and orders.policies[0].using == "(amount < (1000)::numeric)"
    assert [t.name for t in orders.triggers] == ["orders_touch"]
    assert any(item.startswith("dbwb_reader_test=r/") for item in orders.acl)
    assert model.views["app.big_orders"].depends_on == ("app.customers", "app.orders")
    assert model.views["app.order_totals"].materialized
    assert {f.signature for f in model.functions.values()} == {"app.touch()", "app.archive(IN days integer)"} or \
        {f.signature for f in model.functions.values()} == {"app.touch()", "app.archive(days integer)"}
    assert any(item.startswith("dbwb_reader_test=X/") for item in model.functions["app.touch()"].acl)
    assert "citext" in model.extensions and not any(f.name.startswith("citext") for f in model.functions.values())
    events = model.tables["app.events"]
    assert events.partition_key == "RANGE (at)" and [i.name for i in events.indexes] == ["events_kind"]
    part = model.tables["app.events_2026"]
    assert part.partition_of == "app.events" and "FOR VALUES FROM" in (part.partition_bound or "")
    assert part.indexes == (), "attached partition indexes come with the parent's"
    assert any(d.schema == "app" and d.object_type == "r" for d in model.default_privileges)
    with psycopg.connect(project.conninfo, autocommit=True) as conn:
        conn.execute("DROP SCHEMA app CASCADE")  # the role stays: it is the cluster's, and other runs reuse it
    assert len(QUERIES) == 15, "one query per object kind"


DEFAULTS = '''
CREATE SCHEMA "Odd ""schema""";
CREATE SEQUENCE "Odd ""schema""".s;
CREATE FUNCTION "Odd ""schema""".pick() RETURNS int LANGUAGE sql AS 'SELECT 7';
CREATE TYPE "Odd ""schema""".pair AS (a int, b text);
CREATE TABLE "Odd ""schema""".t (
    a int DEFAULT nextval('"Odd ""schema""".s'::regclass),
    b timestamptz DEFAULT now() + interval '1 day',
    c text[] DEFAULT ARRAY['x', 'y''z'],
    d int DEFAULT "Odd ""schema""".pick(),
    e "Odd ""schema""".pair DEFAULT ROW(1, 'q'),
    f numeric DEFAULT (2.5)::numeric(4,1),
    g int GENERATED ALWAYS AS (a * 2 + d) STORED,
    h text GENERATED ALWAYS AS (c[1] || 'h') STORED,
    i jsonb DEFAULT '{"k": [1, 2]}'::jsonb,
    j serial
);
COMMENT ON COLUMN "Odd ""schema""".t.b IS 'when';
GRANT SELECT (a, j) ON "Odd ""schema""".t TO PUBLIC;
'''


def test_defaults_and_generated_expressions_read_as_the_server_deparses_them(any_database: str,
                                                                             server: Server) -> None:
    """Plain defaults are deparsed without opening their table, generated columns against it: both must say
    exactly what pg_get_expr(adbin, adrelid) says, whatever the names (the diff compares these strings)."""
    with psycopg.connect(server.conninfo(any_database), autocommit=True) as conn:
        conn.execute(DEFAULTS)
        model = introspect(conn)
        expected: dict[str, str] = dict(conn.execute(
            "SELECT a.attname, pg_get_expr(d.adbin, d.adrelid) FROM pg_attrdef d JOIN pg_attribute a "
            "ON a.attrelid = d.adrelid AND a.attnum = d.adnum WHERE d.adrelid = '\"Odd \"\"schema\"\"\".t'::regclass"
        ).fetchall())
    columns = {c.name: c for c in model.tables['Odd "schema".t'].columns}
    read = {name: c.generated or c.default for name, c in columns.items()}
    assert read == expected and len(expected) == 10
    assert columns["g"].generated and columns["g"].default is None and columns["a"].generated is None
    assert columns["b"].comment == "when" and columns["c"].comment is None
    acl = model.tables['Odd "schema".t'].column_acl
    assert {c for c, _ in acl} == {"a", "j"} and all(item.startswith("=r/") for _, item in acl)


def test_introspecting_over_connections_hides_the_history_table_of_the_current_schema(database: str,
                                                                                    pg18: Server) -> None:
    """The function form of `hidden` is asked with the lead connection's current schema (search_path)."""
    from dbworkbench.schema.introspect import introspect_conninfo

    with psycopg.connect(pg18.conninfo(database), autocommit=True) as conn:
        conn.execute("CREATE SCHEMA other; CREATE TABLE other.history (id int); CREATE TABLE public.history (id int)")
    asked: list[str] = []

    def hidden(current: str) -> frozenset[str]:
        asked.append(current)
        return frozenset({f"{current}.history"})
    url = pg18.conninfo(database)
    model = introspect_conninfo(url + " options=-csearch_path=other", hidden=hidden, connect_timeout=5)
    assert asked == ["other"] and "other.history" not in model.tables and "public.history" in model.tables
    assert set(introspect_conninfo(url, hidden=hidden).tables) >= {"other.history"} and asked[-1] == "public"
