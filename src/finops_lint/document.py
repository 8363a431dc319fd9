"""Document: one page, parsed once. Rules look at this, never at files."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from finops_lint import regex
from finops_lint.parsing.anchors import IdOptions, footnote_ids
from finops_lint.parsing.frontmatter import FrontMatter, ReadFrontMatter, parse_front_matter
from finops_lint.parsing.headings import Heading
from finops_lint.parsing.html_links import html_ids, scan_html_links
from finops_lint.parsing.links import (
    LineIndex,
    Link,
    Malformed,
    RefDefinition,
    line_starts,
    scan_definitions,
    scan_links,
    strip_liquid,
)
from finops_lint.parsing.markdown import Body, RawHtml, Section, TextBlock, parse_body
from finops_lint.parsing.masking import (
    blank,
    code_span_spans,
    comment_spans,
    kramdown_spans,
    mask_spans,
)
from finops_lint.parsing.tables import Table, plain_text
from finops_lint.parsing.text import DecodeError, decode_page

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd", ".mkdn"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
PAGE_SUFFIXES = MARKDOWN_SUFFIXES | HTML_SUFFIXES


def is_text_file(rel_path: str) -> bool:
    """Files read as plain text (data files, _redirects, styles): not pages.

    Everything under `_data/` is data, whatever its suffix; elsewhere, files that
    are neither Markdown nor HTML. Their lines are kept (merge-conflict markers,
    data-file rules); no front matter, no Markdown.
    """
    if rel_path.startswith("_data/"):
        return True
    return name_parts(rel_path)[1].lower() not in PAGE_SUFFIXES


def is_markdown_path(rel_path: str) -> bool:
    """Whether a page at this path is parsed as Markdown (`Document.is_markdown`)."""
    return name_parts(rel_path)[1].lower() in MARKDOWN_SUFFIXES


def name_parts(rel_path: str) -> tuple[str, str]:
    """`PurePosixPath(rel_path)`'s stem and suffix, from the string alone, for a
    discovered file's path (no empty, "." or ".." part): every page asks, and making
    the path took 6 us of each page's parse."""
    name = rel_path.rsplit("/", 1)[-1]
    dot = name.rfind(".")
    if 0 < dot < len(name) - 1:
        return name[:dot], name[dot:]
    return name, ""


@dataclass
class Document:
    """A parsed page: its text, front matter and body parts (what rules read)."""

    path: str  # as shown to the user (relative to the current directory when possible)
    rel_path: str  # posix path relative to the site root
    text: str
    lines: list[str]
    front_matter: FrontMatter
    is_markdown: bool
    decode_error: DecodeError | None = None
    headings: list[Heading] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    blocks: list[TextBlock] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    malformed_links: list[Malformed] = field(default_factory=list)
    definitions: dict[str, RefDefinition] = field(default_factory=dict)
    #: `[label]: url` lines right under a line of text: paragraph text, no definitions
    glued_definitions: dict[str, RefDefinition] = field(default_factory=dict)
    #: definitions under a line of text that stand only if jekyll-relative-links
    #: rewrites one of these paths (`definition_stands` in rules/link_syntax.py)
    conditional_definitions: dict[str, tuple[str, ...]] = field(default_factory=dict)
    used_labels: set[str] = field(default_factory=set)
    html_ids: list[str] = field(default_factory=list)
    footnote_ids: list[str] = field(default_factory=list)  # fn:NAME, fnref:NAME kramdown writes
    code_ranges: list[tuple[int, int]] = field(default_factory=list)
    masked: str = ""  # text with front matter, code, comments blanked (same offsets)
    #: links inside HTML comments: not rendered now, broken the day they are uncommented
    commented_links: list[Link] = field(default_factory=list)
    #: block HTML kramdown leaves as HTML (first line, last line, tag): Markdown in
    #: it is printed as text
    raw_html: RawHtml = field(default_factory=RawHtml)
    #: Markdown links (and images) inside ``raw_html``: text on the page, no links
    links_as_text: list[Link] = field(default_factory=list)
    #: Markdown headings inside ``raw_html``: text on the page, no headings
    headings_as_text: list[Heading] = field(default_factory=list)
    #: merged front matter (Jekyll defaults + page); set by the engine
    data: dict[str, Any] = field(default_factory=dict)
    #: a plain text file (a `_data/` file, `_redirects`...), not a page: lines only
    is_text: bool = False

    @property
    def body_start_line(self) -> int:
        """The first body line; never past the last line (a page that is only '---')."""
        if not self.front_matter.present:
            return 1
        return min(self.front_matter.body_start_line, max(1, len(self.lines)))

    def visible_lines(self, first: int, last: int) -> list[str]:
        """Page lines first..last (1-based) with code, comments and front matter blanked."""
        if not self.masked:
            return self.lines[first - 1 : last]
        return self._masked_lines[first - 1 : last]

    @cached_property
    def _masked_lines(self) -> list[str]:
        return self.masked.split("\n")

    @cached_property
    def block_texts(self) -> list[str]:
        """Each block's text as a reader sees it, in ``blocks`` order: no code spans,
        HTML comments, Liquid or block markers (``>``, ``-``, ``1.``, ``##``, a
        heading's closing ``#``s and ``{#id}``), whitespace collapsed to one space."""
        lines = self._masked_lines if self.masked else self.lines
        markdown = self.is_markdown
        return [_visible_block_text(lines, markdown, block) for block in self.blocks]

    @cached_property
    def visible_text(self) -> str:
        """``block_texts`` one per line: a pattern with no match here (in multi-line
        mode) matches no block, so a rule can rule a page out with one search."""
        return "\n".join(self.block_texts)

    @cached_property
    def visible_text_folded(self) -> str:
        """``visible_text`` case-folded, for substring prefilters."""
        return regex.fold(self.visible_text)

    @property
    def has_dynamic_ids(self) -> bool:
        """Ids made by Liquid (id="{{ x.identifier }}", a heading with Liquid in it) or
        by a transliteration only Ruby knows: the page's anchors are unknowable."""
        return any("{{" in i or "{%" in i for i in self.html_ids) or any(
            h.id_unknown for h in self.headings
        )

    def anchors(self) -> set[str]:
        """Every fragment id this page answers to in the built site: one id per
        rendered heading (the site's parser's rule), explicit ids and HTML ids."""
        ids: set[str] = {h.id for h in self.headings if h.renders and h.id}
        ids.update(self.html_ids)
        ids.update(self.footnote_ids)
        return ids


