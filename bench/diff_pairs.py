"""Run dbworkbench's diff and migra on the same (A, B) pairs (tests/data/diff_pairs/) and report where each fails.

A tool passes a pair when applying its output to A gives a database whose introspected model equals B's
(column order aside). migra runs as `migra --unsafe A B`; dbworkbench with data loss allowed.

    python bench/diff_pairs.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
PAIRS = sorted((ROOT / "tests" / "data" / "diff_pairs").glob("*.sql"))
ROLES = ("dbwb_diff_r1", "dbwb_diff_r2")


def main() -> None:
    import psycopg
    from diff import find_migra  # bench/diff.py

    from dbworkbench.core.embedded import EmbeddedServer
    from dbworkbench.schema.diff import diff
    from dbworkbench.schema.introspect import introspect

    def normalised(model):  # type: ignore[no-untyped-def]
        return replace(model, tables={k: replace(t, columns=tuple(sorted(t.columns, key=lambda c: c.name)))
                                      for k, t in model.tables.items()})

    migra = find_migra()
    work = Path(tempfile.mkdtemp(prefix="dbwb-pairs-"))
    server = EmbeddedServer(work / "pgdata")
    status = server.ensure_running()
    failures: dict[str, list[str]] = {"dbworkbench": [], "migra": []}
    try:
        with psycopg.connect(status.conninfo("postgres"), autocommit=True) as conn:
            for role in ROLES:
                conn.execute(f"CREATE ROLE {role}")  # type: ignore[arg-type]

        def build(name: str, script: str) -> str:
            with psycopg.connect(status.conninfo("postgres"), autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")  # type: ignore[arg-type]
                conn.execute(f"CREATE DATABASE {name}")  # type: ignore[arg-type]
            if script.strip():
                with psycopg.connect(status.conninfo(name), autocommit=True) as conn:
                    conn.execute(script)  # type: ignore[arg-type]
            return status.conninfo(name)

        for path in PAIRS:
            a_sql, _, b_sql = path.read_text().removeprefix("-- @a\n").partition("-- @b\n")
            for tool in ("dbworkbench", "migra") if migra else ("dbworkbench",):
                a, b = build("pair_a", a_sql), build("pair_b", b_sql)
                with psycopg.connect(a) as ca, psycopg.connect(b) as cb:
                    model_a, model_b = introspect(ca), introspect(cb)
                if tool == "dbworkbench":
                    script = diff(model_a, model_b, allow_data_loss=True).sql
                else:
                    url = "postgresql://postgres@/{}?host=" + str(status.socket_dir)
                    script = subprocess.run([migra, "--unsafe", "--with-privileges", url.format("pair_a"),
                                             url.format("pair_b")],
                                            capture_output=True, text=True, check=False).stdout
                try:
                    with psycopg.connect(a) as conn, conn.transaction():
                        if script.strip():
                            conn.execute(script)  # type: ignore[arg-type]
                    with psycopg.connect(a) as conn:
                        ok = normalised(introspect(conn)) == normalised(model_b)
                except psycopg.Error as exc:
                    ok = False
                    script = f"error: {str(exc).splitlines()[0]}"
                if not ok:
                    failures[tool].append(f"{path.stem} ({script.strip().splitlines()[0][:80] if script.strip() else 'no output'})")
        print(f"# {len(PAIRS)} (A, B) pairs (migra with --unsafe --with-privileges): does applying the tool's output to A reach B?")
        print("| tool | pairs reached | failed |")
        print("|---|---|---|")
        for tool, failed in failures.items():
            if tool == "migra" and not migra:
                continue
            print(f"| {tool} | {len(PAIRS) - len(failed)} / {len(PAIRS)} | {len(failed)} |")
        for tool, failed in failures.items():
            for line in failed:
                print(f"- {tool}: {line}")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
