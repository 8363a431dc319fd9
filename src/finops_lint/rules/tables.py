"""TB: tables with missing cells, columns or rows."""

from __future__ import annotations

from collections.abc import Iterator

from finops_lint.config import TableSpec
from finops_lint.document import Document
from finops_lint.findings import Severity
from finops_lint.parsing.tables import Table
from finops_lint.rules.base import Issue, RuleContext, rule


@rule(
    "TB001",
    "row-cell-count",
    "error",
    "A table row with fewer or more cells than the header.",
    needs=("tables",),
)
def row_cell_count(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds table rows whose number of cells differs from the header's, and says
    what Jekyll's kramdown makes of them: it widens the whole table to its longest
    row and pads every shorter row (the header too) with empty cells.

    A short row renders with empty cells at its end. A long row adds columns to
    the whole table: its extra text sits under an empty heading (an error), and
    extra cells that are empty (a stray `|  |` at the end) still add an empty
    column to every row (a warning).

    **Why it matters:** cells shift out from under their headings, or the table
    grows a blank column, without any error from the build.

    **Bad:**
    ```
    | Level | Characteristics | Measures |
    | --- | --- | --- |
    | Crawl | very little reporting |
    | Walk | some reporting | 80% | |
    ```

    **Good:** every row has three cells (an empty one written as `| |`).

    **Precision:** not on a table kramdown prints as text (TB006, TB008, TB009
    report it); rows are the lines kramdown reads as rows, those with a pipe; not
    on a row with a Liquid tag (`{% for %}| {{ x }} |`), whose output is unknown.
    """
    for table in doc.tables:
        if table.unrendered is not None:
            continue
        expected = len(table.header.cells)
        widest = max((len(row.cells) for row in table.rows), default=expected)
        for row in table.rows:
            got = len(row.cells)
            if got == expected or any("{%" in c.raw for c in row.cells):
                continue  # a Liquid tag in the row: the rows it prints are unknown here
            if got < expected:
                last = row.cells[-1] if row.cells else None
                col = (last.end_column + 1) if last else 1
                yield Issue(
                    row.line,
                    min(col, len(doc.lines[row.line - 1]) + 1) if doc.lines else 1,
                    f"row has {got} cell{'s' if got != 1 else ''}, the header has {expected}: "
                    f"the missing {expected - got} will render empty",
                )
                continue
            extra = row.cells[expected:]
            width = f"kramdown widens the whole table to {widest} columns"
            if all(not c.text.strip() for c in extra):
                yield Issue(
                    row.line,
                    extra[0].column,
                    f"row has {got} cells, the header has {expected}: {width}, so the "
                    f"page shows {widest - expected} empty column"
                    f"{'s' if widest - expected > 1 else ''} under an empty heading; "
                    "remove the trailing empty cell"
                    f"{'s' if len(extra) > 1 else ''}",
                    severity=Severity.WARNING,
                )
            else:
                shown = next(c for c in extra if c.text.strip())
                yield Issue(
                    row.line,
                    shown.column,
                    f"row has {got} cells, the header has {expected}: {width}, so "
                    f"'{shown.raw}' is shown under an empty heading",
                )


@rule(
    "TB002",
    "missing-column",
    "error",
    "A known table without a column it must have.",
    needs=("tables",),
)
def missing_column(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds a table recognised by a table spec (for the FinOps profile: the maturity
    guidelines table, recognised by its `FinOps Maturity Level` header wherever it
    appears) that lacks one of its required columns. Header cells are matched by
    their text, with links and emphasis removed.

    **Why it matters:** a maturity table without its characteristics column no
    longer says what each level means.

    **Bad:** `| FinOps Maturity Level | Sample Measures |`

    **Good:**
    `| FinOps Maturity Level | Maturity Level Characteristics | Sample Measures of Success |`

    **Configure:** `tables:` in the profile: `match` (header or heading regex),
    `columns` (name + regex), `rows` (column, keys, ordered), `required-cells`.
    """
    for table, spec in _specs_for(doc, ctx):
        for col in spec.columns:
            if spec.column_index(table, col.name) is None:
                yield Issue(
                    table.line,
                    table.header.cells[0].column if table.header.cells else 1,
                    f"{spec.name} table has no '{col.name}' column (header: "
                    f"{' | '.join(table.columns)})",
                )


@rule(
    "TB003",
    "missing-row",
    "error",
    "A known table without the rows it must have.",
    needs=("tables",),
)
def missing_row(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds a table recognised by a table spec whose key column lacks required rows,
    or has them out of order (for the maturity guidelines: Crawl, Walk, Run).

    **Why it matters:** the hello/world commit removed all three maturity rows; a
    table can also lose one row in a bad merge.

    **Bad:** a maturity table with only `Crawl` and `Run` rows.

    **Good:** `Crawl`, `Walk` and `Run`, in that order.
    """
    for table, spec in _specs_for(doc, ctx):
        if not spec.row_keys:
            continue
        index = spec.column_index(table, spec.row_column) if spec.row_column else 0
        if index is None:
            continue
        present = [
            (row.cells[index].text.strip().casefold() if index < len(row.cells) else "", row)
            for row in table.rows
        ]
        keys = [k.casefold() for k in spec.row_keys]
        found = [k for k, _ in present if k in keys]
        missing = [spec.row_keys[i] for i, k in enumerate(keys) if k not in found]
        anchor_line = table.rows[-1].line + 1 if table.rows else table.delimiter_line + 1
        anchor_line = min(anchor_line, len(doc.lines)) if doc.lines else 1
        if missing:
            expected = ", ".join(spec.row_keys)
            yield Issue(
                table.line,
                1,
                f"{spec.name} table has none of its rows {expected}"
                if len(missing) == len(spec.row_keys)
                else f"{spec.name} table is missing the row{'s' if len(missing) > 1 else ''} "
                f"{', '.join(missing)} (expected rows: {expected})",
            )
        elif spec.ordered:
            dedup = list(dict.fromkeys(k for k in found if k in keys))
            if dedup != [k for k in keys if k in dedup]:
                shown = [spec.row_keys[keys.index(k)] for k in dedup]
                yield Issue(
                    table.line,
                    1,
                    f"{spec.name} table rows are out of order: "
                    f"{', '.join(shown)} (expected {', '.join(spec.row_keys)})",
                )


@rule(
    "TB004",
    "empty-required-cell",
    "error",
    "An empty cell in a column that must be filled.",
    needs=("tables",),
)
def empty_required_cell(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds empty cells in the required columns of a table recognised by a table spec.

    **Why it matters:** an empty "characteristics" cell for `Walk` publishes a
    maturity level with no description.

    **Bad:** `| **Walk** |  | should allocate at least 80% |`

    **Good:** every required cell filled.
    """
    for table, spec in _specs_for(doc, ctx):
        for name in spec.required_cells:
            index = spec.column_index(table, name)
            if index is None:
                continue
            for row in table.rows:
                if row.is_empty:
                    continue
                cell = row.cells[index] if index < len(row.cells) else None
                if cell is None or not cell.text.strip():
                    col = cell.column if cell else (row.cells[-1].end_column if row.cells else 1)
                    yield Issue(row.line, col, f"{spec.name} table: empty '{name}' cell")


@rule("TB005", "empty-row", "warning", "A table row with no text in any cell.", needs=("tables",))
def empty_row(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds empty table rows at the end of a table, such as a trailing `| | |`.

    kramdown renders such a row as a blank stripe under the table's last row. An
    empty row between filled rows is left alone: authors use it as a spacer (a
    gap above a totals row), and it renders as one.

    **Why it matters:** a trailing empty row is usually a leftover from editing.

    **Bad:**
    ```
    | **SUPPORTED** | by the authority required |
    | | |
    ```

    **Good:** remove the empty row.
    """
    for table in doc.tables:
        if table.unrendered is not None:
            continue  # no table on the site (TB006, TB008, TB009)
        trailing = []
        for row in reversed(table.rows):
            if not (row.cells and row.is_empty):
                break
            trailing.append(row)
        if len(trailing) == len(table.rows):
            continue  # a table of nothing but empty rows is a layout grid, not a leftover
        for row in reversed(trailing):
            yield Issue(row.line, 1, "empty row at the end of the table renders as a blank stripe")


def _specs_for(doc: Document, ctx: RuleContext) -> Iterator[tuple[Table, TableSpec]]:
    for table in doc.tables:
        spec = ctx.config.table_spec_for(table)
        if spec is not None:
            yield table, spec
