"""Links and images that the site's Liquid templates build from front matter values.

A layout, an include or a page may write an `<img src>` or `<a href>` whose path
is part literal and part a front matter value:

    {% assign sorted = site.resources | sort: "weight" %}
    {% for resource in sorted %}
      {% if resource.type == 'Podcast' %}
        <img src="/img/search-icons/{{ resource.type | downcase }}.png">

No source file holds the finished path: it exists only in the built HTML, once
per page that renders the template and per document the loop reaches. This
module reads those templates (`_layouts/`, `_includes/` and pages with Liquid),
works out which pages render each one (layout chains, `{% include %}`), binds
`page` and the loop variables (`for x in site.COLLECTION`, an `assign`ed copy of
it, or a list in front matter), drops the bindings whose `{% if %}` /
`{% unless %}` conditions are certainly false, applies the simple filters
(`downcase`, `slugify`, `relative_url`...) and resolves each finished path like
an HTML link on the rendering page.

It is deliberately partial, and errs towards silence: an expression it cannot
evaluate (a variable it does not know, a filter it does not model, a computed
attribute such as `url`) is skipped; a condition it cannot decide is assumed to
hold (`{% if count < 6 %}`). An attribute that is a single value and nothing else
(`src="{{ page.logo-url }}"`) is a front matter link, LK010's business.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from finops_lint.parsing.text import decode_page
from finops_lint.safe_io import MAX_PAGE_BYTES, read_bytes
from finops_lint.site import Site, SitePage
from finops_lint.site.liquid_eval import (
    Binding,
    DocValue,
    LoopItem,
    condition_operands,
    operand_value,
    render,
    truth,
)
from finops_lint.site.liquid_read import (
    COMPUTED,
    LAYOUT_LINE,
    MAX_BINDINGS,
    SITE_VARS,
    UNKNOWN,
    Broken,
    BuiltLink,
    Expr,
    Loop,
    Template,
    Unknown,
    read_template,
    var_key,
)
from finops_lint.site.page_layout import front_matter_layout, has_liquid
from finops_lint.site.prefetch import MIN_FILES, Split
from finops_lint.site.source import KnownFiles

# ------------------------------------------------------------------ the index

#: a loop source that may walk the site's pages or a collection's documents
_SITE_DOCS = re.compile(r"site\.([\w-]+)")


def _site_loops(link: BuiltLink) -> list[Loop]:
    """The link's loops over the site's pages or a collection (`for p in
    site.capabilities`): the only way another page's values reach a template that
    this page renders (`page` is the page itself; a loop over `site.data.people`
    binds nothing `_evaluable` walks)."""
    return [lp for lp in link.loops if _SITE_DOCS.fullmatch(lp.source)]


def _liquid_fact(tpl: Template) -> bool | tuple[str, ...]:
    """What the result cache keeps of a page's Liquid: True when another page's run
    must read it (a link with `_site_loops`, which `broken` evaluates for whichever
    page is checked), else the names it includes, which are all that other pages'
    runs need of it (`rendered_by`)."""
    if any(_site_loops(link) for link in tpl.links):
        return True
    return tuple(sorted(tpl.includes))


def _template_keys(tpl: Template) -> frozenset[str]:
    """The front matter keys a template's Liquid can read: in a path, a loop's source,
    a condition (`TemplateLinks._keys_read`)."""
    keys: set[str] = set()
    for link in tpl.links:
        keys.update(p.key for p in link.parts if isinstance(p, Expr) and p.key)
        for loop in link.loops:
            ref = var_key(loop.source)
            if ref is not None and ref[1]:
                keys.add(ref[1])
        for branch in link.branches:
            for cond, _wanted in branch.conditions:
                keys.update(name for _var, name in condition_operands(cond) if name)
    return frozenset(keys - COMPUTED)


def _layout_with_defaults(own: str | bool | None, rel: str, page: SitePage, site: Site) -> Any:
    """A page's `layout`: its front matter's, else `_config.yml` defaults'."""
    if own is not False:
        return own
    kind = "pages" if page.collection is None else page.collection
    return site.config.defaults_for(rel, kind).get("layout")


def _picked(data: dict[str, Any], keys: frozenset[str]) -> dict[str, Any]:
    """The values of a page's front matter that the templates read (`_keys_read`)."""
    return {k: data[k] for k in keys if k in data}


