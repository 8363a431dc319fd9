"""Where a link leads on the deployed site: :meth:`SiteResolver.resolve`.

One place decides whether a link points into the site
(:meth:`SiteResolver.is_internal`, on the parser's ``classify_target``) and
where it leads (:meth:`SiteResolver.resolve`); every rule asks these two. A
target is classified (anchor only, another scheme, an absolute URL on a site
host or elsewhere, site-root, relative), Liquid is expanded,
jekyll-relative-links' rewriting is applied, and the path is followed through
the output files and redirects as the host serves them:

* a request path finds a file as Netlify serves one: ``/x/`` -> ``x/index.html``
  (or ``x.html``), ``/x`` -> ``x``, ``x.html`` or ``x/index.html``; GitHub
  Pages answers ``/x/`` only with ``x/index.html``;
* ``_redirects`` and ``netlify.toml`` rules apply as on Netlify (see
  :mod:`finops_lint.site.redirects`), as do ``redirect_from`` / ``redirect_to``
  front matter (jekyll-redirect-from writes a redirect page at each old URL);
* relative links resolve against the page's *output URL*, as a browser does.
  When that reaches nothing, the link is also tried against the page's *source
  file* (``../_capabilities/forecasting.md`` from ``_domains/x.md``), to say
  why it fails and what to link to instead.
"""

from __future__ import annotations

import posixpath
import re
from functools import lru_cache
from urllib.parse import parse_qsl, unquote, urlsplit

from finops_lint.parsing.links import classify_target, is_http_url
from finops_lint.site.hosts import GITHUB_PAGES, host_key, strip_www
from finops_lint.site.liquid import expand_liquid
from finops_lint.site.page import Resolution, SitePage, Target
from finops_lint.site.redirects import RedirectRule
from finops_lint.site.relative_links import SCHEME_RE, RelativeLinks, unwrap_target
from finops_lint.site.urls import normalize_path

MAX_REDIRECT_HOPS = 10
#: `host_key` of the URLs a run meets, kept: a page links to the same sites as others
#: (urlsplit, then its hostname and port, on every link: 0.8% of a worker's time)
_host_key = lru_cache(maxsize=4096)(host_key)
#: classify_target kinds that may point into the site (absolute ones: on a site host)
_SITE_KINDS = frozenset({"relative", "site-root", "absolute", "protocol-relative", "liquid"})
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


#: Folders of site code: templates, data, plugins, drafts and the build. A Markdown
#: file in one is not a document of its own (an include is read inside a page).
_SITE_CODE_FOLDERS = frozenset(
    {"_includes", "_layouts", "_sass", "_data", "_plugins", "_drafts", "_site"}
)


