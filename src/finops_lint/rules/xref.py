"""XR (and FM006): what pages say about each other."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator
from typing import TYPE_CHECKING, Any

from finops_lint.document import Document
from finops_lint.findings import Related, Severity
from finops_lint.parsing.front_matter_data import front_matter_targets
from finops_lint.parsing.frontmatter import dotted_key, split_front_matter
from finops_lint.rules.base import Issue, RuleContext, rule, site_memo
from finops_lint.site.page import SitePage

if TYPE_CHECKING:
    from finops_lint.site import Site
    from finops_lint.workspace import Workspace


@rule("FM006", "duplicate-url", "error", "Two pages that publish to the same URL.", scope="site")
def duplicate_url(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds pages whose URL (front matter `permalink`, or the collection's pattern)
    is also the URL of another page: Jekyll's "Conflict: The following destination
    is shared by multiple files".

    When the pages render different content (a body, or a layout that prints the
    page), one silently replaces the other on the live site: each page is reported
    as an error, with the others as related locations.

    When every page at the URL renders nothing (no body, no layout: entries that
    exist only to be listed, whose listings link elsewhere), the file is the same
    empty page whichever wins. That sink is reported once, as a warning on its
    first page with all of them as related locations; the advice is `sitemap:
    false` (jekyll-sitemap otherwise lists the URL once per page). Not
    `published: false`: unpublished documents drop out of `site.COLLECTION`, and
    every listing that loops over it would lose them.

    A `redirect_from` URL makes a page too (jekyll-redirect-from), and Jekyll
    writes it in a fixed order: the redirect pages after the site's pages, then
    the static files, then the collections' documents, the last file written to
    a URL being the one served. So:

    - a `redirect_from` URL that a page is published at replaces that page: an
      error on the `redirect_from` item and on the page replaced (the page's own
      URL makes it a redirect to itself);
    - one that a document or a static file is published at never takes effect
      (the file is written over the redirect): a warning on the item;
    - one that a later page claims too (documents by collection and path, then
      pages by file name) never takes effect either: a warning on the item.

    Jekyll says nothing about any of these.

    A page and a static file written to one file get Jekyll's "Conflict" warning,
    and Jekyll writes static files after pages and before documents: a page is
    then not on the site (an error on the page), a document wins and the file is
    not (a warning on the document).

    **Why it matters:** two real pages at one URL means one of them is not on the
    site; a sink at least fills the sitemap with copies of an empty page. A
    `redirect_from` over a page removes the page from the site.

    **Bad:** two pages with `permalink: /framework/capabilities/`; `redirect_from:
    /framework/capabilities/` on another page

    **Good:** one URL per page; listing-only entries with no body and no layout may
    share one, with `sitemap: false`; `redirect_from` only for URLs nothing else
    is published at.
    """
    site = ctx.site
    if site is None:
        return
    page = site.page_for_path(doc.rel_path)
    if page is None or not page.output:
        return
    yield from _redirect_clashes(doc, page, site, ctx)
    yield from _static_clashes(doc, page, site, ctx)
    sharing = _sharing(page.url, site, ctx)
    if all(p.path == page.path for p in sharing):
        return  # (stops at the first other page: URLs that 85 pages share are common)

    def related(pages: list[SitePage], note: str) -> list[Related]:
        return [
            Related(ctx.workspace.display_path(p.path) if ctx.workspace else p.path, 1, 1, note)
            for p in pages
        ]

    sink = _is_sink(sharing, ctx)
    if sink and sharing[0].path != page.path:
        return  # reported once, on the first page
    others = [p for p in sharing if p.path != page.path]
    pos = doc.front_matter.position(("permalink",))  # walks the page's YAML: only to report
    if sink:
        missing = [p for p in sharing if p.data.get("sitemap") is not False]
        if missing and "jekyll-sitemap" in site.config.plugins:
            advice = (
                f"; add `sitemap: false` to {len(missing)} of them to keep the URL out of "
                "the sitemap (not `published: false`: that drops them from every listing)"
            )
        else:
            advice = "; harmless, since every one of them renders nothing"
        yield Issue(
            pos.line,
            pos.column,
            f"Conflict: {len(sharing)} pages are written to '{page.url}' (Jekyll warns the "
            "destination is shared by multiple files); none has a body or a layout, so the "
            f"page is empty whichever wins{advice}",
            severity=Severity.WARNING,
            related=related(others, f"also written to {page.url}"),
        )
        return
    shown = others[:20]
    more = f" and {len(others) - len(shown)} more" if len(others) > len(shown) else ""
    yield Issue(
        pos.line,
        pos.column,
        f"URL '{page.url}' is also the URL of {len(others)} other page"
        f"{'s' if len(others) > 1 else ''} ({', '.join(p.path for p in shown[:3])}"
        f"{'...' if len(others) > 3 else ''}){more}; Jekyll writes only one of them",
        related=related(shown, f"also published at {page.url}"),
    )


