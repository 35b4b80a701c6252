"""Approvals of unsafe changes, committed next to the migrations and bound to the file's checksum.

`approvals/V012.toml` (or `approvals/R__name.toml` for a repeatable file) names the rules approved for V012, who approved them, why, and the checksum of the
file as reviewed: editing the migration afterwards voids the approval. On a protected environment,
every write refuses unsafe findings that no valid approval covers (`app.gate`); `lint` reports them as unapproved.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from dbworkbench.config import Settings
from dbworkbench.core.discovery import MigrationFile
from dbworkbench.core.versions import Version
from dbworkbench.errors import ConfigError
from dbworkbench.lint.findings import Finding, Severity

APPROVAL_KEYS = {"version", "repeatable", "script", "checksum", "rules", "reviewer", "reason", "approved_at"}


def quoted(value: str) -> str:
    """A TOML basic string (JSON's escapes, control characters included, are TOML's too)."""
    return json.dumps(value, ensure_ascii=False)


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
    """Every approval, by migration key (canonical version, or a repeatable's name).

    Raises:
        ConfigError: an approval file is not valid, naming it.
    """
    folder = approvals_dir(settings)
    found: dict[str, Approval] = {}
    for path in sorted(folder.glob("*.toml")) if folder.is_dir() else []:
        approval = _read(path)
        found[approval.version] = approval
    return found


def _read(path: Path) -> Approval:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"approval {path} cannot be read: {exc}", title="bad approval file") from exc
    unknown = set(data) - APPROVAL_KEYS
    missing = {"checksum", "rules", "reviewer", "reason"} - set(data)
    if "version" not in data and "repeatable" not in data:
        missing.add("version")
    if unknown or missing or not isinstance(data.get("rules"), list):
        raise ConfigError(f"approval {path}: " + "; ".join(filter(None, [
            f"unknown key(s) {', '.join(sorted(unknown))}" if unknown else "",
            f"missing {', '.join(sorted(missing))}" if missing else "",
            "rules must be a list" if not isinstance(data.get("rules"), list) else ""])), title="bad approval file")
    if "repeatable" in data:
        key = str(data["repeatable"])
    else:
        try:
            key = Version.parse(str(data["version"]).lstrip("Vv")).canonical
        except ValueError as exc:
            raise ConfigError(f"approval {path}: version = {data['version']!r} is not a version.",
                              title="bad approval file") from exc
    return Approval(path, key, str(data["checksum"]), frozenset(map(str, data["rules"])),
                    str(data["reviewer"]), str(data["reason"]))


def write_approval(settings: Settings, migration: MigrationFile, rules: list[str], reason: str, reviewer: str) -> Path:
    """Approve `rules` for this migration's current content, adding to the rules an approval of the same
    content already lists (an approval of an earlier content is replaced: editing the file voided it).

    Raises:
        ConfigError: no reason, or an unreadable approval file.
    """
    if not reason.strip():
        raise ConfigError("an approval needs a reason (--reason \"...\").", title="bad approval")
    existing = load_approvals(settings).get(migration.key)
    if existing is not None and existing.checksum == migration.checksum:
        rules = sorted(set(rules) | existing.rules)
        reviewer = existing.reviewer if reviewer in existing.reviewer.split(", ") else f"{existing.reviewer}, {reviewer}"
        reason = existing.reason if reason == existing.reason else f"{existing.reason} | {reason}"
    folder = approvals_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    if migration.version is not None:
        path, identity = folder / f"V{migration.version.text}.toml", f"version = {quoted(migration.version.text)}"
    else:
        slug = "_".join("".join(c if c.isalnum() else " " for c in migration.key).split())
        path, identity = folder / f"R__{slug}.toml", f"repeatable = {quoted(migration.key)}"

    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    path.write_text("\n".join([
        f"# Approval of unsafe changes in {migration.script}; editing that file voids it.",
        identity, f"script = {quoted(migration.script)}",
        f"checksum = {quoted(migration.checksum)}", f"rules = [{', '.join(quoted(r) for r in sorted(rules))}]",
        f"reviewer = {quoted(reviewer)}", f"reason = {quoted(reason)}", f"approved_at = {quoted(stamp)}", ""]),
        encoding="utf-8")
    return path


def approved_findings(migration: MigrationFile, findings: list[Finding],
                      approvals: dict[str, Approval]) -> dict[Finding, str]:
    """The unsafe findings a valid approval covers, each with who approved it (the one approval-merge rule)."""
    approval = approvals.get(migration.key)
    if approval is None:
        return {}
    return {f: approval.reviewer for f in findings
            if f.severity is Severity.ERROR and approval.covers(migration, f.rule)}


def unapproved(migration: MigrationFile, findings: list[Finding], approvals: dict[str, Approval]) -> list[Finding]:
    """Unsafe findings that no approval for this exact file covers."""
    covered = approved_findings(migration, findings, approvals)
    return [f for f in findings if f.severity is Severity.ERROR and f not in covered]
