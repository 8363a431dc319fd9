"""PH: placeholder, filler and template text committed as content."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

from finops_lint import regex
from finops_lint.config import Config
from finops_lint.document import Document
from finops_lint.findings import Related
from finops_lint.parsing.links import strip_liquid
from finops_lint.parsing.markdown import TextBlock
from finops_lint.parsing.tables import plain_text
from finops_lint.rules.base import Issue, RuleContext, rule

_ITALIC_BLOCK = re.compile(r"^\s*(?:>\s*)?[_*](?![_*\s]).*[^\s_*][_*]\s*$", re.DOTALL)

# Words that only filler generators (lorem ipsum and its hipster/bacon cousins) use.
_FILLER_WORDS = frozenset(
    [
        "lorem",
        "ipsum",
        "dolor",
        "amet",
        "consectetur",
        "adipiscing",
        "adipisicing",
        "elit",
        "eiusmod",
        "tempor",
        "incididunt",
        "labore",
        "dolore",
        "aliqua",
        "veniam",
        "nostrud",
        "exercitation",
        "ullamco",
        "laboris",
        "aliquip",
        "commodo",
        "consequat",
        "duis",
        "aute",
        "irure",
        "reprehenderit",
        "voluptate",
        "velit",
        "esse",
        "cillum",
        "fugiat",
        "pariatur",
        "excepteur",
        "occaecat",
        "cupidatat",
        "proident",
        "culpa",
        "officia",
        "deserunt",
        "mollit",
        "laborum",
        "tempora",
        "molestiae",
        "cumque",
        "quae",
        "numquam",
        "quisquam",
        "tenetur",
        "inventore",
        "eius",
        "quod",
        "consequatur",
        "rerum",
        "laudantium",
        "poutine",
        "banjo",
        "marfa",
        "fingerstache",
        "mumblecore",
        "schlitz",
        "kinfolk",
        "scenester",
        "yolo",
        "xoxo",
        "tousled",
        "chillwave",
        "gentrify",
        "normcore",
        "kombucha",
        "selvage",
        "sriracha",
        "cronut",
        "keffiyeh",
        "meggings",
        "lumbersexual",
        "fixie",
        "locavore",
        "flexitarian",
        "letterpress",
        "chambray",
        "humblebrag",
        "taxidermy",
        "biodiesel",
        "wayfarers",
        "migas",
        "offal",
        "ennui",
        "tacos",
        "paleo",
        "succulents",
        "hexagon",
        "typewriter",
        "godard",
        "tumblr",
        "thundercats",
        "shoreditch",
        "stumptown",
        "seitan",
        "umami",
        "pbr",
        "vape",
        "bushwick",
        "austin",
    ]
)
_FILLER_PHRASES = (
    "put a bird on it",
    "man bun",
    "food truck",
    "master cleanse",
    "roof party",
    "everyday carry",
    "craft beer",
    "deep v",
    "hot chicken",
    "four loko",
    "pork belly",
    "jean shorts",
    "single-origin coffee",
)


@lru_cache(maxsize=32)
def _patterns(items: tuple[str, ...]) -> list[regex.Pattern]:
    out = []
    for item in items:
        try:
            out.append(regex.compile(item, re.IGNORECASE))
        except re.error:
            continue
    return out


#: Constructs that behave differently when blocks are joined by newlines.
_NOT_JOINABLE = ("\\A", "\\Z", "\\z", "(?<", "(?=", "(?!")


@lru_cache(maxsize=32)
def _joined_patterns(items: tuple[str, ...]) -> list[regex.Pattern | None]:
    """Each pattern in multi-line mode, to search a whole page at once (None: cannot)."""
    out: list[regex.Pattern | None] = []
    for p in _patterns(items):
        if any(token in p.pattern for token in _NOT_JOINABLE):
            out.append(None)
        else:
            out.append(regex.compile(p.pattern, re.IGNORECASE | re.MULTILINE))
    return out


def warm_patterns(config: Config) -> None:
    """Compile the configured patterns (before forking workers)."""
    for key in ("text", "unfinished"):
        _joined_patterns(tuple(config.placeholders.get(key, [])))


def _page_text(doc: Document) -> str:
    """Every block's visible text, one block per line (computed once per page)."""
    cached = doc.__dict__.get("_placeholder_text")
    if cached is None:
        cached = "\n".join(_clean(doc, b) for b in doc.blocks)
        doc.__dict__["_placeholder_text"] = cached
    return cached


