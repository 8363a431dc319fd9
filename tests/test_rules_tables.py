"""TB rules: cell counts, and the maturity guidelines table spec (columns, rows,
required cells), plus empty rows. Body line N is page line N + 3."""

from __future__ import annotations

from tests.conftest import Site, codes_of, only, page

MATURITY_HEADER = (
    "| FinOps Maturity Level | Maturity Level Characteristics | Sample Measures of Success |\n"
    "| --- | --- | --- |\n"
)
GOOD_ROWS = "| Crawl | a | b |\n| Walk | c | d |\n| Run | e | f |\n"


# ------------------------------------------------------------------ TB001


def test_tb001_short_row_points_at_its_end_and_long_row_at_the_extra_cell(site: Site) -> None:
    text = page("\n| A | B | C |\n| --- | --- | --- |\n| 1 | 2 |\n| 1 | 2 | 3 | 4 |\n")
    findings = site.lint_full("t.md", text)
    assert [(f.code, f.line, f.column) for f in findings] == [
        ("TB001", 7, 9),  # the closing pipe of '| 1 | 2 |': add a cell here
        ("TB001", 8, 15),  # the extra cell '4'
    ]
    assert "2 cells" in findings[0].message and "header has 3" in findings[0].message
    assert "'4' is shown under an empty heading" in findings[1].message
    assert "widens the whole table to 4 columns" in findings[1].message
    assert findings[1].severity.value == "error"


def test_tb001_trailing_empty_cell_adds_an_empty_column_warning(site: Site) -> None:
    text = page("\n| A | B |\n| --- | --- |\n| 1 | 2 |\n| 3 | 4 | |\n")
    findings = site.lint_full("t.md", text)
    assert [(f.code, f.line, f.column, f.severity.value) for f in findings] == [
        ("TB001", 8, 10, "warning")
    ]
    assert "empty column" in findings[0].message and "dropped" not in findings[0].message


def test_tb001_rows_with_the_header_width_are_fine(site: Site) -> None:
    text = page("\n| A | B | C |\n| --- | --- | --- |\n| 1 | 2 | 3 |\n|  | x | |\n")
    assert site.lint("t.md", text) == []


def test_tb001_escaped_pipes_and_code_span_pipes_do_not_split_cells(site: Site) -> None:
    text = page("\n| A | B |\n| --- | --- |\n| a \\| b | `x | y` |\n")
    assert site.lint("t.md", text) == []


def test_tb001_rows_without_outer_pipes(site: Site) -> None:
    text = page("\nA | B\n--- | ---\n1 | 2\n3 |\n")
    assert only(site.lint("t.md", text), "TB001") == [("TB001", 8)]


def test_a_line_without_a_pipe_is_no_row_but_ends_the_table_as_text(site: Site) -> None:
    # kramdown's rows are pipe lines; "3" under them is text, so the whole table is
    # printed as a paragraph (TB008), not a table with a short row (GFM reads "3" as one)
    text = page("\nA | B\n--- | ---\n1 | 2\n3\n")
    found = site.lint("t.md", text)
    assert only(found, "TB001") == []
    assert only(found, "TB008") == [("TB008", 5)]


# ------------------------------------------------------- the maturity guidelines table


def test_maturity_table_with_crawl_walk_run_passes(site: Site) -> None:
    text = page("\n#### FinOps Maturity Model guidelines\n\n" + MATURITY_HEADER + GOOD_ROWS)
    assert site.lint("m.md", text) == []


def test_maturity_table_recognised_by_header_anywhere(site: Site) -> None:
    # No heading before it, nested in a later section, header cell with markup.
    text = page(
        "\n# Page\n\n## Something else\n\ntext\n\n"
        "| **FinOps Maturity Level** | [Characteristics](/) | Sample Measures |\n"
        "| --- | --- | --- |\n| **Crawl** | a | b |\n| Walk | c | d |\n| Run | e | f |\n"
    )
    assert site.lint("m.md", text) == []


