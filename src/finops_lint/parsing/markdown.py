"""The Markdown body: one markdown-it-py pass for block structure.

Headings (with anchor ids), sections, tables, text blocks and code ranges come
from the block tokens; links come from the positional scanner in links.py.
"""

from __future__ import annotations

import re
import sys
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, Protocol, overload

from finops_lint.parsing import simple_lists, simple_paragraphs
from finops_lint.parsing.anchors import (
    GFM,
    IdGenerator,
    IdOptions,
    html_block_regions,
)
from finops_lint.parsing.block_state import state_class
from finops_lint.parsing.kramdown_tables import (
    IN_HTML,
    ITEM_MARKER,
    TEXT_ABOVE,
    KramdownTable,
    TablePlan,
    nested_text_above,
    plan_tables,
)
from finops_lint.parsing.tables import Table, parse_table, plain_text

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

from finops_lint.parsing.headings import (
    HTML_COMMENT,
    Heading,
    at_block_boundary,
    block_ials,
    heading_of,
    no_space_heading,
    reference_definitions,
)


@dataclass
class Section:
    """A heading and the lines it heads, up to the next heading of its level or higher."""

    heading: Heading
    index: int  # index in Document.headings
    start_line: int  # the heading line
    end_line: int  # last line before the next heading of the same or a higher level
    content_end_line: int  # last line before the next heading of any level
    has_own_content: bool  # prose/lists/tables before the first sub-heading
    children: list[int] = field(default_factory=list)  # indexes of direct sub-sections


