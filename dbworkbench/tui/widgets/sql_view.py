"""SqlView: SQL with Pygments' PostgreSQL highlighting, line numbers and a mark where each statement starts."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.highlight import highlight
from textual.widgets import Static

from dbworkbench.core.lexer import UnterminatedError, split_statements

SHOWN_CHARS = 256 * 1024
"""How much of a text is highlighted and shown: a 64 MB file would take minutes and gigabytes to highlight."""


def shown_part(sql: str) -> tuple[str, str]:
    """The part of `sql` shown (whole lines, up to SHOWN_CHARS), and the line saying what is left out ("" when
    nothing is)."""
    if len(sql) <= SHOWN_CHARS:
        return sql, ""
    cut = sql.rfind("\n", 0, SHOWN_CHARS) + 1 or SHOWN_CHARS
    rest = sql.count("\n", cut) + (0 if sql.endswith("\n") else 1)
    return sql[:cut], (f"-- … {rest:,} more lines not shown ({len(sql) / (1 << 20):.1f} MB in all); the whole file "
                       "is what runs: read it in an editor, lint it with `dbworkbench lint`")


def statement_lines(sql: str) -> set[int]:
    """1-based lines where a statement starts (none if the text does not lex)."""
    try:
        return {s.line for s in split_statements(sql)}
    except UnterminatedError:
        return set()


class SqlView(VerticalScroll):
    """A scrollable, highlighted SQL listing."""

    DEFAULT_CSS = """
    SqlView { height: 1fr; overflow-x: auto; }
    SqlView > Horizontal { height: auto; width: auto; }
    SqlView .gutter { width: auto; color: $text-muted; padding-right: 1; }
    SqlView .code { width: auto; text-wrap: nowrap; }
    """

    text = ""
    """The SQL shown (what `show_sql` was given)."""

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Static(classes="gutter")
            yield Static(classes="code")

    def show_sql(self, sql: str, *, first_line: int = 1, marked: frozenset[int] = frozenset()) -> None:
        """Show SQL; `first_line` numbers an undo section by its line in the file; `marked` lines (file line
        numbers) get a ✗ for a lint finding."""
        self.text = sql
        sql, left_out = shown_part(sql)
        if left_out:
            sql = sql + left_out + "\n"
        starts = statement_lines(sql)
        count = max(1, sql.count("\n") + (0 if sql.endswith("\n") else 1))
        width = len(str(first_line + count - 1))
        gutter = "\n".join(f"{'✗' if first_line + n in marked else '▸' if n + 1 in starts else ' '}"
                           f"{first_line + n:>{width}}" for n in range(count))
        self.query_one(".gutter", Static).update(Content(gutter))
        self.query_one(".code", Static).update(highlight(sql.rstrip("\n") or " ", language="postgresql"))
        self.scroll_home(animate=False)

    def show_text(self, text: str) -> None:
        """Show plain text (no gutter)."""
        self.query_one(".gutter", Static).update("")
        self.query_one(".code", Static).update(Content(text))
