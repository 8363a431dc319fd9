"""GitHub Actions workflow commands, so findings show on the pull request's diff.

Each finding becomes one line::

    ::error file=PATH,line=L,col=C,endLine=L2,endColumn=C2,title=CODE rule-name::message

``warning`` findings use ``::warning`` and ``info`` findings ``::notice``.
Values are escaped the way the Actions runner (and ``@actions/core``) expect:
in the message ``%``, CR and LF; in properties also ``:`` and ``,``.
"""

from __future__ import annotations

from finops_lint.findings import Finding, Severity
from finops_lint.report._common import finding_line, sorted_findings

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


#: GitHub shows at most this many annotations of each kind (error, warning,
#: notice) per step and drops the rest silently; see
#: https://docs.github.com/en/rest/checks/runs (and the runner's limits).
ANNOTATIONS_PER_KIND = 10


def render_github(findings: list[Finding], files: int | None = None, *, baselined: int = 0) -> str:
    """One workflow command per finding, sorted, then a summary line (when files
    is given). GitHub keeps only 10 annotations of each kind per step and drops the
    rest silently: beyond that, findings are printed as plain log lines (in the log,
    not on the diff) and the summary line says how many."""
    ordered = sorted_findings(findings)
    shown: dict[str, int] = {}
    annotated: list[str] = []
    plain: list[str] = []
    for f in ordered:
        kind = COMMANDS[f.severity]
        shown[kind] = shown.get(kind, 0) + 1
        if shown[kind] <= ANNOTATIONS_PER_KIND:
            annotated.append(_command(f))
        else:
            plain.append(finding_line(f))
    lines = annotated + plain
    if files is not None:
        from finops_lint.report.text import summary_line

        summary = summary_line(findings, files, baselined)
        if plain:
            summary += (
                f" GitHub shows {ANNOTATIONS_PER_KIND} annotations of each kind per step: "
                f"{len(plain)} more finding{'s are' if len(plain) != 1 else ' is'} in this log "
                "and the job summary, not on the diff."
            )
        lines.append(summary)
    return "".join(line + "\n" for line in lines)


def job_summary(
    findings: list[Finding], files: int, *, baselined: int = 0, limit: int = 200
) -> str:
    """Markdown for $GITHUB_STEP_SUMMARY: the summary, counts per rule (linked to its
    docs) and the findings (the first `limit`)."""
    from finops_lint.report.statistics import statistics
    from finops_lint.report.text import help_uris, summary_line

    uris = help_uris()
    out = ["## finops-lint", "", summary_line(findings, files, baselined), ""]
    rows = statistics(findings)
    if rows:
        out += ["| rule | severity | count |", "| --- | --- | --: |"]
        for code, name, sev, n in rows:
            uri = uris.get(code)
            rule = f"[{code} {name}]({uri})" if uri else f"{code} {name}"
            out.append(f"| {rule} | {sev.value} | {n} |")
        out += ["", "| where | rule | message |", "| --- | --- | --- |"]
        ordered = sorted_findings(findings)
        for f in ordered[:limit]:
            out.append(f"| `{_md(f.path)}:{f.line}:{f.column}` | {f.code} | {_md(f.message)} |")
        if len(ordered) > limit:
            out += ["", f"... and {len(ordered) - limit} more (the log has every one)."]
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    """Text safe in a Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;").replace("`", "'")


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
