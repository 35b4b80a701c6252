"""The `diff` verb: the SQL that turns one schema into another, each side a database URL or a folder of .sql
files. Kept apart from the other schema-as-code verbs so that diffing two databases loads only the catalog
reader, the model and the differ."""

from __future__ import annotations

from dataclasses import dataclass

from dbworkbench.config import Settings
from dbworkbench.schema.diff import SchemaDiff
from dbworkbench.schema.diff import diff as diff_snapshots
from dbworkbench.schema.sources import load_both


@dataclass(frozen=True, slots=True)
class DiffReport:
    """The SQL that turns one schema into another."""

    result: SchemaDiff


def diff(settings: Settings, source: str, target: str, *, allow_data_loss: bool = False,
         renames: dict[str, str] | None = None) -> DiffReport:
    """Diff two schemas, each a URL or a folder of .sql files (built on a scratch database).

    Raises:
        PlanError: a folder's file fails. DatabaseConnectionError: unreachable database.
    """
    before, after = load_both(source, target, settings)
    return DiffReport(diff_snapshots(before, after, allow_data_loss=allow_data_loss, renames=renames or {}))
