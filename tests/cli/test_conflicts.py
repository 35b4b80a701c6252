"""conflicts: two branches adding the same version are told apart from two files touching the same objects
(tables, columns, types, functions, read from the parse tree); `new --renumber` fixes the first kind; a bad ref is
a one-paragraph error. No database is involved."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from dbworkbench.cli import main
from dbworkbench.lint.objects import touched_objects


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
                   check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DBWORKBENCH_URL", raising=False)
    (tmp_path / "dbworkbench.toml").write_text("")
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "V1__t.sql").write_text("CREATE TABLE t (id int);\nCREATE TYPE mood AS ENUM ('ok');\n")
    _git(tmp_path, "init", "-q", "-b", "main")
    _git(tmp_path, "add", "-A")
    _git(tmp_path, "commit", "-qm", "one")
    return tmp_path


def test_a_shared_version_alone_is_harmless_and_renumber_fixes_it(repo: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    (repo / "sql" / "V2__orders.sql").write_text("CREATE TABLE orders (id int);\n")
    (repo / "sql" / "V2__users.sql").write_text("CREATE TABLE users (id int);\n")
    assert main(["conflicts"]) == 5
    out = capsys.readouterr().out
    assert "same version 2: V2__orders.sql, V2__users.sql" in out and "order matters" not in out, out
    assert main(["new", "--renumber", "V2__users.sql"]) == 0
    assert "renamed sql/V2__users.sql to sql/V3__users.sql" in capsys.readouterr().out
    assert main(["conflicts"]) == 0
    assert sorted(p.name for p in (repo / "sql").iterdir()) == ["V1__t.sql", "V2__orders.sql", "V3__users.sql"]


def test_files_of_two_branches_touching_one_table_must_be_looked_at(repo: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    _git(repo, "checkout", "-q", "-b", "feature")
    (repo / "sql" / "V2__mine.sql").write_text("ALTER TABLE t ADD COLUMN x int;\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "mine")
    _git(repo, "checkout", "-q", "main")
    (repo / "sql" / "V2__theirs.sql").write_text("ALTER TABLE t ADD COLUMN y int;\nALTER TYPE mood ADD VALUE 'meh';\n")
    (repo / "sql" / "V3__other.sql").write_text("CREATE TABLE z (id int);\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "theirs")
    _git(repo, "checkout", "-q", "feature")
    assert main(["conflicts", "--base", "main", "--json"]) == 5
    report = json.loads(capsys.readouterr().out)
    assert report["same_version"] == [{"version": "2", "scripts": ["V2__mine.sql", "V2__theirs.sql"]}]
    assert report["same_objects"] == [{"files": ["V2__mine.sql", "V2__theirs.sql"], "objects": ["table:t"]}]
    assert report["compared"] == 1
    assert main(["conflicts", "--base", "main"]) == 5
    assert "`dbworkbench new --renumber V2__mine.sql --base main`" in capsys.readouterr().out, "renumber ours"
    assert main(["new", "--renumber", "V2__mine.sql", "--base", "main"]) == 0
    assert "to sql/V4__mine.sql" in capsys.readouterr().out, "main's V3 counts as taken"
    assert main(["conflicts", "--base", "main"]) == 5, "renumbered, the shared table still needs a look"
    out = capsys.readouterr().out
    assert "same version" not in out and "order matters: V4__mine.sql and V2__theirs.sql both touch table:t" in out


def test_a_bad_ref_or_no_repository_is_one_paragraph(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["conflicts", "--base", "no-such-branch"]) == 2
    err = capsys.readouterr().err
    assert "bad git ref" in err and "no-such-branch" in err and "Traceback" not in err, err


def test_the_objects_read_from_the_parse_tree() -> None:
    assert touched_objects("ALTER TABLE s.t RENAME COLUMN a TO b") >= {"table:s.t", "column:s.t.a"}
    assert touched_objects("ALTER TABLE t ADD COLUMN c int, DROP COLUMN d") >= {"column:t.c", "column:t.d"}
    assert touched_objects("DROP TYPE mood") == {"type:mood"}
    assert touched_objects("ALTER TYPE mood ADD VALUE 'x'") == {"type:mood"}
    assert "function:f" in touched_objects("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$select 1$$")
    assert touched_objects("DROP FUNCTION f(int)") == {"function:f"}
    assert touched_objects("SELECT FROM nowhere WHERE (") == frozenset(), "unparsable: nothing, no crash"


def test_files_of_one_branch_touching_one_table_are_not_a_conflict_between_branches(
        repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _git(repo, "checkout", "-q", "-b", "feature")
    (repo / "sql" / "V2__add.sql").write_text("ALTER TABLE t ADD COLUMN x int;\n")
    (repo / "sql" / "V3__fill.sql").write_text("UPDATE t SET x = 1;\n")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "mine, in order")
    assert main(["conflicts", "--base", "main", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["same_objects"] == [] and report["same_version"] == [], report
