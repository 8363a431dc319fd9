"""TB001, TB005 and SC002 judged against what Jekyll's kramdown builds."""

from __future__ import annotations

import re
from pathlib import Path

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