_HEADING_TAIL = re.compile(r"\{:?\s*#[^{}]*\}\s*$|(?<!\s)\s+#+\s*$")
_BLOCK_MARKERS = re.compile(r"^\s*(?:>\s*)*(?:#{1,6}\s+|[-*+]\s+|\d{1,9}[.)]\s+)?")


def _visible_block_text(lines: list[str], markdown: bool, block: TextBlock) -> str:
    """A block's text from the page's visible lines (`Document.visible_lines`, all)."""
    if block.kind == "html" and not markdown:
        text = block.text
    else:
        # A line that starts with a letter has no marker (nor space) to remove.
        if block.line == block.end_line:  # (most blocks: no join)
            ln = lines[block.line - 1] if 0 < block.line <= len(lines) else ""
            text = ln if ln[:1].isalpha() else _BLOCK_MARKERS.sub("", ln, count=1)
        else:
            text = " ".join(
                ln if ln[:1].isalpha() else _BLOCK_MARKERS.sub("", ln, count=1)
                for ln in lines[block.line - 1 : block.end_line]
            )
        text = plain_text(text)
        if block.kind == "heading":
            text = _HEADING_TAIL.sub("", text).strip()
        if "{" not in text:
            return text  # plain_text collapsed the whitespace; the tail went from the end
    if "{" in text:
        text = strip_liquid(text)
    return " ".join(text.split())


def parse_document(
    data: bytes,
    path: str,
    rel_path: str,
    *,
    id_style: IdOptions | str = "gfm",
    front_matter: ReadFrontMatter | None = None,
) -> Document:
    """Parse bytes into a Document. Never raises for bad content. `front_matter`: its
    front matter as read before (`parse_front_matter`'s `ready`)."""
    is_markdown = is_markdown_path(rel_path)
    text, error = decode_page(data)
    if text is None:
        return Document(path, rel_path, "", [], FrontMatter(), is_markdown, decode_error=error)
    if is_text_file(rel_path):
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        return Document(path, rel_path, text, lines, FrontMatter(), False, is_text=True)
    return parse_text(
        text,
        path,
        rel_path,
        id_style=id_style,
        is_markdown=is_markdown,
        front_matter=front_matter,
    )


