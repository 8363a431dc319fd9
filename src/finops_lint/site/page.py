"""The Site's data model: a page (:class:`SitePage`), where a link leads
(:class:`Resolution`), and the tables the build fills and the queries read
(:class:`SiteTables`). No logic beyond lazy front matter loading lives here.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finops_lint.site.jekyll import JekyllConfig
from finops_lint.site.redirects import RedirectRule

Problem = tuple[str, int, str]


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
            self._data = self.peek_data()
            self._loader = None
        return self._data

    @data.setter
    def data(self, value: dict[str, Any]) -> None:
        self._data = value
        self._loader = None

    def peek_data(self) -> dict[str, Any]:
        """`data`, without keeping it when it has to be read."""
        if self._data is not None:
            return self._data
        return self._loader() if self._loader is not None else {}

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


Target = tuple[str, Any]  # ("page", SitePage) | ("static", path) | ("redirect", url)


@dataclass(frozen=True, slots=True)
class RedirectClash:
    """A ``redirect_from`` URL that does not simply add a redirect to the site.

    ``kind``: ``"replaces"`` (the redirect page is written over the page ``other``,
    which is then not on the site; ``other`` may be the claiming page itself),
    ``"overwritten"`` (the document or file ``other`` is written over the redirect)
    or ``"superseded"`` (page ``other`` claims the URL too and its redirect is made
    later, so it is the one written)."""

    kind: str
    claimer: str  # source path of the page whose redirect_from names the URL
    written: str  # the URL as the front matter gives it
    index: int | None  # its item in the redirect_from list (None: a single string)
    destination: str  # the file the redirect would be written to
    other: str  # source path of the page or file on the other side


class SiteTables:
    """What the build (:mod:`finops_lint.site.build`) fills and the resolver reads."""

    root: Path
    config: JekyllConfig
    pages: dict[str, SitePage]  # source path -> page
    pages_by_url: dict[str, list[SitePage]]
    static_files: dict[str, str]  # url -> source path
    static_by_path: dict[str, str]  # source path -> url (output files only)
    redirects: list[RedirectRule]
    hosts: tuple[str, ...]
    problems: list[Problem]
    host: str  # "github-pages" | "netlify" | "any"
    active_plugins: frozenset[str]
    _files: dict[str, Target]  # output file -> what it is
    _host_keys: set[str]
    _rewrites: dict[str, dict[str, str]]
    #: source path -> the redirect_from clashes it is part of (claiming or replaced)
    redirect_clashes: dict[str, list[RedirectClash]]
    #: source path -> (static file written to its output file too, whether the page wins)
    static_clashes: dict[str, list[tuple[str, bool]]]

    def page_for_path(self, path: str) -> SitePage | None:
        return self.pages.get(posixpath.normpath(path.replace("\\", "/")).lstrip("/"))

    def redirect_clashes_of(self, path: str) -> list[RedirectClash]:
        """The ``redirect_from`` clashes the page at `path` claims or loses to."""
        return self.redirect_clashes.get(path, [])

    def static_clashes_of(self, path: str) -> list[tuple[str, bool]]:
        """The static files written to the same file as the page at `path`, each with
        whether the page is the one Jekyll writes last."""
        return self.static_clashes.get(path, [])
