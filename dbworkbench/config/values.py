"""Parsing of configuration values: TOML files, `${VAR}` references, durations, database URLs, and redaction."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dbworkbench.errors import ConfigError

EMBEDDED = "embedded"
"""URL value (optionally `embedded:DBNAME`) that selects the project's embedded server."""
EMBEDDED_DEFAULT_DB = "dbworkbench"
"""Database used on the embedded server when none is named."""
_DURATION_RE = re.compile(r"^(0|\d+(\.\d+)?\s*(us|ms|s|min|h|d))$")
_ENV_REF_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML (UTF-8 text): {exc}") from exc
    except OSError as exc:
        raise ConfigError(f"{path} cannot be read: {exc.strerror}") from exc


def expand_env(value: str, environ: Mapping[str, str], where: str) -> str:
    """Expand `${VAR}` and `${VAR:-default}` from the environment.

    Raises:
        ConfigError: a variable is not set and has no default; names `where` (file and key).
    """

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in environ:
            return environ[name]
        if default is not None:
            return default
        raise ConfigError(f"{where} uses ${{{name}}}, but the environment variable {name} is not set. "
                          f"Set it, or give a default with ${{{name}:-value}}.", title="missing environment variable")

    return _ENV_REF_RE.sub(replace, value)


def check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known keys are {', '.join(sorted(allowed))}.")


def duration(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if value == 0 and not isinstance(value, bool):
        return "0"
    if not isinstance(value, str):
        raise ConfigError(f"{where} = {value!r} needs a unit: write it as a string such as \"5s\", \"500ms\" or "
                          "\"0\" (PostgreSQL would read a bare number as milliseconds).")
    text = value.strip()
    if not _DURATION_RE.match(text):
        raise ConfigError(f"{where} = {value!r} is not a duration such as \"5s\", \"500ms\" or \"0\".")
    return text


def string_map(value: Any, where: str, environ: Mapping[str, str]) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ConfigError(f"{where} must be a table of name = \"value\" pairs.")
    return {str(k): expand_env(str(v), environ, f"{where}.{k}") for k, v in value.items()}


def check_url(url: str, where: str) -> str:
    """Validate a database URL or conninfo string without connecting.

    Raises:
        ConfigError: the string cannot be a connection target; names `where`.
    """
    if url == "" or url == EMBEDDED or url.startswith(EMBEDDED + ":"):
        return url
    from psycopg.conninfo import conninfo_to_dict

    if "://" in url and not url.startswith(("postgresql://", "postgres://")):
        raise ConfigError(f"{where}: {redact(url)!r} is not a PostgreSQL URL (it must start with postgresql://).",
                          title="bad database URL")
    try:
        conninfo_to_dict(url)
    except Exception as exc:  # psycopg raises ProgrammingError with libpq's reason
        raise ConfigError(f"{where}: {redact(url)!r} is not a valid connection string ({_first_line(exc)}).",
                          title="bad database URL") from exc
    return url


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def redact(url: str) -> str:
    """The URL or conninfo string with any password replaced by `***`."""
    url = re.sub(r"(://[^:/@?#]*:)[^@/?#]*@", r"\1***@", url)
    url = re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", url, flags=re.IGNORECASE)
    return re.sub(r"([?&]password=)[^&#]*", r"\1***", url, flags=re.IGNORECASE)
