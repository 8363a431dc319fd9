"""The default text output: one finding per line, then a summary."""

from __future__ import annotations

import dataclasses
import json
import re
from collections import Counter
from typing import Any

from finops_lint.findings import Finding, Severity
from finops_lint.regex import lazy

_COLORS = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}
_RESET = "\x1b[0m"
_BOLD = "\x1b[1m"


_CONTROL = lazy("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_one(m: re.Match[str]) -> str:
    ch = m.group(0)
    if ch in _NAMED:
        return _NAMED[ch]
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def escape_controls(text: str) -> str:
    """Control characters and line breaks as escapes (\\n, \\x1b...): one finding is
    one line, and text from a page cannot move the cursor or colour the terminal."""
    return _CONTROL.sub(_escape_one, text) if _CONTROL.search(text) else text


def summary_counts(findings: list[Finding]) -> dict[str, int]:
    counts = Counter(f.severity.value for f in findings)
    return {"error": counts["error"], "warning": counts["warning"], "info": counts["info"]}


def summary_line(findings: list[Finding], files: int, baselined: int = 0) -> str:
    c = summary_counts(findings)
    held = f" ({baselined} more in the baseline)" if baselined else ""
    if not findings:
        new = "new " if baselined else ""
        return f"No {new}problems found in {files} file{'s' if files != 1 else ''}{held}."
    parts = [
        f"{c['error']} error{'s' if c['error'] != 1 else ''}",
        f"{c['warning']} warning{'s' if c['warning'] != 1 else ''}",
    ]
    if c["info"]:
        parts.append(f"{c['info']} info")
    touched = len({f.path for f in findings})
    return (
        f"Found {len(findings)} problem{'s' if len(findings) != 1 else ''} "
        f"({', '.join(parts)}) in {touched} of {files} file{'s' if files != 1 else ''}"
        f"{held}."
    )


def render_text(
    findings: list[Finding],
    files: int,
    *,
    color: bool = False,
    quiet: bool = False,
    baselined: int = 0,
) -> str:
    lines = []
    for f in findings:
        f = _escaped(f)
        if color:
            sev = _COLORS[f.severity]
            lines.append(
                f"{_BOLD}{f.path}:{f.line}:{f.column}:{_RESET} {sev}{f.code}{_RESET} "
                f"{f.message} [{f.rule}]"
            )
        else:
            lines.append(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message} [{f.rule}]")
    if not quiet or findings:
        lines.append(summary_line(findings, files, baselined))
    return "\n".join(lines) + "\n"


def _escaped(f: Finding) -> Finding:
    path, message = escape_controls(f.path), escape_controls(f.message)
    if path is f.path and message is f.message:
        return f
    return dataclasses.replace(f, path=path, message=message)


def help_uris() -> dict[str, str]:
    """Each rule's docs URL by code."""
    from finops_lint.rules.base import all_rules

    return {r.code: r.help_uri for r in all_rules()}


def render_json(findings: list[Finding], files: int, *, baselined: int = 0) -> str:
    uris = help_uris()
    data: dict[str, Any] = {
        "findings": [{**f.to_dict(), "help_uri": uris.get(f.code)} for f in findings],
        "summary": {
            **summary_counts(findings),
            "files": files,
            "findings": len(findings),
            "baselined": baselined,
        },
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
