"""What a cluster has of the declared roles (`read_cluster`) and the statements that make it match the declaration
(`plan_roles`, pure).

Only what the declaration names is managed: a declared role's attributes and memberships are made exactly what
the files say; on the objects a grant names (`schema.*` or one object, a schema, the database) a declared role
gets exactly the privileges declared for it there, and loses the others; default privileges likewise per
(for_role, schema, kind, role). Roles the files do not declare are never created, altered or dropped; an object's
owner keeps its implicit privileges. Passwords are set when a role is created (or on request), from the value
the caller supplies; the statements carry a placeholder until then.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from dbworkbench.config.roles import GrantSpec, RolesDeclaration, RoleSpec
from dbworkbench.errors import PlanError

_KEYWORD = {"tables": "TABLE", "sequences": "SEQUENCE", "functions": "ROUTINE", "schemas": "SCHEMA",
            "database": "DATABASE"}
_DEFAULT_KIND = {"tables": "r", "sequences": "S", "functions": "f"}
_ACL = "(SELECT coalesce(json_agg(json_build_array(pg_get_userbyid(a.grantee), a.privilege_type)), '[]') " \
       "FROM aclexplode({acl}) a WHERE a.grantee <> 0)"
_RELATIONS = ("SELECT n.nspname, c.relname, CASE c.relkind WHEN 'S' THEN 'sequences' ELSE 'tables' END, "
              "pg_get_userbyid(c.relowner), " + _ACL.format(acl="c.relacl") + " FROM pg_class c JOIN pg_namespace n "
              "ON n.oid = c.relnamespace WHERE n.nspname = ANY(%s) AND c.relkind IN ('r','p','v','m','f','S')")
_FUNCTIONS = ("SELECT n.nspname, p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')', "
              "pg_get_userbyid(p.proowner), " + _ACL.format(acl="p.proacl") + " FROM pg_proc p JOIN pg_namespace n "
              "ON n.oid = p.pronamespace WHERE n.nspname = ANY(%s) AND p.prokind IN ('f', 'p')")
_SCHEMAS = ("SELECT nspname, pg_get_userbyid(nspowner), " + _ACL.format(acl="nspacl") +
            " FROM pg_namespace WHERE nspname = ANY(%s)")
_DATABASE = ("SELECT datname, pg_get_userbyid(datdba), " + _ACL.format(acl="datacl") +
             " FROM pg_database WHERE datname = current_database()")
_DEFAULTS = ("SELECT pg_get_userbyid(d.defaclrole), n.nspname, d.defaclobjtype, pg_get_userbyid(a.grantee), "
             "a.privilege_type FROM pg_default_acl d JOIN pg_namespace n ON n.oid = d.defaclnamespace "
             "CROSS JOIN LATERAL aclexplode(d.defaclacl) a WHERE a.grantee <> 0")


@dataclass(frozen=True, slots=True)
class RoleAttributes:
    """A role's attributes as the cluster has them."""

    login: bool
    inherit: bool
    createdb: bool
    createrole: bool
    connection_limit: int


@dataclass(frozen=True, slots=True)
class GrantableObject:
    """A table, sequence, function, schema or the database, with who holds which privileges on it."""

    kind: str
    schema: str
    """The schema (for a schema: its own name; for the database: "")."""
    name: str
    """Table or sequence name; a function's `name(argument types)`; "" for a schema; the database's name."""
    owner: str
    held: dict[str, frozenset[str]]
    """Role → privileges granted to it."""

    @property
    def label(self) -> str:
        """How messages name it."""
        if self.kind == "schemas":
            return f"schema {self.schema}"
        if self.kind == "database":
            return f"database {self.name}"
        return f"{self.schema}.{self.name}"

    def target(self) -> sql.Composable:
        """The object in a GRANT."""
        if self.kind in ("schemas",):
            return sql.Identifier(self.schema)
        if self.kind == "database":
            return sql.Identifier(self.name)
        if self.kind == "functions":
            name, _, arguments = self.name.partition("(")
            return sql.SQL("{}.{}({}").format(sql.Identifier(self.schema), sql.Identifier(name), sql.SQL(arguments))
        return sql.Identifier(self.schema, self.name)


