"""Approvals without a database: bound to content, additive for the same content, replaced for new content,
valid for repeatable files, and a malformed file is a clean `ConfigError`."""

from __future__ import annotations

from pathlib import Path

import pytest

from dbworkbench.config import Settings, load_settings, reviewer_name
from dbworkbench.core.discovery import MigrationFile, discover
from dbworkbench.errors import ConfigError
from dbworkbench.lint.approvals import approved_findings, load_approvals, quoted, unapproved, write_approval
from dbworkbench.lint.findings import Finding, Severity


def project(tmp_path: Path, files: dict[str, str]) -> Settings:
    (tmp_path / "sql").mkdir()
    for name, text in files.items():
        (tmp_path / "sql" / name).write_text(text)
    (tmp_path / "dbworkbench.toml").write_text('[environments.dev]\nurl = "embedded"\n')
    return load_settings(tmp_path, environ={})


def migration(settings: Settings, key: str) -> MigrationFile:
    found = discover(settings.migrations_dir)
    return next(m for m in (*found.versioned, *found.repeatable) if m.key == key)


def finding(rule: str, severity: Severity = Severity.ERROR) -> Finding:
    return Finding(rule, severity, "sql/V1__x.sql", 1, 1, "message", "recipe")


def test_rules_add_up_for_the_same_content(tmp_path: Path) -> None:
    settings = project(tmp_path, {"V1__x.sql": "CREATE INDEX i ON t (c);\n"})
    write_approval(settings, migration(settings, "1"), ["index-not-concurrent"], "small table", "ana")
    write_approval(settings, migration(settings, "1"), ["other-rule"], "also fine", "bo")
    approval = load_approvals(settings)["1"]
    assert approval.rules == {"index-not-concurrent", "other-rule"}
    assert approval.reviewer == "ana, bo" and approval.reason == "small table | also fine"


def test_an_edit_voids_the_approval_and_a_new_one_replaces_it(tmp_path: Path) -> None:
    settings = project(tmp_path, {"V1__x.sql": "CREATE INDEX i ON t (c);\n"})
    write_approval(settings, migration(settings, "1"), ["a"], "ok", "ana")
    (settings.migrations_dir / "V1__x.sql").write_text("CREATE INDEX i ON t (c, d);\n")
    edited = migration(settings, "1")
    approvals = load_approvals(settings)
    assert unapproved(edited, [finding("a")], approvals) == [finding("a")]
    write_approval(settings, edited, ["b"], "reviewed again", "bo")
    assert load_approvals(settings)["1"].rules == {"b"}


def test_only_unsafe_findings_are_approved(tmp_path: Path) -> None:
    settings = project(tmp_path, {"V1__x.sql": "SELECT 1;\n"})
    write_approval(settings, migration(settings, "1"), ["a", "w"], "ok", "ana")
    approvals = load_approvals(settings)
    covered = approved_findings(migration(settings, "1"), [finding("a"), finding("w", Severity.WARNING),
                                                           finding("z")], approvals)
    assert covered == {finding("a"): "ana"}


def test_repeatable_files_are_approved_by_name(tmp_path: Path) -> None:
    settings = project(tmp_path, {"R__views.sql": "DROP VIEW IF EXISTS v;\n"})
    path = write_approval(settings, migration(settings, "views"), ["drop"], "recreated below", "ana")
    assert path.name == "R__views.toml"
    assert load_approvals(settings)["views"].covers(migration(settings, "views"), "drop")


@pytest.mark.parametrize(("text", "fragment"), [
    ('version = "one"\nchecksum = "x"\nrules = []\nreviewer = "a"\nreason = "b"\n', "is not a version"),
    ('version = "1"\nchecksum = "x"\nrules = "a"\nreviewer = "a"\nreason = "b"\n', "rules must be a list"),
    ('version = "1"\nsurprise = 1\n', "unknown key(s) surprise"),
    ("version = ", "cannot be read"),
])
def test_a_malformed_approval_file_names_itself(tmp_path: Path, text: str, fragment: str) -> None:
    settings = project(tmp_path, {"V1__x.sql": "SELECT 1;\n"})
    (tmp_path / "approvals").mkdir()
    (tmp_path / "approvals" / "V1.toml").write_text(text)
    with pytest.raises(ConfigError, match="V1.toml") as caught:
        load_approvals(settings)
    assert fragment in caught.value.message


def test_a_reason_is_required(tmp_path: Path) -> None:
    settings = project(tmp_path, {"V1__x.sql": "SELECT 1;\n"})
    with pytest.raises(ConfigError, match="needs a reason"):
        write_approval(settings, migration(settings, "1"), ["a"], "  ", "ana")


@pytest.mark.parametrize("value", ['say "hi"', "back\\slash", "line\nbreak", "tab\tand \x01 control", "ünïcode"])
def test_every_string_survives_the_round_trip_through_toml(tmp_path: Path, value: str) -> None:
    settings = project(tmp_path, {"V1__x.sql": "SELECT 1;\n"})
    write_approval(settings, migration(settings, "1"), ["a"], value, value)
    approval = load_approvals(settings)["1"]
    assert (approval.reason, approval.reviewer) == (value, value)
    assert quoted(value).startswith('"')


def test_the_reviewer_comes_from_the_environment_first() -> None:
    assert reviewer_name({"DBWORKBENCH_REVIEWER": "Ana Reviewer"}) == "Ana Reviewer"
    assert reviewer_name({}) != ""
