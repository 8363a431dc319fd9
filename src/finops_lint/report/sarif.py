"""SARIF 2.1.0 output, for GitHub code scanning and other CI viewers.

One run; ``tool.driver.rules`` holds every rule passed in (id, name, short
and full description, help text and Markdown from the rule docs, default
level, family tags); each result points at its rule by ``ruleId`` and
``ruleIndex`` and carries a physical location with a full region, related
locations and, when the finding has one, a fix.

Artifact URIs are relative POSIX paths. With ``base_uri`` they are resolved
against ``%SRCROOT%`` (declared in ``originalUriBaseIds``), which is what
GitHub's upload-sarif action expects.
"""

from __future__ import annotations

import json
import re
from pathlib import Path, PurePath, PurePosixPath
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from finops_lint.docs_gen import FAMILY_TITLES
from finops_lint.findings import Finding, Fix, Related, Severity
from finops_lint.report._common import sorted_findings
from finops_lint.rules.base import Rule

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/finops-lint/finops-lint"
TOOL_NAME = "finops-lint"
SRCROOT = "%SRCROOT%"

LEVELS: dict[Severity, str] = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
}

_HEADING = re.compile(r"^\s{0,3}#{1,6}(\s|$)")
_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


def render_sarif(
    findings: list[Finding],
    rules: list[Rule],
    *,
    tool_version: str,
    base_uri: str | None = None,
) -> str:
    """Render findings as a SARIF 2.1.0 log (JSON text ending in a newline).

    ``rules`` should be every rule the run knew (GitHub shows rule help for
    any of them); a finding whose code is not among them gets a minimal rule
    entry so that ``ruleIndex`` always resolves. ``base_uri`` is the site root,
    as a path or an absolute URI; absolute finding paths under it are made
    relative.
    """
    descriptors: list[dict[str, Any]] = []
    index_of: dict[str, int] = {}
    for rule in sorted({r.code: r for r in rules}.values(), key=lambda r: r.code):
        index_of[rule.code] = len(descriptors)
        descriptors.append(_rule_descriptor(rule))

    root = _base_uri(base_uri) if base_uri is not None else None
    root_path = _uri_path(root) if root is not None else None

    results: list[dict[str, Any]] = []
    for finding in sorted_findings(findings):
        if finding.code not in index_of:
            index_of[finding.code] = len(descriptors)
            descriptors.append(
                {
                    "id": finding.code,
                    "name": finding.rule,
                    "shortDescription": {"text": finding.rule},
                    "properties": {"tags": _tags(finding.code)},
                }
            )
        results.append(_result(finding, index_of[finding.code], root is not None, root_path))

    driver: dict[str, Any] = {
        "name": TOOL_NAME,
        "version": tool_version,
        "semanticVersion": tool_version,
        "informationUri": INFORMATION_URI,
        "rules": descriptors,
    }
    if not _is_semver(tool_version):
        del driver["semanticVersion"]
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    if root is not None:
        run["originalUriBaseIds"] = {SRCROOT: {"uri": root}}
    log = {"$schema": SARIF_SCHEMA_URI, "version": SARIF_VERSION, "runs": [run]}
    return json.dumps(log, indent=2, ensure_ascii=False) + "\n"


def _rule_descriptor(rule: Rule) -> dict[str, Any]:
    docs = rule.docs.strip() or rule.summary
    descriptor: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": _first_paragraph(docs) or rule.summary},
        "help": {"text": docs, "markdown": docs},
        "helpUri": rule.help_uri,
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {"tags": _tags(rule.code)},
    }
    if not rule.default_enabled:
        descriptor["defaultConfiguration"]["enabled"] = False
    if rule.fixable:
        descriptor["properties"]["fixable"] = True
    return descriptor


def _tags(code: str) -> list[str]:
    family = code[:2]
    tags = [family]
    title = FAMILY_TITLES.get(family)
    if title:
        tags.append(title)
    return tags


def _first_paragraph(docs: str) -> str:
    """The first paragraph of prose in Markdown docs (skipping headings and code)."""
    lines: list[str] = []
    in_fence = False
    for line in docs.splitlines():
        if _FENCE.match(line):
            if lines:
                break
            in_fence = not in_fence
            continue
        if in_fence:
            continue
        if _HEADING.match(line):
            if lines:
                break
            continue
        if not line.strip():
            if lines:
                break
            continue
        lines.append(line.strip())
    return " ".join(lines)


def _result(
    finding: Finding, rule_index: int, relative: bool, root_path: str | None
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": LEVELS[finding.severity],
        "message": {"text": finding.message or finding.rule},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": _artifact(finding.path, relative, root_path),
                    "region": _region(
                        finding.line, finding.column, finding.end_line, finding.end_column
                    ),
                }
            }
        ],
    }
    if finding.related:
        result["relatedLocations"] = [
            _related(i, r, relative, root_path) for i, r in enumerate(finding.related, start=1)
        ]
    if finding.fix is not None:
        result["fixes"] = [_fix(finding.path, finding.fix, relative, root_path)]
    return result


def _related(index: int, related: Related, relative: bool, root_path: str | None) -> dict[str, Any]:
    location: dict[str, Any] = {
        "id": index,
        "physicalLocation": {
            "artifactLocation": _artifact(related.path, relative, root_path),
            "region": _region(related.line, related.column, None, None),
        },
    }
    if related.message:
        location["message"] = {"text": related.message}
    return location


def _fix(path: str, fix: Fix, relative: bool, root_path: str | None) -> dict[str, Any]:
    return {
        "description": {"text": fix.description or "Apply the suggested change"},
        "artifactChanges": [
            {
                "artifactLocation": _artifact(path, relative, root_path),
                "replacements": [
                    {
                        "deletedRegion": _region(
                            fix.line, fix.column, fix.end_line, fix.end_column
                        ),
                        "insertedContent": {"text": fix.replacement},
                    }
                ],
            }
        ],
    }


def _region(line: int, column: int, end_line: int | None, end_column: int | None) -> dict[str, int]:
    """A SARIF region; SARIF lines and columns are 1-based, the end column exclusive."""
    start_line = max(line, 1)
    start_column = max(column, 1)
    region = {"startLine": start_line, "startColumn": start_column}
    if end_line is not None or end_column is not None:
        last_line = max(end_line if end_line is not None else start_line, start_line)
        region["endLine"] = last_line
        if end_column is not None:
            last_column = max(end_column, 1)
            if last_line == start_line:
                last_column = max(last_column, start_column)
            region["endColumn"] = last_column
    return region


def _artifact(path: str, relative: bool, root_path: str | None) -> dict[str, Any]:
    posix = PurePath(path).as_posix() if path else "."
    if posix.startswith("/"):
        if root_path is not None:
            try:
                posix = PurePosixPath(posix).relative_to(root_path).as_posix()
            except ValueError:
                return {"uri": Path(posix).as_uri()}
        else:
            return {"uri": Path(posix).as_uri()}
    posix = posix.removeprefix("./")
    artifact: dict[str, Any] = {"uri": quote(posix, safe="/")}
    if relative:
        artifact["uriBaseId"] = SRCROOT
    return artifact


def _base_uri(base: str) -> str:
    """An absolute URI ending in ``/`` for a path or URI given as the source root."""
    if re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", base) or base.startswith("file:"):
        uri = base
    else:
        uri = Path(base).expanduser().resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _uri_path(uri: str) -> str | None:
    parts = urlsplit(uri)
    if parts.scheme != "file":
        return None
    return unquote(parts.path).rstrip("/") or "/"


def _is_semver(version: str) -> bool:
    return re.fullmatch(r"\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?", version) is not None
