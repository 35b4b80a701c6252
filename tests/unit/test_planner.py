"""Planning from in-memory files and history rows: no database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from dbworkbench.core.discovery import MigrationFile, MigrationKind, MigrationSet
from dbworkbench.core.history import HistoryRow
from dbworkbench.core.planner import State, fold, plan_backward, plan_forward, row_states
from dbworkbench.core.scripts import checksum
from dbworkbench.core.versions import Version
from dbworkbench.errors import ChecksumMismatchError, PlanError

NOW = datetime(2026, 11, 21, tzinfo=UTC)


def mfile(version: str | None, text: str = "", undo: str | None = None, name: str = "m") -> MigrationFile:
    parsed = Version.parse(version) if version else None
    script = f"V{version}__{name}.sql" if version else f"R__{name}.sql"
    text = text or f"select {version or name!r};"
    return MigrationFile(script, MigrationKind.VERSIONED if version else MigrationKind.REPEATABLE,
                         parsed, name, text, checksum(text), undo, script if undo else None, 1, False)


def row(rank: int, file: MigrationFile, *, kind: MigrationKind | None = None, success: bool = True,
        done: int = 1, text: str | None = None) -> HistoryRow:
    version = file.version.canonical if file.version else None
    return HistoryRow(rank, version, file.description, kind or file.kind, file.script,
                      checksum(text) if text is not None else file.checksum, "me", NOW, 1, success, done, 2, None)


def migrations(*files: MigrationFile) -> MigrationSet:
    return MigrationSet(Path("."), tuple(f for f in files if f.version), tuple(f for f in files if not f.version))


def states(entries: list) -> dict[str, State]:  # type: ignore[type-arg]
    return {e.key: e.state for e in entries}


def test_fold_gives_every_state() -> None:
    v1, v2, v3, v4, v6 = mfile("1"), mfile("2"), mfile("3"), mfile("4"), mfile("6")
    gone = mfile("5")
    r_same, r_changed, r_new = mfile(None, name="a"), mfile(None, name="b"), mfile(None, name="c")
    rows = [row(1, v1), row(2, v2, text="select 'old';"), row(3, gone), row(4, v6), row(5, v4, success=False),
            row(6, r_same), row(7, r_changed, text="old view")]
    entries = fold(migrations(v1, v2, v3, v4, v6, r_same, r_changed, r_new), rows)
    assert states(entries) == {
        "1": State.APPLIED, "2": State.CHECKSUM_MISMATCH, "3": State.OUT_OF_ORDER, "4": State.FAILED,
        "5": State.MISSING_FILE, "6": State.APPLIED, "a": State.APPLIED, "b": State.OUTDATED, "c": State.PENDING,
    }
    assert [e.key for e in entries] == ["1", "2", "3", "4", "5", "6", "a", "b", "c"]


def test_undo_makes_a_version_pending_again() -> None:
    v1, v2 = mfile("1"), mfile("2")
    rows = [row(1, v1), row(2, v2), row(3, v2, kind=MigrationKind.UNDO)]
    assert states(fold(migrations(v1, v2), rows)) == {"1": State.APPLIED, "2": State.PENDING}
    rows.append(row(4, v2, kind=MigrationKind.UNDO, success=False))
    assert states(fold(migrations(v1, v2), rows))["2"] is State.UNDO_FAILED


def test_an_undone_version_whose_file_is_gone_is_undone_not_pending() -> None:
    v1, v2 = mfile("1"), mfile("2")
    rows = [row(1, v1), row(2, v2), row(3, v2, kind=MigrationKind.UNDO)]
    entries = fold(migrations(v1), rows)
    assert states(entries) == {"1": State.APPLIED, "2": State.UNDONE}
    undone = entries[1]
    assert not undone.state.is_pending and not undone.state.is_applied and not undone.state.is_problem
    assert plan_forward(entries) == [] and [s.entry.key for s in plan_backward(entries, steps=1)] == ["1"]


def test_baseline_covers_lower_versions() -> None:
    v1, v2, v3 = mfile("1"), mfile("2"), mfile("3")
    base = HistoryRow(1, "2", "baseline", MigrationKind.BASELINE, "<< baseline >>", None, "me", NOW, 0, True, 0, 0, None)
    entries = fold(migrations(v1, v2, v3), [base])
    assert states(entries) == {"1": State.BELOW_BASELINE, "2": State.BELOW_BASELINE, "3": State.PENDING}
    assert [s.entry.key for s in plan_forward(entries)] == ["3"]


def _baseline_file(version: str) -> MigrationFile:
    text = f"create table b{version} ();"
    return MigrationFile(f"B{version}__baseline.sql", MigrationKind.BASELINE, Version.parse(version), "baseline",
                         text, checksum(text), None, None, 1, False)


def test_a_new_database_runs_the_highest_baseline_file_instead_of_the_files_below_it() -> None:
    v1, v2, v3, r = mfile("1"), mfile("2"), mfile("3"), mfile(None, name="r")
    files = MigrationSet(Path("."), (v1, v2, v3), (r,), (_baseline_file("1"), _baseline_file("2")))
    fresh = fold(files, [])
    assert states(fresh) == {"1": State.BELOW_BASELINE, "2": State.BELOW_BASELINE, "B2": State.PENDING,
                             "3": State.PENDING, "r": State.PENDING}
    assert sum(e.state.is_pending for e in fresh) == 3, "status counts the baseline, not the files it stands for"
    assert [s.entry.script for s in plan_forward(fresh)] == ["B2__baseline.sql", "V3__m.sql", "R__r.sql"]
    assert [s.entry.script for s in plan_forward(fresh, steps=1)] == ["B2__baseline.sql"]
    assert [s.entry.key for s in plan_forward(fresh, target=Version.parse("1"))] == ["1"], "below it: the files"
    assert fold(files, [row(1, r)])[-1].key == "r", "a repeatable's run alone does not make history non-empty"
    assert "B2" in states(fold(files, [row(1, r)]))
    started = fold(files, [row(1, v1)])
    assert "B2" not in states(started) and [s.entry.key for s in plan_forward(started)] == ["2", "3", "r"]
    recorded = HistoryRow(1, "2", "baseline", MigrationKind.BASELINE, "B2__baseline.sql", files.baselines[1].checksum,
                          "me", NOW, 1, True, 1, 1, None)
    after = fold(files, [recorded])
    assert states(after) == {"1": State.BELOW_BASELINE, "2": State.BELOW_BASELINE, "3": State.PENDING,
                             "r": State.PENDING}


def test_plan_forward_orders_and_limits() -> None:
    files = [mfile("1"), mfile("2"), mfile("3"), mfile(None, name="r")]
    entries = fold(migrations(*files), [row(1, files[0])])
    assert [s.entry.key for s in plan_forward(entries)] == ["2", "3", "r"]
    assert [s.entry.key for s in plan_forward(entries, steps=1)] == ["2"]
    assert [s.entry.key for s in plan_forward(entries, target=Version.parse("2"))] == ["2"]
    with pytest.raises(PlanError, match="no migration has version 9"):
        plan_forward(entries, target=Version.parse("9"))


def test_plan_forward_resumes_a_failed_file_first() -> None:
    v1, v2 = mfile("1"), mfile("2")
    entries = fold(migrations(v1, v2), [row(1, v1, success=False, done=1)])
    specs = plan_forward(entries)
    assert [(s.action, s.entry.key) for s in specs] == [("resume", "1"), ("apply", "2")]


def test_plan_forward_refuses_changed_files_and_late_versions() -> None:
    v1, v2 = mfile("1"), mfile("2")
    with pytest.raises(ChecksumMismatchError, match="V1__m.sql"):
        plan_forward(fold(migrations(v1), [row(1, v1, text="other")]))
    late = fold(migrations(v1, v2), [row(1, v2)])
    with pytest.raises(PlanError, match="--out-of-order"):
        plan_forward(late)
    assert [s.entry.key for s in plan_forward(late, out_of_order=True)] == ["1"]


def test_plan_backward_goes_highest_first() -> None:
    files = [mfile("1"), mfile("2"), mfile("3")]
    entries = fold(migrations(*files), [row(i + 1, f) for i, f in enumerate(files)])
    assert [s.entry.key for s in plan_backward(entries)] == ["3"]
    assert [s.entry.key for s in plan_backward(entries, steps=2)] == ["3", "2"]
    assert [s.entry.key for s in plan_backward(entries, target=Version.parse("1"))] == ["3", "2"]
    with pytest.raises(PlanError, match="nothing is applied"):
        plan_backward(fold(migrations(*files), []))


def test_row_states_tell_the_story_newest_first() -> None:
    v1, v2, r = mfile("1"), mfile("2"), mfile(None, name="view")
    rows = [row(1, v1), row(2, v2), row(3, r, text="old view"), row(4, v2, kind=MigrationKind.UNDO), row(5, r)]
    entries = fold(migrations(v1, v2, r), rows)
    described = [(h.rank, label) for h, label in row_states(entries, rows)]
    assert described == [(5, "applied"), (4, "undo"), (3, "superseded"), (2, "undone"), (1, "applied")]


def test_the_current_version_counts_a_baseline_at_a_version_that_has_a_file() -> None:
    from dbworkbench.core.project_state import current_version

    v1, v2, v3 = mfile("1"), mfile("2"), mfile("3")
    base = HistoryRow(1, "2", "baseline", MigrationKind.BASELINE, "<< baseline >>", None, "me", NOW, 0, True, 0, 0, None)
    assert current_version(tuple(fold(migrations(v1, v2, v3), [base]))) == "2"
    assert current_version(tuple(fold(migrations(v1, v3), [base]))) == "2"
