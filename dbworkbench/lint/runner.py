"""Run the rules over a file: parse once with libpg_query, keep per-file context, apply suppressions.

`-- dbworkbench:allow RULE[, RULE] because REASON` before or inside a statement silences those rules for
it; an allow without a reason is itself a finding.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from dbworkbench.core.lexer import Statement, line_col
from dbworkbench.core.steps import autocommit_reason, enum_value_used_later
from dbworkbench.core.syntax import SqlSyntaxError, parse_statements
from dbworkbench.lint.findings import Finding, Severity
from dbworkbench.lint.parse_tree import statement_trees
from dbworkbench.lint.rules import RULES, FileContext, Hit, SchemaKnowledge
from dbworkbench.lint.rules_storage import MORE_RULES

ALLOW_RE = re.compile(r"--\s*dbworkbench:allow\s+([\w,\s-]+?)(?:\s+because\s+(\S.*))?$", re.IGNORECASE | re.MULTILINE)
"""A suppression comment: the rules, then `because` and the reason."""
NO_TRANSACTION = "dbworkbench:no-transaction"


class _Offsets:
    """libpg_query reports byte offsets; findings are reported in characters."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.ascii = text.isascii()
        self.encoded = b"" if self.ascii else text.encode("utf-8")

    def char(self, byte_offset: int) -> int:
        if self.ascii:
            return byte_offset
        return len(self.encoded[:byte_offset].decode("utf-8", errors="ignore"))


def lint_text(text: str, path: str, *, server_major: int = 18, lock_timeout_configured: bool = False,
              line_base: int = 1, honour_inline_allows: bool = True,
              schema: SchemaKnowledge | None = None) -> list[Finding]:
    """Lint one file's SQL.

    Args:
        text: the SQL (placeholders already filled, or left as written).
        path: shown in findings.
        server_major: the target server's major version.
        lock_timeout_configured: the environment already sets lock_timeout for the session.
        line_base: the text's first line in its file (an undo section starts part-way down).
        honour_inline_allows: an author's `-- dbworkbench:allow RULE because …` silences RULE (False on a
            protected database, where only a reviewed approval file counts).
        schema: the schema the file meets (`lint.catalog`), for the rules a file alone cannot decide.
    """
    from pglast import parser

    try:
        statements = parse_statements(text)
        trees = statement_trees(text, statements)
    except (SqlSyntaxError, parser.ParseError) as exc:
        offset = exc.offset if isinstance(exc, SqlSyntaxError) else 0
        line, column = line_col(text, offset)
        return [Finding("syntax-error", Severity.ERROR, path, line + line_base - 1, column, str(exc),
                        "Fix the statement; nothing in this file can run.")]
    offsets = _Offsets(text)
    transactional = NO_TRANSACTION not in text and not any(autocommit_reason(s, server_major) for s in statements)
    context = FileContext(server_major=server_major, transactional=transactional, schema=schema)
    findings: list[Finding] = []
    previous_end = 0
    for index, (raw, statement) in enumerate(zip(trees, statements, strict=False)):
        kind, node = next(iter(raw["stmt"].items()))
        window = text[previous_end:statement.offset + len(statement.text)]
        previous_end = statement.offset + len(statement.text)
        allowed, problems = _allowances(window)
        for hit in _hits(kind, node, context):
            if hit.rule in allowed and honour_inline_allows:
                continue
            findings.append(_finding(hit, path, text, offsets, statement.offset, line_base, index))
        for problem in problems:
            line, column = line_col(text, statement.offset)
            findings.append(Finding("allow-without-reason", Severity.WARNING, path, line + line_base - 1, column,
                                    problem, "Write `-- dbworkbench:allow RULE because WHY`.", index))
    used = _enum_value_used_later(statements, server_major)
    if used is not None:
        line, column = line_col(text, used[0].offset)
        findings.append(Finding("enum-value-added-and-used", Severity.INFO, path, line + line_base - 1, column,
                                f"enum value {used[1]} is added and used in the same file: PostgreSQL refuses that "
                                "in one transaction, so dbworkbench runs this file statement by statement.",
                                "Fine as is; a failure part-way leaves the earlier statements applied, and "
                                "`migrate` resumes.", used[0].index))
    if context.touches_existing and not context.sets_lock_timeout and not lock_timeout_configured:
        findings.append(Finding("require-lock-timeout", Severity.WARNING, path, line_base, 1,
                                "this file changes existing tables without a lock_timeout: one long query ahead of "
                                "it in the lock queue stalls every other query on the table.",
                                "Set lock_timeout for the environment in dbworkbench.toml, or SET lock_timeout "
                                "= '5s' at the top of the file."))
    return sorted(findings, key=lambda f: (f.line, f.column, f.rule))


