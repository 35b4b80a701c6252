"""Pure planning: fold the history into one state per migration, and decide what to run.

No database and no file system: inputs are a `MigrationSet` and a list of `HistoryRow`s. For each
versioned key the latest versioned/undo row (by rank) decides whether it is applied; a baseline row
stands for every version at or below it; a repeatable is current when its latest row's checksum
matches the file. On a database whose history holds no version yet, the highest baseline file (`B<version>__`)
is pending in place of the versioned files up to its version (they are "below baseline"); `migrate --to` a lower
version runs the versioned files instead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from dbworkbench.core.discovery import MigrationFile, MigrationKind, MigrationSet
from dbworkbench.core.history import HistoryRow
from dbworkbench.core.versions import Version
from dbworkbench.errors import ChecksumMismatchError, IntegrityError, PlanError


class State(StrEnum):
    """Status of one migration."""

    APPLIED = "applied"
    PENDING = "pending"
    FAILED = "failed"
    """A non-transactional run stopped part-way; `migrate` resumes it, `repair` clears it."""
    CHECKSUM_MISMATCH = "checksum mismatch"
    MISSING_FILE = "missing file"
    OUT_OF_ORDER = "out of order"
    """Pending, but lower than the highest applied version."""
    BASELINE = "baseline"
    BELOW_BASELINE = "below baseline"
    OUTDATED = "outdated"
    """A repeatable whose file changed since it last ran."""
    UNDO_FAILED = "undo failed"
    """A non-transactional undo stopped part-way; `down` resumes it."""
    UNDONE = "undone"
    """Undone, and its file is gone since: nothing to run, nothing to undo (history keeps what it was)."""

    @property
    def is_problem(self) -> bool:
        """States that `validate` reports."""
        return self in (State.FAILED, State.CHECKSUM_MISMATCH, State.MISSING_FILE, State.OUT_OF_ORDER,
                        State.UNDO_FAILED)

    @property
    def is_pending(self) -> bool:
        """States of files that the next `migrate` runs (a failed file is resumed, an outdated repeatable rerun).

        The one definition of "pending": status counts, `lint --pending`, the workbench's pending pane and
        its lint all use it.
        """
        return self in (State.PENDING, State.OUT_OF_ORDER, State.OUTDATED, State.FAILED)

    @property
    def is_applied(self) -> bool:
        """States of migrations whose changes are in the database (and that `down` can undo)."""
        return self in (State.APPLIED, State.CHECKSUM_MISMATCH, State.MISSING_FILE)


class StepAction(StrEnum):
    """What running one file does."""

    APPLY = "apply"
    RESUME = "resume"
    """Finish a non-transactional file that stopped part-way."""
    UNDO = "undo"
    RESUME_UNDO = "resume-undo"
    """Finish a non-transactional undo that stopped part-way."""

    @property
    def is_undo(self) -> bool:
        """Runs undo text."""
        return self in (StepAction.UNDO, StepAction.RESUME_UNDO)

    @property
    def is_resume(self) -> bool:
        """Continues a run recorded as unfinished."""
        return self in (StepAction.RESUME, StepAction.RESUME_UNDO)


@dataclass(frozen=True, slots=True)
class Entry:
    """One line of `status`: a file, a history row, or both."""

    key: str
    version: Version | None
    description: str
    kind: MigrationKind
    script: str
    state: State
    file: MigrationFile | None
    row: HistoryRow | None
    """The row that decides the state (latest apply, undo or baseline)."""


@dataclass(frozen=True, slots=True)
class StepSpec:
    """One file to run, before its text is prepared for a given environment."""

    action: StepAction
    entry: Entry


def _version_key(entry: Entry) -> tuple[int, tuple[int, ...], str]:
    if entry.version is not None:
        return (0, entry.version.parts, "")
    return (1, (), entry.key.lower())


def fold(migrations: MigrationSet, rows: list[HistoryRow]) -> list[Entry]:
    """Every migration's state, versioned in version order then repeatables by name."""
    latest: dict[str, HistoryRow] = {}
    repeat_latest: dict[str, HistoryRow] = {}
    baseline: HistoryRow | None = None
    for history_row in rows:
        if history_row.kind is MigrationKind.BASELINE:
            baseline = history_row
        elif history_row.kind is MigrationKind.REPEATABLE:
            repeat_latest[history_row.description.lower()] = history_row
        elif history_row.version is not None:
            latest[history_row.version] = history_row
    files = migrations.by_version()
    versions = {key: file.version for key, file in files.items() if file.version is not None}
    for key in latest:
        if key not in versions:
            versions[key] = _recorded_version(key, latest[key])
    baseline_version = _recorded_version(baseline.version, baseline) if baseline and baseline.version else None
    applied_versions = [versions[k] for k, r in latest.items()
                        if r.kind is MigrationKind.VERSIONED or r.kind is MigrationKind.UNDO and not r.success]
    highest = max(applied_versions + ([baseline_version] if baseline_version else []), default=None)

    entries: list[Entry] = []
    for key in sorted(versions, key=versions.__getitem__):
        file, row = files.get(key), latest.get(key)
        version = versions[key]
        state = _versioned_state(file, row, version, highest, baseline_version)
        if row is None and baseline is not None and state is State.BELOW_BASELINE:
            row = baseline
        entries.append(Entry(key, version, file.description if file else row.description if row else "",
                             MigrationKind.VERSIONED, file.script if file else row.script if row else key,
                             state, file, row))
    if baseline is not None and baseline_version is not None and baseline_version.canonical not in files:
        entries.append(Entry(baseline_version.canonical, baseline_version, baseline.description,
                             MigrationKind.BASELINE, baseline.script, State.BASELINE, None, baseline))
    if migrations.baselines and not any(r.kind is not MigrationKind.REPEATABLE for r in rows):
        entries = _from_baseline(entries, migrations.baselines[-1])
    repeat_files = {f.key.lower(): f for f in migrations.repeatable}
    for name in sorted(set(repeat_files) | set(repeat_latest)):
        file, row = repeat_files.get(name), repeat_latest.get(name)
        if file is None:
            state = State.MISSING_FILE
        elif row is None:
            state = State.PENDING
        else:
            state = State.APPLIED if row.checksum == file.checksum else State.OUTDATED
        source = file or row
        assert source is not None
        entries.append(Entry(file.key if file else name, None, source.description, MigrationKind.REPEATABLE,
                             source.script, state, file, row))
    return sorted(entries, key=_version_key)