class SiteResolver(RelativeLinks):
    """The queries half of the Site; :class:`finops_lint.site.build.Site` fills the tables."""

    def is_site_host(self, url: str) -> bool:
        if url.startswith("//"):
            url = "https:" + url
        if not is_http_url(url):
            return False
        return _host_key(url) in self._host_keys

    def is_internal(self, target: str, kind: str | None = None) -> bool:
        """Whether a link target points into this site: relative, site-root, Liquid, or
        an absolute or protocol-relative URL on a site host. ``kind`` is the parser's
        :func:`~finops_lint.parsing.links.classify_target` (computed when not given).
        Anchor-only, mail, other schemes and missing schemes are not: other rules
        check those."""
        if kind is None:
            kind = classify_target(target)
        if kind not in _SITE_KINDS:
            return False
        if kind == "absolute":
            return self.is_site_host(target)
        if kind == "protocol-relative":
            return self.is_site_host("https:" + target)
        return True

    def resolve(self, target: str, from_path: str, *, markdown: bool = True) -> Resolution:
        """Where ``target``, written in the page at ``from_path``, leads on the deployed site.

        ``markdown``: the link is Markdown syntax (jekyll-relative-links rewrites
        only those), not an HTML ``<a href>``.
        """
        raw = unwrap_target(target)
        from_page = self.page_for_path(from_path)
        if from_page is not None and not from_page.output:
            from_page = None  # not on the site (output: false, published: false)
        if "{" in raw:
            expanded = expand_liquid(self, raw, from_page)
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
            rewritten = self.relative_rewrite(from_path, raw)
            if rewritten is not None:  # jekyll-relative-links made it a site URL
                path_part, _, query_s = rewritten.partition("?")
                query = dict(parse_qsl(query_s, keep_blank_values=True))
                result = self._site_path(path_part, query, None, fragment)
                result.via_source_path = True
                return result
        scheme_match = SCHEME_RE.match(main)
        if main.startswith("//"):
            main = "https:" + main
            scheme_match = SCHEME_RE.match(main)
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
            found = self._site_path(path_part, query, None, fragment)
            if (
                found.kind == "missing"
                and from_page is None
                and self.is_repository_document(from_path)
            ):
                # On GitHub a path from `/` in a document is one from the repository root.
                in_repository = self._resolve_file(path_part.lstrip("/"), "", fragment)
                if in_repository.kind != "missing":
                    return in_repository
            return found
        if path_part == "":  # "?x=1"
            base = self.config.baseurl + (from_page.url if from_page is not None else "/")
            return self._follow(normalize_path(base), query, None, fragment, [])
        if from_page is None and self.is_repository_document(from_path):
            return self._resolve_file(path_part, from_path, fragment)
        # Relative: against the output URL first, as the browser does.
        if from_page is not None:
            base_url = self.config.baseurl + from_page.url  # the URL the browser shows
        else:
            base_url = self.config.baseurl + "/" + posixpath.dirname(from_path).strip("/") + "/"
        base_dir = base_url if base_url.endswith("/") else base_url.rsplit("/", 1)[0] + "/"
        result = self._follow(normalize_path(base_dir + path_part), query, None, fragment, [])
        if result.kind != "missing":
            return result
        by_source = self._resolve_source_relative(
            path_part, from_path, fragment, markdown, query=query_s
        )
        return by_source if by_source is not None else result

    # ------------------------------------------------------------- internals

    def _site_path(
        self, path: str, query: dict[str, str], host: str | None, fragment: str | None
    ) -> Resolution:
        return self._follow(normalize_path(path), query, host, fragment, [])

    def _strip_baseurl(self, path: str) -> str | None:
        base = self.config.baseurl
        if not base:
            return path
        if path == base or path.startswith(base + "/"):
            return path[len(base) :] or "/"
        return None

    def _lookup_file(self, path: str) -> Target | None:
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
            if rule.host is not None and (host is None or strip_www(rule.host) != strip_www(host)):
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

        def missing(reason: str) -> Resolution:
            return Resolution(
                "missing",
                path,
                fragment=fragment,
                redirect_chain=chain,
                status=status,
                reason=reason,
            )

        def off_site(dest: str, reason: str) -> Resolution:
            return Resolution(
                "external-redirect",
                None,
                fragment=fragment,
                redirect_chain=chain,
                final_url=dest,
                status=status,
                reason=reason,
            )

        for _hop in range(MAX_REDIRECT_HOPS):
            if (host, path) in seen:
                return missing("redirect loop: " + " -> ".join(chain))
            seen.add((host, path))
            shown = f"https://{host}{path}" if host else path
            site_path = self._strip_baseurl(path)
            target = self._lookup_file(site_path) if site_path is not None else None
            matched = self._match_rule(path, query, host)
            if matched is not None and (matched[0].force or target is None):
                rule, dest = matched
                where = f"{rule.source}:{rule.line}"
                if not rule.is_redirect and rule.status != 200:
                    return missing(
                        f"no page or file at {path}; {where} serves {dest} with status "
                        f"{rule.status}"
                    )
                if rule.is_redirect:
                    chain.append(shown)
                    status = status or rule.status
                else:
                    notes.append(f"rewritten to {dest} by {where}")
                if rule.external:
                    if not self.is_site_host(dest):
                        return off_site(dest, f"redirected off the site by {where}")
                    host, path = _host_and_path(dest)
                else:
                    dest_path, _, dest_query = dest.partition("?")
                    if dest_query:
                        query = dict(parse_qsl(dest_query, keep_blank_values=True))
                    path = normalize_path(dest_path)
                continue
            if target is None:
                reason = f"no page, file or redirect for {path}"
                if site_path is None:
                    reason = f"{path} is outside the site's baseurl {self.config.baseurl}"
                return missing(reason)
            kind, obj = target
            if kind == "redirect":
                chain.append(shown)
                dest = str(obj)
                if re.match(r"(?i)https?://|//", dest):
                    if not self.is_site_host(dest):
                        return off_site(dest, "redirect_to/redirect_from page")
                    host, path = _host_and_path(dest)
                else:
                    path = normalize_path("/" + dest.lstrip("/"))
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
        return missing("too many redirects: " + " -> ".join(chain))

    def is_repository_document(self, path: str) -> bool:
        """A Markdown file Jekyll does not build into a page: README, CONTRIBUTING, an
        excluded docs/ folder, a file without front matter, a document of a collection
        without output, an unpublished page, a file in a `_` folder Jekyll skips
        (`_notes/` when no collection is called that). It is read on GitHub, where its
        relative links lead to files. Site code (`_includes/`...) is not."""
        page = self.pages.get(path)
        if page is not None and page.output:
            return False
        return path.split("/", 1)[0] not in _SITE_CODE_FOLDERS

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
        self,
        path_part: str,
        from_path: str,
        fragment: str | None,
        markdown: bool = True,
        query: str | None = None,
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
        if not note:  # the plugin runs, and left this link as written
            note = (
                f"jekyll-relative-links looks up '{path_part}?{query}' as written, and no "
                "file has that name"
                if query
                else "jekyll-relative-links does not read this link as written"
            )
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


def _host_and_path(url: str) -> tuple[str, str]:
    """The host and normalised path of an absolute (or protocol-relative) URL."""
    parts = urlsplit(url if not url.startswith("//") else "https:" + url)
    return (parts.hostname or "").lower(), normalize_path(parts.path or "/")
