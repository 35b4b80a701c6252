"""A fresh migrated database for N generated migrations: cold (every file replayed by the engine) against the
template cache (clone of the newest template), and the cached path after a new last file (clone + that file).

Also the floor for the cold path: one psql session running every file in BEGIN/COMMIT on a new database.
All on the project's embedded server in one run. Prints the figures and their ratios.

    python bench/bootstrap.py                 # N=1000, median of 5 cached runs
    python bench/bootstrap.py --n 200 --repeats 9
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from apply import migration  # noqa: E402

from dbworkbench.app.scratch import fresh_migrated, scratch  # noqa: E402
from dbworkbench.app.squash import squash  # noqa: E402
from dbworkbench.config import load_settings  # noqa: E402
from dbworkbench.core.db import embedded_server  # noqa: E402
from dbworkbench.core.embedded import wheel_bin_dir  # noqa: E402


def _timed(settings: object, *, spare: bool = False) -> tuple[float, int]:
    start = time.perf_counter()
    with fresh_migrated(settings, spare=spare) as fresh:  # type: ignore[arg-type]
        elapsed = time.perf_counter() - start
        return elapsed, fresh.reused


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "sql").mkdir()
        (root / "floor").mkdir()
        (root / "dbworkbench.toml").write_text("")
        for i in range(1, args.n + 1):
            up, undo = migration(i)
            (root / "sql" / f"V{i}__m{i}.sql").write_text(f"{up}\n-- @undo\n{undo}\n")
            (root / "floor" / f"{i}.sql").write_text(up + "\n")
        settings = load_settings(root, environ={})
        status = embedded_server(settings).ensure_running()
        try:
            psql = wheel_bin_dir() / "psql"
            subprocess.run([str(psql), "-X", "-q", "-d", status.conninfo("postgres"), "-c",
                            "CREATE DATABASE floor"], check=True)
            script = "".join(f"BEGIN;\n\\i {root / 'floor' / f'{i}.sql'}\nCOMMIT;\n" for i in range(1, args.n + 1))
            start = time.perf_counter()
            subprocess.run([str(psql), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", status.conninfo("floor")],
                           input=script, text=True, check=True, stdout=subprocess.DEVNULL)
            floor = time.perf_counter() - start
            cold, reused = _timed(replace(settings, scratch_cache=False))
            assert reused == 0
            _timed(settings)  # fills the cache
            cached = [_timed(settings) for _ in range(args.repeats)]
            assert all(r == args.n for _, r in cached), cached
            spared = []
            _timed(settings, spare=True)  # starts the first spare
            for _ in range(args.repeats):
                time.sleep(max(cached[0][0] * 2, 1.0))  # the test's own time, while the next spare is made
                spared.append(_timed(settings, spare=True))
            assert all(r == args.n for _, r in spared), spared
            up, undo = migration(args.n + 1)
            (root / "sql" / f"V{args.n + 1}__m{args.n + 1}.sql").write_text(f"{up}\n-- @undo\n{undo}\n")
            one_more, reused = _timed(load_settings(root, environ={}))
            assert reused == args.n, reused
            median = statistics.median(t for t, _ in cached)
            print(f"files: {args.n}")
            print(f"floor (psql, BEGIN/COMMIT per file): {floor:.2f} s")
            print(f"cold (engine replays every file):     {cold:.2f} s  ({cold / floor:.2f}x the floor)")
            print(f"cached (clone of the template):       {median:.3f} s median of {args.repeats} "
                  f"({cold / median:.1f}x faster than cold)")
            spare = statistics.median(t for t, _ in spared)
            print(f"spare copy (the pytest plugin's path): {spare:.3f} s median of {args.repeats} "
                  f"({cold / spare:.0f}x faster than cold; target <= 0.2 s)")
            print(f"one new file (clone + 1 file):        {one_more:.3f} s")
            start = time.perf_counter()
            squash(settings, str(args.n + 1), write=True)
            squashing = time.perf_counter() - start
            baselined, _ = _timed(replace(load_settings(root, environ={}), scratch_cache=False))
            print(f"squash --to {args.n + 1} --write (replay, diff, proof): {squashing:.2f} s")
            print(f"cold with the baseline file (no cache): {baselined:.3f} s  ({cold / baselined:.1f}x faster than "
                  f"cold, {baselined / floor:.2f}x the psql floor)")
        finally:
            scratch(settings, clear=True)
            embedded_server(settings).stop()


if __name__ == "__main__":
    main()
