"""Environments: a named target database (or a fleet of them) and how to treat it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dbworkbench.config.values import (
    EMBEDDED,
    EMBEDDED_DEFAULT_DB,
    check_keys,
    check_url,
    duration,
    expand_env,
    string_map,
)
from dbworkbench.errors import ConfigError

_ENV_KEYS = {"url", "protected", "placeholders", "lock_timeout", "statement_timeout", "transaction_timeout",
             "schemas", "lock_retries",
             "lock_retry_backoff", "lock_upfront", "targets", "databases", "tenant_schemas", "hooks"}
HOOKS = ("before_migrate", "after_migrate")
"""The hooks an environment (or the file's top level) may name: commands run around migrate, up, down and redo."""


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
    transaction_timeout: str | None = None
    """PostgreSQL 17+: the longest one file's transaction may take (its statements, waits and history write)."""
    schemas: tuple[str, ...] = ()
    """Schemas that `clean` empties; empty means the connection's current schema."""
    lock_retries: int = 3
    """How often a transactional file that hit lock_timeout is run again."""
    lock_retry_backoff: float = 1.0
    """Seconds before the first retry; doubled before each next one."""
    lock_upfront: bool = False
    """Every transactional file takes its table locks first, in one order (`core.upfront`)."""
    targets: tuple[str, ...] = ()
    """A fleet: more databases (URLs) every command of this environment fans out over (`app.fleet`)."""
    databases: str | None = None
    """A fleet: every database of `url`'s server whose name is LIKE this pattern (or that this SELECT returns)."""
    tenant_schemas: str | None = None
    """A fleet: every schema LIKE this pattern (or that this SELECT returns) in each database of the environment."""
    hooks: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Hook name -> the command (argv) it runs (`app.hooks`)."""
    tenant: str | None = None
    """One tenant of such a fleet: the schema its connections' search_path names and its history table lives in."""

    @property
    def is_fleet(self) -> bool:
        """The environment names more databases (or schemas) than its url."""
        return bool(self.targets or self.databases or self.tenant_schemas)

    @property
    def is_embedded(self) -> bool:
        """True when the project's embedded server is the target."""
        return self.url == EMBEDDED or self.url.startswith(EMBEDDED + ":")

    @property
    def embedded_database(self) -> str:
        """Database name on the embedded server."""
        _, _, name = self.url.partition(":")
        return name or EMBEDDED_DEFAULT_DB


def parse_environment(name: str, table: Mapping[str, Any], top: Mapping[str, Any], source: str,
                      environ: Mapping[str, str]) -> Environment:
    where = f"{source} [environments.{name}]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table.")
    check_keys(table, _ENV_KEYS, where)
    url = check_url(expand_env(str(table.get("url", "")), environ, f"{where} url"), f"{where} url")
    placeholders = {**string_map(top.get("placeholders", {}), f"{source} placeholders", environ),
                    **string_map(table.get("placeholders", {}), f"{where} placeholders", environ)}
    protected = table.get("protected", False)
    if not isinstance(protected, bool):
        raise ConfigError(f"{where} protected must be true or false.")
    upfront = table.get("lock_upfront", top.get("lock_upfront", False))
    if not isinstance(upfront, bool):
        raise ConfigError(f"{where} lock_upfront must be true or false (true: every transactional file takes its "
                          "table locks first, in one order, under lock_timeout).")
    schemas = table.get("schemas", top.get("schemas", []))
    if not isinstance(schemas, list) or not all(isinstance(x, str) and x for x in schemas):
        raise ConfigError(f"{where} schemas = {schemas!r} must be a list of schema names, e.g. schemas = [\"public\"].")
    retries = table.get("lock_retries", top.get("lock_retries", 3))
    backoff = table.get("lock_retry_backoff", top.get("lock_retry_backoff", 1.0))
    if not isinstance(retries, int) or retries < 0 or not isinstance(backoff, (int, float)) or backoff < 0:
        raise ConfigError(f"{where} lock_retries must be a whole number and lock_retry_backoff seconds (>= 0).")
    targets, pattern, tenants = table.get("targets", []), table.get("databases"), table.get("tenant_schemas")
    if not isinstance(targets, list) or not all(isinstance(t, str) and t for t in targets) or not all(
            value is None or isinstance(value, str) and value.strip() for value in (pattern, tenants)):
        raise ConfigError(f"{where} targets must be a list of database URLs, and databases and tenant_schemas each a "
                          "LIKE pattern of names (or a SELECT returning them), e.g. tenant_schemas = \"tenant_%\".")
    return Environment(
        hooks=parse_hooks(table.get("hooks", top.get("hooks", {})), where),
        targets=tuple(check_url(expand_env(t, environ, f"{where} targets"), f"{where} targets") for t in targets),
        databases=pattern, tenant_schemas=tenants, name=name, url=url, protected=protected, placeholders=placeholders,
        lock_timeout=duration(table.get("lock_timeout", top.get("lock_timeout")), f"{where} lock_timeout"),
        statement_timeout=duration(table.get("statement_timeout", top.get("statement_timeout")),
                                   f"{where} statement_timeout"),
        transaction_timeout=duration(table.get("transaction_timeout", top.get("transaction_timeout")),
                                     f"{where} transaction_timeout"),
        schemas=tuple(str(s) for s in schemas), lock_retries=retries, lock_retry_backoff=float(backoff),
        lock_upfront=upfront,
    )


def parse_hooks(value: Any, where: str) -> dict[str, tuple[str, ...]]:
    """`hooks = { before_migrate = "cmd args", after_migrate = ["cmd", "arg"] }`: a string is split like a shell
    would (no shell runs it), a list is the argv itself."""
    import shlex

    if not isinstance(value, dict) or set(value) - set(HOOKS):
        raise ConfigError(f"{where} hooks must be a table naming {' and/or '.join(HOOKS)}, e.g. "
                          "hooks = { before_migrate = \"./check-window.sh\" }.")
    found: dict[str, tuple[str, ...]] = {}
    for name, command in value.items():
        try:
            argv = shlex.split(command) if isinstance(command, str) else command
        except ValueError as exc:
            raise ConfigError(f"{where} hooks.{name} = {command!r} cannot be split into words: {exc}.") from exc
        if not isinstance(argv, list) or not argv or not all(isinstance(a, str) and a for a in argv):
            raise ConfigError(f"{where} hooks.{name} must be a command: a string, or a list of its words.")
        found[name] = tuple(argv)
    return found
