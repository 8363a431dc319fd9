"""The default text output: one finding per line, then a summary."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from finops_lint.findings import Finding, Severity

_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}
_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"


def summary_counts(findings: list[Finding]) -> dict[str, int]:
    counts = Counter(f.severity.value for f in findings)
    return {"error": counts["error"], "warning": counts["warning"], "info": counts["info"]}


def summary_line(findings: list[Finding], files: int) -> str:
    c = summary_counts(findings)
    if not findings:
        return f"No problems found in {files} file{'s' if files != 1 else ''}."
    parts = [
        f"{c['error']} error{'s' if c['error'] != 1 else ''}",
        f"{c['warning']} warning{'s' if c['warning'] != 1 else ''}",
    ]
    if c["info"]:
        parts.append(f"{c['info']} info")
    touched = len({f.path for f in findings})
    return (
        f"Found {len(findings)} problem{'s' if len(findings) != 1 else ''} "
        f"({', '.join(parts)}) in {touched} of {files} file{'s' if files != 1 else ''}."
    )


def render_text(
    findings: list[Finding], files: int, *, color: bool = False, quiet: bool = False
) -> str:
    lines = []
    for f in findings:
        if color:
            sev = _COLORS[f.severity]
            lines.append(
                f"{_BOLD}{f.path}:{f.line}:{f.column}:{_RESET} {sev}{f.code}{_RESET} "
                f"{f.message} [{f.rule}]"
            )
        else:
            lines.append(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message} [{f.rule}]")
    if not quiet or findings:
        lines.append(summary_line(findings, files))
    return "\n".join(lines) + "\n"


def render_json(findings: list[Finding], files: int) -> str:
    data: dict[str, Any] = {
        "findings": [f.to_dict() for f in findings],
        "summary": {**summary_counts(findings), "files": files, "findings": len(findings)},
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
