"""jekyll-relative-links, and the href a link target has in the built HTML.

jekyll-relative-links (0.7, on by default on GitHub Pages) rewrites Markdown
links that name a source file (``../_capabilities/x.md``) to that page's URL.
:class:`RelativeLinks` says whether it runs for a page and what it rewrites;
the resolver (:mod:`finops_lint.site.resolve`) builds on it.
"""

from __future__ import annotations

import fnmatch
import html
import posixpath
import re
from urllib.parse import unquote_plus

from finops_lint.parsing.frontmatter import split_front_matter
from finops_lint.parsing.links import RELATIVE_LINKS_DEFINITION_PATTERN, RELATIVE_LINKS_TITLE
from finops_lint.parsing.text import decode_page
from finops_lint.regex import lazy
from finops_lint.safe_io import MAX_PAGE_BYTES, read_bytes
from finops_lint.site.hosts import option, plugin_on
from finops_lint.site.liquid import expand_liquid
from finops_lint.site.page import Resolution, SiteTables
from finops_lint.site.urls import uri_normalize

SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_ENTITY = lazy(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z]+);")
#: jekyll-relative-links 0.7's LINK_REGEX (inline links, then reference definitions).
_RL_LINK = lazy(
    r"(\[(.*?)\]\(([^)]+?)(#.+?|)?"
    + RELATIVE_LINKS_TITLE
    + r"\)|"
    + RELATIVE_LINKS_DEFINITION_PATTERN
    + ")",
    re.MULTILINE,
)


def unwrap_target(target: str) -> str:
    """A link target as the browser reads it: ``<...>`` removed, HTML entities
    decoded (attributes may hold ``&#109;ailto:``)."""
    raw = target.strip()
    if raw.startswith("<") and raw.endswith(">"):
        raw = raw[1:-1].strip()
    if "&" in raw and _ENTITY.search(raw):
        raw = html.unescape(raw)
    return raw


class RelativeLinks(SiteTables):
    """The jekyll-relative-links part of the Site."""

    def rendered_href(self, target: str, from_path: str, *, markdown: bool = True) -> str:
        """The href a link target written in ``from_path`` has in the built HTML: Liquid
        URL variables and filters expanded, jekyll-relative-links' rewriting applied."""
        raw = unwrap_target(target)
        if "{" in raw:
            expanded = expand_liquid(self, raw, self.page_for_path(from_path))
            if isinstance(expanded, Resolution):
                url = uri_normalize(self.config.baseurl + (expanded.url or ""))
                return url + (f"#{expanded.fragment}" if expanded.fragment else "")
            if expanded is None:
                return raw
            raw = expanded
        main, hash_sign, frag = raw.partition("#")
        if markdown and main and self.page_for_path(from_path) is not None:
            rewritten = self.relative_rewrite(from_path, raw)
            if rewritten is not None:
                return rewritten + hash_sign + frag
        return raw

    def relative_rewrite(self, from_path: str, raw: str) -> str | None:
        """The site URL jekyll-relative-links puts in place of the path of the Markdown
        link target `raw` (fragment not included), or None when it leaves it alone."""
        main, hash_sign, frag = raw.partition("#")
        # The plugin's fragment is `#` and at least one character: a bare `#` is part
        # of the path it looks up (`x.md#`, no such file) unless the fragment ran on
        # (see `_relative_rewrites`).
        key = main + hash_sign if hash_sign and not frag else main
        return self._relative_rewrites(from_path).get(key)

    def relative_links_note(self, from_path: str, *, markdown: bool = True) -> str:
        """Why jekyll-relative-links does not rewrite links in this page ("" when it does)."""
        page = self.pages.get(from_path)
        settings = self.config.raw.get("relative_links")
        if not plugin_on(self, "jekyll-relative-links", settings):
            return "jekyll-relative-links does not run on this site"
        if not markdown:
            return "jekyll-relative-links rewrites Markdown links only, not HTML"
        if page is not None and page.collection is not None and not option(settings, "collections"):
            return (
                "jekyll-relative-links leaves links in collection documents alone "
                "unless relative_links.collections is true"
            )
        if posixpath.splitext(from_path)[1].lower() not in self.config.markdown_ext:
            return "jekyll-relative-links rewrites links in Markdown files only"
        return ""

    def _relative_rewrites(self, from_path: str) -> dict[str, str]:
        """jekyll-relative-links (0.7): {path as written: new href} for one page.

        The plugin runs its link regex over the raw Markdown of pages (and of
        collection documents when `relative_links.collections` is true), resolves
        each path against the file's folder (or the site root for `/x`), and
        replaces it with `relative_url` of the page, document or static file whose
        source path it names. Everything else is left exactly as written.
        """
        cached = self._rewrites.get(from_path)
        if cached is not None:
            return cached
        out: dict[str, str] = {}
        self._rewrites[from_path] = out
        page = self.pages.get(from_path)
        settings = self.config.raw.get("relative_links")
        if page is None or not page.output or self.relative_links_note(from_path):
            return out
        exclude = settings.get("exclude") if isinstance(settings, dict) else None
        if isinstance(exclude, list) and any(
            fnmatch.fnmatchcase(from_path, str(p)) or from_path.startswith(str(p).lstrip("/"))
            for p in exclude
        ):
            return out
        try:
            text, _error = decode_page(
                read_bytes(self.root / from_path, MAX_PAGE_BYTES, truncate=True)
            )
        except OSError:
            return out
        if text is None:
            return out
        fm = split_front_matter(text)
        body = text[fm.body_offset :] if fm.present and not fm.unterminated else text
        base = posixpath.dirname(from_path)
        for m in _RL_LINK.finditer(body):
            inline = m.group(2) is not None
            path = m.group(3) if inline else m.group(7)
            if not path or path.startswith("#") or SCHEME_RE.match(path):
                continue
            key = path
            fragment = m.group(4) if inline else m.group(8)
            if inline and fragment and ")" in fragment:
                # An empty fragment (`x.md#)` before more text): the plugin's `#.+?`
                # runs on to the last `)` of the line, so the link is rewritten with
                # its bare `#` and the links it ran over are left as written.
                key = path + fragment[: fragment.index(")")]
            if key in out:
                continue
            url = self._source_url(path, base)
            if url is not None:
                out[key] = uri_normalize(self.config.baseurl + url)
        return out

    def _source_url(self, path: str, base: str) -> str | None:
        """The URL of the page or file whose source path a link names (the plugin's
        `path_from_root` + `url_for_path`)."""
        if path.startswith("/"):
            path, base = path[1:], ""
        joined = posixpath.normpath(posixpath.join(base, path)) if path else base
        if joined.startswith("../") or joined == "..":
            return None
        joined = unquote_plus(joined)
        page = self.pages.get(joined)
        if page is not None and page.output:
            return page.url
        return self.static_by_path.get(joined)
