"""`roles plan|apply`: roles, memberships, grants and default privileges declared in roles/ made real on the cluster,
idempotently, with passwords only from the environment (never printed, sent as a SCRAM verifier), race-safe when
many databases of one cluster apply at once, refused cleanly on bad declarations, and checked by `drift`."""

from __future__ import annotations

import io
import itertools
import os
import textwrap
import threading
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import sql

from tests.cli.helpers import run
from tests.conftest import Project, Server

_names = itertools.count()
SECRET = "billing-Pa55-w0rd-unseen"

MIGRATION = """
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id serial PRIMARY KEY, total numeric);
CREATE FUNCTION billing.total() RETURNS numeric LANGUAGE sql AS 'SELECT sum(total) FROM billing.invoices';
CREATE TABLE plans (id int PRIMARY KEY);
-- @undo
DROP SCHEMA billing CASCADE;
DROP TABLE plans;
"""


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def _declaration(readers: str, billing: str, *, limit: int = -1) -> str:
    return textwrap.dedent(f"""
        [roles."{readers}"]

        [roles."{billing}"]
        login = true
        password_env = "BILLING_DB_PASSWORD"
        member_of = ["{readers}"]
        connection_limit = {limit}

        [[grants]]
        to = "{readers}"
        privileges = ["SELECT"]
        tables = "public.*"

        [[grants]]
        to = "{billing}"
        privileges = ["SELECT", "INSERT", "UPDATE"]
        tables = ["billing.*"]

        [[grants]]
        to = "{billing}"
        privileges = ["USAGE"]
        schemas = ["billing"]

        [[grants]]
        to = "{billing}"
        privileges = ["USAGE", "SELECT"]
        sequences = ["billing.*"]

        [[grants]]
        to = "{billing}"
        privileges = ["EXECUTE"]
        functions = ["billing.*"]

        [[grants]]
        to = "{billing}"
        privileges = ["CONNECT"]
        database = true

        [[default_privileges]]
        to = "{readers}"
        schema = "public"
        on = "tables"
        privileges = ["SELECT"]
    """)


def _drop_roles(server: Server, databases: list[str], roles: list[str]) -> None:
    with server.admin() as admin:
        present = [r for r in roles if admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (r,)).fetchone()]
    if not present:
        return
    for database in databases:
        with psycopg.connect(server.status.conninfo(database), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.SQL(", ").join(map(sql.Identifier, present))))
    with server.admin() as admin:
        for role in present:
            admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.fixture
def roles_project(any_project: Project, server: Server, monkeypatch: pytest.MonkeyPatch
                  ) -> Iterator[tuple[Project, Server, str, str]]:
    """A migrated project with roles/ declaring a readers group and a billing service (names unique to the test);
    on the owner-role server, that role may create roles for the test's length."""
    n = next(_names)
    readers, billing = f"readers_{os.getpid()}_{n}", f"Billing Svc {os.getpid()}_{n}"
    any_project.write("V1__billing.sql", MIGRATION)
    (any_project.root / "roles").mkdir()
    (any_project.root / "roles" / "services.toml").write_text(_declaration(readers, billing))
    monkeypatch.delenv("BILLING_DB_PASSWORD", raising=False)
    if server.owner:
        with server.admin() as admin:
            admin.execute(sql.SQL("ALTER ROLE {} CREATEROLE").format(sql.Identifier(server.owner)))
    databases = [psycopg.conninfo.conninfo_to_dict(c)["dbname"] for c in (any_project.conninfo,
                                                                          any_project.prod_conninfo)]
    try:
        yield any_project, server, readers, billing
    finally:
        if server.owner:
            with server.admin() as admin:
                admin.execute(sql.SQL("ALTER ROLE {} NOCREATEROLE").format(sql.Identifier(server.owner)))
        _drop_roles(server, [str(d) for d in databases], [billing, readers])


