"""Hostile inputs: each gives a clear one-paragraph error and a non-zero exit that is not 70 (a bug), and leaves the
database as it was. One row per input; the setup writes the hostile thing into a fresh project."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from dbworkbench.cli import main
from tests.conftest import Project


@dataclass(frozen=True)
class Hostile:
    """One bad input: how to make it, the command that meets it, and words the error must contain."""

    name: str
    setup: Callable[[Project], None]
    args: tuple[str, ...]
    says: str
    report: bool = False
    """The command's own report names the problem (validate: stdout, exit 5) instead of an error."""


def config(extra: str) -> Callable[[Project], None]:
    def write(project: Project) -> None:
        path = project.root / "dbworkbench.toml"
        path.write_text(path.read_text().replace('lock_wait = 2\n', extra + "\n"))
    return write


def file(name: str, text: str | bytes) -> Callable[[Project], None]:
    def write(project: Project) -> None:
        path = project.sql_dir / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return write


def applied_then(change: str) -> Callable[[Project], None]:
    def setup(project: Project) -> None:
        project.write("V1__a.sql", "CREATE TABLE a (x int);\n-- @undo\nDROP TABLE a;\n")
        assert main(["migrate"]) == 0
        project.query(change)
    return setup


def symlink_loop(project: Project) -> None:
    os.symlink(project.sql_dir / "loop", project.sql_dir / "loop")


def binary_config(project: Project) -> None:
    (project.root / "dbworkbench.toml").write_bytes(b"\x00\x01\xff\xfe binary \x89PNG")


def bad_schema_folder(project: Project) -> None:
    (project.root / "schema").mkdir()
    (project.root / "schema" / "tables.sql").write_text("CREATE TABLE ok (x int);\nCREATE TABLE broken (x int;\n")


HOSTILE = [
    Hostile("nul byte in a file", file("V1__nul.sql", b"CREATE TABLE a (x int);\x00\n"), ("validate",), "NUL"),
    Hostile("nul byte in a file (migrate)", file("V1__nul.sql", b"CREATE TABLE a (x int);\x00\n"), ("migrate",),
            "NUL"),
    Hostile("not UTF-8", file("V1__latin1.sql", "SELECT 'caf\xe9';\n".encode("latin-1")), ("migrate",), "UTF-8"),
    Hostile("symlink loop in sql/", symlink_loop, ("status",), "loop"),
    Hostile("binary dbworkbench.toml", binary_config, ("status",), "dbworkbench.toml"),
    Hostile("out_of_order is a string", config('out_of_order = "no"'), ("status",), "out_of_order"),
    Hostile("schemas is a string", config('schemas = "public"'), ("status",), "schemas"),
    Hostile("lock_wait is nan", config("lock_wait = nan"), ("status",), "lock_wait"),
    Hostile("lock_wait is a boolean", config("lock_wait = true"), ("status",), "lock_wait"),
    Hostile("lock_timeout without a unit", config("lock_timeout = 5"), ("status",), "lock_timeout"),
    Hostile("history table in pg_catalog", lambda p: None, ("migrate", "--history-table", "pg_catalog.pg_class"),
            "pg_catalog"),
    Hostile("history version is not a version", applied_then("UPDATE dbworkbench_history SET version = 'abc'"),
            ("status",), "abc"),
    Hostile("events table dropped", applied_then("DROP TABLE dbworkbench_history_events"), ("migrate",),
            "dbworkbench_history_events"),
    Hostile("upper-case .SQL extension", file("V2__x.SQL", "SELECT 1;\n"), ("status",), "V2__x.SQL"),
    Hostile("undefined placeholder in an undo section", file("V1__p.sql", "SELECT 1;\n-- @undo\nDROP TABLE ${nope};\n"),
            ("validate",), "${nope}", report=True),
    Hostile("syntax error in schema/", bad_schema_folder, ("plan",), "tables.sql:2"),
    Hostile("diff against a missing embedded database", lambda p: None,
            ("diff", "--from", "sql", "--to", "embedded:no_such_db"), "no_such_db"),
]


@pytest.mark.parametrize("case", HOSTILE, ids=[h.name for h in HOSTILE])
def test_hostile_input_gets_a_clear_error(project: Project, capsys: pytest.CaptureFixture[str], case: Hostile) -> None:
    case.setup(project)
    capsys.readouterr()
    before = project.query("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace")
    code = main(list(case.args))
    captured = capsys.readouterr()
    err = captured.out if case.report else captured.err
    assert code not in (0, 70), (code, err)
    assert "Traceback" not in err and "internal error" not in err, err
    assert case.report or err.startswith("error: "), err
    assert case.says in err, err
    assert project.query("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace") == before


