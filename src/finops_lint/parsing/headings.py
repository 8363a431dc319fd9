"""Headings as kramdown makes them: which lines are headers, their text and ids
(GFM or kramdown rules, explicit `{#id}` and block IALs, duplicates, headers
inside HTML blocks). Called by ``markdown.parse_body`` with its block tokens."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from finops_lint.parsing.anchors import (
    ATX_KRAMDOWN,
    IAL_BLOCK_LINE,
    SETEXT_UNDERLINE,
    IdOptions,
    atx_contents,
    header_contents,
    ial_id,
)
from finops_lint.parsing.tables import plain_text
from finops_lint.regex import lazy

if TYPE_CHECKING:
    from markdown_it.token import Token

# A container prefix (block quote markers, a list marker) before an ATX header.
_ATX_PREFIX = re.compile(r"[ \t>]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)?[ \t>]*(?=#)")
_LIST_MARKER = lazy(r"[ \t>]*(?:[-+*]|\d{1,9}[.)])[ \t]+")
_QUOTE_PREFIX = re.compile(r"(?: {0,3}> ?)+")
# An unclosed comment runs to the end (as in HTML): one match, not one per "<!--".
HTML_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)


@dataclass
class Heading:
    """A heading as the site renders it: level, text, id, where it is."""

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


def block_ials(raw: str, start: int, ial_lines: dict[int, str]) -> None:
    """Record the ids set by a paragraph made only of block IAL lines ({: #id})."""
    found: dict[int, str] = {}
    for k, text in enumerate(raw.split("\n")):
        m = IAL_BLOCK_LINE.match(text)
        if m is None:
            return
        hid = ial_id(m.group(1))
        found[start + k] = hid or ""
    ial_lines.update(found)


def heading_of(
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


def no_space_heading(source: str, line: int, options: IdOptions) -> Heading | None:
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


def at_block_boundary(
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


def reference_definitions(
    lines: list[str], skip: set[int]
) -> tuple[frozenset[str], frozenset[str]]:
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