_META = set(".^$*+?{}[]()|\\")


@lru_cache(maxsize=256)
def required_literals(pattern: str) -> tuple[str, ...] | None:
    """Case-folded substrings one of which every match of the pattern contains.

    Only the common shapes are read: optional leading \\b or ^ (or a "(?-i:"
    wrapper), then literal characters ("\\blorem ipsum\\b" -> "lorem ipsum") or
    an alternation of literals ("\\b(?:TODO|FIXME):" -> "todo", "fixme").
    Anything else gives None. A substring test on the case-folded page is about
    twenty times faster than Python's regex engine scanning for a pattern that
    starts with \\b.
    """
    i = _skip_anchors(pattern, 0)
    if pattern.startswith("(?-i:", i):
        i = _skip_anchors(pattern, i + 5)
    if pattern.startswith("(?:", i):
        close = pattern.find(")", i)
        if close == -1:
            return None
        options = pattern[i + 3 : close].split("|")
        if pattern[close + 1 : close + 2] in ("?", "*", "{"):
            return None
        found = [_literal_prefix(option, 0) for option in options]
        if any(len(f) != len(o) or not f for f, o in zip(found, options, strict=True)):
            return None
        return tuple(f.casefold() for f in found)
    literal = _literal_prefix(pattern, i).casefold()
    return (literal,) if len(literal) >= 3 else None


def _skip_anchors(pattern: str, i: int) -> int:
    while pattern.startswith(("\\b", "^"), i):
        i += 2 if pattern.startswith("\\b", i) else 1
    return i


def _literal_prefix(pattern: str, i: int) -> str:
    """The run of literal characters at pattern[i:] (unescaped), stopping before any
    regex construct and before a character a quantifier makes optional."""
    out: list[str] = []
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\":
            nxt = pattern[i + 1 : i + 2]
            if not nxt or nxt.isalnum():  # \b, \s, \d...: a class or an anchor
                break
            ch, step = nxt, 2
        elif ch in _META:
            break
        else:
            step = 1
        if pattern[i + step : i + step + 1] in ("?", "*", "{"):
            break
        out.append(ch)
        i += step
    return "".join(out)


def _page_patterns(doc: Document, items: tuple[str, ...]) -> list[regex.Pattern]:
    """The patterns that can match some block of this page.

    Blocks are single lines once cleaned, so searching them joined by newlines in
    multi-line mode finds every block-level match ('^'/'$' still mean the block's
    start/end): a pattern with no match on the joined page matches no block, and
    the per-block search is skipped. Patterns with lookarounds or \\A/\\Z are
    always searched block by block.
    """
    page = _page_text(doc)
    folded = doc.__dict__.get("_placeholder_folded")
    if folded is None:
        folded = doc.__dict__["_placeholder_folded"] = page.casefold()
    keep = []
    for pattern, joined in zip(_patterns(items), _joined_patterns(items), strict=True):
        literals = required_literals(pattern.pattern)
        if literals is not None and not any(lit in folded for lit in literals):
            continue  # a substring test first: much faster than the regex engine
        if joined is None or joined.search(page):
            keep.append(pattern)
    return keep


FILLER_THRESHOLD = 5


_NON_LETTERS = re.compile(r"[^a-z]+")


def _page_may_have_filler(doc: Document) -> bool:
    """Whether the page has enough filler vocabulary for any one block to reach the bar."""
    page = _page_text(doc).casefold()
    words = len(_FILLER_WORDS.intersection(_NON_LETTERS.split(page)))
    if words < 2:
        return False
    return words + sum(p in page for p in _FILLER_PHRASES) >= FILLER_THRESHOLD


def _tokens(config: Config, key: str) -> frozenset[str]:
    words = config.placeholders.get(key, []) + config.placeholders.get("words", [])
    return frozenset(w.strip().casefold() for w in words)


def _norm_cell(text: str) -> str:
    return " ".join(strip_liquid(text).strip().strip("*_`").casefold().split())


