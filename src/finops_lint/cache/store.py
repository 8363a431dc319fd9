"""The result cache's files: JSON read back with validation, written atomically under a lock.

Two kinds of file, so a run reads and writes only what it needs (issue 14: a
one-page run at 10,000 pages loaded, validated and rewrote 8 MB). The main file
(``<cache dir>/check-v4.json``, or ``check-v4-<root digest>.json`` in a folder
given with ``--cache-dir`` or ``FINOPS_LINT_CACHE_DIR``) holds what every run
needs::

    {"format": "finops-lint-check-cache", "version": 4,
     "key": "<hex>",             # tool, Python, config, rules: any change empties it
     "shards": 4,                # how many findings files (64 when it is missing)
     "written_ns": 1767225600000000000,
     "files": {"_pages/a.md": [size, mtime_ns, inode, "blake2b hex" or "", racy]},
     "site": true,               # "files" lists the whole tree (site rules may reuse)
     "tree": "<hex>",            # names that state of the tree (see cache.pages)
     "problems": [["_config.yml", 3, "message"]],   # the Site's own problems
     "facts": {"_pages/a.md": [true, [2, true, ["m", [...]]]]},   # see facts.py
     "layouts": {"_pages/a.md": ["default", true]}}                # see facts.py

Each page's findings live in one of ``shards`` files beside it (``check-v4.p07.json``
when there are `MAX_SHARDS`, ``check-v4.s4.p01.json`` when there are 4; see
cache.pages), read only for the pages a run checks and written only when one of
their entries changed. Their number grows with the tree (`shard_count`), from one
file for a small site, and is recorded in the main file as ``"shards"``. A run that
changed few entries of the main file writes them to its delta file
(``check-v4.delta.json``, see cache.delta) instead of the whole main file.

Never pickle: a cache file is data from the repository's folder, so everything
read back is checked (types, ranges, paths inside the site) and anything odd
drops the file (one notice; the run goes on without it and writes a new one).
``racy`` marks an entry whose mtime was within two seconds of the moment it was
read: the stat alone cannot vouch for it, its content hash must (git's "racy
clean" rule).
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import json
import os
import re
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from finops_lint.cache.tree import RACY_NS as RACY_NS
from finops_lint.cache.tree import collector_off, make_cache_folder, safe_rel
from finops_lint.safe_io import FileTooLargeError, describe, read_bytes, write_atomic

if TYPE_CHECKING:
    from finops_lint.cache.delta import Applied

FORMAT = "finops-lint-check-cache"
VERSION = 4
#: Largest cache file read or written; a bigger one is not written (the run says so).
MAX_CACHE_FILE_BYTES = 64 * 1024 * 1024
#: How far in the future a cache may claim to have been written (clock steps).
CLOCK_SLACK_NS = 60_000_000_000
#: How many files the findings are spread over (cache.pages).
#: The most findings files a cache has (a tree of more than 8,192 files).
MAX_SHARDS = 64
#: Files of the tree per findings file, at most, before there are twice as many
#: findings files: each costs a save 0.3 ms to create (64 were 3-6% of a whole-site
#: run at 274 pages), and a one-page run reads one.
FILES_PER_SHARD = 128


def shard_count(files: int) -> int:
    """How many findings files a tree of this many files has (a power of two)."""
    count = 1
    while count < MAX_SHARDS and count * FILES_PER_SHARD < files:
        count *= 2
    return count


def shards_for(files: int, recorded: int) -> int:
    """The findings files of a record of this many files, given the count recorded
    before (0: none): that count while it is within a factor of two of the tree's
    (a tree that grows or shrinks a little does not move every entry), else the
    tree's."""
    wanted = shard_count(files)
    if recorded and recorded <= 2 * wanted and wanted <= 2 * recorded:
        return recorded
    return wanted


Sig = tuple[int, int, int, str, bool]  # size, mtime_ns, inode, content hash ("" unknown), racy
CODE = re.compile(r"^[A-Z]{2}[0-9]{3}$")
HASH = re.compile(r"^(?:[0-9a-f]{32})?$")


