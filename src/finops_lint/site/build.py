"""The Site: every page and static file of a Jekyll site, and where a link leads.

Built from one fast pass over the source tree (``os.scandir``; front matter is
parsed only for files that start with ``---``, and then only the keys that
decide URLs, see :mod:`finops_lint.site.url_keys`; no Markdown is parsed).
A page's URL is its front matter ``permalink`` (Jekyll placeholders filled),
else its collection's pattern, else the path-derived default for the
``permalink`` style; the file is written where Jekyll writes it. Pages that
GitHub Pages' plugins generate, plugin output files, ``redirect_from`` pages
and the host's redirect rules are added as the host would serve them.

Queries (:meth:`Site.resolve` and friends) live in
:mod:`finops_lint.site.resolve`. URLs are kept percent-decoded throughout; see
:mod:`finops_lint.site.urls`.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from finops_lint.parsing.frontmatter import ReadFrontMatter
from finops_lint.parsing.text import decode_page
from finops_lint.safe_io import MAX_CONFIG_BYTES, MAX_PAGE_BYTES, describe, read_bytes
from finops_lint.site.hosts import (
    GITHUB_PAGES,
    active_plugins,
    detect_host,
    host_key,
    normalize_baseurl,
    option,
    plugin_loaded,
    plugin_on,
    strip_www,
)
from finops_lint.site.jekyll import JekyllConfig, load_config
from finops_lint.site.page import RedirectClash, SitePage, Target
from finops_lint.site.prefetch import MIN_FILES, Also, FileFacts, Split, read_file_facts
from finops_lint.site.redirects import parse_netlify_toml, parse_redirects_file
from finops_lint.site.resolve import SiteResolver
from finops_lint.site.source import KnownFiles, Listing, SourceFile, scan_source, source_paths
from finops_lint.site.url_keys import data_loader, file_data_loader, page_url_keys
from finops_lint.site.urls import destination, document_url, normalize_path, page_url, static_url

#: Files some common plugins generate without a source file.
_PLUGIN_FILES = {
    "jekyll-sitemap": ("/sitemap.xml", "/robots.txt"),
    "jekyll-feed": ("/feed.xml",),
}
#: Files jekyll-optional-front-matter leaves alone (its FILENAME_BLACKLIST).
_META_FILES = frozenset(
    {
        "README",
        "LICENSE",
        "LICENCE",
        "COPYING",
        "CODE_OF_CONDUCT",
        "CONTRIBUTING",
        "ISSUE_TEMPLATE",
        "PULL_REQUEST_TEMPLATE",
    }
)


def reads_ahead(unread: int) -> bool:
    """Whether this many files are worth a process forked to read half of them (a
    `split` such as `workers.split_in_two` asks); fewer are read by one process."""
    return unread >= MIN_FILES


class Site(SiteResolver):
    """Every page, static file and redirect of the site, and (inherited) the queries."""

    def __init__(self, root: Path, config: JekyllConfig) -> None:
        self.root = root
        self.config = config
        self.pages = {}
        self.pages_by_url = {}
        self.static_files = {}
        self.static_by_path = {}
        self.redirects = []
        self.hosts = ()
        self.problems = list(config.problems)
        self._files = {}
        self._host_keys = set()
        self.host = "any"
        self.active_plugins = frozenset(config.plugins)
        self._rewrites = {}
        self.redirect_clashes = {}
        #: source path -> (static file written to its output file, whether the page wins)
        self.static_clashes = {}
        #: output files more than one page or file is written to (`_settle_contested`)
        self._contested: set[str] = set()
        self._known: KnownFiles | None = None
        #: what `read_file_facts` read ahead of the build, in two processes
        self._ahead: dict[str, FileFacts] = {}
        #: of the pages read ahead: (their own layout, whether they hold Liquid), which
        #: the templates' model reads (`TemplateLinks`)
        self.layout_facts: dict[str, tuple[str | bool | None, bool]] = {}
        #: of the pages read ahead: what the build's `also` made of their text
        self.source_facts: dict[str, Any] = {}
        #: of the pages read ahead: their front matter, read (`prefetch.FileFacts`)
        self.front_matter_read: dict[str, ReadFrontMatter] = {}
        #: jekyll-redirect-from runs: `redirect_from` and `redirect_to` make redirect pages
        self._redirect_pages = True

    # ------------------------------------------------------------------ build

    @classmethod
    def build(
        cls,
        root: Path,
        *,
        extra_hosts: Sequence[str] = (),
        host: str | None = None,
        baseurl: str | None = None,
        known: KnownFiles | None = None,
        listing: Listing | None = None,
        split: Split | None = None,
        also: Also | None = None,
        digests: dict[str, str | None] | None = None,
        checked: int = 0,
    ) -> Site:
        """Every file Jekyll reads under root (the lint's own excludes play no part:
        a page the lint skips is still a page a link can reach). `known`: what the
        result cache knows of unchanged files, so they are not read again; `listing`:
        those files as a child process listed them (`source_paths` says when it is
        used); `split`: a way to read the others in two processes (`site.prefetch`),
        used when there are many (with few, this process reads them the same way).
        That reading, one open a file, keeps what the run's later readers ask: `also`
        of each page's text; given `digests`, the content hash of each page read; and
        on a run that checks (`checked`) most of its pages, each page's front matter
        read whole (`front_matter_read`: the run reads it again otherwise)."""
        root = Path(root)
        config = load_config(root)
        if baseurl is not None:
            config.baseurl = normalize_baseurl(baseurl)
        site = cls(root, config)
        site._known = known
        site.host = host or detect_host(root, config)
        site.active_plugins = active_plugins(config, site.host)
        site._redirect_pages = plugin_loaded(root, config, site.host, "jekyll-redirect-from")
        statics: list[SourceFile] = []
        paths = source_paths(root, config, listing)
        if split is not None:
            unread = [p for p in paths if known is None or not known.recorded(p)]
            read = partial(
                read_file_facts,
                str(root),
                also=also,
                hashes=digests is not None,
                front_matter=checked * 2 >= _pages_to_be(paths, config),
            )
            site._ahead = split(unread, read)
        for source in scan_source(root, config, known, paths, site._ahead):
            if source.kind == "static":
                site._add_static(source)
                statics.append(source)
            else:
                site._add_page(source)
        site._add_generated_pages(statics)
        site._settle_contested()
        shared: dict[Any, Any] = {}  # one object for equal facts (most pages' are)
        for rel, facts in site._ahead.items():
            if digests is not None and facts.digest is not None:
                digests.setdefault(rel, facts.digest)
            if facts.front_matter_read is not None:
                site.front_matter_read[rel] = facts.front_matter_read
            if facts.layout is not None:
                site.layout_facts[rel] = shared.setdefault(facts.layout, facts.layout)
            if also is not None and facts.layout is not None and facts.also is not None:
                try:
                    site.source_facts[rel] = shared.setdefault(facts.also, facts.also)
                except TypeError:  # a fact that does not hash: kept as it is
                    site.source_facts[rel] = facts.also
        site._ahead = {}  # the rest was read ahead for the build alone
        site._add_plugin_files()
        if site._redirect_pages:
            site._add_front_matter_redirects()
        if site.host != GITHUB_PAGES:  # GitHub Pages has no _redirects
            site._load_redirects()
        site._set_hosts(extra_hosts)
        return site

    def _add_generated_pages(self, statics: list[SourceFile]) -> None:
        """Pages the GitHub Pages plugins make of Markdown files without front matter.

        jekyll-optional-front-matter (priority normal) makes every such Markdown
        file outside collections a page, except README, LICENSE, CONTRIBUTING and
        the other meta files; then jekyll-readme-index (priority low) makes a
        README the index of its folder when the folder has none. The originals
        stay static files unless `remove_originals` is set.
        """
        md_exts = self.config.markdown_ext
        candidates = [
            s
            for s in statics
            if s.collection is None and posixpath.splitext(s.path)[1].lower() in md_exts
        ]
        if not candidates:
            return
        raw = self.config.raw
        if plugin_on(self, "jekyll-optional-front-matter", raw.get("optional_front_matter")):
            for s in candidates:
                stem = posixpath.splitext(posixpath.basename(s.path))[0].upper()
                if stem not in _META_FILES:
                    self._add_page(SourceFile(s.path, "page", None, False))
                    if option(raw.get("optional_front_matter"), "remove_originals"):
                        self._drop_static(s.path)
        if plugin_on(self, "jekyll-readme-index", raw.get("readme_index")):
            for s in candidates:
                name = posixpath.basename(s.path)
                if posixpath.splitext(name)[0].lower() != "readme":
                    continue
                folder = posixpath.dirname("/" + s.path).rstrip("/") + "/"
                if self._has_index(folder):
                    continue
                self._add_page(SourceFile(s.path, "page", None, False), permalink=folder)
                if option(raw.get("readme_index"), "remove_originals"):
                    self._drop_static(s.path)
            if option(raw.get("readme_index"), "with_frontmatter"):
                for page in list(self.pages.values()):
                    name = posixpath.basename(page.path)
                    if page.collection is not None or not page.output:
                        continue
                    stem, ext = posixpath.splitext(name)
                    if stem.lower() != "readme" or ext.lower() not in md_exts:
                        continue
                    folder = posixpath.dirname("/" + page.path).rstrip("/") + "/"
                    if not self._has_index(folder):
                        self._add_page(SourceFile(page.path, "page", None, True), permalink=folder)

    def _has_index(self, folder: str) -> bool:
        """jekyll-readme-index's `dir_has_index?`: a page or file at folder/ or folder/index.*"""
        if folder in self.pages_by_url:
            return True
        return any(
            folder + "index" + ext in self._files or folder + "index" + ext in self.static_files
            for ext in (".html", ".htm", ".xhtml", ".xml")
        )

    def _drop_static(self, path: str) -> None:
        url = self.static_by_path.pop(path, None)
        if url is not None:
            self.static_files.pop(url, None)
            if self._files.get(url) == ("static", path):
                del self._files[url]

    def _add_static(self, source: SourceFile) -> None:
        config = self.config
        if source.collection is None:
            url = static_url(source.path)
        else:
            coll = config.collections[source.collection]
            url = static_url(source.path, coll.label, coll.directory, coll.url_template)
            if not coll.output:
                return
        self.static_files.setdefault(url, source.path)
        self.static_by_path[source.path] = url
        self._claim(url, ("static", source.path))

    def _read_url_keys(self, source: SourceFile) -> tuple[dict[str, Any], int, bool, bool]:
        """(URL keys, line of `permalink:`, whether the front matter has text, whether
        the file could be read) of a page, read from its file (as `read_file_facts`)."""
        try:
            raw = read_bytes(self.root / source.path, MAX_PAGE_BYTES, truncate=True)
        except OSError as exc:
            self.problems.append((source.path, 1, f"cannot read file: {describe(exc)}"))
            return {}, 1, False, False
        if not source.front_matter:  # made a page by a plugin: no URL keys
            return {}, 1, False, True
        return (*page_url_keys(raw), True)

    def _add_page(self, source: SourceFile, permalink: str | None = None) -> None:
        config = self.config
        data: dict[str, Any] = {}
        permalink_line = 1
        known = self._known
        cached = known.url_keys(source.path) if known is not None and source.front_matter else None
        type_ = "pages" if source.collection is None else source.collection
        defaults = config.defaults_for(source.path, type_)
        computed = None
        read_data: dict[str, Any] | None = None
        if cached is not None:  # unchanged since the last run: not read
            data, permalink_line, has_raw = cached
            loader = file_data_loader(self.root, source.path, has_raw, defaults)
            if known is not None and permalink is None:
                computed = known.page_url(source.path)
        else:
            ahead = self._ahead.get(source.path) if source.front_matter else None
            if ahead is not None and ahead.url_keys is not None:  # read ahead (`site.prefetch`)
                data, permalink_line, has_raw = ahead.url_keys
                if ahead.front_matter_read is not None:
                    read_data = ahead.front_matter_read.data
            else:
                data, permalink_line, has_raw, readable = self._read_url_keys(source)
                if not readable:
                    known = None  # nothing to learn
            if known is not None and source.front_matter:
                known.learn_url_keys(source.path, data, permalink_line, has_raw)
            # The text is not kept (memory grows with the site): read again on first use.
            if read_data is not None:
                loader = data_loader(read_data, defaults)
            else:
                loader = file_data_loader(self.root, source.path, has_raw, defaults)
        merged = {**defaults, **data} if defaults else dict(data)
        if permalink is not None:  # set by a plugin (jekyll-readme-index)
            merged["permalink"] = permalink
        published = merged.get("published", True) is not False
        if computed is not None:  # the URL those keys gave (the config is in the cache key)
            url, out_ext, unknown = computed
        elif source.collection is None:
            url, out_ext = page_url(source.path, merged, config.permalink, config.markdown_ext)
            unknown = []
        else:
            coll = config.collections[source.collection]
            url, out_ext, unknown = document_url(
                source.path,
                coll.label,
                coll.directory,
                coll.url_template,
                merged,
                config.markdown_ext,
            )
        if computed is None and known is not None and permalink is None and source.front_matter:
            known.learn_page_url(source.path, url, out_ext, unknown)
        if source.collection is None:
            output = published
        else:
            coll = config.collections[source.collection]
            for name in unknown:
                where = "permalink" if merged.get("permalink") else f"collection {coll.label}"
                self.problems.append(
                    (
                        source.path,
                        permalink_line,
                        f"unknown placeholder :{name} in the {where} pattern; Jekyll stops the"
                        " build on it",
                    )
                )
            output = published and coll.output
        page = SitePage(
            source.path,
            url,
            source.collection,
            None,
            output,
            out_ext,
            destination(url, out_ext),
            loader=loader,
        )
        page._url_data = merged
        old = self.pages.get(source.path)
        if old is not None and old.output:  # a plugin moved the page (readme-index)
            listed = self.pages_by_url.get(old.url, [])
            if old in listed:
                listed.remove(old)
            if self._files.get(old.destination) == ("page", old):
                del self._files[old.destination]
        self.pages[source.path] = page
        if not output:
            return
        self.pages_by_url.setdefault(url, []).append(page)
        self._claim(page.destination, self._page_target(page))

    def _page_target(self, page: SitePage) -> Target:
        """What a page writes to its destination: itself, or a redirect (redirect_to)."""
        redirect_to = page._url_data.get("redirect_to") if self._redirect_pages else None
        if isinstance(redirect_to, list):
            redirect_to = redirect_to[0] if redirect_to else None
        if isinstance(redirect_to, str) and redirect_to.strip():
            return ("redirect", redirect_to.strip())
        return ("page", page)

    def _claim(self, dest: str, target: Target) -> None:
        there = self._files.get(dest)
        if there is None:
            self._files[dest] = target
        elif there != target:
            self._contested.add(dest)

    def _settle_contested(self) -> None:
        """Where several pages or files are written to one file, Jekyll's last write
        wins: the pages (sorted by file name), then the static files (by path), then
        each collection's documents (by path) and files (`Site#each_site_file`)."""
        if not self._contested:
            return
        order = {label: n for n, label in enumerate(self.config.collections)}
        folders = {c.directory.rstrip("/") + "/": c.label for c in self.config.collections.values()}
        written: dict[str, list[tuple[tuple[Any, ...], Target]]] = {}
        for page in self.pages.values():
            if page.output and page.destination in self._contested:
                if page.collection is None:
                    rank: tuple[Any, ...] = (0, posixpath.basename(page.path), page.path)
                else:
                    rank = (2, order.get(page.collection, len(order)), 0, page.path)
                written.setdefault(page.destination, []).append((rank, self._page_target(page)))
        for path, url in self.static_by_path.items():
            if url in self._contested:
                label = next((lb for f, lb in folders.items() if path.startswith(f)), None)
                rank = (1, path) if label is None else (2, order[label], 1, path)
                written.setdefault(url, []).append((rank, ("static", path)))
        for dest, claims in written.items():
            claims.sort(key=lambda c: c[0])
            winner = claims[-1][1]
            self._files[dest] = winner
            # A page and a static file at one file: Jekyll's "Conflict" warning.
            statics = [t[1] for _r, t in claims if t[0] == "static"]
            if not statics:
                continue
            for _rank, (kind, what) in claims:
                if kind != "page":
                    continue
                if winner[0] == "static":  # the page is not on the site
                    self.static_clashes.setdefault(what.path, []).append((winner[1], False))
                elif winner[1] is what:  # a document: the static file is not
                    self.static_clashes.setdefault(what.path, []).extend(
                        (path, True) for path in statics
                    )
        self._contested.clear()

    def _add_plugin_files(self) -> None:
        for plugin, urls in _PLUGIN_FILES.items():
            if plugin in self.config.plugins:
                for url in urls:
                    if url not in self._files:
                        self._files[url] = ("static", f"<{plugin}>")
                        self.static_files.setdefault(url, f"<{plugin}>")

    def _add_front_matter_redirects(self) -> None:
        """jekyll-redirect-from: a redirect page at every ``redirect_from`` URL.

        The plugin makes them in its order (the collections' documents, each sorted by
        path, then the pages, sorted by file name) and appends them to the site's
        pages; Jekyll writes the pages, then the static files, then the documents,
        so at one URL the last redirect claimed wins, a redirect replaces a page,
        and a static file or a document replaces the redirect."""
        order = {label: n for n, label in enumerate(self.config.collections)}
        docs = sorted(
            (p for p in self.pages.values() if p.output and p.collection is not None),
            key=lambda p: (order.get(p.collection or "", len(order)), p.path),
        )
        pages = sorted(
            (p for p in self.pages.values() if p.output and p.collection is None),
            key=lambda p: (posixpath.basename(p.path), p.path),
        )
        documents_at = {p.destination: p.path for p in docs}
        pages_at: dict[str, list[str]] = {}
        for p in pages:
            pages_at.setdefault(p.destination, []).append(p.path)
        # destination -> every claim of it, in the order the plugin makes them
        claims: dict[str, list[tuple[SitePage, str, int | None]]] = {}
        for page in [*docs, *pages]:
            value = page._url_data.get("redirect_from")
            items: list[tuple[Any, int | None]] = []
            if isinstance(value, str):
                items = [(value, None)]
            elif isinstance(value, list):
                items = [(v, i) for i, v in enumerate(value)]
            for old, index in items:
                if not isinstance(old, str) or not old.strip():
                    continue
                old_url = normalize_path("/" + old.strip().lstrip("/"))
                # a redirect page's output extension: its permalink's, else .html
                dest = destination(old_url, posixpath.splitext(old_url)[1] or ".html")
                claims.setdefault(dest, []).append((page, old.strip(), index))
        for dest, made in claims.items():
            winner = made[-1][0]  # the last claim is written last
            for page, written, index in made[:-1]:
                if page is not winner:
                    self._clash("superseded", page, written, index, dest, winner.path)
            page, written, index = made[-1]
            there = self._files.get(dest)
            over = documents_at.get(dest) or self.static_files.get(dest)
            if over is None and there is not None and there[0] == "static":
                over = there[1]
            if over is not None:  # written after the redirect page, over it
                self._clash("overwritten", page, written, index, dest, over)
                continue
            for replaced in pages_at.get(dest, ()):
                self._clash("replaces", page, written, index, dest, replaced)
            self._files[dest] = ("redirect", page.url)

    def _clash(
        self, kind: str, page: SitePage, written: str, index: int | None, dest: str, other: str
    ) -> None:
        clash = RedirectClash(kind, page.path, written, index, dest, other)
        self.redirect_clashes.setdefault(page.path, []).append(clash)
        if kind == "replaces" and other != page.path:
            self.redirect_clashes.setdefault(other, []).append(clash)

    def _load_redirects(self) -> None:
        redirects_file = self.root / "_redirects"
        if os.path.lexists(redirects_file):
            text, error = _read_site_file(redirects_file)
            if text is None:
                self.problems.append(("_redirects", 1, f"cannot read _redirects: {error}"))
            else:
                rules, problems = parse_redirects_file(text, "_redirects")
                self.redirects.extend(rules)
                self.problems.extend(problems)
        toml_file = self.root / "netlify.toml"
        if os.path.lexists(toml_file):
            text, error = _read_site_file(toml_file)
            if text is None:
                self.problems.append(("netlify.toml", 1, f"cannot read netlify.toml: {error}"))
            else:
                rules, problems = parse_netlify_toml(text, "netlify.toml")
                self.redirects.extend(rules)
                self.problems.extend(problems)

    def _set_hosts(self, extra_hosts: Sequence[str]) -> None:
        shown: list[str] = []
        for url in [self.config.url, *extra_hosts]:
            key = host_key(url)
            if key:
                self._host_keys.add(key)
                shown.append(url.rstrip("/"))
        changed = True
        while changed:  # hosts whose rules send everything onto a site host are aliases
            changed = False
            for rule in self.redirects:
                if rule.host is None or strip_www(rule.host) in self._host_keys:
                    continue
                if rule.external and host_key(rule.to) in self._host_keys:
                    self._host_keys.add(strip_www(rule.host))
                    shown.append(f"https://{rule.host}")
                    changed = True
        self.hosts = tuple(dict.fromkeys(shown))

    def use_front_matter(self, path: str, data: dict[str, Any]) -> None:
        """Give a page the front matter the caller already parsed (saves a second parse)."""
        page = self.pages.get(path)
        if page is None or page._data is not None:
            return
        type_ = "pages" if page.collection is None else page.collection
        defaults = self.config.defaults_for(path, type_)
        page.data = {**defaults, **data} if defaults else dict(data)


def _pages_to_be(paths: list[str], config: JekyllConfig) -> int:
    """How many of the files may be pages: Markdown and HTML (a file of another kind
    may have front matter too; this counts only for how much is read ahead)."""
    exts = config.markdown_ext | {".html", ".htm"}
    return sum(1 for p in paths if posixpath.splitext(p)[1].lower() in exts)


def _read_site_file(path: Path) -> tuple[str | None, str | None]:
    """A site file such as _redirects as text, or (None, why it cannot be read)."""
    try:
        data = read_bytes(path, MAX_CONFIG_BYTES)
    except OSError as exc:
        return None, describe(exc)
    text, error = decode_page(data)
    return text, (error.message if error is not None else None)
