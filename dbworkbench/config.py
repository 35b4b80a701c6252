"""Settings: the one place that reads configuration files and the process environment.

Precedence: command-line options the user gave > `DBWORKBENCH_*` variables > the nearest
`dbworkbench.toml` (or `[tool.dbworkbench]` in `pyproject.toml`) > defaults. With no database named
anywhere (no `--url`, no environment URL, no `DBWORKBENCH_URL`, no libpq `PGHOST`/`PGHOSTADDR`/
`PGDATABASE`/`PGSERVICE`), the project's embedded PostgreSQL is used.
"""

from __future__ import annotations

import getpass
import os
import re
import subprocess
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dbworkbench.errors import ConfigError

CONFIG_FILE = "dbworkbench.toml"
"""Name of the project configuration file."""
STATE_DIR = ".dbworkbench"
"""Git-ignored folder of the project holding the embedded server's data."""
EMBEDDED = "embedded"
"""URL value (optionally `embedded:DBNAME`) that selects the project's embedded server."""
EMBEDDED_DEFAULT_DB = "dbworkbench"
"""Database used on the embedded server when none is named."""
LIBPQ_VARIABLES = ("PGHOST", "PGHOSTADDR", "PGDATABASE", "PGSERVICE")
"""libpq variables whose presence means a database is configured."""
LIBPQ_TARGET_VARIABLES = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER")
"""libpq variables that say which database a URL without them reaches."""

_TOP_KEYS = {
    "migrations", "history_table", "default_env", "lock_wait", "out_of_order", "schemas",
    "placeholders", "environments", "lock_timeout", "statement_timeout", "theme", "keys", "lock_retries",
    "lock_retry_backoff", "scratch_cache", "scratch_url",
}
_ENV_KEYS = {"url", "protected", "placeholders", "lock_timeout", "statement_timeout", "schemas", "lock_retries",
             "lock_retry_backoff", "targets", "databases"}
_DURATION_RE = re.compile(r"^(0|\d+(\.\d+)?\s*(us|ms|s|min|h|d))$")
_ENV_REF_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")


