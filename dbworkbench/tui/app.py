"""DbWorkbenchApp: themes, keymap, help and the main screen, over an injected engine."""

from __future__ import annotations

from collections.abc import Mapping

from textual import on
from textual.app import App
from textual.binding import Binding

from dbworkbench.app.engine import EngineApi
from dbworkbench.tui import messages as msg
from dbworkbench.tui import theming
from dbworkbench.tui.palette import WorkbenchCommands
from dbworkbench.tui.screens.help import HelpScreen, key_label
from dbworkbench.tui.screens.main import MainScreen
from dbworkbench.tui.screens.targets import TargetsScreen


class DbWorkbenchApp(App[None]):
    """The workbench."""

    CSS_PATH = str(theming.themes_dir() / "workbench.tcss")
    TITLE = "dbworkbench"
    COMMANDS = {WorkbenchCommands}
    """Only dbworkbench's actions (Textual's own, and its twenty themes, would come first otherwise)."""
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", id="quit"),
        Binding("f1", "help", "Help", id="help"),
        Binding("ctrl+t", "next_theme", "Theme", id="next-theme", show=False),
    ]

    def __init__(self, engine: EngineApi, *, keymap: Mapping[str, str] | None = None, theme: str | None = None,
                 remember_theme: bool = True) -> None:
        super().__init__()
        self.engine = engine
        self._keymap = dict(keymap or {})
        self._initial_theme = theme
        self._remember_theme = remember_theme
        self._theme_names: list[str] = []
        self._themes_ready = False

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(theming.VARIABLE_DEFAULTS)

    def on_mount(self) -> None:
        loaded = theming.load_themes()
        for theme in loaded.themes:
            self.register_theme(theme)
        self._theme_names = [t.name for t in loaded.themes]
        for problem in loaded.problems:
            self.notify(problem, severity="warning", timeout=10)
        wanted = self._initial_theme or theming.saved_theme() or theming.DEFAULT_THEME
        self.theme = wanted if wanted in self.available_themes else theming.DEFAULT_THEME \
            if theming.DEFAULT_THEME in self.available_themes else "textual-dark"
        if self._keymap:
            self.set_keymap(self._keymap)
        self._themes_ready = True
        self.push_screen(TargetsScreen(self.engine) if self.engine.is_fleet else MainScreen(self.engine))

    @on(msg.TargetOpenRequested)
    def _open_target(self, message: msg.TargetOpenRequested) -> None:
        self.switch_screen(MainScreen(message.engine))

    @on(msg.TargetsViewRequested)
    def _show_targets(self, message: msg.TargetsViewRequested) -> None:
        self.switch_screen(TargetsScreen(message.engine))

    def watch_theme(self, name: str) -> None:
        if self._remember_theme and self._themes_ready:
            theming.save_theme(name)

    def action_next_theme(self) -> None:
        names = self._theme_names or list(self.available_themes)
        index = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(index + 1) % len(names)]
        self.notify(f"theme: {self.theme}")

    def action_help(self) -> None:
        keys = []
        for binding in [*self.screen.BINDINGS, *self.BINDINGS]:
            if isinstance(binding, Binding):
                key = self._keymap.get(binding.id or "", binding.key)
                keys.append((key_label(key), binding.description or binding.action, binding.id or ""))
        keys.append(("Ctrl+P", "command palette: every action by name", ""))
        self.push_screen(HelpScreen(keys))


def run_workbench(engine: EngineApi, *, keymap: Mapping[str, str] | None = None) -> None:
    """Open the workbench in this terminal until the person quits."""
    DbWorkbenchApp(engine, keymap=keymap).run()
