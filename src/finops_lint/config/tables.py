"""Table specs: how a config recognises a table (the maturity guidelines) and reads
its rows, and how a spec is built from the config's ``tables:`` settings."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from finops_lint import regex
from finops_lint.config.errors import compile_pattern

if TYPE_CHECKING:
    from finops_lint.parsing.tables import Table


@dataclass
class ColumnSpec:
    """A column a table spec requires, recognised by its header cell."""

    name: str
    pattern: regex.Pattern


@dataclass
class TableSpec:
    """A table a page type must have: how it is recognised, its required columns."""

    name: str
    header: regex.Pattern | None  # recognises the table by any header cell
    heading: regex.Pattern | None  # or by the heading before it
    columns: list[ColumnSpec]
    row_column: str | None
    row_keys: list[str]
    ordered: bool
    required_cells: list[str]
    description: str = ""

    def recognises(self, table: Table) -> bool:
        """By any header cell matching `match.header`, or the heading before the table."""
        if self.header is not None and any(self.header.search(_cell(c)) for c in table.columns):
            return True
        return bool(
            self.heading is not None and table.heading and self.heading.search(_cell(table.heading))
        )

    def column_index(self, table: Table, name: str | None) -> int | None:
        """The table column that matches the spec column called name."""
        for col in self.columns:
            if col.name == name:
                for i, header in enumerate(table.columns):
                    if col.pattern.search(_cell(header)):
                        return i
                return None
        return None

    def records(self, table: Table) -> list[dict[str, str]]:
        """Rows as {spec column name: cell text}, e.g. the maturity guidelines by level."""
        index = {c.name: self.column_index(table, c.name) for c in self.columns}
        return [
            {
                name: (row.cells[i].text if i < len(row.cells) else "")
                for name, i in index.items()
                if i is not None
            }
            for row in table.rows
        ]


def _cell(text: str) -> str:
    return " ".join(text.casefold().split())


def table_spec(name: str, spec: dict[str, Any], source: str) -> TableSpec:
    columns = []
    for col in spec.get("columns") or []:
        if isinstance(col, str):
            col = {"name": col}
        columns.append(
            ColumnSpec(
                col["name"],
                compile_pattern(
                    col.get("match", re.escape(col["name"])), source, f"tables/{name}/columns"
                ),
            )
        )
    rows = spec.get("rows") or {}
    match = spec.get("match") or {}
    return TableSpec(
        name=name,
        header=compile_pattern(match["header"], source, f"tables/{name}/match")
        if match.get("header")
        else None,
        heading=compile_pattern(match["heading"], source, f"tables/{name}/match")
        if match.get("heading")
        else None,
        columns=columns,
        row_column=rows.get("column"),
        row_keys=[str(k) for k in rows.get("keys") or []],
        ordered=bool(rows.get("ordered", True)),
        required_cells=list(spec.get("required-cells") or []),
        description=spec.get("description", ""),
    )
