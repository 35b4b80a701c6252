"""ApprovalModal: approve a migration's unsafe findings, with a reason, bound to the file as it is now."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from dbworkbench.lint.findings import Finding


class ApprovalModal(ModalScreen[str | None]):
    """Dismisses with the reason typed, or None."""

    DEFAULT_CSS = """
    ApprovalModal { align: center middle; }
    ApprovalModal > Vertical { width: 80%; height: auto; border: thick $warning; background: $surface; padding: 0 1; }
    ApprovalModal .title { text-style: bold; color: $warning; }
    ApprovalModal Horizontal { height: auto; }
    ApprovalModal Input { width: 1fr; }
    """
    BINDINGS = [Binding("escape", "refuse", "Cancel", id="approval-cancel")]

    def __init__(self, script: str, findings: list[Finding]) -> None:
        super().__init__()
        self.script = script
        self.findings = findings

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Approve the unsafe changes of {self.script}", classes="title")
            yield Static("\n".join(f"  line {f.line}  [{f.rule}] {f.message}" for f in self.findings))
            yield Label("Why is this safe here? The approval binds to the file as it is now; committing it is up "
                        "to you.")
            with Horizontal():
                yield Input(placeholder="e.g. the table has 40 rows in production", id="reason")
                yield Button("Approve", variant="warning", id="approve", disabled=True)

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Changed, "#reason")
    def _typed(self, event: Input.Changed) -> None:
        self.query_one("#approve", Button).disabled = not event.value.strip()

    @on(Input.Submitted, "#reason")
    @on(Button.Pressed, "#approve")
    def _approve(self) -> None:
        reason = self.query_one(Input).value.strip()
        if reason:
            self.dismiss(reason)

    def action_refuse(self) -> None:
        self.dismiss(None)
