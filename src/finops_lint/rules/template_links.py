"""LK014: paths that the site's layouts and includes build from front matter values."""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from typing import TYPE_CHECKING

from finops_lint.findings import Related
from finops_lint.rules.base import Issue, RuleContext, rule

if TYPE_CHECKING:
    from finops_lint.document import Document
    from finops_lint.site.templates import Broken


@rule(
    "LK014",
    "broken-template-path",
    "error",
    "A front matter value from which a layout or include builds a link or image path "
    "that reaches nothing.",
    scope="site",
)
def broken_template_path(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds front matter values that the site's templates put into a link or image
    path, where the finished path reaches no page or file. The templates are read
    from `_layouts/`, `_includes/` and pages with Liquid: an `<img src>` or
    `<a href>` that is part literal text, part `{{ page.KEY }}` or
    `{{ item.KEY }}` of a loop over a collection (`{% for item in site.resources %}`,
    or an `assign`ed, sorted copy of it), with simple filters (`downcase`,
    `slugify`, `replace`, `relative_url`...). Each page that renders the template is
    evaluated with its own values; `{% if %}` conditions that are certainly false
    (`item.type == 'Podcast'` for a video) drop the item.

    Reported once per page and key, at the key, with the template as related
    location: the value is what a person edits (or the template, when every value
    misses, as when the files are lower-case and the values are not).

    **Why it matters:** no source file holds the broken path, so no link check of
    the pages sees it; the built site shows a broken image (or a dead link) on
    every page that lists the item. Hosts serve paths case-sensitively:
    `type: Guide` asks for `Guide.png` where the file is `guide.png`.

    **Precision:** expressions it cannot evaluate (unknown variables or filters,
    computed attributes such as `url`, include parameters) are skipped. A
    condition it cannot decide (a counter such as `count < 6`) is taken as true,
    so a value is reported as soon as a page may list its item. A path that is one
    value and nothing else (`src="{{ page.logo-url }}"`) is a front matter link:
    LK010 checks those.

    **Bad:** `type: Guide` in a resource listed by
    `<img src="/img/search-icons/{{ resource.type }}.png">` when the file is
    `img/search-icons/guide.png`.

    **Good:** `{{ resource.type | downcase }}` in the template. Changing the
    values instead (`type: guide`) fixes the image but can break what else reads
    them: on the framework site `{% if item.type == 'Podcast' %}` selects the
    podcasts, and the cards print the type as written. Change a value only when it
    is the odd one out.
    """
    ws, site = ctx.workspace, ctx.site
    if ws is None or site is None or not doc.front_matter.present:
        return
    mine = ws.template_breaks(doc.rel_path).get(doc.rel_path)
    if not mine:
        return
    by_key: dict[str, list[Broken]] = {}
    for found in mine:
        by_key.setdefault(found.key, []).append(found)
    existing = ctx.run_memo(
        ("LK014 static files by folded URL",),
        lambda: {url.casefold(): url for url in site.static_by_path.values()},
    )
    for key, items in by_key.items():
        first = items[0]
        what = "image" if first.link.tag == "img" else "link"
        where = f"{first.link.template}:{first.link.line}"
        message = (
            f"'{key}: {first.value}' makes {where} build the {what} path '{first.href}', "
            "which does not exist on the site"
        )
        path = first.href.split("#")[0].split("?")[0]
        base = site.config.baseurl
        if base and path.startswith(base + "/"):
            path = path[len(base) :]
        near = existing.get(path.casefold()) if path.startswith("/") else None
        if near is not None and near != path:
            message += (
                f"; the file is '{posixpath.basename(near)}' (paths are case-sensitive): when "
                "other pages write the value this way too, fix the template (`| downcase`) or "
                "the file name, since other templates may compare or show the value as written"
            )
        related: list[Related] = []
        for found in items:
            entry = Related(
                ws.display_path(found.link.template),
                found.link.line,
                found.link.column,
                f"builds '{found.href}' from '{key}'",
            )
            if entry not in related:
                related.append(entry)
        pos = doc.front_matter.value_position((key,))
        yield Issue(pos.line, pos.column, message, related=related)
