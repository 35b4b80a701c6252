"""A fleet: N databases x M generated migrations on one embedded server, three ways, each on freshly created
databases (creation untimed): a shell-style loop of psql (one session per database, each file in BEGIN/COMMIT),
the sum of single-database `migrate` runs in one process, and `dbworkbench migrate --env fleet --concurrency K`
as a user runs it (one process, start-up included). Prints the times, ratios and the per-target overhead.

    python bench/fleet.py                  # N=200, M=20, K=8
    python bench/fleet.py --n 50 --m 10 --concurrency 4
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from apply import migration  # noqa: E402

from dbworkbench.app.migrations import migrate  # noqa: E402
from dbworkbench.config import Overrides, load_settings  # noqa: E402
from dbworkbench.core.db import embedded_server  # noqa: E402
from dbworkbench.core.embedded import wheel_bin_dir  # noqa: E402


def _recreate(admin: str, names: list[str]) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        for name in names:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        conn.execute("CHECKPOINT")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="databases")
    parser.add_argument("--m", type=int, default=20, help="migrations")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "sql").mkdir()
        script = []
        for i in range(1, args.m + 1):
            up, undo = migration(i)
            (root / "sql" / f"V{i}__m{i}.sql").write_text(f"{up}\n-- @undo\n{undo}\n")
            script.append(f"BEGIN;\n{up}\nCOMMIT;\n")
        (root / "all.sql").write_text("".join(script))
        (root / "dbworkbench.toml").write_text(
            '[environments.fleet]\nurl = "embedded"\ndatabases = "bench\\\\_fleet\\\\_%"\n')
        settings = load_settings(root, Overrides(env="fleet"), environ={})
        status = embedded_server(settings).ensure_running()
        admin = status.conninfo("postgres")
        names = [f"bench_fleet_{i:04d}" for i in range(args.n)]
        try:
            _recreate(admin, names)
            psql = str(wheel_bin_dir() / "psql")
            start = time.perf_counter()
            for name in names:
                subprocess.run([psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", status.conninfo(name), "-f",
                                str(root / "all.sql")], check=True, stdout=subprocess.DEVNULL)
            loop = time.perf_counter() - start

            _recreate(admin, names)
            start = time.perf_counter()
            for name in names:
                migrate(load_settings(root, Overrides(url=f"embedded:{name}"), environ={}))
            single = time.perf_counter() - start

            _recreate(admin, names)
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "dbworkbench", "migrate", "--env", "fleet",
                                   "--concurrency", str(args.concurrency)], cwd=root, capture_output=True, text=True)
            fleet = time.perf_counter() - start
            assert done.returncode == 0, done.stdout + done.stderr
            assert f"{args.n} target(s): {args.n} done" in done.stdout, done.stdout[-500:]
            print(f"{args.n} databases x {args.m} migrations on one embedded PostgreSQL 18")
            print(f"psql loop (one session per database):          {loop:.2f} s ({loop / args.n * 1000:.0f} ms each)")
            print(f"sum of single-database migrate runs (1 process): {single:.2f} s ({single / loop:.2f}x the loop; "
                  f"{(single - loop) / args.n * 1000:+.1f} ms per target)")
            print(f"migrate --env fleet --concurrency {args.concurrency} (start-up included): {fleet:.2f} s "
                  f"({loop / fleet:.2f}x faster than the loop, {single / fleet:.2f}x faster than the sum)")
        finally:
            with psycopg.connect(admin, autocommit=True) as conn:
                for name in names:
                    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            embedded_server(settings).stop()


if __name__ == "__main__":
    main()
