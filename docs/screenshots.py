"""Draw the README's screenshots of the review cockpit on a real (embedded) server: the pre-flight panel with an
open transaction holding a table, and a migration blocked by that transaction.

    python docs/screenshots.py        # writes docs/preflight.svg and docs/blocked.svg
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


async def draw(work: Path) -> None:
    import psycopg

    from dbworkbench.app import migrations
    from dbworkbench.app.engine import Engine
    from dbworkbench.config import Overrides, load_settings
    from dbworkbench.tui.app import DbWorkbenchApp
    from dbworkbench.tui.widgets.progress_strip import ProgressStrip

    shutil.copytree(ROOT / "sql", work / "sql")
    (work / "dbworkbench.toml").write_text('[placeholders]\ncompany = "Example Co"\n\n[environments.dev]\n'
                                           'url = "embedded"\nlock_timeout = "8s"\nlock_retries = 0\n')
    settings = load_settings(work, Overrides(env="dev"), environ={})
    migrations.migrate(settings, target="7")
    conninfo = f"host={settings.project_dir / '.dbworkbench' / 'pgdata'} user=postgres dbname=dbworkbench"
    with psycopg.connect(conninfo, application_name="nightly-report") as holder:
        holder.execute("SELECT count(*) FROM issues").fetchone()
        app = DbWorkbenchApp(Engine(settings), theme="dbworkbench-dark", remember_theme=False)
        async with app.run_test(size=(140, 40)) as pilot:
            for _ in range(20):
                await pilot.pause(0.1)
            await pilot.press("g")
            for _ in range(20):
                await pilot.pause(0.1)
            app.save_screenshot("preflight.svg", str(ROOT / "docs"))
            await pilot.press("m")
            strip = app.screen.query_one(ProgressStrip)
            for _ in range(60):
                await pilot.pause(0.1)
                if strip.blocked is not None:
                    break
            await pilot.pause(1.0)
            app.save_screenshot("blocked.svg", str(ROOT / "docs"))
            holder.rollback()
            for _ in range(30):
                await pilot.pause(0.1)


def main() -> None:
    from dbworkbench.core.embedded import EmbeddedServer

    work = Path(tempfile.mkdtemp(prefix="dbwb-shots-"))
    try:
        asyncio.run(draw(work))
    finally:
        EmbeddedServer(work / ".dbworkbench" / "pgdata").stop()
        shutil.rmtree(work, ignore_errors=True)
    print("wrote docs/preflight.svg and docs/blocked.svg")


if __name__ == "__main__":
    main()
