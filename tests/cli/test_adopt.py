"""Adopting a project another tool migrated, and reading its layout in place.

golang-migrate and Flyway are not installable on this machine (see ../shared/peers/README.md), so their history is
written here the way their PostgreSQL drivers write it: golang-migrate's `schema_migrations(version, dirty)` set
dirty before each file and clean after, each file run as one multi-statement query; Flyway's
`flyway_schema_history` with checksums computed by a Java program that does what Flyway's ChecksumCalculator does
(the independent oracle for our CRC32). dbmate is the real tool where the peers are installed
(`../shared/peers/install.sh`); without it the same test runs on the table dbmate creates.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.cli.helpers import run
from tests.conftest import Server

HARBOR = Path(__file__).parents[1] / "data" / "harbor" / "sql"
PEER_DBMATE = Path(os.environ.get("PEERLAB", "/tmp/peerlab")) / "node" / "node_modules" / ".bin" / "dbmate"


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def databases(pg18: Server, request: pytest.FixtureRequest) -> Iterator[list[str]]:
    """Two empty databases: one the other tool starts and dbworkbench continues, one the other tool does alone."""
    prefix = f"adopt{os.getpid()}x{abs(hash(request.node.name)) % 10_000}"
    names = [f"{prefix}_a", f"{prefix}_b"]
    with pg18.admin() as admin:
        for name in names:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield [pg18.conninfo(n) for n in names]
    finally:
        with pg18.admin() as admin:
            for name in names:
                admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def _project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str, layout: str | None, *,
             protected: bool = False) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DBWORKBENCH_URL", raising=False)
    folder = tmp_path / "migrations"
    folder.mkdir()
    lines = ['migrations = "migrations"', 'default_env = "app"'] + ([f'layout = "{layout}"'] if layout else [])
    live = f'[environments.live]\nurl = "{url}"\nprotected = true\n' if protected else ""
    (tmp_path / "dbworkbench.toml").write_text("\n".join(lines) + f'\n[environments.app]\nurl = "{url}"\n{live}')
    return folder


def _golang_layout(folder: Path, upto: int = 39) -> list[Path]:
    """harbor's files under golang-migrate's names (its own bookkeeping file left out: golang-migrate makes it)."""
    written = []
    for path in sorted(HARBOR.glob("V*.sql"), key=lambda p: int(p.name[1:].split("__")[0])):
        number, _, rest = path.name[1:].partition("__")
        if 0 < int(number) <= upto:
            target = folder / f"{int(number):04d}_{rest[:-4]}.up.sql"
            target.write_text(path.read_text())
            written.append(target)
    return written


def golang_migrate_up(url: str, files: list[Path]) -> None:
    """What golang-migrate's postgres driver does for `migrate up`: version set dirty, the file as one query, clean."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version bigint NOT NULL PRIMARY KEY, "
                     "dirty boolean NOT NULL)")
        for path in files:
            version = int(path.name.split("_")[0])
            with conn.transaction():
                conn.execute("TRUNCATE schema_migrations")
                conn.execute("INSERT INTO schema_migrations (version, dirty) VALUES (%s, true)", [version])
            conn.execute(path.read_text().encode())
            with conn.transaction():
                conn.execute("TRUNCATE schema_migrations")
                conn.execute("INSERT INTO schema_migrations (version, dirty) VALUES (%s, false)", [version])


def _schema_difference(left: str, right: str) -> list[str]:
    from dbworkbench.schema.diff import diff
    from dbworkbench.schema.introspect import introspect

    hidden = frozenset({"public.dbworkbench_history", "public.dbworkbench_history_events", "public.schema_migrations",
                        "public.flyway_schema_history", "public.databasechangelog", "public.databasechangeloglock"})
    with psycopg.connect(left) as a, psycopg.connect(right) as b:
        changes = diff(introspect(a, hidden=hidden), introspect(b, hidden=hidden), allow_data_loss=True).changes
    return [c.sql for c in changes]


