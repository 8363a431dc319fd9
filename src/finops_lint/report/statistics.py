"""``--statistics``: how many findings each rule produced, like ``ruff --statistics``."""

from __future__ import annotations

import json
from collections import Counter

from finops_lint.findings import Finding, Severity


def statistics(findings: list[Finding]) -> list[tuple[str, str, Severity, int]]:
    """(code, rule name, severity, count) per code and severity, most frequent first.

    A code whose findings have different severities (a per-issue override)
    gets one row per severity.
    """
    counts: Counter[tuple[str, str, Severity]] = Counter(
        (f.code, f.rule, f.severity) for f in findings
    )
    rows = [(code, name, sev, n) for (code, name, sev), n in counts.items()]
    rows.sort(key=lambda row: (-row[3], -row[2].rank, row[0], row[1]))
    return rows


def render_statistics(findings: list[Finding]) -> str:
    """Aligned rows ``COUNT  CODE  SEVERITY  rule-name``; empty text when there are none."""
    rows = statistics(findings)
    if not rows:
        return ""
    count_width = max(len(str(row[3])) for row in rows)
    code_width = max(len(row[0]) for row in rows)
    sev_width = max(len(row[2].value) for row in rows)
    return "".join(
        f"{n:>{count_width}}  {code:<{code_width}}  {sev.value:<{sev_width}}  {name}\n"
        for code, name, sev, n in rows
    )


def render_statistics_json(findings: list[Finding], files: int, baselined: int = 0) -> str:
    """The same rows as JSON: ``{"statistics": [{code, rule, severity, count}], "summary"}``."""
    from finops_lint.report.text import help_uris, summary_counts

    uris = help_uris()
    data = {
        "statistics": [
            {
                "code": code,
                "rule": name,
                "severity": sev.value,
                "count": n,
                "help_uri": uris.get(code),
            }
            for code, name, sev, n in statistics(findings)
        ],
        "summary": {
            **summary_counts(findings),
            "files": files,
            "findings": len(findings),
            "baselined": baselined,
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
