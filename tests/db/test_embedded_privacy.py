"""The embedded server is private: its socket folder is one nobody else can have created, its log is readable by
its owner only and never holds a failed statement's text (a password in CREATE ROLE ... PASSWORD)."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import psycopg
import pytest

from dbworkbench.core.embedded import EmbeddedServer


def test_a_long_data_folder_gets_a_private_socket_folder_removed_on_stop(tmp_path: Path) -> None:
    server = EmbeddedServer(tmp_path / ("deep" * 25) / "pgdata")
    squatted = Path("/tmp") / "dbworkbench-socket-guessable"
    squatted.mkdir(mode=0o777, exist_ok=True)
    try:
        status = server.ensure_running()
        assert status.socket_dir is not None and status.socket_dir != server.data_dir
        assert status.socket_dir != squatted and status.socket_dir.name.startswith("dbworkbench-socket-")
        mode = stat.S_IMODE(status.socket_dir.stat().st_mode)
        assert mode == 0o700, oct(mode)
        with psycopg.connect(status.conninfo("postgres"), autocommit=True) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        server.stop()
        squatted.rmdir()
    assert not status.socket_dir.exists()


def test_the_log_is_private_and_never_holds_a_failed_statement(tmp_path: Path) -> None:
    server = EmbeddedServer(tmp_path / "pgdata")
    status = server.ensure_running()
    try:
        with psycopg.connect(status.conninfo("postgres"), autocommit=True) as conn:
            conn.execute("CREATE ROLE twice")
            with pytest.raises(psycopg.errors.DuplicateObject):
                conn.execute("CREATE ROLE twice PASSWORD 'hunter2-never-logged'")
    finally:
        server.stop()
    assert stat.S_IMODE(server.log_path.stat().st_mode) == 0o600
    log = server.log_path.read_text()
    assert "already exists" in log, "the log does record the error"
    assert "hunter2-never-logged" not in log


def test_a_project_on_a_real_server_is_left_with_no_embedded_process(pg15_owner: Any, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture[str],
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """diff and drift build scratch databases on the embedded server; for a project whose target is a real
    server, the embedded server they started is stopped again."""
    from dbworkbench.cli import main
    from dbworkbench.config import Overrides, load_settings
    from dbworkbench.core.db import embedded_server
    from tests.conftest import _fresh_database

    databases = _fresh_database(pg15_owner)
    url = next(databases)
    try:
        monkeypatch.chdir(tmp_path)
        (tmp_path / "sql").mkdir()
        (tmp_path / "sql" / "V1__a.sql").write_text("CREATE TABLE a (x int);\n")
        (tmp_path / "dbworkbench.toml").write_text(f'[environments.real]\nurl = "{url}"\n')
        server = embedded_server(load_settings(tmp_path, Overrides(env="real"), environ={}))
        assert main(["migrate", "--env", "real"]) == 0 and not server.status().running
        assert main(["drift", "--env", "real"]) == 0
        assert not server.status().running
        assert main(["diff", "--from", "sql", "--to", "sql"]) == 0
        assert not server.status().running
        assert "s3cret" not in capsys.readouterr().out
    finally:
        next(databases, None)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root runs the server as another OS user")
def test_as_root_the_folders_made_traversable_are_named_by_server_status(tmp_path: Path, monkeypatch: Any,
                                                                        capsys: pytest.CaptureFixture[str]) -> None:
    from dbworkbench.cli import main

    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    project = closed / "project"
    project.mkdir()
    (project / "dbworkbench.toml").write_text("")
    monkeypatch.chdir(project)
    monkeypatch.delenv("DBWORKBENCH_URL", raising=False)
    try:
        assert main(["server", "start"]) == 0
        capsys.readouterr()
        assert main(["server", "status"]) == 0
        out = capsys.readouterr().out
    finally:
        main(["server", "stop"])
    assert stat.S_IMODE(closed.stat().st_mode) == 0o701, "only o+x was added"
    assert "made these folders traversable (o+x)" in out and str(closed) in out, out
