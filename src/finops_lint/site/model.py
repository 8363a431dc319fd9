"""The Site: every page and static file of a Jekyll site, and where a link leads.

Built from one fast pass over the source tree (``os.scandir``; front matter is
parsed only for files that start with ``---``; no Markdown is parsed). Answers
"what does this link reach on the deployed site?" the way Jekyll builds the
site and Netlify serves it:

* a page's URL is its front matter ``permalink`` (Jekyll placeholders filled),
  else its collection's pattern, else the path-derived default for the
  ``permalink`` style; the file is written where Jekyll writes it;
* a request path finds a file as Netlify serves one: ``/x/`` -> ``x/index.html``
  (or ``x.html``), ``/x`` -> ``x``, ``x.html`` or ``x/index.html``; so
  trailing-slash and ``index.html`` variants of a working link work too;
* ``_redirects`` and ``netlify.toml`` rules apply as on Netlify (see
  :mod:`finops_lint.site.redirects`), as do ``redirect_from`` / ``redirect_to``
  front matter (jekyll-redirect-from writes a redirect page at each old URL);
* relative links resolve against the page's *output URL*, as a browser does.
  When that reaches nothing, the link is also tried against the page's *source
  file* (``../_capabilities/forecasting.md`` from ``_domains/x.md``): a link to
  the source file of a page or to a static file counts as reaching it, the way
  jekyll-relative-links (on by default on GitHub Pages) rewrites such links.
  Such results carry ``via_source_path=True`` so a rule can still warn on
  sites that do not run that plugin.

URLs are kept percent-decoded throughout; see :mod:`finops_lint.site.urls`.
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
import html
import os
import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, unquote_plus, urlsplit

import yaml

from finops_lint.parsing.frontmatter import parse_front_matter, split_front_matter
from finops_lint.parsing.text import decode_page
from finops_lint.safe_io import MAX_CONFIG_BYTES, MAX_PAGE_BYTES, describe, read_bytes
from finops_lint.site.jekyll import JekyllConfig, SourceFile, load_config, scan_source
from finops_lint.site.redirects import (
    RedirectRule,
    parse_netlify_toml,
    parse_redirects_file,
)
from finops_lint.site.urls import destination, document_url, page_url, static_url

try:
    from yaml import CSafeLoader as _YamlLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _YamlLoader  # type: ignore[assignment]

Problem = tuple[str, int, str]
_PERMALINK_KEY = re.compile(r"^permalink[ \t]*:", re.MULTILINE)

MAX_REDIRECT_HOPS = 10
_SKIP_SCHEMES = frozenset(
    {
        "mailto",
        "tel",
        "javascript",
        "data",
        "sms",
        "callto",
        "about",
        "blob",
        "file",
        "skype",
        "whatsapp",
    }
)
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_ENTITY = re.compile(r"&(?:#\d+|#[xX][0-9a-fA-F]+|[A-Za-z]+);")
_LIQUID_VAR = re.compile(r"\{\{-?\s*(site\.url|site\.baseurl|page\.url)\s*-?\}\}")
_LIQUID_FILTER = re.compile(r"\{\{-?\s*(['\"])(.*?)\1\s*\|\s*(relative_url|absolute_url)\s*-?\}\}")
#: jekyll-relative-links 0.7's LINK_REGEX (inline links, then reference definitions).
_RL_TITLE = r"""(\s+"(?:\\"|[^"])*(?<!\\)"|\s+"(?:\\'|[^'])*(?<!\\)')?"""
_RL_LINK = re.compile(
    r"(\[(.*?)\]\(([^)]+?)(#.+?|)?"
    + _RL_TITLE
    + r"\)|^\s*?\[(.*?)\]: (.+?)(#.+?|)?"
    + _RL_TITLE
    + r"\s*?$)",
    re.MULTILINE,
)
_LIQUID_LINK = re.compile(r"\{%-?\s*link\s+(\S+?)\s*-?%\}")
#: Files some common plugins generate without a source file.
_PLUGIN_FILES = {
    "jekyll-sitemap": ("/sitemap.xml", "/robots.txt"),
    "jekyll-feed": ("/feed.xml",),
}


GITHUB_PAGES = "github-pages"
NETLIFY = "netlify"
#: Plugins GitHub Pages runs on every site it builds, whatever `plugins` says
#: (pages.github.com/versions; docs.github.com "About GitHub Pages and Jekyll").
GITHUB_PAGES_DEFAULT_PLUGINS = frozenset(
    {
        "jekyll-coffeescript",
        "jekyll-default-layout",
        "jekyll-gist",
        "jekyll-github-metadata",
        "jekyll-optional-front-matter",
        "jekyll-paginate",
        "jekyll-readme-index",
        "jekyll-titles-from-headings",
        "jekyll-relative-links",
    }
)
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


def normalize_baseurl(value: str) -> str:
    value = value.strip().rstrip("/")
    if value and not value.startswith("/"):
        value = "/" + value
    return value


def detect_host(root: Path, config: JekyllConfig) -> str:
    """The host that serves the site, from the repository: `netlify.toml` or `_redirects`
    mean Netlify; a `CNAME` file, the `github-pages` gem or GitHub Pages' own plugins
    mean GitHub Pages; otherwise "any" (a link works if some host serves it)."""
    if (root / "netlify.toml").is_file() or (root / "_redirects").is_file():
        return NETLIFY
    if (root / "CNAME").is_file():
        return GITHUB_PAGES
    gemfile = root / "Gemfile"
    try:
        gems = read_bytes(gemfile, MAX_CONFIG_BYTES).decode("utf-8", "replace")
        if re.search(r"""['"]github-pages['"]""", gems):
            return GITHUB_PAGES
    except (OSError, UnicodeDecodeError):
        pass
    if any(p in GITHUB_PAGES_DEFAULT_PLUGINS for p in config.plugins):
        return GITHUB_PAGES
    return "any"


def active_plugins(config: JekyllConfig, host: str) -> frozenset[str]:
    plugins = set(config.plugins)
    if host == GITHUB_PAGES:
        plugins |= GITHUB_PAGES_DEFAULT_PLUGINS
    return frozenset(plugins)


def _option(settings: Any, key: str) -> bool:
    return isinstance(settings, dict) and settings.get(key) is True


def _plugin_on(site: Site, name: str, settings: Any) -> bool:
    """A plugin that runs: active, and not turned off with `enabled: false`."""
    if name not in site.active_plugins:
        return False
    return not (isinstance(settings, dict) and settings.get("enabled") is False)


class SitePage:
    """One page or collection document.

    ``data`` is the front matter with ``_config.yml`` defaults merged in
    (defaults first, the page wins). It is parsed on first use: building the
    Site only reads the few keys that decide URLs and redirects.
    """

    __slots__ = (
        "_data",
        "_loader",
        "_url_data",
        "collection",
        "destination",
        "output",
        "output_ext",
        "path",
        "url",
    )

    def __init__(
        self,
        path: str,
        url: str,
        collection: str | None,
        data: dict[str, Any] | None = None,
        output: bool = True,
        output_ext: str = ".html",
        destination: str = "",
        *,
        loader: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.path = path  # posix path relative to the site root
        self.url = url  # percent-decoded, e.g. "/framework/capabilities/forecasting/"
        self.collection = collection
        self.output = output  # False: collection with output: false, or published: false
        self.output_ext = output_ext
        self.destination = destination  # the file Jekyll writes, e.g. "/x/index.html"
        self._data = data
        self._loader = loader
        # the URL-deciding keys (with defaults), read at build time
        self._url_data: dict[str, Any] = data if data is not None else {}

    @property
    def data(self) -> dict[str, Any]:
        if self._data is None:
            self._data = self._loader() if self._loader is not None else {}
            self._loader = None
        return self._data

    @data.setter
    def data(self, value: dict[str, Any]) -> None:
        self._data = value
        self._loader = None

    def __repr__(self) -> str:
        return (
            f"SitePage(path={self.path!r}, url={self.url!r}, collection={self.collection!r},"
            f" output={self.output!r})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SitePage):
            return NotImplemented
        return (self.path, self.url, self.collection, self.output) == (
            other.path,
            other.url,
            other.collection,
            other.output,
        )

    def __hash__(self) -> int:
        return hash((self.path, self.url))


@dataclass
class Resolution:
    """Where a link leads.

    ``kind``: ``"page"``, ``"static"``, ``"redirect"`` (an internal redirect
    chain that ends at a page or static file), ``"external-redirect"`` (a
    redirect off the site), ``"missing"``, ``"external"`` (not a site host),
    ``"file"`` (a file of the repository, from a document Jekyll does not build)
    or ``"skip"`` (mailto:, tel:, javascript:, data:, Liquid we cannot resolve).
    """

    kind: str
    url: str | None = None
    page: SitePage | None = None
    static_path: str | None = None
    fragment: str | None = None
    redirect_chain: list[str] = field(default_factory=list)
    final_url: str | None = None
    status: int | None = None
    via_source_path: bool = False  # reached only as a link to a source file
    reason: str | None = None  # why it is missing / how it was reached, for messages

    @property
    def ok(self) -> bool:
        """The link reaches something (directly or through a redirect), or is not ours."""
        return self.kind != "missing"


_Target = tuple[str, Any]  # ("page", SitePage) | ("static", path) | ("redirect", url)


class Site:
    root: Path
    pages: dict[str, SitePage]
    pages_by_url: dict[str, list[SitePage]]
    static_files: dict[str, str]
    hosts: tuple[str, ...]
    problems: list[Problem]

    def __init__(self, root: Path, config: JekyllConfig) -> None:
        self.root = root
        self.config = config
        self.pages = {}
        self.pages_by_url = {}
        self.static_files = {}
        self.static_by_path: dict[str, str] = {}  # source path -> url (output files only)
        self.unoutput_static: set[str] = set()  # static files of collections not output
        self.redirects: list[RedirectRule] = []
        self.hosts = ()
        self.problems = list(config.problems)
        self._files: dict[str, _Target] = {}
        self._host_keys: set[str] = set()
        self.host = "any"  # "github-pages" | "netlify" | "any"
        self.active_plugins: frozenset[str] = frozenset(config.plugins)
        self._rewrites: dict[str, dict[str, str]] = {}

    # ------------------------------------------------------------------ build

    @classmethod
    def build(
        cls,
        root: Path,
        *,
        extra_hosts: Sequence[str] = (),
        host: str | None = None,
        baseurl: str | None = None,
    ) -> Site:
        """Every file Jekyll reads under root (the lint's own excludes play no part:
        a page the lint skips is still a page a link can reach)."""
        root = Path(root)
        config = load_config(root)
        if baseurl is not None:
            config.baseurl = normalize_baseurl(baseurl)
        site = cls(root, config)
        site.host = host or detect_host(root, config)
        site.active_plugins = active_plugins(config, site.host)
        statics: list[SourceFile] = []
        for source in scan_source(root, config):
            if source.kind == "static":
                site._add_static(source)
                statics.append(source)
            else:
                site._add_page(source)
        site._add_generated_pages(statics)
        site._add_plugin_files()
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
        if _plugin_on(self, "jekyll-optional-front-matter", raw.get("optional_front_matter")):
            for s in candidates:
                stem = posixpath.splitext(posixpath.basename(s.path))[0].upper()
                if stem not in _META_FILES:
                    self._add_page(SourceFile(s.path, "page", None, False))
                    if _option(raw.get("optional_front_matter"), "remove_originals"):
                        self._drop_static(s.path)
        if _plugin_on(self, "jekyll-readme-index", raw.get("readme_index")):
            for s in candidates:
                name = posixpath.basename(s.path)
                if posixpath.splitext(name)[0].lower() != "readme":
                    continue
                folder = posixpath.dirname("/" + s.path).rstrip("/") + "/"
                if self._has_index(folder):
                    continue
                self._add_page(SourceFile(s.path, "page", None, False), permalink=folder)
                if _option(raw.get("readme_index"), "remove_originals"):
                    self._drop_static(s.path)
            if _option(raw.get("readme_index"), "with_frontmatter"):
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
                self.unoutput_static.add(source.path)
                return
        self.static_files.setdefault(url, source.path)
        self.static_by_path[source.path] = url
        self._files.setdefault(url, ("static", source.path))

    def _add_page(self, source: SourceFile, permalink: str | None = None) -> None:
        config = self.config
        data: dict[str, Any] = {}
        permalink_line = 1
        try:
            raw = read_bytes(self.root / source.path, MAX_PAGE_BYTES, truncate=True)
        except OSError as exc:
            self.problems.append((source.path, 1, f"cannot read file: {describe(exc)}"))
            raw = b""
        text, _error = decode_page(raw)
        fm_raw = ""
        if text is not None and source.front_matter:
            data, permalink_line, fm_raw = _url_front_matter(text)
        type_ = "pages" if source.collection is None else source.collection
        defaults = config.defaults_for(source.path, type_)
        merged = {**defaults, **data} if defaults else dict(data)
        if permalink is not None:  # set by a plugin (jekyll-readme-index)
            merged["permalink"] = permalink
        published = merged.get("published", True) is not False
        if source.collection is None:
            url, out_ext = page_url(source.path, merged, config.permalink, config.markdown_ext)
            output = published
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
            loader=_full_data_loader(text, fm_raw, defaults),
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
        redirect_to = merged.get("redirect_to")
        if isinstance(redirect_to, list):
            redirect_to = redirect_to[0] if redirect_to else None
        if isinstance(redirect_to, str) and redirect_to.strip():
            self._files.setdefault(page.destination, ("redirect", redirect_to.strip()))
        else:
            self._files.setdefault(page.destination, ("page", page))

    def _add_plugin_files(self) -> None:
        for plugin, urls in _PLUGIN_FILES.items():
            if plugin in self.config.plugins:
                for url in urls:
                    if url not in self._files:
                        self._files[url] = ("static", f"<{plugin}>")
                        self.static_files.setdefault(url, f"<{plugin}>")

    def _add_front_matter_redirects(self) -> None:
        """jekyll-redirect-from: a redirect page at every ``redirect_from`` URL."""
        for page in self.pages.values():
            if not page.output:
                continue
            value = page._url_data.get("redirect_from")
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list):
                continue
            for old in value:
                if not isinstance(old, str) or not old.strip():
                    continue
                old_url = "/" + old.strip().lstrip("/")
                old_url = _normalize_path(old_url)
                if old_url.endswith("/"):
                    dest = old_url + "index.html"
                elif posixpath.splitext(old_url)[1]:
                    dest = old_url
                else:
                    dest = old_url + ".html"
                self._files.setdefault(dest, ("redirect", page.url))

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
            key = _host_key(url)
            if key:
                self._host_keys.add(key)
                shown.append(url.rstrip("/"))
        changed = True
        while changed:  # hosts whose rules send everything onto a site host are aliases
            changed = False
            for rule in self.redirects:
                if rule.host is None or _strip_www(rule.host) in self._host_keys:
                    continue
                if rule.external and _host_key(rule.to) in self._host_keys:
                    self._host_keys.add(_strip_www(rule.host))
                    shown.append(f"https://{rule.host}")
                    changed = True
        self.hosts = tuple(dict.fromkeys(shown))

    # ---------------------------------------------------------------- queries

    def use_front_matter(self, path: str, data: dict[str, Any]) -> None:
        """Give a page the front matter the caller already parsed (saves a second parse)."""
        page = self.pages.get(path)
        if page is None or page._data is not None:
            return
        type_ = "pages" if page.collection is None else page.collection
        defaults = self.config.defaults_for(path, type_)
        page.data = {**defaults, **data} if defaults else dict(data)

    def page_for_path(self, path: str) -> SitePage | None:
        return self.pages.get(posixpath.normpath(path.replace("\\", "/")).lstrip("/"))

    def is_site_host(self, url: str) -> bool:
        if url.startswith("//"):
            url = "https:" + url
        if not re.match(r"(?i)https?://", url):
            return False
        return _host_key(url) in self._host_keys

    def lookup(self, path: str) -> Resolution:
        """Resolve a site path (no host, baseurl already removed)."""
        return self._follow(_normalize_path(path), {}, None, None, [])

    def rendered_href(self, target: str, from_path: str, *, markdown: bool = True) -> str:
        """The href a link target written in ``from_path`` has in the built HTML: Liquid
        URL variables and filters expanded, jekyll-relative-links' rewriting applied."""
        raw = target.strip()
        if raw.startswith("<") and raw.endswith(">"):
            raw = raw[1:-1].strip()
        if "&" in raw and _ENTITY.search(raw):
            raw = html.unescape(raw)
        if "{" in raw:
            expanded = self._expand_liquid(raw, from_path, self.page_for_path(from_path))
            if isinstance(expanded, Resolution):
                url = self.config.baseurl + (expanded.url or "")
                return url + (f"#{expanded.fragment}" if expanded.fragment else "")
            if expanded is None:
                return raw
            raw = expanded
        main, hash_sign, frag = raw.partition("#")
        if markdown and main and self.page_for_path(from_path) is not None:
            rewritten = self._relative_rewrites(from_path).get(main)
            if rewritten is not None:
                return rewritten + hash_sign + frag
        return raw

    def relative_links_note(self, from_path: str, *, markdown: bool = True) -> str:
        """Why jekyll-relative-links does not rewrite links in this page ("" when it does)."""
        page = self.pages.get(from_path)
        settings = self.config.raw.get("relative_links")
        if not _plugin_on(self, "jekyll-relative-links", settings):
            return "jekyll-relative-links does not run on this site"
        if not markdown:
            return "jekyll-relative-links rewrites Markdown links only, not HTML"
        if (
            page is not None
            and page.collection is not None
            and not _option(settings, "collections")
        ):
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
            path = m.group(3) if m.group(2) is not None else m.group(7)
            if not path or path in out or path.startswith("#") or _SCHEME_RE.match(path):
                continue
            url = self._source_url(path, base)
            if url is not None:
                out[path] = self.config.baseurl + url
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

    def resolve(self, target: str, from_path: str, *, markdown: bool = True) -> Resolution:
        """Where ``target``, written in the page at ``from_path``, leads on the deployed site.

        ``markdown``: the link is Markdown syntax (jekyll-relative-links rewrites
        only those), not an HTML ``<a href>``.
        """
        raw = target.strip()
        if raw.startswith("<") and raw.endswith(">"):
            raw = raw[1:-1].strip()
        if "&" in raw and _ENTITY.search(raw):
            # HTML attributes may hold entities ("&#109;ailto:"); browsers decode them.
            raw = html.unescape(raw)
        from_page = self.page_for_path(from_path)
        if "{" in raw:
            expanded = self._expand_liquid(raw, from_path, from_page)
            if expanded is None:
                return Resolution("skip", reason="Liquid expression")
            if isinstance(expanded, Resolution):
                return expanded
            raw = expanded
        main, hash_sign, frag = raw.partition("#")
        fragment = unquote(frag) if hash_sign else None
        if main == "":
            # "#anchor" or "": the page itself
            if from_page is not None:
                return Resolution(
                    "page", from_page.url, from_page, fragment=fragment, final_url=from_page.url
                )
            return Resolution("skip", fragment=fragment, reason="anchor in a file outside the site")
        if markdown and from_page is not None:
            rewritten = self._relative_rewrites(from_path).get(main)
            if rewritten is not None:  # jekyll-relative-links made it a site URL
                path_part, _, query_s = rewritten.partition("?")
                query = dict(parse_qsl(query_s, keep_blank_values=True))
                result = self._site_path(path_part, query, None, fragment)
                result.via_source_path = True
                return result
        scheme_match = _SCHEME_RE.match(main)
        if main.startswith("//"):
            main = "https:" + main
            scheme_match = _SCHEME_RE.match(main)
        if scheme_match:
            scheme = scheme_match.group(1).lower()
            if scheme not in ("http", "https"):
                if scheme in _SKIP_SCHEMES or len(scheme) > 1:
                    return Resolution("skip", fragment=fragment, reason=f"{scheme}: link")
            else:
                if not self.is_site_host(main):
                    return Resolution("external", fragment=fragment, final_url=raw)
                parts = urlsplit(main)
                host = (parts.hostname or "").lower()
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                return self._site_path(parts.path or "/", query, host, fragment)
        path_part, _, query_s = main.partition("?")
        query = dict(parse_qsl(query_s, keep_blank_values=True))
        if path_part.startswith("/"):
            return self._site_path(path_part, query, None, fragment)
        if path_part == "":  # "?x=1"
            base = self.config.baseurl + (from_page.url if from_page is not None else "/")
            return self._follow(_normalize_path(base), query, None, fragment, [])
        if from_page is None and self.is_repository_document(from_path):
            return self._resolve_file(path_part, from_path, fragment)
        # Relative: against the output URL first, as the browser does.
        if from_page is not None:
            base_url = self.config.baseurl + from_page.url  # the URL the browser shows
        else:
            base_url = self.config.baseurl + "/" + posixpath.dirname(from_path).strip("/") + "/"
        base_dir = base_url if base_url.endswith("/") else base_url.rsplit("/", 1)[0] + "/"
        result = self._follow(_normalize_path(base_dir + path_part), query, None, fragment, [])
        if result.kind != "missing":
            return result
        by_source = self._resolve_source_relative(path_part, from_path, fragment, markdown)
        return by_source if by_source is not None else result

    # ------------------------------------------------------------- internals

    def _expand_liquid(
        self, raw: str, from_path: str, from_page: SitePage | None
    ) -> str | Resolution | None:
        link = _LIQUID_LINK.fullmatch(raw.split("#")[0].strip())
        if link is not None:
            path = link.group(1).strip("'\"")
            page = self.pages.get(path)
            frag = raw.partition("#")[2] or None
            if page is not None and page.output:
                return Resolution("page", page.url, page, fragment=frag, final_url=page.url)
            if path in self.static_by_path:
                url = self.static_by_path[path]
                return Resolution("static", url, static_path=path, fragment=frag, final_url=url)
            return Resolution(
                "missing",
                None,
                fragment=frag,
                reason=f"{{% link %}} names {path}, which is not a page or file of the site",
            )
        config = self.config

        def var(m: re.Match[str]) -> str:
            name = m.group(1)
            if name == "site.url":
                return config.url
            if name == "site.baseurl":
                return config.baseurl
            return from_page.url if from_page is not None else "/"

        def filt(m: re.Match[str]) -> str:
            value = m.group(2)
            rel = config.baseurl + ("" if value.startswith("/") else "/") + value
            return rel if m.group(3) == "relative_url" else config.url + rel

        out = _LIQUID_FILTER.sub(filt, _LIQUID_VAR.sub(var, raw))
        if "{{" in out or "{%" in out:
            return None
        return out

    def _site_path(
        self, path: str, query: dict[str, str], host: str | None, fragment: str | None
    ) -> Resolution:
        return self._follow(_normalize_path(path), query, host, fragment, [])

    def _strip_baseurl(self, path: str) -> str | None:
        base = self.config.baseurl
        if not base:
            return path
        if path == base or path.startswith(base + "/"):
            return path[len(base) :] or "/"
        return None

    def _lookup_file(self, path: str) -> _Target | None:
        """The output file the host serves for a path (baseurl removed).

        GitHub Pages answers `/x/` only with `x/index.html`, and `/x` with `x`,
        `x.html` or (redirected) `x/index.html`; Netlify also answers `/x/` with
        `x.html` (see tests/oracle/hosts.py for the documented behaviour).
        """
        files = self._files
        if path.endswith("/"):
            candidates = [path + "index.html"]
            if path != "/" and self.host != GITHUB_PAGES:
                candidates.append(path[:-1] + ".html")
                candidates.append(path[:-1])
        else:
            candidates = [path, path + ".html", path + "/index.html"]
        for cand in candidates:
            found = files.get(cand)
            if found is not None:
                return found
        return None

    def _match_rule(
        self, path: str, query: dict[str, str], host: str | None
    ) -> tuple[RedirectRule, str] | None:
        for rule in self.redirects:
            if rule.host is not None and (
                host is None or _strip_www(rule.host) != _strip_www(host)
            ):
                continue
            dest = rule.match(path, query)
            if dest is not None:
                return rule, dest
        return None

    def _follow(
        self,
        path: str,
        query: dict[str, str],
        host: str | None,
        fragment: str | None,
        chain: list[str],
    ) -> Resolution:
        status: int | None = None
        notes: list[str] = []
        seen: set[tuple[str | None, str]] = set()
        for _hop in range(MAX_REDIRECT_HOPS):
            if (host, path) in seen:
                return Resolution(
                    "missing",
                    path,
                    fragment=fragment,
                    redirect_chain=chain,
                    status=status,
                    reason="redirect loop: " + " -> ".join(chain),
                )
            seen.add((host, path))
            shown = f"https://{host}{path}" if host else path
            site_path = self._strip_baseurl(path)
            target = self._lookup_file(site_path) if site_path is not None else None
            matched = self._match_rule(path, query, host)
            if matched is not None and (matched[0].force or target is None):
                rule, dest = matched
                where = f"{rule.source}:{rule.line}"
                if not rule.is_redirect and rule.status != 200:
                    return Resolution(
                        "missing",
                        path,
                        fragment=fragment,
                        redirect_chain=chain,
                        status=status,
                        reason=f"no page or file at {path}; {where} serves {dest} with status "
                        f"{rule.status}",
                    )
                if rule.is_redirect:
                    chain.append(shown)
                    status = status or rule.status
                else:
                    notes.append(f"rewritten to {dest} by {where}")
                if rule.external:
                    if not self.is_site_host(dest):
                        return Resolution(
                            "external-redirect",
                            None,
                            fragment=fragment,
                            redirect_chain=chain,
                            final_url=dest,
                            status=status,
                            reason=f"redirected off the site by {where}",
                        )
                    parts = urlsplit(dest)
                    host = (parts.hostname or "").lower()
                    path = _normalize_path(parts.path or "/")
                else:
                    dest_path, _, dest_query = dest.partition("?")
                    if dest_query:
                        query = dict(parse_qsl(dest_query, keep_blank_values=True))
                    path = _normalize_path(dest_path)
                continue
            if target is None:
                reason = f"no page, file or redirect for {path}"
                if site_path is None:
                    reason = f"{path} is outside the site's baseurl {self.config.baseurl}"
                return Resolution(
                    "missing",
                    path,
                    fragment=fragment,
                    redirect_chain=chain,
                    status=status,
                    reason=reason,
                )
            kind, obj = target
            if kind == "redirect":
                chain.append(shown)
                dest = str(obj)
                if re.match(r"(?i)https?://|//", dest):
                    if not self.is_site_host(dest):
                        return Resolution(
                            "external-redirect",
                            None,
                            fragment=fragment,
                            redirect_chain=chain,
                            final_url=dest,
                            status=status,
                            reason="redirect_to/redirect_from page",
                        )
                    parts = urlsplit(dest if not dest.startswith("//") else "https:" + dest)
                    host = (parts.hostname or "").lower()
                    path = _normalize_path(parts.path or "/")
                else:
                    path = _normalize_path("/" + dest.lstrip("/"))
                continue
            redirected = bool(chain)
            if kind == "page":
                page: SitePage = obj
                return Resolution(
                    "redirect" if redirected else "page",
                    page.url,
                    page,
                    fragment=fragment,
                    redirect_chain=chain,
                    final_url=page.url,
                    status=status,
                    reason="; ".join(notes) or None,
                )
            static_path = str(obj)
            url = site_path or path
            return Resolution(
                "redirect" if redirected else "static",
                url,
                None,
                static_path=static_path if not static_path.startswith("<") else None,
                fragment=fragment,
                redirect_chain=chain,
                final_url=url,
                status=status,
                reason="; ".join(notes) or None,
            )
        return Resolution(
            "missing",
            path,
            fragment=fragment,
            redirect_chain=chain,
            status=status,
            reason="too many redirects: " + " -> ".join(chain),
        )

    def is_repository_document(self, path: str) -> bool:
        """A Markdown file Jekyll does not build into a page: README, CONTRIBUTING, an
        excluded docs/ folder, a file without front matter. It is read on GitHub,
        where its relative links lead to files. Site code (`_includes/`...) is not."""
        return not path.startswith("_") and path not in self.pages

    def _resolve_file(self, path_part: str, from_path: str, fragment: str | None) -> Resolution:
        """A relative link in a repository document: a file or folder of the repository."""
        rel = unquote(path_part)
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(from_path), rel))
        if joined == ".." or joined.startswith("../"):
            return Resolution(
                "missing",
                None,
                fragment=fragment,
                via_source_path=True,
                reason=f"{path_part} leads out of the repository",
            )
        if joined == "." or (self.root / joined).exists():
            return Resolution("file", "/" + joined, static_path=joined, fragment=fragment)
        return Resolution(
            "missing",
            "/" + joined,
            fragment=fragment,
            via_source_path=True,
            reason=f"no file {joined} in the repository; {from_path} is not built by Jekyll, "
            "so its relative links lead to files",
        )

    def _resolve_source_relative(
        self, path_part: str, from_path: str, fragment: str | None, markdown: bool = True
    ) -> Resolution | None:
        """A relative link that names a source file but that nothing rewrote: missing,
        with the reason (the browser requests it relative to the page URL)."""
        rel = unquote(path_part)
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(from_path), rel))
        if joined.startswith("../") or joined == "..":
            return None
        page = self.pages.get(joined)
        url = page.url if page is not None else self.static_by_path.get(joined)
        if url is None:
            return None
        note = self.relative_links_note(from_path, markdown=markdown)
        if page is not None and not page.output:
            note = f"{joined} is not output by Jekyll"
        return Resolution(
            "missing",
            url,
            page,
            static_path=None if page is not None else joined,
            fragment=fragment,
            via_source_path=True,
            reason=f"{path_part} names the source file {joined}, but the browser resolves it "
            f"against the page URL ({note}); link to {self.config.baseurl}{url} instead",
        )


