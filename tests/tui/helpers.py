"""Shared helpers for driving the workbench with Textual's pilot."""

from __future__ import annotations

from textual.pilot import Pilot
from textual.worker import WorkerCancelled, WorkerFailed


async def settle(pilot: Pilot[None], rounds: int = 4) -> None:
    """Let workers finish (a superseded exclusive worker is cancelled, which is fine) and messages be handled."""
    for _ in range(rounds):
        for worker in list(pilot.app.workers):
            try:
                await worker.wait()
            except (WorkerCancelled, WorkerFailed):
                pass
        await pilot.pause()
