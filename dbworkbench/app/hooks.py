"""Before/after-migrate hooks: a command of the environment's, told in JSON on stdin what is about to run (or what
ran) and which objects the files touch.

`before_migrate` runs once the plan is confirmed, under the migration lock, before any file: a non-zero exit vetoes
the run (nothing has run). `after_migrate` runs after the last file, or after the one that failed, and its exit is
shown but changes nothing (the files ran). Both run without a shell, in the project folder, with the payload on
stdin and `DBWORKBENCH_HOOK` naming the hook; their output is captured and reported as a `HookRan` event. The
payload names the target as people see it (never with a password).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from dataclasses import dataclass
from typing import Any

from dbworkbench.config import Settings
from dbworkbench.core import events as ev
from dbworkbench.core.steps import PreparedStep
from dbworkbench.errors import ConfigError, HookVetoedError
from dbworkbench.lint.objects import touched_objects

HOOK_TIMEOUT = 600.0
"""Seconds a hook may run before it is stopped (a stopped before-hook vetoes)."""


@dataclass(frozen=True, slots=True)
class HookContext:
    """What every payload carries."""

    verb: str
    target: str
    planned: tuple[PreparedStep, ...]


def _payload(settings: Settings, name: str, context: HookContext, extra: dict[str, Any]) -> dict[str, Any]:
    objects: set[str] = set()
    for step in context.planned:
        objects |= touched_objects(step.text.text)
    return {"hook": name, "verb": context.verb, "environment": settings.environment.name, "target": context.target,
            "protected": settings.environment.protected,
            "files": [{"script": p.script, "version": p.version, "action": p.spec.action.value}
                      for p in context.planned],
            "objects": sorted(objects), **extra}


def run_hook(settings: Settings, name: str, context: HookContext, on_event: ev.EventSink | None,
             **extra: Any) -> ev.HookRan | None:
    """Run the environment's hook `name`, if it has one.

    Raises:
        HookVetoedError: `before_migrate` exited non-zero, timed out or could not start.
        ConfigError: `after_migrate` could not start (the files have run; it says so).
    """
    argv = settings.environment.hooks.get(name)
    if not argv:
        return None
    command = shlex.join(argv)
    stdin = json.dumps(_payload(settings, name, context, extra), indent=2)
    try:
        done = subprocess.run(argv, input=stdin, capture_output=True, text=True, cwd=settings.project_dir,
                              timeout=HOOK_TIMEOUT, env={**os.environ, "DBWORKBENCH_HOOK": name}, check=False)
        result = ev.HookRan(name, command, done.returncode, (done.stdout + done.stderr).rstrip())
    except subprocess.TimeoutExpired:
        result = ev.HookRan(name, command, -1, f"stopped after {HOOK_TIMEOUT:.0f} s")
    except OSError as exc:
        message = f"hook {name} ({command}) could not start: {exc.strerror or exc}."
        if name == "before_migrate":
            raise HookVetoedError(message + " Nothing was run.") from exc
        raise ConfigError(message + " The migrations it follows had run.") from exc
    if on_event is not None:
        on_event(result)
    if name == "before_migrate" and result.exit_code != 0:
        last = result.output.splitlines()[-1] if result.output else "no output"
        raise HookVetoedError(f"hook before_migrate ({command}) exited {result.exit_code}: {last}. Nothing was run.")
    return result