def test_golang_migrate_harbor_half_way_adopted_then_finished_by_dbworkbench(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        databases: list[str]) -> None:
    ours, theirs = databases
    folder = _project(tmp_path, monkeypatch, ours, "golang-migrate")
    files = _golang_layout(folder)
    golang_migrate_up(ours, files[:20])
    golang_migrate_up(theirs, files)
    code, out, err = run(capsys, "adopt", "--from", "golang-migrate", "--dry-run")
    assert code == 0 and "-- record 0020_" in out and "INSERT INTO" in out, out + err
    code, out, _ = run(capsys, "status", "--json")
    assert json.loads(out)["summary"]["applied"] == 0, "the dry run wrote nothing"
    code, out, err = run(capsys, "adopt", "--from", "golang-migrate")
    assert code == 0 and "20 applied, 19 pending" in out and "keeps no checksums" in out, out + err
    code, out, _ = run(capsys, "status", "--json")
    summary = json.loads(out)["summary"]
    assert (summary["applied"], summary["pending"]) == (20, 19), summary
    assert run(capsys, "validate")[0] == 0
    code, out, err = run(capsys, "migrate")
    assert code == 0, out + err
    assert _schema_difference(ours, theirs) == []
    with psycopg.connect(ours) as conn:
        assert conn.execute("SELECT version, dirty FROM schema_migrations").fetchall() == [(20, False)], \
            "golang-migrate's own history is left as it was"
    code, out, _ = run(capsys, "adopt", "--from", "golang-migrate")
    assert code == 0 and "nothing to record" in out


def test_a_dirty_golang_migrate_version_refuses_and_writes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        databases: list[str]) -> None:
    folder = _project(tmp_path, monkeypatch, databases[0], None)
    files = _golang_layout(folder, upto=3)
    golang_migrate_up(databases[0], files[:2])
    with psycopg.connect(databases[0], autocommit=True) as conn:
        conn.execute("UPDATE schema_migrations SET version = 3, dirty = true")
    code, out, err = run(capsys, "adopt", "--from", "golang-migrate")
    assert code == 5 and "dirty" in err and "force 3" in err and "Traceback" not in err, out + err
    with psycopg.connect(databases[0]) as conn:
        assert conn.execute("SELECT to_regclass('dbworkbench_history')").fetchone() == (None,)
    (tmp_path / "flyway_sql").mkdir()
    code, _, err = run(capsys, "adopt", "--from", "flyway", "--migrations", "flyway_sql")
    assert code == 2 and "no flyway history table" in err, err
    code, _, err = run(capsys, "adopt", "--from", "golang-migrate", "--table", "x; drop table y")
    assert code == 2 and "schema.table" in err, err


def test_without_the_layout_set_status_reads_golang_names_only_when_told(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        databases: list[str]) -> None:
    folder = _project(tmp_path, monkeypatch, databases[0], None)
    _golang_layout(folder, upto=2)
    (folder / "0002_2_0_0_schema.down.sql").write_text("SELECT 1;\n")
    (folder / "0007_orphan.down.sql").write_text("SELECT 1;\n")
    code, _, err = run(capsys, "status")
    assert code == 2 and "V<version>__<description>.sql" in err, err
    code, _, err = run(capsys, "status", "--layout", "golang-migrate")
    assert code == 2 and "0007_orphan.down.sql: a down file without its up file" in err, err
    (folder / "0007_orphan.down.sql").unlink()
    code, out, _ = run(capsys, "status", "--layout", "golang-migrate", "--json")
    assert code == 0 and json.loads(out)["summary"]["pending"] == 2, out


DBMATE_FILES = {
    "20240101000000_accounts.sql": "-- migrate:up\nCREATE TABLE accounts (id int PRIMARY KEY, name text);\n\n"
                                   "-- migrate:down\nDROP TABLE accounts;\n",
    "20240102000000_orders.sql": "-- migrate:up\nCREATE TABLE orders (id int, account int REFERENCES accounts);\n"
                                 "-- migrate:down\nDROP TABLE orders;\n",
    "20240103000000_index.sql": "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY orders_account ON "
                                "orders (account);\n\n-- migrate:down\nDROP INDEX orders_account;\n",
}


