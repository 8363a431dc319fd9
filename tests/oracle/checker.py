"""The oracle's own link checker: every broken internal link, anchor and image in a
site the real Jekyll built, found in the built HTML with the standard library's
`html.parser` and served by a small model of the host (see `hosts.py`).

It knows nothing of finops-lint's Site model: it reads only the output folder
and the map the oracle plugin writes (which source file produced which output
file, and each page's converted body before its layout).

A link counts as written in a source file when it is in that file's converted
body (links from layouts are checked too, but kept apart: finops-lint lints
pages, not layouts). A body link whose href is not in the page's own source but
is in one of the site's `_includes/` files is credited to that include.

A link that no source file holds because Liquid built it from values
(`<img src="/img/icons/{{ item.type }}.png">`: literal text and `{{ ... }}`) is
credited to the template whose attribute matches it, whether a layout, an
include or the page itself renders it: finops-lint's LK014 reports the values
that build those, naming the template.

Codes, as finops-lint uses them: LK001 a link (`<a href>`) that the host answers
with 404; LK002 an image (`<img src>`) that is missing; LK003 a `#fragment` link
whose page has no element with that id (or `<a name>`); LK004 a link to another
page's fragment that page does not have.
"""

from __future__ import annotations

import html
import json
import os
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from tests.oracle.hosts import Host

_SKIP_SCHEMES = ("mailto:", "tel:", "javascript:", "data:")


@dataclass(frozen=True)
class Broken:
    code: str
    source: str  # source file, relative to the site root
    href: str  # as in the HTML (entities decoded)
    why: str = field(default="", compare=False)


@dataclass
class HtmlLink:
    tag: str  # "a" | "img"
    href: str
    text: str = ""


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[HtmlLink] = []
        self.refresh: str | None = None
        self._open_a: list[HtmlLink] = []
        self._base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: (v or "") for k, v in attrs}
        if values.get("id"):
            self.ids.add(values["id"])
        if tag == "a" and values.get("name"):
            self.ids.add(values["name"])
        if tag == "a" and "href" in values:
            link = HtmlLink("a", values["href"])
            self.links.append(link)
            self._open_a.append(link)
        elif tag == "img" and "src" in values:
            self.links.append(HtmlLink("img", values["src"], values.get("alt", "")))
        elif tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            content = values.get("content", "")
            if "url=" in content.lower():
                self.refresh = content[content.lower().index("url=") + 4 :].strip().strip("'\"")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._open_a:
            self._open_a.pop()

    def handle_data(self, data: str) -> None:
        for link in self._open_a:
            link.text += data


def parse_html(text: str) -> _Collector:
    parser = _Collector()
    parser.feed(text)
    parser.close()
    return parser


@dataclass
class BuiltSite:
    """A site the real Jekyll built, with the oracle plugin's map."""

    source: Path
    dest: Path
    baseurl: str
    items: list[dict[str, Any]]
    hosts: tuple[str, ...] = ()  # hostnames the site is served on (absolute links to them)
    _parsed: dict[str, _Collector] = field(default_factory=dict)

    @classmethod
    def load(cls, map_path: Path, hosts: tuple[str, ...] = ()) -> BuiltSite:
        data = json.loads(map_path.read_text(encoding="utf-8"))
        return cls(Path(data["source"]), Path(data["dest"]), data["baseurl"], data["items"], hosts)

    def rel_source(self, item: dict[str, Any]) -> str:
        return os.path.relpath(item["source"], self.source).replace(os.sep, "/")

    def parsed(self, file: str) -> _Collector:
        """The ids, links and refresh target of an output file (a path below dest)."""
        found = self._parsed.get(file)
        if found is None:
            text = (self.dest / file.lstrip("/")).read_text(encoding="utf-8", errors="replace")
            found = parse_html(text)
            self._parsed[file] = found
        return found


@dataclass
class Report:
    broken: set[Broken]
    layout_broken: set[tuple[str, str]]  # (output file, href) from layouts
    checked: int


def check_site(site: BuiltSite, host: Host) -> Report:
    """Every broken internal link, image and anchor in the built site."""
    broken: set[Broken] = set()
    layout_broken: set[tuple[str, str]] = set()
    includes = _include_texts(site.source)
    patterns = _template_patterns(
        site.source, [site.rel_source(i) for i in site.items], site.baseurl
    )
    checked = 0
    for item in site.items:
        if item["kind"] == "static" or item.get("body") is None:
            continue
        dest_rel = "/" + os.path.relpath(item["dest"], site.dest).replace(os.sep, "/")
        if not dest_rel.endswith((".html", ".htm")):
            continue
        source_rel = site.rel_source(item)
        try:
            source_text = (site.source / source_rel).read_text(encoding="utf-8", errors="replace")
        except OSError:  # a page a plugin made (redirect pages, sitemap)
            continue
        page_url = site.baseurl + item["url"]
        body_links = parse_html(item["body"]).links
        full_links = site.parsed(dest_rel).links
        body_hrefs = [(link.tag, link.href) for link in body_links]
        for link in body_links:
            checked += 1
            problem = check_link(site, host, page_url, dest_rel, link)
            if problem is None:
                continue
            code, why = problem
            where = _credit(link.href, source_rel, source_text, includes)
            if where == source_rel and not _written(link.href, source_text):
                where = _template_for(link, source_rel, patterns) or where
            broken.add(Broken(code, where, link.href, why))
        for link in full_links:
            if (link.tag, link.href) in body_hrefs:
                continue
            problem = check_link(site, host, page_url, dest_rel, link)
            if problem is None:
                continue
            template = _template_for(link, None, patterns)
            if template is not None:
                broken.add(Broken(problem[0], template, link.href, problem[1]))
            else:
                layout_broken.add((dest_rel, link.href))
    return Report(broken, layout_broken, checked)