def _from_baseline(entries: list[Entry], baseline: MigrationFile) -> list[Entry]:
    """A new database's entries: `baseline` pending, the versioned files up to its version below it."""
    assert baseline.version is not None
    below = [replace(e, state=State.BELOW_BASELINE) if e.version is not None and e.version <= baseline.version
             and e.state is State.PENDING else e for e in entries]
    return [*below, Entry(f"B{baseline.version.canonical}", baseline.version, baseline.description,
                          MigrationKind.BASELINE, baseline.script, State.PENDING, baseline, None)]


def _without_baseline(entries: list[Entry]) -> list[Entry]:
    """The entries as if there were no baseline file: what `migrate --to` a version below it runs."""
    return [replace(e, state=State.PENDING) if e.state is State.BELOW_BASELINE and e.row is None else e
            for e in entries if not (e.kind is MigrationKind.BASELINE and e.row is None)]


def _recorded_version(text: str, row: HistoryRow) -> Version:
    """A version read back from history.

    Raises:
        IntegrityError: the row's version is not a version (the table was edited by hand).
    """
    try:
        return Version.parse(text)
    except ValueError as exc:
        raise IntegrityError(f"history row {row.rank} ({row.script}) has version {text!r}, which is not a version: "
                             "the history table was edited by hand. Correct that row's version, or delete the row "
                             "if it describes nothing that ran.", title="history is inconsistent") from exc


def _versioned_state(file: MigrationFile | None, row: HistoryRow | None, version: Version,
                     highest: Version | None, baseline: Version | None) -> State:
    if row is not None and row.kind is MigrationKind.VERSIONED:
        if not row.success:
            return State.FAILED
        if file is None:
            return State.MISSING_FILE
        return State.APPLIED if row.checksum == file.checksum else State.CHECKSUM_MISMATCH
    if row is not None and row.kind is MigrationKind.UNDO and not row.success:
        return State.UNDO_FAILED
    if row is not None and row.kind is MigrationKind.UNDO and file is None:
        return State.UNDONE
    if baseline is not None and version <= baseline:
        return State.BELOW_BASELINE
    if highest is not None and version < highest:
        return State.OUT_OF_ORDER
    return State.PENDING