class TextBlock:
    """A run of inline text: a paragraph, list item paragraph, heading or block quote.

    Its `text` (the raw text without markup) is given, or made from `raw` with
    `plain_text` when first read: few rules read it, and making it for every
    paragraph of every page was about 5% of parsing a page with a body."""

    __slots__ = ("_text", "end_line", "in_list", "in_quote", "kind", "line", "raw")

    def __init__(
        self,
        kind: str,  # paragraph | heading | html
        line: int,
        end_line: int,
        raw: str,
        text: str | None = None,  # None: plain_text(raw)
        in_list: bool = False,
        in_quote: bool = False,
    ) -> None:
        self.kind = kind
        self.line = line
        self.end_line = end_line
        self.raw = raw
        self._text = text
        self.in_list = in_list
        self.in_quote = in_quote

    @property
    def text(self) -> str:
        text = self._text
        if text is None:
            text = self._text = plain_text(self.raw)
        return text

    def __repr__(self) -> str:
        return (
            f"TextBlock({self.kind!r}, {self.line}, {self.end_line}, {self.raw!r}, "
            f"{self.text!r}, in_list={self.in_list}, in_quote={self.in_quote})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TextBlock):
            return NotImplemented
        return all(getattr(self, a) == getattr(other, a) for a in _BLOCK_FIELDS)

    __hash__ = None  # type: ignore[assignment]  # (as the dataclass it was: mutable)


_BLOCK_FIELDS = ("kind", "line", "end_line", "raw", "text", "in_list", "in_quote")


@dataclass(frozen=True)
class RawHtml:
    """Block HTML whose content kramdown leaves as HTML (no markdown="1"): page lines
    (first, last) and the opening tag's name, in page order; Markdown in it is
    printed as text. ``at`` finds the block holding a line by bisection."""

    blocks: tuple[tuple[int, int, str], ...] = ()

    @classmethod
    def of(cls, blocks: list[tuple[int, int, str]]) -> RawHtml:
        return cls(tuple(sorted(blocks)))

    @cached_property
    def _starts(self) -> list[int]:
        return [b[0] for b in self.blocks]

    def at(self, line: int) -> tuple[int, int, str] | None:
        i = bisect_right(self._starts, line) - 1
        return self.blocks[i] if i >= 0 and self.blocks[i][1] >= line else None

    def __bool__(self) -> bool:
        return bool(self.blocks)


@dataclass
class Body:
    """What the parse of a page's Markdown found: headings, sections, tables, blocks."""

    headings: list[Heading] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    blocks: list[TextBlock] = field(default_factory=list)
    code_ranges: list[tuple[int, int]] = field(default_factory=list)  # 1-based inclusive
    raw_html: RawHtml = field(default_factory=RawHtml)
    #: Markdown headings inside ``raw_html``: text on the page
    headings_as_text: list[Heading] = field(default_factory=list)


class BlockParser(Protocol):
    def parse(self, src: str) -> list[Token]: ...


class _BlockOnly:
    """markdown-it's block parser without the rest of markdown-it.

    Only block structure is read: heading and cell text come from the source and
    links from our own scanner, so the core rules other than "normalize" and
    "block", the inline parser and the renderer are never run. `MarkdownIt`
    builds and imports all of them (the inline rules, the HTML entity table,
    mdurl, punycode...: about a third of a one-page run's markdown-it cost).
    This object is what the block rules read from their `state.md`: `block`,
    `options` and `md["block"]`; tests/test_startup_imports.py checks the
    tokens equal `MarkdownIt`'s on the corpus and the fixtures.
    """

    def __init__(self, fast_rules: bool = True) -> None:
        from markdown_it.parser_block import ParserBlock
        from markdown_it.presets import commonmark
        from markdown_it.utils import OptionsDict

        # as MarkdownIt("commonmark", {"html": True, "linkify": False})
        # .enable("table").disable(["inline", "reference"]) configures them
        preset = commonmark.make()
        self.options = OptionsDict({**preset["options"], "html": True, "linkify": False})
        self.block = ParserBlock()
        rules = [r for r in preset["components"]["block"]["rules"] if r != "reference"]
        self.block.ruler.enableOnly([*rules, "table"])
        if fast_rules:  # the same tokens: most lists and paragraphs made directly
            self.block.ruler.before("list", "simple_bullet_list", simple_lists.simple_bullet_list)
            # first: the table rule is the first block rule markdown-it tries
            self.block.ruler.before("table", "simple_paragraph", simple_paragraphs.simple_paragraph)
        self.state = state_class()  # makes tokens directly

    def __getitem__(self, name: str) -> Any:
        return getattr(self, name)  # StateBlock reads md["block"]

    def parse(self, src: str) -> list[Token]:
        # the core "normalize" rule: \r\n and \r end a line, NUL is U+FFFD
        if "\r" in src:
            src = src.replace("\r\n", "\n").replace("\r", "\n")
        if "\0" in src:
            src = src.replace("\0", "\ufffd")
        tokens: list[Token] = []
        if src:  # `ParserBlock.parse`, with our state
            state = self.state(src, self, {}, tokens)
            self.block.tokenize(state, state.line, state.lineMax)
        return tokens


#: A text with a block of each kind the fast rules take, and of some they decline.
PROBE = simple_lists.PROBE + "\n" + simple_paragraphs.PROBE


def same_tokens(fast: Callable[[str], list[Any]], slow: Callable[[str], list[Any]]) -> bool:
    """Whether the parser with the fast rules gives the tokens of the one without them
    for `PROBE` (tokens are dataclasses: equal when every field is; about 1 ms)."""
    return bool(fast(PROBE) == slow(PROBE))


def _defer_package_init() -> None:
    """Let `markdown_it.parser_block` be imported without `markdown_it/__init__.py`.

    The package's `__init__` imports `markdown_it.main`, and that imports every
    part of markdown-it. The package is put in `sys.modules` unexecuted; its
    `__init__` runs on the first attribute the package lacks (`from markdown_it
    import MarkdownIt`, `markdown_it.__version__`), so any other user of
    markdown-it still gets the whole package.
    """
    if "markdown_it" in sys.modules:
        return
    import importlib.util
    from importlib.machinery import PathFinder

    spec = importlib.util.find_spec("markdown_it")
    if spec is None or spec.loader is None:  # pragma: no cover - a broken install
        return
    package = importlib.util.module_from_spec(spec)
    loader = spec.loader
    started = False

    def __getattr__(name: str) -> Any:
        nonlocal started
        # A submodule being imported is looked up on the package first: that must
        # not run the package's __init__ (which imports the module being loaded).
        if not started and PathFinder.find_spec(f"markdown_it.{name}", package.__path__) is None:
            started = True
            loader.exec_module(package)
            if name in package.__dict__:
                return package.__dict__[name]
        raise AttributeError(f"module 'markdown_it' has no attribute {name!r}")

    package.__getattr__ = __getattr__  # type: ignore[method-assign]
    sys.modules["markdown_it"] = package


def full_parser() -> MarkdownIt:
    """The same parser as `MarkdownIt` (what `_BlockOnly` is tested against)."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable("table")
    md.disable(["inline", "reference"], ignoreInvalid=True)
    return md


@lru_cache(maxsize=1)
def _parser() -> BlockParser:
    deferred = "markdown_it" not in sys.modules
    try:
        _defer_package_init()
        parser: BlockParser = _BlockOnly()
        if not same_tokens(parser.parse, _BlockOnly(fast_rules=False).parse):
            parser = _BlockOnly(fast_rules=False)  # a markdown-it-py whose rules differ
    except Exception:  # pragma: no cover - a markdown-it-py whose internals moved
        if deferred:  # import it again, the ordinary way
            for name in [n for n in sys.modules if n.partition(".")[0] == "markdown_it"]:
                del sys.modules[name]
        parser = full_parser()
    import markdown_it.parser_block as block_parser

    # The block parser and each block rule log a debug line per rule per line (some
    # 190 calls per page); a null logger keeps those calls cheap.
    block_parser.LOGGER = _NullLogger()  # type: ignore[assignment]
    for name, module in list(sys.modules.items()):
        if name.startswith("markdown_it.rules_block.") and hasattr(module, "LOGGER"):
            module.LOGGER = _NullLogger()  # type: ignore[attr-defined]
    _split_rows_fast()
    return parser


def _split_rows_fast() -> None:
    """Give markdown-it's table rule a row splitter that, for a row without a
    backslash, is `str.split("|")`.

    Its `escapedSplit` walks the row a character at a time in Python (a tenth of the
    block parse on the framework's pages); with no backslash nothing is escaped, and
    every `|` ends a cell, which is what `str.split` does. Rows with a backslash go to
    the library's own function. tests/test_fast_paths.py holds the two equal.
    """
    # (the module, not the `table` function its package exports under that name)
    table_rule = sys.modules.get("markdown_it.rules_block.table")
    original = getattr(table_rule, "escapedSplit", None)
    if original is None or getattr(original, "fast_path", False):
        return  # a markdown-it-py without it, or done already

    def escaped_split(string: str) -> list[str]:
        if "\\" in string:
            return original(string)  # type: ignore[no-any-return]
        return string.split("|")

    escaped_split.fast_path = True  # type: ignore[attr-defined]
    escaped_split.original = original  # type: ignore[attr-defined]
    table_rule.escapedSplit = escaped_split  # type: ignore[union-attr]


def warm_up() -> None:
    """Build the Markdown parser now (before forking workers, so each has it)."""
    _parser()


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
    plan = _table_plan(tokens, lines, offset, first_line) if "|" in body else TablePlan()
    pending_tables = list(plan.rendered)
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
            heading = heading_of(tok, inline, lines, offset, options, list_depth > 0)
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
            if pending_tables and pending_tables[0].first <= end:
                _add_rendered(out, lines, pending_tables, end, last_heading)
            if start in plan.hidden_paragraphs:
                i += 3
                continue  # kramdown renders these lines as (part of) a table
            if "{:" in raw:
                block_ials(raw, start, ial_lines)
            if (
                raw.startswith("#")
                and options.parser != GFM
                and not list_depth
                and not quote_depth
                and lines[start - 1].startswith("#")
            ):
                # kramdown's own ATX header needs no space after the #s ("#Title")
                no_space = no_space_heading(lines[start - 1], start, options)
                if no_space is not None:
                    out.headings.append(no_space)
            out.blocks.append(
                TextBlock("paragraph", start, end, raw, None, list_depth > 0, quote_depth > 0)
            )
            i += 3
            continue
        elif ttype == "table_open" and tok.map:
            start, end = tok.map[0] + 1 + offset, tok.map[1] + offset
            if pending_tables and pending_tables[0].first <= end:
                _add_rendered(out, lines, pending_tables, end, last_heading)
            if start in plan.gfm_tables:
                table = _printed_table(lines, start, end, plan.gfm_tables[start])
            elif list_depth or quote_depth:
                table = _nested_table(lines, start, end, first_line)
            else:
                table = parse_table(lines, start, end)
            if table is not None:
                _add_table(out, table, last_heading)
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
                    None,
                    list_depth > 0,
                    quote_depth > 0,
                )
            )
        i += 1
    if pending_tables:
        _add_rendered(out, lines, pending_tables, len(lines), last_heading)
    regions = _html_regions(out, lines, offset, options, html_block_lines)
    _assign_ids(out, lines, offset, options, ial_lines, html_block_lines, regions)
    if out.raw_html:
        # "## Title" in block HTML kramdown leaves as HTML is text on the page (its
        # TextBlock stays, for the text rules), no heading, section or anchor
        kept: list[Heading] = []
        for h in out.headings:
            (out.headings_as_text if out.raw_html.at(h.line) else kept).append(h)
        out.headings = kept
    out.sections = _sections(out.headings, out.blocks, out.tables, len(lines))
    return out


def _add_table(out: Body, table: Table, last_heading: Heading | None) -> None:
    if last_heading is not None:
        table.heading = last_heading.text
        table.heading_line = last_heading.line
    out.tables.append(table)


def _table_plan(tokens: Any, lines: list[str], offset: int, body_first: int) -> TablePlan:
    """kramdown's tables among the top-level blocks, in each top-level quote (its
    lines without one `>`) and in each item of a top-level list (its lines without
    the item's indentation), as kramdown reads their content."""
    top: list[tuple[int, int, bool]] = []
    inner: list[tuple[int, int, bool]] = []  # in quotes (level 1) and items (level 2)
    containers: list[tuple[int, int, bool]] = []  # (first, last, is a list item)
    for tok in tokens:
        if not tok.map:
            continue
        first, last = tok.map[0] + 1 + offset, tok.map[1] + offset
        if tok.type in ("paragraph_open", "table_open"):
            if tok.level == 0:
                top.append((first, last, tok.type == "table_open"))
            elif tok.level in (1, 2):
                inner.append((first, last, tok.type == "table_open"))
        elif (tok.type == "blockquote_open" and tok.level == 0) or (
            tok.type == "list_item_open" and tok.level == 1
        ):
            containers.append((first, last, tok.type == "list_item_open"))
    plan = plan_tables(lines, top, body_first)
    starts = [c[0] for c in containers]
    by_container: dict[int, list[tuple[int, int, bool]]] = {}
    for block in inner:
        k = bisect_right(starts, block[0]) - 1
        if k >= 0 and block[0] <= containers[k][1]:
            by_container.setdefault(k, []).append(block)
    for k, blocks in by_container.items():
        first, last, is_item = containers[k]
        if not any("|" in lines[n - 1] for a, b, _t in blocks for n in range(a, b + 1)):
            continue
        if is_item:
            _merge(plan, _item_plan(lines, first, last, blocks))
        else:
            view = _Lines(lines, first, last, lambda text: _QUOTE_MARK.sub("", text, count=1))
            _merge(plan, plan_tables(view, blocks, first))
    plan.rendered.sort(key=lambda t: t.first)
    return plan


def _item_plan(
    lines: list[str], first: int, last: int, blocks: list[tuple[int, int, bool]]
) -> TablePlan:
    """A top-level list item's tables: kramdown reads its lines without the item's
    indentation and ends them at the item's end (the next item is no line under a
    table in this one)."""
    marker = ITEM_MARKER.match(lines[first - 1])
    if marker is None:
        return TablePlan()
    indent = len(marker.group(0))

    def dedent(text: str) -> str:
        return text[min(indent, len(text) - len(text.lstrip(" "))) :]

    view = _Lines(lines, first, last, dedent, first_line=lines[first - 1][indent:], end=last)
    item = plan_tables(view, blocks, first)
    on_marker = [t for t in item.rendered if t.first == first]  # columns shifted: skip
    item.rendered = [t for t in item.rendered if t.first != first]
    for start, found in item.gfm_tables.items():
        if found is not None and any(found is t for t in on_marker):
            item.gfm_tables[start] = None
    return item


class _Lines(Sequence[str]):
    """The page's lines as a container's content reads them: lines first..last (page
    numbers) passed through ``strip`` (the first one replaced when ``first_line`` is
    given), the others as they are; ``end`` cuts the page there. No copy of the page:
    a page of many quotes or items stays linear."""

    def __init__(
        self,
        lines: list[str],
        first: int,
        last: int,
        strip: Callable[[str], str],
        *,
        first_line: str | None = None,
        end: int | None = None,
    ) -> None:
        self._lines, self._first, self._last, self._strip = lines, first, last, strip
        self._first_line, self._len = first_line, len(lines) if end is None else end

    def __len__(self) -> int:
        return self._len

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._len))]
        if index < 0:
            index += self._len
        if not 0 <= index < self._len:
            raise IndexError(index)
        number = index + 1
        if number == self._first and self._first_line is not None:
            return self._first_line
        text = self._lines[index]
        return self._strip(text) if self._first <= number <= self._last else text