@dataclass(frozen=True, slots=True)
class Cluster:
    """What the cluster (and the database reached) has of what the declaration names."""

    user: str
    database: str
    roles: dict[str, RoleAttributes]
    memberships: dict[str, frozenset[str]]
    """Member → the roles it is a member of."""
    objects: tuple[GrantableObject, ...]
    schemas: frozenset[str]
    """Of the schemas the grants name, those that exist."""
    defaults: dict[tuple[str, str, str, str], frozenset[str]] = field(default_factory=dict)
    """(for_role, schema, object type letter, grantee) → privileges."""


@dataclass(frozen=True, slots=True)
class RoleChange:
    """One statement of a plan, with what it does in words."""

    summary: str
    statement: sql.Composed
    password_of: RoleSpec | None = None
    """The role whose password the statement ends with (added when it runs)."""


def read_cluster(conn: psycopg.Connection[Any], declared: RolesDeclaration) -> Cluster:
    """Read the roles, memberships and privileges the declaration names (read-only catalog queries)."""
    names = sorted({r.name for r in declared.roles} | {m for r in declared.roles for m in r.member_of} |
                   {g.to for g in declared.grants} | {d.to for d in declared.defaults} |
                   {d.for_role for d in declared.defaults if d.for_role})
    user, database = conn.execute("SELECT current_user, current_database()").fetchone() or ("", "")
    roles = {str(row[0]): RoleAttributes(*row[1:]) for row in conn.execute(
        "SELECT rolname, rolcanlogin, rolinherit, rolcreatedb, rolcreaterole, rolconnlimit FROM pg_roles "
        "WHERE rolname = ANY(%s)", (names,))}
    members: dict[str, set[str]] = {}
    for member, group in conn.execute(
            "SELECT DISTINCT m.rolname, g.rolname FROM pg_auth_members a JOIN pg_roles m ON m.oid = a.member "
            "JOIN pg_roles g ON g.oid = a.roleid WHERE m.rolname = ANY(%s)", ([r.name for r in declared.roles],)):
        members.setdefault(str(member), set()).add(str(group))
    schemas_of = {kind: sorted({o.partition(".")[0] for g in declared.grants if g.kind == kind for o in g.objects})
                  for kind in ("tables", "sequences", "functions", "schemas")}
    objects: list[GrantableObject] = []
    relation_schemas = sorted(set(schemas_of["tables"]) | set(schemas_of["sequences"]))
    for schema, name, kind, owner, acl in conn.execute(_RELATIONS, (relation_schemas,)) if relation_schemas else ():
        objects.append(GrantableObject(kind, schema, name, owner, _held(acl)))
    for schema, name, owner, acl in conn.execute(_FUNCTIONS, (schemas_of["functions"],)) \
            if schemas_of["functions"] else ():
        objects.append(GrantableObject("functions", schema, name, owner, _held(acl)))
    wanted = sorted(set(relation_schemas) | set(schemas_of["functions"]) | set(schemas_of["schemas"]) |
                    {d.schema for d in declared.defaults})
    present = set()
    for schema, owner, acl in conn.execute(_SCHEMAS, (wanted,)) if wanted else ():
        present.add(str(schema))
        objects.append(GrantableObject("schemas", schema, "", owner, _held(acl)))
    if any(g.kind == "database" for g in declared.grants):
        for name, owner, acl in conn.execute(_DATABASE):
            objects.append(GrantableObject("database", "", name, owner, _held(acl)))
    defaults: dict[tuple[str, str, str, str], set[str]] = {}
    for for_role, schema, kind, grantee, privilege in conn.execute(_DEFAULTS) if declared.defaults else ():
        defaults.setdefault((for_role, schema, kind, grantee), set()).add(privilege)
    return Cluster(str(user), str(database), roles, {k: frozenset(v) for k, v in members.items()}, tuple(objects),
                   frozenset(present), {k: frozenset(v) for k, v in defaults.items()})


def _held(acl: list[list[str]]) -> dict[str, frozenset[str]]:
    held: dict[str, set[str]] = {}
    for grantee, privilege in acl:
        held.setdefault(grantee, set()).add(privilege)
    return {k: frozenset(v) for k, v in held.items()}


