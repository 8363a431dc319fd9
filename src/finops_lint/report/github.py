"""GitHub Actions workflow commands, so findings show on the pull request's diff.

Each finding becomes one line::

    ::error file=PATH,line=L,col=C,endLine=L2,endColumn=C2,title=CODE rule-name::message

``warning`` findings use ``::warning`` and ``info`` findings ``::notice``.
Values are escaped the way the Actions runner (and ``@actions/core``) expect:
in the message ``%``, CR and LF; in properties also ``:`` and ``,``.
"""

from __future__ import annotations

from finops_lint.findings import Finding, Severity
from finops_lint.report._common import sorted_findings

COMMANDS: dict[Severity, str] = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
}


def escape_data(value: str) -> str:
    """Escape a workflow command's message (the part after ``::``)."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a workflow command property value (``file=...``, ``title=...``)."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def render_github(findings: list[Finding]) -> str:
    """One workflow command per finding, sorted; empty text when there are none."""
    return "".join(_command(f) + "\n" for f in sorted_findings(findings))


def _command(finding: Finding) -> str:
    props: list[tuple[str, str]] = [("file", finding.path), ("line", str(max(finding.line, 1)))]
    end_line = finding.end_line
    # Columns only apply to a single-line annotation (GitHub ignores them otherwise).
    single_line = end_line is None or end_line == finding.line
    if single_line:
        props.append(("col", str(max(finding.column, 1))))
    if end_line is not None and end_line >= finding.line:
        props.append(("endLine", str(end_line)))
    if single_line and finding.end_column is not None:
        props.append(("endColumn", str(max(finding.end_column, 1))))
    props.append(("title", f"{finding.code} {finding.rule}"))
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{COMMANDS[finding.severity]} {rendered}::{escape_data(finding.message)}"
