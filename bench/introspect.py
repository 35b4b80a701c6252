"""Introspect a 2 000-table schema with dbworkbench and dump it with `pg_dump --schema-only`, same server, same run.

The schema mirrors ../shared/peers' diff benchmark: 5-10 columns a table, one or two indexes, a foreign key
on every third table, an enum column on every seventh, and 200 views. Times are medians of --runs.

    python bench/introspect.py                  # 2 000 tables, 200 views, embedded PostgreSQL 18
    python bench/introspect.py --tables 500
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def schema_sql(tables: int, views: int) -> str:
    """DDL of the benchmark schema."""
    lines = ["CREATE TYPE mood AS ENUM ('ok', 'meh', 'great');"]
    for i in range(1, tables + 1):
        columns = ["id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY", f"code_{i} varchar(40) NOT NULL",
                   "created_at timestamptz NOT NULL DEFAULT now()", "amount numeric(12,2) DEFAULT 0",
                   "note text"][: 5 + 0] + [f"extra_{j} integer" for j in range(i % 6)]
        if i % 7 == 0:
            columns.append("m mood DEFAULT 'ok'")
        if i % 3 == 0 and i > 1:
            columns.append(f"parent_id bigint REFERENCES t_{i - 1} (id)")
        lines.append(f"CREATE TABLE t_{i} ({', '.join(columns)});")
        lines.append(f"CREATE INDEX t_{i}_code ON t_{i} (code_{i});")
        if i % 2 == 0:
            lines.append(f"CREATE INDEX t_{i}_created ON t_{i} (created_at) WHERE amount > 0;")
    for v in range(1, views + 1):
        i = v * max(1, tables // max(views, 1))
        lines.append(f"CREATE VIEW v_{v} AS SELECT id, code_{i}, amount FROM t_{i} WHERE amount > {v};")
    return "\n".join(lines)


def main() -> None:
    import psycopg

    from dbworkbench.core.embedded import EmbeddedServer
    from dbworkbench.schema.introspect import introspect

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--views", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--bin", type=Path, default=None, help="PostgreSQL bin/ folder (default: the embedded wheel)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dbwb-introspect-"))
    server = EmbeddedServer(work / "pgdata", args.bin)
    status = server.ensure_running()
    try:
        with psycopg.connect(status.conninfo("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE big")
        conninfo = status.conninfo("big")
        began = time.perf_counter()
        statements = schema_sql(args.tables, args.views).splitlines()
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for start in range(0, len(statements), 300):  # one implicit transaction per chunk: bounded locks
                conn.execute("\n".join(statements[start:start + 300]))  # type: ignore[arg-type]
        print(f"# built {args.tables} tables and {args.views} views in {time.perf_counter() - began:.1f} s (untimed)")
        pg_dump = str(server.bin_dir / "pg_dump")
        dump_runs, ours_runs, cli_runs = [], [], []
        objects = 0
        for _ in range(args.runs):
            began = time.perf_counter()
            subprocess.run([pg_dump, "--schema-only", "-d", conninfo, "-f", str(work / "dump.sql")], check=True)
            dump_runs.append(time.perf_counter() - began)
            began = time.perf_counter()
            with psycopg.connect(conninfo) as conn:
                objects = introspect(conn).object_count()
            ours_runs.append(time.perf_counter() - began)
            began = time.perf_counter()
            subprocess.run([sys.executable, "-m", "dbworkbench", "schema", "--json", "--url", conninfo],
                           check=True, capture_output=True, cwd=work)
            cli_runs.append(time.perf_counter() - began)
        dump = statistics.median(dump_runs)
        print(f"# introspection of {args.tables} tables, {args.views} views ({objects} top-level objects), "
              f"median of {args.runs}")
        print("| tool | seconds | ratio to pg_dump |")
        print("|---|---|---|")
        for name, runs in (("pg_dump --schema-only (process)", dump_runs),
                           ("dbworkbench introspect (in-process)", ours_runs),
                           ("dbworkbench schema --json (process)", cli_runs)):
            print(f"| {name} | {statistics.median(runs):.3f} | {statistics.median(runs) / dump:.2f} |")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