def plan_roles(declared: RolesDeclaration, cluster: Cluster, *, reset_passwords: bool = False) -> list[RoleChange]:
    """The statements that make the cluster match the declaration, in an order that runs: roles created and
    altered, memberships granted, privileges granted, then privileges and memberships revoked.

    Raises:
        PlanError: a role is referenced but neither declared nor present; a named object or schema is missing.
    """
    known = set(cluster.roles) | {r.name for r in declared.roles}
    for name, where in _references(declared):
        if name not in known:
            raise PlanError(f"{where} names role {name!r}, which is neither declared in roles/ nor present on the "
                            "cluster; declare it, or create it by hand.", title="unknown role")
    grants, revokes = _object_changes(declared, cluster)
    default_grants, default_revokes = _default_changes(declared, cluster)
    member_grants, member_revokes = _membership_changes(declared, cluster)
    return [*_role_changes(declared, cluster, reset_passwords), *member_grants, *grants, *default_grants, *revokes,
            *default_revokes, *member_revokes]


def _references(declared: RolesDeclaration) -> list[tuple[str, str]]:
    found = [(m, f"roles.{r.name}.member_of") for r in declared.roles for m in r.member_of]
    found += [(g.to, g.where) for g in declared.grants]
    found += [(d.to, d.where) for d in declared.defaults]
    return found + [(d.for_role, d.where) for d in declared.defaults if d.for_role]


def _attributes(role: RoleSpec) -> sql.Composed:
    words = ["LOGIN" if role.login else "NOLOGIN", "INHERIT" if role.inherit else "NOINHERIT",
             "CREATEDB" if role.createdb else "NOCREATEDB", "CREATEROLE" if role.createrole else "NOCREATEROLE"]
    return sql.SQL("{} CONNECTION LIMIT {}").format(sql.SQL(" ").join(sql.SQL(w) for w in words),
                                                     sql.Literal(role.connection_limit))


def _role_changes(declared: RolesDeclaration, cluster: Cluster, reset_passwords: bool) -> list[RoleChange]:
    changes = []
    for role in declared.roles:
        has = cluster.roles.get(role.name)
        password = role if role.password_source else None
        if has is None:
            changes.append(RoleChange(f"create role {role.name}", sql.SQL("CREATE ROLE {} WITH {}").format(
                sql.Identifier(role.name), _attributes(role)), password))
            continue
        wanted = RoleAttributes(role.login, role.inherit, role.createdb, role.createrole, role.connection_limit)
        if has != wanted:
            differ = [n for n in ("login", "inherit", "createdb", "createrole", "connection_limit")
                      if getattr(has, n) != getattr(wanted, n)]
            changes.append(RoleChange(f"alter role {role.name}: {', '.join(differ)}", sql.SQL(
                "ALTER ROLE {} WITH {}").format(sql.Identifier(role.name), _attributes(role))))
        if reset_passwords and password is not None:
            changes.append(RoleChange(f"set the password of {role.name}", sql.SQL("ALTER ROLE {} WITH").format(
                sql.Identifier(role.name)), password))
    return changes


def _membership_changes(declared: RolesDeclaration, cluster: Cluster) -> tuple[list[RoleChange], list[RoleChange]]:
    grants, revokes = [], []
    for role in declared.roles:
        has = cluster.memberships.get(role.name, frozenset())
        for group in role.member_of:
            if group not in has:
                grants.append(RoleChange(f"grant {group} to {role.name}", sql.SQL("GRANT {} TO {}").format(
                    sql.Identifier(group), sql.Identifier(role.name))))
        for group in sorted(has - set(role.member_of)):
            revokes.append(RoleChange(f"revoke {group} from {role.name}", sql.SQL("REVOKE {} FROM {}").format(
                sql.Identifier(group), sql.Identifier(role.name))))
    return grants, revokes


def _matches(grant: GrantSpec, obj: GrantableObject) -> bool:
    if grant.kind != obj.kind:
        return False
    if grant.kind == "database":
        return True
    if grant.kind == "schemas":
        return obj.schema in grant.objects
    return any(pattern in (f"{obj.schema}.*", f"{obj.schema}.{obj.name}") for pattern in grant.objects)


