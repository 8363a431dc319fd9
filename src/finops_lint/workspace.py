"""What rules may know beyond their own page: the Workspace, and reading the pages.

Everything a rule needs from outside its page comes through `Workspace`: the
Site, other pages' anchors, templates, cross-reference values. Only this module
(and the Site) read pages.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from finops_lint.config import Config, PageType
from finops_lint.discover import Target, display, io_finding, is_jekyll_site, plain_rel
from finops_lint.document import Document, parse_document
from finops_lint.findings import Finding, Severity
from finops_lint.parsing.text import decode_page
from finops_lint.safe_io import (
    MAX_PAGE_BYTES,
    NotRegularFileError,
    content_hash,
    describe,
    read_bytes,
)

if TYPE_CHECKING:
    from finops_lint.cache.tree import Sig
    from finops_lint.parsing.frontmatter import ReadFrontMatter
    from finops_lint.rules.base import Rule, SourceFactsReader
    from finops_lint.site import Site
    from finops_lint.site.prefetch import Split
    from finops_lint.site.source import KnownFiles, Listing
    from finops_lint.site.templates import Broken, TemplateLinks


@dataclass(frozen=True, slots=True)
class PageFacts:
    """What the run knows about one page, computed once (:meth:`Workspace.facts`)."""

    rel_path: str  # posix, relative to the real site root
    #: front matter as Jekyll reads it: ``_config.yml`` defaults first, the page wins
    data: dict[str, Any]
    page_type: PageType | None
    excluded: bool  # by the lint's own excludes (Jekyll's `exclude` is the Site's business)


#: How many pages parsed on demand (not being checked) the Workspace keeps.
OTHER_DOCS_KEPT = 256

#: `Workspace.source_fact` of a page the Site's build did not learn it of.
NOT_LEARNT: Any = object()


class Workspace:
    """What rules may know beyond their own page."""

    def __init__(self, root: Path, config: Config, cwd: Path) -> None:
        self.root = root
        self.config = config
        self.cwd = cwd
        self.docs: dict[str, Document] = {}
        #: other pages parsed on demand (anchors, layouts...): the most recent few only,
        #: so memory does not grow with the site
        self._other_docs: OrderedDict[str, Document | None] = OrderedDict()
        self._templates: dict[str, Document | None] = {}
        self.notices: list[str] = []
        self.external_results: dict[str, Any] = {}
        self._shown: dict[str, str] = {}
        self._pages_by_type: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        self._facts: dict[str, PageFacts] = {}
        # reference_names / referenced_values per argument: each rule asks once per page,
        # and walking every page of a type each time made a run quadratic in site size.
        self._names_memo: dict[tuple[str, tuple[str, ...]], frozenset[str]] = {}
        self._values_memo: dict[str, frozenset[str]] = {}
        #: what the result cache knows of unchanged files (the Site does not read them)
        self.known: KnownFiles | None = None
        #: the files Jekyll reads, as a child process listed them (site.source.Listing)
        self.source_listing: Listing | None = None
        #: how the Site's build may read its files in two processes (site.prefetch)
        self.split_reads: Split | None = None
        #: what that reading learns of each page's text for the rules' recipes
        #: (`rules.base.source_facts_reader`; `source_fact` gives it)
        self.source_facts_of: SourceFactsReader | None = None
        #: how many files the run checks: on a run that checks most of the Site's
        #: pages, that reading reads each page's front matter whole too, for the run to
        #: take instead of reading it again (`front_matter_read`; a run of a few pages
        #: would keep data it does not use)
        self.checked = 0
        #: the site tree as the result cache walked it: every file's stat (None: no cache)
        self.tree: dict[str, Sig] | None = None
        self._aliases_memo: dict[tuple[str, str], dict[str, tuple[str, str, str]]] = {}
        # LK014's analysis of the templates (site/templates.py): built once, whole-site
        # breaks when computed before the workers fork, else per page asked for
        self._template_breaks_of: dict[str | None, dict[str, list[Broken]]] = {}
        #: content hashes of site files, from the bytes this run read (cache/deps.py)
        self.digests: dict[str, str | None] = {}
        #: folders (relative) `_inside` found to be no symlink, nor any folder above
        self._plain_folders: set[str] = set()
        #: the result cache's hash of a file it knows unchanged (None: read it); set
        #: when the result cache records the run, and only then
        self.known_digest: Callable[[str], str | None] | None = None

    @cached_property
    def site(self) -> Site | None:
        from finops_lint.server.prepared import prepared_site

        ready = prepared_site(self)  # in a child of `finops-lint server`, if it is this one
        if ready is not None:
            return ready
        from finops_lint.site import Site

        return Site.build(
            self.root,
            extra_hosts=self.config.hosts,
            host=self.config.site_host,
            baseurl=self.config.site_baseurl,
            known=self.known,
            listing=self.source_listing,
            split=self.split_reads,
            also=self.source_facts_of,
            checked=self.checked,
            # with the result cache on, the pages read ahead are hashed as they are read
            digests=self.digests if self.known_digest is not None else None,
        )

    def source_fact(self, code: str, rel_path: str) -> Any:
        """Rule `code`'s fact of a page's source as the Site's build learnt it while it
        read the page (`source_facts_of`), or `NOT_LEARNT`: not read ahead, or not asked."""
        reader, site = self.source_facts_of, self.jekyll_site
        facts = site.source_facts.get(rel_path) if site is not None else None
        if facts is None or reader is None or code not in reader.codes:
            return NOT_LEARNT
        return facts[reader.codes.index(code)]

    @property
    def front_matter_read(self) -> Mapping[str, ReadFrontMatter]:
        """The pages' front matter the Site read while it was built (none before)."""
        site = self.__dict__.get("site")
        return site.front_matter_read if site is not None else {}

    @cached_property
    def jekyll_site(self) -> Site | None:
        """The Site if the root is a Jekyll site: what rules and page facts read."""
        return self.site if is_jekyll_site(self.root) else None

    def facts(self, rel_path: str, doc: Document | None = None) -> PageFacts:
        """The facts of a page, the same whichever rule, selection or worker asks first.

        A page Jekyll reads gets its front matter from the Site (defaults merged; a
        checked page hands the Site its own parse first); a file Jekyll does not
        read has its own front matter only. A page type needs front matter.
        """
        known = self._facts.get(rel_path)
        if known is not None:
            return known
        site = self.jekyll_site
        page = site.pages.get(rel_path) if site is not None else None
        fm = doc.front_matter if doc is not None else None
        if page is not None:
            assert site is not None
            if fm is not None and fm.present and fm.error is None:
                site.use_front_matter(rel_path, fm.data)
            data, has_front_matter = page.data, True
        elif fm is not None:
            data, has_front_matter = dict(fm.data), fm.present
        else:
            data, has_front_matter = {}, False
        page_type = self.config.page_type_for(rel_path, data) if has_front_matter else None
        facts = PageFacts(rel_path, data, page_type, self.config.is_excluded(rel_path))
        self._facts[rel_path] = facts
        return facts

    def display_path(self, rel_path: str) -> str:
        shown = self._shown.get(rel_path)
        if shown is None:
            prefix = self._root_shown
            if prefix is not None and plain_rel(rel_path):
                shown = rel_path if prefix == "." else f"{prefix}/{rel_path}"
            else:
                absolute = self.root / rel_path
                try:
                    shown = os.path.relpath(absolute, self.cwd)
                except ValueError:
                    shown = str(absolute)
            self._shown[rel_path] = shown
        return shown

    def rel_of_shown(self, shown: str) -> str | None:
        """The site path a finding shown at `shown` is at (`display_path`'s inverse), or
        None: outside the site, or a path `display_path` does not give."""
        prefix = self._root_shown
        if prefix is not None and plain_rel(shown):
            rel: str | None = shown
            if prefix != ".":
                rel = shown[len(prefix) + 1 :] if shown.startswith(prefix + "/") else None
        else:
            full = os.path.normpath(os.path.join(self.cwd, shown))
            rel = os.path.relpath(full, self.root).replace(os.sep, "/")
        if rel is None or not plain_rel(rel) or self.display_path(rel) != shown:
            return None
        return rel

    @cached_property
    def _root_shown(self) -> str | None:
        """The site's root as shown from the current folder ("." when it is the root)
        when a plain path under the root is shown as this prefix and the path, the
        way `os.path.relpath` shows it (relpath is lexical: the root below the current
        folder, "/" as the separator); None when relpath has to say."""
        if os.sep != "/":
            return None
        try:
            prefix = os.path.relpath(self.root, self.cwd)
        except ValueError:
            return None
        return None if prefix == ".." or prefix.startswith("../") else prefix

    def document(self, rel_path: str) -> Document | None:
        """A page of the site, parsed on first use (it need not be one being checked)."""
        if rel_path in self.docs:
            return self.docs[rel_path]
        if rel_path in self._templates:
            return self._templates[rel_path]
        others = self._other_docs
        if rel_path in others:
            others.move_to_end(rel_path)
            return others[rel_path]
        doc = others[rel_path] = self._read_other(rel_path)
        if len(others) > OTHER_DOCS_KEPT:
            others.popitem(last=False)
        return doc

    def text(self, rel_path: str) -> str | None:
        """A file of the site as the text a Document of it holds, without parsing it
        (None: missing, unreadable, outside the site or not text): for rules that
        read many other pages and need the Markdown of few of them."""
        for parsed in (self.docs, self._other_docs):
            doc = parsed.get(rel_path)
            if doc is not None:
                return None if doc.decode_error is not None else doc.text
        data = self._read_site_file(rel_path)
        return None if data is None else decode_page(data)[0]

    def _read_other(self, rel_path: str, what: str = "") -> Document | None:
        data = self._read_site_file(rel_path, what)
        if data is None:
            return None
        path = str(self.root / rel_path)
        return parse_document(
            data,
            path,
            rel_path,
            id_style=self.config.id_options,
            front_matter=self.front_matter_read.get(rel_path),
        )

    def _read_site_file(self, rel_path: str, what: str = "") -> bytes | None:
        """A file inside the site, at most a page's bound, its digest noted (None:
        outside, missing or unreadable; with `what`, a notice says why)."""
        path = self.root / rel_path
        if not self._inside(rel_path):
            if what:
                self.notices.append(f"{what} {rel_path} is outside the site; not read")
            return None
        try:
            data = read_bytes(path, MAX_PAGE_BYTES, truncate=True)
        except OSError as exc:
            if what and not isinstance(exc, FileNotFoundError):
                self.notices.append(f"{what} {rel_path}: {describe(exc)}")
            return None
        if rel_path not in self.digests:
            self.digests[rel_path] = content_hash(data)
        return data[:MAX_PAGE_BYTES]

    @cached_property
    def _real_root(self) -> str:
        return os.path.realpath(self.root).rstrip(os.sep) + os.sep

    def _inside(self, rel_path: str) -> bool:
        """`_inside(self.root / rel_path, self.root)`, with the root's real path found
        once per run. A plain relative path none of whose folders or file is a
        symlink is inside: one `lstat` per part instead of one per part of the whole
        real path (most of the cost of reading a page of a site deep in the tree),
        and a folder found to be no symlink is not asked again in this run."""
        real_root = self._real_root
        parts = rel_path.split("/")
        if os.sep == "/" and "" not in parts and "." not in parts and ".." not in parts:
            folder = rel_path.rpartition("/")[0]
            try:
                if folder and folder not in self._plain_folders:
                    current = real_root
                    for part in parts[:-1]:
                        current += part
                        if stat.S_ISLNK(os.lstat(current).st_mode):
                            break
                        current += "/"
                    else:
                        self._plain_folders.add(folder)
                if (not folder or folder in self._plain_folders) and not stat.S_ISLNK(
                    os.lstat(real_root + rel_path).st_mode
                ):
                    return True
            except OSError:
                pass  # missing: what realpath makes of the name decides
        return os.path.realpath(self.root / rel_path).startswith(real_root)

    def file_digest(self, rel_path: str) -> str | None:
        """The content hash of a file of the site as this run read it (None: missing,
        unreadable or outside the site), read now if no rule has read it yet."""
        if rel_path in self.digests:
            return self.digests[rel_path]
        digest = self.known_digest(rel_path) if self.known_digest is not None else None
        if digest is not None:
            self.digests[rel_path] = digest
            return digest
        path = self.root / rel_path
        if self._inside(rel_path):
            try:
                digest = content_hash(read_bytes(path, MAX_PAGE_BYTES, truncate=True))
            except OSError:
                digest = None
        self.digests[rel_path] = digest
        return digest

    @cached_property
    def layouts(self) -> frozenset[str]:
        """Names of the site's own layouts (`_layouts/NAME.html`), read once."""
        try:
            entries = os.listdir(self.root / "_layouts")
        except OSError:
            return frozenset()
        return frozenset(os.path.splitext(name)[0] for name in entries if not name.startswith("."))

    def template(self, rel_path: str) -> Document | None:
        """A page type's template: a regular file inside the site (else a notice)."""
        if rel_path in self.docs:
            return self.docs[rel_path]
        if rel_path not in self._templates:
            self._templates[rel_path] = self._read_other(rel_path, "template")
        return self._templates[rel_path]

    def prepare_for_workers(self, rules: list[Rule]) -> None:
        """Compute, before forking, what every worker would otherwise compute again."""
        if any(r.scope == "site" for r in rules) and self.site is not None:
            for ref in self.config.references:
                self.reference_names(ref.target, tuple(ref.by))
            for orphan in self.config.orphans:
                self.referenced_values(str(orphan.get("reference")))
        for pt in self.config.page_types:
            if pt.template:
                self.template(pt.template)
        if any(r.code == "LK014" for r in rules):
            self.template_breaks()
        if any(r.code == "FM003" for r in rules):
            self._read_schemas()
        # Warm what each worker would otherwise build again after the fork.
        from finops_lint.parsing.markdown import warm_up
        from finops_lint.rules.base import warm_up_rules

        warm_up()
        warm_up_rules(self.config)

    def _read_schemas(self) -> None:
        """The page types' schemas, read as FM003 reads them (`schema_document`, kept
        for the process): each worker read every one of them again. One that cannot
        be read is left for the rule to report."""
        for pt in self.config.page_types:
            if pt.schema is not None:
                with contextlib.suppress(Exception):
                    self.config.schema_document(pt.schema)

    def template_breaks(self, focus: str | None = None) -> dict[str, list[Broken]]:
        """{page: the values of its front matter that make a template build a path to
        nothing}. For the whole site when a run computes it before its workers fork;
        otherwise (a run of a few pages) for the `focus` page alone, which costs only
        the values that page's bindings read."""
        whole = self._template_breaks_of.get(None)
        if whole is not None:
            return whole
        known = self._template_breaks_of.get(focus)
        if known is not None:
            return known
        links = self.template_links
        out: dict[str, list[Broken]] = {}
        split = self.split_reads if focus is None else None
        for found in links.broken(focus, split) if links is not None else []:
            out.setdefault(found.path, []).append(found)
        self._template_breaks_of[focus] = out
        return out

    @cached_property
    def template_links(self) -> TemplateLinks | None:
        """The templates' links built from front matter values (site/templates.py)."""
        site = self.jekyll_site
        if site is None:
            return None
        from finops_lint.server.prepared import prepared_templates
        from finops_lint.site.templates import TemplateLinks

        texts = {rel: doc.text for rel, doc in self.docs.items() if doc is not None}
        ready = prepared_templates(site, texts, self._front_matter_view, self.known)
        if ready is not None:  # in a child of `finops-lint server`, made for this Site
            return ready
        return TemplateLinks(self.root, site, self._front_matter_view, texts, known=self.known)

    def _front_matter_view(self, rel_path: str) -> dict[str, Any]:
        """`facts(rel_path).data` without keeping it: the templates' model reads every
        page's front matter once and keeps only the values it reads."""
        known = self._facts.get(rel_path)
        if known is not None:
            return known.data
        site = self.jekyll_site
        page = site.pages.get(rel_path) if site is not None else None
        return page.peek_data() if page is not None else {}

    def pages_of_type(self, page_type: str) -> list[tuple[str, dict[str, Any]]]:
        """(path, merged front matter) of every site page of a page type.

        Only pages whose path matches the type's globs are looked at, and front
        matter is read only where a `when:` condition needs it, so asking for the
        six domain pages does not parse the whole site.
        """
        cached = self._pages_by_type.get(page_type)
        if cached is not None:
            return cached
        out: list[tuple[str, dict[str, Any]]] = []
        site = self.jekyll_site
        wanted = self.config.page_type(page_type)
        if site is not None and wanted is not None:
            from finops_lint.server.prepared import pages_matching

            for path in pages_matching(site, wanted.match):  # most pages are never parsed
                facts = self.facts(path, self.docs.get(path))
                if facts.excluded or facts.page_type is None:
                    continue
                if facts.page_type.name == page_type:
                    out.append((path, facts.data))
        self._pages_by_type[page_type] = out
        return out

    def reference_names(self, page_type: str, keys: tuple[str, ...]) -> frozenset[str]:
        memo = self._names_memo.get((page_type, keys))
        if memo is not None:
            return memo
        names: set[str] = set()
        for _path, data in self.pages_of_type(page_type):
            for key in keys:
                value = data.get(key)
                if isinstance(value, str) and value.strip():
                    names.add(value.strip())
        memo = self._names_memo[(page_type, keys)] = frozenset(names)
        return memo

    def reference_aliases(self, page_type: str, key: str) -> dict[str, tuple[str, str, str]]:
        """The names of the pages of a type (front matter keys with `title` or `name` in
        them), mapped to the value of `key` on the same page: {casefolded name: (key's
        value, which key, page path)}. Tells a reference that names a page by its title
        which identifier it should use."""
        cache = self._aliases_memo
        found = cache.get((page_type, key))
        if found is None:
            found = {}
            shared: set[str] = set()  # values on several pages (a layout name) tell nothing
            for path, data in self.pages_of_type(page_type):
                ident = data.get(key)
                if not isinstance(ident, str) or not ident.strip():
                    continue
                for other, value in data.items():
                    if other == key or not isinstance(value, str) or not value.strip():
                        continue
                    if "title" not in other and "name" not in other:
                        continue
                    folded = value.strip().casefold()
                    seen = found.setdefault(folded, (ident.strip(), other, path))
                    if seen[0] != ident.strip():
                        shared.add(folded)
            for folded in shared:
                del found[folded]
            cache[(page_type, key)] = found
        return found

    def referenced_values(self, reference: str) -> frozenset[str]:
        memo = self._values_memo.get(reference)
        if memo is not None:
            return memo
        ref = next((r for r in self.config.references if r.name == reference), None)
        if ref is None:
            return frozenset()
        values: set[str] = set()
        for source in ref.source:
            for _path, data in self.pages_of_type(source):
                items = data.get(ref.key)
                for item in items if isinstance(items, list) else [items]:
                    if isinstance(item, str):
                        values.add(item.strip())
        memo = self._values_memo[reference] = frozenset(values)
        return memo