def _redirect_clashes(
    doc: Document, page: SitePage, site: Any, ctx: RuleContext
) -> Iterator[Issue]:
    """FM006 for the `redirect_from` URLs the page claims, or that replace it."""
    ws = ctx.workspace

    def shown(path: str) -> str:
        return ws.display_path(path) if ws is not None else path

    for clash in site.redirect_clashes_of(doc.rel_path):
        written = clash.written
        if clash.claimer != doc.rel_path:  # this page is the one replaced
            pos = doc.front_matter.position(("permalink",))
            yield Issue(
                pos.line,
                pos.column,
                f"this page is not on the site: {shown(clash.claimer)}'s `redirect_from: "
                f"{written}` writes a redirect over its URL '{page.url}' (jekyll-redirect-from "
                "writes it after the pages); remove that entry or give one of them another URL",
                related=[Related(shown(clash.claimer), 1, 1, f"redirect_from {written}")],
            )
            continue
        key: tuple[str | int, ...] = ("redirect_from",)
        if clash.index is not None:
            key = ("redirect_from", clash.index)
        pos = doc.front_matter.position(key)
        other = shown(clash.other)
        if clash.kind == "replaces" and clash.other == doc.rel_path:
            message = (
                f"redirect_from '{written}' is this page's own URL: jekyll-redirect-from "
                "writes a redirect to the page over the page itself, so the URL redirects to "
                "itself and the page is not on the site; remove the entry"
            )
            yield Issue(pos.line, pos.column, message)
            continue
        if clash.kind == "replaces":
            message = (
                f"redirect_from '{written}' writes a redirect over {clash.other}, which is "
                "published at that URL: that page is not on the site; remove the entry or "
                "give the page another URL"
            )
            note = f"replaced by a redirect to {page.url}"
            severity = None
        elif clash.kind == "overwritten":
            message = (
                f"redirect_from '{written}' never takes effect: {clash.other} is published "
                "at that URL and Jekyll writes it after the redirect; remove the entry"
            )
            note = f"published at {written}"
            severity = Severity.WARNING
        else:
            message = (
                f"redirect_from '{written}' never takes effect: {clash.other} claims it too "
                "and its redirect is written later; keep one claim"
            )
            note = f"redirect_from {written}"
            severity = Severity.WARNING
        yield Issue(
            pos.line, pos.column, message, severity=severity, related=[Related(other, 1, 1, note)]
        )


def _static_clashes(doc: Document, page: SitePage, site: Any, ctx: RuleContext) -> Iterator[Issue]:
    """FM006 for a page and a static file written to one file (Jekyll's "Conflict")."""
    ws = ctx.workspace
    for static, page_wins in site.static_clashes_of(doc.rel_path):
        shown = ws.display_path(static) if ws is not None else static
        pos = doc.front_matter.position(("permalink",))
        if page_wins:
            yield Issue(
                pos.line,
                pos.column,
                f"the static file {static} is also written to '{page.url}' (Jekyll warns the "
                "destination is shared by multiple files); this document is written after it, "
                "so the file is not on the site: move or remove one of them",
                severity=Severity.WARNING,
                related=[Related(shown, 1, 1, f"not on the site: {page.url} is this page")],
            )
            continue
        yield Issue(
            pos.line,
            pos.column,
            f"this page is not on the site: the static file {static} is published at "
            f"'{page.url}' too, and Jekyll writes static files after pages (it warns the "
            "destination is shared by multiple files); give the page another URL or move "
            "the file",
            related=[Related(shown, 1, 1, f"published at {page.url}")],
        )


