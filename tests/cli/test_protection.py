"""Protection is a property of the database, not of a name: however the protected database is reached (`--url`,
DBWORKBENCH_URL, libpq's PG* variables, another environment's name), every write asks for the protected name and
checks approvals, and the database itself remembers that it is protected."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from psycopg.conninfo import conninfo_to_dict

from dbworkbench.app.engine import Engine
from dbworkbench.app.vocabulary import Verb
from dbworkbench.config import Overrides, load_settings
from dbworkbench.errors import ProtectedEnvironmentError
from tests.cli.helpers import run
from tests.conftest import Project


def accounts(project: Project) -> None:
    project.write("V1__accounts.sql", "CREATE TABLE accounts (id int PRIMARY KEY);\n-- @undo\nDROP TABLE accounts;\n")


def refused(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    code, _, err = run(capsys, *args)
    assert code == 2, err
    assert err.startswith("error: ") and "Traceback" not in err
    return err


def as_url(conninfo: str) -> str:
    params = conninfo_to_dict(conninfo)
    return f"postgresql://{params['user']}@/{params['dbname']}?host={params['host']}&port={params['port']}"


@pytest.mark.parametrize("verb", [["migrate"], ["up"], ["down"], ["redo"], ["repair"], ["baseline", "--version", "1"]])
def test_a_url_naming_the_protected_database_is_protected(project: Project, capsys: pytest.CaptureFixture[str],
                                                          verb: list[str]) -> None:
    accounts(project)
    if verb[0] in ("down", "redo", "repair"):
        assert run(capsys, "migrate", "--env", "prod", "--yes")[0] == 0
    if verb[0] == "repair":
        project.write("V1__accounts.sql", "CREATE TABLE accounts (id bigint PRIMARY KEY);\n")
    before = project.query("SELECT count(*) FROM pg_class WHERE relkind = 'r'", prod=True)
    has_history = project.table_exists("dbworkbench_history", prod=True)
    history = project.query("SELECT count(*), max(checksum) FROM dbworkbench_history", prod=True) if has_history else []
    err = refused(capsys, *verb, "--url", as_url(project.prod_conninfo))
    assert "protected" in err and "prod" in err
    assert project.query("SELECT count(*) FROM pg_class WHERE relkind = 'r'", prod=True) == before
    if has_history:
        assert project.query("SELECT count(*), max(checksum) FROM dbworkbench_history", prod=True) == history


def test_clean_of_the_protected_database_is_refused_however_it_is_reached(project: Project,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    accounts(project)
    assert run(capsys, "migrate", "--env", "prod", "--yes")[0] == 0
    for args in (["--url", project.prod_conninfo], ["--url", as_url(project.prod_conninfo)]):
        err = refused(capsys, "clean", *args, "--yes")
        assert "protected" in err
        err = refused(capsys, "clean", *args, "--dry-run")
        assert "protected" in err
    assert project.table_exists("accounts", prod=True)


def test_dbworkbench_url_naming_the_protected_database_is_protected(project: Project,
                                                                    capsys: pytest.CaptureFixture[str],
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    accounts(project)
    monkeypatch.setenv("DBWORKBENCH_URL", project.prod_conninfo)
    err = refused(capsys, "migrate")
    assert "protected" in err
    assert not project.table_exists("accounts", prod=True) and not project.table_exists("accounts")


def test_libpq_variables_naming_the_protected_database_are_protected(project: Project, tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture[str],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    accounts(project)
    config = project.root / "dbworkbench.toml"
    config.write_text(config.read_text().replace('default_env = "test"\n', ""))
    params = conninfo_to_dict(project.prod_conninfo)
    for name, key in (("PGHOST", "host"), ("PGPORT", "port"), ("PGUSER", "user"), ("PGDATABASE", "dbname")):
        monkeypatch.setenv(name, str(params[key]))
    code, out, _ = run(capsys, "status", "--json")
    assert code == 0
    summary = json.loads(out)["summary"]
    assert summary["target"].endswith(f"/{params['dbname']}") and "(default" not in summary["target"]
    err = refused(capsys, "migrate")
    assert "protected" in err
    assert not project.table_exists("accounts", prod=True)


def test_another_environment_naming_the_protected_database_is_protected(project: Project,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    accounts(project)
    config = project.root / "dbworkbench.toml"
    config.write_text(config.read_text() + f'\n[environments.alias]\nurl = "{as_url(project.prod_conninfo)}"\n')
    err = refused(capsys, "migrate", "--env", "alias")
    assert "prod" in err
    assert run(capsys, "migrate", "--env", "alias", "--yes")[0] == 0
    assert project.table_exists("accounts", prod=True)


def test_the_database_remembers_it_is_protected(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    accounts(project)
    assert run(capsys, "migrate", "--env", "prod", "--yes")[0] == 0
    config = project.root / "dbworkbench.toml"
    config.write_text(config.read_text().replace("protected = true", "protected = false"))
    err = refused(capsys, "down", "--url", project.prod_conninfo)
    assert "marked protected" in err and "prod" in err
    code, out, _ = run(capsys, "status", "--url", project.prod_conninfo, "--json")
    assert json.loads(out)["summary"]["protected_as"] == "prod"
    assert project.table_exists("accounts", prod=True)


def test_protect_marks_a_database_and_off_needs_the_typed_name(project: Project,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    accounts(project)
    assert run(capsys, "migrate")[0] == 0
    code, out, _ = run(capsys, "protect")
    assert code == 0 and "protected" in out
    refused(capsys, "down")
    refused(capsys, "protect", "--off")
    assert run(capsys, "protect", "--off", "--yes")[0] == 0
    assert run(capsys, "down")[0] == 0
    assert not project.table_exists("accounts")


def test_an_inline_allow_does_not_satisfy_the_protected_gate(project: Project,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    for prod in (False, True):
        project.query("CREATE TABLE orders (id int, code text)", prod=prod)
    project.write("V1__index.sql", "-- dbworkbench:allow require-concurrent-index-creation because it is tiny\n"
                                   "CREATE INDEX o_code ON orders (code);\n")
    assert run(capsys, "lint")[0] == 0, "inline allows silence lint in development"
    err = refused(capsys, "migrate", "--env", "prod", "--yes")
    assert "approval required" in err and "require-concurrent-index-creation" in err
    assert run(capsys, "migrate")[0] == 0, "an unprotected database takes the author's word"


def test_clean_asks_on_every_environment(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    accounts(project)
    assert run(capsys, "migrate")[0] == 0
    err = refused(capsys, "clean")
    assert "--yes" in err
    assert project.table_exists("accounts")
    assert run(capsys, "clean", "--yes")[0] == 0
    assert not project.table_exists("accounts")


def test_dbworkbench_url_beats_the_files_default_env(project: Project, capsys: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                     settings_of: Any) -> None:
    accounts(project)
    other = project.prod_conninfo.replace(str(conninfo_to_dict(project.prod_conninfo)["dbname"]), "postgres")
    monkeypatch.setenv("DBWORKBENCH_URL", other)
    settings = load_settings(project.root, Overrides())
    assert settings.environment.url == other
    code, out, _ = run(capsys, "status", "--json")
    assert json.loads(out)["summary"]["target"].endswith("/postgres")


def test_the_workbench_engine_cannot_write_a_protected_database_without_its_name(project: Project,
                                                                                 settings_of: Any) -> None:
    accounts(project)
    settings = load_settings(project.root, Overrides(url=project.prod_conninfo), environ={})
    engine = Engine(settings)
    assert engine.status().protected_as == "prod"
    with pytest.raises(ProtectedEnvironmentError):
        engine.apply(Verb.UP)
    with pytest.raises(ProtectedEnvironmentError):
        engine.apply(Verb.UP, confirmed_as="production")
    assert not project.table_exists("accounts", prod=True)
    engine.apply(Verb.UP, confirmed_as="prod")
    assert project.table_exists("accounts", prod=True)
