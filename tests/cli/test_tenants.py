"""Tenant schemas: an environment with `tenant_schemas` fans out over the matching schemas of one database, each with
its own history table and its connections' search_path set to it alone, so unqualified migrations land in the
tenant's schema; canary, keep-going, resume, a failure rolled back in its own tenant only, the grid, a protected
fleet asked once; a file's SET search_path never reaches the next file; the query form runs read-only."""

from __future__ import annotations

import io
import json
import os
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.cli.helpers import run
from tests.conftest import OWNER_ROLE, Server

V1 = "CREATE TABLE accounts (id int PRIMARY KEY);\n-- @undo\nDROP TABLE accounts;\n"
V2 = "CREATE TABLE orders (id int);\nALTER TABLE accounts ADD COLUMN plan text;\n-- @undo\nDROP TABLE orders;\n" \
     "ALTER TABLE accounts DROP COLUMN plan;\n"
ODD = 'tenant_Odd "one" \\x'
"""A tenant whose name needs quoting in search_path and escaping in libpq's options."""


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@dataclass
class Tenants:
    url: str
    schemas: list[str]

    def versions(self) -> list[list[str]]:
        found = []
        with psycopg.connect(self.url) as conn:
            for schema in self.schemas:
                table = sql.Identifier(schema, "dbworkbench_history")
                exists = conn.execute("SELECT to_regclass(%s)", [table.as_string(conn)]).fetchone()
                applied: list[str] = []
                rows = conn.execute(sql.SQL("SELECT version, kind FROM {} WHERE success ORDER BY installed_rank"
                                            ).format(table)).fetchall() if exists and exists[0] else []
                for version, kind in rows:  # an undo row takes its version back
                    applied = [v for v in applied if v != version] if kind == "undo" else [*applied, version]
                found.append(applied)
        return found

    def has(self, schema: str, table: str) -> bool:
        with psycopg.connect(self.url) as conn:
            row = conn.execute("SELECT to_regclass(%s)", [sql.Identifier(schema, table).as_string(conn)]).fetchone()
        return bool(row and row[0])


def _tenants(tmp_path: Path, server: Server, monkeypatch: pytest.MonkeyPatch, count: int, name: str
             ) -> Iterator[Tenants]:
    database = f"tenants{os.getpid()}x{abs(hash(name)) % 10_000}"
    with server.admin() as admin:
        owner = sql.SQL(" OWNER {}").format(sql.Identifier(server.owner)) if server.owner else sql.SQL("")
        admin.execute(sql.SQL("CREATE DATABASE {}{}").format(sql.Identifier(database), owner))
    url = server.conninfo(database)
    schemas = sorted([f"tenant_{i:02d}" for i in range(count - 1)] + [ODD])
    with psycopg.connect(url, autocommit=True) as conn:
        for schema in schemas + ["other"]:
            conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DBWORKBENCH_URL", raising=False)
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "V1__accounts.sql").write_text(V1)
    (tmp_path / "sql" / "V2__orders.sql").write_text(V2)
    (tmp_path / "dbworkbench.toml").write_text(textwrap.dedent(f"""
        default_env = "tenants"
        lock_wait = 2
        [environments.tenants]
        url = "{url}"
        tenant_schemas = "tenant\\\\_%"
        [environments.picked]
        url = "{url}"
        tenant_schemas = "SELECT nspname FROM pg_namespace WHERE nspname IN ('tenant_01', 'other') ORDER BY 1"
    """))
    try:
        yield Tenants(url, schemas)
    finally:
        with server.admin() as admin:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(database)))


@pytest.fixture
def tenants(tmp_path: Path, pg18: Server, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
            ) -> Iterator[Tenants]:
    yield from _tenants(tmp_path, pg18, monkeypatch, getattr(request, "param", 8), request.node.name)


@pytest.mark.parametrize("tenants", [50], indirect=True)
def test_fifty_tenant_schemas_each_get_their_own_tables_and_history(
        tenants: Tenants, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "targets", "--json")
    listed = json.loads(out)
    assert code == 0 and len(listed) == 50 and all("(schema tenant_" in t["database"] for t in listed), listed
    code, out, err = run(capsys, "migrate", "--concurrency", "8")
    assert code == 0, out + err
    assert "50 target(s): 50 done, 0 failed, 0 not started" in out
    assert tenants.versions() == [["1", "2"]] * 50
    assert tenants.has(ODD, "orders") and not tenants.has("public", "accounts") and not tenants.has("other", "accounts")
    code, out, _ = run(capsys, "migrate", "--json")
    assert code == 0 and {t["summary"] for t in json.loads(out)["targets"]} == {"nothing to do"}
    code, out, _ = run(capsys, "status", "--targets")
    assert code == 0 and out.count("version 2 · applied 2 · pending 0") == 50, out
    assert run(capsys, "validate")[0] == 0
    code, out, _ = run(capsys, "down", "--concurrency", "4")
    assert code == 0 and tenants.versions() == [["1"]] * 50 and not tenants.has("tenant_07", "orders"), out


