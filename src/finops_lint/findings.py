"""The finding model shared by rules, the engine and every output format."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

#: The code of the finding a rule's failure on a page becomes (rules/internal.py
#: registers its docs; the engine reports it).
INTERNAL_ERROR = "IN001"


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 2, "warning": 1, "info": 0}[self.value]


@dataclass(frozen=True, slots=True)
class Related:
    """Another place that explains a finding (the other page with the same permalink)."""

    path: str
    line: int
    column: int = 1
    message: str = ""

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return Related, (self.path, self.line, self.column, self.message)


@dataclass(frozen=True, slots=True)
class Fix:
    """A replacement of the text between (line, column) and (end_line, end_column).

    Columns are 1-based; the end is exclusive.
    """

    description: str
    line: int
    column: int
    end_line: int
    end_column: int
    replacement: str


@dataclass(slots=True)
class Finding:
    """One problem the run reports: where, which rule, how bad, what to do."""

    path: str
    line: int
    column: int
    code: str
    rule: str
    severity: Severity
    message: str
    end_line: int | None = None
    end_column: int | None = None
    related: list[Related] = field(default_factory=list)
    fix: Fix | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line, self.column, self.code, self.message)

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        """Pickled as its fields (workers send their findings to the parent): a third of
        the time `dataclasses`' state functions of a slotted class take."""
        return Finding, (
            self.path,
            self.line,
            self.column,
            self.code,
            self.rule,
            self.severity,
            self.message,
            self.end_line,
            self.end_column,
            self.related,
            self.fix,
        )

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "code": self.code,
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
        }
        if self.related:
            data["related"] = [
                {"path": r.path, "line": r.line, "column": r.column, "message": r.message}
                for r in self.related
            ]
        if self.fix is not None:
            data["fix"] = {
                "description": self.fix.description,
                "line": self.fix.line,
                "column": self.fix.column,
                "end_line": self.fix.end_line,
                "end_column": self.fix.end_column,
                "replacement": self.fix.replacement,
            }
        return data