@rule("PH001", "placeholder-row", "error", "A table row made only of placeholder words.")
def placeholder_row(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds table rows whose every non-empty cell is a placeholder token: `hello`,
    `world`, `foo`, `bar`, `foobar`, `test`, `TBD`, `TODO`, `xxx`, `lorem ipsum`...

    **Why it matters:** this is the defect finops-lint was built for: a commit
    replaced the three Crawl/Walk/Run rows of the FinOps maturity guidelines with
    `| hello | world | foobar |` and went live.

    **Bad:**
    ```
    | FinOps Maturity Level | Characteristics | Sample Measures |
    | --- | --- | --- |
    | hello | world | foobar |
    ```

    **Good:** real rows.

    **Configure:** `placeholders: {row-tokens: [...]}` (or `words:` for tokens
    that also count as placeholder cells) adds to the list.
    """
    tokens = _tokens(ctx.config, "row-tokens")
    for table in doc.tables:
        for row in table.rows:
            values = [_norm_cell(c.text) for c in row.cells]
            filled = [v for v in values if v]
            if (len(filled) >= 2 and all(v in tokens for v in filled)) or (
                len(filled) == 1 and len(row.cells) == 1 and filled[0] in tokens
            ):
                shown = " | ".join(c.raw for c in row.cells)
                yield Issue(
                    row.line,
                    row.cells[0].column if row.cells else 1,
                    f"table row '| {shown} |' is placeholder content, not real data",
                )


@rule("PH002", "placeholder-cell", "warning", "A table cell that is only TBD, TODO, xxx...")
def placeholder_cell(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds single table cells whose whole text is a placeholder such as `TBD`,
    `TODO`, `xxx` or `lorem ipsum` (rows made only of placeholders are PH001).

    **Why it matters:** an unfinished cell is published as-is.

    **Bad:** `| Walk | TBD | 80% |`

    **Good:** `| Walk | Capability is understood and followed | 80% |`

    **Configure:** `placeholders: {cell-tokens: [...]}`.
    """
    tokens = _tokens(ctx.config, "cell-tokens")
    row_tokens = _tokens(ctx.config, "row-tokens")
    for table in doc.tables:
        for row in table.rows:
            values = [_norm_cell(c.text) for c in row.cells]
            filled = [v for v in values if v]
            if len(filled) >= 2 and all(v in row_tokens for v in filled):
                continue  # PH001 reports the whole row
            for cell, value in zip(row.cells, values, strict=True):
                if value in tokens:
                    yield Issue(
                        cell.line,
                        cell.column,
                        f"table cell '{cell.raw}' is a placeholder",
                        end_line=cell.line,
                        end_column=cell.end_column,
                    )


def _block_lines(doc: Document, block: TextBlock) -> list[tuple[int, str]]:
    return [
        (n, doc.lines[n - 1]) for n in range(block.line, min(block.end_line, len(doc.lines)) + 1)
    ]


def _locate(doc: Document, block: TextBlock, match_text: str) -> tuple[int, int]:
    needle = match_text.casefold()
    for number, line in _block_lines(doc, block):
        idx = line.casefold().find(needle)
        if idx != -1:
            return number, idx + 1
    line = doc.lines[block.line - 1] if block.line - 1 < len(doc.lines) else ""
    return block.line, len(line) - len(line.lstrip()) + 1


_HEADING_TAIL = re.compile(r"\{:?\s*#[^{}]*\}\s*$|(?<!\s)\s+#+\s*$")
_BLOCK_MARKERS = re.compile(r"^\s*(?:>\s*)*(?:#{1,6}\s+|[-*+]\s+|\d{1,9}[.)]\s+)?")


def _clean(doc: Document, block: TextBlock) -> str:
    """The block's visible text: no code spans, comments or Liquid (computed once)."""
    cached = block.clean
    if cached is None:
        if block.kind == "html" and not doc.is_markdown:
            text = block.text
        else:
            lines = doc.visible_lines(block.line, block.end_line)
            text = plain_text(" ".join(_BLOCK_MARKERS.sub("", ln, count=1) for ln in lines))
            if block.kind == "heading":
                text = _HEADING_TAIL.sub("", text).strip()
        if "{" in text:
            text = strip_liquid(text)
        cached = block.clean = " ".join(text.split())
    return cached


def filler_score(text: str) -> int:
    """How many distinct words or phrases only filler generators use."""
    if len(text) < 40:
        return 0
    lowered = text.casefold()
    found = set(_FILLER_WORDS.intersection(_NON_LETTERS.split(lowered)))
    if len(found) < 2:
        return len(found)
    found.update(p for p in _FILLER_PHRASES if p in lowered)
    return len(found)


@rule(
    "PH003",
    "placeholder-text",
    "error",
    "Placeholder prose or headings: lorem ipsum, TODO:, Hello World, filler text.",
)
def placeholder_text(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds paragraphs, list items and headings that are placeholders: `Lorem
    ipsum...`, `TODO:` / `FIXME:` notes, `Hello World`, a block that is only `test`
    or `TBD`, `Title Here`-style template phrases, and generated filler text
    (lorem ipsum and its hipster-ipsum cousins, recognised by their vocabulary).

    **Why it matters:** placeholder text reads as a broken site to every visitor.

    **Precision:** single words such as *test* are only reported when they are the
    whole block; "we test the forecast monthly" is real prose. Code blocks, HTML
    comments and Liquid tags are never read.

    **Bad:**
    ```
    - **Hello World** (New)

      a new Poutine banjo wolf aute marfa, put a bird on it aliqua deep v...
    ```

    **Good:** the real update note.

    **Configure:** `placeholders: {text: [regex, ...]}` adds patterns.
    """
    patterns = _page_patterns(doc, tuple(ctx.config.placeholders.get("text", [])))
    filler = _page_may_have_filler(doc)
    if not patterns and not filler:
        return
    for block in doc.blocks:
        text = _clean(doc, block)
        if not text:
            continue
        reported = False
        for pattern in patterns:
            m = pattern.search(text)
            if m:
                line, col = _locate(doc, block, m.group(0))
                what = "heading" if block.kind == "heading" else "text"
                yield Issue(line, col, f"placeholder {what}: '{_excerpt(text, m)}'")
                reported = True
                break
        if filler and not reported and filler_score(text) >= FILLER_THRESHOLD:
            line, col = _locate(doc, block, text.split()[0])
            yield Issue(
                line,
                col,
                f"filler text (lorem-ipsum style): '{_excerpt(text, None)}'",
            )


@rule(
    "PH004",
    "unfinished-content",
    "warning",
    "Content marked as unfinished: coming soon, needs update, under construction.",
)
def unfinished_content(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds prose and headings that say the content is not there yet: "coming soon",
    "(needs update)", "under construction", "to be added".

    **Why it matters:** these notes tend to stay published for years; a reviewer
    should either fill the section or remove it.

    **Precision:** a warning, not an error: the page still works. "to be determined
    by the board" and "dates TBD" inside a sentence are not reported. A sentence
    repeated on several pages of one page type (boilerplate copied onto every
    domain page) is one finding, on the first page, with the others as related
    locations.

    **Bad:** `Reference of courses and training partners coming soon.`

    **Good:** the list of courses, or no section until there is one.

    **Configure:** `placeholders: {unfinished: [regex, ...]}`.
    """
    items = tuple(ctx.config.placeholders.get("unfinished", []))
    for block, text, m in _unfinished_blocks(doc, items):
        line, col = _locate(doc, block, m.group(0))
        message = f"unfinished content: '{_excerpt(text, m)}'"
        related: list[Related] = []
        pages = _same_sentence_pages(doc, ctx, items).get(_norm_prose(text), [])
        if len(pages) > 1:
            if pages[0][0] != doc.rel_path:
                continue  # one finding per repeated sentence: on the first page
            related = [
                Related(ctx.workspace.display_path(p) if ctx.workspace else p, ln, 1, "same text")
                for p, ln in pages[1:]
            ]
            kind = ctx.page_type.name if ctx.page_type else "other"
            message += f" (the same text is on {len(related)} other {kind} page"
            message += "s)" if len(related) > 1 else ")"
        yield Issue(line, col, message, related=related)


def _unfinished_blocks(
    doc: Document, items: tuple[str, ...]
) -> Iterator[tuple[TextBlock, str, re.Match[str]]]:
    patterns = _page_patterns(doc, items)
    if not patterns:
        return
    for block in doc.blocks:
        text = _clean(doc, block)
        for pattern in patterns:
            m = pattern.search(text)
            if m:
                yield block, text, m
                break


def _same_sentence_pages(
    doc: Document, ctx: RuleContext, items: tuple[str, ...]
) -> dict[str, list[tuple[str, int]]]:
    """Unfinished-content blocks of the pages of this page's type: {text: [(path, line)]},
    sorted by path. Boilerplate copied onto every page of a type is one finding."""
    ws = ctx.workspace
    pt = ctx.page_type
    if ws is None or pt is None:
        return {}
    cache: dict[str, dict[str, list[tuple[str, int]]]] = ws.__dict__.setdefault(
        "_ph004_by_type", {}
    )
    found = cache.get(pt.name)
    if found is None:
        found = {}
        for path, _data in sorted(ws.pages_of_type(pt.name)):
            other = doc if path == doc.rel_path else ws.document(path)
            if other is None:
                continue
            for block, text, _m in _unfinished_blocks(other, items):
                found.setdefault(_norm_prose(text), []).append((path, block.line))
        cache[pt.name] = found
    return found


@rule(
    "PH005",
    "template-text",
    "error",
    "Text copied from the page type's template and never replaced.",
)
def template_text(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds the instructions and headings of the site's own template left in a page:
    the italic guidance paragraphs of `_templates/_capability.md` ("_written for
    each persona responsible for the functional activity..._"), its example quote
    lines and its title heading ("Capability Name Heading Here").

    **Why it matters:** the guidance for authors is published as the page's content.

    **Bad:**
    ```
    ## Functional Activity
    _written for each persona responsible for the functional activity..._
    ```

    **Good:** the real functional activities.

    One finding per template block left in (an instruction paragraph and its
    example quote under one heading), spanning its lines.

    **Configure:** set the page type's `template:` in the profile; section
    headings shared with the template (`## Definition`) are never reported.
    """
    pt = ctx.page_type
    ws = ctx.workspace
    if pt is None or pt.template is None or ws is None:
        return
    template = ws.template(pt.template)
    if template is None or template.rel_path == doc.rel_path:
        return
    # instruction text -> the template section it belongs to (the heading above it)
    instructions: dict[str, int] = {}
    section = 0
    for block in template.blocks:
        if block.kind == "heading":
            section += 1
        if block.kind == "paragraph" and (_ITALIC_BLOCK.match(block.raw) or block.in_quote):
            key = _norm_prose(block.text)
            if len(key) >= 20:
                instructions.setdefault(key, section)
        elif (
            block.kind == "heading"
            and template.headings
            and block.line == template.headings[0].line
            and template.headings[0].level == 1
        ):
            instructions[_norm_prose(block.text)] = section
    if not instructions:
        return
    # One finding per template block left in: consecutive matches from the same
    # template section, with no heading of the page between them.
    groups: list[list[TextBlock]] = []
    open_section: int | None = None
    for block in doc.blocks:
        if block.kind not in ("paragraph", "heading"):
            continue
        found = instructions.get(_norm_prose(block.text))
        if found is None:
            if block.kind == "heading":
                open_section = None
            continue
        if block.kind == "heading" or found != open_section:
            groups.append([block])
            open_section = None if block.kind == "heading" else found
        else:
            groups[-1].append(block)
    for group in groups:
        first, last = group[0], group[-1]
        line = doc.lines[first.line - 1]
        col = len(line) - len(line.lstrip()) + 1
        span = f" (lines {first.line}-{last.end_line})" if last.end_line > first.line else ""
        yield Issue(
            first.line,
            col,
            f"text from the template {template.rel_path} was left in the page{span}: "
            f"'{_short(first.text)}'",
            end_line=last.end_line,
            end_column=len(doc.lines[last.end_line - 1]) + 1,
        )


@rule("PH006", "merge-conflict-marker", "error", "Git merge-conflict markers in a page.")
def merge_conflict(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds `<<<<<<<`, `=======` and `>>>>>>>` lines left by an unresolved git merge.

    **Why it matters:** both versions of the text, and the markers, get published.

    **Bad:**
    ```
    <<<<<<< HEAD
    Crawl
    =======
    Walk
    >>>>>>> feature
    ```

    **Good:** one resolved version.
    """
    open_marker = False
    for number, line in enumerate(doc.lines, start=1):
        if line.startswith("<<<<<<<") and (len(line) == 7 or line[7] == " "):
            open_marker = True
            yield Issue(number, 1, "merge-conflict marker '<<<<<<<' (unresolved git merge)")
        elif line.startswith(">>>>>>>") and (len(line) == 7 or line[7] == " "):
            yield Issue(number, 1, "merge-conflict marker '>>>>>>>' (unresolved git merge)")
            open_marker = False
        elif line == "=======" and open_marker:
            yield Issue(number, 1, "merge-conflict marker '=======' (unresolved git merge)")


def _norm_prose(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def _short(text: str, limit: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _excerpt(text: str, m: Any, limit: int = 70) -> str:
    if m is None or len(text) <= limit:
        return _short(text, limit)
    start = max(0, m.start() - 20)
    piece = text[start : start + limit]
    return ("..." if start else "") + piece + ("..." if start + limit < len(text) else "")
