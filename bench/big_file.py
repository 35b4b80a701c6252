"""One big migration file (64 MB of INSERTs by default): wall time and peak memory of `dbworkbench migrate` and
`validate` as processes, against `psql -1 -f` running the same file on the same server in the same run.

    python bench/big_file.py              # 64 MB, about 470 000 INSERTs
    python bench/big_file.py --mb 16

Peak memory is the process's maximum resident set (getrusage of each child, measured one at a time).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from apply import fresh_database  # noqa: E402

from dbworkbench.core.embedded import EmbeddedServer, wheel_bin_dir  # noqa: E402

CLI = [sys.executable, "-m", "dbworkbench"]


def write_file(path: Path, megabytes: int) -> int:
    target, size, count = megabytes << 20, 0, 0
    with path.open("w", encoding="utf-8") as out:
        out.write("CREATE TABLE big_items (id bigint PRIMARY KEY, name text NOT NULL, note text, qty int);\n")
        while size < target:
            count += 1
            line = (f"INSERT INTO big_items (id, name, note, qty) VALUES ({count}, 'item number {count}', "
                    f"'a note about item {count} with some padding text here', {count % 1000});\n")
            out.write(line)
            size += len(line)
    return count


def measured(command: list[str], cwd: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one child process."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.chdir(cwd)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.execvp(command[0], command)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}")
    return elapsed, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=64, help="size of the file in MB")
    args = parser.parse_args()
    bin_dir = wheel_bin_dir()
    psql = str(bin_dir / "psql") if (bin_dir / "psql").exists() else shutil.which("psql") or "psql"
    work = Path(tempfile.mkdtemp(prefix="dbwb-big-"))
    server = EmbeddedServer(work / "pgdata", bin_dir)
    status = server.ensure_running()
    try:
        project = work / "project"
        (project / "sql").mkdir(parents=True)
        count = write_file(project / "sql" / "V1__big.sql", args.mb)
        admin = status.conninfo("postgres")
        fresh_database(admin, "bench_psql")
        floor = measured([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-1", "-d", status.conninfo("bench_psql"),
                          "-f", str(project / "sql" / "V1__big.sql")], project)
        fresh_database(admin, "bench_big")
        url = status.conninfo("bench_big")
        ours = measured([*CLI, "migrate", "--url", url], project)
        check = measured([*CLI, "validate", "--url", url], project)
        print(f"# one {args.mb} MB file ({count} INSERTs), same server, same run")
        print("| command | wall seconds | ratio to psql | peak RSS MB |")
        print("|---|---|---|---|")
        print(f"| psql -1 -f (floor) | {floor[0]:.2f} | 1.00 | {floor[1]:.0f} |")
        print(f"| dbworkbench migrate | {ours[0]:.2f} | {ours[0] / floor[0]:.2f} | {ours[1]:.0f} |")
        print(f"| dbworkbench validate | {check[0]:.2f} | {check[0] / floor[0]:.2f} | {check[1]:.0f} |")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
