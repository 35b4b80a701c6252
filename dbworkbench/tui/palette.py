"""The command palette: every workbench action, searchable."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import Hit, Hits, Provider

COMMANDS = (
    ("Step up: apply the next pending migration", "step_up"),
    ("Step down: undo the last applied migration", "step_down"),
    ("Migrate all pending", "migrate_all"),
    ("Migrate up to the selected version", "migrate_to_selected"),
    ("Redo the last migration", "redo"),
    ("Validate files against history", "validate"),
    ("Refresh", "refresh"),
    ("Switch environment", "switch_environment"),
    ("Enable or disable writes (protected environments)", "enable_writes"),
    ("Filter the history", "filter"),
    ("Copy the SQL shown", "copy_sql"),
    ("Pre-flight: what the selected pending file meets on the target now", "preflight"),
    ("Generate the selected file's undo (verified on a scratch copy)", "generate_undo"),
    ("Step into the next pending file, statement by statement", "step_into"),
    ("Accept the selected migration's changed file (repair it)", "accept_change"),
    ("Analyze: rehearse pending files on a scratch copy", "analyze"),
    ("Approve the selected file's unsafe findings", "approve_selected"),
    ("Before/after: the schema change of the selected file", "schema_change"),
    ("Drift: changes made outside migrations", "drift"),
    ("Rows: the first rows of the selected table (read-only)", "preview_rows"),
    ("Show the migrations tab", "show_tab('migrations')"),
    ("Show the schema tab", "show_tab('schema')"),
    ("Preview: SQL", "show_preview('tab-sql')"),
    ("Preview: undo", "show_preview('tab-undo')"),
    ("Preview: diff", "show_preview('tab-diff')"),
    ("Preview: info", "show_preview('tab-info')"),
    ("Preview: lint", "show_preview('tab-lint')"),
)
"""Palette entries: title and the MainScreen action they run."""


class WorkbenchCommands(Provider):
    """Offers the screen's actions and the app's (theme, help)."""

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        screen = self.app.screen
        entries: list[tuple[str, Callable[[], object]]] = [
            (title, partial(screen.run_action, action)) for title, action in COMMANDS]
        entries += [("Next theme", partial(self.app.run_action, "next_theme")),
                    ("Help: every key", partial(self.app.run_action, "help")),
                    ("Quit", partial(self.app.run_action, "quit"))]
        for title, callback in entries:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback)
