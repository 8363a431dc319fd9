"""TB rules and SC002 judged against what Jekyll's kramdown builds."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from finops_lint.document import parse_text
from finops_lint.engine import RunOptions, run
from tests.oracle.jekyll import build, write_site

PAGE = """---
title: T
permalink: /t/
---

| A | B |
| --- | --- |
| 1 | 2 |
| 3 | 4 | |

| Item | Hours |
| --- | --- |
| x | 1 |
| | |
| Total | 1 |

| P | Q |
| --- | --- |
| p | q |
| | |

## Maturity Assessment

| Maturity | Description |
| --- | --- |
| Crawl | c |
| Walk | w |
| Run | r |
"""


BLANK = {"", "&nbsp;"}


def _tables(tmp_path: Path) -> list[list[list[str]]]:
    src = write_site(tmp_path / "src", {"_config.yml": "markdown: kramdown\n", "t.md": PAGE})
    html = (build(src, tmp_path / "out") / "t" / "index.html").read_text(encoding="utf-8")
    tables = []
    for table in re.findall(r"<table>(.*?)</table>", html, re.S):
        rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
        tables.append(
            [[c.strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)] for r in rows]
        )
    return tables


def test_kramdown_widens_a_table_for_a_trailing_empty_cell(tmp_path: Path) -> None:
    wide, spacer, trailing, maturity = _tables(tmp_path)
    # TB001: nothing is dropped; every row, header included, gains an empty third cell
    assert [len(r) for r in wide] == [3, 3, 3]
    assert wide[0][2] in BLANK and wide[1][2] in BLANK
    # TB005: the spacer row renders between the filled rows, the trailing one at the end
    assert set(spacer[2]) <= BLANK and spacer[3][0] == "Total"
    assert set(trailing[-1]) <= BLANK
    # SC002: the three levels are on the page as table rows
    assert [r[0] for r in maturity[1:]] == ["Crawl", "Walk", "Run"]


FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TABLE_FIXTURES = sorted(
    p.relative_to(FIXTURES).as_posix()
    for code in ("TB001", "TB006", "TB008", "TB009")
    for p in (FIXTURES / code).glob("*.md")
)


def test_table_fixtures_render_the_tables_finops_lint_says(tmp_path: Path) -> None:
    """TB006, TB008 and TB009 claim kramdown prints a table as text: in every table
    fixture, the tables finops-lint takes as rendered are the tables with a header
    on the page, with their rows, and no more."""
    files = {"_config.yml": "markdown: kramdown\n"}
    for rel in TABLE_FIXTURES:
        files[rel.replace("/", "-")] = (FIXTURES / rel).read_text(encoding="utf-8")
    for data in sorted(FIXTURES.glob("TB*/_data/*.yml")):  # what Liquid loops print
        files[f"_data/{data.name}"] = data.read_text(encoding="utf-8")
    out = build(write_site(tmp_path / "src", files), tmp_path / "out")
    wrong = []
    for rel in TABLE_FIXTURES:
        text = (FIXTURES / rel).read_text(encoding="utf-8")
        html = (out / (rel.replace("/", "-")[:-3] + ".html")).read_text(encoding="utf-8")
        tables = re.findall(r"<table[^>]*>(.*?)</table>", html, re.S)
        # a table with no header row (no separator line) is kramdown's, not modelled
        built = [t.count("<tr>") for t in tables if "<thead>" in t]
        ours = [
            None if any("{%" in c.raw for r in t.rows for c in r.cells) else 1 + len(t.rows)
            for t in parse_text(text, rel, rel).tables
            if not t.unrendered
        ]  # None: a Liquid loop prints the rows (how many is the data's)
        if len(built) != len(ours) or any(
            o not in (None, b) for o, b in zip(ours, built, strict=True)
        ):
            wrong.append(f"{rel}: kramdown rows {built}, finops-lint {ours}")
    assert len(TABLE_FIXTURES) >= 8
    assert not wrong, "\n".join(wrong)


def test_fixing_tb006_and_tb008_makes_kramdown_render_every_table(tmp_path: Path) -> None:
    """`--fix` inserts the empty lines (an empty quoted line in a quote): the built
    pages then have every table, and nothing is left to fix."""
    names = ["TB006/glued.md", "TB006/comment.md", "TB008/glued.md"]
    files = {"_config.yml": "markdown: kramdown\n"}
    for rel in names:
        files[rel.replace("/", "-")] = (FIXTURES / rel).read_text(encoding="utf-8")
    src = write_site(tmp_path / "src", files)
    options = RunOptions(paths=[src], root=src, select=["TB006", "TB008"], cache=False)
    before = run(options).findings
    assert len(before) == 9 and all(f.fix is not None for f in before)
    lint = [sys.executable, "-m", "finops_lint", "check", "--no-cache", "--select"]
    subprocess.run([*lint, "TB006,TB008", "--fix", str(src)], capture_output=True, check=False)
    assert run(options).findings == []
    out = build(src, tmp_path / "out")
    for rel in names:
        page = rel.replace("/", "-")[:-3]
        tables = parse_text((src / f"{page}.md").read_text(encoding="utf-8"), rel, rel).tables
        html = (out / f"{page}.html").read_text(encoding="utf-8")
        assert html.count("<table") == len(tables) > 0, page
