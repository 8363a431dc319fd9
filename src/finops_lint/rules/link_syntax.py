"""LK: link syntax on one page (malformed links, a missing scheme, reference links
and their definitions). Nothing here reads other pages; the Site is read only for
a definition under a line of text, which is one only if jekyll-relative-links
rewrites it (`definition_stands`)."""

from __future__ import annotations

from collections.abc import Iterator

from finops_lint.document import Document
from finops_lint.findings import Fix
from finops_lint.parsing.links import Link, likely_rewritten
from finops_lint.rules.base import Issue, RuleContext, rule


@rule(
    "LK005",
    "malformed-link",
    "error",
    "A link that renders as text: '[text] (url)', '[text]()', empty target, empty <a>.",
)
def malformed_link(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds links that do not render as links: a space between `]` and `(`, an
    empty destination `[text]()` or `<a href="">`, and an HTML `<a href="..."></a>`
    with nothing between its tags (no text, image, icon or `aria-label`): it is on
    the page but nobody can see or click it.

    **Why it matters:** the reader sees brackets and a bare URL, or a link that
    goes nowhere.

    **Bad:** `[Cost Allocation] (/framework/capabilities/cost-allocation/)`

    **Good:** `[Cost Allocation](/framework/capabilities/cost-allocation/)`
    """
    for bad in doc.malformed_links:
        yield Issue(
            bad.line, bad.column, bad.message, end_line=bad.end_line, end_column=bad.end_column
        )
    for link in doc.links:
        if link.syntax == "html" and link.kind == "link" and link.text == "":
            yield Issue(
                link.line,
                link.column,
                "link has no text: the page shows nothing to click (write text between "
                "<a> and </a>, or give it an aria-label)",
                end_line=link.end_line,
                end_column=link.end_column,
            )
            continue
        if link.target_kind == "empty" and link.syntax in ("inline", "html"):
            if link.syntax == "html" and link.kind != "link" and link.kind != "image":
                continue
            what = "image" if link.kind == "image" else "link"
            yield Issue(
                link.line,
                link.column,
                f"{what} has an empty destination",
                end_line=link.end_line,
                end_column=link.end_column,
            )


@rule(
    "LK006",
    "missing-scheme",
    "error",
    "A URL without http(s)://, read as a relative path.",
    fixable=True,
    needs=("links",),
)
def missing_scheme(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds link targets such as `www.example.com/page` or `https//example.com`
    that lack `https://` (or its colon).

    **Why it matters:** the browser treats them as paths on this site, so the
    link leads to a 404 page.

    **Bad:** `[FinOps Foundation](www.finops.org)`

    **Good:** `[FinOps Foundation](https://www.finops.org)`

    **Fix:** `finops-lint check --fix` adds `https://` (or the missing `:`/`/`).
    """
    for link in doc.links:
        if link.target_kind != "missing-scheme":
            continue
        target = link.target
        if target.lower().startswith("www."):
            fixed = "https://" + target
        elif "//" in target:
            scheme, rest = target.split("//", 1)
            fixed = scheme.rstrip(":/") + "://" + rest
        else:
            scheme, rest = target.split(":/", 1)
            fixed = scheme + "://" + rest
        yield Issue(
            link.target_line,
            link.target_column,
            f"'{target}' has no URL scheme and will be read as a relative path; "
            f"did you mean '{fixed}'?",
            fix=Fix(
                f"use {fixed}",
                link.target_line,
                link.target_column,
                link.target_line,
                link.target_column + len(target),
                fixed,
            ),
        )


@rule(
    "LK008",
    "undefined-reference",
    "error",
    "A reference-style link whose label has no definition.",
    needs=("links",),
)
def undefined_reference(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds `[text][label]` and `[label][]` links whose label is defined nowhere in
    the page (`[label]: https://...`). Labels are matched case-insensitively,
    as Markdown does.

    **Why it matters:** the link renders as literal brackets.

    **Bad:** `[the report][sof-2023]` with no `[sof-2023]: ...` line.

    **Good:** add `[sof-2023]: https://data.finops.org/` at the end of the page.

    A definition line right under a line of text (no empty line between) is no
    definition: kramdown and GitHub read it as more text of that paragraph, and
    show it. The message then names that line. One that jekyll-relative-links
    rewrites (on a page it runs on, a path that names a page or file of the site:
    `[guide]: guide.md`) is one, with those under it: the plugin puts an empty
    line before it. Without a Jekyll site to ask, one whose path names a file is
    taken as rewritten.
    """
    for link in doc.links:
        if link.target_kind == "undefined-reference":
            glued = doc.glued_definitions.get(link.label or "")
            why = "" if glued is None else _glued_why(doc, glued.line)
        elif not link_stands(doc, link, ctx):
            why = _glued_why(doc, doc.definitions[link.label or ""].line, rewritten=False)
        else:
            continue
        yield Issue(
            link.line,
            link.column,
            f"reference '[{link.label}]' is not defined in this page{why}",
            end_line=link.end_line,
            end_column=link.end_column,
        )


def definition_stands(doc: Document, label: str | None, ctx: RuleContext) -> bool:
    """Whether the page's definition of a label is one on the built page: it is,
    unless it sits under a line of text and jekyll-relative-links rewrites none of
    the definitions from that text down to it (then the lines are text)."""
    paths = doc.conditional_definitions.get(label) if label else None
    if paths is None:
        return True
    site = ctx.site
    if site is None:
        return likely_rewritten(paths)
    return any(site.relative_rewrite(doc.rel_path, path) is not None for path in paths)


def link_stands(doc: Document, link: Link, ctx: RuleContext) -> bool:
    """Whether the link is a link on the built page: a reference link whose
    definition is text there (`definition_stands`) is not."""
    return link.syntax != "reference" or definition_stands(doc, link.label, ctx)


def _glued_why(doc: Document, line: int, *, rewritten: bool = True) -> str:
    """Why the definition on `line` is text: it is under a line of text."""
    lines = {d.line for d in doc.glued_definitions.values()}
    lines.update(doc.definitions[label].line for label in doc.conditional_definitions)
    first = line
    while first - 1 in lines:
        first -= 1  # the first of a run of definitions under the text
    plugin = (
        ""
        if rewritten
        else " (jekyll-relative-links, which would put one there, rewrites none of them here)"
    )
    return (
        f": the definition on line {line} is under a line of text with no empty line "
        f"between, so it is read as more of that paragraph (and shown){plugin}; add an "
        f"empty line before line {first}"
    )


@rule("LK009", "unused-definition", "warning", "A link reference definition nothing uses.")
def unused_definition(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds `[label]: url` definitions that no link in the page uses.

    **Why it matters:** usually the link that used it was renamed or deleted, and
    the text lost its link.

    **Bad:** `[cc-by-old]: http://creativecommons.org/licenses/by/3.0/` never used.

    **Good:** remove it, or use it.

    A definition under a line of text that the built page shows as text (see
    LK008) is no definition, used or not.
    """
    for label, definition in doc.definitions.items():
        if label not in doc.used_labels and definition_stands(doc, label, ctx):
            yield Issue(
                definition.line, definition.column, f"link definition '[{label}]' is never used"
            )