def _dbmate(url: str, folder: Path) -> None:
    if PEER_DBMATE.exists():
        from psycopg.conninfo import conninfo_to_dict

        params = conninfo_to_dict(url)
        socket = params["host"]
        dsn = f"postgres://{params['user']}@/{params['dbname']}?socket={socket}&port={params.get('port', 5432)}"
        subprocess.run([str(PEER_DBMATE), "--url", dsn, "--migrations-dir", str(folder), "--no-dump-schema", "up"],
                       check=True, capture_output=True, timeout=120)
        return
    with psycopg.connect(url, autocommit=True) as conn:  # the table and rows dbmate 2 writes
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version varchar(128) PRIMARY KEY)")
        for path in sorted(folder.glob("*.sql")):
            up = re.split(r"^-- migrate:down", path.read_text(), flags=re.MULTILINE)[0]
            conn.execute(up.encode())
            conn.execute("INSERT INTO schema_migrations VALUES (%s) ON CONFLICT DO NOTHING", [path.name.split("_")[0]])


def test_dbmate_adopted_then_continued_and_undone_in_its_own_layout(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        databases: list[str]) -> None:
    ours, theirs = databases
    folder = _project(tmp_path, monkeypatch, ours, "dbmate")
    names = sorted(DBMATE_FILES)
    part = tmp_path / "dbmate_part"
    part.mkdir()
    for name in names:
        (folder / name).write_text(DBMATE_FILES[name])
    (part / names[0]).write_text(DBMATE_FILES[names[0]])
    _dbmate(ours, part)
    _dbmate(theirs, folder)
    code, out, err = run(capsys, "adopt", "--from", "dbmate")
    assert code == 0 and "1 applied, 2 pending" in out, out + err
    code, out, err = run(capsys, "migrate")
    assert code == 0 and _schema_difference(ours, theirs) == [], out + err
    code, out, _ = run(capsys, "down", "--steps", "2")
    assert code == 0, out
    with psycopg.connect(ours) as conn:
        assert conn.execute("SELECT to_regclass('orders'), to_regclass('accounts')::text").fetchone() == \
            (None, "accounts")
        assert conn.execute("SELECT version FROM schema_migrations").fetchall() == [("20240101000000",)]


@pytest.mark.skipif(shutil.which("java") is None, reason="java runs the Flyway checksum oracle")
def test_flyway_checksums_are_verified_and_a_changed_file_refuses(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        databases: list[str]) -> None:
    folder = _project(tmp_path, monkeypatch, databases[0], "flyway", protected=True)
    files = {"V1__accounts.sql": "\ufeffCREATE TABLE accounts (id int);\r\n-- a comment\r\n",
             "V1.1__plans.sql": "CREATE TABLE plans (id int);\n\n",
             "V2__orders.sql": "CREATE TABLE orders (id int);\n",
             "R__report.sql": "CREATE OR REPLACE VIEW report AS SELECT 1 AS one;\n"}
    for name, text in files.items():
        (folder / name).write_bytes(text.encode())
    crc = _java_flyway_checksums(tmp_path, [folder / n for n in files])
    with psycopg.connect(databases[0], autocommit=True) as conn:
        conn.execute("CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50), "
                     "description varchar(200) NOT NULL, type varchar(20) NOT NULL, script varchar(1000) NOT NULL, "
                     "checksum int, installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT "
                     "now(), execution_time int NOT NULL, success boolean NOT NULL)")
        rows = [(1, "1", "accounts", "SQL", "V1__accounts.sql", crc["V1__accounts.sql"]),
                (2, "1.1", "plans", "SQL", "V1.1__plans.sql", crc["V1.1__plans.sql"]),
                (3, None, "report", "SQL", "R__report.sql", crc["R__report.sql"])]
        for row in rows:
            conn.execute("INSERT INTO flyway_schema_history VALUES (%s, %s, %s, %s, %s, %s, 'flyway', now(), 1, "
                         "true)", row)
        conn.execute("CREATE TABLE accounts (id int); CREATE TABLE plans (id int); "
                     "CREATE VIEW report AS SELECT 1 AS one")
    (folder / "V1.1__plans.sql").write_text("CREATE TABLE plans (id bigint);\n")
    code, _, err = run(capsys, "adopt", "--from", "flyway")
    assert code == 5 and "V1.1__plans.sql" in err and "changed since" in err, err
    (folder / "V1.1__plans.sql").write_bytes(files["V1.1__plans.sql"].encode())
    monkeypatch.setattr("sys.stdin", Tty("live\n"))
    code, out, err = run(capsys, "adopt", "--from", "flyway", "--env", "live")
    assert code == 0 and err.count("Type 'live'") == 1, out + err
    assert "3 applied, 1 pending" in out and "recorded R__report.sql" in out, out
    code, out, _ = run(capsys, "migrate", "--env", "live", "--yes", "--json")
    assert code == 0 and [s["script"] for s in json.loads(out)["steps"]] == ["migrations/V2__orders.sql"], out


