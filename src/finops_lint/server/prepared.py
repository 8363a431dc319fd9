"""The Site a server keeps ready, and when a check may take it instead of building one.

`Site.build` reads the site's files in exactly two ways besides the tree's file
names and the files it reads whole (`_config.yml`, `Gemfile`, `_redirects`,
`netlify.toml`): for every file Jekyll reads, whether it starts with a front
matter fence; for every such page, its URL-deciding front matter keys. Both go
through `KnownFiles`, so the server builds its Site with a `KnownFacts` that
learns every answer (`prepare`), and keeps those answers with the tree's stat.

A check in a child of the server takes that Site (`prepared_site`) only when it
is the Site the check would build itself:

* the same site root and the same lint config values the build reads (extra
  hosts, host, baseurl);
* the same files in the tree (names: added, removed or renamed files change what
  Jekyll reads);
* every file whose stat differs from the one recorded, or whose mtime was too
  recent then for the stat to vouch for its content (racy), is read again, and
  gives the same fence and the same URL keys the Site was built with. Any other
  file (the config, a `_redirects` file, a layout) must have the content it had
  before the build: the server hashes such files when they are racy; one that
  changed, or one not hashed, means the Site is built afresh.

The build never reads anything else eagerly (a page's full front matter, its
text for jekyll-relative-links are read on first use, in the child, from the
file as it is now), and the server never asks its Site anything: it is as
`Site.build` left it. The child gets the Site as a copy-on-write fork of the
server, so what a check does to it is never seen by the next one.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from finops_lint.cache.facts import Facts, Layouts
    from finops_lint.cache.results import ResultCache
    from finops_lint.cache.store import Store
    from finops_lint.cache.tree import Sig, Walk
    from finops_lint.config import Config
    from finops_lint.site import Site
    from finops_lint.site.source import KnownFiles
    from finops_lint.site.templates import TemplateLinks
    from finops_lint.workspace import Workspace

#: What a Site's build reads from the lint config.
SiteArgs = tuple[tuple[str, ...], str | None, str | None]


@dataclass
class PreparedSite:
    root: str
    args: SiteArgs
    #: the tree when the Site was built: every file's (size, mtime ns, inode)
    tree: dict[str, Sig]
    #: the moment of that walk
    started_ns: int
    site: Site
    #: what the build learnt of each file it asked about (`KnownFacts.learned`)
    facts: Facts
    #: the content hash, taken before the build, of each other file whose stat was
    #: too recent to vouch for it (a `_config.yml` just saved)
    hashes: dict[str, str]
    #: the files whose mtime was too recent at the walk for their stat to vouch for them
    racy: list[str]
    #: the lint config of a default check there (what `update_front_matter` reads)
    config: Config
    #: LK014's model of the templates for this Site (`warm`ed; None: LK014 is off),
    #: and the layout facts its build learnt or confirmed
    templates: TemplateLinks | None = None
    layouts: Layouts = field(default_factory=dict)
    #: in a check that took the Site: the files that may differ from what the server
    #: read (`prepared_site`)
    changed: set[str] | None = None
    #: the result cache as a default check opened it over `tree` (None: none)
    cache: ResultCache | None = None
    #: set before a check forks: the files whose stat may differ between `tree` and
    #: the check's tree `dirty_tree` (the server's watch knows them; None: not known)
    dirty: set[str] | None = None
    dirty_tree: dict[str, Sig] | None = None
    #: {globs: the Site's pages they match, in the Site's order} for the page types
    #: cross-references read by type (`pages_matching`)
    type_pages: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    #: in a check that took the Site: the server's facts it had (kept: freeing them
    #: would cost the check time)
    server_known: Any = None


#: Set in the server (`daemon`) before it forks a check; None everywhere else.
PREPARED: PreparedSite | None = None
#: The server's parsed front matter of the pages that cross-reference rules read by
#: type (every page of a type): rel -> (the file's stat then, the front matter).
#: Kept from one check to the next; only files whose stat changed are parsed again.
FRONT_MATTER: dict[str, tuple[Sig, dict[str, Any]]] = {}
#: How the last `prepared_site` call went (FINOPS_LINT_TIMING=1 prints it).
outcome: str = ""
#: Whether the last check took the server's templates model (`prepared_templates`).
templates_outcome: str = ""
#: Whether the last check took the server's result cache (`following_cache`).
cache_outcome: str = ""


def site_args(hosts: Any, host: str | None, baseurl: str | None) -> SiteArgs:
    return tuple(hosts), host, baseurl


def make_ready(root: str, walked: Walk | None = None) -> PreparedSite | None:
    """What the server keeps for the next check (`prepare`, then `update_front_matter`)."""
    ready = prepare(root, walked)
    if ready is not None:
        update_front_matter(ready)
    return ready


def prepare(root: str, walked: Walk | None = None) -> PreparedSite | None:
    """Build the Site of `root` as a default `check` there would, learning every fact
    its build reads (None: not a Jekyll site, or a file could not be read). `walked`:
    the tree now, if the caller knows it."""
    from finops_lint.cache import tree
    from finops_lint.cache.facts import KnownFacts
    from finops_lint.cache.results import ResultCache, cache_store, run_key
    from finops_lint.config import load_config
    from finops_lint.discover import is_jekyll_site
    from finops_lint.engine import enabled_rules
    from finops_lint.site import Site

    path = Path(root)
    if not is_jekyll_site(path):
        return None
    config = load_config(path, None, search_from=path)
    notices: list[str] = []
    walk = walked if walked is not None else tree.Walk(root)
    old_facts: Facts = {}
    trusted: Any = frozenset().__contains__
    layouts = None
    cache = None
    store = cache_store(path, None, notices.append)
    # the key of a default offline check (another check's key misses: its Site is then
    # built from every file, correct but slower)
    key = run_key(config, [r for r in enabled_rules(config) if not r.needs_network])
    if store is not None and key is not None:
        # the facts the last check recorded, for the files its stat still vouches for
        cache = ResultCache(store, key, path, walk)
        old_facts, trusted, layouts = cache.old.facts, cache.trusts, cache.old.layouts
    hashes = _racy_hashes(root, walk.files, walk.started_ns)
    known = KnownFacts(old_facts, trusted, lambda rel: True, layouts)
    site = Site.build(
        path,
        extra_hosts=config.hosts,
        host=config.site_host,
        baseurl=config.site_baseurl,
        known=known,
    )
    if any(message.startswith("cannot read") for _path, _line, message in site.problems):
        return None  # a file that may be readable by the next check
    args = site_args(config.hosts, config.site_host, config.site_baseurl)
    facts = known.learned
    for rel in facts.keys() & hashes.keys():
        del hashes[rel]  # its facts tell
    settled = walk.started_ns - tree.RACY_NS
    racy = [rel for rel, sig in walk.files.items() if sig[1] >= settled]
    ready = PreparedSite(
        root, args, dict(walk.files), walk.started_ns, site, facts, hashes, racy, config
    )
    if cache is not None and cache.store.loaded is not None:
        ready.cache = cache
    if any(rule.code == "LK014" for rule in enabled_rules(config)):
        from finops_lint.site.templates import TemplateLinks

        # no page's values are read here (`warm`); the check reads its own
        ready.templates = TemplateLinks(path, site, lambda rel: {}, {}, known=known)
        ready.templates.warm()
        ready.layouts = known.learned_layouts
    return ready


#: More files than this just written (a fresh checkout): none is hashed; a check
#: that finds one of them changed builds its own Site.
MAX_HASHED = 256


def _racy_hashes(root: str, tree: dict[str, Sig], started_ns: int) -> dict[str, str]:
    from finops_lint.cache.replay import file_hash
    from finops_lint.cache.tree import RACY_NS

    settled = started_ns - RACY_NS
    racy = [rel for rel, sig in tree.items() if sig[1] >= settled]
    if len(racy) > MAX_HASHED:
        return {}
    out: dict[str, str] = {}
    for rel in racy:
        found = file_hash(root, rel)
        if found is not None:
            out[rel] = found
    return out


def prepared_site(ws: Workspace) -> Site | None:
    """The server's Site, when it is the one this check would build (module docstring);
    the check's cache then learns the facts of the files that changed since."""
    global outcome
    prepared = PREPARED
    if prepared is None:
        return None
    outcome = "built"
    tree, known = ws.tree, ws.known
    config = ws.config
    if tree is None or known is None or str(ws.root) != prepared.root:
        return None
    if FRONT_MATTER:  # whichever Site the check uses: the loaders read files by rel
        from finops_lint.site import url_keys

        url_keys.parsed_before = _ParsedBefore(FRONT_MATTER, tree)
    if site_args(config.hosts, config.site_host, config.site_baseurl) != prepared.args:
        return None
    dirty = prepared.dirty if tree is prepared.dirty_tree else None
    if dirty is not None:  # what the server's watch saw change: the others are the same
        then = prepared.tree
        if any((rel in tree) != (rel in then) for rel in dirty):
            return None
        changed = {rel for rel in dirty if tree.get(rel) != then.get(rel)}
    else:
        if tree.keys() != prepared.tree.keys():
            return None
        # (set operations on the items: a loop over 100,000 files in Python cost 0.1 s)
        changed = {rel for rel, _sig in tree.items() - prepared.tree.items()}
    changed.update(prepared.racy)
    fresh: dict[str, tuple[bool, tuple[dict[str, Any], int, bool] | None]] = {}
    for rel in changed:
        was = prepared.facts.get(rel)
        if was is None:
            from finops_lint.cache.replay import file_hash

            digest = prepared.hashes.get(rel)
            if digest is None or file_hash(prepared.root, rel) != digest:
                return None
            continue
        now = file_facts(prepared.root, rel)
        if now is None or was[0] != now[0]:
            return None
        if now[1] is not None and (was[1] is None or tuple(was[1][:3]) != now[1]):
            return None
        fresh[rel] = now
    site = prepared.site
    prepared.server_known = site._known  # not freed here: a check's time (100,000 entries)
    site._known = known
    for rel in _not_vouched(known, prepared.facts):  # the check's cache holds the others
        fence, url = prepared.facts[rel]
        if rel in fresh:
            fence, keys = fresh[rel]
            url = None if keys is None else (*keys, prepared.facts[rel][1][3])  # type: ignore[index]
        known.learn_front_matter(rel, fence)
        if url is not None:
            data, line, has_raw, computed = url
            known.learn_url_keys(rel, data, line, has_raw)
            if computed is not None:
                known.learn_page_url(rel, *computed)
    prepared.changed = changed
    outcome = f"the Site from the server ({len(changed)} changed files read again)"
    if os.environ.get("FINOPS_LINT_TIMING"):
        import sys

        sys.stderr.write(f"finops-lint timing: {outcome}\n")
    return site


