"""The command line's grammar: one argparse sub-command per verb of `app.vocabulary.Verb`."""

from __future__ import annotations

import argparse

from dbworkbench import __version__
from dbworkbench.app.vocabulary import FANS_OUT, RECIPES, RolesAction, ServerAction, Verb
from dbworkbench.config import LAYOUTS, Overrides, Settings, load_settings


def _common(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("target")
    group.add_argument("--env", "-e", help="environment from dbworkbench.toml (default: default_env, else embedded)")
    group.add_argument("--url", help="database URL or libpq conninfo; `embedded` for the project's own server")
    group.add_argument("--migrations", "-m", metavar="DIR", help="migrations folder (default: sql/)")
    group.add_argument("--layout", choices=LAYOUTS, help="how the folder names its files (default: dbworkbench)")
    group.add_argument("--config", metavar="FILE", help="configuration file (default: nearest dbworkbench.toml)")
    group.add_argument("--history-table", metavar="NAME", help="history table, `table` or `schema.table`")
    group.add_argument("--lock-wait", type=float, metavar="SECONDS", help="wait this long for another migrator")


def _writer(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dry-run", action="store_true", help="print the exact SQL, history writes included; run nothing")
    parser.add_argument("--yes", "-y", action="store_true", help="confirm a protected environment without asking")
    parser.add_argument("--verbose", "-v", action="store_true", help="show each statement as it runs")


def _fleet(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("fleets (an environment with targets or databases)")
    group.add_argument("--canary", type=int, default=0, metavar="N", help="run N targets first; stop if any fails")
    group.add_argument("--concurrency", type=int, default=1, metavar="K", help="at most K targets at a time")
    group.add_argument("--keep-going", action="store_true", help="after a failure, still run the other targets")
    group.add_argument("--events", metavar="FILE", help="write JSON lines, one per event (run and target started "
                       "and finished, with progress), to FILE, or `-` for stdout (the lines for people go to stderr)")


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser."""
    parser = argparse.ArgumentParser(prog="dbworkbench", description="Review, apply and undo PostgreSQL migrations.")
    parser.add_argument("--version", action="version", version=f"dbworkbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def add(verb: Verb, help_text: str, *, json: bool = False, writer: bool = False) -> argparse.ArgumentParser:
        p = sub.add_parser(verb.value, help=help_text, description=help_text)
        _common(p)
        if json:
            p.add_argument("--json", action="store_true", help="print data as JSON")
        if writer:
            _writer(p)
        if verb in FANS_OUT:
            _fleet(p)
        return p

    p = add(Verb.STATUS, "show every migration's state", json=True)
    p.add_argument("--targets", action="store_true", help="on a fleet: also the grid of targets by migrations")
    p = add(Verb.MIGRATE, "apply pending migrations", json=True, writer=True)
    p.add_argument("--to", metavar="VERSION", help="stop after this version")
    p.add_argument("--steps", type=int, metavar="N", help="apply at most N files")
    p.add_argument("--out-of-order", action="store_true", help="allow pending versions below the highest applied")
    p = add(Verb.UP, "apply exactly one pending migration", json=True, writer=True)
    p.add_argument("--out-of-order", action="store_true", help="allow pending versions below the highest applied")
    p = add(Verb.DOWN, "undo applied migrations (one by default)", json=True, writer=True)
    p.add_argument("--to", metavar="VERSION", help="undo every version above this one")
    p.add_argument("--steps", type=int, metavar="N", help="undo N versions")
    add(Verb.REDO, "undo the last migration and apply it again", json=True, writer=True)
    add(Verb.VALIDATE, "check files against history; non-zero exit on any problem", json=True)
    add(Verb.REPAIR, "remove unfinished entries and accept changed checksums", writer=True)
    p = add(Verb.BASELINE, "mark an existing database as being at a version", writer=True)
    p.add_argument("--version", dest="baseline_version", required=True, metavar="VERSION")
    p.add_argument("--description", default="baseline")
    add(Verb.CLEAN, "drop everything in the managed schemas (asks on every environment; refused on a protected "
        "database)", writer=True)
    p = add(Verb.PROTECT, "mark the database protected, whatever environment or URL reaches it; --off removes the mark",
            writer=True)
    p.add_argument("--off", action="store_true", help="remove the mark (asks for the protected name)")
    p = add(Verb.NEW, "create the next versioned migration file with an undo section")
    p.add_argument("words", nargs="*", metavar="DESCRIPTION",
                   help="the description; with --recipe not-null: TABLE COLUMN TYPE DEFAULT")
    p.add_argument("--recipe", choices=list(RECIPES), help="write a multi-step online recipe instead")
    p.add_argument("--renumber", metavar="FILE", help="rename this not-yet-applied versioned file to the next free "
                   "version (two branches added the same one; see `conflicts`)")
    p.add_argument("--base", metavar="REF", help="with --renumber: versions used at this git ref count as taken")
    p.add_argument("--from", dest="from_file", metavar="FILE", help="the up SQL from FILE (`-` for stdin); its undo is "
                   "generated and proved on a scratch database")
    p = add(Verb.HISTORY, "show the event log", json=True)
    p.add_argument("version", nargs="?", help="only this version's events")
    p = add(Verb.SHOW, "show a version's applied SQL, and its diff against the file", json=True)
    p.add_argument("version")
    p = add(Verb.SERVER, "manage the project's embedded PostgreSQL", json=True)
    p.add_argument("action", choices=[a.value for a in ServerAction])
    p = add(Verb.LINT, "find unsafe changes: locks, rewrites, data loss, breaking renames", json=True)
    p.add_argument("files", nargs="*", help="files to lint (default: every migration)")
    p.add_argument("--pending", action="store_true", help="only what has not run on the environment yet")
    p.add_argument("--since", metavar="REF", help="only the migrations changed since this git ref (committed, staged "
                   "or not; a pre-commit hook uses HEAD)")
    p.add_argument("--replay", action="store_true", help="lint each file against the files before it replayed on a "
                   "scratch database (cached), instead of folded statically")
    p.add_argument("--server-version", type=int, metavar="MAJOR", help="target PostgreSQL major version")
    _fleet(p)
    p = add(Verb.DIFF, "print the SQL that turns one schema into another (each side a URL or a folder of .sql)", json=True)
    p.add_argument("--from", dest="source", required=True, metavar="URL|DIR")
    p.add_argument("--to", dest="target", required=True, metavar="URL|DIR")
    p.add_argument("--allow-data-loss", action="store_true", help="emit drops of tables and columns, narrowing types")
    p.add_argument("--rename", action="append", default=[], metavar="OLD=NEW",
                   help="schema.table=new_name or schema.table.column=new_name: RENAME instead of drop + add")
    p = add(Verb.PLAN, "the migration from the environment to the desired schema in schema/; --write saves it", json=True)
    p.add_argument("--write", metavar="DESCRIPTION", help="write it as the next migration, with its undo")
    p.add_argument("--allow-data-loss", action="store_true", help="include drops of tables and columns")
    add(Verb.DRIFT, "compare the live schema with the one history says it has; exit 5 on any difference", json=True)
    p = add(Verb.SCHEMA, "print the environment's schema model, or one object's DDL", json=True)
    p.add_argument("object", nargs="?", help="table, view, sequence, type or function name")
    p = add(Verb.ANALYZE, "rehearse pending migrations on a scratch copy and report their locks, scans and rewrites "
            "in terms of the target's real tables", json=True)
    p.add_argument("--pending", action="store_true", help="analyze what is pending (the default, and only, mode)")
    p = add(Verb.PREFLIGHT, "what the next pending file (or VERSION) meets on the target now: table sizes, the "
            "locks it asks for, sessions holding those tables, long transactions, replication lag; exit 4 when "
            "blocked", json=True)
    p.add_argument("version", nargs="?", help="a pending version (default: the next one)")
    p = add(Verb.ROUNDTRIP, "prove undos on a scratch database: up, undo (the schema before must come back, compared "
            "as catalogs), up again; exit 5 on any difference", json=True)
    p.add_argument("versions", nargs="*", metavar="VERSION", help="files to check (default: every file with an undo)")
    p.add_argument("--pending", action="store_true", help="check the files pending on the environment")
    p = add(Verb.UNDO, "generate a file's undo from the schema before and after it (on a scratch database), checked "
            "by applying it; --write appends it as the file's -- @undo section", json=True)
    p.add_argument("version")
    p.add_argument("--write", action="store_true", help="append it to the file (refused when it has an undo)")
    p = add(Verb.SCRATCH, "list the template databases kept for fresh scratch databases, or drop them (clear)",
            json=True)
    p.add_argument("action", nargs="?", choices=["list", "clear"], default="list")
    p = add(Verb.CONFLICTS, "versioned files that collide: sharing a version (renumber one) apart from touching the "
            "same tables, columns, types or functions (order matters); exit 5 on any", json=True)
    p.add_argument("--base", metavar="REF", help="compare the files added on this branch with those REF added since "
                   "the branches parted (e.g. origin/main)")
    p = add(Verb.CI, "check a change as production will meet it, on scratch databases only: files, migrate from zero, "
            "history, lint, round trip, schema/ reached, drift, conflicts, seeds; --url names the scratch server",
            json=True)
    p.add_argument("--since", metavar="REF", help="lint and round-trip only the files changed since this git ref; "
                   "conflicts compare with it (e.g. origin/main)")
    p.add_argument("--drift-env", metavar="ENV", help="also compare this environment's live schema with its history "
                   "(read only)")
    p.add_argument("--junit", metavar="FILE", help="also write the result as JUnit XML")
    p = add(Verb.SQUASH, "write one baseline file equal to the schema and rows at a version, proved on a scratch "
            "database: new databases run it instead of the files up to it, existing ones keep their history",
            json=True)
    p.add_argument("--to", metavar="VERSION", required=True, help="the version the baseline stands for")
    p.add_argument("--description", default="baseline", help="the file name's description (default: baseline)")
    p.add_argument("--write", action="store_true", help="save it as B<version>__<description>.sql beside the files")
    p = add(Verb.SEED, "load the seed file that fits the database's version (a database without history is migrated "
            "to the seed's version, seeded, then migrated on), or `seed snapshot`: write its data as a seed file",
            json=True)
    p.add_argument("name", nargs="?", metavar="SEED|snapshot", help="a seed file of seeds/ (default: the one that "
                   "fits), or `snapshot`")
    p.add_argument("--description", default="snapshot", help="with snapshot: the file name's description")
    p = add(Verb.ADOPT, "take over a project another tool migrated: record in dbworkbench's history what its history "
            "table says ran (theirs is left as it is)", json=True, writer=True)
    p.add_argument("--from", dest="tool", required=True, choices=("flyway", "golang-migrate", "dbmate", "sqitch", "liquibase"),
                   help="the tool whose history table and file layout to read")
    p.add_argument("--table", metavar="NAME", help="its history table, `table` or `schema.table` (default: the "
                   "tool's own: flyway_schema_history, schema_migrations, sqitch.changes, databasechangelog)")
    p = add(Verb.ROLES, "make the cluster's roles, memberships and grants match roles/ (plan shows, apply runs)",
            json=True, writer=True)
    p.add_argument("action", choices=[a.value for a in RolesAction], help="plan: what would run; apply: run it")
    p.add_argument("--reset-passwords", action="store_true", help="set every declared password again (from its "
                   "environment variable or secrets file), not only those of roles being created")
    add(Verb.TARGETS, "list the databases of the environment (its targets, and those matching `databases`)",
        json=True)
    p = add(Verb.APPROVE, "approve unsafe lint findings of a migration, bound to its current content")
    p.add_argument("version")
    p.add_argument("--rule", action="append", required=True, metavar="RULE", help="rule id to approve (repeatable)")
    p.add_argument("--reason", required=True, help="why it is safe here")
    p.add_argument("--reviewer", help="who approves (default: git user.name)")
    add(Verb.UI, "open the workbench (also what `dbworkbench` with no command does)")
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings for the options the user actually gave (precedence is `config.load_settings`'s). For `ci`, `--url`
    names the scratch server, not a target, so it is left to the handler."""
    return load_settings(overrides=Overrides(
        env=args.env, url=None if args.command == Verb.CI else args.url, migrations=args.migrations, history_table=args.history_table,
        lock_wait=args.lock_wait, out_of_order=True if getattr(args, "out_of_order", False) else None,
        config=args.config, layout=args.layout))