def test_flyway_failed_rows_refuse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                   capsys: pytest.CaptureFixture[str], databases: list[str]) -> None:
    folder = _project(tmp_path, monkeypatch, databases[0], "flyway")
    (folder / "V1__a.sql").write_text("SELECT 1;\n")
    with psycopg.connect(databases[0], autocommit=True) as conn:
        conn.execute("CREATE TABLE flyway_schema_history (installed_rank int, version varchar(50), description "
                     "varchar(200), type varchar(20), script varchar(1000), checksum int, success boolean)")
        conn.execute("INSERT INTO flyway_schema_history VALUES (1, '1', 'a', 'SQL', 'V1__a.sql', 1, false)")
    code, _, err = run(capsys, "adopt", "--from", "flyway")
    assert code == 5 and "flyway repair" in err, err


JAVA_ORACLE = """
import java.io.*; import java.nio.charset.StandardCharsets; import java.nio.file.*; import java.util.zip.CRC32;
public class FlywayCrc { public static void main(String[] args) throws Exception {
  for (String name : args) { CRC32 crc = new CRC32();
    try (BufferedReader r = Files.newBufferedReader(Paths.get(name), StandardCharsets.UTF_8)) {
      String line = r.readLine(); if (line != null) { if (line.startsWith("\\ufeff")) line = line.substring(1);
        do { crc.update(line.getBytes(StandardCharsets.UTF_8)); } while ((line = r.readLine()) != null); } }
    System.out.println(Paths.get(name).getFileName() + " " + (int) crc.getValue()); } } }
"""
"""Flyway's ChecksumCalculator, line by line with the BOM dropped (the algorithm, written out for Java 17)."""


def _java_flyway_checksums(tmp_path: Path, paths: list[Path]) -> dict[str, int]:
    source = tmp_path / "FlywayCrc.java"
    source.write_text(JAVA_ORACLE)
    out = subprocess.run(["java", str(source), *map(str, paths)], check=True, capture_output=True, text=True,
                         timeout=120).stdout
    return {name: int(value) for name, value in (line.split(" ") for line in out.splitlines())}


SQITCH_PLAN = """%syntax-version=1.0.0
%project=flipr

appschema 2026-01-01T00:00:00Z Ann <ann@example.com> # Add schema
users [appschema] 2026-01-02T00:00:00Z Ann <ann@example.com> # Users
@v1.0 2026-01-03T00:00:00Z Ann <ann@example.com> # Tag v1.0
users [users@v1.0] 2026-01-04T00:00:00Z Ann <ann@example.com> # Add twitter
"""
SQITCH_SCRIPTS = {
    "deploy/appschema.sql": "-- Deploy flipr:appschema to pg\n\nBEGIN;\n\nCREATE SCHEMA flipr;\n\nCOMMIT;\n",
    "revert/appschema.sql": "BEGIN;\nDROP SCHEMA flipr;\nCOMMIT;\n",
    "deploy/users@v1.0.sql": "BEGIN;\nCREATE TABLE flipr.users (nickname text PRIMARY KEY, password text NOT NULL);\n"
                             "COMMIT;\n",
    "revert/users@v1.0.sql": "BEGIN;\nDROP TABLE flipr.users;\nCOMMIT;\n",
    "deploy/users.sql": "BEGIN;\nALTER TABLE flipr.users ADD COLUMN twitter text;\nCOMMIT;\n",
    "revert/users.sql": "BEGIN;\nALTER TABLE flipr.users DROP COLUMN twitter;\nCOMMIT;\n",
    "verify/users.sql": "SELECT twitter FROM flipr.users WHERE false;\n",
}