def _object_changes(declared: RolesDeclaration, cluster: Cluster) -> tuple[list[RoleChange], list[RoleChange]]:
    for grant in declared.grants:
        for pattern in grant.objects:
            schema, _, rest = pattern.partition(".")
            if schema not in cluster.schemas:
                raise PlanError(f"{grant.where} names schema {schema!r}, which does not exist in database "
                                f"{cluster.database!r}.", title="no such schema")
            if rest not in ("", "*") and not any(o.kind == grant.kind and o.schema == schema and o.name == rest
                                                 for o in cluster.objects):
                raise PlanError(f"{grant.where} names {grant.kind[:-1]} {pattern!r}, which does not exist in "
                                f"database {cluster.database!r}.", title="no such object")
    grants, revokes = [], []
    for obj in cluster.objects:
        wanted: dict[str, set[str]] = {}
        for grant in declared.grants:
            if _matches(grant, obj):
                wanted.setdefault(grant.to, set()).update(grant.privileges)
        for role, privileges in wanted.items():
            if role == obj.owner:
                continue
            has = obj.held.get(role, frozenset())
            grants += _privilege_change("GRANT", "TO", sorted(privileges - has), obj, role)
            revokes += _privilege_change("REVOKE", "FROM", sorted(has - privileges), obj, role)
    return grants, revokes


def _privilege_change(verb: str, word: str, privileges: list[str], obj: GrantableObject,
                      role: str) -> list[RoleChange]:
    if not privileges:
        return []
    statement = sql.SQL("{} {} ON {} {} {} {}").format(
        sql.SQL(verb), sql.SQL(", ").join(sql.SQL(p) for p in privileges), sql.SQL(_KEYWORD[obj.kind]), obj.target(),
        sql.SQL(word), sql.Identifier(role))
    return [RoleChange(f"{verb.lower()} {', '.join(privileges)} on {obj.label} {word.lower()} {role}", statement)]


def _default_changes(declared: RolesDeclaration, cluster: Cluster) -> tuple[list[RoleChange], list[RoleChange]]:
    wanted: dict[tuple[str, str, str, str], set[str]] = {}
    kinds: dict[str, str] = {}
    for spec in declared.defaults:
        if spec.schema not in cluster.schemas:
            raise PlanError(f"{spec.where} names schema {spec.schema!r}, which does not exist in database "
                            f"{cluster.database!r}.", title="no such schema")
        key = (spec.for_role or cluster.user, spec.schema, _DEFAULT_KIND[spec.kind], spec.to)
        wanted.setdefault(key, set()).update(spec.privileges)
        kinds[key[2]] = spec.kind
    grants, revokes = [], []
    for key, privileges in wanted.items():
        has = cluster.defaults.get(key, frozenset())
        grants += _default_change("GRANT", "TO", sorted(privileges - has), key, kinds[key[2]])
        revokes += _default_change("REVOKE", "FROM", sorted(has - privileges), key, kinds[key[2]])
    return grants, revokes


def _default_change(verb: str, word: str, privileges: list[str], key: tuple[str, str, str, str],
                    kind: str) -> list[RoleChange]:
    if not privileges:
        return []
    for_role, schema, _, role = key
    statement = sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA {} {} {} ON {} {} {}").format(
        sql.Identifier(for_role), sql.Identifier(schema), sql.SQL(verb),
        sql.SQL(", ").join(sql.SQL(p) for p in privileges), sql.SQL(kind.upper()), sql.SQL(word),
        sql.Identifier(role))
    return [RoleChange(f"default: {verb.lower()} {', '.join(privileges)} on {kind} {for_role} creates in {schema} "
                       f"{word.lower()} {role}", statement)]


def with_password(change: RoleChange, encrypt: Callable[[RoleSpec], str]) -> sql.Composed:
    """The statement to run: with `PASSWORD '<verifier>'` appended when it sets one (`encrypt` gives the
    verifier, computed on the client, so the server's logs never see the password)."""
    if change.password_of is None:
        return change.statement
    return sql.SQL("{} PASSWORD {}").format(change.statement, sql.Literal(encrypt(change.password_of)))


def shown(change: RoleChange, conn: psycopg.Connection[Any]) -> str:
    """The statement as a plan prints it: a password stays a placeholder naming where it comes from."""
    text = change.statement.as_string(conn)
    if change.password_of is not None:
        text += f" PASSWORD '<from {change.password_of.password_source}>'"
    return text
