"""HD: heading structure."""

from __future__ import annotations

import re
from collections.abc import Iterator

from finops_lint.document import Document
from finops_lint.rules.base import Issue, Option, RuleContext, rule
from finops_lint.rules.rendering import kramdown_site

_NO_SPACE = re.compile(r"^ {0,3}(#{1,6})([^#\s].*)$")


@rule("HD001", "missing-h1", "error", "A page type that needs an H1 heading has none.")
def missing_h1(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds pages of a type whose profile says `h1: required` (capability, domain and
    framework pages in the FinOps profile) that have no level-1 heading.

    **Why it matters:** these layouts do not print the title; without the H1 the
    page starts with no heading at all.

    **Bad:** a capability page starting with `## Definition`.

    **Good:** `# Forecasting` first.

    **Configure:** `h1: required | optional` per page type.
    """
    pt = ctx.page_type
    if pt is None or pt.h1 != "required" or not doc.is_markdown:
        return
    if not any(h.level == 1 and h.renders for h in doc.headings):
        yield Issue(
            doc.body_start_line if doc.lines else 1,
            1,
            f"{pt.name} page has no level-1 heading ('# Title')",
        )


@rule("HD002", "multiple-h1", "warning", "More than one level-1 heading.", needs=("headings",))
def multiple_h1(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds a second (third...) `# ` heading in a page.

    **Why it matters:** a page has one title; a second H1 is usually a section
    that should be `##`, and it confuses the page outline and search engines.

    **Bad:** `# Adopting FinOps` ... `# How to Jump Start FinOps`

    **Good:** `# Adopting FinOps` ... `## How to Jump Start FinOps`
    """
    h1s = [h for h in doc.headings if h.level == 1 and h.renders]
    for h in h1s[1:]:
        yield Issue(
            h.line,
            h.column,
            f"second level-1 heading '{h.text}' (the first is at line {h1s[0].line}); use '##'",
        )


@rule("HD003", "empty-heading", "error", "A heading with no text.", needs=("headings",))
def empty_heading(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds headings with no text, such as a lone `##`.

    **Why it matters:** kramdown makes no heading of it and prints the `##` as a
    paragraph; GitHub shows an empty heading with an empty anchor. Either way the
    page has a stray mark where a title was meant.

    **Bad:** `##`

    **Good:** `## Inputs`
    """
    kramdown: bool | None = None  # (read of the Site only for a heading to report)
    for h in doc.headings:
        if not h.text.strip() and not h.raw.strip():
            if kramdown is None:
                kramdown = kramdown_site(ctx)
            marks = "#" * h.level
            yield Issue(
                h.line,
                h.column,
                f"a lone '{marks}': kramdown prints it as text (GitHub shows an empty "
                "heading); write the heading's text or remove the line"
                if kramdown
                else f"empty level-{h.level} heading",
            )


@rule(
    "HD004",
    "missing-space-after-hash",
    "error",
    "'##Heading' without a space: not a heading in CommonMark/GFM.",
    fixable=True,
    needs=("blocks",),
)
def missing_space(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds lines such as `##Maturity Assessment` where the space after the hashes is
    missing.

    **Why it matters:** CommonMark and GFM render it as a paragraph with literal
    `##`; kramdown renders a heading. The same page looks different on GitHub
    and on the site, and section checks cannot find the section.

    **Bad:** `##Inputs`

    **Good:** `## Inputs`

    **Fix:** `finops-lint check --fix` inserts the space (kramdown already renders a
    heading there, so the site does not change; GitHub's preview then agrees).
    """
    from finops_lint.findings import Fix

    body_start = doc.body_start_line
    in_text_block = {b.line for b in doc.blocks if b.kind == "paragraph"}
    code_lines = {n for start, end in doc.code_ranges for n in range(start, end + 1)}
    for number in sorted(in_text_block):
        if number < body_start or number in code_lines:
            continue
        line = doc.lines[number - 1]
        m = _NO_SPACE.match(line)
        if not m:
            continue
        hashes, rest = m.group(1), m.group(2)
        if len(hashes) == 1 and not rest[:1].isupper():
            continue  # "#hashtag" or "#1": not an intended heading
        if rest[:1].isdigit() or rest.startswith(("{", "!")):
            continue
        col = line.index("#") + 1
        yield Issue(
            number,
            col,
            f"'{hashes}{rest[:30]}' is not a heading: add a space after '{hashes}'",
            fix=Fix("insert a space", number, col + len(hashes), number, col + len(hashes), " "),
        )


@rule(
    "HD005",
    "heading-increment",
    "warning",
    "A heading level skipped (## then ####).",
    options={
        "allowed-jumps": Option(
            {
                "type": "array",
                "items": {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 1, "maximum": 6},
                    "minItems": 2,
                    "maxItems": 2,
                },
            },
            [],
            "Skips that are the site's house style, as [from, to] levels: [[2, 4]] "
            "allows '## Section' followed by '#### Part'.",
        )
    },
    needs=("headings",),
)
def heading_increment(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds headings more than one level deeper than the heading before them
    (`# Title` then `### Month`).

    **Why it matters:** the page outline (screen readers, the table of contents,
    search snippets) has a hole; maintainers of the FinOps site fix these by hand.

    **House style:** a site may skip a level on purpose everywhere; the FinOps
    profile allows `## Maturity Assessment` followed by `#### Crawl` (the layout
    styles `h4` as a sub-heading) with `allowed-jumps: [[2, 4]]`, and still
    reports other skips.

    **Bad:** `# What's New` followed by `### November 2022`

    **Good:** `# What's New` followed by `## November 2022`

    **Configure:** `rules: {HD005: {allowed-jumps: [[2, 4]]}}`.
    """
    allowed = {tuple(pair) for pair in ctx.options.get("allowed-jumps") or []}
    previous = 0
    for h in doc.headings:
        if not h.renders:
            continue  # printed as text on the site (HD003, HD007 and others say why)
        if previous and h.level > previous + 1 and (previous, h.level) not in allowed:
            yield Issue(h.line, h.column, f"heading level jumps from h{previous} to h{h.level}")
        previous = h.level


@rule(
    "HD007",
    "heading-in-html",
    "warning",
    "A Markdown heading inside block HTML: kramdown prints '## Title' as text.",
)
def heading_in_html(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds Markdown headings (`## Title`) inside block HTML that kramdown leaves
    as HTML: a `<div>`, `<details>` or any block-level tag at the start of a line,
    up to its end tag, across empty lines, unless the tag has `markdown="1"` or the
    site sets `kramdown: parse_block_html: true`.

    **Why it matters:** the page shows `## Title` as text, with no heading, no
    anchor and no entry in the outline; links to its anchor are broken (LK003,
    LK004). GitHub's preview shows a heading when an empty line follows the tag,
    so the break is seen only on the site.

    **Precision:** a warning; not in files Jekyll does not build (a README is read
    on GitHub). Such lines are no headings for the other HD and SC rules either.

    **Bad:**
    ```
    <div class="note">

    ## Before you start

    </div>
    ```

    **Good:** `<div class="note" markdown="1">`, or the heading outside the `<div>`.
    """
    if not doc.headings_as_text:
        return
    if ctx.site is not None and ctx.site.is_repository_document(doc.rel_path):
        return
    for h in doc.headings_as_text:
        html = doc.raw_html.at(h.line)
        if html is None:
            continue
        first, _last, tag = html
        yield Issue(
            h.line,
            h.column,
            f"heading '{h.text}' inside <{tag}> at line {first}, block HTML kramdown leaves "
            f'as HTML: the page shows it as text (no heading, no anchor); add markdown="1" '
            f"to the <{tag}>, or move the heading out",
        )
