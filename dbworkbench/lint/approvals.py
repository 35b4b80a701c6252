"""Approvals of unsafe changes, committed next to the migrations and bound to the file's checksum.

`approvals/V012.toml` names the rules approved for V012, who approved them, why, and the checksum of the
file as reviewed: editing the migration afterwards voids the approval. On a protected environment,
`migrate` refuses unsafe findings that no valid approval covers; `lint` reports them as unapproved.
"""

from __future__ import annotations

import getpass
import os
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dbworkbench.config import Settings
from dbworkbench.core.discovery import MigrationFile
from dbworkbench.errors import ConfigError
from dbworkbench.lint.findings import Finding, Severity

APPROVAL_KEYS = {"version", "script", "checksum", "rules", "reviewer", "reason", "approved_at"}


@dataclass(frozen=True, slots=True)
class Approval:
    """One approval file."""

    path: Path
    version: str
    checksum: str
    rules: frozenset[str]
    reviewer: str
    reason: str

    def covers(self, migration: MigrationFile, rule: str) -> bool:
        """True when this approval is for this exact file content and lists the rule."""
        return self.checksum == migration.checksum and rule in self.rules


def approvals_dir(settings: Settings) -> Path:
    """`approvals/` beside the migrations folder."""
    return settings.migrations_dir.parent / "approvals"


def load_approvals(settings: Settings) -> dict[str, Approval]:
    """Every approval, by canonical version.

    Raises:
        ConfigError: an approval file is not valid, naming it.
    """
    folder = approvals_dir(settings)
    found: dict[str, Approval] = {}
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"approval {path} cannot be read: {exc}", title="bad approval file") from exc
        unknown = set(data) - APPROVAL_KEYS
        missing = {"version", "checksum", "rules", "reviewer", "reason"} - set(data)
        if unknown or missing or not isinstance(data.get("rules"), list):
            raise ConfigError(f"approval {path}: " + "; ".join(filter(None, [
                f"unknown key(s) {', '.join(sorted(unknown))}" if unknown else "",
                f"missing {', '.join(sorted(missing))}" if missing else "",
                "rules must be a list" if not isinstance(data.get("rules"), list) else ""])), title="bad approval file")
        from dbworkbench.core.versions import Version

        version = Version.parse(str(data["version"]).lstrip("Vv")).canonical
        found[version] = Approval(path, version, str(data["checksum"]), frozenset(map(str, data["rules"])),
                                  str(data["reviewer"]), str(data["reason"]))
    return found


def reviewer_name() -> str:
    """Who is approving: $DBWORKBENCH_REVIEWER, else git's user.name, else the OS user."""
    if os.environ.get("DBWORKBENCH_REVIEWER"):
        return os.environ["DBWORKBENCH_REVIEWER"]
    try:
        import subprocess

        name = subprocess.run(["git", "config", "user.name"], capture_output=True, text=True, timeout=5).stdout.strip()
        if name:
            return name
    except (OSError, subprocess.SubprocessError):
        pass
    return getpass.getuser()


def write_approval(settings: Settings, migration: MigrationFile, rules: list[str], reason: str, reviewer: str) -> Path:
    """Write (or replace) the approval of `rules` for this migration's current content."""
    if not reason.strip():
        raise ConfigError("an approval needs a reason (--reason \"...\").", title="bad approval")
    assert migration.version is not None
    folder = approvals_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"V{migration.version.text}.toml"

    def quoted(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    path.write_text("\n".join([
        f"# Approval of unsafe changes in {migration.script}; editing that file voids it.",
        f"version = {quoted(migration.version.text)}", f"script = {quoted(migration.script)}",
        f"checksum = {quoted(migration.checksum)}", f"rules = [{', '.join(quoted(r) for r in sorted(rules))}]",
        f"reviewer = {quoted(reviewer)}", f"reason = {quoted(reason)}", f"approved_at = {quoted(stamp)}", ""]),
        encoding="utf-8")
    return path


def unapproved(migration: MigrationFile, findings: list[Finding], approvals: dict[str, Approval]) -> list[Finding]:
    """Unsafe findings that no approval for this exact file covers."""
    approval = approvals.get(migration.key)
    return [f for f in findings if f.severity is Severity.ERROR
            and not (approval is not None and approval.covers(migration, f.rule))]


def require_approvals(settings: Settings, migrations: list[MigrationFile], server_major: int) -> None:
    """Refuse unsafe findings without a valid approval (used before `migrate` on a protected environment).

    Raises:
        PlanError: listing each unapproved finding and how to approve it.
    """
    from dbworkbench.errors import PlanError
    from dbworkbench.lint.project import lint_migration

    approvals = load_approvals(settings)
    blocked: list[str] = []
    for migration in migrations:
        for finding in unapproved(migration, lint_migration(settings, migration, server_major=server_major), approvals):
            stale = migration.key in approvals and approvals[migration.key].checksum != migration.checksum
            blocked.append(f"{finding.path}:{finding.line}:{finding.column} [{finding.rule}] {finding.message}"
                           + (" (its approval is for an earlier version of the file)" if stale else ""))
    if blocked:
        raise PlanError(f"unsafe changes without an approval on protected environment "
                        f"{settings.environment.name!r}; nothing was run:\n  " + "\n  ".join(blocked) +
                        "\nReview them, then commit an approval: dbworkbench approve VERSION --rule RULE "
                        "--reason \"why it is safe here\".", title="approval required")
