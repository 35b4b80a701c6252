"""Time from launch to the workbench's first complete paint, with 5 000 history rows and 2 000 tables.

"Complete" means: the history table holds every row, the pending pane is filled, the schema tree shows its
schemas, and the preview shows SQL. The database is built once (untimed) on a scratch embedded server; each
run is a fresh process (`--child`), so interpreter start-up and imports are included.

    python bench/ui_startup.py                 # 5 000 rows, 2 000 tables, median of 5 runs
    python bench/ui_startup.py --rows 10000 --runs 3
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

STARTED = time.perf_counter()

from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def build(work: Path, rows: int, tables: int) -> str:
    """A project with `rows` applied migrations (plus 10 pending) and `tables` tables; returns its conninfo."""
    import psycopg

    from dbworkbench.app import migrations
    from dbworkbench.config import Overrides, load_settings
    from dbworkbench.core.embedded import EmbeddedServer

    status = EmbeddedServer(work / "pgdata").ensure_running()
    with psycopg.connect(status.conninfo("postgres"), autocommit=True) as conn:
        conn.execute("CREATE DATABASE ui_bench")
    conninfo = status.conninfo("ui_bench")
    sql_dir = work / "project" / "sql"
    sql_dir.mkdir(parents=True)
    per_file = max(1, tables // rows) if rows else tables
    created = 0
    for i in range(1, rows + 11):
        body = []
        while created < tables and (created < i * per_file or i == rows):
            created += 1
            body.append(f"CREATE TABLE bench_{created} (id bigint PRIMARY KEY, name text NOT NULL, "
                        f"created_at timestamptz DEFAULT now());")
        if not body:
            body.append(f"COMMENT ON DATABASE ui_bench IS 'migration {i}';")
        (sql_dir / f"V{i:05d}__step_{i}.sql").write_text("\n".join(body) + f"\n-- @undo\nSELECT {i};\n")
    settings = load_settings(work / "project", Overrides(url=conninfo), environ={})
    migrations.migrate(settings, target=str(rows))
    return conninfo


def child(project: Path, conninfo: str) -> None:
    """Open the workbench headless and print seconds from process start to the first complete paint."""
    from dbworkbench.app.engine import Engine
    from dbworkbench.config import Overrides, load_settings
    from dbworkbench.tui.app import DbWorkbenchApp
    from dbworkbench.tui.widgets.history_table import HistoryTable
    from dbworkbench.tui.widgets.pending_list import PendingList
    from dbworkbench.tui.widgets.schema_tree import SchemaTree

    settings = load_settings(project, Overrides(url=conninfo), environ={})
    app = DbWorkbenchApp(Engine(settings), theme="dbworkbench-dark", remember_theme=False)
    expected_rows = int(os.environ["UI_BENCH_ROWS"])
    result: list[float] = []

    def check() -> None:
        screen = app.screen
        try:
            history = screen.query_one(HistoryTable)
            pending = screen.query_one(PendingList)
            tree = screen.query_one(SchemaTree)
            sql = str(screen.query_one("#sql-view .code").render())
        except Exception:  # the main screen is not up yet
            return
        if history.row_count == expected_rows and pending.row_count > 0 and tree.root.children and sql.strip():
            result.append(time.perf_counter() - STARTED)
            app.exit()

    app.call_later(lambda: app.set_interval(0.005, check))
    app.run(headless=True, size=(160, 48))
    print(f"{result[0]:.3f}" if result else "nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--tables", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", nargs=2, metavar=("PROJECT", "CONNINFO"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), args.child[1])
        return
    from dbworkbench.core.embedded import EmbeddedServer

    work = Path(tempfile.mkdtemp(prefix="dbwb-ui-bench-"))
    try:
        began = time.perf_counter()
        conninfo = build(work, args.rows, args.tables)
        print(f"# built {args.rows} applied migrations (+10 pending) and {args.tables} tables in "
              f"{time.perf_counter() - began:.1f} s (untimed)")
        env = {**os.environ, "UI_BENCH_ROWS": str(args.rows), "XDG_CONFIG_HOME": str(work / "config")}
        runs = []
        for _ in range(args.runs):
            out = subprocess.run([sys.executable, __file__, "--child", str(work / "project"), conninfo],
                                 capture_output=True, text=True, env=env, check=True).stdout.strip().splitlines()
            runs.append(float(out[-1]))
        print(f"# first complete paint, {args.rows} history rows, {args.tables} tables, {args.runs} runs")
        print("| measurement | seconds |")
        print("|---|---|")
        print(f"| median | {statistics.median(runs):.3f} |")
        print(f"| runs | {', '.join(f'{r:.3f}' for r in runs)} |")
        print("| target (issue 14) | 1.200 |")
    finally:
        EmbeddedServer(work / "pgdata").stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