def _merge(plan: TablePlan, inner: TablePlan) -> None:
    plan.rendered.extend(inner.rendered)
    plan.gfm_tables.update(inner.gfm_tables)
    plan.hidden_paragraphs |= inner.hidden_paragraphs


_QUOTE_MARK = re.compile(r"^ {0,3}> ?")


def _add_rendered(
    out: Body,
    lines: list[str],
    pending: list[KramdownTable],
    end: int,
    last_heading: Heading | None,
) -> None:
    """Add the tables kramdown renders that start by page line ``end``."""
    while pending and pending[0].first <= end:
        found = pending.pop(0)
        table = parse_table(lines, found.first, found.last, found.body)
        if table is not None:
            _add_table(out, table, last_heading)


def _printed_table(
    lines: list[str], start: int, end: int, found: KramdownTable | None
) -> Table | None:
    """The GFM table at page lines start..end that kramdown reads as ``found``: part
    of a table it renders (added on its own), a shape not modelled (None, both
    skipped), or lines printed as text (kept, with why: its cells are still
    published, as text)."""
    if found is None or found.unrendered is None:
        return None
    table = parse_table(lines, start, end)
    if table is not None:
        table.breaks = dict(found.breaks)
    return table


def _nested_table(lines: list[str], start: int, end: int, body_first: int) -> Table | None:
    """A GFM table in a list item or quote (its rows as GFM reads them)."""
    table = parse_table(lines, start, end)
    if table is not None:
        above = nested_text_above(lines, start, body_first)
        if above is not None:
            table.breaks[TEXT_ABOVE] = above
    return table


