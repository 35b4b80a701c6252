"""StatusHeader: project, environment, server, current version and counts; a protected environment is unmistakable."""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.widgets import Static

from dbworkbench.app.reports import StatusReport


@dataclass(frozen=True, slots=True)
class HeaderState:
    """What the header shows, kept to draw it again at a new width."""

    project: str
    environment: str
    protected: bool
    writable: bool
    report: StatusReport | None


class StatusHeader(Static):
    """One line on top (two on a narrow terminal): where we are and what state it is in, the things a person must
    see (environment, version, pending, problems, the real target) always shown, the rest as room allows."""

    DEFAULT_CSS = """
    StatusHeader { height: auto; max-height: 2; background: $panel; color: $foreground; padding: 0 1; }
    StatusHeader.-protected { background: $protected; color: $protected-text; text-style: bold; }
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.state: HeaderState | None = None

    def show(self, *, project: str, environment: str, protected: bool, writable: bool,
             report: StatusReport | None) -> None:
        """Render the header for the current state (and again on a resize, to fit the new width)."""
        self.state = HeaderState(project, environment, protected, writable, report)
        self._draw()

    def on_resize(self) -> None:
        self._draw()

    def _draw(self) -> None:
        state = self.state
        if state is None:
            return
        self.set_class(state.protected, "-protected")
        badge = ""
        if state.protected:
            badge = "▲ PRODUCTION · " + ("WRITES ENABLED" if state.writable else "READ-ONLY (w)") + " ▲ "
        if state.report is None:
            self.update(Content(f"{badge}env {state.environment} · connecting… · project {state.project}"))
            return
        s = state.report.summary
        must = [f"{badge}env {state.environment}", f"v{s.current_version or '-'}", f"pending {s.pending}",
                f"problems {s.problems}"]
        optional = [f"applied {s.applied}", f"PostgreSQL {s.server_version}", f"project {state.project}"]
        self.update(Content(fit_header(must, s.target, optional, max(20, (self.size.width or 200) - 2))))


def fit_header(must: list[str], target: str, optional: list[str], width: int) -> str:
    """The header in `width` columns: one line when everything fits; otherwise what must show on the first line
    and the target on the second, with the optional parts that fit after it; a target too long for its line is
    shortened in its middle, never dropped."""
    one = " · ".join([*must, target, *optional])
    if len(one) <= width:
        return one
    rest = list(optional)
    while rest and len(" · ".join([target, *rest])) > width:
        rest.pop()
    second = " · ".join([target, *rest])
    if len(second) > width:
        keep = max(12, width - 1)
        second = target[: keep // 2] + "…" + target[len(target) - (keep - keep // 2):]
    return " · ".join(must) + "\n" + second
