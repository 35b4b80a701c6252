"""Application queries from a PostgreSQL server log, for the breaks-query rules: a `.log` (the stderr format),
`.json`/`.jsonl` (jsonlog) or `.csv` (csvlog) file in the queries folder, as the server writes it with
`log_statement = 'all'` or `log_min_duration_statement`.

Each `statement:` and `execute …:` message is a query (a multi-line one continues on the lines that start with a
tab, in the stderr format); only queries that read or write rows are kept (the log also holds the migrations'
own DDL), once each, at the line they first appear on.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

LOG_SUFFIXES = (".log", ".json", ".jsonl", ".csv")
"""Files of the queries folder read as server logs."""
_MESSAGE = re.compile(r"(?:^|\s)(?:statement|execute [^:]*): (?P<query>.*)\Z", re.DOTALL)
_STDERR_LINE = re.compile(r"\b(?:LOG|LOCATION|STATEMENT|DETAIL|ERROR|WARNING|HINT|NOTICE|CONTEXT|FATAL|PANIC):  ")
_ROW_WORDS = ("select", "insert", "update", "delete", "with", "merge", "values", "table")
CSV_MESSAGE_FIELD = 13
"""The message's column in csvlog rows."""


def read_log(path: Path) -> list[tuple[int, str]]:
    """(line, query) for each distinct row query the log holds.

    Raises:
        OSError, UnicodeDecodeError, ValueError: the file cannot be read as that kind of log.
    """
    seen: set[str] = set()
    found = []
    for line, message in _messages(path):
        match = _MESSAGE.search(message)
        if not match:
            continue
        query = match.group("query").strip().rstrip(";").strip()
        if query and query.split(None, 1)[0].lower() in _ROW_WORDS and query not in seen:
            seen.add(query)
            found.append((line, query))
    return found


def _messages(path: Path) -> Iterator[tuple[int, str]]:
    """Each log message with the line it starts on, read a line at a time (a log may be gigabytes)."""
    with path.open(encoding="utf-8", newline="" if path.suffix == ".csv" else None) as handle:
        if path.suffix in (".json", ".jsonl"):
            for number, raw in enumerate(handle, 1):
                if raw.strip():
                    record = json.loads(raw)
                    if isinstance(record, dict) and isinstance(record.get("message"), str):
                        yield number, record["message"]
        elif path.suffix == ".csv":
            reader = csv.reader(handle)
            first = 1
            for row in reader:  # a record may span lines (a query's newlines are kept inside its quotes)
                if len(row) > CSV_MESSAGE_FIELD:
                    yield first, row[CSV_MESSAGE_FIELD]
                first = reader.line_num + 1
        else:
            yield from _stderr_messages(line.rstrip("\r\n") for line in handle)


def _stderr_messages(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """Each message of a stderr-format log with its first line; continuation lines (a leading tab) joined."""
    start, parts = 0, list[str]()
    for number, raw in enumerate(lines, 1):
        if raw.startswith("\t") and parts:
            parts.append(raw[1:])
            continue
        if parts:
            yield start, "\n".join(parts)
        head = _STDERR_LINE.search(raw)
        start, parts = (number, [raw[head.end():]]) if head and "LOG:" in raw[:head.end()] else (number, [])
    if parts:
        yield start, "\n".join(parts)