def _is_sink(pages: list[SitePage], ctx: RuleContext) -> bool:
    """Every page renders nothing: no layout and an empty body (comments aside)."""
    ws = ctx.workspace
    if ws is None:
        return False
    return ctx.run_memo(
        ("FM006 sink", pages[0].url), lambda: all(_renders_nothing(p, ctx) for p in pages)
    )


def _renders_nothing(page: SitePage, ctx: RuleContext) -> bool:
    layout = page.data.get("layout")
    if layout not in (None, "", "none", "null", False):
        return False
    text = ctx.workspace.text(page.path) if ctx.workspace else None
    if text is None:
        return False
    fm = split_front_matter(text)  # where the body starts: no YAML or Markdown to parse
    if not fm.present:
        return False
    return not _COMMENT.sub("", text[fm.body_offset :]).strip()


_COMMENT = re.compile(r"<!--.*?-->", re.S)


@site_memo("FM006")
def _sinks(contexts: Callable[[], RuleContext], site: Site, ws: Workspace) -> None:
    """Whether the pages sharing each URL all render nothing, before the pages are
    checked: asked as `duplicate_url` asks it (the URL's pages, then the memo)."""
    for url, pages in site.pages_by_url.items():
        if sum(p.output for p in pages) < 2:
            continue
        ctx = contexts()
        recorded = ctx.site
        if recorded is None:
            return
        # not `_sharing`: the helper would send every page at each URL to the parent
        _is_sink(_published_at(url, recorded), ctx)


def _path(page: SitePage) -> str:
    return page.path


def _published_at(url: str, site: Site) -> list[SitePage]:
    """The published pages at a URL, by path."""
    return sorted((p for p in site.pages_by_url.get(url, []) if p.output), key=_path)


def _sharing(url: str, site: Site, ctx: RuleContext) -> list[SitePage]:
    """`_published_at`, once per run for a URL pages share, not once per page (a URL
    that 100 pages share was sorted 100 times); a URL of one page is not remembered
    (most are: a run memo entry each, in each worker)."""
    at = site.pages_by_url.get(url, [])
    if len(at) < 2:
        return [p for p in at if p.output]
    return ctx.run_memo(("FM006 sharing", url), lambda: _published_at(url, site))


