"""PH: placeholder, filler and template text committed as content.

PH001/PH002 read table cells against the profile's `placeholders` tokens;
PH003/PH004 search block text with the analyser in placeholder_analysis.py;
PH005 compares a page with its page type's template; PH006 finds git conflict
markers.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from finops_lint.config import Config
from finops_lint.document import Document, is_markdown_path
from finops_lint.findings import Related
from finops_lint.parsing.frontmatter import split_front_matter
from finops_lint.parsing.links import strip_liquid
from finops_lint.parsing.markdown import TextBlock
from finops_lint.rules.base import Issue, RuleContext, rule, site_memo, source_fact
from finops_lint.rules.placeholder_analysis import (
    FILLER_THRESHOLD,
    excerpt,
    filler_vocabulary,
    first_word,
    locate,
    may_match_source,
    norm_prose,
    page_may_have_filler,
    page_patterns,
    short,
    source_says,
)
from finops_lint.workspace import NOT_LEARNT

if TYPE_CHECKING:
    from finops_lint.site import Site
    from finops_lint.workspace import Workspace

_ITALIC_BLOCK = re.compile(r"^\s*(?:>\s*)?[_*](?![_*\s]).*[^\s_*][_*]\s*$", re.DOTALL)


def _tokens(config: Config, key: str) -> frozenset[str]:
    words = config.placeholders.get(key, []) + config.placeholders.get("words", [])
    return _folded_set(tuple(words))


@lru_cache(maxsize=32)
def _folded_set(words: tuple[str, ...]) -> frozenset[str]:
    """The words stripped and case-folded, made once per run (each page's tables ask)."""
    return frozenset(w.strip().casefold() for w in words)


def _norm_cell(text: str) -> str:
    return " ".join(strip_liquid(text).strip().strip("*_`").casefold().split())


@rule(
    "PH001",
    "placeholder-row",
    "error",
    "A table row made only of placeholder words.",
    needs=("tables",),
)
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
    if not doc.tables:
        return
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


@rule(
    "PH002",
    "placeholder-cell",
    "warning",
    "A table cell that is only TBD, TODO, xxx...",
    needs=("tables",),
)
def placeholder_cell(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds single table cells whose whole text is a placeholder such as `TBD`,
    `TODO`, `xxx` or `lorem ipsum` (rows made only of placeholders are PH001).

    **Why it matters:** an unfinished cell is published as-is.

    **Bad:** `| Walk | TBD | 80% |`

    **Good:** `| Walk | Capability is understood and followed | 80% |`

    **Configure:** `placeholders: {cell-tokens: [...]}`.
    """
    if not doc.tables:
        return
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


@rule(
    "PH003",
    "placeholder-text",
    "error",
    "Placeholder prose or headings: lorem ipsum, TODO:, Hello World, filler text.",
    needs=("blocks",),
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

    **Configure:** `placeholders: {text: [regex, ...]}` adds patterns;
    `filler-words: [...]` and `filler-phrases: [...]` add to the filler vocabulary
    (a block with five of its words or phrases is filler text).
    """
    patterns = page_patterns(doc, tuple(ctx.config.placeholders.get("text", [])))
    vocabulary = filler_vocabulary(ctx.config)
    filler = page_may_have_filler(doc, vocabulary)
    if not patterns and not filler:
        return
    for block, text in zip(doc.blocks, doc.block_texts, strict=True):
        if not text:
            continue
        reported = False
        for pattern in patterns:
            m = pattern.search(text)
            if m:
                line, col = locate(doc, block, m.group(0))
                what = "heading" if block.kind == "heading" else "text"
                yield Issue(line, col, f"placeholder {what}: '{excerpt(text, m)}'")
                reported = True
                break
        if filler and not reported and vocabulary.score(text) >= FILLER_THRESHOLD:
            line, col = locate(doc, block, text.split()[0])
            yield Issue(
                line,
                col,
                f"filler text (lorem-ipsum style): '{excerpt(text, None)}'",
            )


@rule(
    "PH004",
    "unfinished-content",
    "warning",
    "Content marked as unfinished: coming soon, needs update, under construction.",
    needs=("blocks",),
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
    locations; a copy whose words markup splits (`co**ming** soon`) is a finding
    of its own.

    **Bad:** `Reference of courses and training partners coming soon.`

    **Good:** the list of courses, or no section until there is one.

    **Configure:** `placeholders: {unfinished: [regex, ...]}`.
    """
    items = tuple(ctx.config.placeholders.get("unfinished", []))
    for block, text, m in _unfinished_blocks(doc, items):
        line, col = locate(doc, block, m.group(0))
        message = f"unfinished content: '{excerpt(text, m)}'"
        related: list[Related] = []
        pages = _same_sentence_pages(doc, ctx, items).get(norm_prose(text), [])
        if len(pages) > 1 and any(path == doc.rel_path for path, _line in pages):
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
    patterns = page_patterns(doc, items)
    if not patterns:
        return
    for block, text in zip(doc.blocks, doc.block_texts, strict=True):
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
    if ctx.workspace is None or ctx.page_type is None:
        return {}
    return _sentences_of_type(ctx, ctx.page_type.name, items, doc)


def _sentences_of_type(
    ctx: RuleContext, type_name: str, items: tuple[str, ...], doc: Document | None = None
) -> dict[str, list[tuple[str, int]]]:
    ws = ctx.workspace
    assert ws is not None

    def by_sentence() -> dict[str, list[tuple[str, int]]]:
        found: dict[str, list[tuple[str, int]]] = {}
        for path, _data in sorted(ws.pages_of_type(type_name)):
            # Parsing only the pages whose body may hold the text (blocks are the
            # body's; a description in the front matter often says "need" and
            # "update"): most pages of a type do not. A page passed over (the words
            # split by markup) is reported on its own, never dropped (see the caller).
            mine = doc if doc is not None and path == doc.rel_path else None
            source = mine.text if mine is not None else ws.text(path)
            if source is None:
                continue
            body = source[split_front_matter(source).body_offset :]
            if not may_match_source(body, items, is_markdown_path(path)):
                continue
            other = mine if mine is not None else ws.document(path)
            if other is None:
                continue
            for block, text, _m in _unfinished_blocks(other, items):
                found.setdefault(norm_prose(text), []).append((path, block.line))
        return found

    return ctx.run_memo(("PH004 sentences by type", type_name), by_sentence)


@site_memo("PH004")
def _sentences_of_every_type(
    contexts: Callable[[], RuleContext], site: Site, ws: Workspace
) -> None:
    """The sentences of the page types of the pages that say they are unfinished as
    written (`source_says`): those pages ask for them. A page whose sentence only
    its visible text shows (markup in the words) makes its worker compute them, as
    without this."""
    says = _says_unfinished(ws.config)
    if says is None:  # no pattern configured
        return
    items = tuple(ws.config.placeholders.get("unfinished", []))
    types: dict[str, None] = {}
    for path in site.pages:
        said = ws.source_fact("PH004", path)  # learnt as the Site's build read the page
        if said is NOT_LEARNT:
            text = ws.text(path)
            said = text is not None and says(text)
        if said:
            page_type = ws.facts(path).page_type
            if page_type is not None:
                types[page_type.name] = None
    for name in types:
        _sentences_of_type(contexts(), name, items)


@source_fact("PH004")
def _says_unfinished(config: Config) -> Callable[[str], bool] | None:
    """Whether a page's text says it is unfinished as written (`source_says` of its
    body): what `_sentences_of_every_type` asks of every page of the site."""
    items = tuple(config.placeholders.get("unfinished", []))
    if not items:
        return None

    def says(text: str) -> bool:
        return source_says(text[split_front_matter(text).body_offset :], items)

    return says


@rule(
    "PH005",
    "template-text",
    "error",
    "Text copied from the page type's template and never replaced.",
    needs=("blocks",),
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
    if pt is None or pt.template is None or not doc.blocks:
        return
    ws = ctx.workspace
    if ws is None:
        return
    template = ws.template(pt.template)
    if template is None or template.rel_path == doc.rel_path:
        return
    instructions, first_words = ctx.run_memo(
        ("PH005 instructions", template.rel_path), lambda: _instructions(template)
    )
    if not instructions:
        return
    # One finding per template block left in: consecutive matches from the same
    # template section, with no heading of the page between them.
    groups: list[list[TextBlock]] = []
    open_section: int | None = None
    for block in doc.blocks:
        if block.kind not in ("paragraph", "heading"):
            continue
        # (a block whose first word starts no instruction is not normalized whole)
        text = block.text
        found = instructions.get(norm_prose(text)) if first_word(text) in first_words else None
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
            f"'{short(first.text)}'",
            end_line=last.end_line,
            end_column=len(doc.lines[last.end_line - 1]) + 1,
        )


def _instructions(template: Document) -> tuple[dict[str, int], frozenset[str]]:
    """A page type template's instruction texts (its italic or quoted paragraphs of 20
    characters or more, and its title heading), each with the template section it
    belongs to (the number of headings above it), and the first word of each
    (`first_word`): the same for every page of the type, so computed once a run."""
    instructions: dict[str, int] = {}
    section = 0
    for block in template.blocks:
        if block.kind == "heading":
            section += 1
        if block.kind == "paragraph" and (_ITALIC_BLOCK.match(block.raw) or block.in_quote):
            key = norm_prose(block.text)
            if len(key) >= 20:
                instructions.setdefault(key, section)
        elif (
            block.kind == "heading"
            and template.headings
            and block.line == template.headings[0].line
            and template.headings[0].level == 1
        ):
            instructions[norm_prose(block.text)] = section
    return instructions, frozenset(key.split(" ", 1)[0] for key in instructions)


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
    if "<<<<<<<" not in doc.text and ">>>>>>>" not in doc.text:
        return  # "=======" counts only after a "<<<<<<<"
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