def test_a_failing_tenant_rolls_back_alone_and_a_rerun_resumes_it(
        tenants: Tenants, capsys: pytest.CaptureFixture[str]) -> None:
    with psycopg.connect(tenants.url, autocommit=True) as conn:
        conn.execute("CREATE TABLE tenant_03.orders (taken int)")  # V2 fails in that tenant, after V1
    code, out, _ = run(capsys, "migrate")
    assert code == 1 and "3 done, 1 failed, 4 not started" in out, out
    assert tenants.versions() == [["1", "2"]] * 3 + [["1"]] + [[]] * 4
    with psycopg.connect(tenants.url) as conn:
        assert conn.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'tenant_03' "
                            "AND table_name = 'accounts' AND column_name = 'plan'").fetchone() == (0,)
    code, out, _ = run(capsys, "migrate", "--keep-going", "--concurrency", "3")
    assert code == 1 and "7 done, 1 failed, 0 not started" in out, out
    with psycopg.connect(tenants.url, autocommit=True) as conn:
        conn.execute("DROP TABLE tenant_03.orders")
    code, out, _ = run(capsys, "migrate", "--json")
    ran = [t["target"] for t in json.loads(out)["targets"] if t["summary"] != "nothing to do"]
    assert code == 0 and ran == ["tenants[tenant_03]"], ran
    assert tenants.versions() == [["1", "2"]] * 8


def test_a_failing_canary_tenant_stops_the_run(tenants: Tenants, capsys: pytest.CaptureFixture[str]) -> None:
    with psycopg.connect(tenants.url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE TABLE {}.accounts (x int)").format(sql.Identifier(tenants.schemas[1])))
    code, out, _ = run(capsys, "migrate", "--canary", "2", "--keep-going")
    assert code == 1 and "1 done, 1 failed, 6 not started" in out, out
    assert tenants.versions()[2:] == [[]] * 6


def test_a_protected_tenant_fleet_asks_once(tenants: Tenants, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "dbworkbench.toml"
    config.write_text(config.read_text().replace("[environments.tenants]\n", "[environments.tenants]\nprotected = true\n"))
    monkeypatch.setattr("sys.stdin", Tty("tenants\n"))
    code, out, err = run(capsys, "migrate", "--concurrency", "4")
    assert code == 0 and err.count("Type 'tenants'") == 1 and "(EACH OF 8 TARGETS)" in err, out + err
    assert tenants.versions() == [["1", "2"]] * 8


def test_a_file_s_search_path_never_reaches_the_next_file(
        tenants: Tenants, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "sql" / "V1__accounts.sql").write_text("SET search_path = other;\nSELECT 1;\n-- @undo\nSELECT 1;\n")
    (tmp_path / "sql" / "V2__orders.sql").write_text("CREATE TABLE orders (id int);\n-- @undo\nDROP TABLE orders;\n")
    code, out, _ = run(capsys, "migrate", "--concurrency", "2")
    assert code == 0, out
    assert all(tenants.has(schema, "orders") for schema in tenants.schemas)
    assert not tenants.has("other", "orders"), "V1's SET search_path reached V2"


def test_the_query_form_runs_read_only_and_drift_says_it_cannot(
        tenants: Tenants, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = run(capsys, "targets", "--env", "picked")
    assert code == 0 and [line.split()[0] for line in out.splitlines()] == ["picked[other]", "picked[tenant_01]"], out
    config = tmp_path / "dbworkbench.toml"
    config.write_text(config.read_text() + textwrap.dedent(f"""
        [environments.sneaky]
        url = "{tenants.url}"
        tenant_schemas = "WITH gone AS (DELETE FROM public.registry RETURNING name) SELECT name FROM gone"
    """))
    with psycopg.connect(tenants.url, autocommit=True) as conn:
        conn.execute("CREATE TABLE public.registry (name text); INSERT INTO public.registry VALUES ('tenant_01')")
    code, _, err = run(capsys, "migrate", "--env", "sneaky")
    assert code == 2 and "targets cannot be listed" in err and "read-only" in err and "Traceback" not in err, err
    with psycopg.connect(tenants.url) as conn:
        assert conn.execute("SELECT count(*) FROM public.registry").fetchone() == (1,)
    code, out, err = run(capsys, "drift")
    assert code == 2 and "not supported for tenant schemas" in out + err, out + err


def test_tenants_as_a_non_superuser_owner_over_tcp(tmp_path: Path, pg15_owner: Server,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert pg15_owner.owner == OWNER_ROLE
    for tenants in _tenants(tmp_path, pg15_owner, monkeypatch, 4, "owner"):
        code, out, err = run(capsys, "migrate", "--concurrency", "2")
        assert code == 0 and "4 done" in out and "password" not in out + err, out + err
        assert tenants.versions() == [["1", "2"]] * 4
        code, out, _ = run(capsys, "history", "--url", tenants.url)
        assert code == 0 and "V1__accounts" not in out, "the database's own current schema has no history"
