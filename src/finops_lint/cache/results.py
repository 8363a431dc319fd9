"""Reusing a previous run's findings: what is still true, decided by stat (and hash).

A page's findings are kept in two parts, told apart while the rules run (a rule
that reads the Site or the Workspace for a page is *site-dependent* for it; see
`workers.TracedContext`):

* findings of the rules that looked only at the page (and the config): reused
  while the page's file is unchanged;
* findings of the rules that looked beyond it: reused while the page is
  unchanged and every question those rules asked (`cache.deps`: where a link
  leads, another page's text, a reference set's members) gets the same answer
  now; a page that read something no question covers, only while no file of the
  site tree changed. Otherwise only those rules run again on the page.

Everything else that decides a finding is in the key: the tool's version and
its own files, Python, the config files and profiles, `_config.yml`, schemas,
templates, the enabled rules with their severities and options. The tree is
every file under the site root but `.git`, the cache and build output.

A file is unchanged when its size, mtime (ns) and inode are those recorded and,
when its mtime was within two seconds of the moment it was recorded, its content
hash is too. A run that cannot be exact does not use the cache: external link
checks, a page type's template that cannot be read.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from finops_lint import __version__
from finops_lint.cache.delta import ABSENT, Applied, changes, limit
from finops_lint.cache.delta import dump as dump_delta
from finops_lint.cache.deps import Oracle, Record, still_holds
from finops_lint.cache.facts import KnownFacts
from finops_lint.cache.pages import PageEntry, dump_shard, parse_shard, shard_of
from finops_lint.cache.rows import from_row, shown_path, to_row
from finops_lint.cache.store import (
    CLOCK_SLACK_NS,
    RACY_NS,
    Beside,
    CacheData,
    Elsewhere,
    Sig,
    Store,
    now_ns,
    shards_for,
)
from finops_lint.cache.tree import CACHE_FOLDER, MAIN_FILE, Walk, read_only_folder, tool_state
from finops_lint.discover import plain_rel
from finops_lint.findings import Finding
from finops_lint.safe_io import MAX_CONFIG_BYTES, MAX_PAGE_BYTES, blake2b, content_hash, read_bytes

if TYPE_CHECKING:
    from finops_lint.config import Config
    from finops_lint.discover import Target
    from finops_lint.rules.base import Rule

#: What a run found on a page for the cache: the rules that looked beyond it, its
#: findings, and what those rules asked (None: a read no question covers).
PageResult = tuple[list[str], list[Finding], Record | None]


#: A save writes two findings files in three in another process (`ResultCache.save`) when
#: it has at least this many pages to write (fewer: the fork costs more than it gives)
#: and at most this many tree files (a fork of a run that holds 100,000 pages' findings
#: copies what it reads of them: memory, where the goal was hardest to meet).
SPLIT_SAVE = (1000, 30_000)


def _splits(pages: int, files: int, count: int) -> bool:
    return count >= 2 and SPLIT_SAVE[0] <= pages and files <= SPLIT_SAVE[1]


def cache_store(root: Path, cache_dir: Path | None, notice: Callable[[str], None]) -> Store | None:
    """The store for this site, or None when the cache folder is not ours to use."""
    folder = cache_dir
    if folder is None and os.environ.get("FINOPS_LINT_CACHE_DIR"):
        folder = Path(os.environ["FINOPS_LINT_CACHE_DIR"])
    if folder is None:
        if read_only_folder(root):
            return None  # run without a cache, as where writing fails (root ignores modes)
        folder = root / CACHE_FOLDER
        name = MAIN_FILE
    else:  # a folder that may serve several sites: one file per site
        digest = blake2b(str(root).encode("utf-8", "surrogateescape"), digest_size=8)
        name = f"check-v4-{digest.hexdigest()}.json"
    if os.path.islink(folder):
        notice(f"{folder} is a symlink: the result cache is not used (--cache-dir DIR chooses one)")
        return None
    return Store(folder, name, notice)


def _feed_file(h: Any, path: Path, read: list[str], limit: int = MAX_CONFIG_BYTES) -> bool:
    """Add a file's bytes to the key (and its path to `read`); False when it cannot be
    read whole."""
    read.append(str(path))
    h.update(b"\x00file\x00" + os.fsencode(str(path)) + b"\x00")
    try:
        h.update(read_bytes(path, limit))
    except FileNotFoundError:
        h.update(b"<missing>")
    except OSError:
        return False
    return True


def run_key(config: Config, rules: list[Rule], read: list[str] | None = None) -> str | None:
    """What decides every finding besides the files checked; None: do not cache.
    `read` gets the path of every file and folder the key was made from."""
    read = [] if read is None else read
    root = config.root
    h = blake2b(digest_size=16)
    h.update(f"{__version__}\x00{sys.version}\x00{sys.implementation.name}\x00{root}".encode())
    h.update(tool_state())
    for source in config.sources:
        if not _feed_file(h, Path(source), read):
            return None
    for name in ("_config.yml", "_config.yaml", "_config.toml"):
        if not _feed_file(h, root / name, read):
            return None
    for pt in config.page_types:
        h.update(f"\x00type\x00{pt.name}\x00{pt.schema}\x00{pt.template}".encode())
        if pt.schema:
            schema = config.schema_file(pt.schema)
            if schema is not None:
                read.append(str(schema.parent))  # a file added there changes its mtime
                try:
                    names = sorted(os.listdir(schema.parent))
                except OSError:
                    return None
                for name in names:
                    if name.endswith((".json", ".yaml", ".yml")) and not _feed_file(
                        h, schema.parent / name, read
                    ):
                        return None
        if pt.template:
            template = root / pt.template
            real = os.path.realpath(template)
            if not real.startswith(str(root).rstrip(os.sep) + os.sep):
                return None  # a notice the rules would give: run them
            read.append(str(template))
            try:
                h.update(read_bytes(template, MAX_PAGE_BYTES))
            except OSError:
                return None
    for r in rules:
        severity = config.severities.get(r.code)
        options = r.option_values(config.rule_options.get(r.code))
        opts = json.dumps(options, sort_keys=True, default=repr)
        h.update(f"\x00rule\x00{r.code}\x00{severity}\x00{opts}".encode())
    return h.hexdigest()


@dataclass
class Plan:
    """What a run can take from the cache."""

    #: findings reused whole, by target rel
    reused: dict[str, list[Finding]] = field(default_factory=dict)
    #: pages whose page-only findings are reused: the rules to run again on them
    rerun: dict[str, tuple[list[str], list[Finding]]] = field(default_factory=dict)
    #: the Site's problems as recorded (site unchanged), else None
    problems: list[tuple[str, int, str]] | None = None
    #: what the rules of each reused page asked beyond it (kept for the next run)
    asked: dict[str, Record | None] = field(default_factory=dict)
    #: the rules of each reused page that looked beyond it (kept for the next run)
    codes: dict[str, list[str]] = field(default_factory=dict)


class ResultCache:
    def __init__(
        self,
        store: Store,
        key: str,
        root: Path,
        walked: Walk | None = None,
        *,
        following: tuple[ResultCache, set[str]] | None = None,
    ) -> None:
        """`walked`: the tree as walked at the start of the run, if it was.

        `following`: (a cache opened with the same store and key over an earlier tree,
        the files whose stat may differ between that tree and `walked`): its record,
        read once, is taken as it is, and only those files are looked at again
        (`finops-lint server`, whose tree watch knows them). The caller makes sure the
        store's files are the ones it read; the earlier cache is used up."""
        self.store = store
        self.key = key
        self.root = root
        self.walk = Walk(str(root)) if walked is None else walked
        self.started_ns = self.walk.started_ns
        self.tree = tree = self.walk.files
        self._valid: dict[str, bool] = {}
        self._cacheable: dict[str, bool] = {}
        self._shards: dict[int, dict[str, PageEntry]] = {}
        self.new_hashes: dict[str, str] = {}  # contents read this run
        self.inputs: list[str] = []  # the files the key was made from (run_key's `read`)
        if following is None:
            self.old = store.load(key, self.started_ns) or CacheData()
            # The facts recorded for a file still hold: a stat that vouched for them
            # then (not racy) is the same now. A set: asked about six times a file
            # (600,000 calls of a one-page run at 100,000 pages).
            self._trusted_files = {
                rel
                for rel, old in self.old.files.items()
                if not old[4] and tree.get(rel) == old[:3]
            }
            #: the tree's files the record does not vouch for by their stat
            self._untrusted = tree.keys() - self._trusted_files
            #: the files in the tree or in the record, not in both
            self._differ = self.old.files.keys() ^ tree.keys()
        else:
            before, dirty = following
            self.old = before.old
            self._trusted_files = before._trusted_files
            self._untrusted, self._differ = before._untrusted, before._differ
            self._look_again(dirty)
        self._trusted = self._trusted_files.__contains__
        #: the facts recorded for a file still hold (public: the server's Site, too)
        self.trusts = self._trusted
        # The same files as recorded, each as recorded (a trusted file is: by its stat).
        self.site_same = (self.old.site and bool(self.old.files) and not self._differ) and all(
            self.valid(rel) for rel in self._untrusted
        )
        self.known = KnownFacts(
            self.old.facts, self._trusted, self._learnable, self.old.layouts, self._untrusted
        )

    def _look_again(self, dirty: set[str]) -> None:
        """`__init__`'s sets, for files whose stat may have changed since they were made."""
        files, tree = self.old.files, self.tree
        trusted, untrusted, differ = self._trusted_files, self._untrusted, self._differ
        for rel in dirty:
            old, now = files.get(rel), tree.get(rel)
            if old is not None and not old[4] and now == old[:3]:
                trusted.add(rel)
                untrusted.discard(rel)
            else:
                trusted.discard(rel)
                if now is not None:
                    untrusted.add(rel)
                else:
                    untrusted.discard(rel)
            if (old is None) != (now is None):
                differ.add(rel)
            else:
                differ.discard(rel)

    def _shard(self, n: int) -> dict[str, PageEntry]:
        """Findings file n as read (validated), {} when missing, invalid or another key's."""
        known = self._shards.get(n)
        if known is None:
            known = {}
            count = self.old.shards
            path = self.store.shard_path(n, count)
            raw = self.store.read(path) if self.old.files else None
            if raw is not None:
                try:  # a run that wrote it after our main file was read: not newer than now
                    latest = now_ns() + CLOCK_SLACK_NS
                    known = parse_shard(raw, n, count, self.key, latest) or {}
                except (ValueError, RecursionError) as exc:
                    self.store.invalid(path, exc)
            self._shards[n] = known
        return known

    def _release(self, n: int) -> None:
        """Forget findings file n as parsed (read again if asked for): a run that reads
        them all holds one at a time, not every page's rows and questions at once. An
        empty or invalid one is kept (nothing to free; its notice is given once)."""
        if self._shards.get(n):
            del self._shards[n]

    def entry(self, rel: str) -> PageEntry | None:
        """The recorded findings of rel, if made for the file state the main file records."""
        old = self.old.files.get(rel)
        if old is None:
            return None
        found = self._shard(shard_of(rel, self.old.shards)).get(rel)
        return found if found is not None and found.sig == old[:4] else None

    def _learnable(self, rel: str) -> bool:
        """What is read of rel now can be recorded: its stat will vouch for it."""
        now = self.tree.get(rel)
        return now is not None and now[1] < self.started_ns - RACY_NS

    def valid(self, rel: str) -> bool:
        """The file is as recorded (by stat; by hash too when the record was racy)."""
        known = self._valid.get(rel)
        if known is not None:
            return known
        old = self.old.files.get(rel)
        now = self.tree.get(rel)
        ok = old is not None and now is not None and old[:3] == now
        if ok and old is not None and old[4]:
            ok = self._hash(rel) == old[3]
        self._valid[rel] = ok
        return ok

    def recorded_digest(self, rel: str) -> str | None:
        """The content hash recorded for a file that is as recorded, if one was."""
        old = self.old.files.get(rel)
        return old[3] if old is not None and old[3] and self.valid(rel) else None

    def _hash(self, rel: str) -> str | None:
        known = self.new_hashes.get(rel)
        if known is not None:
            return known
        try:
            data = read_bytes(self.root / rel, MAX_PAGE_BYTES)
        except OSError:
            return None
        digest = self.new_hashes[rel] = content_hash(data)
        return digest

    def plan(
        self,
        files: list[Target],
        display_path: Callable[[str], str],
        oracle: Oracle | None = None,
    ) -> Plan:
        """What is reused: a page's findings whole while its file is unchanged and
        either no file of the site changed or (with an `oracle` to ask) every question
        its rules asked beyond it gets the same answer now (`cache.deps`)."""
        plan = Plan()
        if self.site_same:
            plan.problems = list(self.old.problems)
        by_shard: dict[int, list[Target]] = {}
        for target in files:
            if target.rel in self.old.files and self.cacheable(target):
                by_shard.setdefault(shard_of(target.rel, self.old.shards), []).append(target)
        for n in sorted(by_shard):
            for target in by_shard[n]:
                self._plan_page(target, plan, display_path, oracle)
            self._release(n)
        return plan

    def _plan_page(
        self,
        target: Target,
        plan: Plan,
        display_path: Callable[[str], str],
        oracle: Oracle | None,
    ) -> None:
        entry = self.entry(target.rel)
        if entry is None or not self.valid(target.rel):
            return
        shown = shown_path(target.path)
        rows = entry.rows
        if (self.site_same and entry.tree and entry.tree == self.old.tree) or (
            entry.asked is not None and oracle is not None and still_holds(entry.asked, oracle)
        ):
            plan.reused[target.rel] = [from_row(r, shown, display_path) for r in rows]
            plan.asked[target.rel] = entry.asked
            plan.codes[target.rel] = entry.codes
        else:
            codes = entry.codes
            local = [from_row(r, shown, display_path) for r in rows if r[2] not in codes]
            plan.rerun[target.rel] = (codes, local)

    def cacheable(self, target: Target) -> bool:
        """A file inside the site, reached at its own path, and part of the tree."""
        if target.rel not in self.tree:
            return False
        known = self._cacheable.get(target.rel)
        if known is None:
            at = os.path.join(self._root_text, target.rel)
            text = os.fspath(target.path)
            if text == at or (plain_rel(text) and f"{self._cwd}/{text}" == at):
                known = True  # (normpath would change neither: most files, at once)
            else:
                # normpath(abspath(path)), the folder asked for once (a save asks of each)
                given = os.path.normpath(os.path.join(self._cwd, text))
                known = given == at or os.path.realpath(given) == os.path.realpath(at)
            self._cacheable[target.rel] = known
        return known

    @cached_property
    def _root_text(self) -> str:
        return str(self.root)

    @cached_property
    def _cwd(self) -> str:
        return os.getcwd()

    def save(
        self,
        pages: dict[str, PageResult],
        problems: list[tuple[str, int, str]] | None,
        rel_of: Callable[[str], str | None],
        *,
        unchanged: bool = False,
        beside: Beside | None = None,
    ) -> None:
        """Record this run: every tree file's state, each page's findings (only the
        findings files with an entry that changed). `unchanged`: every finding came
        from the cache and the site is as recorded: nothing to write unless a racy
        entry can now be vouched for by its stat. `beside`: another process, to write
        two findings files in three of a run that checked many pages (`SPLIT_SAVE`)."""
        if unchanged and not any(sig[4] for sig in self.old.files.values()):
            return
        new = CacheData(key=self.key, written_ns=max(now_ns(), self.started_ns))
        new.facts_read = self.old.facts_read
        touched = self._touched()
        site_ok = self._record_files(new, touched) and problems is not None
        if site_ok and self.walk.moved_since():
            # a file added, removed or moved back during the run: the Site it built may
            # not be the tree recorded, so no page is reused for the tree's name alone
            site_ok = False
        new.site = site_ok
        new.problems = list(problems or []) if site_ok else []
        if site_ok:  # the same tree keeps its name: the findings made with it stay fresh
            same = self.site_same and self.old.tree
            new.tree = self.old.tree if same else os.urandom(16).hex()
        # The Site's facts: learnt or confirmed this run, else kept while unchanged.
        new.facts, facts_touched = self._kept(self.old.facts, self.known.learned, new, touched)
        new.layouts, layouts_touched = self._kept(
            self.old.layouts, self.known.learned_layouts, new, touched
        )
        recorded = self.old.shards if self.old.files else 0
        new.shards = shards_for(len(new.files), recorded)
        count, stale = new.shards, recorded if recorded != new.shards else 0
        elsewhere = None
        if beside is not None and not stale and _splits(len(pages), len(new.files), count):
            # this process also makes the main file: the other takes two files in three
            shards = self._new_shards(pages, new, rel_of, lambda n: n % 3 == 0)
            theirs = self._new_shards(pages, new, rel_of, lambda n: n % 3 != 0)
            elsewhere = Elsewhere(theirs, beside)
        else:
            shards = self._new_shards(pages, new, rel_of)
        if self.old.files and new.same_record(self.old):
            self.store.save(None, shards, count=count, elsewhere=elsewhere)
            return
        # a new count is recorded by a main file (a delta applies to one as it is)
        delta = None if stale else self._delta(new, (touched, facts_touched, layouts_touched))
        main = new if delta is None else None
        self.store.save(main, shards, delta, count=count, stale=stale, elsewhere=elsewhere)

    def _touched(self) -> set[str] | None:
        """The files whose entry may differ from the record read, or None: any may.

        A file recorded as not racy whose stat is the same now keeps its entry as it
        is (its mtime was settled when it was recorded, so it still is), so a run
        looks only at the others: a one-page run at 100,000 pages went through every
        entry four times to write the same ones back. Only while the clock has not
        gone back since that record (then every entry is looked at, as before)."""
        if self.started_ns < self.old.written_ns:
            return None
        tree = self.tree
        touched = set(self._untrusted)
        touched.update(rel for rel in self.new_hashes if rel in tree)
        touched.update(self._gone())
        return touched

    def _gone(self) -> list[str]:
        """The files recorded that are not in the tree."""
        tree = self.tree
        return [rel for rel in self._differ if rel not in tree]

    def _record_files(self, new: CacheData, touched: set[str] | None) -> bool:
        """Every tree file's state into new.files (the record read's entry where it
        still holds); False when one cannot be vouched for."""
        ok = True
        tree = self.tree
        if touched is None:
            looked_at: Iterable[str] = tree
        else:
            new.files = dict(self.old.files)
            looked_at = touched
        for rel in looked_at:
            sig = tree.get(rel)
            entry = None if sig is None else self._file_entry(rel, sig)
            if entry is not None:
                new.files[rel] = entry
                continue
            new.files.pop(rel, None)
            if sig is not None:
                ok = False  # a file whose state nothing vouches for
        return ok

    def _file_entry(self, rel: str, sig: tuple[int, int, int]) -> Sig | None:
        """What the record says of a file of the tree now; None: nothing vouches for it
        (an mtime in the future, or a racy one that cannot be read)."""
        old = self.old.files.get(rel)
        settled = self.started_ns - RACY_NS  # an mtime before this is not racy
        if (
            old is not None
            and old[:3] == sig
            and not old[4]
            and sig[1] < settled
            and rel not in self.new_hashes
        ):
            return old  # vouched for by its stat: as recorded
        size, mtime, ino = sig
        if mtime > self.started_ns:
            return None  # a clock in the future: nothing vouches for it
        racy = mtime >= settled
        digest = ""
        if old is not None and old[:3] == sig and self.valid(rel):
            digest = old[3]
        digest = self.new_hashes.get(rel, digest)
        if racy and not digest:
            found = self._hash(rel)
            if found is None:
                return None
            digest = found
        return (size, mtime, ino, digest, racy)

    def _kept(
        self,
        old: dict[str, Any],
        learned: dict[str, Any],
        new: CacheData,
        touched: set[str] | None,
    ) -> tuple[dict[str, Any], set[str] | None]:
        """The facts (or layouts) of the new record: those of files still as recorded,
        and those learnt this run, of files it records as not racy. And the files whose
        entry may differ from the old one (None: any may)."""
        files = new.files
        if touched is None:
            kept = {rel: f for rel, f in old.items() if self._trusted(rel)}
            kept.update(learned)
            return {rel: f for rel, f in kept.items() if rel in files and not files[rel][4]}, None
        # the record's files it does not vouch for (its facts and layouts name only
        # recorded files): small sets, where `old.keys() - trusted` went through all
        recorded = self.old.files
        doubted = [rel for rel in self._untrusted if rel in recorded] + self._gone()
        dropped = {rel for rel in doubted if rel in old}
        # What the run learnt includes what it confirmed (every unchanged page at
        # 100,000 pages): only the rest changes the record.
        absent = ABSENT
        changed = {
            rel: f for rel, f in learned.items() if rel in dropped or old.get(rel, absent) != f
        }
        kept = dict(old)
        for rel in dropped:
            del kept[rel]
        kept.update(changed)
        # The others are of files kept as recorded, not racy: nothing to look at.
        for rel in (touched | changed.keys()) & kept.keys():
            sig = files.get(rel)
            if sig is None or sig[4]:
                del kept[rel]
        return kept, dropped | changed.keys() | touched

    def _delta(
        self, new: CacheData, touched: tuple[set[str] | None, set[str] | None, set[str] | None]
    ) -> bytes | None:
        """The delta file that records `new` on the main file read (cache.delta), or
        None: no main file was read, or too much changed (it is written again).
        `touched`: the files, facts and layouts entries that may differ from it."""
        old = self.old
        if not old.key:
            return None
        applied = old.applied or Applied(old.written_ns)
        files = changes(old.files, new.files, applied.files, touched[0])
        facts = changes(old.facts, new.facts, applied.facts, touched[1])
        layouts = changes(old.layouts, new.layouts, applied.layouts, touched[2])
        if len(files) + len(facts) + len(layouts) > limit(len(new.files)):
            return None
        return dump_delta(new, applied.base_ns, files, facts, layouts)

    def _new_shards(
        self,
        pages: dict[str, PageResult],
        new: CacheData,
        rel_of: Callable[[str], str | None],
        taken: Callable[[int], bool] | None = None,
    ) -> Iterator[tuple[int, bytes]]:
        """The findings files with an entry this run changed, whole, one at a time (the
        store writes each before the next is made). Entries of pages it did not check
        stay while their file is as the new main file records it; their site-dependent
        findings stay fresh while the tree keeps its name. With a new count of files
        (`new.shards`), every entry kept moves to its file of the new count. `taken`:
        which files, by number (of an unchanged count; None: all)."""
        count = new.shards
        if self.old.files and self.old.shards != count:
            yield from self._moved_shards(pages, new, rel_of)
            return
        by_shard: dict[int, list[str]] = {}
        for rel in pages:
            by_shard.setdefault(shard_of(rel, count), []).append(rel)
        for n in sorted(by_shard):
            if taken is not None and not taken(n):
                continue
            old = self._shard(n)
            updates: dict[str, PageEntry | None] = {}
            for rel in by_shard[n]:
                entry = self._page_entry(rel, pages[rel], new, rel_of)
                if old.get(rel) != entry:
                    updates[rel] = entry
            if updates:
                entries = {
                    rel: e
                    for rel, e in old.items()
                    if rel in new.files and new.files[rel][:4] == e.sig
                }
                for rel, maybe in updates.items():
                    if maybe is None:
                        entries.pop(rel, None)
                    else:
                        entries[rel] = maybe
                yield n, dump_shard(self.key, entries)
            del old
            self._release(n)

    def _moved_shards(
        self,
        pages: dict[str, PageResult],
        new: CacheData,
        rel_of: Callable[[str], str | None],
    ) -> Iterator[tuple[int, bytes]]:
        """Every findings file of the new count: the record's entries still valid for
        the new main file, and this run's (a count changes when the tree grew or shrank
        past a factor of two: rare, and every file is written anyway)."""
        count = new.shards
        moved: list[dict[str, PageEntry]] = [{} for _n in range(count)]
        for n in range(self.old.shards):
            for rel, e in self._shard(n).items():
                if rel in new.files and new.files[rel][:4] == e.sig:
                    moved[shard_of(rel, count)][rel] = e
            self._release(n)
        for rel, result in pages.items():
            entry = self._page_entry(rel, result, new, rel_of)
            if entry is None:
                moved[shard_of(rel, count)].pop(rel, None)
            else:
                moved[shard_of(rel, count)][rel] = entry
        for n in range(count):  # each, so no file of an earlier record of this count is left
            yield n, dump_shard(self.key, moved[n])
            moved[n] = {}

    def _page_entry(
        self, rel: str, result: PageResult, new: CacheData, rel_of: Callable[[str], str | None]
    ) -> PageEntry | None:
        """A checked page's entry (None: its file is not in the record, or a finding is
        somewhere a row cannot name)."""
        codes, findings, asked = result
        sig = new.files.get(rel)
        rows = [to_row(f, rel_of) for f in findings]
        if sig is None or None in rows:
            return None
        kept = [row for row in rows if row is not None]
        return PageEntry(sig[:4], new.tree, sorted(codes), kept, asked)
