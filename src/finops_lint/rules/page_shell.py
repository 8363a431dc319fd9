"""What a page's layout gives it: the site's shell (header, navigation, styles),
and maybe the title as the page's H1. Layouts are read from `_layouts/` through
the Workspace (parsed once per run); a layout the site does not have (a theme's)
is unknown, and then nothing is reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from finops_lint.document import Document
from finops_lint.findings import Related
from finops_lint.regex import fold, lazy
from finops_lint.rules.base import Issue, RuleContext, rule

_REDIRECT_BODY = lazy(r"location(?:\.href|\.replace|\s*=)|http-equiv=[\"']?refresh", re.IGNORECASE)
_INCLUDE = lazy(r"{%-?\s*include\s+([\w./-]+)")
_H1 = re.compile(r"<h1\b", re.IGNORECASE)
_LAYOUT_LINE = re.compile(r"^layout:\s*[\"']?([\w./-]+)", re.MULTILINE)


def _renders_text(doc: Document) -> bool:
    """Whether the page body has visible text (not only comments or a redirect script).
    The blocks first: the redirect test case-folds the whole page."""
    return _has_text_blocks(doc) and not _redirects_in_body(doc)


def _has_text_blocks(doc: Document) -> bool:
    return any(b.kind in ("paragraph", "heading") and b.text.strip() for b in doc.blocks)


def _has_h1_tag(text: str) -> bool:
    """An `<h1>` tag in the text (a substring test first: a case-insensitive search is
    slow, and no character but 'h' and 'H' matches 'h' case-insensitively)."""
    return ("<h1" in text or "<H1" in text) and _H1.search(text) is not None


def _redirects_in_body(doc: Document) -> bool:
    """A script or meta refresh in the page that sends the visitor elsewhere (a
    substring test first: the regex scans the whole page)."""
    folded = fold(doc.text)
    return ("location" in folded or "http-equiv" in folded) and bool(
        _REDIRECT_BODY.search(doc.text)
    )


#: Plugins and settings that give pages a layout Jekyll itself would not.
_LAYOUT_PLUGINS = frozenset({"jekyll-default-layout", "jekyll-optional-front-matter"})


def _own_layouts(ctx: RuleContext) -> bool:
    """Whether the site's layouts are all its own: a `_layouts/` folder, no theme,
    no plugin that assigns default layouts (GitHub Pages' jekyll-default-layout)."""
    ws, site = ctx.workspace, ctx.site
    if ws is None or site is None or not ws.layouts:
        return False
    raw = site.config.raw
    if raw.get("theme") or raw.get("remote_theme"):
        return False
    return not _LAYOUT_PLUGINS.intersection(site.config.plugins)


def _published(doc: Document, ctx: RuleContext) -> bool:
    if ctx.site is None or not doc.is_markdown or not doc.front_matter.present:
        return False
    page = ctx.site.page_for_path(doc.rel_path)
    return page is not None and page.output


def layout_chain(ctx: RuleContext, name: str) -> list[Document] | None:
    """The layout and its parents (`layout:` in each one's front matter); None when
    one of them is not in the site's `_layouts/` (a theme's: unknown)."""
    ws = ctx.workspace
    if ws is None:
        return None
    chain: list[Document] = []
    seen: set[str] = set()
    current: str | None = name
    while current and current not in seen and len(chain) < 16:
        seen.add(current)
        layout = ws.document(f"_layouts/{current}.html") or ws.document(f"_layouts/{current}")
        if layout is None:
            return None
        chain.append(layout)
        parent = layout.front_matter.data.get("layout")
        if not isinstance(parent, str):  # front matter Ruby reads and PyYAML does not
            m = _LAYOUT_LINE.search(layout.front_matter.raw)
            parent = m.group(1) if m else None
        current = parent
    return chain


@rule(
    "SC004",
    "page-without-layout",
    "warning",
    "A published Markdown page with no layout: it renders without the site's shell.",
    scope="site",
)
def page_without_layout(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds published Markdown pages and collection documents that have no
    `layout`, neither in their front matter nor from `_config.yml` `defaults`.

    **Why it matters:** Jekyll then writes the converted body alone: a bare HTML
    fragment with no `<head>`, styles, header, navigation or footer.

    **Precision:** only on sites whose layouts are their own (a `_layouts/`
    folder, no `theme`, no jekyll-default-layout plugin, which GitHub Pages uses
    to give such pages a layout). Pages that are only a redirect script
    (`window.location...`, a meta refresh) or render no text, and pages that say
    `layout: null` on purpose, are not reported.

    **Bad:** `_pages/about/staff.md` with `title:` and `permalink:` but no `layout:`.

    **Good:** `layout: page` (or a `defaults` entry for the folder in `_config.yml`).
    """
    if not _published(doc, ctx) or "layout" in doc.front_matter.data:
        return
    if doc.data.get("layout") or not _own_layouts(ctx) or not _renders_text(doc):
        return
    yield Issue(
        doc.front_matter.start_line,
        1,
        "page has no layout (none in its front matter or the _config.yml defaults): "
        "Jekyll publishes its body without the site's header, navigation and styles; "
        "add 'layout: ...'",
    )


@rule(
    "SC005",
    "source-folder-url",
    "warning",
    "A page published at a URL with its source folder in it (/_pages/...): no permalink.",
    scope="site",
)
def source_folder_url(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds published pages whose URL contains an underscore folder of the
    source tree (`/_pages/about/staff.html`): pages kept in a folder such as
    `_pages/` (published through `include:`) need a `permalink`, from their
    front matter or from `_config.yml` `defaults`.

    **Why it matters:** without one, Jekyll publishes the page at its source
    path; the links and navigation of the site point to the permalink the
    author meant, so the page is unreachable there.

    **Bad:** `_pages/about/staff.md` without `permalink:` (published at
    `/_pages/about/staff.html`).

    **Good:** `permalink: /about/staff/`.
    """
    if ctx.site is None or not doc.front_matter.present:
        return
    page = ctx.site.page_for_path(doc.rel_path)
    if page is None or not page.output or page.collection is not None:
        return
    if any(part.startswith("_") for part in page.url.split("/")[:-1]):
        yield Issue(
            doc.front_matter.start_line,
            1,
            f"page is published at {page.url}, its source path: give it a permalink",
        )


def _includes_h1(doc: Document, ctx: RuleContext) -> bool:
    ws = ctx.workspace
    for name in _INCLUDE.findall(doc.text):
        included = ws.document(f"_includes/{name}") if ws is not None else None
        if included is None or _has_h1_tag(included.text):
            return True  # unknown or prints an H1
    return False


@rule(
    "HD006",
    "page-without-h1",
    "warning",
    "A published page with no H1: neither its body nor its layout prints one.",
    scope="site",
)
def page_without_h1(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds published Markdown pages with no level-1 heading where the layout
    (and the layouts it extends) does not print one either, for example a page
    that starts at `## Adopting FinOps: Understanding Personas` under a layout
    that prints no title.

    **Why it matters:** the page's title is never shown on it, and its outline
    (screen readers, search engines) has no top heading.

    **Precision:** a warning. Layouts are read from the site's `_layouts/`
    (a layout with an `<h1` prints one); a page whose layout is not in the site,
    or that includes a file that may print an H1, is not reported. Page types
    whose profile says `h1: required` are HD001's.

    **Bad:** a project page with `layout: wide` whose body starts with `## Overview`.

    **Good:** `# A Guide for Adopting FinOps` first.
    """
    pt = ctx.page_type
    if pt is not None and pt.h1 == "required":
        return  # HD001
    if any(h.level == 1 for h in doc.headings) or not _has_text_blocks(doc):
        return  # (a page without text blocks: `_renders_text` below, before any look-up)
    if not _published(doc, ctx) or _has_h1_tag(doc.text):
        return
    layout = doc.data.get("layout")
    if not isinstance(layout, str) or not layout.strip():
        return  # SC004
    chain = layout_chain(ctx, layout.strip())
    if chain is None or any(_has_h1_tag(d.text) for d in chain):
        return
    if "{%" in doc.text and _includes_h1(doc, ctx):
        return
    # last: it case-folds the whole page, and most pages' layouts print an H1
    if not _renders_text(doc):
        return
    first = next((h for h in doc.headings), None)
    line = first.line if first is not None else doc.body_start_line
    yield Issue(
        line,
        1,
        f"page has no level-1 heading and its layout '{layout}' prints none: "
        "start the page with '# Title'",
    )


@rule(
    "LK013",
    "page-shadows-redirect",
    "warning",
    "A page at the URL of a Netlify redirect that is not forced: the page wins.",
    scope="site",
)
def page_shadows_redirect(doc: Document, ctx: RuleContext) -> Iterator[Issue]:
    """Finds published pages whose URL is the `from` of a Netlify redirect rule
    (`_redirects`, `netlify.toml`) that is not forced (no `!`, no `force = true`).

    **Why it matters:** Netlify serves a file that exists before it applies a
    rule that is not forced, so the redirect never happens: visitors get the
    page (sometimes an empty one: a resource listing stub with `permalink:`),
    not the destination the rule names.

    **Precision:** a warning, since either side may be the mistake. Only exact
    rules are compared (no splats or placeholders: a catch-all `/*` or
    `/blog/*` is meant to apply only where no file exists), only redirects
    (3xx), and a page that itself redirects (a script or meta refresh) is not
    reported.

    **Bad:** `/resources/state-of-finops/ https://data.finops.org/` in
    `_redirects` while `_resources/f2--state-of-finops.md` has
    `permalink: /resources/state-of-finops/`.

    **Good:** `/resources/state-of-finops/ https://data.finops.org/ 301!`, or
    another permalink for the page.
    """
    site = ctx.site
    if site is None or not site.redirects or not doc.front_matter.present:
        return
    page = site.page_for_path(doc.rel_path)
    if page is None or not page.output:
        return
    ws = ctx.workspace
    shown = ws.display_path if ws is not None else str
    for redirect in site.redirects:
        if (
            redirect.force
            or redirect.host is not None
            or not redirect.is_redirect
            or "*" in redirect.from_path
            or ":" in redirect.from_path
            or redirect.match(page.url) is None
            or _redirects_in_body(doc)
        ):
            continue
        fm = doc.front_matter
        pos = fm.value_position(("permalink",)) if "permalink" in fm.data else None
        line, col = (pos.line, pos.column) if pos else (fm.start_line, 1)
        yield Issue(
            line,
            col,
            f"Netlify serves this page at {page.url} instead of the redirect to "
            f"{redirect.to} ({redirect.source}:{redirect.line}, not forced): force the rule "
            f"('{redirect.status}!') or give the page another URL",
            related=[Related(shown(redirect.source), redirect.line, 1, "the redirect rule")],
        )
        return
