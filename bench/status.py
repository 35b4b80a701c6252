"""`status` where people wait for it: on the demo project (wall time including the interpreter) and with 10 000
files applied (beyond the interpreter's own start-up), against references measured in the same run on the same
server: psql reading the history table (the floor of any status), and dbmate's `status` on the same demo files in
its layout when the peers are installed (`../shared/peers/install.sh`). With 10 000 files, `status` is timed
with its caches removed before each run (cold) and kept (warm: the folder and the history unchanged, so the stat
signature and the history's digest match the last answer), and `validate` (which always reads and hashes the files).

    python bench/status.py                 # median of 9 (demo) and 5 (10 000 files)
    python bench/status.py --files 2000
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from apply import fresh_database, timed, write_small_files  # noqa: E402

from dbworkbench.core.embedded import EmbeddedServer, wheel_bin_dir  # noqa: E402

DBMATE = Path(os.environ.get("PEERLAB", "/tmp/peerlab")) / "node" / "node_modules" / ".bin" / "dbmate"
CLI = [sys.executable, "-m", "dbworkbench"]


def median_of(command: list[str], cwd: Path, runs: int, before: object = None) -> float:
    times = []
    for _ in range(runs):
        if callable(before):
            before()
        times.append(timed(command, cwd))
    return statistics.median(times)


def demo(status: object, work: Path, runs: int, psql: str) -> None:
    project = work / "demo"
    shutil.copytree(ROOT / "sql", project / "sql")
    (project / "dbworkbench.toml").write_text('[placeholders]\ncompany = "Example Co"\n')
    admin = status.conninfo("postgres")  # type: ignore[attr-defined]
    fresh_database(admin, "bench_demo")
    url = status.conninfo("bench_demo")  # type: ignore[attr-defined]
    subprocess.run([*CLI, "migrate", "--url", url], cwd=project, check=True, capture_output=True)
    ours = median_of([*CLI, "status", "--url", url], project, runs)
    floor = median_of([psql, "-X", "-q", "-d", url, "-c", "SELECT version, description, checksum FROM "
                       "dbworkbench_history ORDER BY installed_rank"], project, runs)
    print(f"# status on the demo ({len(list((project / 'sql').glob('*.sql')))} files), wall incl. interpreter, "
          f"median of {runs}")
    print("| command | seconds | ratio |")
    print("|---|---|---|")
    print(f"| psql reading the history table (floor) | {floor:.3f} | 1.00 |")
    if DBMATE.exists():
        mate = project / "dbmate"
        mate.mkdir()
        for path in sorted((project / "sql").glob("V*.sql")):
            version, _, rest = path.name[1:].partition("__")
            up, _, down = path.read_text().replace("${company}", "Example Co").partition("-- @undo")
            undo_file = path.with_name("U" + path.name[1:])
            down = undo_file.read_text() if undo_file.exists() else down
            up = up.replace("CONCURRENTLY ", "")  # dbmate sends a file as one multi-statement query
            (mate / f"{int(version):014d}_{re.sub(r'[^a-z0-9]+', '_', rest[:-4].lower())}.sql").write_text(
                f"-- migrate:up\n{up}\n-- migrate:down\n{down}")
        fresh_database(admin, "bench_dbmate")
        params = dict(p.split("=", 1) for p in status.conninfo("bench_dbmate").split())  # type: ignore[attr-defined]
        dsn = f"postgres://{params['user']}@/{params['dbname']}?socket={params['host']}&port={params['port']}"
        base = [str(DBMATE), "--url", dsn, "--migrations-dir", str(mate), "--no-dump-schema"]
        done = subprocess.run([*base, "up"], capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"dbmate up failed: {done.stderr or done.stdout}")
        theirs = median_of([*base, "status"], project, runs)
        print(f"| dbmate status | {theirs:.3f} | {theirs / floor:.2f} |")
    print(f"| dbworkbench status | {ours:.3f} | {ours / floor:.2f} |")


def many(status: object, work: Path, files: int, runs: int) -> None:
    project = work / "many"
    folder = project / "sql"
    write_small_files(folder, files)
    old = 1_600_000_000
    for path in folder.iterdir():
        os.utime(path, (old, old))
    fresh_database(status.conninfo("postgres"), "bench_many")  # type: ignore[attr-defined]
    url = status.conninfo("bench_many")  # type: ignore[attr-defined]
    subprocess.run([*CLI, "migrate", "--url", url], cwd=project, check=True, capture_output=True)
    cache = project / ".dbworkbench" / "cache"
    startup = median_of([sys.executable, "-c", "pass"], project, runs)
    cold = median_of([*CLI, "status", "--url", url], project, runs, lambda: shutil.rmtree(cache, ignore_errors=True))
    warm_up = subprocess.run([*CLI, "status", "--url", url], cwd=project, capture_output=True)
    assert warm_up.returncode == 0 and list(cache.glob("*.json")), "the cache was not written"
    warm = median_of([*CLI, "status", "--url", url], project, runs)
    validate = median_of([*CLI, "validate", "--url", url], project, runs)
    print(f"\n# {files} files applied, median of {runs}, beyond interpreter start-up ({startup:.3f} s)")
    print("| command | wall seconds | beyond start-up |")
    print("|---|---|---|")
    for name, value in (("status, no cache", cold), ("status, nothing changed since the last (cached)", warm),
                        ("validate", validate)):
        print(f"| {name} | {value:.3f} | {value - startup:.3f} |")
    print(f"\ncached status is {cold / warm:.2f}x faster than reading the folder and the history")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=10_000, help="files applied for the large case")
    parser.add_argument("--runs", type=int, default=9, help="runs per figure on the demo (5 for the large case)")
    args = parser.parse_args()
    bin_dir = wheel_bin_dir()
    psql = str(bin_dir / "psql") if (bin_dir / "psql").exists() else shutil.which("psql") or "psql"
    work = Path(tempfile.mkdtemp(prefix="dbwb-status-"))
    server = EmbeddedServer(work / "pgdata", bin_dir)
    status = server.ensure_running()
    try:
        demo(status, work, args.runs, psql)
        many(status, work, args.files, 5)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
