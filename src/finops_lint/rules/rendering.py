"""Markdown that renders as something other than what the author meant: template
sentences whose [slots] were never filled, list markers with nothing after them.

Behaviour is kramdown's (the parser Jekyll uses), checked with the real
kramdown: an undefined `[label]` is printed with its brackets, a lone `*` on
its own line is printed as a literal asterisk, `* ` with only spaces after it
is an empty `<li>`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from finops_lint.document import Document
from finops_lint.findings import Fix, Related
from finops_lint.parsing.kramdown_tables import LINE_BELOW, NO_BODY, TEXT_ABOVE
from finops_lint.parsing.links import normalize_label
from finops_lint.parsing.tables import CONTAINER_PREFIX
from finops_lint.rules.base import Issue, RuleContext, rule
from finops_lint.rules.placeholder_analysis import norm_prose

#: "[functional activity]" not followed by "(", "[" or ":" (a link, a reference,
#: a definition) and not "[ ]"/"[x]" (task lists) or "[^1]" (footnotes).
#: (The "[" is matched before the look-behind asks of the character before it: a
#: pattern that opens with a look-behind is tried at every character of the text,
#: one that opens with "[" only where a "[" is; the same matches, a quarter the time.)
_SLOT = re.compile(r"\[(?<![\]!\\]\[)([A-Za-z][A-Za-z /&'-]{1,48}[A-Za-z])\](?![(\[:])")
_MIN_SLOTS = 2


def _slots(text: str, doc: Document) -> list[re.Match[str]]:
    return [m for m in _SLOT.finditer(text) if normalize_label(m.group(1)) not in doc.definitions]


def _template_slots(doc: Document, ctx: RuleContext) -> tuple[frozenset[str], frozenset[str]]:
    """The page type template's slot names and its own sentences (PH005's findings)."""
    pt, ws = ctx.page_type, ctx.workspace
    if pt is None or pt.template is None or ws is None:
        return frozenset(), frozenset()
    template = ws.template(pt.template)
    if template is None or template.rel_path == doc.rel_path:
        return frozenset(), frozenset()
    names: set[str] = set()
    sentences: set[str] = set()
    for block in template.blocks:
        found = _slots(block.raw, template)
        if found:
            names.update(normalize_label(m.group(1)) for m in found)
            sentences.add(norm_prose(block.text))
    return frozenset(names), frozenset(sentences)


@rule(
    "PH011",
    "template-slot",
    "error",
    "A template sentence whose [slots] were never filled in.",
    needs=("blocks",),
)
def template_slot(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds sentences with bracketed slots left in: `>[functional activity] so that
    [desired outcome] is achieved.` A paragraph or heading is reported when it has
    two or more `[slots]` that are not links, or one slot the page type's template
    uses (`[FinOps Persona]`). Each distinct sentence is reported once per page,
    with its repeats as related locations.

    **Why it matters:** kramdown prints an undefined `[label]` as written, brackets
    and all, so the page shows the template's blanks instead of content.

    **Precision:** brackets that are links (`[text](url)`, `[text][ref]`, a
    `[label]` with a definition), task-list boxes, footnotes, code and a single
    editorial insertion in a quote (`Don't [overly] rely on tools`) are not slots.
    The template's own example sentence copied whole is PH005's finding.

    **Bad:**
    ```
    #### As a *Finance Leader*, I will...
    >[functional activity] so that [desired outcome] is achieved.
    ```

    **Good:** `>review the forecast monthly so that budgets are met.`
    """
    if not doc.is_markdown or "[" not in doc.text:
        return
    template: tuple[frozenset[str], frozenset[str]] | None = None  # read for a slot found
    seen: dict[str, Issue] = {}
    for block in doc.blocks:
        if block.kind not in ("paragraph", "heading"):
            continue
        lines = doc.visible_lines(block.line, block.end_line)
        text = " ".join(lines)
        if "[" not in text:
            continue
        found = _slots(text, doc)
        if not found:
            continue
        if template is None:
            template = _template_slots(doc, ctx)
        template_names, template_sentences = template
        named = [m for m in found if normalize_label(m.group(1)) in template_names]
        if len(found) < _MIN_SLOTS and not named:
            continue
        key = norm_prose(block.text)
        if key in template_sentences:
            continue  # PH005
        first = (named or found)[0].group(0)
        number, col = block.line, 1
        for offset, line in enumerate(lines):
            idx = line.find(first)
            if idx != -1:
                number, col = block.line + offset, idx + 1
                break
        if key in seen:
            earlier = seen[key]
            earlier.related.append(Related(doc.path, number, col, "the same sentence again"))
            continue
        slots = ", ".join(m.group(0) for m in found[:3])
        issue = Issue(number, col, f"template slots never filled in: {slots}")
        seen[key] = issue
    for issue in seen.values():
        if issue.related:
            issue.message += f" (and {len(issue.related)} more times on this page)"
        yield issue