@rule(
    "XR001",
    "unknown-reference",
    "error",
    "Front matter that names a page that does not exist.",
    scope="site",
)
def unknown_reference(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Checks the front matter references the profile declares, comparing each value
    with the key the site's templates compare (`by`). In the FinOps profile a
    domain's, resource's or story's `framework-capabilities` and a vendor page's
    `capabilities` must name `page-identifier`s of capability pages: the includes
    and layouts loop over the list and test `tag == capability.page-identifier`,
    so a capability named by its title never links (the forecasting page lists no
    resource that says `Forecasting`). A title is reported with the identifier to
    use; anything else with the closest identifier, if one is close.

    **Why it matters:** the site's Liquid matches these values exactly; a typo
    (`capability_education-enablementure`), a title, or a capability that was
    never created (`Sustainability`) silently drops the link between the pages.

    **Bad:**
    ```yaml
    framework-capabilities:
      - Forecasting
      - capability_education-enablementure
    ```

    **Good:** `- capability_forecasting`, `- capability_education-enablement`

    **Configure:** `references: {NAME: {from: TYPE, key: KEY, to: TYPE, by: [keys]}}`;
    `by` names the target key(s) the templates compare the value with.
    """
    ws = ctx.workspace
    pt = ctx.page_type
    if ws is None or pt is None:
        return
    memo: CloseMemo = ctx.run_memo("XR001-closest", dict)
    for ref in ctx.config.references:
        if pt.name not in ref.source:
            continue
        values = doc.front_matter.data.get(ref.key)
        if values is None:
            continue
        items = values if isinstance(values, list) else [values]
        names = ws.reference_names(ref.target, tuple(ref.by))
        if not names:
            continue
        for index, value in enumerate(items):
            if value is None or not isinstance(value, (str, int, float)):
                continue
            text = str(value).strip()
            if text in names:
                continue
            path = (ref.key, index) if isinstance(values, list) else (ref.key,)
            pos = doc.front_matter.value_position(path)
            compared = " or ".join(ref.by)
            alias = _alias(ws, ref.target, ref.by, text)
            if alias is not None:
                ident, key, where = alias
                message = (
                    f"'{ref.key}' names '{text}', the {key} of {ref.target} page {where}; "
                    f"the templates compare {compared}, so it never links: use '{ident}'"
                )
            else:
                which = ("names", ref.target, tuple(ref.by))
                close = _closest_cached(memo, names, which, text, 0.6)
                hint = f"; did you mean '{close}'?" if close is not None else ""
                if close is None:
                    hint = _close_alias(ws, memo, ref.target, ref.by, text)
                message = (
                    f"'{ref.key}' names '{text}', which is no {ref.target} page's {compared}{hint}"
                )
            yield Issue(pos.line, pos.column, message, severity=ref.severity)


def _close_alias(ws: Any, memo: CloseMemo, target: str, by: list[str], text: str) -> str:
    """A hint when `text` is close to (or the start of) another key's value."""
    for key in by:
        aliases = ws.reference_aliases(target, key)
        folded = text.casefold()
        starts = sorted(a for a in aliases if a.startswith(folded + " "))
        which = ("aliases", target, key)
        close = starts[0] if starts else _closest_cached(memo, aliases, which, folded, 0.8)
        if close is not None:
            ident, other, where = aliases[close]
            return f"; did you mean '{ident}' (the {other} of {where})?"
    return ""


CloseMemo = dict[tuple[tuple[Any, ...], str, float], str | None]


def _closest_cached(
    memo: CloseMemo, names: Collection[str], which: tuple[Any, ...], word: str, cutoff: float
) -> str | None:
    """closest() remembered per run (``ctx.run_memo``): a wrong value is usually wrong
    on many pages. `which` says which of the Workspace's sets `names` is (the reference
    names or aliases of a target and key: the same set for the whole run), so the key
    is not a copy of thousands of names made on every call (the result cache hands
    rules a recording view of the set, a new object each time). The hint depends on
    every name: `len(names)` reads the whole set, which a recording view notes for
    the page, memo hit or not."""
    len(names)
    key = (which, word, cutoff)
    if key not in memo:
        memo[key] = closest(word, names, cutoff)
    return memo[key]


def closest(word: str, names: Collection[str], cutoff: float) -> str | None:
    """``difflib.get_close_matches(word, names, n=1, cutoff=cutoff)``, the same answer
    (the best (ratio, name), ties to the greater name) without scoring every name.

    A name is scored only if the cheap upper bounds of its ratio (from the lengths,
    then from the letters shared) reach both the cutoff and the best ratio so far;
    names whose length alone rules them out are never looked at.
    """
    from difflib import SequenceMatcher

    by_length = _by_length(names)
    matcher = SequenceMatcher()
    matcher.set_seq2(word)
    size = len(word)
    best: tuple[float, str] | None = None
    # 2 * min(la, lb) / (la + lb) >= cutoff bounds the lengths worth looking at.
    for length in sorted(by_length, key=lambda n: abs(n - size)):
        shortest = min(length, size)
        bound = 2.0 * shortest / (length + size) if length + size else 1.0
        if bound < cutoff or (best is not None and bound < best[0]):
            continue
        for name in by_length[length]:
            matcher.set_seq1(name)
            quick = matcher.quick_ratio()
            if quick < cutoff or (best is not None and quick < best[0]):
                continue
            score = matcher.ratio()
            if score >= cutoff and (best is None or (score, name) > best):
                best = (score, name)
    return best[1] if best is not None else None


_LENGTH_INDEX: dict[int, tuple[Collection[str], dict[int, list[str]]]] = {}


def _by_length(names: Collection[str]) -> dict[int, list[str]]:
    known = _LENGTH_INDEX.get(id(names))
    if known is not None and known[0] is names:
        return known[1]
    index: dict[int, list[str]] = {}
    for name in names:
        index.setdefault(len(name), []).append(name)
    if len(_LENGTH_INDEX) > 64:
        _LENGTH_INDEX.clear()
    _LENGTH_INDEX[id(names)] = (names, index)
    return index


def _alias(ws: Any, target: str, by: list[str], text: str) -> tuple[str, str, str] | None:
    """(identifier, key, path) when `text` is another key's value on a target page."""
    for key in by:
        found: tuple[str, str, str] | None = ws.reference_aliases(target, key).get(text.casefold())
        if found is not None:
            return found
    return None


@rule(
    "XR002",
    "orphan-page",
    "info",
    "A page no other page lists (a capability no domain names).",
    scope="site",
)
def orphan_page(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Reports a page of a type that should be listed by another page type through a
    declared reference, but is not: in the FinOps profile, a capability that no
    domain's `framework-capabilities` names.

    **Why it matters:** the capability is unreachable from the domain pages and
    shows no "Related Domains". Reported at info severity: a new capability may
    be waiting for its domain.

    **Configure:** `orphans: [{type: capability, reference: domain-capabilities}]`.
    """
    ws = ctx.workspace
    pt = ctx.page_type
    if ws is None or pt is None:
        return
    for orphan in ctx.config.orphans:
        if orphan.get("type") != pt.name:
            continue
        ref = next((r for r in ctx.config.references if r.name == orphan.get("reference")), None)
        if ref is None:
            continue
        named = ws.referenced_values(ref.name)
        keys = [doc.front_matter.data.get(k) for k in ref.by]
        if any(isinstance(k, str) and k in named for k in keys):
            continue
        ident = next((k for k in keys if k), doc.rel_path)
        pos = doc.front_matter.position((ref.by[0],))
        sev = orphan.get("severity")
        yield Issue(
            pos.line,
            pos.column,
            f"{pt.name} '{ident}' is not listed in any {', '.join(ref.source)} page's '{ref.key}'",
            severity=Severity(sev) if sev else None,
        )


@rule(
    "LK010",
    "broken-front-matter-link",
    "error",
    "A front matter link or image (logo-url, image...) that reaches nothing on the site.",
    scope="site",
)
def broken_front_matter_link(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Checks front matter values the profile declares as links (for the FinOps site:
    `image`, `link`, `logo-url`, `website-url`, and the `url` of each entry of
    `product-resources`, `recent-finops-activity` and `slack-channels`). Values on
    this site (site-root paths, relative paths, URLs on the site's hosts) are
    resolved like Markdown links; other websites are left to the EX rules.

    **Why it matters:** layouts print these as the page's logo, icon or main link;
    a renamed image breaks every listing that shows the page.

    **Bad:** `logo-url: "/tools-services/logos/kubecost.png"` when the file is
    `kubecost-logo.png`.

    **Good:** the path of a file that exists.

    **Configure:** `front-matter-links: [key, list[].key, ...]`.
    """
    site = ctx.site
    if site is None:
        return
    fm = doc.front_matter
    for path, target in front_matter_targets(doc, ctx.config.front_matter_links):
        # Site.resolve classifies: other websites are "external", mailto: and the like
        # "skip", an anchor the page itself; only a target on this site can be missing.
        res = site.resolve(target, doc.rel_path)
        if res.kind != "missing":
            continue
        pos = fm.value_position(path)
        yield Issue(
            pos.line,
            pos.column,
            f"'{dotted_key(path)}' points to '{target}', which does not exist on the site",
        )