def prepared_templates(
    site: Site,
    texts: dict[str, str],
    data_of: Callable[[str], dict[str, Any]],
    known: KnownFiles | None,
) -> TemplateLinks | None:
    """The server's model of the templates, made the one this check would build
    (`TemplateLinks.refreshed`), when the check took the server's Site; else None.
    The check's cache learns the layout facts the server read of the files it does
    not vouch for, as it learns their Site facts (`prepared_site`)."""
    global templates_outcome
    prepared = PREPARED
    if prepared is None or prepared.templates is None or prepared.changed is None:
        return None
    if site is not prepared.site:
        return None
    model, prepared.templates = prepared.templates, None  # changed by its use
    redo = prepared.changed | texts.keys()
    links = model.refreshed(prepared.changed, texts, data_of, known)
    if links is None:
        return None
    if known is not None:
        layouts = prepared.layouts
        for rel in _not_vouched(known, layouts):
            if rel not in redo:
                known.learn_layout(rel, *layouts[rel])
    templates_outcome = f"the templates from the server ({len(redo)} pages read again)"
    return links


def _not_vouched(known: KnownFiles, entries: dict[str, Any]) -> Iterable[str]:
    """The files of `entries` (files of the check's tree) whose facts the check's
    cache does not vouch for."""
    doubted = known.doubted_files
    if doubted is not None:
        return [rel for rel in doubted if rel in entries]
    trusted = known.trusted_files
    if trusted is not None:
        return entries.keys() - trusted
    return [rel for rel in entries if not known.trusts(rel)]


