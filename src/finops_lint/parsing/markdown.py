"""The Markdown body: one markdown-it-py pass for block structure.

Headings (with anchor ids), sections, tables, text blocks and code ranges come
from the block tokens; links come from the positional scanner in links.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from finops_lint.parsing.anchors import IdGenerator, gfm_base_id, kramdown_base_id
from finops_lint.parsing.tables import Table, parse_table, plain_text

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# The id is followed by "}" or by whitespace and more attributes: the two parts
# cannot overlap, and "{" ends a failed attempt, so long headings stay linear.
_EXPLICIT_ID = re.compile(r"\{:?\s*#([A-Za-z][\w:.-]*)(?:\s[^{}]*)?\}\s*$")
_IAL_LINE = re.compile(r"^\s*\{:\s*#([A-Za-z][\w:.-]*)(?:\s[^{}]*)?\}\s*$")
# Only tried where a run of whitespace starts (not inside one): linear in the line.
_TRAILING_HASHES = re.compile(r"(?<!\s)\s+#+\s*$")
# An unclosed comment runs to the end (as in HTML): one match, not one per "<!--".
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)


@dataclass
class Heading:
    level: int
    text: str  # plain text, explicit id removed
    raw: str  # inline source as written
    line: int
    column: int
    id: str  # the id the configured converter gives it
    alt_ids: tuple[str, ...] = ()  # ids other converters would give (anchors accept these too)
    explicit_id: str | None = None
    setext: bool = False


@dataclass
class Section:
    heading: Heading
    index: int  # index in Document.headings
    start_line: int  # the heading line
    end_line: int  # last line before the next heading of the same or a higher level
    content_end_line: int  # last line before the next heading of any level
    has_own_content: bool  # prose/lists/tables before the first sub-heading
    children: list[int] = field(default_factory=list)  # indexes of direct sub-sections


@dataclass
class TextBlock:
    """A run of inline text: a paragraph, list item paragraph, heading or block quote."""

    kind: str  # paragraph | heading | html
    line: int
    end_line: int
    raw: str
    text: str
    in_list: bool = False
    in_quote: bool = False
    clean: str | None = None  # text without Liquid/comments, filled in by the first rule


@dataclass
class Body:
    headings: list[Heading] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    blocks: list[TextBlock] = field(default_factory=list)
    code_ranges: list[tuple[int, int]] = field(default_factory=list)  # 1-based inclusive
    html_ranges: list[tuple[int, int]] = field(default_factory=list)


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    import markdown_it.parser_block as block_parser
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table")
    # Only block structure is read: heading and cell text come from the source and
    # links from our own scanner, so the inline pass, the inline rules and the
    # reference-definition rule (definitions are scanned with positions) are off.
    md.disable(["inline", "reference"], ignoreInvalid=True)
    # The block parser logs a debug line per rule per line (about 60,000 calls on
    # the framework site); a null logger keeps those calls free.
    block_parser.LOGGER = _NullLogger()  # type: ignore[assignment]
    return md


class _NullLogger:
    def debug(self, *args: object, **kwargs: object) -> None:
        pass


def parse_body(lines: list[str], body: str, first_line: int, id_style: str) -> Body:
    """Parse the body text (which starts at page line first_line)."""
    out = Body()
    if not body.strip():
        return out
    tokens = _parser().parse(body)
    offset = first_line - 1
    ids = IdGenerator(id_style)
    other = IdGenerator("gfm" if id_style != "gfm" else "kramdown")
    list_depth = 0
    quote_depth = 0
    last_heading: Heading | None = None
    i = 0
    n = len(tokens)
    while i < n:
        tok = tokens[i]
        ttype = tok.type
        if ttype == "bullet_list_open" or ttype == "ordered_list_open":
            list_depth += 1
        elif ttype == "bullet_list_close" or ttype == "ordered_list_close":
            list_depth -= 1
        elif ttype == "blockquote_open":
            quote_depth += 1
        elif ttype == "blockquote_close":
            quote_depth -= 1
        elif ttype == "heading_open" and tok.map:
            inline = tokens[i + 1]
            heading = _heading(tok, inline, lines, offset, ids, other)
            out.headings.append(heading)
            out.blocks.append(
                TextBlock(
                    "heading",
                    heading.line,
                    heading.line,
                    heading.raw,
                    heading.text,
                    list_depth > 0,
                    quote_depth > 0,
                )
            )
            last_heading = heading
            i += 3
            continue
        elif ttype == "paragraph_open" and tok.map:
            inline = tokens[i + 1]
            start, end = tok.map[0] + 1 + offset, tok.map[1] + offset
            raw = inline.content
            ial = _IAL_LINE.match(raw)
            if ial and last_heading is not None and last_heading.line == start - 1:
                last_heading.explicit_id = ial.group(1)
                last_heading.id = ial.group(1)
            out.blocks.append(
                TextBlock(
                    "paragraph", start, end, raw, plain_text(raw), list_depth > 0, quote_depth > 0
                )
            )
            i += 3
            continue
        elif ttype == "table_open" and tok.map:
            start, end = tok.map[0] + 1 + offset, tok.map[1] + offset
            table = parse_table(lines, start, end)
            if table is not None:
                if last_heading is not None:
                    table.heading = last_heading.text
                    table.heading_line = last_heading.line
                out.tables.append(table)
        elif (ttype == "fence" or ttype == "code_block") and tok.map:
            out.code_ranges.append((tok.map[0] + 1 + offset, tok.map[1] + offset))
        elif ttype == "html_block" and tok.map:
            start, end = tok.map[0] + 1 + offset, tok.map[1] + offset
            out.html_ranges.append((start, end))
            out.blocks.append(
                TextBlock(
                    "html",
                    start,
                    end,
                    tok.content,
                    plain_text(tok.content),
                    list_depth > 0,
                    quote_depth > 0,
                )
            )
        i += 1
    out.sections = _sections(out.headings, out.blocks, out.tables, len(lines))
    return out


def _heading(
    tok: Token,
    inline: Token,
    lines: list[str],
    offset: int,
    ids: IdGenerator,
    other: IdGenerator,
) -> Heading:
    assert tok.map is not None
    line = tok.map[0] + 1 + offset
    raw = inline.content
    setext = tok.markup in ("=", "-")
    explicit = None
    m = _EXPLICIT_ID.search(raw)
    if m:
        explicit = m.group(1)
        raw = raw[: m.start()]
    raw = _TRAILING_HASHES.sub("", raw)
    text = plain_text(raw)
    source = lines[line - 1] if line - 1 < len(lines) else ""
    column = (len(source) - len(source.lstrip(" >"))) + 1
    if explicit:
        ids.reserve(explicit)
        other.reserve(explicit)
        hid = explicit
        alt: tuple[str, ...] = ()
    else:
        hid = ids.next_id(text)
        alt = (other.next_id(text),)
        base_alt = gfm_base_id(text) if ids.style != "gfm" else kramdown_base_id(text)
        if base_alt not in alt:
            alt = (*alt, base_alt)
    return Heading(
        level=int(tok.tag[1]),
        text=text,
        raw=raw.strip(),
        line=line,
        column=column,
        id=hid,
        alt_ids=alt,
        explicit_id=explicit,
        setext=setext,
    )


def _sections(
    headings: list[Heading], blocks: list[TextBlock], tables: list[Table], last_line: int
) -> list[Section]:
    sections: list[Section] = []
    content_lines = sorted(
        [b.line for b in blocks if b.kind != "heading" and _is_content(b)]
        + [t.line for t in tables]
    )
    from bisect import bisect_right

    # A section ends before the next heading of the same or a higher level: one
    # pass with a stack of open headings (linear in the number of headings).
    ends = [last_line] * len(headings)
    open_headings: list[int] = []
    for idx, h in enumerate(headings):
        while open_headings and headings[open_headings[-1]].level >= h.level:
            ends[open_headings.pop()] = h.line - 1
        open_headings.append(idx)
    for idx, h in enumerate(headings):
        content_end = headings[idx + 1].line - 1 if idx + 1 < len(headings) else last_line
        k = bisect_right(content_lines, h.line)
        own = k < len(content_lines) and content_lines[k] <= content_end
        sections.append(Section(h, idx, h.line, ends[idx], content_end, own))
    stack: list[Section] = []
    for sec in sections:
        while stack and stack[-1].heading.level >= sec.heading.level:
            stack.pop()
        if stack:
            stack[-1].children.append(sec.index)
        stack.append(sec)
    return sections


def _is_content(block: TextBlock) -> bool:
    if block.kind == "html":
        stripped = _HTML_COMMENT.sub("", block.raw).strip()
        return bool(stripped)
    return bool(block.raw.strip())