_LONE_MARKER = re.compile(r"^( {0,3}(?:>[ \t]?)*)([*+-]|\d{1,9}[.)])([ \t]*)$")


@rule(
    "PH012",
    "empty-list-item",
    "error",
    "A list marker with nothing after it: a literal '*' or an empty bullet.",
)
def empty_list_item(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds lines that are only a list marker (`*`, `+`, `-`, `1.`): an item
    whose text was never written.

    **Why it matters:** kramdown prints a lone `*` (nothing after it) as a literal
    asterisk, on its own line or stuck to the item above; with a space after it
    the page gets an empty bullet. GitHub shows an empty bullet either way.

    **Precision:** code, comments and front matter are not read; a lone `-` under
    a line of text is a setext heading underline, not a list item; an item whose
    text was commented out (`* <!-- ... -->`) was emptied on purpose.

    **Bad:**
    ```
    #### As someone in an Executive role, I will...
    *
    ```

    **Good:** `* review the forecast monthly`, or no heading until there is an item.
    """
    if not doc.is_markdown or doc.body_start_line > len(doc.lines):
        return
    first = doc.body_start_line
    lines = doc.visible_lines(first, len(doc.lines))
    previous = ""
    for number, line in enumerate(lines, start=first):
        m = _LONE_MARKER.match(line)
        setext = (
            m is not None
            and m.group(2) == "-"
            and not m.group(3)
            and bool(previous.strip())
            and not previous.lstrip().startswith("#")
        )
        commented = m is not None and "<!--" in doc.lines[number - 1]
        if m is not None and not setext and not commented:
            marker, trailing = m.group(2), m.group(3)
            if trailing:
                what = "an empty list item (an empty bullet on the page)"
            else:
                what = (
                    f"a lone '{marker}': kramdown prints it as a literal '{marker}' "
                    "(GitHub shows an empty bullet)"
                )
            yield Issue(
                number, len(m.group(1)) + 1, f"{what}; write the item's text or remove the line"
            )
        previous = line


def kramdown_site(ctx: RuleContext) -> bool:
    """Whether the site renders Markdown with kramdown (Jekyll's default)."""
    if ctx.site is None:
        return True
    engine = ctx.site.config.raw.get("markdown", "kramdown")
    return not isinstance(engine, str) or engine.strip().lower() == "kramdown"


@rule(
    "TB006",
    "table-after-text",
    "error",
    "A pipe table right under a line of text: kramdown prints it as paragraph text.",
    fixable=True,
    needs=("tables",),
)
def table_after_text(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds pipe tables whose header row directly follows a non-blank line (a
    paragraph, a heading, a list item, a bold label, an HTML line or comment) with
    no empty line between them.

    **Why it matters:** kramdown, Jekyll's Markdown parser, starts a table only
    after a blank line; otherwise the rows are read as more text of the block
    above, and the page shows `| a | b | |—|—|` as one paragraph. GitHub's
    preview (GFM) shows a table, so the break is seen only on the site.

    **Precision:** only on kramdown sites (`markdown: kramdown`, Jekyll's
    default, with or without `input: GFM`); tables inside code are not tables.
    A block IAL (`{: .class}`) after an empty line, a `^` line, or a line of
    Liquid tags (which may print nothing) above the table is not text.

    **Bad:**
    ```
    **Maturity:**
    | Level | Characteristics |
    | --- | --- |
    ```

    **Good:** an empty line between `**Maturity:**` and the table.

    **Fix:** `finops-lint check --fix` inserts the empty line (in a quote, an
    empty quoted line).
    """
    if not doc.is_markdown or not doc.tables or not kramdown_site(ctx):
        return
    for table in doc.tables:
        above = table.breaks.get(TEXT_ABOVE)
        if above is None:
            continue
        first = doc.lines[table.line - 1]
        yield Issue(
            table.line,
            len(first) - len(first.lstrip()) + 1,
            "table directly under a line of text: kramdown prints its rows as paragraph "
            f"text (no table on the site); add an empty line after line {above}",
            fix=_empty_line_before(table.line, first),
        )


@rule(
    "TB008",
    "text-after-table",
    "error",
    "A line of text right under a pipe table: kramdown prints the whole table as text.",
    fixable=True,
    needs=("tables",),
)
def text_after_table(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds pipe tables directly followed, with no empty line, by a line without a
    pipe: text, a list item, a heading, an HTML line or comment.

    **Why it matters:** kramdown's table is the run of lines that hold a pipe,
    and the line after it must be empty. When it is not, kramdown drops the whole
    table and prints every row as paragraph text, `| a | b | |—|—|`. GitHub's
    preview (GFM) ends the table there, or shows the line as one more row, so the
    break is seen only on the site.

    **Precision:** only on kramdown sites; a block IAL (`{: .class}`), a `^` line
    or a line of Liquid tags right under the table is no text.

    **Bad:**
    ```
    | Level | Characteristics |
    | --- | --- |
    | Crawl | by hand |
    See the guide for more.
    ```

    **Good:** an empty line between the last row and `See the guide`.

    **Fix:** `finops-lint check --fix` inserts the empty line (in a quote, an
    empty quoted line).
    """
    if not doc.is_markdown or not doc.tables or not kramdown_site(ctx):
        return
    for table in doc.tables:
        below = table.breaks.get(LINE_BELOW)
        if below is None or below > len(doc.lines):
            continue
        first = doc.lines[table.line - 1]
        shown = doc.lines[below - 1].strip()
        yield Issue(
            table.line,
            len(first) - len(first.lstrip()) + 1,
            f"line {below} right under this table is not empty ('{_short(shown)}'): "
            "kramdown prints the whole table as paragraph text (no table on the site); "
            f"add an empty line before line {below}",
            fix=_empty_line_before(below, first),
        )


@rule(
    "TB009",
    "table-without-body",
    "error",
    "A pipe table with a header and no rows: kramdown prints it as text.",
    needs=("tables",),
)
def table_without_body(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds pipe tables that have a header row and its `| --- |` separator but no
    row under them.

    **Why it matters:** kramdown drops a table without a body row and prints the
    header and separator as paragraph text, `| Level | Characteristics | |—|—|`.
    GitHub's preview (GFM) shows an empty table with its header, so the break is
    seen only on the site. Usually the rows were deleted, or never written.

    **Precision:** only on kramdown sites.

    **Bad:**
    ```
    | Level | Characteristics |
    | --- | --- |
    ```

    **Good:** the rows under the separator, or no table.
    """
    if not doc.is_markdown or not doc.tables or not kramdown_site(ctx):
        return
    for table in doc.tables:
        if NO_BODY not in table.breaks:
            continue
        first = doc.lines[table.line - 1]
        yield Issue(
            table.line,
            len(first) - len(first.lstrip()) + 1,
            "table with a header and no rows: kramdown prints it as paragraph text "
            "(no table on the site); add its rows or remove it",
        )


def _empty_line_before(line: int, table_line: str) -> Fix:
    """Insert an empty line before ``line``; in a quote, an empty quoted line (the
    table line's `>` markers), so the quote goes on."""
    quote = CONTAINER_PREFIX.match(table_line)
    marks = quote.group(0).rstrip() if quote else ""
    return Fix("insert an empty line", line, 1, line, 1, marks + "\n")


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


_TEMPLATE_HEADER = re.compile(
    r"^(?:column|col|header|heading|title)[ _-]?(?:header[ _-]?|name[ _-]?)?\d+$", re.IGNORECASE
)


@rule(
    "TB007",
    "template-table-header",
    "error",
    "A table header left as template names: column_header_1, Header 1, Column 2.",
    needs=("tables",),
)
def template_table_header(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds table headers whose cells are numbered template names
    (`column_header_1`, `Column 1`, `Header 2`, `col_3`) instead of real column
    names. Reported when at least two cells, or the only cell, are such names.

    **Why it matters:** the header is what readers (and screen readers) use to
    understand each column; template names mean the table was never finished.

    **Precision:** an empty header row (`|   |   |` over `|---:|---|`) is a
    common way to write a key/value table and is not reported.

    **Bad:**
    ```
    | column_header_1 | column_header_2 |
    | --- | --- |
    ```

    **Good:** `| Level | Characteristics |`
    """
    for table in doc.tables:
        names = [c for c in table.header.cells if _TEMPLATE_HEADER.match(c.text.strip())]
        filled = [c for c in table.header.cells if c.text.strip()]
        if names and (len(names) >= 2 or len(filled) == 1):
            shown = ", ".join(c.text.strip() for c in names[:3])
            yield Issue(
                table.line,
                names[0].column,
                f"table header is template names ({shown}): name the columns",
            )


_URLISH = r"(?:https?://|mailto:|/|\.\.?/|#)"
# Each link pattern opens with "[" and then looks behind it (not "\[" or "!["): the
# same matches as a look-behind first, without trying one at every character.
#: [text](dest with a space) where the rest is not a "title"
_SPACED_DEST = re.compile(
    r"\[(?<![\\!]\[)(?P<text>[^\[\]\n]+)\]\((?P<dest>(?!<)[^()\s]+(?:[ \t]+[^()\s\"'][^()\s]*)+)\)"
)
#: [text]https://...) : the "(" is missing
_NO_OPEN_PAREN = re.compile(r"\[(?<![\\!]\[)(?P<text>[^\[\]\n]+)\](?P<dest>https?://[^\s()]+)\)")
#: [text(https://...) with no "]" after it on the line
_NO_CLOSE_BRACKET = re.compile(
    r"\[(?<![\\!]\[)(?P<text>[^\[\]()\n]+)\((?P<dest>https?://[^\s()]+)\)(?!.*\])"
)


_BRACKET_OR_ESCAPE = re.compile(r"\\[\s\S]?|[\[\]]")
_URL_AFTER_BRACKET = re.compile(r"\]\(" + _URLISH)


def _unopened_bracket(line: str, depth: int = 0) -> tuple[int | None, int]:
    """(index of a ']' followed by '(url)' with no '[' open before it, the '[' depth
    at the line's end); ``depth``: the '['s still open from the block's lines above
    (a link text may wrap onto the next line). A backslash escapes the character
    after it."""
    found = None
    if "[" not in line and "]" not in line:
        return None, depth
    for m in _BRACKET_OR_ESCAPE.finditer(line):
        ch = m.group()
        if ch == "[":
            depth += 1
        elif ch == "]":
            if depth:
                depth -= 1
            elif found is None and _URL_AFTER_BRACKET.match(line, m.start()):
                found = m.start()
    return found, depth


@rule(
    "LK012",
    "link-not-rendered",
    "warning",
    "Link syntax that does not render as a link: a space in the URL, a missing '[' or '('.",
    needs=("blocks", "links", "tables"),
)
def link_not_rendered(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds Markdown links written so that they do not render as the author meant:
    a space inside the destination (`[Guide](/resources/finops guide/)`), a missing
    `[` (`Guide](https://...)`), a missing `(` (`[Guide]https://...)`) or a missing
    `]` (`[Guide(https://...)`). (`[text] (url)` with a space between is LK005.)

    **Why it matters:** the page shows brackets and a raw URL instead of a link,
    or, for a space in the destination, kramdown makes a link to a URL with the
    space in it (GitHub shows plain text): either way readers do not get there.

    **Precision:** a warning; code, comments and Liquid are not read, and
    `[text](<url with spaces>)` and `[text](url "title")` are valid.

    **Bad:** `See the [FinOps guide](/resources/finops guide/).`

    **Good:** `See the [FinOps guide](/resources/finops-guide/).`

    Also finds Markdown links and images inside block HTML that kramdown leaves
    as HTML: a `<div>`, `<p>`, `<details>` or any block-level tag at the start of
    a line, up to its end tag, across empty lines, unless the tag has
    `markdown="1"` or the site sets `kramdown: parse_block_html: true`. The page
    shows `[Guide](/resources/finops-guide/)` as text there, while GitHub's
    preview shows a link when an empty line follows the tag; write
    `<div markdown="1">` or an `<a href>`. Such links are no links on the site, so
    LK001-LK004 do not check them. Not in files Jekyll does not build (a README
    is read on GitHub).
    """
    if not doc.is_markdown:
        return
    as_text = doc.links_as_text
    if as_text and ctx.site is not None and ctx.site.is_repository_document(doc.rel_path):
        as_text = []  # read on GitHub, which converts Markdown after the tag's line
    for link in as_text:
        html = doc.raw_html.at(link.line)
        if html is None:
            continue
        first, _last, tag = html
        what = "image" if link.kind == "image" else "link"
        where = f"<{tag}> at line {first}" if first != link.line else f"<{tag}>"
        yield Issue(
            link.line,
            link.column,
            f"Markdown {what} inside {where}, block HTML kramdown leaves as HTML: the page "
            f'shows it as text; add markdown="1" to the <{tag}>, or write an '
            f"{'<img src>' if what == 'image' else '<a href>'}",
            end_line=link.end_line,
            end_column=link.end_column,
        )
    if "](" not in doc.text and "]http" not in doc.text and "(http" not in doc.text:
        return
    for block in doc.blocks:
        if block.kind not in ("paragraph", "heading"):
            continue
        if "[" not in block.raw and "]" not in block.raw:
            continue  # (its visible lines are its source less markup: no bracket either)
        lines = doc.visible_lines(block.line, block.end_line)
        depth = 0  # '['s open from the lines above: a link text wraps onto this line
        for number, line in enumerate(lines, start=block.line):
            if ("]" not in line and "[" not in line) or "{%" in line or "{{" in line:
                continue
            at, depth_after = _unopened_bracket(line, depth)
            yield from _line_issues(number, line, at)
            depth = depth_after
    for table in doc.tables:
        for row in [table.header, *table.rows]:
            line = doc.visible_lines(row.line, row.line)[0]
            if ("]" in line or "[" in line) and "{%" not in line and "{{" not in line:
                yield from _line_issues(row.line, line, _unopened_bracket(line)[0])


def _line_issues(number: int, line: str, at: int | None) -> Iterator[Issue]:
    """The line's issues; `at`: `_unopened_bracket`'s ']' on it. (Each pattern is
    searched only on a line with the two characters it cannot match without.)"""
    for m in _SPACED_DEST.finditer(line) if "](" in line else ():
        dest = m.group("dest")
        yield Issue(
            number,
            m.start("dest") + 1,
            f"space in the link destination '{dest}': kramdown links to the URL with the "
            "space in it and GitHub shows the text; remove the space or write %20",
        )
    for m in _NO_OPEN_PAREN.finditer(line) if "]h" in line else ():
        yield Issue(
            number,
            m.start() + 1,
            f"'[{m.group('text')}]{m.group('dest')})' is missing the '(' before the URL: "
            "it renders as text",
        )
    for m in _NO_CLOSE_BRACKET.finditer(line) if "(h" in line else ():
        yield Issue(
            number,
            m.start() + 1,
            f"'[{m.group('text')}(' is missing the ']' before '(': it renders as text",
        )
    if at is not None:
        yield Issue(
            number,
            at + 1,
            "']' followed by '(URL)' with no '[' before it: the link text has lost its "
            "opening '[' and renders as text",
        )
