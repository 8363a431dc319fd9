"""Small helpers shared by the report formatters."""

from __future__ import annotations

from collections.abc import Iterable

from finops_lint.findings import Finding


def sorted_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Findings in the one stable order every format uses (path, line, column, code)."""
    return sorted(findings, key=lambda f: f.sort_key())


def finding_line(finding: Finding) -> str:
    """The text format's line: ``path:line:col: CODE message [rule-name]``."""
    return (
        f"{finding.path}:{finding.line}:{finding.column}: "
        f"{finding.code} {finding.message} [{finding.rule}]"
    )
