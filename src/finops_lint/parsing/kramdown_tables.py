"""Where kramdown, Jekyll's Markdown converter, starts and ends a pipe table.

GitHub (GFM, and markdown-it with it) and kramdown read pipe tables differently,
and the difference decides whether the site shows a table or a paragraph of
pipes. kramdown 2.4 (``parser/kramdown/table.rb``, ``block_boundary.rb``,
``extensions.rb``):

- A table starts only at a block boundary: the start of the text, after a blank
  line, or after a block IAL (``{: .class}``) that itself follows one. Under a
  line of text, a heading, an HTML comment or a code fence it is more text of
  the block above.
- A table is the run of lines that hold a pipe (``|`` first, or after any
  character but a backslash). The line after the run must be a boundary too
  (blank, ``^``, a block IAL, the end); if it is text, a list item, a heading or
  an HTML line, kramdown drops the whole table and prints its lines as a
  paragraph. GFM instead ends the table there, or reads the line as a row.
- Rows before the first separator line (``|---|``) are the header; a table
  without a body row is dropped (printed as text).
- Lines whose only pipes are in code spans are no table lines.

Liquid runs before kramdown: a line of Liquid tags may print nothing (then it is
a blank line for kramdown) or anything, so such a line next to a table is taken
as a boundary; finops-lint does not guess.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from finops_lint.parsing.tables import CONTAINER_PREFIX

#: kramdown's TABLE_LINE at a line start: a leading pipe, or a pipe after any
#: character that is not a backslash.
_TABLE_LINE = re.compile(r"(?:\||.*?[^\\\n]\|)")
_TABLE_START = re.compile(r" {0,3}(?=\S)(?:\||.*?[^\\\n]\|)")
#: First lines kramdown's earlier block parsers take (a list item: `-`, `*`, `+` or
#: `1.` and a space, tab or pipe; a quote; a GFM heading), so no table starts there.
_CLAIMED = re.compile(r" {0,3}(?:[+*-]|\d+\.)[\t| ]| {0,3}>|#{1,6}[\t ]")
_SEPARATOR = re.compile(r"[+|: \t-]*?-[+|: \t-]*?[ \t]*$")
_FOOTER_SEPARATOR = re.compile(r"[+|: \t=]*?=[+|: \t=]*?[ \t]*$")
#: a list item's marker and the spaces after it (up to 4: more is indented code)
ITEM_MARKER = re.compile(r" {0,3}(?:[-*+]|\d{1,9}[.)])(?:[ \t]{1,4}|$)")
_EOB = re.compile(r"\^\s*$")
_IAL = re.compile(r" {0,3}\{:(?!:|/)[^}]+\}\s*$")

#: Why kramdown prints a table GFM renders as paragraph text.
TEXT_ABOVE = "text-above"
LINE_BELOW = "line-below"
NO_BODY = "no-body"
IN_HTML = "in-html"  # inside block HTML kramdown leaves as HTML (no markdown="1")


@dataclass
class KramdownTable:
    """kramdown's reading of the pipe lines starting at ``first`` (page lines)."""

    first: int
    last: int  # the last pipe line
    header: list[int] = field(default_factory=list)  # rows before the first separator
    separator: int | None = None  # the separator line under the header
    body: list[int] = field(default_factory=list)  # the rows under it (body and footer)
    #: why kramdown prints it as text, each reason (TEXT_ABOVE, LINE_BELOW, NO_BODY)
    #: with the line that causes it (the text above, the line below; None for
    #: NO_BODY); empty when kramdown renders a table
    breaks: dict[str, int | None] = field(default_factory=dict)

    @property
    def unrendered(self) -> str | None:
        """The first reason kramdown prints it as text, or None."""
        return next(iter(self.breaks), None)

    @property
    def gfm_shaped(self) -> bool:
        """One header row with the separator right under it (GFM's only shape)."""
        return self.header == [self.first] and self.separator == self.first + 1


def _liquid(line: str) -> bool:
    return "{%" in line or "{{" in line


def _after_boundary(lines: Sequence[str], start: int, body_first: int) -> int | None:
    """None when page line ``start`` follows a block boundary, else the line that
    ends the block above (a Liquid line counts as a boundary: it may print nothing)."""
    above = start - 1
    while above >= body_first and _IAL.match(lines[above - 1]):
        above -= 1
    if above < body_first:
        return None
    text = lines[above - 1]
    if not text.strip() or _liquid(text) or _EOB.match(text):
        return None
    return above


def _before_boundary(lines: Sequence[str], line: int) -> bool:
    if line > len(lines):
        return True
    text = lines[line - 1]
    return (
        not text.strip()
        or _liquid(text)
        or _EOB.match(text) is not None
        or _IAL.match(text) is not None
    )


