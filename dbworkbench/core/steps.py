"""Prepare a planned step for running: choose its text, fill placeholders, split it, pick a transaction mode.

Pure: needs the server's major version (for `ALTER TYPE ... ADD VALUE`), never a connection. Every
problem found here (undefined placeholder, unterminated quote, syntax error, stray COMMIT, missing
undo) is raised before anything touches the database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dbworkbench.core.discovery import MigrationFile, MigrationKind, blank
from dbworkbench.core.events import excerpt
from dbworkbench.core.history import HistoryRow, NewRow
from dbworkbench.core.lexer import Statement, line_col, significant_words, strip_comments_and_space
from dbworkbench.core.planner import State, StepSpec
from dbworkbench.core.scripts import Substituted, substitute
from dbworkbench.core.statement_list import heads
from dbworkbench.core.syntax import SqlSyntaxError, parse_statements
from dbworkbench.core.upfront import asks_upfront, upfront_locks
from dbworkbench.errors import PlanError

HISTORY_TEXT_LIMIT = 256 << 20
"""A file's text longer than this (characters) is not stored in history: PostgreSQL's limit for one value is 1 GB,
and such a text would be held in memory several times over by every reader of history."""
_TX_CONTROL = {"begin", "start", "commit", "end", "rollback", "abort"}
_TX_WORDS = (*_TX_CONTROL, "prepare")
BATCH_RE = re.compile(r"--[ \t]*dbworkbench:batch\b([^\n]*)", re.IGNORECASE)
"""`-- dbworkbench:batch [pause=ms] [max=N]` before an UPDATE/DELETE: repeat it until it touches no row."""


@dataclass(frozen=True, slots=True)
class BatchSpec:
    """How to repeat a batched statement."""

    pause_ms: int = 0
    """Pause between batches, letting other writers through."""
    max_batches: int = 100_000
    """A guard against a WHERE that never runs out of rows."""
_ADD_VALUE_RE = re.compile(r"\badd\s+value\s+(?:if\s+not\s+exists\s+)?('(?:[^']|'')*')", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class PreparedStep:
    """A step ready for the executor (or for a dry-run rendering)."""

    spec: StepSpec
    script: str
    """Display path of the text being run (relative to the project)."""
    text: Substituted
    statements: Sequence[Statement]
    transactional: bool
    start_at: int
    line_base: int
    """Line of `text`'s first line in its file (an undo section starts part-way down)."""
    raw_text: str
    """The text before placeholder substitution: positions are reported in it."""
    row: NewRow
    resume_rank: int | None
    warnings: tuple[str, ...] = field(default=())
    batches: dict[int, BatchSpec] = field(default_factory=dict)
    """Statement index -> batch settings, for statements marked `-- dbworkbench:batch`."""
    upfront: tuple[tuple[str, str, str], ...] = ()
    """Tables to lock before the first statement (schema, table, mode): `core.upfront`."""

    @property
    def version(self) -> str | None:
        """Canonical version, if versioned."""
        return self.spec.entry.version.canonical if self.spec.entry.version else None

    def position(self, statement: Statement, offset_in_statement: int = 0) -> tuple[int, int]:
        """File line and column of a character inside a statement."""
        original = self.text.original_offset(statement.offset + offset_in_statement)
        line, column = line_col(self.raw_text, original)
        return line + self.line_base - 1, column


_MAYBE_OUTSIDE = ("create", "drop", "reindex", "vacuum", "alter")
"""A statement that cannot run in a transaction starts with one of these words (its text starts at its first
token), so the others are answered without lexing them."""


