"""The `server` verb: the project's embedded PostgreSQL (status, start, stop)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from dbworkbench.app.vocabulary import ServerAction
from dbworkbench.config import Settings
from dbworkbench.core.db import embedded_server


@dataclass(frozen=True, slots=True)
class ServerReport:
    """The embedded server's state after the action."""

    action: ServerAction
    running: bool
    pid: int | None
    data_dir: Path
    socket_dir: Path | None
    postgres_major: str | None
    url: str | None
    """A URL psql accepts (socket, no password) while running."""
    stopped: bool = False
    """`stop` found it running and stopped it."""
    loosened: tuple[Path, ...] = ()
    """Folders made traversable (o+x) for the server's OS user because dbworkbench ran as root."""


def server(settings: Settings, action: ServerAction = ServerAction.STATUS) -> ServerReport:
    """Show, start or stop the project's embedded server.

    Raises:
        ServerError: it could not start.
    """
    embedded = embedded_server(settings)
    stopped = False
    if action is ServerAction.START:
        embedded.ensure_running()
    elif action is ServerAction.STOP:
        stopped = embedded.stop()
    status = embedded.status()
    url = (f"postgresql://postgres@/{settings.environment.embedded_database}?host={status.socket_dir}"
           if status.running else None)
    return ServerReport(action, status.running, status.pid, status.data_dir, status.socket_dir, status.version,
                        url, stopped, status.loosened)
