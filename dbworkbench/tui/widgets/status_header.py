"""StatusHeader: project, environment, server, current version and counts; a protected environment is unmistakable."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from dbworkbench.core.api import StatusReport
from dbworkbench.core.planner import State


class StatusHeader(Static):
    """One line on top: where we are and what state it is in."""

    DEFAULT_CSS = """
    StatusHeader { height: 1; background: $panel; color: $foreground; padding: 0 1; }
    StatusHeader.-protected { background: $protected; color: $protected-text; text-style: bold; }
    """

    def show(self, *, project: str, environment: str, protected: bool, writable: bool,
             report: StatusReport | None) -> None:
        """Render the header for the current state."""
        self.set_class(protected, "-protected")
        badge = ""
        if protected:
            badge = " ▲ PRODUCTION · " + ("WRITES ENABLED" if writable else "READ-ONLY (w to enable writes)") + " ▲ "
        if report is None:
            self.update(Content(f"{badge}env {environment} · connecting… · project {project}"))
            return
        applied = report.count(State.APPLIED, State.CHECKSUM_MISMATCH, State.MISSING_FILE)
        pending = report.count(State.PENDING, State.OUT_OF_ORDER, State.OUTDATED)
        problems = len(report.problems)
        text = (f"{badge}env {environment} · v{report.current_version or '-'} · applied {applied} · pending {pending} · "
                f"problems {problems} · {report.server} · PostgreSQL {report.server_version} · project {project}")
        self.update(Content(text.strip()))