def load_documents(
    files: list[Target],
    config: Config,
    hashes: dict[str, str] | None = None,
    front_matter: Mapping[str, ReadFrontMatter] | None = None,
) -> tuple[list[Document], list[Finding]]:
    """Read and parse files; with `hashes`, note each one's content hash by rel path;
    `front_matter`: front matter read before, by rel path (`Workspace.front_matter_read`)."""
    docs: list[Document] = []
    problems: list[Finding] = []
    cwd = os.getcwd()
    for target in files:
        path, rel = target.path, target.rel
        shown = display(path, cwd)
        try:
            data = read_bytes(path, MAX_PAGE_BYTES, truncate=True)
        except FileNotFoundError:
            problems.append(io_finding(path, "file disappeared before it could be read"))
            continue
        except NotRegularFileError as exc:
            if os.path.isdir(path):
                continue
            problems.append(io_finding(path, f"{describe(exc)} (a page must be a file)"))
            continue
        except OSError as exc:
            problems.append(io_finding(path, f"cannot read file: {describe(exc)}"))
            continue
        if hashes is not None:
            hashes[rel] = content_hash(data)
        too_large = len(data) > MAX_PAGE_BYTES
        if too_large:
            problems.append(
                io_finding(
                    path,
                    f"page is larger than {MAX_PAGE_BYTES // (1024 * 1024)} MB; only its "
                    "front matter is checked",
                    Severity.WARNING,
                )
            )
            data = _front_matter_only(data)
        read = front_matter.get(rel) if front_matter else None
        doc = parse_document(data, shown, rel, id_style=config.id_options, front_matter=read)
        docs.append(doc)
    return docs, problems


def _front_matter_only(data: bytes) -> bytes:
    if not data.startswith(b"---"):
        return b""
    end = data.find(b"\n---", 3)
    return data[: end + 4] + b"\n" if end != -1 else b""


def _inside(path: Path, root: Path) -> bool:
    real, base = os.path.realpath(path), os.path.realpath(root)
    return real.startswith(base.rstrip(os.sep) + os.sep)
