"""Writers' latency while a NOT NULL column is added to a big table: the naive migration against the recipe.

A table of --rows rows (default 2 000 000) lives on a scratch embedded server (fsync on). A separate
writer process updates random rows one at a time, recording every latency, while each migration runs:

  naive   one file: ADD COLUMN; UPDATE every row; SET NOT NULL (one transaction, as written by hand)
  recipe  `dbworkbench new --recipe not-null`: add nullable; backfill in batches of 1000 with a 10 ms pause;
          CHECK NOT VALID; VALIDATE + SET NOT NULL; applied by dbworkbench's engine

Prints, for each, the migration's duration and the writers' p50, p99 and longest stall (target: p99 under
50 ms with the recipe).

    python bench/online.py                  # 2 M rows
    python bench/online.py --rows 500000
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def writer(conninfo: str, rows: int, stop: mp.synchronize.Event, results: mp.Queue) -> None:  # type: ignore[name-defined]
    """Update random rows until told to stop; report (start time, latency) pairs."""
    import psycopg

    samples: list[tuple[float, float]] = []
    with psycopg.connect(conninfo, autocommit=True) as conn:
        while not stop.is_set():
            began = time.perf_counter()
            conn.execute("UPDATE items SET v = v + 1 WHERE id = %s", [random.randint(1, rows)])
            samples.append((began, time.perf_counter() - began))
    results.put(samples)


def run(conninfo: str, rows: int, migrate: object) -> tuple[float, list[float]]:
    """Run a migration while the writer writes; its duration and the latencies of writes started during it."""
    stop = mp.Event()
    results: mp.Queue = mp.Queue()  # type: ignore[type-arg]
    process = mp.Process(target=writer, args=(conninfo, rows, stop, results))
    process.start()
    time.sleep(1.0)
    began = time.perf_counter()
    migrate()  # type: ignore[operator]
    ended = time.perf_counter()
    time.sleep(0.5)
    stop.set()
    samples = results.get(timeout=60)
    process.join(timeout=30)
    return ended - began, [latency for start, latency in samples if began <= start <= ended]


def describe(name: str, seconds: float, latencies: list[float]) -> str:
    if not latencies:
        return f"| {name} | {seconds:.1f} | 0 | 0 | - | - | - |"
    ordered = sorted(latencies)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (f"| {name} | {seconds:.1f} | {len(ordered)} | {len(ordered) / seconds:.0f} | "
            f"{statistics.median(ordered) * 1000:.1f} | {p99 * 1000:.1f} | {max(ordered) * 1000:.0f} |")


def main() -> None:
    import psycopg

    from dbworkbench.app import migrations
    from dbworkbench.config import Overrides, load_settings
    from dbworkbench.core.authoring import not_null_column, write_recipe
    from dbworkbench.core.embedded import EmbeddedServer

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=2_000_000)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dbwb-online-"))
    server = EmbeddedServer(work / "pgdata")
    status = server.ensure_running()
    try:
        lines = []
        for scenario in ("naive", "recipe"):
            with psycopg.connect(status.conninfo("postgres"), autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {scenario}")
                conn.execute(f"CREATE DATABASE {scenario}")
            conninfo = status.conninfo(scenario)
            with psycopg.connect(conninfo, autocommit=True) as conn:
                conn.execute("CREATE TABLE items (id bigint PRIMARY KEY, v int NOT NULL DEFAULT 0)")
                conn.execute("INSERT INTO items (id) SELECT generate_series(1, %s)", [args.rows])
                conn.execute("VACUUM ANALYZE items")
            project = work / scenario
            (project / "sql").mkdir(parents=True)
            settings = load_settings(project, Overrides(url=conninfo), environ={})
            if scenario == "naive":
                (project / "sql" / "V1__priority.sql").write_text(
                    "ALTER TABLE items ADD COLUMN priority smallint;\nUPDATE items SET priority = 3;\n"
                    "ALTER TABLE items ALTER COLUMN priority SET NOT NULL;\n")
            else:
                write_recipe(settings, not_null_column("items", "priority", "smallint", "3"))
            seconds, latencies = run(conninfo, args.rows, lambda s=settings: migrations.migrate(s))
            lines.append(describe(scenario, seconds, latencies))
        print(f"# writers' latency while adding a NOT NULL column to {args.rows} rows (one writer, random updates)")
        print("| migration | seconds | writes during it | writes/s | p50 ms | p99 ms | longest stall ms |")
        print("|---|---|---|---|---|---|---|")
        print("\n".join(lines))
        print("| target (recipe) | | | | | < 50 | |")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
