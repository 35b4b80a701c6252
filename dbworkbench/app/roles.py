"""`roles plan` and `roles apply`: make a cluster's roles, memberships and privileges match `roles/`.

Race-safe: the whole apply is one transaction that re-reads the cluster and re-plans under the database's
migration lock, so a second migrator on the same database waits; one on another database of the same cluster
(roles are shared) can still collide, which PostgreSQL reports as a duplicate role or a concurrently updated
catalog row: the transaction rolls back and is retried from a fresh read, at most `ATTEMPTS` times. What runs is
never more than what was planned and confirmed. Passwords are read (from the environment or a secrets file) only
when a role is about to get one, and reach the server as a SCRAM verifier computed by libpq, so neither the
output nor the server's statement log holds them.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import psycopg
from psycopg import sql

from dbworkbench.app.gate import Confirm, ConfirmRequest, protection_of, require_confirmation, target_name
from dbworkbench.config import Settings, redact
from dbworkbench.config.roles import ROLES_DIR, RolesDeclaration, RoleSpec, load_roles, read_password
from dbworkbench.core.roles import RoleChange, plan_roles, read_cluster, shown, with_password
from dbworkbench.core.session import Session, open_session
from dbworkbench.errors import ConfigError, RolesFailedError

ATTEMPTS = 5
"""Tries of an apply that collided with another migrator on the same cluster."""
_COLLISIONS = {"42710", "23505", "40001", "40P01"}
"""duplicate_object, unique_violation (a role created meanwhile), serialization_failure, deadlock_detected."""
_LOCK_KEY = 0x726F6C6573
"""Transaction-level advisory lock ("roles") every apply on a database takes first."""


@dataclass(frozen=True, slots=True)
class RolesReport:
    """What a cluster lacks of the declaration, and (for an apply) what was run."""

    target: str
    changes: tuple[str, ...]
    """In words, in the order they run."""
    sql: str
    """The statements (passwords as placeholders naming their source)."""
    applied: bool
    dry_run: bool
    attempts: int = 0
    """Transactions an apply took (more than 1 after a collision)."""

    @property
    def in_sync(self) -> bool:
        """The cluster already matches (nothing to do)."""
        return not self.changes


def declared_roles(settings: Settings) -> RolesDeclaration:
    """The project's `roles/` declarations.

    Raises:
        ConfigError: the project has no roles/ folder, or a file in it is wrong.
    """
    declared = load_roles(settings.project_dir)
    if declared is None:
        raise ConfigError(f"the project has no {ROLES_DIR}/ folder ({settings.project_dir / ROLES_DIR}); declare "
                          "roles there in .toml files (see the README, Roles and grants).", title="no roles declared")
    return declared


def plan(settings: Settings, *, reset_passwords: bool = False) -> RolesReport:
    """What `roles apply` would run (read-only).

    Raises:
        ConfigError, PlanError: see `declared_roles`, `core.roles.plan_roles`. DatabaseConnectionError.
    """
    declared = declared_roles(settings)
    with open_session(settings, write=False, purpose="roles plan") as session:
        return _report(session, plan_roles(declared, read_cluster(session.conn, declared),
                                           reset_passwords=reset_passwords), applied=False, dry_run=True)


def differences(declared: RolesDeclaration, session: Session) -> list[str]:
    """What the session's cluster lacks of the declaration; for `drift`."""
    return [c.summary for c in plan_roles(declared, read_cluster(session.conn, declared))]


