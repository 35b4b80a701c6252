"""What every CLI renderer shares: state symbols, aligned tables, local times, an entry as JSON."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from dbworkbench.core.planner import Entry, State

SYMBOLS = {
    State.APPLIED: "✓", State.PENDING: "·", State.FAILED: "✗", State.CHECKSUM_MISMATCH: "≠",
    State.MISSING_FILE: "?", State.OUT_OF_ORDER: "↯", State.BASELINE: "⊢", State.BELOW_BASELINE: "⊢", State.UNDONE: "↶",
    State.OUTDATED: "↻", State.UNDO_FAILED: "✗",
}
"""One symbol per state, shown before it in tables."""


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain aligned text table."""
    columns = list(zip(headers, *rows, strict=False))
    widths = [max(map(len, column)) for column in columns]
    template = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(template.format(*row).rstrip() for row in (headers, *rows))


_LOCAL_ZONE = datetime.now().astimezone().tzinfo


def when(value: datetime | None) -> str:
    """A timestamp in local time, to the second."""
    return str(value.astimezone(_LOCAL_ZONE))[:19] if value else ""


def entry_json(entry: Entry) -> dict[str, Any]:
    """One status entry as JSON-ready data."""
    row = entry.row
    return {
        "version": entry.version.text if entry.version else None, "key": entry.key, "description": entry.description,
        "kind": entry.kind.value, "script": entry.script, "state": entry.state.value,
        "file_checksum": entry.file.checksum if entry.file else None,
        "applied_checksum": row.checksum if row else None,
        "installed_rank": row.rank if row else None, "installed_by": row.installed_by if row else None,
        "installed_on": row.installed_on.isoformat() if row else None,
        "execution_ms": row.execution_ms if row else None,
        "statements_done": row.statements_done if row else None,
        "statements_total": row.statements_total if row else None,
        "error": row.error if row else None,
    }


def detail_text(detail: dict[str, Any]) -> str:
    shown = {k: v for k, v in detail.items() if k not in ("old_up_sql",)}
    text = ", ".join(f"{k}={v}" for k, v in shown.items())
    return text if len(text) < 80 else text[:79] + "…"