class _TooLarge(Exception):
    """The main file would pass the size bound: not written."""


class CacheInvalid(ValueError):
    """The cache file is not one this version wrote, or was tampered with."""


@dataclass
class CacheData:
    """The result cache's main file: every tree file's state and what the Site learnt."""

    key: str = ""
    written_ns: int = 0
    files: dict[str, Sig] = field(default_factory=dict)
    site: bool = False
    #: names the tree `files` records when `site`: a page's site-dependent findings
    #: made with the same name were made with that tree ("" none)
    tree: str = ""
    problems: list[tuple[str, int, str]] = field(default_factory=list)
    #: what the Site learnt of each file (cache.facts.Facts)
    facts: dict[str, Any] = field(default_factory=dict)
    #: what LK014's template reader learnt of each page (cache.facts.Layouts)
    layouts: dict[str, Any] = field(default_factory=dict)
    #: how many findings files hold the pages' entries (`shard_count`; a record written
    #: before there was a count had `MAX_SHARDS`)
    shards: int = MAX_SHARDS
    #: `facts` as read, and the JSON they were read from (`parse`): what `dump`
    #: writes again as it was for the entries that did not change
    facts_read: tuple[dict[str, Any], dict[str, Any]] | None = None
    #: what the main file held for the entries its delta file changed, when one was
    #: read with it (cache.delta)
    applied: Applied | None = None

    def same_record(self, other: CacheData) -> bool:
        """The same content but for when it was written (no need to write it again)."""
        return (
            self.key == other.key
            and self.site == other.site
            and self.shards == other.shards
            and self.tree == other.tree
            and self.problems == other.problems
            and self.files == other.files
            and self.facts == other.facts
            and self.layouts == other.layouts
        )


def check_int(value: Any, low: int = 0, high: int | None = None) -> int:
    if type(value) is not int or value < low or (high is not None and value > high):
        raise CacheInvalid(f"bad number {value!r}")
    return value


def check_str(value: Any) -> str:
    if not isinstance(value, str):
        raise CacheInvalid(f"bad text {value!r}")
    return value


def load_json(raw: bytes) -> Any:
    """JSON without NaN or Infinity (raises CacheInvalid or ValueError)."""

    def no_constants(name: str) -> Any:
        raise CacheInvalid(f"{name} in the cache")

    return json.loads(raw.decode("utf-8"), parse_constant=no_constants)


def parse(raw: bytes, now_ns: int) -> CacheData:
    """The main file in raw, validated; raises CacheInvalid (or ValueError) on anything odd."""
    data = load_json(raw)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CacheInvalid("not a finops-lint cache")
    if data.get("version") != VERSION:
        raise CacheInvalid(f"cache version {data.get('version')!r}")
    out = CacheData(key=check_str(data.get("key")))
    out.written_ns = check_int(data.get("written_ns"), 1, now_ns + CLOCK_SLACK_NS)
    files = data.get("files")
    if not isinstance(files, dict):
        raise CacheInvalid("bad files")
    for rel, sig in files.items():
        out.files[rel] = parse_sig(rel, sig, out.written_ns)
    out.site, out.tree, out.problems = parse_state(data)
    out.shards = parse_shards(data.get("shards", MAX_SHARDS))
    from finops_lint.cache.facts import parse_facts, parse_layouts

    out.facts = parse_facts(data.get("facts"), out.files)
    out.facts_read = (out.facts, data["facts"])
    out.layouts = parse_layouts(data.get("layouts"), out.files)
    return out


def parse_shards(value: Any) -> int:
    """The main file's "shards" (a file written before there was a count has
    `MAX_SHARDS`), validated: a power of two up to `MAX_SHARDS`."""
    count = check_int(value, 1, MAX_SHARDS)
    if count & (count - 1):
        raise CacheInvalid(f"bad shards {count}")
    return count


