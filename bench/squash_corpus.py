"""`squash` over a real project's migration set (default: ../shared/corpus/harbor): the baseline at the last
version (replayed, diffed from an empty database, proved on another scratch database), then a fresh migrated
database the way a new environment gets one, from the files and from the baseline, without the template cache.
Prints the times and their ratio; a proof run, not a timed test.

    python bench/squash_corpus.py [--corpus DIR] [--repeats N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "harbor")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    from dbworkbench.app.scratch import fresh_migrated
    from dbworkbench.app.squash import squash
    from dbworkbench.config import Overrides, load_settings
    from dbworkbench.core.db import embedded_server
    from dbworkbench.core.discovery import discover

    work = Path(tempfile.mkdtemp(prefix="dbwb-squash-"))
    try:
        shutil.copytree(args.corpus / "sql", work / "sql")
        (work / "dbworkbench.toml").write_text("")
        settings = replace(load_settings(work, Overrides(), environ={}), scratch_cache=False)
        files = [f for f in discover(settings.migrations_dir).versioned if f.version is not None]
        last = files[-1].version
        assert last is not None

        def fresh() -> float:
            start = time.perf_counter()
            with fresh_migrated(replace(load_settings(work, Overrides(), environ={}), scratch_cache=False)):
                return time.perf_counter() - start

        fresh()  # the embedded server started, caches warm
        from_files = statistics.median(fresh() for _ in range(args.repeats))
        start = time.perf_counter()
        report = squash(settings, last.text, write=True)
        squashing = time.perf_counter() - start
        from_baseline = statistics.median(fresh() for _ in range(args.repeats))
        print(f"corpus: {args.corpus.name}, {len(files)} versioned files, squashed at {last.text}")
        print(f"squash (replay, diff, proof): {squashing:.2f} s -> {report.script}: {report.statements} statements, "
              f"rows of {report.tables_with_rows} table(s)")
        print(f"fresh migrated database from the files:   {from_files:.3f} s median of {args.repeats}")
        print(f"fresh migrated database from the baseline: {from_baseline:.3f} s median of {args.repeats} "
              f"({from_files / from_baseline:.1f}x faster)")
    finally:
        embedded_server(load_settings(work, Overrides(), environ={})).stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
