"""The Markdown body: one markdown-it-py pass for block structure.

Headings (with anchor ids), sections, tables, text blocks and code ranges come
from the block tokens; links come from the positional scanner in links.py.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from finops_lint.parsing.anchors import (
    ATX_KRAMDOWN,
    GFM,
    IAL_BLOCK_LINE,
    SETEXT_UNDERLINE,
    IdGenerator,
    IdOptions,
    atx_contents,
    header_contents,
    html_block_regions,
    ial_id,
)
from finops_lint.parsing.tables import Table, parse_table, plain_text

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

# A container prefix (block quote markers, a list marker) before an ATX header.
_ATX_PREFIX = re.compile(r"[ \t>]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)?[ \t>]*(?=#)")
_LIST_MARKER = re.compile(r"[ \t>]*(?:[-+*]|\d{1,9}[.)])[ \t]+")
_QUOTE_PREFIX = re.compile(r"(?: {0,3}> ?)+")
# An unclosed comment runs to the end (as in HTML): one match, not one per "<!--".
_HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)


@dataclass
class Heading:
    level: int
    text: str  # plain text, explicit id removed
    raw: str  # inline source as written
    line: int
    column: int
    #: the id kramdown gives it on this site ("" when it gets none: auto_ids off, an
    #: empty GFM id, or no header at all in the built page)
    id: str
    explicit_id: str | None = None
    setext: bool = False
    #: False where kramdown makes no header of it (inside raw HTML, no block boundary)
    renders: bool = True
    #: True when the id cannot be known offline (Liquid in the text, transliteration)
    id_unknown: bool = False
    #: the header text kramdown reads (after the marker, without {#id} and closing #s)
    source: str = ""
    in_html: bool = False  # inside an HTML block parsed as Markdown (markdown="1")
    end_line: int = 0  # last source line (a setext header's underline)


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


@dataclass
class Body:
    headings: list[Heading] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    blocks: list[TextBlock] = field(default_factory=list)
    code_ranges: list[tuple[int, int]] = field(default_factory=list)  # 1-based inclusive


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    import markdown_it.parser_block as block_parser
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table")
    # Only block structure is read: heading and cell text come from the source and
    # links from our own scanner, so the inline pass, the inline rules and the
    # reference-definition rule (definitions are scanned with positions) are off.
    md.disable(["inline", "reference"], ignoreInvalid=True)
    # The block parser and each block rule log a debug line per rule per line (some
    # 190 calls per page); a null logger keeps those calls cheap.
    block_parser.LOGGER = _NullLogger()  # type: ignore[assignment]
    for name, module in list(sys.modules.items()):
        if name.startswith("markdown_it.rules_block.") and hasattr(module, "LOGGER"):
            module.LOGGER = _NullLogger()  # type: ignore[attr-defined]
    return md


class _NullLogger:
    def debug(self, *args: object, **kwargs: object) -> None:
        pass


def parse_body(
    lines: list[str], body: str, first_line: int, id_style: IdOptions | str = GFM
) -> Body:
    """Parse the body text (which starts at page line first_line)."""
    out = Body()
    if not body.strip():
        return out
    options = IdOptions.from_style(id_style) if isinstance(id_style, str) else id_style
    tokens = _parser().parse(body)
    offset = first_line - 1
    ial_lines: dict[int, str] = {}  # page line -> the id a block IAL line there sets
    html_block_lines: list[tuple[int, int]] = []
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
            heading = _heading(tok, inline, lines, offset, options, list_depth > 0)
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
            if "{:" in raw:
                _block_ials(raw, start, ial_lines)
            if (
                raw.startswith("#")
                and options.parser != GFM
                and not list_depth
                and not quote_depth
                and lines[start - 1].startswith("#")
            ):
                # kramdown's own ATX header needs no space after the #s ("#Title")
                no_space = _no_space_heading(lines[start - 1], start, options)
                if no_space is not None:
                    out.headings.append(no_space)
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
            html_block_lines.append((start, end))
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
    _assign_ids(out, lines, offset, options, ial_lines, html_block_lines)
    out.sections = _sections(out.headings, out.blocks, out.tables, len(lines))
    return out


def _block_ials(raw: str, start: int, ial_lines: dict[int, str]) -> None:
    """Record the ids set by a paragraph made only of block IAL lines ({: #id})."""
    found: dict[int, str] = {}
    for k, text in enumerate(raw.split("\n")):
        m = IAL_BLOCK_LINE.match(text)
        if m is None:
            return
        hid = ial_id(m.group(1))
        found[start + k] = hid or ""
    ial_lines.update(found)


def _heading(
    tok: Token,
    inline: Token,
    lines: list[str],
    offset: int,
    options: IdOptions,
    in_list: bool,
) -> Heading:
    assert tok.map is not None
    line = tok.map[0] + 1 + offset
    end_line = tok.map[1] + offset
    setext = tok.markup in ("=", "-")
    source_line = lines[line - 1] if line - 1 < len(lines) else ""
    column = (len(source_line) - len(source_line.lstrip(" >"))) + 1
    renders = True
    contents: str | None
    if setext:
        # kramdown's setext header is one line of text and an underline of - and =
        # with nothing before it; CommonMark's may be several lines.
        under = lines[end_line - 1] if end_line - 1 < len(lines) else ""
        under = _QUOTE_PREFIX.sub("", under, count=1) if ">" in under else under
        contents = _QUOTE_PREFIX.sub("", source_line, count=1) if ">" in source_line else None
        contents = (contents if contents is not None else source_line).lstrip(" ")
        if end_line - line != 1 or not SETEXT_UNDERLINE.match(under.rstrip("\n")):
            renders = False
    else:
        prefix = _ATX_PREFIX.match(source_line)
        rest = source_line[prefix.end() :] if prefix else source_line.lstrip(" >")
        contents = atx_contents(rest, options)
        if contents is None:
            renders = False
            contents = rest.lstrip("#").strip(" \t")
        elif prefix and not in_list and prefix.group(0).replace(">", "").strip(" ") == "":
            # kramdown's ATX header starts at the first column of its container
            inner = (
                _QUOTE_PREFIX.sub("", prefix.group(0), count=1)
                if ">" in prefix.group(0)
                else (prefix.group(0))
            )
            if inner.startswith((" ", "\t")):
                renders = False
    text_src, explicit = header_contents(contents, options, not setext)
    if not text_src:
        renders = False
    return Heading(
        level=int(tok.tag[1]),
        text=plain_text(text_src),
        raw=text_src.strip(),
        line=line,
        column=column,
        id="",
        explicit_id=explicit,
        setext=setext,
        renders=renders,
        source=text_src,
        end_line=end_line,
    )


def _no_space_heading(source: str, line: int, options: IdOptions) -> Heading | None:
    m = ATX_KRAMDOWN.match(source)
    if m is None:
        return None
    text_src, explicit = header_contents(m.group(2), options, True)
    if not text_src:
        return None
    return Heading(
        level=len(m.group(1)),
        text=plain_text(text_src),
        raw=text_src.strip(),
        line=line,
        column=1,
        id="",
        explicit_id=explicit,
        source=text_src,
        end_line=line,
    )


def _assign_ids(
    out: Body,
    lines: list[str],
    offset: int,
    options: IdOptions,
    ial_lines: dict[int, str],
    html_block_lines: list[tuple[int, int]],
) -> None:
    """Give each header the id kramdown gives it, in document order."""
    if not out.headings:
        return
    body_lines = lines[offset:]
    skip: set[int] = set()
    for first, last in out.code_ranges:
        skip.update(range(first - 1 - offset, last - offset))
    regions = html_block_regions(body_lines, skip) if html_block_lines else []
    extra: list[Heading] = []
    if regions:
        known = {h.line for h in out.headings}
        for first, last, kind in regions:
            first_line, last_line = first + offset + 1, last + offset + 1
            for h in out.headings:
                if first_line <= h.line <= last_line:
                    if kind == "raw":
                        h.renders = False
                    else:
                        h.in_html = True
            if kind == "markdown" and any(
                a <= last_line and first_line <= b for a, b in html_block_lines
            ):
                # markdown-it read these lines as one HTML block: find their headers
                inner = body_lines[first : last + 1]
                sub = parse_body(inner, "\n".join(inner) + "\n", 1, options)
                for h in sub.headings:
                    h.line += first_line - 1
                    h.end_line += first_line - 1
                    if h.line not in known and h.renders:
                        h.in_html = True
                        extra.append(h)
    if extra:
        out.headings = sorted(out.headings + extra, key=lambda h: h.line)
    link_ids, footnotes = (
        _definitions(lines, skip)
        if any("[" in h.source for h in out.headings)
        else (frozenset(), frozenset())
    )
    ids = IdGenerator(options, link_ids, footnotes)
    for h in out.headings:
        # kramdown's headers (and the GFM parser's setext ones, and its ATX ones
        # without the paragraph_end quirk) must follow a block boundary.
        needs_boundary = h.setext or options.parser != GFM or not options.paragraph_end
        if (
            h.renders
            and needs_boundary
            and not _at_block_boundary(lines, h.line, ial_lines, offset + 1)
        ):
            h.renders = False
        if not h.renders:
            continue
        after = None
        k = h.end_line + 1
        while k in ial_lines:  # consecutive IAL lines all apply: the last id wins
            after = ial_lines[k] or after
            k += 1
        before = ial_lines.get(h.line - 1)
        if after:
            h.explicit_id = after
        elif (
            h.explicit_id is None
            and before
            and _at_block_boundary(lines, h.line - 1, {}, offset + 1)
        ):
            h.explicit_id = before
        if h.explicit_id is not None:
            h.id = h.explicit_id
            continue
        if "{{" in h.source or "{%" in h.source:
            h.id_unknown = True  # Liquid runs before kramdown: the text is not known here
        hid = ids.next_id(h.source, h.in_html)
        if hid is None:
            h.id_unknown = h.id_unknown or options.auto_ids
            h.id = ""
        else:
            h.id = hid


def _at_block_boundary(
    lines: list[str], line: int, ial_lines: dict[int, str], first: int = 1
) -> bool:
    """kramdown's after_block_boundary? for the block starting at page line ``line``
    (``first`` is the body's first line)."""
    if line <= first or line - 2 >= len(lines):
        return True
    here = lines[line - 1]
    if _LIST_MARKER.match(here):
        return True  # the first block of a list item
    prev = lines[line - 2]
    if not prev.replace(">", "").strip():
        return True
    if (line - 1) in ial_lines:
        return True
    here_quote = _QUOTE_PREFIX.match(here) is not None
    prev_quote = _QUOTE_PREFIX.match(prev) is not None
    if here_quote != prev_quote:
        return True  # the first block in a block quote
    return prev.lstrip(" >").startswith("<")  # after an HTML block's start or end tag


_LINK_DEF = re.compile(r" {0,3}\[([^\n\]]+)\]:[ \t]*\S")
_FOOTNOTE_DEF = re.compile(r" {0,3}\[\^(\w[\w-]*)\]:", re.ASCII)


def _definitions(lines: list[str], skip: set[int]) -> tuple[frozenset[str], frozenset[str]]:
    """Link ids and footnote names defined in the page (kramdown reads them all first)."""
    links: set[str] = set()
    notes: set[str] = set()
    for k, line in enumerate(lines):
        if "]:" not in line or k in skip:
            continue
        f = _FOOTNOTE_DEF.match(line)
        if f:
            notes.add(f.group(1))
            continue
        m = _LINK_DEF.match(line)
        if m:
            links.add(re.sub(r"[ \t\n\r\f\v]+", " ", m.group(1)).lower())
    return frozenset(links), frozenset(notes)


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
