"""StatusHeader: project, environment, server, current version and counts; a protected environment is unmistakable."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from dbworkbench.app.reports import StatusReport


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
        s = report.summary
        text = (f"{badge}env {environment} · v{s.current_version or '-'} · applied {s.applied} · pending {s.pending} · "
                f"problems {s.problems} · {s.target} · PostgreSQL {s.server_version} · project {project}")
        self.update(Content(text.strip()))