def _sqitch(url: str, folder: Path, to: str | None = None) -> None:
    """Deploy with the real Sqitch where it is installed, else write the rows its registry holds."""
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(url)
    if shutil.which("sqitch"):
        env = {**os.environ, "PGHOST": str(params["host"]), "PGPORT": str(params.get("port", 5432)),
               "PGUSER": str(params["user"]), "SQITCH_FULLNAME": "Ann", "SQITCH_EMAIL": "ann@example.com"}
        subprocess.run(["sqitch", "deploy", "--target", f"db:pg:{params['dbname']}", *(["--to", to] if to else [])],
                       cwd=folder, env=env, check=True, capture_output=True, timeout=120)
        return
    import hashlib

    scripts = ["deploy/appschema.sql", "deploy/users@v1.0.sql", "deploy/users.sql"]
    names = ["appschema", "users", "users"]
    count = 2 if to == "users@v1.0" else len(scripts)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA sqitch; CREATE TABLE sqitch.changes (change_id text PRIMARY KEY, "
                     "script_hash text, change text NOT NULL, project text NOT NULL, committed_at timestamptz "
                     "NOT NULL DEFAULT clock_timestamp())")
        for index in range(count):
            text = (folder / scripts[index]).read_text()
            conn.execute(text.replace("BEGIN;", "").replace("COMMIT;", "").encode())
            conn.execute("INSERT INTO sqitch.changes (change_id, script_hash, change, project) VALUES "
                         "(%s, %s, %s, 'flipr')", [f"id{index}", hashlib.sha1(text.encode()).hexdigest(),
                                                   names[index]])


def test_sqitch_adopted_part_way_then_continued_and_a_changed_script_refuses(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        databases: list[str]) -> None:
    ours, theirs = databases
    folder = _project(tmp_path, monkeypatch, ours, "sqitch")
    (folder / "sqitch.plan").write_text(SQITCH_PLAN)
    (folder / "sqitch.conf").write_text("[core]\n\tengine = pg\n")
    for name, text in SQITCH_SCRIPTS.items():
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text(text)
    _sqitch(ours, folder, to="users@v1.0")
    _sqitch(theirs, folder)
    code, out, err = run(capsys, "status")
    assert code == 0 and "pending 3" in out, out + err
    edited = folder / "deploy" / "users@v1.0.sql"
    edited.write_text(SQITCH_SCRIPTS["deploy/users@v1.0.sql"] + "-- later edit\n")
    code, _, err = run(capsys, "adopt", "--from", "sqitch")
    assert code == 5 and "changed since Sqitch deployed" in err and "users@v1.0.sql" in err, err
    edited.write_text(SQITCH_SCRIPTS["deploy/users@v1.0.sql"])
    code, out, err = run(capsys, "adopt", "--from", "sqitch")
    assert code == 0 and "2 applied, 1 pending" in out and "verify/" in out, out + err
    code, out, err = run(capsys, "migrate")
    assert code == 0 and _schema_difference(ours, theirs) == [], out + err
    code, out, err = run(capsys, "down")
    assert code == 0 and "revert/users.sql" in out + err, out + err
    with psycopg.connect(ours) as conn:
        assert conn.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'flipr' AND "
                            "column_name = 'twitter'").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM sqitch.changes").fetchone() == (2,), "Sqitch's registry untouched"
    (folder / "sqitch.plan").write_text(SQITCH_PLAN.replace("appschema 2026", "renamed 2026", 1))
    (folder / "deploy" / "renamed.sql").write_text(SQITCH_SCRIPTS["deploy/appschema.sql"])
    code, _, err = run(capsys, "adopt", "--from", "sqitch", "--url", theirs)
    assert code == 5 and "plan was edited" in err, err


LIQUIBASE = Path(os.environ.get("PEERLAB", "/tmp/peerlab")) / "node" / "node_modules" / "liquibase" / "dist" / \
    "liquibase" / "liquibase"
LIQUIBASE_FILES = {
    "001_init.sql": "--liquibase formatted sql\n\n--changeset ann:1\nCREATE TABLE accounts (id int PRIMARY KEY, "
                    "email text);\n--rollback DROP TABLE accounts;\n\n--changeset ann:2 runInTransaction:false\n"
                    "CREATE INDEX CONCURRENTLY accounts_email ON accounts (email);\n--rollback DROP INDEX accounts_email;\n",
    "002_orders.sql": "--liquibase formatted sql\n\n--changeset bob:orders-1\nCREATE TABLE orders (id int PRIMARY KEY, "
                      "account_id int REFERENCES accounts);\nALTER TABLE accounts ADD COLUMN plan text;\n"
                      "--rollback ALTER TABLE accounts DROP COLUMN plan;\n--rollback DROP TABLE orders;\n",
    "changelog.xml": '<?xml version="1.0" encoding="UTF-8"?>\n<databaseChangeLog '
                     'xmlns="http://www.liquibase.org/xml/ns/dbchangelog" '
                     'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.liquibase.org'
                     '/xml/ns/dbchangelog http://www.liquibase.org/xml/ns/dbchangelog/dbchangelog-4.20.xsd">\n'
                     '  <include file="001_init.sql" relativeToChangelogFile="true"/>\n'
                     '  <include file="002_orders.sql" relativeToChangelogFile="true"/>\n</databaseChangeLog>\n',
}


