"""Apply N generated migrations with dbworkbench and with the floor (one psql session, each file in BEGIN/COMMIT).

Both run on the same server, in the same run, each on a fresh database (created and checkpointed untimed).
Then `status` and `validate` are timed with --status-files (default 10 000) files applied, minus the
interpreter's own start-up. Prints the figures and their ratios.

    python bench/apply.py                       # embedded PostgreSQL 18, N=1000, median of 3
    python bench/apply.py --bin /usr/lib/postgresql/15/bin --n 100 --repeats 5
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dbworkbench.core.embedded import EmbeddedServer, wheel_bin_dir  # noqa: E402

STATUSES = ("new", "active", "suspended", "closed")


def migration(i: int) -> tuple[str, str]:
    """A realistic migration i (about 1 KiB, 5-7 statements) and its undo."""
    up = [f"""CREATE TABLE t_{i} (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code varchar(64) NOT NULL UNIQUE,
    status text NOT NULL DEFAULT 'new' CHECK (status IN ({", ".join(f"'{s}'" for s in STATUSES)})),
    amount numeric(12, 2) NOT NULL DEFAULT 0 CHECK (amount >= 0),
    attributes jsonb NOT NULL DEFAULT '{{}}',
    created_at timestamptz NOT NULL DEFAULT now(),
    note text{f",{chr(10)}    parent_id bigint REFERENCES t_{i - 1} (id)" if i > 1 else ""}
);""",
          f"CREATE INDEX t_{i}_status_idx ON t_{i} (status, created_at);",
          f"COMMENT ON TABLE t_{i} IS 'bench table {i}; generated';",
          f"INSERT INTO t_{i} (code, status, amount) VALUES ('a{i}', 'new', 1), ('b{i}', 'active', 2.5), "
          f"('c{i}', 'closed', 3);"]
    if i % 3 == 0:
        up.append(f"CREATE INDEX t_{i}_open_idx ON t_{i} (code) WHERE status <> 'closed';")
    if i > 1:
        up.append(f"ALTER TABLE t_{i - 1} ADD COLUMN extra_{i} integer, ADD COLUMN flag_{i} boolean NOT NULL DEFAULT false;")
    if i % 4 == 0 and i > 1:
        up.append(f"CREATE VIEW v_{i} AS SELECT a.id, a.code, b.code AS parent_code FROM t_{i} a "
                  f"LEFT JOIN t_{i - 1} b ON b.id = a.parent_id;")
    if i % 10 == 0:
        up.append(f"""CREATE FUNCTION f_{i}(p bigint) RETURNS numeric LANGUAGE plpgsql AS $fn$
DECLARE total numeric;
BEGIN
    SELECT sum(amount) INTO total FROM t_{i} WHERE id <= p;
    RETURN coalesce(total, 0);
END;
$fn$;""")
    down = f"DROP TABLE t_{i} CASCADE;"
    return "\n".join(up) + "\n", down + "\n"


def write_project(folder: Path, n: int) -> Path:
    """Migration files (our layout) plus the floor's single script; returns the script."""
    sql_dir = folder / "sql"
    sql_dir.mkdir(parents=True)
    floor = []
    for i in range(1, n + 1):
        up, down = migration(i)
        (sql_dir / f"V{i:05d}__bench_{i}.sql").write_text(up + "-- @undo\n" + down)
        floor.append(f"BEGIN;\n{up}COMMIT;\n")
    script = folder / "floor.sql"
    script.write_text("".join(floor))
    return script


def fresh_database(admin: str, name: str) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
        conn.execute("CHECKPOINT")


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    return elapsed


def check_tables(conninfo: str, n: int) -> None:
    with psycopg.connect(conninfo) as conn:
        count = conn.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 't\\_%'").fetchone()
    if not count or count[0] != n:
        raise SystemExit(f"expected {n} tables, found {count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="migrations to apply (default 1000)")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each tool; the median is reported")
    parser.add_argument("--status-files", type=int, default=10_000, help="files applied when timing status/validate")
    parser.add_argument("--bin", type=Path, default=None, help="PostgreSQL bin/ folder (default: the embedded wheel)")
    args = parser.parse_args()

    bin_dir = args.bin or wheel_bin_dir()
    psql = str(bin_dir / "psql") if (bin_dir / "psql").exists() else shutil.which("psql") or "psql"
    cli = [sys.executable, "-m", "dbworkbench"]
    work = Path(tempfile.mkdtemp(prefix="dbwb-bench-"))
    server = EmbeddedServer(work / "pgdata", bin_dir)
    status = server.ensure_running()
    try:
        admin = status.conninfo("postgres")
        project = work / "project"
        floor_script = write_project(project, args.n)
        times: dict[str, list[float]] = {"psql floor": [], "dbworkbench": []}
        for round_ in range(args.repeats):
            for tool in times:
                db = f"bench_{round_}_{tool.split()[0]}"
                fresh_database(admin, db)
                conninfo = status.conninfo(db)
                if tool == "psql floor":
                    command = [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-f", str(floor_script)]
                else:
                    command = [*cli, "migrate", "--url", conninfo, "--migrations", "sql"]
                times[tool].append(timed(command, project))
                check_tables(conninfo, args.n)
        floor = statistics.median(times["psql floor"])
        ours = statistics.median(times["dbworkbench"])
        version = psycopg.connect(admin).info.server_version
        print(f"# apply {args.n} migrations, PostgreSQL {version // 10000}.{version % 10000}, median of {args.repeats}")
        print("| tool | seconds (runs) | per file | ratio to floor |")
        print("|---|---|---|---|")
        for tool, runs in times.items():
            median = statistics.median(runs)
            print(f"| {tool} | {median:.2f} ({', '.join(f'{r:.2f}' for r in runs)}) | "
                  f"{median / args.n * 1000:.2f} ms | {median / floor:.3f} |")
        print(f"\noverhead over the floor: {(ours - floor) / args.n * 1000:.2f} ms per file")
        status_bench(args.status_files, status, cli, work)
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


def write_small_files(folder: Path, files: int) -> None:
    """`files` one-table migrations (with undo) in `folder`: what status and validate are timed on."""
    folder.mkdir(parents=True)
    for i in range(1, files + 1):
        (folder / f"V{i:05d}__table_{i}.sql").write_text(
            f"-- migration {i}\nCREATE TABLE s_{i} (id bigint PRIMARY KEY, name text NOT NULL);\n"
            f"COMMENT ON TABLE s_{i} IS 'status bench';\n-- @undo\nDROP TABLE s_{i};\n")


def status_bench(files: int, status: object, cli: list[str], work: Path) -> None:
    """Time status and validate with `files` small migrations applied (applied once, untimed)."""
    project = work / "status_project"
    write_small_files(project / "sql", files)
    admin = status.conninfo("postgres")  # type: ignore[attr-defined]
    fresh_database(admin, "bench_status")
    conninfo = status.conninfo("bench_status")  # type: ignore[attr-defined]
    timed([*cli, "migrate", "--url", conninfo, "--migrations", "sql"], project)
    startup = statistics.median(timed([sys.executable, "-c", "pass"], project) for _ in range(5))
    print(f"\n# status / validate with {files} files applied (median of 5; interpreter start-up {startup:.3f} s)")
    print("| command | wall seconds | beyond interpreter start-up |")
    print("|---|---|---|")
    for command in ("status", "validate"):
        runs = [timed([*cli, command, "--url", conninfo, "--migrations", "sql"], project) for _ in range(5)]
        median = statistics.median(runs)
        print(f"| {command} | {median:.3f} | {median - startup:.3f} |")


if __name__ == "__main__":
    main()
