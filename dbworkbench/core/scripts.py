"""The text of one migration file: normalisation, checksum, undo section, directives, placeholders.

Pure functions over strings; no database, no file system.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

UNDO_MARKER_RE = re.compile(r"^[ \t]*--[ \t]*(?:@undo|//[ \t]*@undo\b.*)[ \t]*$", re.IGNORECASE | re.MULTILINE)
"""A line that starts the undo section: `-- @undo`, or MyBatis's `-- //@UNDO`."""

NO_TRANSACTION_RE = re.compile(r"^[ \t]*--[ \t]*dbworkbench:no-transaction[ \t]*$", re.IGNORECASE | re.MULTILINE)
"""The directive that forces a file to run statement by statement outside a transaction."""

PLACEHOLDER_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_.:-]*)\}")
"""`${name}` placeholders: pasted as written; `${name:literal}` and `${name:identifier}` paste the value quoted
as an SQL string literal or a quoted identifier, so a value can never end the statement it is in."""

QUOTERS = {
    "literal": lambda value: "'" + value.replace("'", "''") + "'",
    "identifier": lambda value: '"' + value.replace('"', '""') + '"',
}
"""The quoted forms of a placeholder, by suffix."""


def _parts(token: str) -> tuple[str, str | None]:
    """`name:literal` -> ("name", "literal"); a name without a known suffix is itself."""
    base, _, form = token.rpartition(":")
    return (base, form) if base and form in QUOTERS else (token, None)


def normalise(text: str) -> str:
    """Drop a BOM and turn CRLF / CR line endings into LF, so checkouts on any OS hash alike."""
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.replace("\r\n", "\n").replace("\r", "\n")


def checksum(text: str) -> str:
    """SHA-256 hex digest of normalised text."""
    if "\r" in text or text.startswith("\ufeff"):
        text = normalise(text)
    digest = hashlib.sha256()
    for start in range(0, len(text), _HASH_PIECE):  # a piece at a time: a big file is not copied whole as bytes
        digest.update(text[start:start + _HASH_PIECE].encode("utf-8"))
    return digest.hexdigest()


_HASH_PIECE = 1 << 20


@dataclass(frozen=True, slots=True)
class ScriptSections:
    """A file split at its undo marker."""

    up: str
    undo: str | None
    undo_line: int | None
    """1-based line of the first line of the undo section, for error positions."""


def split_sections(text: str) -> ScriptSections:
    """Split normalised text into its up part and the optional undo part after `-- @undo`."""
    match = UNDO_MARKER_RE.search(text) if "@" in text else None
    if match is None:
        return ScriptSections(text, None, None)
    undo_start = match.end() + 1 if match.end() < len(text) else match.end()
    undo_line = text.count("\n", 0, undo_start) + 1
    return ScriptSections(text[: match.start()], text[undo_start:], undo_line)


def wants_no_transaction(text: str) -> bool:
    """True when the file carries `-- dbworkbench:no-transaction`."""
    return "dbworkbench:" in text and NO_TRANSACTION_RE.search(text) is not None


@dataclass(frozen=True, slots=True)
class Substituted:
    """Text after placeholder substitution, with what is needed to map positions back."""

    text: str
    shifts: tuple[tuple[int, int], ...] = ()
    """(offset in the new text where a replacement ends, cumulative length change so far)."""

    def original_offset(self, offset: int) -> int:
        """Map an offset in the substituted text back to the original text."""
        delta = 0
        for end, cumulative in self.shifts:
            if offset >= end:
                delta = cumulative
            else:
                break
        return offset - delta


def placeholder_names(text: str) -> list[str]:
    """Every placeholder name used in the text, in order of first use."""
    return list(dict.fromkeys(_parts(m.group(1))[0] for m in PLACEHOLDER_RE.finditer(text)))


def substitute(text: str, values: dict[str, str]) -> Substituted:
    """Replace `${name}` with its value (`${name:literal}`, `${name:identifier}`: quoted).

    Raises:
        KeyError: a placeholder has no value; its args hold every missing name.
    """
    missing = [name for name in placeholder_names(text) if name not in values]
    if missing:
        raise KeyError(*missing)
    if "${" not in text:
        return Substituted(text)
    pieces: list[str] = []
    shifts: list[tuple[int, int]] = []
    last = 0
    new_len = 0
    cumulative = 0
    for match in PLACEHOLDER_RE.finditer(text):
        pieces.append(text[last : match.start()])
        name, form = _parts(match.group(1))
        value = values[name] if form is None else QUOTERS[form](values[name])
        pieces.append(value)
        new_len += match.start() - last + len(value)
        cumulative += len(value) - (match.end() - match.start())
        shifts.append((new_len, cumulative))
        last = match.end()
    pieces.append(text[last:])
    return Substituted("".join(pieces), tuple(shifts))
