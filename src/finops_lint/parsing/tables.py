"""Pipe tables with the position and raw count of every cell.

markdown-it-py finds the tables (so what we call a table is what renders as
one) but pads or drops cells to the header's width (kramdown instead widens
the table to its longest row); the raw row is split here to keep each cell's
column and the real number of cells an author typed.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass, field

#: blockquote markers at a line's start
CONTAINER_PREFIX = re.compile(r"^(?:[ \t]{0,3}>[ \t]?)*")
# No "<" / "[" / "(" inside the negated classes: each match attempt stops at the next
# opener, so a line of thousands of unclosed "<", "[" or "[a](" stays linear.
_HTML_TAG = re.compile(r"<[^<>]+>")
_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
# The destination is runs of other characters around one-level (...) groups, written
# unrolled: the same matches as `(?:[^()]|\([^()]*\))*`, without a branch per character.
_LINK = re.compile(r"!?\[([^\[\]]*)\]\([^()]*(?:\([^()]*\)[^()]*)*\)")
_REF_LINK = re.compile(r"!?\[([^\[\]]*)\]\[[^\[\]]*\]")
#: A link's text (group 1, which every match has): `sub`'s replacement, as `r"\1"` gives
#: it, without expanding a template for each match (a third of the time).
_LINK_TEXT = operator.itemgetter(1)


@dataclass
class Cell:
    """A table cell: its plain text, its source, where it starts and ends."""

    text: str  # plain text (markup removed)
    raw: str  # as written, trimmed
    line: int
    column: int
    end_column: int


@dataclass
class Row:
    """A table row and its cells."""

    line: int
    cells: list[Cell]

    @property
    def texts(self) -> list[str]:
        return [c.text for c in self.cells]

    @property
    def is_empty(self) -> bool:
        return all(not c.text.strip() for c in self.cells)


@dataclass
class Table:
    """A Markdown table: its header, delimiter and body rows, and where it is."""

    line: int  # header line
    end_line: int
    header: Row
    delimiter_line: int
    alignments: list[str]
    rows: list[Row] = field(default_factory=list)
    heading: str | None = None  # text of the heading that precedes the table
    heading_line: int | None = None
    #: empty when the site renders the table; else each reason kramdown prints its
    #: lines as text (parsing.kramdown_tables: TEXT_ABOVE, LINE_BELOW, NO_BODY,
    #: IN_HTML) with the line that causes it (None: no one line)
    breaks: dict[str, int | None] = field(default_factory=dict)

    @property
    def unrendered(self) -> str | None:
        """The first reason kramdown prints the table as text, or None."""
        return next(iter(self.breaks), None)

    @property
    def columns(self) -> list[str]:
        return self.header.texts

    def records(self) -> list[dict[str, str]]:
        """Body rows as {header text: cell text}."""
        out = []
        for row in self.rows:
            record = {}
            for i, name in enumerate(self.columns):
                record[name] = row.cells[i].text if i < len(row.cells) else ""
            out.append(record)
        return out


def plain_text(raw: str) -> str:
    """Cell or heading text with Markdown/HTML markup removed, whitespace collapsed."""
    text = raw
    if "<" in text:
        text = _BREAK.sub(" ", text)
        text = _HTML_TAG.sub("", text)
    if "[" in text:  # a match holds "](" or "][": most text with "[" has neither
        if "](" in text:
            text = _LINK.sub(_LINK_TEXT, text)
        if "][" in text:
            text = _REF_LINK.sub(_LINK_TEXT, text)
    # Emphasis and code markers are dropped: "~~" pairs first, as a regex scan
    # `(\*\*|__|\*|_|~~|`)` finds them (only "~~" is two characters no other marker
    # has), then every "*", "_" and "`". Most text has none.
    if "~~" in text:
        text = text.replace("~~", "")
    if "*" in text or "_" in text or "`" in text:
        text = text.replace("*", "").replace("_", "").replace("`", "")
    if "\\|" in text:  # (0.05 us to test a 300-character line; a replace: 0.36 us)
        text = text.replace("\\|", "|")
    return collapse_spaces(text)


def collapse_spaces(text: str) -> str:
    """`" ".join(text.split())`, without splitting text that is already so: printable
    (the space is the only printable character `split` splits at) with no space at
    either end and no two together."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text
    return " ".join(text.split())


def split_row(line_text: str) -> list[tuple[str, int, int]]:
    """Split a table row into (raw cell, start column, end column), 1-based columns.

    Pipes escaped with a backslash or inside code spans do not split cells.
    """
    prefix = CONTAINER_PREFIX.match(line_text)
    offset = prefix.end() if prefix else 0
    body = line_text[offset:]
    stripped = body.rstrip()
    lead = len(body) - len(body.lstrip())
    start = offset + lead
    content_end = offset + len(stripped)
    if start < content_end and line_text[start] == "|":
        start += 1
    cells: list[tuple[str, int, int]] = []
    i = start
    cell_start = start
    in_code = 0
    if "`" not in line_text and "\\" not in line_text:
        # No code spans or escapes: every pipe splits (the common row, found in C).
        pipe = line_text.find("|", start, content_end)
        while pipe != -1:
            cells.append((line_text[cell_start:pipe], cell_start + 1, pipe + 1))
            cell_start = pipe + 1
            pipe = line_text.find("|", cell_start, content_end)
        i = content_end
    while i < content_end:
        ch = line_text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "`":
            run = 1
            while i + run < content_end and line_text[i + run] == "`":
                run += 1
            if in_code == 0:
                closing = line_text.find("`" * run, i + run, content_end)
                if closing != -1:
                    i = closing + run
                    continue
            i += run
            continue
        if ch == "|":
            cells.append((line_text[cell_start:i], cell_start + 1, i + 1))
            cell_start = i + 1
        i += 1
    tail = line_text[cell_start:content_end]
    closed = content_end > 0 and line_text[content_end - 1] == "|"
    if tail.strip() or (not closed and not cells):
        cells.append((tail, cell_start + 1, content_end + 1))
    out = []
    for raw, s, _e in cells:
        if not raw.strip():
            # An empty cell: point just after its opening pipe.
            out.append(("", s, s))
            continue
        left = len(raw) - len(raw.lstrip())
        right = len(raw.rstrip())
        out.append((raw.strip(), s + left, s + right))
    return out


def parse_table(
    lines: list[str], first_line: int, last_line: int, rows: list[int] | None = None
) -> Table | None:
    """Build a Table from page lines first_line..last_line (1-based, inclusive): the
    header, the delimiter under it, then each line up to a blank one as a row, or
    only the lines ``rows`` names."""
    if last_line - first_line < 1:
        return None
    header = _row(lines, first_line)
    delim_cells = split_row(lines[first_line])  # the line after the header
    alignments = []
    for raw, _s, _e in delim_cells:
        r = raw.strip()
        if r.startswith(":") and r.endswith(":"):
            alignments.append("center")
        elif r.endswith(":"):
            alignments.append("right")
        elif r.startswith(":"):
            alignments.append("left")
        else:
            alignments.append("")
    table = Table(
        line=first_line,
        end_line=last_line,
        header=header,
        delimiter_line=first_line + 1,
        alignments=alignments,
    )
    if rows is not None:
        table.rows = [_row(lines, number) for number in rows]
        return table
    for number in range(first_line + 2, last_line + 1):
        if not lines[number - 1].strip():
            break
        table.rows.append(_row(lines, number))
    return table


def _row(lines: list[str], number: int) -> Row:
    text = lines[number - 1]
    cells = [Cell(plain_text(raw), raw, number, s, e) for raw, s, e in split_row(text)]
    return Row(number, cells)