def _privileges(project: Project, role: str) -> dict[str, bool]:
    checks = {"invoices SELECT": "has_table_privilege(%(r)s, 'billing.invoices', 'SELECT')",
              "invoices INSERT": "has_table_privilege(%(r)s, 'billing.invoices', 'INSERT')",
              "invoices DELETE": "has_table_privilege(%(r)s, 'billing.invoices', 'DELETE')",
              "plans SELECT": "has_table_privilege(%(r)s, 'public.plans', 'SELECT')",
              "sequence USAGE": "has_sequence_privilege(%(r)s, 'billing.invoices_id_seq', 'USAGE')",
              "schema USAGE": "has_schema_privilege(%(r)s, 'billing', 'USAGE')",
              "function EXECUTE": "has_function_privilege(%(r)s, 'billing.total()', 'EXECUTE')",
              "database CONNECT": "has_database_privilege(%(r)s, current_database(), 'CONNECT')"}
    with psycopg.connect(project.conninfo, autocommit=True) as conn:
        row = conn.execute("SELECT " + ", ".join(checks.values()), {"r": role}).fetchone()
    assert row is not None
    return dict(zip(checks, row, strict=True))


def test_plan_apply_match_the_declaration_and_a_second_apply_does_nothing(
        roles_project: tuple[Project, Server, str, str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    project, server, readers, billing = roles_project
    assert run(capsys, "migrate")[0] == 0
    code, out, err = run(capsys, "roles", "plan")
    assert code == 0, out + err
    assert f'CREATE ROLE "{billing}" WITH LOGIN' in out and "PASSWORD '<from $BILLING_DB_PASSWORD>'" in out, out
    assert f"grant {readers} to {billing}" in out and "revoke" not in out, out

    code, out, err = run(capsys, "roles", "apply")
    assert code == 2 and "password not set" in err and "Traceback" not in err, err
    assert not project.query("SELECT 1 FROM pg_roles WHERE rolname = %s", [readers]), "nothing ran"

    monkeypatch.setenv("BILLING_DB_PASSWORD", SECRET)
    code, out, err = run(capsys, "roles", "apply")
    assert code == 0, out + err
    assert SECRET not in out + err and "applied" in out
    billing_can = _privileges(project, billing)
    assert billing_can == {"invoices SELECT": True, "invoices INSERT": True, "invoices DELETE": False,
                           "plans SELECT": True, "sequence USAGE": True, "schema USAGE": True,
                           "function EXECUTE": True, "database CONNECT": True}, billing_can
    assert _privileges(project, readers)["plans SELECT"] and not _privileges(project, readers)["invoices SELECT"]
    if server.owner is None:
        stored = project.query("SELECT rolpassword FROM pg_authid WHERE rolname = %s", [billing])[0][0]
        assert str(stored).startswith("SCRAM-SHA-256$"), "the server got a verifier, not the password"
    if server.name.startswith("pg15"):
        with psycopg.connect(host="127.0.0.1", port=server.status.port, user=billing, password=SECRET,
                             dbname=psycopg.conninfo.conninfo_to_dict(project.conninfo)["dbname"]) as conn:
            assert conn.execute("SELECT count(*) FROM billing.invoices").fetchone() == (0,)

    code, out, _ = run(capsys, "roles", "apply")
    assert code == 0 and "nothing to do" in out, out
    project.query("CREATE TABLE public.later (id int)")
    assert project.query("SELECT has_table_privilege(%s, 'public.later', 'SELECT')", [readers]) == [(True,)], \
        "default privileges reach tables created afterwards by the role that applied"


def test_changes_made_by_hand_are_drift_and_apply_puts_them_back(
        roles_project: tuple[Project, Server, str, str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    project, server, readers, billing = roles_project
    monkeypatch.setenv("BILLING_DB_PASSWORD", SECRET)
    assert run(capsys, "migrate")[0] == 0
    assert run(capsys, "roles", "apply")[0] == 0
    assert run(capsys, "drift")[0] == 0
    project.query(sql.SQL("GRANT DELETE ON billing.invoices TO {b}; REVOKE {r} FROM {b}").format(
        b=sql.Identifier(billing), r=sql.Identifier(readers)).as_string(None))
    (project.root / "roles" / "services.toml").write_text(_declaration(readers, billing, limit=5))
    code, out, _ = run(capsys, "drift")
    assert code == 5 and f"revoke DELETE on billing.invoices from {billing}" in out, out
    assert f"alter role {billing}: connection_limit" in out and f"grant {readers} to {billing}" in out, out
    code, out, _ = run(capsys, "roles", "apply", "--json")
    assert code == 0 and '"applied": true' in out, out
    assert not _privileges(project, billing)["invoices DELETE"]
    assert project.query("SELECT rolconnlimit FROM pg_roles WHERE rolname = %s", [billing]) == [(5,)]
    assert run(capsys, "drift")[0] == 0


def test_a_protected_database_asks_and_a_refusal_runs_nothing(
        roles_project: tuple[Project, Server, str, str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    project, server, readers, billing = roles_project
    monkeypatch.setenv("BILLING_DB_PASSWORD", SECRET)
    assert run(capsys, "migrate", "--env", "prod", "--yes")[0] == 0
    monkeypatch.setattr("sys.stdin", Tty("no\n"))
    code, _, err = run(capsys, "roles", "apply", "--env", "prod")
    assert code == 2 and "not confirmed" in err, err
    assert not project.query("SELECT 1 FROM pg_roles WHERE rolname = %s", [billing])
    monkeypatch.setattr("sys.stdin", Tty("prod\n"))
    code, out, err = run(capsys, "roles", "apply", "--env", "prod")
    assert code == 0 and "Type 'prod'" in err and SECRET not in out + err, out + err
    assert project.query("SELECT 1 FROM pg_roles WHERE rolname = %s", [billing]) == [(1,)]


@pytest.mark.parametrize("server", ["pg15_owner"], indirect=True)
def test_an_owner_role_without_createrole_gets_a_clear_error_and_nothing_stays(
        roles_project: tuple[Project, Server, str, str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    project, server, readers, billing = roles_project
    monkeypatch.setenv("BILLING_DB_PASSWORD", SECRET)
    assert run(capsys, "migrate")[0] == 0
    with server.admin() as admin:
        admin.execute(sql.SQL("ALTER ROLE {} NOCREATEROLE").format(sql.Identifier(server.owner or "")))
    code, _, err = run(capsys, "roles", "apply")
    assert code == 1 and "permission denied" in err and "rolled back" in err and "Traceback" not in err, err
    assert not project.query("SELECT 1 FROM pg_roles WHERE rolname = ANY(%s)", [[readers, billing]])


@pytest.mark.parametrize("server", ["pg18"], indirect=True)
@pytest.mark.parametrize(("text", "said"), [
    ('[roles.a]\nsuperuser = true\n', "not declarable"),
    ('[roles.a]\npassword = "x"\n', "never from the file"),
    ('[roles.a]\ncolour = "red"\n', "unknown key(s) colour"),
    ('[roles.a]\nlogin = "yes"\n', "login must be true or false"),
    ('[[grants]]\nto = "a"\nprivileges = ["EXECUTE"]\ntables = "public.*"\n', "not a privilege on tables"),
    ('[[grants]]\nto = "a"\nprivileges = ["SELECT"]\ntables = "public.*"\nschemas = ["x"]\n', "exactly one of"),
    ('[[grants]]\nto = "nobody_at_all_here"\nprivileges = ["SELECT"]\ntables = "public.*"\n', "unknown role"),
    ('[roles.a]\n[[grants]]\nto = "a"\nprivileges = ["SELECT"]\ntables = "public.missing"\n', "no such object"),
    ('[roles.a]\n[[grants]]\nto = "a"\nprivileges = ["USAGE"]\nschemas = "nowhere"\n', "no such schema"),
    ('roles = [1', "not valid TOML"),
])
def test_bad_declarations_are_one_paragraph_and_change_nothing(
        roles_project: tuple[Project, Server, str, str], capsys: pytest.CaptureFixture[str], text: str,
        said: str) -> None:
    project, _, _, _ = roles_project
    (project.root / "roles" / "services.toml").write_text(text)
    for action in ("plan", "apply"):
        code, _, err = run(capsys, "roles", action)
        assert code == 2 and said in err and "Traceback" not in err, (action, err)
    assert not project.query("SELECT 1 FROM pg_roles WHERE rolname = 'a'")


def _collision_is_retried(server: Server, settings: object, readers: str) -> int:
    """Another session creates one of the roles and commits while the apply waits on it: the apply's transaction
    fails with a duplicate, rolls back, and succeeds on a fresh read. Returns its attempts."""
    import time

    from dbworkbench.app import roles

    result: list[object] = []
    with server.admin() as other, server.admin() as watcher:  # pg_stat_activity is frozen inside a transaction
        other.execute("BEGIN")
        other.execute(sql.SQL("CREATE ROLE {}").format(sql.Identifier(readers)))
        worker = threading.Thread(target=lambda: result.append(roles.apply(settings)))  # type: ignore[arg-type]
        worker.start()
        for _ in range(200):
            waiting = watcher.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                    "AND query LIKE 'CREATE ROLE%%'").fetchone()
            if waiting and waiting[0]:
                break
            time.sleep(0.02)
        else:
            pytest.fail("the apply never waited on the other session's CREATE ROLE")
        other.execute("COMMIT")
        worker.join(30)
    report = result[0]
    assert isinstance(report, roles.RolesReport) and report.applied
    return report.attempts


@pytest.mark.parametrize("server", ["pg18"], indirect=True)
def test_many_databases_of_one_cluster_apply_at_once_and_collisions_are_retried(
        roles_project: tuple[Project, Server, str, str], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    project, server, readers, billing = roles_project
    monkeypatch.setenv("BILLING_DB_PASSWORD", SECRET)
    prefix = f"rolefleet{os.getpid()}"
    names = [f"{prefix}_{i}" for i in range(6)]
    with server.admin() as admin:
        for name in names:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        with (project.root / "dbworkbench.toml").open("a") as config:
            config.write(f'\n[environments.fleet]\nurl = "{server.conninfo()}"\ndatabases = "{prefix}\\\\_%"\n')
        assert run(capsys, "migrate", "--env", "fleet", "--concurrency", "6")[0] == 0
        code, out, err = run(capsys, "roles", "apply", "--env", "fleet", "--concurrency", "6")
        assert code == 0 and "6 done, 0 failed" in out, out + err
        for name in names:
            with psycopg.connect(server.conninfo(name)) as conn:
                row = conn.execute("SELECT has_table_privilege(%s, 'billing.invoices', 'INSERT')", (billing,))
                assert row.fetchone() == (True,), name
        code, out, _ = run(capsys, "roles", "plan", "--env", "fleet")
        assert code == 0 and out.count("roles in sync") == 6, out

        from dbworkbench.app import roles
        from dbworkbench.config import Overrides, load_settings

        (project.root / "roles" / "services.toml").write_text(_declaration(readers, billing, limit=7))
        settings = load_settings(project.root, Overrides(url=server.conninfo(names[0])), environ={})
        errors: list[BaseException] = []

        def apply() -> None:
            try:
                roles.apply(settings)
            except BaseException as exc:  # noqa: BLE001 — reported by the assertion below
                errors.append(exc)
        threads = [threading.Thread(target=apply) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        assert project.query("SELECT rolconnlimit FROM pg_roles WHERE rolname = %s", [billing]) == [(7,)]
        _drop_roles(server, names + [str(psycopg.conninfo.conninfo_to_dict(project.conninfo)["dbname"])],
                    [billing, readers])
        assert _collision_is_retried(server, settings, readers) == 2
    finally:
        _drop_roles(server, names, [billing, readers])
        with server.admin() as admin:
            for name in names:
                admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.mark.parametrize("server", ["pg18"], indirect=True)
def test_ci_applies_roles_on_its_scratch_database_and_removes_what_it_created(
        roles_project: tuple[Project, Server, str, str], capsys: pytest.CaptureFixture[str]) -> None:
    project, _, readers, billing = roles_project
    code, out, err = run(capsys, "ci", "--json")
    assert code == 0, out + err
    import json

    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert checks["roles"]["outcome"] == "pass" and "a second plan is empty" in checks["roles"]["summary"], checks
    assert not project.query("SELECT 1 FROM pg_roles WHERE rolname = ANY(%s)", [[readers, billing]]), \
        "the roles ci created on its scratch server are gone"
    (project.root / "roles" / "services.toml").write_text(_declaration(readers, billing).replace(
        'tables = ["billing.*"]', 'tables = ["billing.missing"]'))
    code, out, _ = run(capsys, "ci", "--json")
    checks = {c["name"]: c for c in json.loads(out)["checks"]}
    assert code == 2 and checks["roles"]["outcome"] == "fail", checks["roles"]
    assert "billing.missing" in json.dumps(checks["roles"]), checks["roles"]