@dataclass(frozen=True, slots=True)
class Environment:
    """A named target database and how to treat it."""

    name: str
    url: str
    """A `postgresql://` URL, a libpq conninfo string, `""` for libpq's defaults, or `embedded[:db]`."""
    protected: bool = False
    placeholders: Mapping[str, str] = field(default_factory=dict)
    lock_timeout: str | None = None
    statement_timeout: str | None = None
    schemas: tuple[str, ...] = ()
    """Schemas that `clean` empties; empty means the connection's current schema."""
    lock_retries: int = 3
    """How often a transactional file that hit lock_timeout is run again."""
    lock_retry_backoff: float = 1.0
    """Seconds before the first retry; doubled before each next one."""
    targets: tuple[str, ...] = ()
    """A fleet: more databases (URLs) every command of this environment fans out over (`app.fleet`)."""
    databases: str | None = None
    """A fleet: every database of `url`'s server whose name is LIKE this pattern."""

    @property
    def is_embedded(self) -> bool:
        """True when the project's embedded server is the target."""
        return self.url == EMBEDDED or self.url.startswith(EMBEDDED + ":")

    @property
    def embedded_database(self) -> str:
        """Database name on the embedded server."""
        _, _, name = self.url.partition(":")
        return name or EMBEDDED_DEFAULT_DB


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the engine needs to know about a project and its target."""

    project_dir: Path
    config_path: Path | None
    migrations_dir: Path
    history_table: str
    """`table` (created in the connection's current schema) or `schema.table`."""
    environment: Environment
    environment_names: tuple[str, ...]
    lock_wait: float = 30.0
    """Seconds a migrator waits for another one to finish before giving up."""
    out_of_order: bool = False
    """Allow applying a pending version lower than the highest applied one."""
    scratch_cache: bool = True
    """Keep template databases of replayed migrations on the scratch server (`schema.templates`)."""
    scratch_url: str | None = None
    """Where scratch databases go (a role with CREATEDB); None: the project's embedded server."""
    theme: str | None = None
    keys: Mapping[str, str] = field(default_factory=dict)
    libpq_environment: Mapping[str, str] = field(default_factory=dict)
    """The libpq PG* variables set when the settings were read (libpq reads them itself when it connects)."""
    protected_environments: tuple[tuple[str, str], ...] = ()
    """(name, url) of every protected environment of the configuration whose URL could be resolved: a target that
    is the same database counts as protected, however it was named."""

    @property
    def state_dir(self) -> Path:
        """The project's git-ignored state folder."""
        return self.project_dir / STATE_DIR


@dataclass(frozen=True, slots=True)
class Overrides:
    """Options given on the command line (None: not given)."""

    env: str | None = None
    url: str | None = None
    migrations: str | None = None
    history_table: str | None = None
    lock_wait: float | None = None
    out_of_order: bool | None = None
    config: str | None = None


def find_config(start: Path) -> tuple[Path | None, dict[str, Any]]:
    """The nearest `dbworkbench.toml`, or `pyproject.toml` with `[tool.dbworkbench]`, and its table."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate, _read_toml(candidate)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            table = _read_toml(pyproject).get("tool", {}).get("dbworkbench")
            if isinstance(table, dict):
                return pyproject, table
    return None, {}


def _read_toml(path: Path) -> dict[str, Any]:
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


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(unknown)}; known keys are {', '.join(sorted(allowed))}.")


def _duration(value: Any, where: str) -> str | None:
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


def _string_map(value: Any, where: str, environ: Mapping[str, str]) -> dict[str, str]:
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


def _environment(name: str, table: Mapping[str, Any], top: Mapping[str, Any], source: str,
                 environ: Mapping[str, str]) -> Environment:
    where = f"{source} [environments.{name}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table.")
    _check_keys(table, _ENV_KEYS, where)
    url = check_url(expand_env(str(table.get("url", "")), environ, f"{where} url"), f"{where} url")
    placeholders = {**_string_map(top.get("placeholders", {}), f"{source} placeholders", environ),
                    **_string_map(table.get("placeholders", {}), f"{where} placeholders", environ)}
    protected = table.get("protected", False)
    if not isinstance(protected, bool):
        raise ConfigError(f"{where} protected must be true or false.")
    schemas = table.get("schemas", top.get("schemas", []))
    if not isinstance(schemas, list) or not all(isinstance(x, str) and x for x in schemas):
        raise ConfigError(f"{where} schemas = {schemas!r} must be a list of schema names, e.g. schemas = [\"public\"].")
    retries = table.get("lock_retries", top.get("lock_retries", 3))
    backoff = table.get("lock_retry_backoff", top.get("lock_retry_backoff", 1.0))
    if not isinstance(retries, int) or retries < 0 or not isinstance(backoff, (int, float)) or backoff < 0:
        raise ConfigError(f"{where} lock_retries must be a whole number and lock_retry_backoff seconds (>= 0).")
    targets, pattern = table.get("targets", []), table.get("databases")
    if not isinstance(targets, list) or not all(isinstance(t, str) and t for t in targets) or not (
            pattern is None or isinstance(pattern, str) and pattern):
        raise ConfigError(f"{where} targets must be a list of database URLs and databases a LIKE pattern of database "
                          "names, e.g. databases = \"tenant_%\".")
    return Environment(
        targets=tuple(check_url(expand_env(t, environ, f"{where} targets"), f"{where} targets") for t in targets),
        databases=pattern, name=name, url=url, protected=protected, placeholders=placeholders,
        lock_timeout=_duration(table.get("lock_timeout", top.get("lock_timeout")), f"{where} lock_timeout"),
        statement_timeout=_duration(table.get("statement_timeout", top.get("statement_timeout")),
                                    f"{where} statement_timeout"),
        schemas=tuple(str(s) for s in schemas), lock_retries=retries, lock_retry_backoff=float(backoff),
    )


def _scratch_url(value: Any, source: str, environ: Mapping[str, str]) -> str | None:
    if value is None:
        return None
    url = check_url(expand_env(str(value), environ, f"{source} scratch_url"), f"{source} scratch_url")
    if not isinstance(value, str) or not url or url == EMBEDDED or url.startswith(EMBEDDED + ":"):
        raise ConfigError(f"{source} scratch_url = {redact(str(value))!r} must be a postgresql:// URL or conninfo of "
                          "a server where dbworkbench may create databases (leave it out for the embedded server).")
    return url


def _default_environment(top: Mapping[str, Any], source: str, environ: Mapping[str, str], url: str | None) -> Environment:
    if url is None:
        url = environ.get("DBWORKBENCH_URL")
    if url is None:
        url = "" if any(environ.get(v) for v in LIBPQ_VARIABLES) else EMBEDDED
    table = {k: top[k] for k in ("lock_timeout", "statement_timeout") if k in top}
    env = _environment("default", {**table, "url": ""}, top, source, environ)
    return replace(env, url=check_url(url, "--url"), protected=False)


def load_settings(cwd: Path | None = None, overrides: Overrides | None = None,
                  environ: Mapping[str, str] | None = None) -> Settings:
    """Build `Settings` from the command line, the environment and the project's configuration.

    Raises:
        ConfigError: naming the file and key of anything unknown, malformed or missing.
    """
    cwd = (cwd or Path.cwd()).resolve()
    overrides = overrides or Overrides()
    environ = os.environ if environ is None else environ
    if overrides.config:
        config_path: Path | None = Path(overrides.config).resolve()
        assert config_path is not None
        if not config_path.is_file():
            raise ConfigError(f"--config {overrides.config}: no such file.")
        data = _read_toml(config_path)
        if config_path.name == "pyproject.toml":
            data = data.get("tool", {}).get("dbworkbench", {})
    else:
        config_path, data = find_config(cwd)
    source = str(config_path) if config_path else "defaults"
    _check_keys(data, _TOP_KEYS, source)
    project_dir = config_path.parent if config_path else cwd

    environments = data.get("environments", {})
    if not isinstance(environments, dict):
        raise ConfigError(f"{source}: environments must be tables like [environments.dev].")
    named_env = overrides.env or environ.get("DBWORKBENCH_ENV")
    env_name = named_env or data.get("default_env")
    # The command line beats DBWORKBENCH_*, which beats the file: DBWORKBENCH_URL overrides default_env.
    url = overrides.url if overrides.url is not None else None if overrides.env else environ.get("DBWORKBENCH_URL")
    if url is not None:
        base = (_environment(named_env, environments[named_env], data, source, environ)
                if named_env and named_env in environments else None)
        environment = _default_environment(data, source, environ, url)
        if base is not None:
            environment = replace(base, url=environment.url, targets=(), databases=None)  # one database
    elif env_name:
        if env_name not in environments:
            known = ", ".join(sorted(environments)) or "none"
            raise ConfigError(f"environment {env_name!r} is not defined in {source} (defined: {known}).",
                              title="unknown environment")
        environment = _environment(env_name, environments[env_name], data, source, environ)
    else:
        environment = _default_environment(data, source, environ, None)

    migrations = overrides.migrations or environ.get("DBWORKBENCH_MIGRATIONS") or data.get("migrations", "sql")
    history_table = overrides.history_table or data.get("history_table", "dbworkbench_history")
    if not _IDENT_RE.match(str(history_table)):
        raise ConfigError(f"{source} history_table = {history_table!r} must be `table` or `schema.table` "
                          "(letters, digits, _ and $).")
    lock_wait = overrides.lock_wait if overrides.lock_wait is not None else data.get("lock_wait", 30)
    if isinstance(lock_wait, bool) or not isinstance(lock_wait, (int, float)) or not 0 <= lock_wait <= 86400:
        raise ConfigError(f"{source} lock_wait = {lock_wait!r} must be a number of seconds from 0 to 86400.")
    out_of_order = overrides.out_of_order if overrides.out_of_order is not None else data.get("out_of_order", False)
    if not isinstance(out_of_order, bool):
        raise ConfigError(f"{source} out_of_order = {out_of_order!r} must be true or false.")
    scratch_cache = data.get("scratch_cache", True)
    if not isinstance(scratch_cache, bool):
        raise ConfigError(f"{source} scratch_cache = {scratch_cache!r} must be true or false.")
    scratch_url = _scratch_url(environ.get("DBWORKBENCH_SCRATCH_URL") or data.get("scratch_url"), source, environ)
    schema = str(history_table).rpartition(".")[0]
    if schema.lower() in ("pg_catalog", "information_schema") or schema.lower().startswith("pg_toast"):
        raise ConfigError(f"history_table = {history_table!r}: the history cannot live in the system schema "
                          f"{schema}; use `table` or `schema.table` in a schema of your own.")
    keys = data.get("keys", {})
    return Settings(
        project_dir=project_dir,
        config_path=config_path,
        migrations_dir=(project_dir / str(migrations)) if not Path(str(migrations)).is_absolute() else Path(migrations),
        history_table=str(history_table),
        environment=environment,
        environment_names=tuple(sorted(environments)),
        lock_wait=float(lock_wait),
        out_of_order=out_of_order,
        scratch_cache=scratch_cache,
        scratch_url=scratch_url,
        theme=data.get("theme"),
        keys=_string_map(keys, f"{source} keys", environ) if keys else {},
        libpq_environment={v: environ[v] for v in LIBPQ_TARGET_VARIABLES if environ.get(v)},
        protected_environments=_protected_urls(environments, data, source, environ),
    )


def _protected_urls(environments: Mapping[str, Any], top: Mapping[str, Any], source: str,
                    environ: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The URLs of protected environments; one that cannot be resolved here (a ${VAR} not set) is left out: the
    database's own protected mark still guards it."""
    found = []
    for name, table in sorted(environments.items()):
        if isinstance(table, dict) and table.get("protected") is True:
            try:
                found.append((name, _environment(name, table, top, source, environ).url))
            except ConfigError:
                continue
    return tuple(found)


def reviewer_name(environ: Mapping[str, str] | None = None) -> str:
    """Who is approving: $DBWORKBENCH_REVIEWER, else git's user.name, else the OS user."""
    environ = os.environ if environ is None else environ
    if environ.get("DBWORKBENCH_REVIEWER"):
        return environ["DBWORKBENCH_REVIEWER"]
    try:
        name = subprocess.run(["git", "config", "user.name"], capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        name = ""
    return name or getpass.getuser()
