"""``--statistics``: how many findings each rule produced, like ``ruff --statistics``."""

from __future__ import annotations

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
