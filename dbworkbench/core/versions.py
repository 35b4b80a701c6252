"""Migration versions: integers (with or without leading zeros), dotted, or timestamps.

Versions compare numerically part by part, so `1.10` sorts after `1.9`, `002` equals `2`, and
`20261121093000` is just a large integer. `_` inside a version is read as a dot (Flyway's `V1_2`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dbworkbench.errors import ConfigError

_VERSION_RE = re.compile(r"^\d+([._]\d+)*$")


@dataclass(frozen=True, slots=True, order=True)
class Version:
    """A parsed version; ordering and equality use the numeric parts only."""

    parts: tuple[int, ...]
    text: str = field(compare=False)
    """The version as written in the file name."""

    @classmethod
    def parse(cls, text: str) -> Version:
        """Parse a version string.

        Raises:
            ValueError: the text is not digits separated by dots or underscores.
        """
        if text.isdigit():
            return cls((int(text),), text)
        if not _VERSION_RE.match(text):
            raise ValueError(f"{text!r} is not a version (digits separated by dots)")
        parts = tuple(int(p) for p in re.split(r"[._]", text))
        while len(parts) > 1 and parts[-1] == 0:
            parts = parts[:-1]
        return cls(parts, text)

    def __str__(self) -> str:
        return self.text

    @property
    def canonical(self) -> str:
        """The version without leading zeros or trailing `.0`s: how history stores it."""
        return ".".join(str(p) for p in self.parts)


def next_version(existing: list[Version], *, timestamp: str) -> str:
    """The version text for a new file after `existing`, in the same style.

    Timestamps continue as timestamps (`timestamp`, formatted `YYYYmmddHHMMSS`), dotted versions bump
    their last part, integers add one keeping their zero padding; an empty folder starts at `001`.
    """
    if not existing:
        return "001"
    latest = max(existing)
    if len(latest.parts) == 1 and len(latest.text) >= 12:
        return timestamp if timestamp > latest.text else str(latest.parts[0] + 1)
    if len(latest.parts) > 1:
        pieces = re.split(r"[._]", latest.text)
        pieces[-1] = str(int(pieces[-1]) + 1)
        return ".".join(pieces)
    return str(latest.parts[0] + 1).zfill(len(latest.text))


def version_argument(text: str | None) -> Version | None:
    """A version as a person typed it (`5`, `V5`, `1.2`), or None when not given.

    Raises:
        ConfigError: not a version.
    """
    if text is None:
        return None
    try:
        return Version.parse(text.lstrip("Vv"))
    except ValueError as exc:
        raise ConfigError(f"{text!r} is not a version.", title="bad version") from exc