_BACKTICKS = re.compile(r"`+")
_SPAN_SPECIAL = re.compile(r"[`<]")
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HTML_OPEN = re.compile(r"""<([A-Za-z][\w:.-]*)(?:[^<>'"]|'[^'<>]*'|"[^"<>]*")*>""")
_HTML_CLOSE = re.compile(r"</([A-Za-z][\w:.-]*)\s*>")
#: kramdown's HTML_BLOCK_ELEMENTS (parser/html.rb): as span HTML, text
_HTML_BLOCK_TAGS = frozenset({
    "address", "article", "aside", "applet", "body", "blockquote", "caption", "col",
    "colgroup", "dd", "div", "dl", "dt", "fieldset", "figcaption", "footer", "form", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "head", "iframe",
    "legend", "menu", "li", "main", "map", "nav", "ol", "optgroup", "p", "pre", "section",
    "summary", "table", "tbody", "td", "th", "thead", "tfoot", "tr", "ul"
})  # fmt: skip


def _span_pieces(source: str) -> list[tuple[str, str]]:
    """``source`` as kramdown's code span and span HTML parsers split it: ("code",
    its text), ("html", a tag name), ("text", the text between; a comment's too)."""
    pieces: list[tuple[str, str]] = []
    text: list[str] = []

    def flush() -> None:
        if text:
            pieces.append(("text", "".join(text)))
            text.clear()

    closings: dict[str, list[tuple[int, int]]] | None = None
    i = 0
    while True:
        special = _SPAN_SPECIAL.search(source, i)
        if special is None:
            text.append(source[i:])
            break
        j = special.start()
        text.append(source[i:j])
        i = j
        if source[j] == "`":
            run = _BACKTICKS.match(source, j)
            assert run is not None
            delim = run.group(0)
            before = source[j - 1] if j else ""
            after = source[run.end() : run.end() + 1]
            closing = source.find(delim, run.end())
            if (len(delim) == 1 and (not before or before.isspace()) and after.isspace()) or (
                closing == -1
            ):
                text.append(delim)
                i = run.end()
                continue
            flush()
            pieces.append(("code", source[run.end() : closing]))
            i = closing + len(delim)
            continue
        comment = _HTML_COMMENT.match(source, j)
        if comment is not None:
            flush()
            pieces.append(("text", comment.group(0)))
            i = comment.end()
            continue
        tag = _HTML_OPEN.match(source, j)
        if tag is not None and tag.group(1).lower() not in _HTML_BLOCK_TAGS:
            flush()
            pieces.append(("html", tag.group(1)))
            i = tag.end()
            if not tag.group(0).endswith("/>"):
                if closings is None:  # every end tag, found once (no rescan per tag)
                    closings = {}
                    for m in _HTML_CLOSE.finditer(source):
                        closings.setdefault(m.group(1).lower(), []).append((m.start(), m.end()))
                ends = closings.get(tag.group(1).lower(), [])
                k = bisect.bisect_left(ends, (i, 0))
                i = ends[k][1] if k < len(ends) else i
            continue
        text.append("<")
        i = j + 1
    flush()
    return pieces


def _pipes_on_lines(source: str) -> bool:
    """kramdown's last test of a table (table.rb): outside code spans and span HTML,
    the table's lines hold pipes (its own rule, quirks included)."""
    pipe_on_line = False
    for kind, value in _span_pieces(source):
        lines = value.split("\n")
        while lines and not lines[-1]:
            lines.pop()  # Ruby's String#split drops trailing empty strings
        if kind == "code":
            if len(lines) > 2 or (len(lines) == 2 and not pipe_on_line):
                break
            if len(lines) == 2:
                pipe_on_line = False
            continue
        if not lines:
            continue
        if len(lines) > 1 and not pipe_on_line and not _TABLE_LINE.match(lines[0]):
            break
        pipe_on_line = (False if len(lines) > 1 else pipe_on_line) or bool(
            _TABLE_LINE.match(lines[-1])
        )
    return pipe_on_line


def read_table(lines: Sequence[str], start: int, body_first: int) -> KramdownTable | None:
    """kramdown's table at page line ``start``, or None when kramdown starts none
    there whatever surrounds it (no pipe line, pipes only in code, a list item).
    ``lines`` are the page's lines; ``body_first`` is the first body line."""
    if start > len(lines):
        return None
    first = lines[start - 1]
    if not _TABLE_START.match(first) or _CLAIMED.match(first):
        return None
    end = start
    while end <= len(lines) and _TABLE_LINE.match(lines[end - 1]):
        end += 1
    if not _pipes_on_lines("\n".join(lines[start - 1 : end - 1])):
        return None
    table = KramdownTable(start, end - 1)
    pending: list[int] = []
    footer = has_body = False
    for number in range(start, end):
        text = lines[number - 1]
        if _SEPARATOR.match(text):
            if not pending:
                continue  # kramdown skips a separator with no row above it
            if table.separator is None and not footer:
                table.header, table.separator = pending, number
                pending = []
            elif not footer:  # a second separator splits the body
                table.body.extend(pending)
                pending, has_body = [], True
        elif _FOOTER_SEPARATOR.match(text):
            if pending:
                table.body.extend(pending)
                pending, has_body = [], True
            footer = True
        else:
            pending.append(number)
    if pending:
        table.body.extend(pending)
        has_body = has_body or not footer
    above = _after_boundary(lines, start, body_first)
    if above is not None:
        table.breaks[TEXT_ABOVE] = above
    if not _before_boundary(lines, end):
        table.breaks[LINE_BELOW] = end
    if not has_body:
        table.breaks[NO_BODY] = None
    return table