def _liquibase(server: Server, database: str, folder: Path, count: int | None = None) -> None:
    """Update with the real Liquibase (Java) where the peers are installed, else write its table's rows."""
    from tests.conftest import OWNER_PASSWORD

    if LIQUIBASE.exists() and shutil.which("java"):
        url = f"jdbc:postgresql://127.0.0.1:{server.status.port}/{database}"
        command = ["update-count", "--count", str(count)] if count else ["update"]
        done = subprocess.run([str(LIQUIBASE), "--changelog-file=changelog.xml", f"--url={url}",
                        f"--username={server.owner}", f"--password={OWNER_PASSWORD}", "--log-level=off", *command],
                       cwd=folder, check=False, capture_output=True, timeout=300, text=True)
        assert done.returncode == 0, (done.stdout + done.stderr).replace(OWNER_PASSWORD, "***")[-3000:]
        return
    changesets = [("1", "ann", "001_init.sql", "CREATE TABLE accounts (id int PRIMARY KEY, email text)"),
                  ("2", "ann", "001_init.sql", "CREATE INDEX accounts_email ON accounts (email)"),
                  ("orders-1", "bob", "002_orders.sql", "CREATE TABLE orders (id int PRIMARY KEY, account_id int "
                   "REFERENCES accounts); ALTER TABLE accounts ADD COLUMN plan text")][:count]
    with psycopg.connect(server.conninfo(database), autocommit=True) as conn:
        conn.execute("CREATE TABLE databasechangelog (id varchar(255) NOT NULL, author varchar(255) NOT NULL, "
                     "filename varchar(255) NOT NULL, dateexecuted timestamp NOT NULL, orderexecuted int NOT NULL, "
                     "exectype varchar(10) NOT NULL, md5sum varchar(35))")
        for order, (change, author, filename, text) in enumerate(changesets, 1):
            conn.execute(text.encode())
            conn.execute("INSERT INTO databasechangelog VALUES (%s, %s, %s, now(), %s, 'EXECUTED', NULL)",
                         [change, author, filename, order])


@pytest.mark.parametrize("server", ["pg15_owner"], indirect=True)
def test_liquibase_adopted_part_way_then_continued_over_tcp_as_the_owner_role(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], server: Server,
        any_database: str, any_prod_database: str) -> None:
    from psycopg.conninfo import conninfo_to_dict

    ours, theirs = any_database, any_prod_database
    folder = _project(tmp_path, monkeypatch, ours, "liquibase")
    for name, text in LIQUIBASE_FILES.items():
        (folder / name).write_text(text)
    _liquibase(server, str(conninfo_to_dict(ours)["dbname"]), folder, count=2)
    _liquibase(server, str(conninfo_to_dict(theirs)["dbname"]), folder)
    code, out, err = run(capsys, "adopt", "--from", "liquibase")
    assert code == 0 and "2 applied, 1 pending" in out and "(ann:2)" in out and "MD5SUM" in out, out + err
    code, out, err = run(capsys, "migrate")
    assert code == 0 and _schema_difference(ours, theirs) == [], out + err
    code, out, err = run(capsys, "down", "--steps", "2")
    assert code == 0, out + err
    with psycopg.connect(ours) as conn:
        assert conn.execute("SELECT to_regclass('orders'), to_regclass('accounts_email')").fetchone() == (None, None)
        assert conn.execute("SELECT count(*) FROM databasechangelog").fetchone() == (2,), "Liquibase's rows untouched"
    with psycopg.connect(ours, autocommit=True) as conn:
        conn.execute("UPDATE databasechangelog SET exectype = 'FAILED' WHERE id = '1'")
    code, _, err = run(capsys, "adopt", "--from", "liquibase", "--url", ours)
    assert code == 5 and "failed changesets: ann:1" in err, err