def autocommit_reason(statement: Statement, server_major: int) -> str | None:
    """Why a statement cannot run inside a transaction block, or None."""
    if not statement.text[:8].lower().startswith(_MAYBE_OUTSIDE):
        return None
    head = significant_words(statement.text, 4)
    if not head:
        return None
    words = significant_words(statement.text, 40) if head[:2] == ["alter", "table"] else head
    first = head[0]
    if first == "create" and "index" in head[:3] and "concurrently" in words[:4]:
        return "CREATE INDEX CONCURRENTLY"
    if first == "drop" and head[1:3] == ["index", "concurrently"]:
        return "DROP INDEX CONCURRENTLY"
    if first == "reindex" and ("concurrently" in words[:8] or (len(words) > 1 and words[1] in ("database", "system"))):
        return "REINDEX CONCURRENTLY" if "concurrently" in words[:8] else "REINDEX DATABASE/SYSTEM"
    if first == "vacuum":
        return "VACUUM"
    if first in ("create", "drop") and len(head) > 1 and head[1] in ("database", "tablespace", "subscription"):
        return f"{first.upper()} {head[1].upper()}"
    if first == "alter" and head[1:2] == ["system"]:
        return "ALTER SYSTEM"
    if first == "alter" and head[1:2] == ["table"] and "detach" in words and words[-1:] == ["concurrently"]:
        return "DETACH PARTITION CONCURRENTLY"
    if first == "alter" and head[1:2] == ["type"] and server_major < 12 and _ADD_VALUE_RE.search(statement.text):
        return "ALTER TYPE ... ADD VALUE (before PostgreSQL 12)"
    return None


def outside_transaction(file: MigrationFile, server_major: int) -> str | None:
    """Why a file's up part will run outside a transaction (its marker, or a statement the engine detects), or
    None. What the workbench badges; `prepare` decides the same way (placeholders aside)."""
    if file.no_transaction:
        return "marked dbworkbench:no-transaction"
    try:
        statements = parse_statements(file.up_sql)
    except SqlSyntaxError:
        return None
    reason = next((r for r in (autocommit_reason(s, server_major) for s in statements) if r), None)
    if reason is None and server_major >= 12 and (used := enum_value_used_later(statements)):
        reason = f"enum value {used} added and used in the same file"
    return reason


def enum_value_used_later(statements: Sequence[Statement]) -> str | None:
    """The label of an enum value added by one statement and used by a later one, if any."""
    for i, head in enumerate(heads(statements, 5)):
        if head.lower() != "alter":
            continue  # the text starts at the statement's first token
        statement = statements[i]
        words = significant_words(statement.text, 3)
        if words[:2] != ["alter", "type"]:
            continue
        match = _ADD_VALUE_RE.search(statement.text)
        if match and any(match.group(1) in later.text for later in statements[i + 1:]):
            return match.group(1)
    return None


def _strip_wrapping_transaction(statements: Sequence[Statement], script: str) -> tuple[Sequence[Statement], list[str]]:
    """Drop a file's own BEGIN ... COMMIT around everything; refuse transaction control elsewhere."""
    warnings: list[str] = []
    if len(statements) >= 2 and significant_words(statements[0].text, 2)[:1] in (["begin"], ["start"]) and \
            significant_words(statements[-1].text, 2)[:1] in (["commit"], ["end"]):
        statements = statements[1:-1]
        warnings.append(f"{script}: its own BEGIN/COMMIT were skipped; dbworkbench runs each file in one transaction.")
    for i, start in enumerate(heads(statements, 8)):
        if not start.lower().startswith(_TX_WORDS):
            continue  # transaction control starts with one of its words (a statement starts at its first token)
        statement = statements[i]
        head = significant_words(statement.text, 2)
        if head[:2] == ["prepare", "transaction"]:
            raise PlanError(f"{script}:{statement.line}:{statement.column}: PREPARE TRANSACTION would leave the "
                            "file's work in a prepared transaction, committed by nobody, while history said "
                            "applied. Two-phase commit cannot run inside a migration.")
        if head[:1] and head[0] in _TX_CONTROL and not (head[0] == "rollback" and head[1:2] == ["to"]):
            raise PlanError(f"{script}:{statement.line}:{statement.column}: {head[0].upper()} inside a migration "
                            "would break its one-transaction guarantee. Remove it, or split the file; "
                            "use -- dbworkbench:no-transaction for statements that must run outside a transaction.")
    return statements, warnings


