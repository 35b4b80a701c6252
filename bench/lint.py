"""Precision and recall of dbworkbench's linter and of squawk on the labelled corpus, side by side.

The corpus (tests/data/lint_corpus/, 112 files, half unsafe) has every label checked against a real
server by tests/db/test_lint_corpus.py. A file counts as flagged by dbworkbench when it has an unsafe
(error) finding; squawk is scored twice: on every rule it reports (it exits 1 on any), and on its hazard
rules only (leaving out style and robustness advice such as prefer-robust-stmts or prefer-bigint, and the
timeout reminders, which flag nearly every file). Both run for PostgreSQL 18 with lock_timeout handled
by the environment, as dbworkbench's own engine runs files in a transaction.

    python bench/lint.py                          # squawk from $SQUAWK, $PEERLAB/venv/bin, or PATH
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT / "tests" / "data" / "lint_corpus"

SQUAWK_ADVICE = frozenset({
    "prefer-robust-stmts", "prefer-bigint-over-int", "prefer-bigint-over-smallint", "prefer-identity",
    "prefer-text-field", "prefer-timestamptz", "require-lock-timeout", "require-statement-timeout",
    "require-timeout-settings", "ban-char-field", "prefer-big-int", "adding-serial-primary-key-field",
})
"""squawk rules that give advice rather than flag a hazard to a running system."""


def find_squawk() -> str | None:
    candidates = [os.environ.get("SQUAWK"),
                  str(Path(os.environ.get("PEERLAB", Path(tempfile.gettempdir()) / "peerlab")) / "venv" / "bin" / "squawk"),
                  shutil.which("squawk")]
    return next((c for c in candidates if c and Path(c).exists()), None)


def score(flagged: dict[str, bool], labels: dict[str, bool]) -> tuple[float, float, int, int, int]:
    tp = sum(1 for f, unsafe in labels.items() if unsafe and flagged[f])
    fp = sum(1 for f, unsafe in labels.items() if not unsafe and flagged[f])
    fn = sum(1 for f, unsafe in labels.items() if unsafe and not flagged[f])
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return precision, recall, tp, fp, fn


def main() -> None:
    from dbworkbench.lint.findings import Severity
    from dbworkbench.lint.runner import lint_text

    files = sorted(p for p in CORPUS.glob("*.sql") if not p.name.startswith("_"))
    labels = {p.name: p.read_text().splitlines()[0].endswith("unsafe") for p in files}
    began = time.perf_counter()
    ours = {p.name: any(f.severity is Severity.ERROR for f in lint_text(p.read_text(), p.name,
                                                                        lock_timeout_configured=True)) for p in files}
    our_seconds = time.perf_counter() - began
    rows = [("dbworkbench lint, the file alone", *score(ours, labels), our_seconds)]
    from dbworkbench.lint.catalog import Catalog, fold

    began = time.perf_counter()
    schema = fold(Catalog({}), (CORPUS / "_setup.sql").read_text())  # the files before, folded: no database
    informed = {p.name: any(f.severity is Severity.ERROR for f in lint_text(
        p.read_text(), p.name, lock_timeout_configured=True, schema=schema)) for p in files}
    rows.append(("dbworkbench lint, with the schema (`_setup.sql` folded)", *score(informed, labels),
                 time.perf_counter() - began))
    squawk = find_squawk()
    if squawk:
        version = subprocess.run([squawk, "--version"], capture_output=True, text=True).stdout.strip()
        began = time.perf_counter()
        result = subprocess.run([squawk, "--reporter", "json", "--pg-version", "18.0", "--assume-in-transaction",
                                 *[p.name for p in files]], cwd=CORPUS, capture_output=True, text=True)
        squawk_seconds = time.perf_counter() - began
        violations = json.loads(result.stdout or "[]")
        rules_by_file: dict[str, set[str]] = {p.name: set() for p in files}
        for violation in violations:
            rules_by_file[Path(violation["file"]).name].add(violation["rule_name"])
        rows.append((f"{version} (every rule)", *score({f: bool(r) for f, r in rules_by_file.items()}, labels),
                     squawk_seconds))
        rows.append((f"{version} (hazard rules)", *score({f: bool(r - SQUAWK_ADVICE) for f, r in rules_by_file.items()},
                                                          labels), squawk_seconds))
    unsafe = sum(labels.values())
    print(f"# lint corpus: {len(files)} files, {unsafe} unsafe, {len(files) - unsafe} safe (labels checked on a server)")
    print("| linter | precision | recall | true pos. | false pos. | false neg. | seconds |")
    print("|---|---|---|---|---|---|---|")
    for name, precision, recall, tp, fp, fn, seconds in rows:
        print(f"| {name} | {precision:.3f} | {recall:.3f} | {tp} | {fp} | {fn} | {seconds:.2f} |")
    if not squawk:
        print("\nsquawk not found: run ../shared/peers/install.sh, or set SQUAWK=/path/to/squawk")
    for name, flagged in (("the file alone", ours), ("with the schema", informed)):
        missed = sorted(f for f, unsafe in labels.items() if unsafe and not flagged[f])
        wrong = sorted(f for f, unsafe in labels.items() if not unsafe and flagged[f])
        print(f"\ndbworkbench ({name}) misses: {', '.join(missed) or 'none'}; false alarms: {', '.join(wrong) or 'none'}")


if __name__ == "__main__":
    main()
