"""Diff two 2 000-table schemas with dbworkbench and with migra, same server, same run.

The "changed" copy differs in about 0.5 % of objects, like ../shared/peers' diff benchmark: 10 added
columns, 10 column type changes, 10 new indexes, 5 changed views, 1 dropped and 1 new table. migra comes
from $MIGRA, $PEERLAB/venv/bin, or PATH (../shared/peers/install.sh installs it).

    python bench/diff.py                 # 2 000 tables, 200 views, median of 3

Three floors are measured beside them, each a process reading both databases at once: starting Python and
importing psycopg; that plus fetching the raw catalog rows a diff needs (pg_class, pg_attribute, pg_index,
pg_constraint: no deparsed definitions, no model); and that plus dbworkbench's own catalog queries (the
deparsed definitions a diff compares) without building the model. A target under a floor needs another design
(a cached snapshot), not faster code.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def changes(tables: int) -> list[str]:
    step = max(1, tables // 10)
    sql = [f"ALTER TABLE t_{i} ADD COLUMN added_{i} text" for i in range(1, tables, step)]
    sql += [f"ALTER TABLE t_{i + 1} ALTER COLUMN amount TYPE numeric(14,2)" for i in range(1, tables, step)]
    sql += [f"CREATE INDEX t_{i + 2}_note ON t_{i + 2} (note)" for i in range(1, tables, step)]
    per_view = max(1, tables // 200)
    sql += [f"CREATE OR REPLACE VIEW v_{v} AS SELECT id, code_{v * per_view}, amount FROM t_{v * per_view} "
            f"WHERE amount > {v + 100}" for v in range(1, 6)]
    sql += [f"DROP TABLE t_{tables} CASCADE", "CREATE TABLE brand_new (id bigint PRIMARY KEY, note text)"]
    return sql


FLOOR_SCRIPT = """
import sys, threading
import psycopg
queries = sys.argv[3:]
def side(url):
    with psycopg.connect(url) as conn:
        for query in queries:
            conn.execute(query, {"hidden": []}).fetchall()
sides = [threading.Thread(target=side, args=(url,)) for url in sys.argv[1:3]]
[t.start() for t in sides]
[t.join() for t in sides]
"""
RAW_CATALOG = [
    "SELECT oid, relname, relnamespace, relkind, relowner, relacl FROM pg_class WHERE oid >= 16384",
    "SELECT attrelid, attnum, attname, atttypid, atttypmod, attnotnull, attidentity, attgenerated, attcollation "
    "FROM pg_attribute WHERE attrelid >= 16384 AND attnum > 0",
    "SELECT indexrelid, indrelid, indisunique, indkey::text, indclass::text, indoption::text FROM pg_index "
    "WHERE indrelid >= 16384",
    "SELECT conrelid, conname, contype, conkey::text, confrelid, confkey::text FROM pg_constraint WHERE conrelid >= 16384",
]
"""The raw rows of the catalogs a 2 000-table diff reads, nothing deparsed: what any client must at least fetch."""


def find_migra() -> str | None:
    import tempfile as t

    candidates = [os.environ.get("MIGRA"),
                  str(Path(os.environ.get("PEERLAB", Path(t.gettempdir()) / "peerlab")) / "venv" / "bin" / "migra"),
                  shutil.which("migra")]
    return next((c for c in candidates if c and Path(c).exists()), None)


def main() -> None:
    import psycopg
    from introspect import schema_sql  # bench/introspect.py

    from dbworkbench.core.embedded import EmbeddedServer
    from dbworkbench.schema.diff import diff
    from dbworkbench.schema.introspect import QUERIES, introspect_conninfo

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--views", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dbwb-diff-"))
    server = EmbeddedServer(work / "pgdata")
    status = server.ensure_running()
    try:
        statements = schema_sql(args.tables, args.views).splitlines()
        for name, extra in (("big", []), ("changed", changes(args.tables))):
            with psycopg.connect(status.conninfo("postgres"), autocommit=True) as conn:
                conn.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
            with psycopg.connect(status.conninfo(name), autocommit=True) as conn:
                for start in range(0, len(statements), 300):
                    conn.execute("\n".join(statements[start:start + 300]))  # type: ignore[arg-type]
                for statement in extra:
                    conn.execute(statement)  # type: ignore[arg-type]
        a_url = f"postgresql://postgres@/big?host={status.socket_dir}"
        b_url = f"postgresql://postgres@/changed?host={status.socket_dir}"
        floors = {"floor: python + import psycopg": [sys.executable, "-c", "import psycopg"],
                  "floor: + raw catalog rows, both sides": [sys.executable, "-c", FLOOR_SCRIPT, a_url, b_url,
                                                            *RAW_CATALOG],
                  "floor: + dbworkbench's catalog queries (no model)": [sys.executable, "-c", FLOOR_SCRIPT, a_url,
                                                                        b_url, *QUERIES.values()]}
        results: dict[str, list[float]] = {name: [] for name in floors}
        results |= {"dbworkbench (in-process)": [], "dbworkbench diff (process)": []}
        lines = 0
        migra = find_migra()
        if migra:
            results["migra --unsafe (process)"] = []
        for _ in range(args.runs):
            for name, command in floors.items():
                began = time.perf_counter()
                subprocess.run(command, check=True, capture_output=True, cwd=work)
                results[name].append(time.perf_counter() - began)
            began = time.perf_counter()
            with ThreadPoolExecutor(2) as pool:
                a_model, b_model = pool.map(introspect_conninfo, (a_url, b_url))
            found = diff(a_model, b_model, allow_data_loss=True)
            results["dbworkbench (in-process)"].append(time.perf_counter() - began)
            lines = len(found.changes)
            began = time.perf_counter()
            subprocess.run([sys.executable, "-m", "dbworkbench", "diff", "--from", a_url, "--to", b_url,
                            "--allow-data-loss"], check=True, capture_output=True, cwd=work)
            results["dbworkbench diff (process)"].append(time.perf_counter() - began)
            if migra:
                began = time.perf_counter()
                subprocess.run([migra, "--unsafe", a_url, b_url], capture_output=True, cwd=work, check=False)
                results["migra --unsafe (process)"].append(time.perf_counter() - began)
        reference = statistics.median(results["migra --unsafe (process)"]) if migra else None
        print(f"# diff of two {args.tables}-table schemas ({lines} statements), median of {args.runs}")
        print("| tool | seconds | speed-up over migra |")
        print("|---|---|---|")
        for name, runs in results.items():
            median = statistics.median(runs)
            print(f"| {name} | {median:.3f} | {reference / median:.1f}× |" if reference else f"| {name} | {median:.3f} | - |")
        if not migra:
            print("\nmigra not found: run ../shared/peers/install.sh, or set MIGRA=/path/to/migra")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