def check_link(
    site: BuiltSite, host: Host, page_url: str, dest_rel: str, link: HtmlLink
) -> tuple[str, str] | None:
    """(code, why) when the link is broken on this host, else None."""
    href = link.href.strip()
    if not href or href.lower().startswith(_SKIP_SCHEMES):
        return None
    if href.startswith("#"):
        frag = unquote(href[1:])
        if _fragment_ok(frag, site.parsed(dest_rel).ids):
            return None
        return "LK003", f"no id {frag!r} in this page"
    absolute = urljoin("https://oracle.invalid" + page_url, href)
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https"):
        return None
    if parts.hostname != "oracle.invalid" and parts.hostname not in site.hosts:
        return None  # another website
    served = host.serve(site.dest, site.baseurl, unquote(parts.path), parts.query)
    if served is None:
        return ("LK002" if link.tag == "img" else "LK001"), f"{parts.path} is not served"
    if link.tag == "img" or not parts.fragment:
        return None
    file = served
    for _hop in range(5):  # follow jekyll-redirect-from's meta refresh pages
        if not file.endswith((".html", ".htm")):
            return None
        refresh = site.parsed(file).refresh
        if refresh is None:
            break
        target = urlsplit(urljoin("https://oracle.invalid" + parts.path, refresh))
        if target.hostname != "oracle.invalid":
            return None
        nxt = host.serve(site.dest, site.baseurl, unquote(target.path), target.query)
        if nxt is None:
            return "LK001", f"redirect page {file} leads to a missing {target.path}"
        file = nxt
    if not file.endswith((".html", ".htm")):
        return None
    frag = unquote(parts.fragment)
    if _fragment_ok(frag, site.parsed(file).ids):
        return None
    # A link with a path is LK004's even when the path leads back to this page
    # (`/#part` on the home page): LK003 checks the bare `#fragment` links.
    return "LK004", f"no id {frag!r} in {file}"


def _fragment_ok(frag: str, ids: set[str]) -> bool:
    """As a browser finds a fragment: an exact id, or the top of the page."""
    return frag == "" or frag in ids or frag.lower() == "top"


def _include_texts(source: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    folder = source / "_includes"
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                rel = path.relative_to(source).as_posix()
                out[rel] = path.read_text(encoding="utf-8", errors="replace")
    return out


_ATTR = re.compile(
    r"<(a|img)\s(?:[^<>\"']|\"[^\"]*\"|'[^']*')*?\b(?:href|src)\s*=\s*\"([^\"]*)\"",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class _Pattern:
    file: str
    tag: str
    regex: re.Pattern[str]
    literal: int  # how much of the attribute is literal text


def _template_patterns(source: Path, pages: list[str], baseurl: str) -> list[_Pattern]:
    """Attributes that Liquid builds: part literal text, part `{{ ... }}`. Each value
    stands for one path segment or part of one (`[^/]*`); `{{ site.baseurl }}` is
    the site's baseurl."""
    files = [
        p.relative_to(source).as_posix()
        for folder in ("_layouts", "_includes")
        if (source / folder).is_dir()
        for p in sorted((source / folder).rglob("*"))
        if p.is_file()
    ]
    out: list[_Pattern] = []
    for rel in [*files, *sorted(set(pages))]:
        try:
            text = (source / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for m in _ATTR.finditer(text):
            value = m.group(2)
            if "{{" not in value or "{%" in value:
                continue
            if not "".join(re.split(r"\{\{.*?\}\}", value)).strip():
                continue  # one value and nothing else: a front matter link (LK010)
            value = re.sub(r"\{\{-?\s*site\.baseurl\s*-?\}\}", lambda _m: baseurl, value)
            if "{{" not in value:
                continue
            pieces = re.split(r"\{\{.*?\}\}", value)
            regex = "[^/]*".join(re.escape(html.unescape(p)) for p in pieces)
            out.append(_Pattern(rel, m.group(1).lower(), re.compile(regex), len("".join(pieces))))
    return out


def _template_for(link: HtmlLink, page: str | None, patterns: list[_Pattern]) -> str | None:
    """The template whose Liquid-built attribute made this href: the most literal one,
    the page's own text before the layouts and includes."""
    best: _Pattern | None = None
    for pat in patterns:
        if pat.tag != link.tag or (
            pat.file != page and not pat.file.startswith(("_layouts/", "_includes/"))
        ):
            continue
        if pat.regex.fullmatch(link.href) and (
            best is None or (pat.literal, pat.file == page) > (best.literal, best.file == page)
        ):
            best = pat
    return best.file if best is not None else None


def _written(href: str, text: str) -> bool:
    return any(form in text for form in {href, html.escape(href, quote=False), html.escape(href)})


def _credit(href: str, source_rel: str, source_text: str, includes: dict[str, str]) -> str:
    """The source file a body link was written in: the page, else the include holding it."""
    forms = {href, html.escape(href, quote=False), html.escape(href)}
    if any(form in source_text for form in forms):
        return source_rel
    for rel, text in includes.items():
        if any(form in text for form in forms):
            return rel
    return source_rel
