"""Explore (not a test): random pipe tables in one page, one Jekyll build, and for
each table whether kramdown and finops-lint's parse see a table and how many rows.

    python -m tests.oracle.explore_tables [--seed N] [--count N] [-v] OUT_DIR

Cell counts are not compared (kramdown pads every row to the widest); `-v` prints
each table where the two differ. Found 2026-12-03, not yet fixed: kramdown makes a
table of pipe rows without a separator line and of rows without a leading pipe
whose separator is `- | --: |`, where markdown-it's GFM table sees none (a list
item, or a paragraph); and no table of a header and separator with no body row.
"""

import argparse
import collections
import random
import re
from pathlib import Path

from finops_lint.document import parse_text
from tests.oracle.jekyll import build, write_site

CELLS = ["a", "Crawl", "`x|y`", "\\|", "b c", "", " ", "**b**", "[l](u)", "1", "<br>",
         "x\\|y", "`code`"]  # fmt: skip
SEPARATORS = ["---", ":--", "--:", ":-:", "-"]


def _row(rng: random.Random, n: int, lead: bool, trail: bool) -> str:
    cells = " | ".join(rng.choice(CELLS) for _ in range(n))
    return ("| " if lead else "") + cells + (" |" if trail else "")


def random_tables(rng: random.Random, count: int) -> list[str]:
    """`count` Markdown blocks, each a `## T<i>` heading and a random pipe table."""
    blocks = []
    for i in range(count):
        n = rng.randint(1, 4)
        lines = [f"## T{i}", ""]
        if rng.random() < 0.15:
            lines.append("Some text right above.")
        lead, trail = rng.random() < 0.8, rng.random() < 0.8
        lines.append(_row(rng, n, lead, trail))
        if rng.random() < 0.9:
            sep = " | ".join(rng.choice(SEPARATORS) for _ in range(n))
            lines.append(("| " if lead else "") + sep + (" |" if trail else ""))
        for _ in range(rng.randint(0, 4)):
            m = max(1, n + rng.choice([0, 0, 0, -1, 1]))
            lines.append(_row(rng, m, rng.random() < 0.9, rng.random() < 0.85))
        lines.append("")
        blocks.append("\n".join(lines))
    return blocks


def _built_rows(html: str) -> dict[int, list[int]]:
    """{block: the row count of each table kramdown made under its heading}."""
    sections = re.split(r'<h2 id="t(\d+)">', html)[1:]
    out: dict[int, list[int]] = {}
    for k in range(0, len(sections), 2):
        tables = re.findall(r"<table>(.*?)</table>", sections[k + 1], re.S)
        out[int(sections[k])] = [len(re.findall(r"<tr>", t)) for t in tables]
    return out


def _our_rows(page: str) -> dict[int, list[int]]:
    """{block: the row count, header included, of each table finops-lint parses}."""
    out: dict[int, list[int]] = {}
    for t in parse_text(page, "t.md", "t.md").tables:
        block = int(re.sub(r"\D", "", t.heading or "") or -1)
        out.setdefault(block, []).append(1 + len(t.rows))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="a folder for the site and its build")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--count", type=int, default=80)
    ap.add_argument("-v", "--verbose", action="store_true", help="print each difference")
    args = ap.parse_args()
    blocks = random_tables(random.Random(args.seed), args.count)
    page = "---\ntitle: T\npermalink: /t/\n---\n\n" + "\n".join(blocks)
    src = write_site(args.out / "src", {"_config.yml": "", "t.md": page})
    built = _built_rows((build(src, args.out / "out") / "t" / "index.html").read_text())
    ours = _our_rows(page)
    kinds: collections.Counter[str] = collections.Counter()
    for i, block in enumerate(blocks):
        theirs, mine = built.get(i, []), ours.get(i, [])
        kind = (
            "same rows"
            if theirs == mine
            else "kramdown none"
            if not theirs
            else "ours none"
            if not mine
            else "rows differ"
        )
        kinds[kind] += 1
        if args.verbose and kind != "same rows":
            print(f"--- T{i} {kind}: kramdown {theirs} ours {mine}\n{block}\n")
    print(dict(kinds))


if __name__ == "__main__":
    main()