#: Front matter keys that decide a URL or a redirect; only these are read at build time.
_URL_KEYS = (
    "permalink",
    "slug",
    "date",
    "categories",
    "category",
    "published",
    "redirect_from",
    "redirect_to",
)
_ANCHOR = re.compile(r"(?:^|[\s:\-\[{,])&[^\s,\[\]{}]+")
_TOP_KEY = re.compile(r"^(?:['\"]?)([A-Za-z_][\w-]*)(?:['\"]?)[ \t]*:(?:[ \t]|$)")


def _url_front_matter(text: str) -> tuple[dict[str, Any], int, str]:
    """The URL-deciding front matter keys, the line of ``permalink:``, and the raw YAML.

    Only the top-level blocks of the keys in ``_URL_KEYS`` are handed to the C
    YAML loader; the whole front matter is parsed when the page's ``data`` is
    first used. Anything unusual (flow-style mapping, anchors, a block that
    does not parse alone) falls back to parsing the whole front matter.
    Invalid front matter gives ``{}``: Jekyll then uses no front matter data,
    and the FM rules report the error.
    """
    fm = split_front_matter(text)
    if not fm.present or fm.unterminated or not fm.raw.strip():
        return {}, 1, ""
    raw = fm.raw
    match = _PERMALINK_KEY.search(raw)
    line = fm.start_line + 1 + raw.count("\n", 0, match.start()) if match else fm.start_line
    if not any(key in raw for key in _URL_KEYS):
        return {}, line, raw
    if ("&" in raw and _ANCHOR.search(raw)) or raw.lstrip().startswith(("{", "[", "!", "%")):
        return _load_full(text, raw), line, raw
    picked: list[str] = []
    keep = False
    for row in raw.split("\n"):
        if row[:1] not in (" ", "\t", "-", "#", ""):
            key_match = _TOP_KEY.match(row)
            keep = key_match is not None and key_match.group(1) in _URL_KEYS
        if keep:
            picked.append(row)
    if not picked:
        return {}, line, raw
    simple = _simple_url_keys(picked)
    if simple is not None:
        return simple, line, raw
    try:
        data = yaml.load("\n".join(picked), Loader=_YamlLoader)
    except (yaml.YAMLError, RecursionError, ValueError):
        return _load_full(text, raw), line, raw
    if not isinstance(data, dict):
        return _load_full(text, raw), line, raw
    return {str(k): v for k, v in data.items()}, line, raw


