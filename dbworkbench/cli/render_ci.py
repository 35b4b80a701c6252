"""How `ci` is shown: a readable summary, JSON, and JUnit XML (one test suite per check, one test case per file)."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from dbworkbench.app.ci import Case, Check, CiReport, Outcome

MARKS = {Outcome.PASS: "✓", Outcome.FAIL: "✗", Outcome.SKIP: "·"}
"""One mark per outcome, before each check."""


def check_line(check: Check) -> str:
    """One check on one line."""
    return f"{MARKS[check.outcome]} {check.name:<9} {check.summary} ({check.seconds:.1f} s)"


def check_text(check: Check) -> str:
    """A check's line and, under a failing one, each failing case's message (what is printed as each check ends)."""
    lines = ["  " + check_line(check)]
    for case in check.cases:
        if case.outcome is Outcome.FAIL:
            lines += ["      " + line for line in (case.message or case.name).splitlines()]
    return "\n".join(lines)


def header_text(since: str | None) -> str:
    """The first line of a run."""
    return f"dbworkbench ci{f' (changes since {since})' if since else ''}"


def verdict_text(report: CiReport) -> str:
    """The last line: which checks failed and the exit code, or how many passed."""
    failed = [c.name for c in report.checks if c.outcome is Outcome.FAIL]
    return (f"ci failed: {', '.join(failed)} (exit {int(report.exit_code)})" if failed else
            f"ci passed: {sum(c.outcome is Outcome.PASS for c in report.checks)} check(s) passed, "
            f"{sum(c.outcome is Outcome.SKIP for c in report.checks)} skipped")


def ci_text(report: CiReport) -> str:
    """The whole run as text (what the streamed output adds up to)."""
    return "\n".join([header_text(report.since), *(check_text(c) for c in report.checks), verdict_text(report)])


_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    """Text XML 1.0 may carry: a server message or a file name may hold control characters it forbids."""
    return _NOT_XML.sub("\ufffd", text)


def _case_json(case: Case) -> dict[str, str]:
    return {"name": case.name, "outcome": case.outcome.value, "message": case.message}


def ci_json(report: CiReport) -> str:
    """The run as JSON: verdict, exit code, and each check with its cases."""
    return json.dumps({"ok": report.ok, "exit_code": int(report.exit_code), "since": report.since, "checks": [
        {"name": c.name, "outcome": c.outcome.value, "summary": c.summary, "seconds": round(c.seconds, 3),
         "exit_code": int(c.exit_code), "cases": [_case_json(case) for case in c.cases]} for c in report.checks]},
        indent=2)


def ci_junit(report: CiReport) -> str:
    """JUnit XML as GitHub's and GitLab's test reports read it: a suite per check, a case per file (a check without
    files is one case named after itself); failures carry the message, skips say why."""
    root = ET.Element("testsuites", name="dbworkbench ci")
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    for check in report.checks:
        cases = check.cases or (Case(check.name, check.outcome, check.summary),)
        suite = ET.SubElement(root, "testsuite", name=check.name, tests=str(len(cases)),
                              failures=str(sum(c.outcome is Outcome.FAIL for c in cases)), errors="0",
                              skipped=str(sum(c.outcome is Outcome.SKIP for c in cases)), time=f"{check.seconds:.3f}")
        for case in cases:
            element = ET.SubElement(suite, "testcase", classname=f"dbworkbench.ci.{check.name}",
                                    name=_xml(case.name), time=f"{check.seconds / len(cases):.3f}")
            message = _xml(case.message or check.summary)
            if case.outcome is Outcome.FAIL:
                ET.SubElement(element, "failure", message=message.splitlines()[0] if message else check.name,
                              type=check.name).text = message
            elif case.outcome is Outcome.SKIP:
                ET.SubElement(element, "skipped", message=message)
        for key in totals:
            totals[key] += int(suite.get(key, "0"))
    for key, value in totals.items():
        root.set(key, str(value))
    root.set("time", f"{sum(c.seconds for c in report.checks):.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
