"""LK: links and images that point nowhere."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote

from finops_lint.document import Document
from finops_lint.findings import Fix
from finops_lint.parsing.anchors import fragment_matches
from finops_lint.parsing.links import Link, is_http_url
from finops_lint.rules.base import Issue, RuleContext, rule
from finops_lint.rules.link_syntax import link_stands

if TYPE_CHECKING:
    from finops_lint.engine import Workspace
    from finops_lint.site import Resolution, Site

_INCLUDE_TAG = re.compile(r"\{%-?\s*include\s+(['\"]?)([\w./-]+)\1")


def rendered_anchors(doc: Document, ctx: RuleContext) -> set[str] | None:
    """Every id the built page has: the page's own (headings, explicit and HTML ids,
    footnotes) plus the ids its layout chain and `{% include %}`s write literally.
    None when one of them is made by Liquid (`id="{{ x }}"`): unknowable offline.
    A layout that is not in the site's `_layouts/` (a theme's) adds nothing."""
    if doc.has_dynamic_ids:
        return None
    ids = doc.anchors()
    ws = ctx.workspace
    if ws is None:
        return ids
    from finops_lint.rules.page_shell import layout_chain

    layout = ws.facts(doc.rel_path, doc).data.get("layout")
    chain = layout_chain(ctx, layout) if isinstance(layout, str) and layout.strip() else []
    templates = [d.rel_path for d in chain or []]
    text = doc.masked or doc.text
    if "{%" in text:
        templates += [f"_includes/{m.group(2)}" for m in _INCLUDE_TAG.finditer(text)]
    for rel in templates:
        more = _template_ids(ctx, ws, rel, ())
        if more is None:
            return None
        ids |= more
    return ids


def _template_ids(
    ctx: RuleContext, ws: Workspace, rel: str, seen: tuple[str, ...]
) -> frozenset[str] | None:
    """Ids a layout or include writes literally, with those of the includes it
    includes; None when one is made by Liquid. Computed once per run."""
    return ctx.run_memo(("LK template ids", rel), lambda: _ids_of_template(ctx, ws, rel, seen))


def _ids_of_template(
    ctx: RuleContext, ws: Workspace, rel: str, seen: tuple[str, ...]
) -> frozenset[str] | None:
    doc = ws.document(rel) if rel not in seen and len(seen) < 16 else None
    ids: set[str] | None = set()
    if doc is not None:
        if any("{{" in i or "{%" in i for i in doc.html_ids):
            ids = None
        else:
            ids = set(doc.html_ids)
            text = doc.masked or doc.text
            for m in _INCLUDE_TAG.finditer(text) if "{%" in text else ():
                more = _template_ids(ctx, ws, f"_includes/{m.group(2)}", (*seen, rel))
                if more is None:
                    ids = None
                    break
                ids |= more
    return frozenset(ids) if ids is not None else None


@rule(
    "LK003",
    "broken-anchor",
    "error",
    "A link to an anchor in the same page that has no target.",
    needs=("links",),
)
def broken_anchor(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds `#fragment` links whose fragment matches no heading id, explicit id
    (`{#id}`, `{: #id}`), footnote id (`fn:NAME`, `fnref:NAME`), HTML `id=` (or
    `<a name=>`) in the same page, in Markdown and `.html` pages alike, nor an id
    that the page's layout chain or its includes write (`<header id="top-nav">` in
    `_layouts/default.html`). Where one of those ids is made by Liquid
    (`id="{{ page.slug }}"`) the page is not checked. Heading ids are
    the ones the site's kramdown makes: the GFM parser's rule (Jekyll's default)
    or kramdown's own when `_config.yml` sets `kramdown: input: kramdown`, never
    both. Fragments are compared as browsers do: case-sensitively, after
    decoding character references and percent-escapes.

    **Why it matters:** the link scrolls nowhere; usually a heading was renamed.

    **Bad:** `[see Crawl](#crawl-stage)` when the heading is `#### Crawl`

    **Good:** `[see Crawl](#crawl)`
    """
    wanted = [
        link
        for link in doc.links
        if link.target_kind == "anchor" and link.target[1:] and link.target[1:].lower() != "top"
    ]
    if not wanted:
        return  # (most pages: their ids, layouts and includes are not read)
    anchors = rendered_anchors(doc, ctx)
    if anchors is None:
        return
    for link in wanted:
        fragment = link.target[1:]
        if fragment_matches(fragment, anchors):
            continue
        fragment = unquote(fragment)
        yield Issue(
            link.target_line,
            link.target_column,
            f"anchor '#{fragment}' matches no heading or id in this page",
            end_line=link.end_line,
            end_column=link.end_column,
        )


