"""Lint time against file size: one generated migration of 1, 2, 5 and 10 MB (index builds, NOT NULL columns,
updates without WHERE: thousands of findings), linted by `dbworkbench lint` in a subprocess. Prints seconds per MB
at each size and the ratio of the largest's to the smallest's; flat (near 1) means linear. Then 1 000 ordinary
files (bench/apply.py's realistic migrations, about 1 KiB each), linted by `dbworkbench lint` as a process.

    python bench/lint_big.py [--sizes 1 2 5 10] [--files 1000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _file(megabytes: float) -> str:
    parts, size, i = [], 0, 0
    while size < megabytes * 1_000_000:
        part = (f"CREATE INDEX i{i} ON t{i % 50} (c{i});\nALTER TABLE t{i % 50} ADD COLUMN c{i} int NOT NULL;\n"
                f"UPDATE t{i % 50} SET c{i} = 1;\n-- a comment line to pad the file a little bit more\n")
        parts.append(part)
        size += len(part)
        i += 1
    return "".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 2, 5, 10])
    parser.add_argument("--files", type=int, default=1000, help="ordinary files linted together (0: skip)")
    args = parser.parse_args()
    per_mb = []
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "sql").mkdir()
        (root / "dbworkbench.toml").write_text("")
        subprocess.run([sys.executable, "-m", "dbworkbench", "lint", "--help"], cwd=root, capture_output=True)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import dbworkbench.lint.runner"], cwd=root, check=True)
        startup = time.perf_counter() - start
        for megabytes in args.sizes:
            path = root / "sql" / "V1__big.sql"
            path.write_text(_file(megabytes))
            start = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "dbworkbench", "lint", str(path)], cwd=root,
                                  capture_output=True, text=True)
            elapsed = time.perf_counter() - start - startup
            assert done.returncode == 6, done.stderr
            per_mb.append(elapsed / megabytes)
            print(f"{megabytes:>5.1f} MB: {elapsed:6.2f} s beyond start-up, {elapsed / megabytes:.2f} s per MB")
        print(f"per-MB time, largest / smallest: {per_mb[-1] / per_mb[0]:.2f} (1.00 is linear)")
        if args.files:
            many_files(root, args.files, startup)


def many_files(root: Path, files: int, startup: float) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from apply import migration

    folder = root / "many" / "sql"
    folder.mkdir(parents=True)
    (root / "many" / "dbworkbench.toml").write_text("")
    size = 0
    for i in range(1, files + 1):
        up, down = migration(i)
        (folder / f"V{i:04d}__table_{i}.sql").write_text(f"{up}-- @undo\n{down}")
        size += len(up) + len(down)
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "dbworkbench", "lint"], cwd=root / "many", capture_output=True,
                              text=True)
        runs.append(time.perf_counter() - start - startup)
        assert done.returncode in (0, 6), done.stderr
    runs.sort()
    print(f"{files} ordinary files ({size / 1e6:.1f} MB): {runs[1]:.2f} s beyond start-up (median of 3)")


if __name__ == "__main__":
    main()
