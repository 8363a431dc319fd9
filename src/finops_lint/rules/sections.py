"""SC: pages that lost a required section or its parts."""

from __future__ import annotations

from collections.abc import Iterator

from finops_lint.config import SectionSpec, normalize_heading
from finops_lint.document import Document
from finops_lint.parsing.markdown import Section
from finops_lint.rules.base import Issue, RuleContext, rule


def _matches(doc: Document, spec: SectionSpec) -> list[Section]:
    return [s for s in doc.sections if spec.matches(s.heading.text)]


def _has_content(doc: Document, section: Section) -> bool:
    if section.has_own_content:
        return True
    return any(_has_content(doc, doc.sections[i]) for i in section.children)


@rule("SC001", "missing-section", "error", "A page without a section its page type requires.")
def missing_section(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds pages that lack a section their page type requires (for a capability:
    Definition, Maturity Assessment, Functional Activity, Measures of Success,
    Inputs). Sections are matched by heading text at any level, from the start
    of the heading, with aliases: "Measure(s) of Success & KPI", "Measure(s) of
    Success" and "Measures of Success" are one section; "Functional Activity
    (needs update)" is still the Functional Activity section.

    **Why it matters:** every capability page is read against the same outline;
    a page that lost "Maturity Assessment" in an edit no longer says how to
    mature the capability.

    **Bad:** a capability page with no `## Maturity Assessment` heading.

    **Good:** all required sections, at any heading level.

    **Configure:** `page-types: {NAME: {sections: [{name, aliases, pattern, parts,
    allow-empty}]}}`.
    """
    pt = ctx.page_type
    if pt is None or not pt.sections or not doc.is_markdown:
        return
    for spec in pt.sections:
        if not _matches(doc, spec):
            line = doc.headings[0].line if doc.headings else doc.body_start_line
            yield Issue(line, 1, f"{pt.name} page has no '{spec.name}' section")


@rule(
    "SC002",
    "missing-maturity-parts",
    "error",
    "A section without the parts it requires (Crawl, Walk and Run).",
)
def missing_parts(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds a required section that lacks its required parts: a capability's
    Maturity Assessment must give Crawl, Walk and Run, as headings under it
    (`#### Crawl`) or as the rows of a table in it (first cell `Crawl`). Either
    way the built page shows the three levels; a part given neither way is
    missing from the page.

    **Why it matters:** a maturity assessment without one of its levels is
    incomplete; readers of every capability page expect all three.

    **Bad:**
    ```
    ## Maturity Assessment
    #### Crawl
    ...
    #### Run
    ```

    **Good:** `#### Crawl`, `#### Walk` and `#### Run` under the section, or a
    table whose rows start with Crawl, Walk and Run.
    """
    pt = ctx.page_type
    if pt is None or not doc.is_markdown:
        return
    for spec in pt.sections:
        if not spec.parts:
            continue
        for section in _matches(doc, spec):
            sub = _descendants(doc, section)
            texts = [normalize_heading(doc.sections[i].heading.text) for i in sub]
            rows = _row_keys_in(doc, section)
            missing = [
                p
                for p in spec.parts
                if not any(t == p.casefold() or t.startswith(p.casefold() + " ") for t in texts)
                and p.casefold() not in rows
            ]
            if not missing:
                continue
            yield Issue(
                section.heading.line,
                section.heading.column,
                f"'{section.heading.text}' has no {', '.join(missing)} "
                f"(neither a sub-heading nor a table row)",
            )


@rule("SC003", "empty-section", "error", "A required section with no content.")
def empty_section(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds a heading of a required section with nothing under it before the next
    heading of the same or a higher level.

    **Why it matters:** an empty section is either lost content or a stray heading
    (one capability page has an empty `## Measure(s) of Success` directly above
    `## Measure(s) of Success & KPI`).

    **Bad:**
    ```
    ## Measure(s) of Success
    ## Measure(s) of Success & KPI
    ```

    **Good:** one heading, with its content.

    **Configure:** `allow-empty: true` on a section spec.
    """
    pt = ctx.page_type
    if pt is None or not doc.is_markdown:
        return
    for spec in pt.sections:
        if spec.allow_empty:
            continue
        matches = _matches(doc, spec)
        for section in matches:
            if _has_content(doc, section):
                continue
            others = [s for s in matches if s is not section and _has_content(doc, s)]
            hint = (
                f"; '{others[0].heading.text}' at line {others[0].heading.line} holds the "
                "content, remove this heading"
                if others
                else ""
            )
            yield Issue(
                section.heading.line,
                section.heading.column,
                f"section '{section.heading.text}' is empty{hint}",
            )


def _descendants(doc: Document, section: Section) -> list[int]:
    out: list[int] = []
    stack = list(section.children)
    while stack:
        i = stack.pop()
        out.append(i)
        stack.extend(doc.sections[i].children)
    return sorted(out)


def _row_keys_in(doc: Document, section: Section) -> set[str]:
    """The first cells (casefolded, emphasis removed) of the tables in a section."""
    keys: set[str] = set()
    for table in doc.tables:
        if section.start_line <= table.line <= section.end_line:
            keys |= {normalize_heading(r.cells[0].text) for r in table.rows if r.cells}
    return keys