def test_maturity_hello_world_row_gives_ph001_and_tb003(site: Site) -> None:
    text = page(
        "\n#### FinOps Maturity Model guidelines\n\n"
        + MATURITY_HEADER
        + "| hello | world | foobar |\n"
    )
    findings = site.lint_full("m.md", text)
    assert [(f.code, f.line, f.column) for f in findings] == [
        ("TB003", 7, 1),  # the table (its header line)
        ("PH001", 9, 3),  # the placeholder row
    ]
    tb003 = findings[0].message
    assert "Crawl, Walk, Run" in tb003.split("(")[0]


def test_maturity_table_recognised_when_nothing_but_the_header_matches(site: Site) -> None:
    text = page("\n| FinOps Maturity Level | Stuff |\n| --- | --- |\n| Crawl | x |\n")
    got = site.lint("m.md", text)
    assert codes_of(got) == {"TB002", "TB003"}


# ------------------------------------------------------------------ TB002


def test_tb002_missing_column_at_the_header(site: Site) -> None:
    text = page(
        "\n| FinOps Maturity Level | Sample Measures |\n| --- | --- |\n"
        "| Crawl | a |\n| Walk | c |\n| Run | e |\n"
    )
    findings = site.lint_full("m.md", text)
    assert [(f.code, f.line, f.column) for f in findings] == [("TB002", 5, 3)]
    assert "characteristics" in findings[0].message


def test_tb002_other_tables_need_no_columns(site: Site) -> None:
    text = page("\n| Level | Sample Measures |\n| --- | --- |\n| Crawl | a |\n")
    assert site.lint("m.md", text) == []


# ------------------------------------------------------------------ TB003


def test_tb003_one_missing_row_is_named(site: Site) -> None:
    text = page("\n" + MATURITY_HEADER + "| Crawl | a | b |\n| Run | e | f |\n")
    findings = site.lint_full("m.md", text)
    assert [(f.code, f.line, f.column) for f in findings] == [("TB003", 5, 1)]
    assert "row Walk" in findings[0].message


def test_tb003_rows_out_of_order(site: Site) -> None:
    text = page("\n" + MATURITY_HEADER + "| Walk | a | b |\n| Crawl | c | d |\n| Run | e | f |\n")
    findings = site.lint_full("m.md", text)
    assert [(f.code, f.line) for f in findings] == [("TB003", 5)]
    assert "out of order" in findings[0].message


def test_tb003_bold_row_keys_count(site: Site) -> None:
    rows = "| **Crawl** | a | b |\n| **Walk** | c | d |\n| **Run** | e | f |\n"
    assert site.lint("m.md", page("\n" + MATURITY_HEADER + rows)) == []


# ------------------------------------------------------------------ TB004


def test_tb004_empty_required_cell(site: Site) -> None:
    text = page(
        "\n" + MATURITY_HEADER + "| Crawl | a | b |\n| **Walk** |  | d |\n| Run | e | f |\n"
    )
    findings = site.lint_full("m.md", text)
    assert [(f.code, f.line) for f in findings] == [("TB004", 8)]
    # the column is inside the empty cell's span: between its two pipes
    assert 12 <= findings[0].column <= 15
    assert "characteristics" in findings[0].message


def test_tb004_filled_cells_are_fine(site: Site) -> None:
    assert only(site.lint("m.md", page("\n" + MATURITY_HEADER + GOOD_ROWS)), "TB004") == []


# ------------------------------------------------------------------ TB005


def test_tb005_empty_row(site: Site) -> None:
    findings = site.lint_full("e.md", page("\n| A | B |\n| --- | --- |\n| x | y |\n| | |\n"))
    assert [(f.code, f.line, f.column) for f in findings] == [("TB005", 8, 1)]
    assert findings[0].severity.value == "warning"


def test_tb005_spacer_row_between_filled_rows_is_fine(site: Site) -> None:
    text = page("\n| A | B |\n| --- | --- |\n| x | 1 |\n| | |\n| Total | 1 |\n")
    assert site.lint("e.md", text) == []


def test_tb005_partly_filled_row_is_fine(site: Site) -> None:
    assert site.lint("e.md", page("\n| A | B |\n| --- | --- |\n| x | |\n")) == []