def apply(settings: Settings, *, dry_run: bool = False, confirm: Confirm | None = None,
          reset_passwords: bool = False, password_for: Callable[[RoleSpec], str] | None = None) -> RolesReport:
    """Make the cluster match `roles/`: a protected database asks for its name first; every password is read
    before anything runs (`password_for` replaces their sources: `ci` gives throwaway ones); one transaction,
    retried after a collision (see the module).

    Raises:
        ConfigError: no roles/, a bad file, a password source unset. PlanError: an unknown role or object.
        ProtectedEnvironmentError: not confirmed. RolesFailedError: a statement failed (nothing stayed), the
            cluster changed beyond the confirmed plan, or it still differs afterwards.
        DatabaseConnectionError, LockError.
    """
    declared = declared_roles(settings)
    with open_session(settings, write=not dry_run, purpose="roles apply") as session:
        conn = session.conn
        planned = plan_roles(declared, read_cluster(conn, declared), reset_passwords=reset_passwords)
        report = _report(session, planned, applied=False, dry_run=dry_run)
        if dry_run or not planned:
            return report
        protection = protection_of(settings, session)
        require_confirmation(protection, confirm, ConfirmRequest(protection.name or target_name(settings, session),
                                                                 "roles apply", report.changes, report.sql))
        read = password_for or (lambda role: read_password(role, settings.project_dir))
        passwords = {c.password_of.name: read(c.password_of) for c in planned if c.password_of is not None}
        attempts = _run(session, declared, {c.summary for c in planned}, passwords, reset_passwords)
        left = plan_roles(declared, read_cluster(conn, declared))
        if left:
            raise RolesFailedError(f"after roles apply on {report.target}, the cluster still differs: "
                                   f"{'; '.join(c.summary for c in left)}. A revoke only removes what the applying "
                                   "role granted (or the owner, or a superuser); grant or revoke those by hand.")
        return RolesReport(report.target, report.changes, report.sql, True, False, attempts)


def remove_roles(settings: Settings, names: list[str]) -> list[str]:
    """Drop these roles (what they own and hold in the database reached goes first); `ci` removes the roles it
    created on its scratch server. Returns those that could not be dropped (they hold something elsewhere)."""
    left = []
    with open_session(settings, write=False, purpose="roles cleanup") as session:
        for name in names:
            try:
                with session.conn.transaction():
                    session.conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(name)))
                    session.conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))
            except psycopg.Error:
                left.append(name)
    return left


def _run(session: Session, declared: RolesDeclaration, confirmed: set[str], passwords: dict[str, str],
         reset_passwords: bool) -> int:
    conn = session.conn

    def encrypt(role: RoleSpec) -> str:
        return bytes(conn.pgconn.encrypt_password(passwords[role.name].encode(), role.name.encode())).decode()

    doing = "reading the cluster"
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
                now = plan_roles(declared, read_cluster(conn, declared), reset_passwords=reset_passwords)
                beyond = [c.summary for c in now if c.summary not in confirmed]
                if beyond:
                    raise RolesFailedError(f"the cluster changed since the plan: {'; '.join(beyond)} would now run "
                                           "too, and was not reviewed. Nothing was run; plan again.",
                                           title="cluster changed")
                for change in now:
                    doing = change.summary
                    conn.execute(with_password(change, encrypt))
                if session.store.tables_exist(conn)[1]:
                    conn.execute(session.store.event("roles", version=None, script=None, detail={
                        "changes": [c.summary for c in now], "sql": "\n".join(shown(c, conn) for c in now)}))
            return attempt
        except psycopg.Error as exc:
            if attempt < ATTEMPTS and _collided(exc):
                time.sleep(random.uniform(0.02, 0.1) * attempt)
                continue
            raise RolesFailedError(f"roles apply on {redact(session.label)} failed at \"{doing}\" and was rolled "
                                   f"back (nothing of it stayed): {str(exc).strip().splitlines()[0]} "
                                   f"[SQLSTATE {exc.sqlstate}]") from exc
    raise AssertionError("unreachable: the last attempt returns or raises")


def _collided(exc: psycopg.Error) -> bool:
    return exc.sqlstate in _COLLISIONS or (exc.sqlstate == "XX000" and "concurrently" in str(exc))


def _report(session: Session, changes: list[RoleChange], *, applied: bool, dry_run: bool) -> RolesReport:
    return RolesReport(redact(session.label), tuple(c.summary for c in changes),
                       "\n".join(shown(c, session.conn) + ";" for c in changes), applied, dry_run)
