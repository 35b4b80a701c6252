"""Generated undo over a real project's migration set (default: ../shared/corpus/harbor): for each file, the undo
generated from the schema before and after it, whether applying it gave back the schema before, and what it
cannot give back. Prints counts and the time per file; a proof run, not a timed test.

    python bench/undo_corpus.py [--corpus DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "harbor")
    args = parser.parse_args()
    from dbworkbench.app.generated_undo import generate_undo
    from dbworkbench.config import Overrides, load_settings
    from dbworkbench.core.discovery import discover
    from dbworkbench.core.embedded import EmbeddedServer
    from dbworkbench.errors import DbWorkbenchError

    work = Path(tempfile.mkdtemp(prefix="dbwb-undo-"))
    try:
        shutil.copytree(args.corpus / "sql", work / "sql")
        (work / "dbworkbench.toml").write_text("")
        settings = load_settings(work, Overrides(), environ={})
        files = [f for f in discover(settings.migrations_dir).versioned if f.version is not None]
        full = irreversible = unverified = failed = 0
        reasons: dict[str, int] = {}
        started = time.perf_counter()
        for file in files:
            assert file.version is not None
            try:
                report = generate_undo(settings, file.version.text)
            except DbWorkbenchError as error:
                failed += 1
                print(f"✗ {file.script}: {error.message.splitlines()[0][:150]}")
                continue
            if not report.verified:
                unverified += 1
                print(f"≠ {file.script}: still needs {' '.join(report.left_behind)[:150]}")
            elif report.irreversible:
                irreversible += 1
                for line in report.irreversible:
                    key = "rows changed by DML" if "changes rows" in line else "data of a dropped object"
                    reasons[key] = reasons.get(key, 0) + 1
            else:
                full += 1
        elapsed = time.perf_counter() - started
        print("\n| files | full undo | undo, marked irreversible | generated but not verified | failed |")
        print(f"|---|---|---|---|---|\n| {len(files)} | {full} | {irreversible} | {unverified} | {failed} |")
        print(f"\nirreversible parts: {reasons or 'none'}; {elapsed:.1f} s in all, "
              f"{elapsed / max(1, len(files)):.2f} s per file (each replays the files before it)")
    finally:
        EmbeddedServer(work / ".dbworkbench" / "pgdata").stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