_PLAIN_STRING_KEY = re.compile(r"^(permalink|slug)[ \t]*:[ \t]*([^\s#'\"{\[&*!|>%@`][^#]*?)[ \t]*$")
_PLAIN_DATE_KEY = re.compile(r"^date[ \t]*:[ \t]*(\d{4}-\d{2}-\d{2})[ \t]*$")
#: Plain scalars YAML would read as something other than a string.
_NOT_A_STRING = re.compile(r"^(?:~|null|true|false|yes|no|on|off|[-+]?[\d.]+)$", re.IGNORECASE)


def _simple_url_keys(rows: list[str]) -> dict[str, Any] | None:
    """`permalink: /a/b/` and `slug: x` as YAML reads them, without YAML (the common
    case on every page); None when any row needs the real parser."""
    out: dict[str, Any] = {}
    for row in rows:
        day = _PLAIN_DATE_KEY.match(row)
        if day is not None:
            try:
                out["date"] = _dt.date.fromisoformat(day.group(1))
            except ValueError:
                return None
            continue
        m = _PLAIN_STRING_KEY.match(row)
        if m is None or ": " in m.group(2) or _NOT_A_STRING.match(m.group(2)):
            return None
        out[m.group(1)] = m.group(2)
    return out


def _load_full(text: str, raw: str) -> dict[str, Any]:
    """The whole front matter; aliases go through the alias-bomb-safe parser."""
    if "&" in raw and _ANCHOR.search(raw):
        parsed = parse_front_matter(text)
        return parsed.data if parsed.error is None else {}
    try:
        data = yaml.load(raw, Loader=_YamlLoader)
    except (yaml.YAMLError, RecursionError, ValueError):
        return {}
    return {str(k): v for k, v in data.items()} if isinstance(data, dict) else {}