def following_cache(store: Store, key: str, walked: Walk) -> ResultCache | None:
    """The result cache the server opened over its tree, made the one this check
    opens over `walked` (`ResultCache(following=...)`), when it is the same store and
    key, the store's files are still the ones it read, and the server's watch says
    which files changed between the two trees; else None."""
    from finops_lint.cache.results import ResultCache

    global cache_outcome
    prepared = PREPARED
    if prepared is None or prepared.cache is None or prepared.dirty is None:
        return None
    if walked.files is not prepared.dirty_tree or walked.root != prepared.root:
        return None
    before, prepared.cache = prepared.cache, None  # changed by its use
    if before.key != key or before.store.path != store.path:
        return None
    if not store.unchanged(before.store.loaded):
        return None
    cache_outcome = f"the result cache from the server ({len(prepared.dirty)} files changed)"
    if os.environ.get("FINOPS_LINT_TIMING"):
        import sys

        sys.stderr.write(f"finops-lint timing: {cache_outcome}\n")
    return ResultCache(store, key, before.root, walked, following=(before, prepared.dirty))


def file_facts(root: str, rel: str) -> tuple[bool, tuple[dict[str, Any], int, bool] | None] | None:
    """What `Site.build` reads of a file (its fence, and a page's URL keys, line of
    `permalink:` and whether its front matter has text), read now; None when it cannot
    be read."""
    from finops_lint.parsing.text import decode_page
    from finops_lint.safe_io import MAX_PAGE_BYTES, read_bytes
    from finops_lint.site.source import FENCE_LOOK, starts_with_fence
    from finops_lint.site.url_keys import url_front_matter

    path = os.path.join(root, rel)
    try:
        raw = read_bytes(path, MAX_PAGE_BYTES, truncate=True)
    except OSError:
        return None
    # what `has_front_matter` reads, from the bytes read here
    if not starts_with_fence(path, raw[:FENCE_LOOK]):
        return False, None
    text, _error = decode_page(raw)
    if text is None:
        return True, ({}, 1, False)
    data, line, fm_raw = url_front_matter(text)
    return True, (data, line, bool(fm_raw.strip()))