def parse_state(data: dict[str, Any]) -> tuple[bool, str, list[tuple[str, int, str]]]:
    """The record's "site", "tree" and "problems" (a main file's or a delta's), validated."""
    site = data.get("site")
    if not isinstance(site, bool):
        raise CacheInvalid("bad site flag")
    tree = check_str(data.get("tree"))
    if not HASH.match(tree):
        raise CacheInvalid("bad tree")
    problems = data.get("problems")
    if not isinstance(problems, list):
        raise CacheInvalid("bad problems")
    out: list[tuple[str, int, str]] = []
    for item in problems:
        if not isinstance(item, list) or len(item) != 3:
            raise CacheInvalid("bad problem")
        out.append((check_str(item[0]), check_int(item[1], 0), check_str(item[2])))
    return site, tree, out


def parse_sig(rel: Any, sig: Any, written_ns: int) -> Sig:
    """One entry of "files", validated (a file changed after the record was written is
    not one it can vouch for)."""
    if type(sig) is list and len(sig) == 5 and safe_rel(rel):
        size, mtime, inode, digest, racy = sig
        if (
            type(size) is int
            and type(mtime) is int
            and type(inode) is int
            and type(digest) is str
            and type(racy) is bool
            and size >= 0
            and inode >= 0
            and 0 <= mtime <= written_ns
            and HASH.match(digest)
            and (digest or not racy)  # a racy entry is vouched for by its hash alone
        ):
            return (size, mtime, inode, digest, racy)
    raise CacheInvalid("bad file entry")


def dump(cache: CacheData) -> bytes:
    return b"".join(dump_chunks(cache))


#: Entries of the main file's maps encoded at a time (`dump_chunks`).
_CHUNK = 2048


def dump_chunks(cache: CacheData) -> Iterator[bytes]:
    """The main file's JSON in pieces, the same bytes as one `json.dumps` of it: the
    file is 38 MB at 100,000 pages, and its text, its bytes and the lists made to
    encode it were held at once at the end of a big run."""
    from finops_lint.cache.facts import dump_facts

    def encoded(value: Any) -> str:
        return json.dumps(value, separators=(",", ":"), allow_nan=False)

    def mapping(items: Iterable[tuple[str, Any]]) -> Iterator[bytes]:
        yield b"{"
        chunk: dict[str, Any] = {}
        first = True
        for key, value in items:
            chunk[key] = value
            if len(chunk) == _CHUNK:
                yield (("" if first else ",") + encoded(chunk)[1:-1]).encode("utf-8")
                chunk, first = {}, False
        if chunk:
            yield (("" if first else ",") + encoded(chunk)[1:-1]).encode("utf-8")
        yield b"}"

    head = {"format": FORMAT, "version": VERSION, "key": cache.key, "shards": cache.shards}
    yield (encoded(head)[:-1] + f',"written_ns":{encoded(cache.written_ns)},"files":').encode()
    yield from mapping((rel, list(sig)) for rel, sig in sorted(cache.files.items()))
    middle = {"site": cache.site, "tree": cache.tree, "problems": [list(p) for p in cache.problems]}
    yield ("," + encoded(middle)[1:-1] + ',"facts":').encode("utf-8")
    yield from mapping(dump_facts(cache.facts, cache.facts_read).items())
    yield b',"layouts":'
    yield from mapping((rel, list(v)) for rel, v in sorted(cache.layouts.items()))
    yield b"}"


#: A main file read and parsed before the run asked for it (`preload`):
#: (path, the `now_ns` it was checked against, its stat, what it holds).
_preloaded: list[tuple[str, int, tuple[int, ...], CacheData]] = []