def _internal_links(
    doc: Document, ctx: RuleContext, *, comments: bool = False
) -> list[tuple[Link, Resolution]]:
    """The page's links to this site with where each leads (resolved once per page:
    four rules read them)."""
    links = doc.commented_links if comments else doc.links
    if not links:
        return []  # nothing to resolve: the Site is not read
    site = ctx.site  # read first, whether or not the memo holds them: they come from the Site
    if site is None:
        return []

    def resolve() -> list[tuple[Link, Resolution]]:
        if not doc.is_markdown and site.page_for_path(doc.rel_path) is None:
            # An HTML layout or include is site code: its links are resolved where a page
            # uses it, which only the built site knows.
            return []
        return [
            (link, site.resolve(link.target, doc.rel_path, markdown=link.syntax != "html"))
            for link in links
            if site.is_internal(link.target, link.target_kind)
            and link.kind != "resource"
            and link_stands(doc, link, ctx)
        ]

    return ctx.memo(("LK internal links", comments), resolve)


@rule(
    "LK001",
    "broken-link",
    "error",
    "An internal link that reaches no page, file or redirect.",
    scope="site",
    needs=("links",),
)
def broken_link(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds links to this site that the deployed site would answer with 404: relative
    paths, site-root paths (`/framework/...`) and absolute URLs on the site's own
    hosts (`https://www.finops.org/...`), resolved offline the way Jekyll builds
    them and the host serves them: permalinks, collection URLs, static files,
    `baseurl`, `redirect_from`, jekyll-relative-links (it rewrites `page.md` links
    in pages only when it runs: on GitHub Pages or when listed in `plugins`),
    readme-index and optional-front-matter pages, percent-encoding,
    `{{ site.baseurl }}`. The host is detected (`netlify.toml`/`_redirects`:
    Netlify, with `_redirects` splats, placeholders, forced rules and shadowing;
    `CNAME` or GitHub Pages plugins: GitHub Pages, where `/x/` is served only
    from `x/index.html`) or set with `site: {host: ...}`. Links only inside HTML
    comments are not on the built page and are not reported.

    **Why it matters:** old URLs such as `/framework/domains/allocate/` survive in
    pages long after the page moved.

    **Bad:** `[Allocate](https://www.finops.org/framework/domains/allocate/)`

    **Good:** `[Cost Allocation](/framework/capabilities/cost-allocation/)`

    **Configure:** `site: {hosts: [...]}` lists the hosts whose URLs are internal;
    `site: {host: github-pages | netlify}` names the host; `site: {baseurl: /repo}`
    gives the baseurl a host injects (GitHub Pages project sites).
    Other Liquid in a URL is skipped, never reported.
    """
    yield from _missing_targets(doc, ctx, images=False, noun="link target")


@rule(
    "LK002",
    "missing-image",
    "error",
    "An image whose file does not exist.",
    scope="site",
    needs=("links",),
)
def missing_image(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds Markdown images and HTML `<img src>` on this site whose file is missing,
    resolved like LK001 (static files, collection assets such as
    `/tools-services/logos/...`).

    **Why it matters:** the page shows a broken-image icon.

    **Bad:** `![Phases](/img/framework/phases-old.png)` after the file was renamed.

    **Good:** the path of a file that exists.
    """
    yield from _missing_targets(doc, ctx, images=True, noun="image")


def _missing_targets(
    doc: Document, ctx: RuleContext, *, images: bool, noun: str
) -> Iterator[Issue]:
    """LK001 and LK002: internal links (or images) that resolve to nothing."""
    for link, res in _internal_links(doc, ctx):
        if (link.kind == "image") != images or res.kind != "missing":
            continue
        yield Issue(
            link.target_line,
            link.target_column,
            f"{noun} '{link.target}' does not exist on the site" + _why(res),
            end_line=link.end_line,
            end_column=link.end_column,
        )


@rule(
    "LK011",
    "commented-broken-link",
    "warning",
    "A link or image inside an HTML comment that would be broken once uncommented.",
    scope="site",
    default_enabled=False,
)
def commented_broken_link(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds links and images inside HTML comments (`<!-- ... -->`) that reach nothing
    on the site, resolved like LK001 and LK002. Off by default: a comment is not on
    the rendered page, so nothing is broken today. Turn it on if your authors
    often uncomment old blocks.

    **Why it matters:** the day the comment is removed, the link is broken.

    **Bad:** `<!-- [Allocate](/framework/domains/allocate/) -->` when that page
    moved.

    **Good:** update the link inside the comment, or delete the commented block.

    **Configure:** `rules: {LK011: {enabled: true}}`.
    """
    for link, res in _internal_links(doc, ctx, comments=True):
        if res.kind != "missing":
            continue
        what = "image" if link.kind == "image" else "link target"
        yield Issue(
            link.target_line,
            link.target_column,
            f"{what} '{link.target}' inside an HTML comment does not exist on the site"
            + _why(res)
            + "; it breaks the day the comment is removed",
            end_line=link.end_line,
            end_column=link.end_column,
        )


@rule(
    "LK004",
    "broken-page-anchor",
    "error",
    "A link with a path to an anchor that the page it reaches does not have.",
    scope="site",
    needs=("links",),
)
def broken_page_anchor(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds links such as `/framework/maturity-model/#finops-maturity-model-guidelines`
    whose page exists but has no heading or id with that fragment (a path that leads
    back to the page itself, `/#part` on the home page, is checked here too; LK003
    checks the bare `#part`). The page's ids
    are LK003's: its own (Markdown or `.html`), and those its layouts and includes
    write literally.

    **Why it matters:** the reader lands at the top of a long page instead of the
    section the author meant.

    **Bad:** `/framework/phases/#inform-phase` when the heading is `## Inform`

    **Good:** `/framework/phases/#inform`
    """
    links = _internal_links(doc, ctx)
    ws = ctx.workspace if links else None
    for link, res in links:
        fragment = res.fragment
        page = res.page
        if not fragment or page is None or ws is None or res.kind not in ("page", "redirect"):
            continue
        target_doc = doc if page.path == doc.rel_path else ws.document(page.path)
        if target_doc is None:
            continue
        anchors = rendered_anchors(target_doc, ctx)
        if anchors is None or fragment.lower() == "top" or fragment_matches(fragment, anchors):
            continue  # Liquid-made ids cannot be known offline; #top is the page's top
            continue
        yield Issue(
            link.target_line,
            link.target_column,
            f"'{page.url}' has no heading or id '#{fragment}'",
            end_line=link.end_line,
            end_column=link.end_column,
        )


@rule(
    "LK007",
    "redirected-link",
    "warning",
    "An internal link that works only through a redirect.",
    fixable=True,
    scope="site",
    needs=("links",),
)
def redirected_link(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds internal links that reach their page only through a redirect in
    `_redirects` or `redirect_from`, and names the final target, with a fix that
    rewrites the link.

    **Why it matters:** redirects get cleaned up; a link that depends on one breaks
    the day it goes, and each hop costs the reader a round trip.

    A link the redirects send to the home page (a catch-all such as `/blog/* /`)
    is reported as gone, with no fix: the content it named no longer exists.

    **Bad:** `[Phases](/framework/lifecycle/)` (redirected to `/framework/phases/`)

    **Good:** `[Phases](/framework/phases/)`

    **Fix:** `finops-lint check --fix` rewrites the target to the redirect's
    destination, keeping the link's host, `baseurl` and `#fragment`. Only permanent
    redirects (301, 308, `redirect_from`) are reported. Targets with Liquid, a query
    string or HTML entities are reported but left for a person to edit.
    """
    for link, res in _internal_links(doc, ctx):
        if res.kind not in ("redirect", "external-redirect"):
            continue
        if res.status in _TEMPORARY:
            continue  # a temporary redirect (the home page's 302) is meant to be linked
        final = res.final_url
        if not final:
            continue
        target = link.target
        if res.kind == "redirect" and final == "/":
            # a catch-all (/blog/* /) sends what is gone to the home page: no fix
            yield Issue(
                link.target_line,
                link.target_column,
                f"'{target}' is redirected to the home page (the page it named is gone); "
                "link to the page that replaced it, or remove the link",
            )
            continue
        replacement = _redirect_fix(target, res, ctx.site)
        yield Issue(
            link.target_line,
            link.target_column,
            f"'{target}' is redirected to '{final}'; link to it directly",
            fix=None
            if replacement is None
            else Fix(
                f"replace with {replacement}",
                link.target_line,
                link.target_column,
                link.target_line,
                link.target_column + len(target),
                replacement,
            ),
        )


def _redirect_fix(target: str, res: Resolution, site: Site | None) -> str | None:
    """The link target that reaches the redirect's destination directly, written the
    way the original was (same host for an absolute link, its own #fragment), or
    None where a rewrite could change more than the path: Liquid, a query string
    (the destination may depend on it), HTML entities, angle brackets, spaces."""
    final = res.final_url
    if not final or site is None or any(c in target for c in "{}<>&? \t\n\\"):
        return None
    main, hash_sign, fragment = target.partition("#")
    if res.kind == "external-redirect":
        new = final
    else:
        new = quote(site.config.baseurl + final, safe="/:@!$'()*+,;=-._~%")
        if is_http_url(main):
            scheme_host = re.match(r"(?i)(https?://[^/]+)", main)
            assert scheme_host is not None
            new = scheme_host.group(1) + new
        elif main.startswith("//"):
            new = "//" + main[2:].split("/", 1)[0] + new
    if hash_sign and "#" not in new:
        new += "#" + fragment
    return new if new != target else None


_TEMPORARY = frozenset({302, 303, 307})


def _why(res: Resolution) -> str:
    if res.redirect_chain:
        return f" (redirected through {' -> '.join(res.redirect_chain)})"
    if res.reason and res.via_source_path:
        return f" ({res.reason})"
    return ""