def _code_lines(out: Body, offset: int) -> set[int]:
    """Body line indexes (0-based) inside code blocks."""
    skip: set[int] = set()
    for first, last in out.code_ranges:
        skip.update(range(first - 1 - offset, last - offset))
    return skip


def _html_regions(
    out: Body,
    lines: list[str],
    offset: int,
    options: IdOptions,
    html_block_lines: list[tuple[int, int]],
) -> list[tuple[int, int, str]]:
    """kramdown's block HTML (0-based body lines, "raw" or "markdown"); the raw
    ones also go to ``out.raw_html`` with their tag, and tables in them are text."""
    if not html_block_lines:
        return []
    body_lines = lines[offset:]
    regions = html_block_regions(body_lines, _code_lines(out, offset), options.parse_block_html)
    raw = []
    for first, last, kind in regions:
        tag = _OPEN_TAG.match(body_lines[first]) if kind == "raw" else None
        if tag is not None:  # (no tag: a comment or processing instruction, masked)
            raw.append((first + offset + 1, last + offset + 1, tag.group(1)))
    out.raw_html = RawHtml.of(raw)
    for table in out.tables if raw else ():
        block = out.raw_html.at(table.line)
        if block is not None:
            table.breaks = {IN_HTML: block[0]}  # HTML, whatever is around it
    return regions


_OPEN_TAG = re.compile(r"\s*<([A-Za-z][\w:.-]*)")


def _assign_ids(
    out: Body,
    lines: list[str],
    offset: int,
    options: IdOptions,
    ial_lines: dict[int, str],
    html_block_lines: list[tuple[int, int]],
    regions: list[tuple[int, int, str]],
) -> None:
    """Give each header the id kramdown gives it, in document order."""
    if not out.headings:
        return
    body_lines = lines[offset:]
    skip = _code_lines(out, offset)
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
        reference_definitions(lines, skip)
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
            and not at_block_boundary(lines, h.line, ial_lines, offset + 1)
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
            and at_block_boundary(lines, h.line - 1, {}, offset + 1)
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
        stripped = HTML_COMMENT.sub("", block.raw).strip()
        return bool(stripped)
    return bool(block.raw.strip())