def preload(path: str, now_ns: int) -> None:
    """Read and parse a main file ahead of its `Store.load`, with the same checks and
    the same `now_ns` (the walk's start), while a child walks a big tree (cache.tree):
    the two take about as long. Anything odd and nothing is kept: the load then reads
    the file itself and says what is wrong with it. The cyclic collector is off
    meanwhile, as for the run (check_command): at 100,000 pages its passes over the
    objects a parse makes doubled the time."""
    if _preloaded and _preloaded[0][0] == path and _preloaded[0][1] <= now_ns:
        try:
            if _stat_id(os.stat(path)) == _preloaded[0][2]:
                return  # parsed already (by `finops-lint server`, before it forked this run)
        except (OSError, ValueError):
            pass
    try:
        with collector_off():
            before = os.stat(path)
            raw = read_bytes(path, MAX_CACHE_FILE_BYTES)
            after = os.stat(path)
            if _stat_id(before) != _stat_id(after):
                return  # written meanwhile
            data = parse(raw, now_ns)
    except (OSError, ValueError, RecursionError):
        return
    _preloaded[:] = [(path, now_ns, _stat_id(after), data)]


def _take_preloaded(path: str, now_ns: int) -> CacheData | None:
    """The preloaded main file, if it is this path, checked against this time or an
    earlier one (a file valid then is valid now: the checks only bound times from
    above), and the file is still the one read (a save since replaces it: another
    inode)."""
    if not _preloaded:
        return None
    was, checked_at, stat_id, data = _preloaded.pop()
    if was != path or checked_at > now_ns:
        return None
    try:
        same = _stat_id(os.stat(path)) == stat_id
    except (OSError, ValueError):
        return None
    return data if same else None


def _stat_id_of(path: Path) -> tuple[int, ...] | None:
    try:
        return _stat_id(os.stat(path))
    except (OSError, ValueError):
        return None


def _stat_id(st: os.stat_result) -> tuple[int, ...]:
    # ctime too: no one can set it (a file given the size and mtime of another cannot)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


#: Runs `work(notice)` in another process and gives what waits for it (True: work
#: returned True; its notices then go to the second argument), or None: no process.
Beside = Callable[
    [Callable[[Callable[[str], None]], bool], Callable[[str], None]], Callable[[], bool] | None
]


@dataclass
class Elsewhere:
    """Findings files another process writes while this one writes the rest
    (`Store.save`): at 10,000 pages the save was half a second on one CPU."""

    shards: Iterable[tuple[int, bytes]]
    beside: Beside


