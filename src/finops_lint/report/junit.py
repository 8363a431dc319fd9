"""JUnit XML, shown as test results by GitLab, Jenkins, Azure Pipelines and others.

One ``<testcase>`` per checked file (``classname="finops-lint"``, ``name`` the
path). A file with error-severity findings fails: its ``<failure>`` has a
count summary as ``message`` and one ``path:line:col: CODE message [rule]``
line per error as text. Warnings and notes never fail a test case; they are
listed in the case's ``<system-out>``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict

from finops_lint.findings import Finding, Severity
from finops_lint.report._common import finding_line, sorted_findings

SUITE_NAME = "finops-lint"

# Characters XML 1.0 cannot hold at all, even escaped.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def render_junit(findings: list[Finding], checked_paths: list[str]) -> str:
    """A ``<testsuites>`` document with one suite; files with findings are always included."""
    by_path: dict[str, list[Finding]] = defaultdict(list)
    for finding in sorted_findings(findings):
        by_path[finding.path].append(finding)
    paths = sorted(set(checked_paths) | set(by_path))

    cases: list[ET.Element] = []
    failures = 0
    for path in paths:
        case = ET.Element(
            "testcase", {"classname": SUITE_NAME, "name": _clean(path), "file": _clean(path)}
        )
        found = by_path.get(path, [])
        errors = [f for f in found if f.severity is Severity.ERROR]
        others = [f for f in found if f.severity is not Severity.ERROR]
        if errors:
            failures += 1
            failure = ET.SubElement(
                case, "failure", {"message": _summary(found), "type": errors[0].code}
            )
            failure.text = _clean("\n".join(finding_line(f) for f in errors)) + "\n"
        if others:
            out = ET.SubElement(case, "system-out")
            out.text = (
                _clean("\n".join(f"{f.severity.value}: {finding_line(f)}" for f in others)) + "\n"
            )
        cases.append(case)

    counts = {"tests": str(len(paths)), "failures": str(failures), "errors": "0"}
    root = ET.Element("testsuites", {"name": SUITE_NAME, **counts})
    suite = ET.SubElement(root, "testsuite", {"name": SUITE_NAME, **counts, "skipped": "0"})
    suite.extend(cases)
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n"


def _summary(found: list[Finding]) -> str:
    parts = []
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        n = sum(1 for f in found if f.severity is severity)
        if n:
            noun = "note" if severity is Severity.INFO else severity.value
            parts.append(f"{n} {noun}{'' if n == 1 else 's'}")
    return ", ".join(parts)


def _clean(text: str) -> str:
    return _INVALID_XML.sub("\ufffd", text)
