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
)
"""Palette entries: title and the MainScreen action they run."""


class WorkbenchCommands(Provider):
    """Offers the screen's actions and the app's (theme, help)."""

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        screen = self.app.screen
        entries: list[tuple[str, Callable[[], object]]] = [
            (title, partial(screen.run_action, action)) for title, action in COMMANDS]
        entries += [("Switch theme", partial(self.app.run_action, "next_theme")),
                    ("Help: keys", partial(self.app.run_action, "help"))]
        for title, callback in entries:
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback)