class _ParsedBefore:
    """`url_keys.ParsedFrontMatter` over FRONT_MATTER, for a check's tree: an entry is
    used while the file's stat in the tree is the one it was parsed at (which was not
    racy then: the content is that one)."""

    def __init__(self, entries: dict[str, tuple[Sig, dict[str, Any]]], tree: dict[str, Sig]):
        self._entries = entries
        self._tree = tree

    def get(self, rel: str) -> dict[str, Any] | None:
        entry = self._entries.get(rel)
        if entry is None or self._tree.get(rel) != entry[0]:
            return None
        return _copied(entry[1])  # the check may change what it is given


def _copied(data: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of parsed front matter: dicts, lists and immutable scalars are
    copied as such (five times faster than `copy.deepcopy`, 2,000 pages a check at
    100,000 pages); anything else, or nesting too deep (a YAML alias can make a
    cycle), is left to `copy.deepcopy`."""

    def copy_of(value: Any, depth: int) -> Any:
        kind = type(value)
        if kind is dict:
            if depth > 32:
                raise _NotPlain
            return {k: copy_of(v, depth + 1) for k, v in value.items()}
        if kind is list:
            if depth > 32:
                raise _NotPlain
            return [copy_of(v, depth + 1) for v in value]
        if kind in _IMMUTABLE:
            return value
        raise _NotPlain

    try:
        return copy_of(data, 0)  # type: ignore[no-any-return]
    except _NotPlain:
        import copy

        return copy.deepcopy(data)


#: The scalars YAML gives, which no one can change in place.
_IMMUTABLE = frozenset({str, int, float, bool, type(None), datetime.date, datetime.datetime})


class _NotPlain(Exception):
    pass


def pages_matching(site: Site, globs: list[str]) -> Iterable[str]:
    """The Site's pages whose path matches one of `globs`, in the Site's order: the
    server's list when it is the server's Site (its page names are the check's)."""
    prepared = PREPARED
    if prepared is not None and site is prepared.site:
        known = prepared.type_pages.get(tuple(globs))
        if known is not None:
            return known
    return _matching(site, globs)


def _matching(site: Site, globs: list[str]) -> list[str]:
    from finops_lint.discover import glob_any

    return [path for path in site.pages if glob_any(path, globs)]


def _reference_globs(config: Config) -> list[list[str]]:
    """The globs of every page type cross-references read by type."""
    names = {t for ref in config.references for t in (*ref.source, ref.target)}
    return [pt.match for pt in config.page_types if pt.name in names]


def update_front_matter(prepared: PreparedSite) -> None:
    """Parse the front matter of every page of the types cross-references read by type
    (their sources and targets), unless parsed at the same stat already; only files
    whose stat is old enough to vouch for their content, read between two equal stats."""
    global FRONT_MATTER
    import time

    from finops_lint.cache.tree import RACY_NS, stat_sig
    from finops_lint.parsing.text import decode_page
    from finops_lint.safe_io import MAX_PAGE_BYTES, read_bytes
    from finops_lint.site.url_keys import front_matter_data

    config = prepared.config
    site = prepared.site
    for globs in _reference_globs(config):
        prepared.type_pages[tuple(globs)] = _matching(site, globs)
    wanted = {rel for found in prepared.type_pages.values() for rel in found}
    settled = time.time_ns() - RACY_NS
    kept: dict[str, tuple[Sig, dict[str, Any]]] = {}
    old = FRONT_MATTER
    for rel in site.pages:
        if rel not in wanted:
            continue
        sig = prepared.tree.get(rel)
        if sig is None or sig[1] >= settled:
            continue
        was = old.get(rel)
        if was is not None and was[0] == sig:
            kept[rel] = was
            continue
        path = os.path.join(prepared.root, rel)
        try:
            raw = read_bytes(path, MAX_PAGE_BYTES, truncate=True)
        except OSError:
            continue
        if stat_sig(path) != sig:
            continue  # written since the tree was taken
        text, _error = decode_page(raw)
        kept[rel] = (sig, front_matter_data(text) if text is not None else {})
    FRONT_MATTER = kept