class TemplateLinks:
    """Every built link of a site's templates, and the front matter values that
    make one of them point at nothing."""

    def __init__(
        self,
        root: Path,
        site: Site,
        data_of: Callable[[str], dict[str, Any]],
        texts: dict[str, str] | None = None,
        known: KnownFiles | None = None,
    ) -> None:
        """`texts`: pages already read; `known`: the result cache's facts of unchanged
        pages (their layout, what their Liquid holds), so a one-page run reads only the
        templates, the page it checks and the pages with Liquid that loops over the
        site's documents."""
        self.root = root
        self.site = site
        self._data_of = data_of
        self._texts = texts or {}
        self._known = known
        self.templates: dict[str, Template] = {}
        self._layouts: dict[str, Any] = {}
        self._collections: dict[str, list[Any] | Unknown] = {}
        self._docs_by_path: dict[str, dict[str, list[DocValue]]] = {}
        self._rendered_by: dict[str, list[str]] | None = None
        #: pages with Liquid known (from the cache) to matter to other pages only
        #: through their includes: held as their includes until a run needs them
        self._unread: set[str] = set()
        config = site.config
        self._site_vars = {"baseurl": config.baseurl, "url": config.url}
        #: the front matter keys the templates' Liquid reads (None: work them out again)
        self._keys: frozenset[str] | None = None
        #: {page: (keys, those of its values)}: a site-wide pass reads every page's
        #: front matter, and keeping it whole held 30 MB at 10,000 pages
        self._values: dict[str, tuple[frozenset[str], dict[str, Any]]] = {}
        self._read_templates()

    # -- reading

    def _text(self, rel: str) -> str | None:
        known = self._texts.get(rel)
        if known is not None:
            return known
        try:
            text, _error = decode_page(read_bytes(self.root / rel, MAX_PAGE_BYTES, truncate=True))
        except OSError:
            return None
        return text

    def _read_templates(self) -> None:
        for folder in ("_layouts", "_includes"):
            base = self.root / folder
            if not base.is_dir():
                continue
            for path in sorted(base.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    rel = path.relative_to(self.root).as_posix()
                    text = self._text(rel)
                    if text is not None:
                        self.templates[rel] = read_template(rel, text)
        for rel, page in self.site.pages.items():
            if page.output:
                self._read_page(rel, page)

    def _read_page(self, rel: str, page: SitePage) -> None:
        """A page's layout, and its Liquid as a template when it has some."""
        known = self._known
        fact = known.layout(rel) if known is not None and rel not in self._texts else None
        if fact is not None:  # unchanged since the cache learnt it: read only for Liquid
            own, liquid = fact
            text = self._text(rel) if liquid is True else ""
            if text is None:
                return
            self._layouts[rel] = _layout_with_defaults(own, rel, page, self.site)
            if isinstance(liquid, tuple):  # read when it is the page checked (`broken`)
                self.templates[rel] = Template(rel, "", includes=set(liquid))
                self._unread.add(rel)
            elif liquid:
                self.templates[rel] = read_template(rel, text)
            return
        ahead = self.site.layout_facts.get(rel) if rel not in self._texts else None
        if ahead is not None and not ahead[1]:  # read ahead of the build: no Liquid
            own = ahead[0]
            self._layouts[rel] = _layout_with_defaults(own, rel, page, self.site)
            if known is not None:
                known.learn_layout(rel, own, False)
            return
        text = self._text(rel)
        if text is None:
            return
        own = front_matter_layout(text)
        self._layouts[rel] = _layout_with_defaults(own, rel, page, self.site)
        fact_liquid: bool | tuple[str, ...] = False
        if has_liquid(text):
            tpl = self.templates[rel] = read_template(rel, text)
            fact_liquid = _liquid_fact(tpl)
        if known is not None:
            known.learn_layout(rel, own, fact_liquid)

    def _read_unread(self, focus: str | None) -> None:
        """Read the pages `_read_templates` left unread that this `broken` needs: the
        focus page, or every one for the whole site."""
        for rel in sorted(self._unread) if focus is None else [focus]:
            if rel in self._unread:
                self._unread.discard(rel)
                text = self._text(rel)
                if text is not None:
                    tpl = self.templates[rel] = read_template(rel, text)
                    if self._keys is not None:
                        self._keys = self._keys | _template_keys(tpl)

    # -- kept by `finops-lint server` from one check to the next

    def warm(self) -> None:
        """Work out now what every `broken` call needs whichever page it is for: who
        renders what, the keys the templates read, the site's collections as loops
        walk them. No page's values are read."""
        self._rendered_by = self.rendered_by()
        self._keys_read()
        for tpl in self.templates.values():
            for link in tpl.links:
                self._evaluable(link)
        for source, items in self._collections.items():
            if not isinstance(items, Unknown):
                self._by_path(source, items)

    def _shape(self, rel: str) -> tuple[Any, frozenset[str] | None]:
        """What `rendered_by` reads of a page: its layout, and its own includes when
        it has Liquid."""
        tpl = self.templates.get(rel)
        return self._layouts.get(rel), None if tpl is None else frozenset(tpl.includes)

    def refreshed(
        self,
        changed: set[str],
        texts: dict[str, str],
        data_of: Callable[[str], dict[str, Any]],
        known: KnownFiles | None,
    ) -> TemplateLinks | None:
        """This model, made for the same Site, turned into the one a check would build
        now: `changed` holds every page whose file may differ from what was read
        (`texts`, the pages the check read, are taken as changed too). Each is read
        again exactly as the build reads a page; a template file among them (a layout,
        an include) that reads differently now means None: build afresh. Changes this
        object: call it once, in the process that uses it (a child of the server)."""
        pages = self.site.pages
        redo = changed | texts.keys()
        self._data_of, self._texts, self._known = data_of, texts, known
        self._values = {}
        for rel in redo:
            if rel.startswith(("_layouts/", "_includes/")):  # racy when read, maybe
                was, text = self.templates.get(rel), self._text(rel)
                if was is None or text is None or read_template(rel, text) != was:
                    return None
        for rel in redo:
            page = pages.get(rel)
            if page is None or not page.output:
                continue
            before = self._shape(rel)
            self._layouts.pop(rel, None)
            self.templates.pop(rel, None)
            self._unread.discard(rel)
            self._read_page(rel, page)
            if self._shape(rel) != before:
                self._rendered_by = None
            tpl = self.templates.get(rel)
            if tpl is not None and self._keys is not None:
                self._keys = self._keys | _template_keys(tpl)
        return self

    # -- the values templates read

    def _keys_read(self) -> frozenset[str]:
        """Every front matter key a template's Liquid can read of a page or document:
        in a path, a loop's source, a condition."""
        if self._keys is None:
            keys: set[str] = set()
            for tpl in self.templates.values():
                keys |= _template_keys(tpl)
            self._keys = frozenset(keys)
        return self._keys

    def _read_values(self, split: Split) -> None:
        """The values `_value_of` keeps of every page of the site, read ahead through
        `split` (half of the pages in a forked process): a whole-site pass reads
        nearly every page's front matter, a second of work at 10,000 pages (below
        `MIN_FILES` pages, none: they are read as asked). The same values as
        `_value_of` keeps (the page's front matter at `_keys_read`)."""
        keys = self._keys_read()
        read = self.site.front_matter_read  # (those are read as asked, from memory)
        unread = [rel for rel in self.site.pages if rel not in self._values and rel not in read]
        if len(unread) < MIN_FILES:
            return  # read as asked: a fork costs more than it saves
        data_of = self._data_of

        def picked(rels: list[str]) -> dict[str, Any]:
            return {rel: _picked(data_of(rel), keys) for rel in rels}

        for rel, values in split(unread, picked).items():
            self._values[rel] = (keys, values)

    def _value_of(self, rel: str, key: str) -> Any:
        """One value of a page's front matter (None when it has none). The page is read
        once and only the values of `_keys_read` are kept; a key outside them (none
        should be) reads it again."""
        known = self._values.get(rel)
        if known is None or key not in known[0]:
            keys = self._keys_read()  # one set shared by every page, unless one is missing
            if key not in keys or (known is not None and not known[0] <= keys):
                keys = keys | {key} | (known[0] if known is not None else frozenset())
            known = self._values[rel] = (keys, _picked(self._data_of(rel), keys))
        return known[1].get(key)

    # -- who renders what

    def _layout_chain(self, name: Any) -> list[str]:
        chain: list[str] = []
        while isinstance(name, str) and name and len(chain) < 16:
            rel = next(
                (r for r in (f"_layouts/{name}.html", f"_layouts/{name}") if r in self.templates),
                None,
            )
            if rel is None or rel in chain:
                break
            chain.append(rel)
            m = LAYOUT_LINE.search(self.templates[rel].text.split("\n---", 1)[0])
            name = m.group(1) if m and self.templates[rel].text.startswith("---") else None
        return chain

    def _with_includes(self, rels: list[str]) -> set[str]:
        out: set[str] = set()
        todo = list(rels)
        while todo:
            rel = todo.pop()
            if rel in out:
                continue
            out.add(rel)
            tpl = self.templates.get(rel)
            if tpl is None:
                continue
            for name in tpl.includes:
                inc = posixpath.normpath(f"_includes/{name}")
                if inc in self.templates:
                    todo.append(inc)
        return out

    def rendered_by(self) -> dict[str, list[str]]:
        """{template: pages that render it (their own text, layouts, includes)}."""
        out: dict[str, list[str]] = {}
        # Thousands of pages share a handful of layouts: each chain, and the templates
        # a chain alone brings in, are worked out once (200 ms of a one-page run at
        # 10,000 pages before).
        # So are the templates a page's own Liquid brings in, by the names it includes
        # (14,000 pages include the same file at 100,000 pages).
        chains: dict[str | None, list[str]] = {}
        shared: dict[tuple[str, ...], list[str]] = {}
        by_includes: dict[tuple[frozenset[str], tuple[str, ...]], set[str]] = {}
        for rel, page in self.site.pages.items():
            if not page.output:
                continue
            layout = self._layouts.get(rel)
            name = layout if isinstance(layout, str) else None
            chain = chains.get(name)
            if chain is None:
                chain = chains[name] = self._layout_chain(name)
            if rel in self.templates:
                names = frozenset(self.templates[rel].includes)
                reached = by_includes.get((names, tuple(chain)))
                if reached is None:
                    found = (posixpath.normpath(f"_includes/{n}") for n in names)
                    included = [inc for inc in found if inc in self.templates]
                    reached = self._with_includes([*included, *chain])
                    by_includes[(names, tuple(chain))] = reached
                tpls = sorted(reached | {rel})
            else:
                key = tuple(chain)
                known = shared.get(key)
                if known is None:
                    known = shared[key] = sorted(self._with_includes(chain))
                tpls = known
            for tpl in tpls:
                out.setdefault(tpl, []).append(rel)
        return out

    # -- evaluating

    def _docs(self, source: str, binding: Binding) -> list[Any] | Unknown:
        """What `for x in SOURCE` walks, or UNKNOWN."""
        m = _SITE_DOCS.fullmatch(source)
        if m is not None:
            known = self._collections.get(source)
            if known is None:
                known = self._collections[source] = self._site_docs(m.group(1))
            return known
        return self._list_items(source, binding)

    def _site_docs(self, name: str) -> list[Any] | Unknown:
        if name == "pages":
            wanted: str | None = None
        elif name in self.site.config.collections or name == "posts":
            wanted = name
        else:
            return UNKNOWN
        return [
            DocValue(rel, self._value_of)
            for rel, page in self.site.pages.items()
            if page.collection == wanted and (wanted is not None or page.output)
        ]

    def _list_items(self, source: str, binding: Binding) -> list[Any] | Unknown:
        ref = var_key(source)
        if ref is None:
            return UNKNOWN
        bound, key = binding.get(ref[0], UNKNOWN), ref[1]
        if not isinstance(bound, DocValue) or key is None or key in COMPUTED:
            return UNKNOWN
        value = bound.get(key)
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        return [
            LoopItem(str(v), bound.path, key) if isinstance(v, (str, int, float)) else v
            for v in items
        ]

    def _evaluable(self, link: BuiltLink) -> bool:
        """Whether every value in the path comes from `page` or a loop this model walks."""
        walked = {"page"}
        for loop in link.loops:
            source = loop.source
            head = source.split(".", 1)[0]
            if _SITE_DOCS.fullmatch(source):
                if not isinstance(self._docs(source, {}), Unknown):
                    walked.add(loop.var)
            elif head in walked:
                walked.add(loop.var)
        return all(
            isinstance(p, str) or p.var in walked or (p.var == "site" and p.key in SITE_VARS)
            for p in link.parts
        )

    def _bindings(
        self, loops: tuple[Loop, ...], base: Binding, only: str | None = None
    ) -> Iterator[Binding]:
        """Every binding of the loop variables; `only`: the site-wide loop walks that
        one page or document alone."""
        if not loops:
            yield base
            return
        loop, rest = loops[0], loops[1:]
        items = self._docs(loop.source, base)
        if isinstance(items, Unknown):
            yield from self._bindings(rest, {**base, loop.var: UNKNOWN}, only)
            return
        if only is not None and _SITE_DOCS.fullmatch(loop.source):
            items = self._by_path(loop.source, items).get(only, [])
        for item in items:
            yield from self._bindings(rest, {**base, loop.var: item}, only)

    def _by_path(self, source: str, items: list[Any]) -> dict[str, list[DocValue]]:
        """The documents a site-wide loop walks (`items`, `_docs(source)`) by path, in
        their order: a check of one page walks its own alone (a pass over 14,000 at
        100,000 pages each time before)."""
        index = self._docs_by_path.get(source)
        if index is None:
            index = self._docs_by_path[source] = {}
            for doc in items:
                if isinstance(doc, DocValue):
                    index.setdefault(doc.path, []).append(doc)
        return index

    def _plan(self, link: BuiltLink, page_rel: str, focus: str | None) -> tuple[bool, str | None]:
        """(evaluate at all, restrict the site-wide loop to): with a focus page, only
        the bindings that can use its values: its own `page` values in the path when
        it renders the template; else its values as the item of the one loop over
        the site's pages or documents (with several such loops, every binding is
        tried)."""
        if focus is None:
            return True, None
        if page_rel == focus and any(isinstance(p, Expr) and p.var == "page" for p in link.parts):
            return True, None
        site_loops = _site_loops(link)
        if not site_loops:
            return False, None
        return True, focus if len(site_loops) == 1 else None

    def broken(self, focus: str | None = None, split: Split | None = None) -> list[Broken]:
        """Every (page, key) whose value makes a built link reach nothing, once per
        page, key and finished path; with `focus`, those of that page only (the same
        ones, found without walking every other page's values). `split`: for the
        whole site, a way to read the pages' values in two processes first."""
        found: dict[tuple[str, str, str, str, int], Broken] = {}
        checked: dict[tuple[str, str], bool] = {}
        self._read_unread(focus)
        if focus is None and split is not None:
            self._read_values(split)
        if self._rendered_by is None:
            self._rendered_by = self.rendered_by()
        for tpl_rel, pages in sorted(self._rendered_by.items()):
            tpl = self.templates[tpl_rel]
            for link in tpl.links:
                if not self._evaluable(link):
                    continue
                if _page_free(link):
                    self._broken_page_free(link, tpl_rel, pages, focus, found, checked)
                    continue
                for page_rel in pages:
                    wanted, only = self._plan(link, page_rel, focus)
                    if not wanted:
                        continue
                    page_doc = DocValue(page_rel, self._value_of)
                    count = 0
                    base: Binding = {"page": page_doc, "site": self._site_vars}
                    for binding in self._bindings(link.loops, base, only):
                        count += 1
                        if count > MAX_BINDINGS:
                            break
                        if any(
                            truth(cond, binding) is (not wanted)
                            for branch in link.branches
                            for cond, wanted in branch.conditions
                        ):
                            continue
                        rendered = render(link, binding, self.site)
                        if rendered is None:
                            continue
                        href, used = rendered
                        if self._reaches(href, page_rel, checked):
                            continue
                        for path, key, value in used:
                            if focus is not None and path != focus:
                                continue
                            k = (path, key, href, tpl_rel, link.line)
                            if k not in found:
                                found[k] = Broken(path, key, value, href, link, page_rel)
        return list(found.values())

    def _broken_page_free(
        self,
        link: BuiltLink,
        tpl_rel: str,
        pages: list[str],
        focus: str | None,
        found: dict[tuple[str, str, str, str, int], Broken],
        resolved: dict[tuple[str, str], bool],
    ) -> None:
        """`broken` for a link whose path and loops do not read `page`: the same
        findings, in the same order, with each binding evaluated once instead of once
        per rendering page (O(pages x items) before: 50 s at 10,000 pages).

        The bindings are the same for every page, and so is the finished path. Only
        the conditions that read `page` (`tag == page.page-identifier`) and the
        resolution of a relative path depend on the page; they are asked only for a
        binding whose path reaches nothing, and only until the first page (in the
        order `broken` walks them) that renders the path, which is the page the
        page-by-page walk would have found it on."""
        if not pages:
            return
        only: str | None = None
        if focus is not None:
            site_loops = _site_loops(link)
            if not site_loops:
                return
            only = focus if len(site_loops) == 1 else None
        conditions = [c for branch in link.branches for c in branch.conditions]
        free = [c for c in conditions if all(v != "page" for v, _ in condition_operands(c[0]))]
        by_page = [c for c in conditions if c not in free]
        first_pages: dict[Any, int | None] = {}
        hits: list[tuple[int, int, str, list[tuple[str, str, str]]]] = []
        base: Binding = {"page": UNKNOWN, "site": self._site_vars}
        for index, binding in enumerate(self._bindings(link.loops, base, only)):
            if index >= MAX_BINDINGS:
                break
            if any(truth(cond, binding) is (not wanted) for cond, wanted in free):
                continue
            rendered = render(link, binding, self.site)
            if rendered is None:
                continue
            href, used = rendered
            if focus is not None:
                used = [u for u in used if u[0] == focus]
                if not used:
                    continue
            if _same_everywhere(href) and self._reaches(href, pages[0], resolved):
                continue
            first = self._first_page(pages, by_page, binding, first_pages, href, resolved)
            if first is not None:
                hits.append((first, index, href, used))
        hits.sort(key=lambda hit: (hit[0], hit[1]))
        for first, _index, href, used in hits:
            for path, key, value in used:
                k = (path, key, href, tpl_rel, link.line)
                if k not in found:
                    found[k] = Broken(path, key, value, href, link, pages[first])

    def _reaches(self, href: str, page_rel: str, resolved: dict[tuple[str, str], bool]) -> bool:
        """Whether `href`, built on `page_rel`, reaches a page or file (remembered)."""
        key = (href, "") if _same_everywhere(href) else (href, page_rel)
        ok = resolved.get(key)
        if ok is None:
            ok = resolved[key] = self.site.resolve(href, page_rel, markdown=False).kind != "missing"
        return ok

    def _first_page(
        self,
        pages: list[str],
        by_page: list[tuple[str, bool]],
        binding: Binding,
        memo: dict[Any, int | None],
        href: str,
        resolved: dict[tuple[str, str], bool],
    ) -> int | None:
        """The index of the first page whose values keep every condition possible and
        on which `href` reaches nothing; remembered by what the conditions read
        outside `page` when the path is the same on every page."""
        same_everywhere = _same_everywhere(href)
        key: Any = None
        if same_everywhere:
            key = _frozen(
                [
                    (var, name, operand_value(var, name, binding))
                    for cond, _ in by_page
                    for var, name in condition_operands(cond)
                    if var != "page"
                ]
            )
            if key is not None and key in memo:
                return memo[key]
        result: int | None = None
        for index, page_rel in enumerate(pages):
            if by_page:
                bound = {**binding, "page": DocValue(page_rel, self._value_of)}
                if any(truth(cond, bound) is (not wanted) for cond, wanted in by_page):
                    continue
            if same_everywhere or not self._reaches(href, page_rel, resolved):
                result = index
                break
        if key is not None:
            memo[key] = result
        return result


def _same_everywhere(href: str) -> bool:
    """A site-root path without Liquid resolves the same from every page."""
    return href.startswith("/") and "{" not in href


def _page_free(link: BuiltLink) -> bool:
    """The link's path and loops do not read `page` (its conditions may)."""
    return all(not isinstance(p, Expr) or p.var != "page" for p in link.parts) and all(
        loop.source.split(".", 1)[0] != "page" for loop in link.loops
    )


def _frozen(values: list[tuple[str, str | None, Any]]) -> Any:
    """A hashable key for these values (with their types), or None."""
    out = []
    for var, name, value in values:
        if isinstance(value, list):
            if not all(isinstance(v, (str, int, float, bool)) or v is None for v in value):
                return None
            value = tuple((type(v).__name__, v) for v in value)
        elif isinstance(value, dict):
            return None
        out.append((var, name, type(value).__name__, value))
    try:
        hash(tuple(out))
    except TypeError:
        return None
    return tuple(out)


__all__ = ["COMPUTED", "Broken", "BuiltLink", "TemplateLinks", "read_template"]
