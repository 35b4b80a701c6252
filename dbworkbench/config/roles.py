"""The roles a project declares (`roles/*.toml` beside the migrations folder): roles with their attributes and
memberships, grants on the objects each service may touch, and default privileges for objects created later.

Roles belong to a cluster, not to a database, so they are not migrations: `dbworkbench roles plan|apply` makes a
cluster match these files (`core.roles` reads the cluster and plans, `app.roles` applies). Passwords are never in
the files: a role names an environment variable (`password_env`) or a secrets file (`password_file`, relative to
the project), read only when a password is about to be set.

```toml
[roles.app_readers]                       # a group: no login
[roles.billing]
login = true
password_env = "BILLING_DB_PASSWORD"
member_of = ["app_readers"]
connection_limit = 20

[[grants]]
to = "billing"
privileges = ["SELECT", "INSERT", "UPDATE"]
tables = ["billing.*", "public.plans"]    # or sequences, functions (schema.* only), schemas, database = true

[[default_privileges]]
to = "app_readers"
schema = "public"
on = "tables"                             # tables, sequences or functions
privileges = ["SELECT"]
for_role = "deploy"                       # whose new objects; default: the role that applies
```
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbworkbench.config.values import check_keys, read_toml
from dbworkbench.errors import ConfigError

ROLES_DIR = "roles"
"""The folder, in the project, of role declarations."""

PRIVILEGES: dict[str, tuple[str, ...]] = {
    "tables": ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"),
    "sequences": ("USAGE", "SELECT", "UPDATE"),
    "functions": ("EXECUTE",),
    "schemas": ("USAGE", "CREATE"),
    "database": ("CONNECT", "CREATE", "TEMPORARY"),
}
"""The privileges each kind of object takes (`ALL` stands for every one of its kind)."""

_ATTRIBUTES = {"login": False, "inherit": True, "createdb": False, "createrole": False}
_ROLE_KEYS = {*_ATTRIBUTES, "connection_limit", "member_of", "password_env", "password_file"}
_GRANT_KINDS = ("tables", "sequences", "functions", "schemas", "database")
_NAME_RE = re.compile(r"^[^\x00]{1,63}$")


@dataclass(frozen=True, slots=True)
class RoleSpec:
    """A role as declared."""

    name: str
    login: bool
    inherit: bool
    createdb: bool
    createrole: bool
    connection_limit: int
    """-1: no limit."""
    member_of: tuple[str, ...]
    password_env: str | None
    password_file: str | None
    """Relative to the project."""

    @property
    def password_source(self) -> str | None:
        """Where the password comes from, in words (never the password)."""
        if self.password_env:
            return f"${self.password_env}"
        return self.password_file


@dataclass(frozen=True, slots=True)
class GrantSpec:
    """Privileges `to` a role on objects of one kind."""

    to: str
    kind: str
    """tables, sequences, functions, schemas or database."""
    privileges: tuple[str, ...]
    objects: tuple[str, ...]
    """`schema.name` or `schema.*` (tables, sequences; functions: `schema.*`), schema names, or `()` (database)."""
    where: str
    """File and position, for messages."""


@dataclass(frozen=True, slots=True)
class DefaultSpec:
    """`ALTER DEFAULT PRIVILEGES`: what `to` gets on objects `for_role` creates later in `schema`."""

    to: str
    schema: str
    kind: str
    """tables, sequences or functions."""
    privileges: tuple[str, ...]
    for_role: str | None
    """None: the role that applies."""
    where: str


@dataclass(frozen=True, slots=True)
class RolesDeclaration:
    """Everything `roles/` declares, in file order."""

    roles: tuple[RoleSpec, ...]
    grants: tuple[GrantSpec, ...]
    defaults: tuple[DefaultSpec, ...]
    files: tuple[str, ...]

    @property
    def grantees(self) -> frozenset[str]:
        """Roles whose privileges the declaration manages (`drift` leaves them to `roles plan`)."""
        return frozenset({r.name for r in self.roles} | {g.to for g in self.grants} | {d.to for d in self.defaults})

    def role(self, name: str) -> RoleSpec | None:
        """The declared role of that name."""
        return next((r for r in self.roles if r.name == name), None)


def load_roles(project_dir: Path) -> RolesDeclaration | None:
    """The project's role declarations; None when it has no `roles/` folder.

    Raises:
        ConfigError: a file is not valid TOML, a key is unknown, a value has the wrong kind, a role is declared
            twice, or a grant or membership names a privilege that does not exist.
    """
    folder = project_dir / ROLES_DIR
    if not folder.is_dir():
        return None
    roles: dict[str, RoleSpec] = {}
    grants: list[GrantSpec] = []
    defaults: list[DefaultSpec] = []
    files = sorted(folder.glob("*.toml"))
    for path in files:
        where = path.relative_to(project_dir).as_posix()
        data = read_toml(path)
        check_keys(data, {"roles", "grants", "default_privileges"}, where)
        for name, table in _table(data.get("roles", {}), f"{where}: roles").items():
            if name in roles:
                raise ConfigError(f"{where}: role {name!r} is declared twice (roles are one namespace across "
                                  f"every file of {ROLES_DIR}/).", title="role declared twice")
            roles[name] = _role(_name(name, f"{where}: roles"), _table(table, f"{where}: roles.{name}"), where)
        for index, table in enumerate(_list(data.get("grants", []), f"{where}: grants")):
            grants.append(_grant(_table(table, f"{where}: grants[{index}]"), f"{where}: grants[{index}]"))
        for index, table in enumerate(_list(data.get("default_privileges", []), f"{where}: default_privileges")):
            at = f"{where}: default_privileges[{index}]"
            defaults.append(_default(_table(table, at), at))
    return RolesDeclaration(tuple(roles.values()), tuple(grants), tuple(defaults),
                            tuple(p.relative_to(project_dir).as_posix() for p in files))


def read_password(role: RoleSpec, project_dir: Path, environ: Mapping[str, str] | None = None) -> str:
    """The role's password, from its environment variable or secrets file (read now, never stored).

    Raises:
        ConfigError: it has no password source, the variable is not set or empty, or the file cannot be read.
    """
    environ = os.environ if environ is None else environ
    if role.password_env:
        value = environ.get(role.password_env, "")
        if not value:
            raise ConfigError(f"role {role.name!r} takes its password from ${role.password_env}, which is not set "
                              "(or empty); set it in the environment that runs `roles apply`. Nothing was run.",
                              title="password not set")
        return value
    if role.password_file:
        path = project_dir / role.password_file
        try:
            value = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"role {role.name!r} takes its password from {role.password_file}, which cannot be "
                              f"read ({getattr(exc, 'strerror', None) or exc}). Nothing was run.",
                              title="password not readable") from exc
        if not value:
            raise ConfigError(f"role {role.name!r}: {role.password_file} is empty. Nothing was run.",
                              title="password not set")
        return value
    raise ConfigError(f"role {role.name!r} has no password_env or password_file.")


def _role(name: str, table: dict[str, Any], where: str) -> RoleSpec:
    at = f"{where}: roles.{name}"
    for key in ("superuser", "replication", "bypassrls", "password"):
        if key in table:
            raise ConfigError(f"{at}: {key!r} cannot be declared: " + (
                "passwords come from password_env or password_file, never from the file itself."
                if key == "password" else "dbworkbench manages least-privilege service roles; give such "
                "attributes by hand, outside roles/."), title="not declarable")
    check_keys(table, _ROLE_KEYS, at)
    flags = {key: table.get(key, default) for key, default in _ATTRIBUTES.items()}
    for key, value in flags.items():
        if not isinstance(value, bool):
            raise ConfigError(f"{at}.{key} must be true or false.")
    limit = table.get("connection_limit", -1)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < -1:
        raise ConfigError(f"{at}.connection_limit must be a whole number (-1 for no limit).")
    if "password_env" in table and "password_file" in table:
        raise ConfigError(f"{at}: give password_env or password_file, not both.")
    sources = {key: table.get(key) for key in ("password_env", "password_file")}
    for key, value in sources.items():
        if value is not None and (not isinstance(value, str) or not value):
            raise ConfigError(f"{at}.{key} must be a non-empty string.")
    members = tuple(_name(m, f"{at}.member_of") for m in _strings(table.get("member_of", []), f"{at}.member_of"))
    if name in members:
        raise ConfigError(f"{at}.member_of names the role itself.")
    return RoleSpec(name, connection_limit=limit, member_of=members, password_env=sources["password_env"],
                    password_file=sources["password_file"], **flags)


def _grant(table: dict[str, Any], at: str) -> GrantSpec:
    check_keys(table, {"to", "privileges", *_GRANT_KINDS}, at)
    kinds = [k for k in _GRANT_KINDS if k in table]
    if len(kinds) != 1:
        raise ConfigError(f"{at}: name exactly one of {', '.join(_GRANT_KINDS)} (what the privileges are on).")
    kind = kinds[0]
    if kind == "database":
        if table["database"] is not True:
            raise ConfigError(f"{at}.database must be true (the database the command reaches).")
        objects: tuple[str, ...] = ()
    else:
        objects = tuple(_strings(table[kind], f"{at}.{kind}"))
        if not objects:
            raise ConfigError(f"{at}.{kind} is empty.")
        for name in objects:
            _check_object(name, kind, f"{at}.{kind}")
    return GrantSpec(_name(_string(table.get("to"), f"{at}.to"), f"{at}.to"), kind,
                     _privileges(table.get("privileges"), kind, f"{at}.privileges"), objects, at)


def _default(table: dict[str, Any], at: str) -> DefaultSpec:
    check_keys(table, {"to", "schema", "on", "privileges", "for_role"}, at)
    kind = _string(table.get("on"), f"{at}.on")
    if kind not in ("tables", "sequences", "functions"):
        raise ConfigError(f"{at}.on = {kind!r}: default privileges are on tables, sequences or functions.")
    for_role = table.get("for_role")
    return DefaultSpec(_name(_string(table.get("to"), f"{at}.to"), f"{at}.to"),
                       _name(_string(table.get("schema"), f"{at}.schema"), f"{at}.schema"), kind,
                       _privileges(table.get("privileges"), kind, f"{at}.privileges"),
                       None if for_role is None else _name(_string(for_role, f"{at}.for_role"), f"{at}.for_role"), at)


def _privileges(value: Any, kind: str, at: str) -> tuple[str, ...]:
    names = ["TEMPORARY" if p.upper() == "TEMP" else p.upper() for p in _strings(value, at)]
    if not names:
        raise ConfigError(f"{at} is empty: name the privileges ({', '.join(PRIVILEGES[kind])}, or ALL).")
    if "ALL" in names or "ALL PRIVILEGES" in names:
        return PRIVILEGES[kind]
    unknown = [p for p in names if p not in PRIVILEGES[kind]]
    if unknown:
        raise ConfigError(f"{at}: {', '.join(unknown)} is not a privilege on {kind} "
                          f"(those are {', '.join(PRIVILEGES[kind])}, or ALL).")
    return tuple(dict.fromkeys(names))


def _check_object(name: str, kind: str, at: str) -> None:
    if kind == "schemas":
        _name(name, at)
        return
    schema, dot, rest = name.partition(".")
    if not dot or not schema or not rest or "." in rest:
        raise ConfigError(f"{at}: {name!r} must be schema.name or schema.* (names with dots are not supported).")
    if kind == "functions" and rest != "*":
        raise ConfigError(f"{at}: {name!r}: functions are granted by schema (`{schema}.*`).")


def _name(value: str, at: str) -> str:
    if not _NAME_RE.match(value):
        raise ConfigError(f"{at}: {value!r} is not a PostgreSQL name (1 to 63 characters).")
    return value


def _string(value: Any, at: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{at} must be a non-empty string.")
    return value


def _strings(value: Any, at: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"{at} must be a list of names.")
    return list(value)


def _table(value: Any, at: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"{at} must be a table.")
    return value


def _list(value: Any, at: str) -> list[Any]:
    if not isinstance(value, list):
        raise ConfigError(f"{at} must be an array of tables ([[...]]).")
    return value