def prepare(spec: StepSpec, *, migrations_dir: Path, project_dir: Path, placeholders: dict[str, str], server_major: int,
            stored: HistoryRow | None, lock_upfront: bool = False) -> PreparedStep:
    """Turn a planned step into statements to run.

    Args:
        spec: the planned step.
        migrations_dir: where the files live.
        project_dir: paths are shown relative to it.
        placeholders: the environment's `${name}` values.
        server_major: the target server's major version.
        stored: the history row with SQL text (for undo from history, or a resume's rank).
        lock_upfront: the environment's `lock_upfront` (a file's `-- dbworkbench:lock-upfront` asks alone).

    Raises:
        PlanError: no undo text, undefined placeholder, unterminated quote, syntax error, stray COMMIT.
    """
    entry = spec.entry
    file = entry.file
    undo = spec.action.is_undo
    if undo:
        text, script, line_base = _undo_text(spec, stored)
    else:
        assert file is not None
        text, script, line_base = file.up_sql, file.script, 1
    display = _display(migrations_dir, script, project_dir)
    try:
        substituted = substitute(text, placeholders)
    except KeyError as exc:
        names = ", ".join(f"${{{n}}}" for n in exc.args)
        raise PlanError(f"{display}: placeholder(s) {names} have no value in environment placeholders.",
                        title="undefined placeholder") from exc
    try:
        parsed = parse_statements(substituted.text)
    except SqlSyntaxError as exc:
        line, col = line_col(text, substituted.original_offset(exc.offset))
        raise PlanError(f"{display}:{line + line_base - 1}:{col}: {exc.message}. Nothing was run.",
                        title="SQL syntax error") from exc
    statements, warnings = _strip_wrapping_transaction(parsed, display)
    batches = _batches(statements, substituted.text, display)
    reasons = [r for i, head in enumerate(heads(statements, 8)) if head.lower().startswith(_MAYBE_OUTSIDE)
               and (r := autocommit_reason(statements[i], server_major))]
    if batches:
        reasons.append("a batched statement (each batch commits on its own)")
    forced = file is not None and file.no_transaction and not undo
    used = enum_value_used_later(statements) if server_major >= 12 else None
    transactional = not (reasons or forced or used)
    if used:
        warnings.append(f"{display}: enum value {used} is added and used in the same file, so it runs outside a transaction.")
    if reasons and len(reasons) < len(statements):
        warnings.append(f"{display}: {reasons[0]} cannot run in a transaction, so all {len(statements)} statements run "
                        "one by one in autocommit; a failure keeps the earlier ones and `migrate` resumes at the failed one.")
    upfront: tuple[tuple[str, str, str], ...] = ()
    if lock_upfront or asks_upfront(substituted.text):
        if transactional:
            upfront = upfront_locks(statements)
        elif asks_upfront(substituted.text):
            warnings.append(f"{display}: dbworkbench:lock-upfront is ignored: the file runs outside a transaction, so "
                            "its locks cannot be held across its statements.")
    stored_text: str | None = substituted.text
    if len(substituted.text) > HISTORY_TEXT_LIMIT and not undo:
        stored_text = None
        warnings.append(f"{display} is {len(substituted.text) // (1 << 20)} MB: history keeps its checksum but not its "
                        f"text (over {HISTORY_TEXT_LIMIT >> 20} MB), so `show`, `analyze` and `drift` cannot replay it.")
    resume_rank = stored.rank if stored is not None and spec.action.is_resume else None
    start_at = stored.statements_done if resume_rank is not None and stored is not None else 0
    if resume_rank is not None and stored is not None and stored.up_sql is not None and not undo:
        _check_resumable(display, parse_statements(stored.up_sql)[:start_at], statements[:start_at])
    row = NewRow(
        version=entry.version.canonical if entry.version else None,
        description=entry.description,
        kind=MigrationKind.UNDO if undo else entry.kind,
        script=script,
        checksum=None if undo else (file.checksum if file else None),
        up_sql=None if undo else stored_text,
        undo_sql=substituted.text if undo else _undo_for_history(file, placeholders),
        success=transactional,
        statements_done=0,
        statements_total=len(statements),
    )
    return PreparedStep(spec, display, substituted, statements, transactional, start_at, line_base, text, row,
                        resume_rank, tuple(warnings), batches, upfront)