class Store:
    """Where the cache lives; every failure turns it off for the run, never the run itself."""

    def __init__(self, folder: Path, name: str, notice: Callable[[str], None]) -> None:
        self.folder = folder
        self.path = folder / name
        self._stem = name.rsplit(".", 1)[0]
        self.lock_path = folder / (self._stem + ".lock")
        self.delta_path = folder / (self._stem + ".delta.json")
        self._notify = notice
        self._noticed = False
        #: the main and delta files' stats (`_stat_id`; None: missing) when `load` read
        #: them and they did not change meanwhile; None otherwise
        self.loaded: tuple[tuple[int, ...] | None, tuple[int, ...] | None] | None = None

    def shard_path(self, n: int, count: int) -> Path:
        """Findings file n of `count` (the name before there was a count for 64)."""
        if count == MAX_SHARDS:
            return self.folder / f"{self._stem}.p{n:02d}.json"
        return self.folder / f"{self._stem}.s{count}.p{n:02d}.json"

    def notice(self, message: str) -> None:
        """At most one notice per run: the cache is a convenience, not news."""
        if not self._noticed:
            self._noticed = True
            self._notify(message)

    def read(self, path: Path) -> bytes | None:
        """A cache file's bytes, or None (missing, too large, unreadable: one notice)."""
        try:
            return read_bytes(path, MAX_CACHE_FILE_BYTES)
        except FileNotFoundError:
            return None
        except FileTooLargeError:
            self.notice(f"result cache {path} is too large; not read (rebuilt)")
            return None
        except OSError as exc:
            if exc.errno in (errno.ENOTDIR, errno.ENOENT):
                return None
            self.notice(f"result cache {path} not read ({describe(exc)}); rebuilt")
            return None

    def invalid(self, path: Path, exc: Exception) -> None:
        # Corrupt, truncated, another version's or tampered with: start afresh.
        why = str(exc) if isinstance(exc, CacheInvalid) else "not valid JSON"
        self.notice(f"result cache {path} ignored ({why}); rebuilt")

    def load(self, key: str, now_ns: int) -> CacheData | None:
        """The main file, with its delta file applied (cache.delta), if it is there,
        valid and for this key; None otherwise. A delta that is not valid is ignored
        (the main file alone is an older record, not a wrong one)."""
        before = self._ids()
        data = self._load(key, now_ns)
        self.loaded = before if before[0] is not None and self._ids() == before else None
        return data

    def _ids(self) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None]:
        return _stat_id_of(self.path), _stat_id_of(self.delta_path)

    def unchanged(self, ids: tuple[tuple[int, ...] | None, tuple[int, ...] | None] | None) -> bool:
        """The main and delta files are the ones `load` read when it gave `ids`."""
        return ids is not None and self._ids() == ids

    def _load(self, key: str, now_ns: int) -> CacheData | None:
        data = _take_preloaded(str(self.path), now_ns)
        if data is None:
            raw = self.read(self.path)
            if raw is None:
                return None
            try:
                data = parse(raw, now_ns)
            except (ValueError, RecursionError) as exc:
                self.invalid(self.path, exc)
                return None
        if data.key != key:
            return None
        raw = self.read(self.delta_path)
        if raw is not None:
            from finops_lint.cache.delta import apply

            try:  # validates the whole delta before it changes anything
                data.applied = apply(data, raw, now_ns)
            except (ValueError, RecursionError) as exc:
                self.invalid(self.delta_path, exc)
        return data

    def save(
        self,
        cache: CacheData | None,
        shards: Iterable[tuple[int, bytes]],
        delta: bytes | None = None,
        *,
        count: int = MAX_SHARDS,
        stale: int = 0,
        elsewhere: Elsewhere | None = None,
    ) -> None:
        """Write the findings files given, then the main file or, instead, its `delta`
        (each whole: temporary file + rename), if no other run is writing. A main file
        written makes the delta file of the one before it useless: it is removed. Each
        findings file is written as it comes (a whole-site run at 100,000 pages would
        otherwise hold them all, about 200 MB); one that is too large stops the save
        before the main file, which then still records the previous run (a findings
        entry is used only for the file state the main file records, so the ones
        written are never read wrongly). `count`: how many findings files there are;
        `stale`: a count whose files the main file written makes useless (0: none),
        removed after it; `elsewhere`: more findings files, written by another process
        meanwhile (by this one when that fails), before the main file."""
        pending = iter(shards)
        first = next(pending, None)
        if first is None and cache is None and delta is None and elsewhere is None:
            return
        try:
            with self._locked() as locked:
                if locked:
                    shards = itertools.chain([first] if first else [], pending)
                    self._write_all(cache, shards, delta, count, stale, elsewhere)
        except OSError as exc:
            if not _read_only(exc):
                self.notice(f"result cache not written ({describe(exc)})")

    def _write_all(
        self,
        cache: CacheData | None,
        shards: Iterable[tuple[int, bytes]],
        delta: bytes | None,
        count: int,
        stale: int,
        elsewhere: Elsewhere | None,
    ) -> None:
        """`save`'s writing, the lock held. Not synced (`_write`): a cache a crash loses
        or cuts short is read as invalid or stale, and each entry is checked against
        the file it is for."""
        join = None if elsewhere is None else self._write_beside(elsewhere, count)
        held: list[bytes] | None = None  # the main file, made while the other process writes
        try:
            wrote = self._write_shards(shards, count)
            if wrote and cache is not None and join is not None:
                try:
                    held = list(self._bounded(dump_chunks(cache)))
                except _TooLarge:
                    wrote = False
        finally:  # (whatever happened here, the other process is waited for)
            theirs = join is not None and join()
        if not wrote:
            return
        if elsewhere is not None and not theirs and not self._write_shards(elsewhere.shards, count):
            return
        if cache is not None:
            try:
                _write(self.path, held if held is not None else self._bounded(dump_chunks(cache)))
            except _TooLarge:
                return
            with contextlib.suppress(OSError):  # one left is never read: its base is gone
                os.unlink(self.delta_path)
            if stale and stale != count:
                self._remove_shards(stale)
        elif delta is not None:
            if not self._small_enough(len(delta)):
                return
            _write(self.delta_path, delta)
        self._remove_old_versions()

    def _write_shards(self, shards: Iterable[tuple[int, bytes]], count: int) -> bool:
        """Each findings file as it comes; False when one is too large (not written)."""
        for n, raw in shards:
            if not self._small_enough(len(raw)):
                return False
            _write(self.shard_path(n, count), raw)
        return True

    def _write_beside(self, elsewhere: Elsewhere, count: int) -> Callable[[], bool] | None:
        """Start the other process writing `elsewhere.shards`; None when none could."""

        def work(notice: Callable[[str], None]) -> bool:
            self._notify = notice  # (in that process: its notices come back here)
            return self._write_shards(elsewhere.shards, count)

        return elsewhere.beside(work, self.notice)

    def _bounded(self, chunks: Iterator[bytes]) -> Iterator[bytes]:
        """The chunks, until they pass the size bound: then _TooLarge (and a notice)."""
        total = 0
        for chunk in chunks:
            total += len(chunk)
            if not self._small_enough(total):
                raise _TooLarge
            yield chunk

    def _small_enough(self, size: int) -> bool:
        if size <= MAX_CACHE_FILE_BYTES:
            return True
        self.notice(
            f"result cache would be larger than {MAX_CACHE_FILE_BYTES // (1024 * 1024)} MB; "
            "not written"
        )
        return False

    def _remove_shards(self, count: int) -> None:
        """The findings files of another count: no main file names them any more."""
        for n in range(count):
            with contextlib.suppress(OSError):  # our own folder: unlink never follows a symlink
                os.unlink(self.shard_path(n, count))

    def _remove_old_versions(self) -> None:
        """The previous formats' files (megabytes at 10,000 pages) are of no use any more:
        v2's one file, v3's main file, its 64 findings files and its lock."""
        old2 = self._stem.replace("check-v4", "check-v2", 1)
        old3 = self._stem.replace("check-v4", "check-v3", 1)
        if old3 == self._stem:
            return
        # Our own folder: unlink never follows a symlink. v3 wrote its findings files
        # before its main file, so without the main file there is nothing more to do
        # (every save comes here: 67 failing unlinks each time otherwise).
        with contextlib.suppress(OSError):
            os.unlink(self.folder / f"{old2}.json")
        try:
            os.unlink(self.folder / f"{old3}.json")
        except OSError:
            return
        for name in [f"{old3}.lock"] + [f"{old3}.p{n:02d}.json" for n in range(MAX_SHARDS)]:
            with contextlib.suppress(OSError):
                os.unlink(self.folder / name)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[bool]:
        """An exclusive lock on the side file; False when another run holds it."""
        import fcntl

        make_cache_folder(str(self.folder))
        if os.path.islink(self.folder) or not os.path.isdir(self.folder):
            raise OSError(errno.ENOTDIR, "not a folder (a symlink?)")
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        fd = os.open(self.lock_path, flags, 0o644)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(errno.EINVAL, "lock is not a regular file")
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False  # another run is writing: its cache is as good as ours
                return
            try:
                yield True
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _write(path: Path, data: bytes | Iterable[bytes]) -> None:
    """A cache file written whole (a temporary file renamed over it, never through a
    symlink) and not synced to the disk: the fsync of every file was most of the
    save's waiting on a slow disk, for files that are only a cache. After a crash a
    file may be empty, cut short or the one before: the reader drops an invalid file
    with one notice, and uses a findings entry only for the file state the main file
    records (as `replay` does for its record, also unsynced)."""
    write_atomic(path, data, follow_symlinks=False, sync=False)


def _read_only(exc: OSError) -> bool:
    return exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)


def now_ns() -> int:
    return time.time_ns()