def parse_text(
    text: str,
    path: str,
    rel_path: str,
    *,
    id_style: IdOptions | str = "gfm",
    is_markdown: bool = True,
    front_matter: ReadFrontMatter | None = None,
) -> Document:
    fm = parse_front_matter(text, front_matter)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    doc = Document(path, rel_path, text, lines, fm, is_markdown)
    doc.data = dict(fm.data)
    body_offset = fm.body_offset if fm.present else 0
    if not is_markdown:
        # HTML pages take part in the site (front matter, ids) but their bodies
        # are not linted as Markdown; their visible text is still read for
        # placeholder prose.
        doc.blocks = _html_text_blocks(text, body_offset)
        spans = comment_spans(text) + [m.span() for m in _SCRIPT_STYLE.finditer(text)]
        if body_offset:
            spans.append((0, body_offset))
        doc.masked = mask_spans(text, spans)
        doc.html_ids = html_ids(doc.masked)  # not in comments, scripts or front matter
        doc.links = scan_html_links(doc.masked, LineIndex(text))
        return doc
    body = text[body_offset:]
    parsed: Body = parse_body(lines, body, doc.body_start_line, id_style)
    doc.headings = parsed.headings
    doc.sections = parsed.sections
    doc.tables = parsed.tables
    doc.blocks = parsed.blocks
    doc.code_ranges = parsed.code_ranges
    starts = line_starts(lines)
    doc.masked = _mask(text, body_offset, starts, len(lines), parsed)
    index = LineIndex(text, starts)
    # Masked to white space (front matter alone, most pages of a big site): no link,
    # definition, id or footnote to find in it, and their scans are left out.
    blank_page = doc.masked.isspace()
    if not blank_page:
        doc.definitions = scan_definitions(
            doc.masked, index, doc.glued_definitions, doc.conditional_definitions
        )
        doc.links, doc.malformed_links, doc.used_labels = scan_links(
            doc.masked, index, doc.definitions
        )
    if parsed.raw_html:
        doc.raw_html = parsed.raw_html
        doc.headings_as_text = parsed.headings_as_text
        doc.links, doc.links_as_text = _split_raw(doc.links, parsed.raw_html)
    if not blank_page:
        doc.html_ids = html_ids(doc.masked)
        options = IdOptions.from_style(id_style) if isinstance(id_style, str) else id_style
        doc.footnote_ids = footnote_ids(doc.masked, options.footnote_prefix)
    if "<!--" in text:
        doc.commented_links = _commented_links(text, body_offset, index, doc.definitions)
    return doc


def _commented_links(
    text: str, body_offset: int, index: LineIndex, definitions: dict[str, RefDefinition]
) -> list[Link]:
    """Links written inside HTML comments (the comment markers themselves blanked)."""
    inside: list[tuple[int, int]] = []
    for start, end in comment_spans(text[body_offset:]):
        start += body_offset
        end += body_offset
        if text.startswith("<!--", start):
            inner_end = end - 3 if text.endswith("-->", 0, end) else end
            inner = text[start + 4 : inner_end]
            if "](" in inner or "]:" in inner or "][" in inner or "<" in inner:
                inside.append((start + 4, inner_end))  # only comments that may hold links
    if not inside:
        return []
    keep_spans = []
    pos = 0
    for start, end in sorted(inside):
        keep_spans.append((pos, start))
        pos = end
    keep_spans.append((pos, len(text)))
    only_comments = mask_spans(text, keep_spans)
    links, _bad, _used = scan_links(only_comments, index, definitions)
    return links


_SCRIPT_STYLE = re.compile(r"<(script|style)\b.*?</\1\s*>", re.DOTALL | re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>", re.DOTALL)


def _html_text_blocks(text: str, body_offset: int) -> list[TextBlock]:
    """The visible text of an HTML page, one block per source line."""
    body = text[body_offset:]
    spans = comment_spans(body) + [m.span() for m in _SCRIPT_STYLE.finditer(body)]
    body = mask_spans(body, spans)
    body = _TAG.sub(lambda m: blank(m.group(0), 0, len(m.group(0))), body)
    first = text.count("\n", 0, body_offset) + 1
    blocks = []
    for number, line in enumerate(body.split("\n"), start=first):
        visible = strip_liquid(line).strip()
        if len(visible) > 1:
            blocks.append(TextBlock("html", number, number, line, " ".join(visible.split())))
    return blocks


def _split_raw(links: list[Link], raw_html: RawHtml) -> tuple[list[Link], list[Link]]:
    """(links, Markdown link syntax inside block HTML that kramdown leaves as HTML)."""
    kept: list[Link] = []
    as_text: list[Link] = []
    for link in links:
        inside = link.syntax in ("inline", "reference", "autolink") and raw_html.at(link.line)
        (as_text if inside else kept).append(link)
    return kept, as_text


def _mask(text: str, body_offset: int, starts: list[int], count: int, body: Body) -> str:
    """The text with front matter, code, comments and kramdown's own syntax blanked;
    `starts`: `line_starts` of its `count` lines."""
    spans: list[tuple[int, int]] = []
    if body_offset:
        spans.append((0, body_offset))
    for first, last in body.code_ranges:
        a = starts[first - 1]
        b = starts[min(last, count)] - 1
        spans.append((a, max(a, b)))
    spans.extend(comment_spans(text))
    spans.extend((a + body_offset, b + body_offset) for a, b in kramdown_spans(text[body_offset:]))
    for block in body.blocks:
        if block.kind == "paragraph" and "`" in block.raw:
            a = starts[block.line - 1]
            b = starts[min(block.end_line, count)]
            spans.extend(code_span_spans(text[a:b], a))
    for table in body.tables:
        a = starts[table.line - 1]
        b = starts[min(table.end_line, count)]
        if "`" in text[a:b]:
            spans.extend(code_span_spans(text[a:b], a))
    masked = mask_spans(text, spans)
    assert len(masked) == len(text)
    return masked


__all__ = ["Document", "parse_document", "parse_text"]
