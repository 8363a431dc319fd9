"""A finding as the cache stores it (a row of plain values) and back, and the paths
findings are shown at."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from sys import intern
from typing import TYPE_CHECKING, Any

from finops_lint.discover import display
from finops_lint.findings import Finding, Fix, Related, Severity

if TYPE_CHECKING:
    from finops_lint.discover import Target

_SHOWN: dict[tuple[str, str], str] = {}


def shown_path(path: Path, cwd: str | None = None) -> str:
    """`discover.display`: the path relative to the current folder (`cwd`, when the
    caller shows many paths: `os.getcwd` asks the system each time). Kept per folder
    and path: the plan and the save show every file."""
    text = str(path)
    if cwd is None:
        cwd = os.getcwd()
    known = _SHOWN.get((cwd, text))
    if known is None:
        known = _SHOWN[(cwd, text)] = display(path, cwd)
    return known


def to_row(f: Finding, rel_of: Callable[[str], str | None]) -> list[Any] | None:
    related = []
    for r in f.related:
        rel = rel_of(r.path)
        if rel is None:
            return None
        related.append([rel, r.line, r.column, r.message])
    fix = None
    if f.fix is not None:
        x = f.fix
        fix = [x.description, x.line, x.column, x.end_line, x.end_column, x.replacement]
    return [
        f.line,
        f.column,
        f.code,
        f.rule,
        f.severity.value,
        f.message,
        f.end_line,
        f.end_column,
        related,
        fix,
    ]


def from_row(row: list[Any], shown: str, display_path: Callable[[str], str]) -> Finding:
    """The Finding a cached row holds. Its texts are interned: a rule's code and name,
    and many of its messages, are the same on every page, and a run that reuses
    100,000 pages' findings held a copy of each per finding."""
    line, column, code, rule, severity, message, end_line, end_column, related, fix = row
    return Finding(
        path=shown,
        line=line,
        column=column,
        code=intern(code),
        rule=intern(rule),
        severity=Severity(severity),
        message=intern(message),
        end_line=end_line,
        end_column=end_column,
        related=[Related(display_path(p), ln, col, msg) for p, ln, col, msg in related],
        fix=Fix(*fix) if fix is not None else None,
    )


def group_by_page(
    findings: Iterable[Finding], targets: Iterable[Target], shown: Iterable[str] | None = None
) -> dict[str, list[Finding]]:
    """Findings by the rel path of the target they are on (`shown`: each target's
    `shown_path`, in order, when the caller has them)."""
    rel_by_shown: dict[str, str | None] = {}
    targets = list(targets)
    paths = shown if shown is not None else (shown_path(t.path) for t in targets)
    for t, path in zip(targets, paths, strict=True):
        rel_by_shown[path] = None if path in rel_by_shown else t.rel
    out: dict[str, list[Finding]] = {}
    for f in findings:
        rel = rel_by_shown.get(f.path)
        if rel is not None:
            out.setdefault(rel, []).append(f)
    return out
