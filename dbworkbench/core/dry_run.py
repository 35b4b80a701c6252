"""What `Executor.run` would send for a step, as SQL text, without running anything: `migrate --dry-run`."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import psycopg
from psycopg import sql

from dbworkbench.core.history import HistoryStore
from dbworkbench.core.steps import PreparedStep
from dbworkbench.core.upfront import prelude


def dry_run_sql(conn: psycopg.Connection[Any], store: HistoryStore, step: PreparedStep) -> str:
    """The exact SQL `Executor.run` would send for a step, history writes included."""
    def render(query: sql.Composable) -> str:
        return query.as_string(conn) + ";"

    action = "undone" if step.spec.action.is_undo else "applied"
    mode = "one transaction" if step.transactional else "autocommit, statement by statement"
    lines = [f"-- {step.script}: {step.spec.action}, {len(step.statements)} statement(s), {mode}"]
    lines += [f"-- warning: {w}" for w in step.warnings]
    body = [s.text if s.text.rstrip().endswith(";") else s.text + ";" for s in step.statements[step.start_at:]]
    event = render(store.event(action, version=step.version, script=step.row.script, checksum=step.row.checksum,
                               execution_ms=0))
    if step.transactional:
        done = replace(step.row, success=True, statements_done=len(step.statements))
        lines += ["BEGIN;", *([render(prelude(step.upfront))] if step.upfront else []), *body,
                  render(store.insert(done)), event, "COMMIT;"]
    else:
        rank = step.resume_rank
        lines.append(render(store.insert(step.row, returning=True)) if rank is None else f"-- resuming history rank {rank}")
        for offset, statement in enumerate(body):
            lines += [statement, render(store.progress(rank or 0, step.start_at + offset + 1))]
        lines += ["BEGIN;", render(store.finish(rank or 0, step.row, 0)), event, "COMMIT;"]
    return "\n".join(lines)
