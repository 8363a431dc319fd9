"""Explore (not a test): random pipe tables in one page, one Jekyll build, and for
each table whether kramdown and finops-lint's parse see a table and how many rows.

    python -m tests.oracle.explore_tables SEED COUNT OUT_DIR [-v]

Cell counts are not compared (kramdown pads every row to the widest); `-v` prints
each table where the two differ. Found 2026-12-03, not yet fixed: kramdown makes a
table of pipe rows without a separator line and of rows without a leading pipe
whose separator is `- | --: |`, where markdown-it's GFM table sees none (a list
item, or a paragraph); and no table of a header and separator with no body row.
"""

import collections
import random
import re
import sys
from pathlib import Path

from finops_lint.document import parse_text
from tests.oracle.jekyll import build, write_site

rng = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
CELLS = [
    "a",
    "Crawl",
    "`x|y`",
    "\\|",
    "b c",
    "",
    " ",
    "**b**",
    "[l](u)",
    "1",
    "<br>",
    "x\\|y",
    "`code`",
]


def row(n, lead=True, trail=True):
    cells = [rng.choice(CELLS) for _ in range(n)]
    s = " | ".join(cells)
    return ("| " if lead else "") + s + (" |" if trail else "")


blocks = []
for i in range(int(sys.argv[2]) if len(sys.argv) > 2 else 60):
    n = rng.randint(1, 4)
    lines = [f"## T{i}", ""]
    if rng.random() < 0.15:
        lines.append("Some text right above.")
    lead = rng.random() < 0.8
    trail = rng.random() < 0.8
    lines.append(row(n, lead, trail))
    if rng.random() < 0.9:
        sep = " | ".join(rng.choice(["---", ":--", "--:", ":-:", "-"]) for _ in range(n))
        lines.append(("| " if lead else "") + sep + (" |" if trail else ""))
    for _ in range(rng.randint(0, 4)):
        m = max(1, n + rng.choice([0, 0, 0, -1, 1]))
        lines.append(row(m, rng.random() < 0.9, rng.random() < 0.85))
    lines.append("")
    blocks.append("\n".join(lines))
page = "---\ntitle: T\npermalink: /t/\n---\n\n" + "\n".join(blocks)
tmp = Path(sys.argv[3] if len(sys.argv) > 3 else "/tmp/tabx")
src = write_site(tmp / "src", {"_config.yml": "", "t.md": page})
out = (build(src, tmp / "out") / "t" / "index.html").read_text()
# kramdown: tables per section
sections = re.split(r'<h2 id="t(\d+)">', out)[1:]
built = {}
for k in range(0, len(sections), 2):
    idx = int(sections[k])
    body = sections[k + 1]
    tabs = re.findall(r"<table>(.*?)</table>", body, re.S)
    shapes = []
    for t in tabs:
        rows = re.findall(r"<tr>(.*?)</tr>", t, re.S)
        shapes.append([len(re.findall(r"<t[hd][^>]*>", r)) for r in rows])
    built[idx] = shapes
doc = parse_text(page, "t.md", "t.md")
ours = {}
for t in doc.tables:
    idx = int(re.sub(r"\D", "", t.heading or "-1") or -1)
    shape = [len(t.header.cells)] + [len(r.cells) for r in t.rows]
    ours.setdefault(idx, []).append(shape)
kinds = collections.Counter()
for i in range(len(blocks)):
    b, o = built.get(i, []), ours.get(i, [])
    bl, ol = [len(x) for x in b], [len(x) for x in o]
    if bl == ol:
        kinds["same rows"] += 1
        continue
    kind = "kramdown none" if not b else "ours none" if not o else "rows differ"
    kinds[kind] += 1
    if "-v" in sys.argv:
        print(f"--- T{i} {kind}: kramdown {b} ours {o}\n{blocks[i]}\n")
print(dict(kinds))