def plan_forward(entries: list[Entry], *, target: Version | None = None, steps: int | None = None,
                 out_of_order: bool = False) -> list[StepSpec]:
    """What `migrate` runs: resume a failed file first, then pending versions in order, then repeatables.

    Raises:
        ChecksumMismatchError: an applied file changed; nothing runs until it is restored or repaired.
        PlanError: an out-of-order file without permission, or an unknown target.
    """
    mismatched = [e for e in entries if e.state is State.CHECKSUM_MISMATCH]
    if mismatched:
        names = ", ".join(e.script for e in mismatched)
        raise ChecksumMismatchError(
            f"applied file(s) changed since they ran: {names}. See what changed with `dbworkbench show "
            f"{mismatched[0].key}`; restore the file, or accept it with `dbworkbench repair`.")
    undo_failed = [e for e in entries if e.state is State.UNDO_FAILED]
    if undo_failed:
        raise PlanError(f"the undo of {undo_failed[0].script} stopped part-way; finish it with "
                        "`dbworkbench down`, or clear it with `dbworkbench repair`.")
    late = [e for e in entries if e.state is State.OUT_OF_ORDER]
    if late and not out_of_order:
        raise PlanError(f"{', '.join(e.script for e in late)} sort(s) below the highest applied version. "
                        "Rename to a later version, or allow it with --out-of-order (or out_of_order = true).")
    if target is not None and not any(e.version == target for e in entries):
        raise PlanError(f"no migration has version {target}.")
    fresh_baseline = next((e for e in entries if e.kind is MigrationKind.BASELINE and e.row is None), None)
    if fresh_baseline is not None and target is not None and fresh_baseline.version is not None \
            and target < fresh_baseline.version:
        entries = _without_baseline(entries)
    runnable = {State.FAILED: StepAction.RESUME, State.PENDING: StepAction.APPLY,
                State.OUT_OF_ORDER: StepAction.APPLY, State.OUTDATED: StepAction.APPLY}
    specs: list[StepSpec] = []
    for entry in entries:
        if entry.state not in runnable or entry.file is None:
            continue
        if target is not None and (entry.version is None or entry.version > target):
            continue
        specs.append(StepSpec(runnable[entry.state], entry))
    specs.sort(key=lambda s: 0 if s.action is StepAction.RESUME else 1)
    return specs[:steps] if steps is not None else specs


def plan_backward(entries: list[Entry], *, target: Version | None = None, steps: int | None = None) -> list[StepSpec]:
    """What `down` undoes: applied versions, highest first (a stopped undo is finished first).

    Raises:
        PlanError: nothing to undo, or an unknown target.
    """
    unfinished = [e for e in entries if e.state is State.UNDO_FAILED]
    if unfinished:
        return [StepSpec(StepAction.RESUME_UNDO, unfinished[-1])]
    applied = [e for e in entries if e.kind is MigrationKind.VERSIONED and e.state.is_applied]
    applied.sort(key=lambda e: e.version or Version((), ""), reverse=True)
    if not applied:
        raise PlanError("nothing is applied, so there is nothing to undo.")
    if target is not None:
        if not any(e.version == target for e in entries):
            raise PlanError(f"no migration has version {target}.")
        chosen = [e for e in applied if e.version is not None and e.version > target]
    else:
        chosen = applied[: steps if steps is not None else 1]
    return [StepSpec(StepAction.UNDO, e) for e in chosen]


def row_states(entries: list[Entry], rows: list[HistoryRow]) -> list[tuple[HistoryRow, str]]:
    """Every history row with what it means now, newest first: the current row of a migration takes its
    entry's state; an apply later undone is "undone"; an undo row is "undo"; an older repeatable run is
    "superseded"."""
    current = {e.row.rank: e for e in entries if e.row is not None}
    undone_before: dict[str, int] = {}
    for row in rows:
        if row.kind is MigrationKind.UNDO and row.success and row.version is not None:
            undone_before[row.version] = row.rank
    described: list[tuple[HistoryRow, str]] = []
    for row in reversed(rows):
        if row.kind is MigrationKind.UNDO:
            label = "undo" if row.success else State.UNDO_FAILED.value
        elif row.rank in current:
            state = current[row.rank].state
            label = "baseline" if row.kind is MigrationKind.BASELINE else state.value
        elif row.kind is MigrationKind.REPEATABLE:
            label = "superseded"
        elif row.version is not None and undone_before.get(row.version, -1) > row.rank:
            label = "undone"
        else:
            label = "superseded"
        described.append((row, label))
    return described
