"""Apply small real migration sets (the demo's `sql/`, harbor's 40 files) with `dbworkbench migrate` and with psql,
same server, same run, each on a fresh database.

Two psql references: one session running every file in BEGIN/COMMIT (the floor: no process per file), and a
shell's usual loop, `psql -1 -f FILE` once per file. The SQL psql runs is what dbworkbench runs (placeholders
filled from the demo's dbworkbench.toml). Harbor comes from ../shared/corpus/harbor (or --harbor).

    python bench/apply_real.py            # median of 5
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from apply import fresh_database, timed  # noqa: E402

from dbworkbench.core.discovery import discover  # noqa: E402
from dbworkbench.core.embedded import EmbeddedServer, wheel_bin_dir  # noqa: E402
from dbworkbench.core.scripts import substitute  # noqa: E402


def prepare(name: str, source: Path, config: Path | None, work: Path, placeholders: dict[str, str]) -> Path:
    """A project folder holding the set as `sql/`, one floor script, and one file per migration for the loop."""
    project = work / name
    shutil.copytree(source, project / "sql")
    if config is not None:
        shutil.copy(config, project / "dbworkbench.toml")
    floor, loop = [], project / "loop"
    loop.mkdir()
    migrations = discover(project / "sql")
    for index, migration in enumerate((*migrations.versioned, *migrations.repeatable)):
        text = substitute(migration.up_sql, placeholders).text
        alone = migration.no_transaction or "CONCURRENTLY" in text.upper()  # as dbworkbench runs it: no BEGIN
        floor.append(f"{text}\n;\n" if alone else f"BEGIN;\n{text}\n;\nCOMMIT;\n")
        (loop / f"{index:04d}{'.alone' if alone else ''}.sql").write_text(text)
    (project / "floor.sql").write_text("".join(floor))
    return project


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--harbor", type=Path, default=ROOT.parent / "shared" / "corpus" / "harbor" / "sql")
    args = parser.parse_args()
    bin_dir = wheel_bin_dir()
    psql = str(bin_dir / "psql")
    work = Path(tempfile.mkdtemp(prefix="dbwb-apply-real-"))
    server = EmbeddedServer(work / "pgdata", bin_dir)
    status = server.ensure_running()
    try:
        admin = status.conninfo("postgres")
        sets = {"demo": prepare("demo", ROOT / "sql", ROOT / "dbworkbench.toml", work, {"company": "Example Co"})}
        if args.harbor.is_dir():
            sets["harbor"] = prepare("harbor", args.harbor, None, work, {})
        print(f"# apply real migration sets, PostgreSQL 18, fresh database each run, median of {args.repeats}")
        print("| set | files | psql, one session (floor) | psql -1 -f per file | dbworkbench migrate | "
              "dbworkbench / per-file psql | dbworkbench / floor |")
        print("|---|---|---|---|---|---|---|")
        for name, project in sets.items():
            files = sorted((project / "loop").iterdir())
            runs: dict[str, list[float]] = {"floor": [], "loop": [], "ours": []}
            for round_ in range(args.repeats):
                for tool in runs:
                    db = f"real_{name}_{tool}_{round_}"
                    fresh_database(admin, db)
                    conninfo = status.conninfo(db)
                    psql_args = [psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo]
                    if tool == "floor":
                        runs[tool].append(timed([*psql_args, "-f", str(project / "floor.sql")], project))
                    elif tool == "loop":
                        runs[tool].append(sum(timed([*psql_args, *([] if ".alone" in f.name else ["-1"]), "-f",
                                                     str(f)], project) for f in files))
                    else:
                        runs[tool].append(timed([sys.executable, "-m", "dbworkbench", "migrate", "--url", conninfo,
                                                 "--yes"], project))
            floor, loop, ours = (statistics.median(runs[k]) for k in ("floor", "loop", "ours"))
            print(f"| {name} | {len(files)} | {floor:.3f} s | {loop:.3f} s | {ours:.3f} s | {ours / loop:.2f} | "
                  f"{ours / floor:.2f} |")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
