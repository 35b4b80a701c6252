"""A script's statements as a lean sequence: the spans are kept in arrays, and a `Statement` (with its text sliced
from the script) is made only when one is asked for.

A 64 MB file of 470 000 INSERTs costs about 15 MB this way instead of 250 MB of objects, so running, resuming and
checking a big file stays within a few times its own size.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement: its exact text and where it starts in the script."""

    text: str
    """The statement from its first token up to and including its semicolon (if any)."""
    offset: int
    """Character offset of the first token in the script."""
    line: int
    """1-based line of the first token."""
    column: int
    """1-based column of the first token."""
    index: int
    """0-based position among the script's statements."""



class StatementList(Sequence[Statement]):
    """Statements of `text` at (start, end) spans, in increasing order; slicing gives a view of the same spans
    (its statements keep their `index` in the script)."""

    __slots__ = ("_ends", "_line_starts", "_lines", "_lo", "_hi", "_starts", "text")

    def __init__(self, text: str, spans: Iterable[tuple[int, int]] = (), *, starts: array[int] | None = None,
                 ends: array[int] | None = None) -> None:
        """From (start, end) pairs, or from `starts` and `ends` arrays (taken as they are)."""
        self.text = text
        if starts is None or ends is None:
            starts, ends = array("q"), array("q")
            for start, end in spans:
                starts.append(start)
                ends.append(end)
        self._starts, self._ends = starts, ends
        self._lines, self._line_starts = array("q"), array("q")
        line, line_start, counted_to = 1, 0, 0
        for start in starts:
            newlines = text.count("\n", counted_to, start)
            if newlines:
                line += newlines
                line_start = text.rfind("\n", counted_to, start) + 1
            counted_to = start
            self._lines.append(line)
            self._line_starts.append(line_start)
        self._lo, self._hi = 0, len(self._starts)

    def __len__(self) -> int:
        return self._hi - self._lo

    @overload
    def __getitem__(self, index: int) -> Statement: ...
    @overload
    def __getitem__(self, index: slice) -> StatementList: ...

    def __getitem__(self, index: int | slice) -> Statement | StatementList:
        if isinstance(index, slice):
            lo, hi, step = index.indices(len(self))
            if step != 1:
                raise ValueError("a StatementList slice has step 1")
            view = object.__new__(StatementList)
            view.text, view._starts, view._ends = self.text, self._starts, self._ends
            view._lines, view._line_starts = self._lines, self._line_starts
            view._lo, view._hi = self._lo + lo, self._lo + max(lo, hi)
            return view
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("statement index out of range")
        at = self._lo + index
        start = self._starts[at]
        return Statement(self.text[start:self._ends[at]], start, self._lines[at], start - self._line_starts[at] + 1, at)

    def __iter__(self) -> Iterator[Statement]:
        for index in range(len(self)):
            yield self[index]

    def spans(self) -> Iterator[tuple[int, int]]:
        """Each statement's (start, end) in the script, without making the statements."""
        for at in range(self._lo, self._hi):
            yield self._starts[at], self._ends[at]

    def heads(self, width: int) -> Iterator[str]:
        """Each statement's first `width` characters, without making the statements."""
        text, starts = self.text, self._starts
        for at in range(self._lo, self._hi):
            start = starts[at]
            yield text[start:start + width]

    def __repr__(self) -> str:
        return f"StatementList({len(self)} statements)"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]


def heads(statements: Sequence[Statement], width: int) -> Iterator[str]:
    """Each statement's first `width` characters (cheaply from a StatementList): what a check that only looks at
    a statement's first word filters on before it makes the statement."""
    if isinstance(statements, StatementList):
        return statements.heads(width)
    return (s.text[:width] for s in statements)


def spans(statements: Sequence[Statement]) -> Iterator[tuple[int, int]]:
    """Each statement's (start, end) in its script (cheaply from a StatementList)."""
    if isinstance(statements, StatementList):
        return statements.spans()
    return ((s.offset, s.offset + len(s.text)) for s in statements)


def pieces(statements: Sequence[Statement], size: int,
           wanted: tuple[str, ...] | None = None) -> Iterator[tuple[int, int, int]]:
    """(index of its first statement, start, end) of runs of whole consecutive statements, each cut before the
    statement that starts `size` or more characters after the run's start (a longer statement is a run of its
    own); with `wanted` (lower-case first words), only statements starting with one, a run broken by any other.
    What a big script is sent or parsed in."""
    words = heads(statements, 12) if wanted is not None else None
    run_start: int | None = None
    first = end = 0
    for at, (start, stop) in enumerate(spans(statements)):
        if words is not None and not next(words).lower().startswith(wanted or ()):
            if run_start is not None:
                yield first, run_start, end
                run_start = None
            continue
        if run_start is not None and start - run_start >= size:
            yield first, run_start, end
            run_start = None
        if run_start is None:
            run_start, first = start, at
        end = stop
    if run_start is not None:
        yield first, run_start, end
