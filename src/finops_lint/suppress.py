"""Suppression comments: which codes are off on which lines of a page.

    <!-- finops-lint-disable PH001 TB -->      off from here (all codes if none given)
    <!-- finops-lint-enable -->                on again (all, or the codes given)
    <!-- finops-lint-disable-next-line LK001 -->
    <!-- finops-lint-disable-file -->           the whole page (or the codes given)

In front matter the same words work as YAML comments: `# finops-lint-disable-next-line FM003`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from finops_lint.regex import lazy

_DIRECTIVE = lazy(
    r"(?:<!--|#)\s*finops-lint-(disable-next-line|disable-file|disable|enable)\b([^>\n]*?)(?:-->|$)"
)
_CODE = re.compile(r"\b([A-Z]{2}(?:\d{3})?)\b")

ALL = "*"


@dataclass
class Suppressions:
    """The rules a page's finops-lint comments turn off, for the page or for lines."""

    file_codes: set[str] = field(default_factory=set)
    #: (line, codes) ranges: codes disabled from start to end line inclusive
    ranges: list[tuple[int, int, set[str]]] = field(default_factory=list)

    def is_suppressed(self, code: str, line: int) -> bool:
        if _hit(self.file_codes, code):
            return True
        return any(start <= line <= end and _hit(codes, code) for start, end, codes in self.ranges)


def _hit(codes: set[str], code: str) -> bool:
    return ALL in codes or code in codes or code[:2] in codes


def parse_suppressions(lines: list[str]) -> Suppressions:
    result = Suppressions()
    open_since: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if "finops-lint-" not in line:
            continue
        for m in _DIRECTIVE.finditer(line):
            kind = m.group(1)
            codes = set(_CODE.findall(m.group(2).upper())) or {ALL}
            if kind == "disable-file":
                result.file_codes |= codes
            elif kind == "disable-next-line":
                result.ranges.append((number, number + 1, codes))
            elif kind == "disable":
                for code in codes:
                    open_since.setdefault(code, number)
            else:  # enable
                closing = (
                    list(open_since) if ALL in codes else [c for c in codes if c in open_since]
                )
                for code in closing:
                    result.ranges.append((open_since.pop(code), number, {code}))
    for code, start in open_since.items():
        result.ranges.append((start, len(lines) + 1, {code}))
    return result