def _full_data_loader(
    text: str | None, raw: str, defaults: dict[str, Any]
) -> Callable[[], dict[str, Any]]:
    def load() -> dict[str, Any]:
        data = _load_full(text, raw) if (text is not None and raw.strip()) else {}
        return {**defaults, **data} if defaults else data

    return load


def _normalize_path(path: str) -> str:
    """Percent-decode, squeeze ``//`` and apply ``.``/``..`` segments; keep a trailing slash."""
    if "%" in path:
        path = unquote(path)
    if not path.startswith("/"):
        path = "/" + path
    if "//" in path:
        path = re.sub(r"/{2,}", "/", path)
    if "/." not in path:
        return path
    segments = path.split("/")
    out: list[str] = []
    trailing = segments[-1] in ("", ".", "..")
    for seg in segments[1:]:
        if seg in ("", "."):
            continue
        if seg == "..":
            if out:
                out.pop()
            continue
        out.append(seg)
    result = "/" + "/".join(out)
    if trailing and result != "/":
        result += "/"
    return result


def _strip_www(host: str) -> str:
    host = host.lower().rstrip(".")
    return host[4:] if host.startswith("www.") else host


def _host_key(url: str) -> str:
    """A host as the site compares it: no scheme, port 80/443, case or ``www.``."""
    if not url:
        return ""
    if url.startswith("//"):
        url = "https:" + url
    if "://" not in url:
        url = "https://" + url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return ""
    if not host:
        return ""
    key = _strip_www(host)
    if port not in (None, 80, 443):
        key += f":{port}"
    return key


def _read_site_file(path: Path) -> tuple[str | None, str | None]:
    """A site file such as _redirects as text, or (None, why it cannot be read)."""
    try:
        data = read_bytes(path, MAX_CONFIG_BYTES)
    except OSError as exc:
        return None, describe(exc)
    text, error = decode_page(data)
    return text, (error.message if error is not None else None)