def _quiet(line: str) -> bool:
    """A line kramdown takes as a boundary inside what GFM calls a paragraph: a block
    IAL, a ``^``, or Liquid (which may print nothing, and then is a blank line)."""
    return _liquid(line) or _EOB.match(line) is not None or _IAL.match(line) is not None


@dataclass
class TablePlan:
    """kramdown's tables over the top-level paragraphs and GFM tables of a page."""

    #: tables kramdown renders in GFM's shape (one header row, its separator under it)
    rendered: list[KramdownTable] = field(default_factory=list)
    #: each GFM table's first line -> kramdown's reading of it: the rendered table
    #: it is part of, or why kramdown prints it as text; None: kramdown makes no
    #: table of it, or one in a shape finops-lint does not model (no header row).
    gfm_tables: dict[int, KramdownTable | None] = field(default_factory=dict)
    #: first lines of the GFM paragraphs a rendered table replaces
    hidden_paragraphs: set[int] = field(default_factory=set)


def plan_tables(
    lines: Sequence[str], blocks: list[tuple[int, int, bool]], body_first: int
) -> TablePlan:
    """Where kramdown makes tables among ``blocks``: the page's top-level paragraphs
    and GFM tables as (first line, last line, is a table), in page order.

    Blocks with no blank line between them form one region; kramdown starts a table
    only at a region's first line or after a quiet line (``_quiet``) inside it, and
    its table may take in several GFM blocks (a paragraph GFM did not read as a
    table, a GFM table that started mid-paragraph)."""
    out = TablePlan()
    for region in _regions(blocks):
        first, last = region[0][0], region[-1][1]
        covered: list[tuple[int, int, KramdownTable | None]] = []
        line = first
        while line <= last:
            if "|" not in lines[line - 1]:
                line += 1  # no table starts on a line without a pipe (`read_table`)
                continue
            starts_here = line == first or _quiet(lines[line - 2])
            found = read_table(lines, line, body_first) if starts_here else None
            if found is None or found.unrendered is not None:
                line += 1
                continue
            if found.last > last:  # it runs on into a list or heading: not modelled
                covered.append((line, found.last, None))
                break
            kept = found if found.gfm_shaped else None
            covered.append((line, found.last, kept))
            if kept is not None:
                out.rendered.append(kept)
            line = found.last + 1
        for start, end, is_table in region:
            owner = next(((a, t) for a, b, t in covered if a <= end and start <= b), None)
            if owner is not None and owner[1] is not None and not is_table:
                out.hidden_paragraphs.add(start)
            if not is_table:
                continue
            if owner is not None:
                out.gfm_tables[start] = owner[1]
                continue
            found = read_table(lines, start, body_first)
            if found is None or found.unrendered is not None:
                out.gfm_tables[start] = found  # None: kramdown starts no table here
    return out


def nested_text_above(lines: Sequence[str], start: int, body_first: int) -> int | None:
    """For a table in a list item or quote at page line ``start``: the line of text
    right above it in the same block, if any (kramdown then prints it as text). Only
    this edge is checked there: where a list item ends, kramdown's boundaries differ."""
    if start - 1 < body_first:
        return None
    first = CONTAINER_PREFIX.sub("", lines[start - 1]).lstrip()
    if ITEM_MARKER.match(first):
        return None  # the item's first line: a block boundary
    above = CONTAINER_PREFIX.sub("", lines[start - 2]).strip()
    if not above or _liquid(above) or _IAL.match(above) or _EOB.match(above):
        return None
    return start - 1


def _regions(blocks: list[tuple[int, int, bool]]) -> list[list[tuple[int, int, bool]]]:
    regions: list[list[tuple[int, int, bool]]] = []
    for block in blocks:
        if regions and regions[-1][-1][1] + 1 == block[0]:
            regions[-1].append(block)
        else:
            regions.append([block])
    return regions


__all__ = [
    "IN_HTML",
    "ITEM_MARKER",
    "LINE_BELOW",
    "NO_BODY",
    "TEXT_ABOVE",
    "KramdownTable",
    "TablePlan",
    "nested_text_above",
    "plan_tables",
    "read_table",
]
