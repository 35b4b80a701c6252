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
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dbworkbench.config.environment import Environment as Environment
from dbworkbench.config.environment import parse_environment, parse_hooks
from dbworkbench.config.values import EMBEDDED as EMBEDDED
from dbworkbench.config.values import EMBEDDED_DEFAULT_DB as EMBEDDED_DEFAULT_DB
from dbworkbench.config.values import check_keys, read_toml, string_map
from dbworkbench.config.values import check_url as check_url
from dbworkbench.config.values import expand_env as expand_env
from dbworkbench.config.values import redact as redact
from dbworkbench.errors import ConfigError

CONFIG_FILE = "dbworkbench.toml"
"""Name of the project configuration file."""
STATE_DIR = ".dbworkbench"
"""Git-ignored folder of the project holding the embedded server's data."""
LIBPQ_VARIABLES = ("PGHOST", "PGHOSTADDR", "PGDATABASE", "PGSERVICE")
"""libpq variables whose presence means a database is configured."""
LIBPQ_TARGET_VARIABLES = ("PGHOST", "PGHOSTADDR", "PGPORT", "PGDATABASE", "PGUSER")
"""libpq variables that say which database a URL without them reaches."""

_TOP_KEYS = {
    "migrations", "history_table", "default_env", "lock_wait", "out_of_order", "schemas",
    "placeholders", "environments", "lock_timeout", "statement_timeout", "transaction_timeout", "theme", "keys", "lock_retries",
    "lock_retry_backoff", "lock_upfront", "scratch_cache", "scratch_url", "layout", "hooks", "queries",
}
LAYOUTS = ("dbworkbench", "flyway", "golang-migrate", "dbmate", "sqitch", "liquibase")
"""The migration folder layouts dbworkbench reads (`core.layouts`)."""
_IDENT_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")


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
    layout: str = "dbworkbench"
    """How the migrations folder names its files: one of `LAYOUTS` (another tool's, read in place)."""
    scratch_url: str | None = None
    """Where scratch databases go (a role with CREATEDB); None: the project's embedded server."""
    queries_dir: Path | None = None
    """The application's queries (`.sql` files) lint checks migrations against; default `queries/` beside the
    migrations folder (`queries = "DIR"`)."""
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
    layout: str | None = None


def find_config(start: Path) -> tuple[Path | None, dict[str, Any]]:
    """The nearest `dbworkbench.toml`, or `pyproject.toml` with `[tool.dbworkbench]`, and its table."""
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_FILE
        if candidate.is_file():
            return candidate, read_toml(candidate)
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            table = read_toml(pyproject).get("tool", {}).get("dbworkbench")
            if isinstance(table, dict):
                return pyproject, table
    return None, {}


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
    env = parse_environment("default", {**table, "url": ""}, top, source, environ)
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
        data = read_toml(config_path)
        if config_path.name == "pyproject.toml":
            data = data.get("tool", {}).get("dbworkbench", {})
    else:
        config_path, data = find_config(cwd)
    source = str(config_path) if config_path else "defaults"
    check_keys(data, _TOP_KEYS, source)
    parse_hooks(data.get("hooks", {}), source)  # checked even where every environment names its own
    project_dir = config_path.parent if config_path else cwd

    environments = data.get("environments", {})
    if not isinstance(environments, dict):
        raise ConfigError(f"{source}: environments must be tables like [environments.dev].")
    named_env = overrides.env or environ.get("DBWORKBENCH_ENV")
    env_name = named_env or data.get("default_env")
    # The command line beats DBWORKBENCH_*, which beats the file: DBWORKBENCH_URL overrides default_env.
    url = overrides.url if overrides.url is not None else None if overrides.env else environ.get("DBWORKBENCH_URL")
    if url is not None:
        base = (parse_environment(named_env, environments[named_env], data, source, environ)
                if named_env and named_env in environments else None)
        environment = _default_environment(data, source, environ, url)
        if base is not None:
            environment = replace(base, url=environment.url, targets=(), databases=None,  # one database
                                  tenant_schemas=None)
    elif env_name:
        if env_name not in environments:
            known = ", ".join(sorted(environments)) or "none"
            raise ConfigError(f"environment {env_name!r} is not defined in {source} (defined: {known}).",
                              title="unknown environment")
        environment = parse_environment(env_name, environments[env_name], data, source, environ)
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
    layout = overrides.layout or environ.get("DBWORKBENCH_LAYOUT") or data.get("layout", "dbworkbench")
    if layout not in LAYOUTS:
        raise ConfigError(f"{source} layout = {layout!r} is not a layout dbworkbench reads; use one of "
                          f"{', '.join(LAYOUTS)}.", title="unknown layout")
    keys = data.get("keys", {})
    queries = data.get("queries")
    if queries is not None and (not isinstance(queries, str) or not queries):
        raise ConfigError(f"{source} queries = {queries!r} must be a folder of .sql files (a path).")
    migrations_dir = (project_dir / str(migrations)) if not Path(str(migrations)).is_absolute() else Path(migrations)
    return Settings(
        queries_dir=(project_dir / queries) if queries else migrations_dir.parent / "queries",
        layout=str(layout),
        project_dir=project_dir,
        config_path=config_path,
        migrations_dir=migrations_dir,
        history_table=str(history_table),
        environment=environment,
        environment_names=tuple(sorted(environments)),
        lock_wait=float(lock_wait),
        out_of_order=out_of_order,
        scratch_cache=scratch_cache,
        scratch_url=scratch_url,
        theme=data.get("theme"),
        keys=string_map(keys, f"{source} keys", environ) if keys else {},
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
                found.append((name, parse_environment(name, table, top, source, environ).url))
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