def _enum_value_used_later(statements: Sequence[Statement], server_major: int) -> tuple[Statement, str] | None:
    label = enum_value_used_later(statements) if server_major >= 12 else None
    if label is None:
        return None
    return next(s for s in statements if "add value" in " ".join(s.text.lower().split())), label


def _no_rules(node: object, context: FileContext) -> Iterable[Hit]:
    return ()


def _hits(kind: str, node: dict[str, Any], context: FileContext) -> Iterator[Hit]:
    """The rules for a statement, and for what it runs inside: data-modifying CTEs and DO blocks."""
    yield from RULES.get(kind, _no_rules)(node, context)
    yield from MORE_RULES.get(kind, _no_rules)(node, context)
    for cte in node.get("withClause", {}).get("ctes", []) if isinstance(node.get("withClause"), dict) else []:
        inner = cte.get("CommonTableExpr", {}).get("ctequery", {})
        for inner_kind, inner_node in inner.items():
            yield from _hits(inner_kind, inner_node, context)
    if kind == "DoStmt":
        for sql in _do_block_statements(node):
            for hit in _nested_hits(sql, context):
                yield Hit(hit.rule, hit.severity, "inside a DO block: " + hit.message, hit.recipe, None)


def _nested_hits(sql: str, context: FileContext) -> Iterator[Hit]:
    from pglast import parser

    try:
        tree = json.loads(parser.parse_sql_json(sql))
    except parser.ParseError:
        return
    for raw in tree.get("stmts", []):
        inner_kind, inner_node = next(iter(raw["stmt"].items()))
        for hit in _hits(inner_kind, inner_node, context):
            yield Hit(hit.rule, hit.severity, hit.message, hit.recipe, None)


def _do_block_statements(node: dict[str, Any]) -> list[str]:
    """The SQL a PL/pgSQL DO block runs: its static statements, and EXECUTE of constant strings."""
    from pglast import parser

    options = {a["DefElem"]["defname"]: a["DefElem"].get("arg", {}).get("String", {}).get("sval")
               for a in node.get("args", []) if "DefElem" in a}
    body = options.get("as")
    if not body or (options.get("language") or "plpgsql").lower() != "plpgsql":
        return []
    tag = "$dbwb_do$"
    try:
        tree = json.loads(parser.parse_plpgsql_json(
            f"CREATE FUNCTION dbwb_do() RETURNS void LANGUAGE plpgsql AS {tag}{body}{tag}"))
    except parser.ParseError:
        return []
    found: list[str] = []

    def walk(item: Any) -> None:
        if isinstance(item, dict):
            if "PLpgSQL_stmt_execsql" in item:
                found.append(item["PLpgSQL_stmt_execsql"]["sqlstmt"]["PLpgSQL_expr"]["query"])
            elif "PLpgSQL_stmt_dynexecute" in item:
                query = item["PLpgSQL_stmt_dynexecute"]["query"]["PLpgSQL_expr"]["query"].strip()
                if len(query) >= 2 and query[0] == query[-1] == "'" and "'" not in query[1:-1].replace("''", ""):
                    found.append(query[1:-1].replace("''", "'"))
            for value in item.values():
                walk(value)
        elif isinstance(item, list):
            for value in item:
                walk(value)

    walk(tree)
    return found


def _allowances(window: str) -> tuple[set[str], list[str]]:
    allowed: set[str] = set()
    problems = []
    for match in ALLOW_RE.finditer(window):
        rules = {r.strip() for r in re.split(r"[,\s]+", match.group(1)) if r.strip()}
        if not match.group(2):
            problems.append(f"`dbworkbench:allow {', '.join(sorted(rules))}` gives no reason, so it is ignored.")
            continue
        allowed |= rules
    return allowed, problems


def finding_of(hit: Hit, path: str, text: str) -> Finding:
    """A hit placed in `text` (its location a byte offset from the parse tree)."""
    return _finding(hit, path, text, _Offsets(text), 0, 1, 0)


def _finding(hit: Hit, path: str, text: str, offsets: _Offsets, statement_offset: int, line_base: int,
             index: int) -> Finding:
    offset = offsets.char(hit.location) if hit.location is not None and hit.location >= 0 else statement_offset
    line, column = line_col(text, offset)
    return Finding(hit.rule, hit.severity, path, line + line_base - 1, column, hit.message, hit.recipe, index)