def test_terminal_escapes_in_file_names_are_never_printed_raw(project: Project,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__bell\x1b[31mred.sql", "SELECT 1;\n")
    main(["status"])
    captured = capsys.readouterr()
    assert "\x1b" not in captured.out + captured.err


def test_a_reader_that_goes_away_is_not_a_bug(project: Project) -> None:
    """`dbworkbench show 1 | head -1`: no traceback, no 'internal error', the pipe's own exit code. The output is
    far larger than a pipe's buffer, so the writer always meets the closed pipe."""
    import subprocess
    import sys

    project.write("V1__big.sql", "".join(f"-- line {n} of a long comment that makes the output large\n"
                                         for n in range(20000)) + "CREATE TABLE t (x int);\n")
    assert main(["migrate"]) == 0
    process = subprocess.Popen([sys.executable, "-m", "dbworkbench", "show", "1"], cwd=project.root,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.readline()
    process.stdout.close()
    code = process.wait(timeout=60)
    err = process.stderr.read().decode()
    assert code == 141 and "Traceback" not in err and "internal error" not in err, (code, err)


def test_diff_from_the_files_to_the_migrated_database_is_empty_even_after_clean(
        project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    """The README's example: the history tables are not a difference, placeholders are filled when the folder is
    built, and clean's recreated schema does not differ from a fresh one."""
    import shutil
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    shutil.copytree(root / "sql", project.sql_dir, dirs_exist_ok=True)
    config = project.root / "dbworkbench.toml"
    config.write_text(config.read_text() + '\n[placeholders]\ncompany = "Example Co"\n')
    for cleaned in (False, True):
        if cleaned:
            assert main(["clean", "--yes"]) == 0
        assert main(["migrate"]) == 0
        capsys.readouterr()
        assert main(["diff", "--from", "sql", "--to", project.conninfo]) == 0
        assert capsys.readouterr().out.strip() == "-- the schemas are the same", f"after clean: {cleaned}"


def test_analyze_of_a_pending_file_that_fails_says_so(project: Project, capsys: pytest.CaptureFixture[str]) -> None:
    project.write("V1__a.sql", "CREATE TABLE a (x int);\n")
    project.write("V2__b.sql", "INSERT INTO nope VALUES (1);\n")
    code = main(["analyze"])
    err = capsys.readouterr().err
    assert code == 2 and "V2__b.sql fails when rehearsed" in err and "internal error" not in err, err
    assert not project.table_exists("a"), "the target is only read"


SETPRIV = "/usr/bin/setpriv"


@pytest.mark.skipif(not os.path.exists(SETPRIV), reason="needs util-linux setpriv to run without root's override")
@pytest.mark.parametrize("unreadable", ["sql/later", "sql/V2__b.sql"])
def test_an_unreadable_folder_or_file_is_named_not_a_bug(project: Project, unreadable: str) -> None:
    """Run as a process that cannot override file modes (root without CAP_DAC_OVERRIDE, or any user). `lint` reads
    every file and needs no server (whose socket such a process may not reach)."""
    import subprocess
    import sys

    project.write("V1__a.sql", "CREATE TABLE a (x int);\n")
    project.write("later/V3__c.sql", "CREATE TABLE c (x int);\n")
    project.write("V2__b.sql", "CREATE TABLE b (x int);\n")
    target = project.root / unreadable
    target.chmod(0)
    try:
        result = subprocess.run([SETPRIV, "--bounding-set", "-dac_override,-dac_read_search", sys.executable, "-m",
                                 "dbworkbench", "lint"], cwd=project.root, capture_output=True, text=True,
                                timeout=120)
    finally:
        target.chmod(0o700)
    assert result.returncode not in (0, 70), result
    assert result.stderr.startswith("error: ") and "Traceback" not in result.stderr, result.stderr
    assert unreadable.removeprefix("sql/") in result.stderr and "cannot be read" in result.stderr, result.stderr


@pytest.mark.parametrize(("verb", "parses"), [("status", False), ("validate", True)])
def test_status_and_validate_load_only_what_they_use(project: Project, verb: str, parses: bool) -> None:
    """Start-up is most of a quick command's time: no linter, schema model or Textual for these, and no SQL parser
    for status (validate parses the pending files, with pglast)."""
    import subprocess
    import sys

    project.write("V1__a.sql", "CREATE TABLE a (x int);\n")
    roots = ("textual", "sqlglot", "pygments") + (() if parses else ("pglast",))
    code = (f"import sys; from dbworkbench.cli import main; code = main([{verb!r}]); "
            f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {roots!r} "
            "or m.startswith(('dbworkbench.lint', 'dbworkbench.schema', 'dbworkbench.tui'))); "
            "print('HEAVY', heavy, file=sys.stderr); sys.exit(code)")
    result = subprocess.run([sys.executable, "-c", code], cwd=project.root, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert "HEAVY []" in result.stderr, result.stderr


def test_status_through_its_cache_sees_an_edit_that_keeps_size_and_mtime(
        project: Project, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from dbworkbench.core import migration_cache

    monkeypatch.setattr(migration_cache, "RACY_SECONDS", 0.0)
    path = project.write("V1__a.sql", "CREATE TABLE a (id int);\n-- @undo\nDROP TABLE a;\n")
    assert main(["migrate"]) == 0
    assert main(["status"]) == 0 and main(["status"]) == 0
    assert list((project.root / ".dbworkbench" / "cache").glob("migrations-*.json")), "status cached the folder"
    stat = path.stat()
    path.write_text("CREATE TABLE b (id int);\n-- @undo\nDROP TABLE b;\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    capsys.readouterr()
    assert main(["status"]) == 0
    assert "checksum mismatch" in capsys.readouterr().out
