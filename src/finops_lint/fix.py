"""`check --fix` and `--diff`: apply the fixes of fixable rules to the files.

A fix replaces the text between two (line, column) positions of the page as
the rules saw it: UTF-8 without its byte-order mark, every CRLF or lone CR read
as one line break. The file is edited in those same terms, so everything the
fixes do not touch stays byte for byte as it was: the BOM, each line's own
line ending (CRLF, LF or CR, even mixed), the text around the fix. A file is
written only when its content changes, through a temporary file in the same
folder renamed over it (atomic: a reader sees the old or the new file, never
half of one), keeping the file's permissions.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from finops_lint.findings import Finding, Fix
from finops_lint.safe_io import MAX_PAGE_BYTES, read_bytes

_BOM = b"\xef\xbb\xbf"
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")


@dataclass
class FileFix:
    """The fixes for one file and the file's content before and after them."""

    path: str
    before: bytes
    after: bytes
    applied: list[Finding] = field(default_factory=list)
    skipped: list[Finding] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.before != self.after


def fixable_findings(findings: Iterable[Finding], fixable_codes: set[str]) -> list[Finding]:
    """The findings whose rule is marked fixable and that carry a fix."""
    return [f for f in findings if f.fix is not None and f.code in fixable_codes]


def plan(findings: Iterable[Finding], fixable_codes: set[str]) -> list[FileFix]:
    """Read each file with fixable findings and compute its fixed content (writes nothing)."""
    by_path: dict[str, list[Finding]] = {}
    for f in fixable_findings(findings, fixable_codes):
        by_path.setdefault(f.path, []).append(f)
    out: list[FileFix] = []
    for path, items in sorted(by_path.items()):
        try:
            before = read_bytes(path, MAX_PAGE_BYTES)  # a regular file, not too large
        except OSError:
            continue
        after, applied, skipped = apply_fixes(before, items)
        out.append(FileFix(path, before, after, applied, skipped))
    return out


def apply_fixes(data: bytes, findings: list[Finding]) -> tuple[bytes, list[Finding], list[Finding]]:
    """The file's bytes with the findings' fixes applied.

    Fixes that overlap one already taken, or that point outside the text, are
    skipped (a second run picks them up if they still apply); identical fixes
    (two links through one reference definition) are applied once.
    """
    bom = data.startswith(_BOM)
    try:
        text = data[3:].decode("utf-8") if bom else data.decode("utf-8")
    except UnicodeDecodeError:
        return data, [], list(findings)
    # Each line with its own ending; line N (1-based) of the rules' view is lines[N-1].
    lines = [m.group(0) for m in _LINE.finditer(text) if m.group(0)]
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    contents = [line.rstrip("\r\n") for line in lines]

    def offset(line: int, column: int) -> int | None:
        if line == len(lines) + 1 and column == 1:
            return len(text)
        if not 1 <= line <= len(lines) or not 1 <= column <= len(contents[line - 1]) + 1:
            return None
        return starts[line - 1] + column - 1

    edits: list[tuple[int, int, str, Finding]] = []
    skipped: list[Finding] = []
    seen: set[tuple[int, int, str]] = set()
    for f in sorted(findings, key=lambda f: (f.fix.line, f.fix.column) if f.fix else (0, 0)):
        fix = f.fix
        assert fix is not None
        a, b = offset(fix.line, fix.column), offset(fix.end_line, fix.end_column)
        if a is None or b is None or b < a:
            skipped.append(f)
            continue
        replacement = _with_line_endings(fix, lines, starts, a)
        key = (a, b, replacement)
        if key in seen:
            continue
        if edits and (a < edits[-1][1] or a == edits[-1][0]):
            skipped.append(f)  # overlaps the fix before it
            continue
        seen.add(key)
        edits.append((a, b, replacement, f))
    pieces: list[str] = []
    pos = 0
    for a, b, replacement, _f in edits:
        pieces.append(text[pos:a])
        pieces.append(replacement)
        pos = b
    pieces.append(text[pos:])
    fixed = "".join(pieces).encode("utf-8")
    return (_BOM + fixed if bom else fixed), [e[3] for e in edits], skipped


def _with_line_endings(fix: Fix, lines: list[str], starts: list[int], at: int) -> str:
    """A replacement that spans lines uses the line ending of the line it starts on."""
    if "\n" not in fix.replacement:
        return fix.replacement
    line = lines[fix.line - 1] if fix.line - 1 < len(lines) else "\n"
    ending = line[len(line.rstrip("\r\n")) :] or "\n"
    return fix.replacement.replace("\n", ending)


def unified_diff(file_fix: FileFix) -> str:
    """A unified diff of the fix, with the path as given (a/ and b/ prefixes, as git)."""

    def text_lines(data: bytes) -> list[str]:
        body = data[3:] if data.startswith(_BOM) else data
        return [m.group(0) for m in _LINE.finditer(body.decode("utf-8")) if m.group(0)]

    path = file_fix.path.replace(os.sep, "/")
    import difflib

    diff = difflib.unified_diff(
        text_lines(file_fix.before),
        text_lines(file_fix.after),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
    )
    out = []
    for line in diff:
        if not line.endswith(("\n", "\r")):
            line += "\n\\ No newline at end of file\n"
        elif line.endswith("\r\n") or line.endswith("\r"):
            line = line.rstrip("\r\n") + "\n"  # show CRLF lines as lines, not as ^M
        out.append(line)
    return "".join(out)


__all__ = ["FileFix", "apply_fixes", "fixable_findings", "plan", "unified_diff"]