def _check_resumable(display: str, done: Sequence[Statement], now: Sequence[Statement]) -> None:
    """A resume skips the statements that already ran: refuse it unless the file still starts with exactly them.

    Raises:
        PlanError: naming the first statement that ran but is no longer the file's.
    """
    for index, ran in enumerate(done):
        current = now[index].text if index < len(now) else None
        if current is None or strip_comments_and_space(current) != strip_comments_and_space(ran.text):
            raise PlanError(
                f"{display}: statement {index + 1} ran as `{excerpt(ran.text, 60)}` before the run stopped, but the "
                f"file now has `{excerpt(current, 60) if current else 'nothing'}` there. Resuming would skip it. "
                f"Restore statements 1-{len(done)} as they ran, or `dbworkbench repair` to forget the unfinished "
                "run (its statements stay applied) and write a new migration for the rest.", title="cannot resume")


def _batches(statements: Sequence[Statement], text: str, display: str) -> dict[int, BatchSpec]:
    """Batch directives, each in the comments just before its statement."""
    found: dict[int, BatchSpec] = {}
    if BATCH_RE.search(text) is None:
        return found
    previous_end = 0
    for statement in statements:
        window = text[previous_end:statement.offset]
        previous_end = statement.offset + len(statement.text)
        directives = list(BATCH_RE.finditer(window))
        if not directives:
            continue
        match = directives[-1]
        options = dict(o.split("=", 1) for o in match.group(1).split() if "=" in o)
        unknown = set(options) - {"pause", "max", "size"}
        if unknown or not all(v.isdigit() for v in options.values()):
            raise PlanError(f"{display}:{statement.line}: `dbworkbench:batch` takes pause=MILLISECONDS and max=BATCHES "
                            f"(whole numbers); got {match.group(1).strip()!r}.")
        if significant_words(statement.text, 1)[:1] not in (["update"], ["delete"], ["with"]):
            raise PlanError(f"{display}:{statement.line}:{statement.column}: `dbworkbench:batch` goes before an "
                            "UPDATE or DELETE.")
        found[statement.index] = BatchSpec(int(options.get("pause", 0)), int(options.get("max", 100_000)))
    return found


def _undo_text(spec: StepSpec, stored: HistoryRow | None) -> tuple[str, str, int]:
    """The undo to run: an unfinished undo's own text, else the file's, else the one stored at apply time.

    When the applied file has changed since it ran, the stored undo (written for what ran) wins.
    """
    entry = spec.entry
    file = entry.file
    if stored is not None and stored.undo_tampered:
        raise PlanError(f"{entry.script}: the undo stored in history no longer matches the checksum recorded when it "
                        "was written (changed in the database?); it is not run. Compare it with `dbworkbench show "
                        f"{entry.key}`, then restore the file's undo section or undo by hand and `repair`.",
                        title="stored undo changed")
    if stored is not None and stored.kind is MigrationKind.UNDO and stored.undo_sql:
        return stored.undo_sql, stored.script, 1
    stored_undo = stored.undo_sql if stored is not None and stored.kind is MigrationKind.VERSIONED else None
    stored_undo = None if stored_undo is not None and blank(stored_undo) else stored_undo  # stored by an older
    # dbworkbench for an empty `-- @undo` section: it undoes nothing, so it is not an undo
    if file is not None and file.undo_sql is not None and file.undo_script is not None and (
            entry.state is not State.CHECKSUM_MISMATCH or not stored_undo):
        return file.undo_sql, file.undo_script, file.undo_line
    if stored_undo:
        return stored_undo, f"history:{entry.script}", 1
    raise PlanError(f"{entry.script} has no undo: no U{entry.version.text if entry.version else entry.key}__ file, no `-- @undo` section, and none stored "
                    "in history. Write an undo file, or revert by hand and `dbworkbench repair`.",
                    title="no undo available")


def _undo_for_history(file: MigrationFile | None, placeholders: dict[str, str]) -> str | None:
    """The undo text stored with an apply, placeholders filled where they can be."""
    if file is None or file.undo_sql is None:
        return None
    try:
        return substitute(file.undo_sql, placeholders).text
    except KeyError:
        return file.undo_sql


def _display(migrations_dir: Path, script: str, project_dir: Path) -> str:
    if script.startswith("history:"):
        return script
    path = migrations_dir / script
    try:
        return path.relative_to(project_dir).as_posix()
    except ValueError:
        return str(path)
