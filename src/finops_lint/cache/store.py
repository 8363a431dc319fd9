"""The result cache's file: JSON read back with validation, written atomically under a lock.

Format (``<cache dir>/check-v2.json``, or ``check-v2-<root digest>.json`` in a
folder given with ``--cache-dir`` or ``FINOPS_LINT_CACHE_DIR``)::

    {"format": "finops-lint-check-cache", "version": 1,
     "key": "<hex>",             # tool, Python, config, rules: any change empties it
     "written_ns": 1767225600000000000,
     "files": {"_pages/a.md": [size, mtime_ns, inode, "blake2b hex" or "", racy]},
     "site": true,               # "files" lists the whole tree (site rules may reuse)
     "problems": [["_config.yml", 3, "message"]],   # the Site's own problems
     "pages": {"_pages/a.md": {"codes": ["LK001"], "site": true, "findings": [[...]]}},
     "facts": {"_pages/a.md": [true, [2, true, ["m", [...]]]]}}   # see facts.py

A page's ``codes`` are the rules that looked beyond the page (their findings are
reused only while the site is unchanged); ``site`` says those findings were made
with the tree as ``files`` records it.

Never pickle: a cache file is data from the repository's folder, so everything
read back is checked (types, ranges, paths inside the site) and anything odd
drops the whole file (one notice; the run goes on without it and writes a new
one). ``racy`` marks an entry whose mtime was within two seconds of the moment
it was read: the stat alone cannot vouch for it, its content hash must (git's
"racy clean" rule).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import stat
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finops_lint.safe_io import FileTooLargeError, describe, read_bytes, write_atomic

FORMAT = "finops-lint-check-cache"
VERSION = 2
#: Largest cache file read or written; a bigger one is not written (the run says so).
MAX_CACHE_FILE_BYTES = 64 * 1024 * 1024
#: An mtime this close to the moment of reading cannot vouch for the content.
RACY_NS = 2_000_000_000
#: How far in the future a cache may claim to have been written (clock steps).
_CLOCK_SLACK_NS = 60_000_000_000

Sig = tuple[int, int, int, str, bool]  # size, mtime_ns, inode, content hash ("" unknown), racy
_CODE = re.compile(r"^[A-Z]{2}[0-9]{3}$")
_HASH = re.compile(r"^(?:[0-9a-f]{32})?$")
_SEVERITIES = frozenset({"error", "warning", "info"})


class CacheInvalid(ValueError):
    """The cache file is not one this version wrote, or was tampered with."""


@dataclass
class CacheData:
    key: str = ""
    written_ns: int = 0
    files: dict[str, Sig] = field(default_factory=dict)
    site: bool = False
    problems: list[tuple[str, int, str]] = field(default_factory=list)
    #: rel -> (site-dependent codes, made with the tree as recorded, finding rows)
    pages: dict[str, tuple[list[str], bool, list[list[Any]]]] = field(default_factory=dict)
    #: what the Site learnt of each file (cache.facts.Facts)
    facts: dict[str, Any] = field(default_factory=dict)


def safe_rel(path: Any) -> bool:
    """A posix path relative to the site root that stays inside it."""
    if not isinstance(path, str) or not path or "\x00" in path or "\\" in path:
        return False
    if path.startswith("/") or path.endswith("/"):
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


def _int(value: Any, low: int = 0, high: int | None = None) -> int:
    if type(value) is not int or value < low or (high is not None and value > high):
        raise CacheInvalid(f"bad number {value!r}")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise CacheInvalid(f"bad text {value!r}")
    return value


def _opt_int(value: Any) -> int | None:
    return None if value is None else _int(value, 1)


def _finding(row: Any) -> list[Any]:
    """[line, column, code, rule, severity, message, end_line, end_column, related, fix]"""
    if not isinstance(row, list) or len(row) != 10:
        raise CacheInvalid("bad finding")
    line, column, code, rule, severity, message, end_line, end_column, related, fix = row
    _int(line, 1)
    _int(column, 1)
    if not isinstance(code, str) or not _CODE.match(code):
        raise CacheInvalid("bad code")
    _str(rule)
    if severity not in _SEVERITIES:
        raise CacheInvalid("bad severity")
    _str(message)
    _opt_int(end_line)
    _opt_int(end_column)
    if not isinstance(related, list):
        raise CacheInvalid("bad related")
    for item in related:
        if not isinstance(item, list) or len(item) != 4 or not safe_rel(item[0]):
            raise CacheInvalid("bad related")
        _int(item[1], 1)
        _int(item[2], 1)
        _str(item[3])
    if fix is not None:
        if not isinstance(fix, list) or len(fix) != 6:
            raise CacheInvalid("bad fix")
        _str(fix[0])
        for n in fix[1:5]:
            _int(n, 1)
        _str(fix[5])
    return row


def parse(raw: bytes, now_ns: int) -> CacheData:
    """The cache in raw, validated; raises CacheInvalid (or ValueError) on anything odd."""

    def no_constants(name: str) -> Any:
        raise CacheInvalid(f"{name} in the cache")

    data = json.loads(raw.decode("utf-8"), parse_constant=no_constants)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CacheInvalid("not a finops-lint cache")
    if data.get("version") != VERSION:
        raise CacheInvalid(f"cache version {data.get('version')!r}")
    out = CacheData(key=_str(data.get("key")))
    out.written_ns = _int(data.get("written_ns"), 1, now_ns + _CLOCK_SLACK_NS)
    files = data.get("files")
    if not isinstance(files, dict):
        raise CacheInvalid("bad files")
    for rel, sig in files.items():
        if not safe_rel(rel) or not isinstance(sig, list) or len(sig) != 5:
            raise CacheInvalid("bad file entry")
        size, mtime, inode = _int(sig[0]), _int(sig[1], 0, out.written_ns), _int(sig[2])
        digest = _str(sig[3])
        if not _HASH.match(digest) or not isinstance(sig[4], bool):
            raise CacheInvalid("bad file entry")
        if sig[4] and not digest:
            raise CacheInvalid("racy entry without a hash")
        out.files[rel] = (size, mtime, inode, digest, sig[4])
    site = data.get("site")
    if not isinstance(site, bool):
        raise CacheInvalid("bad site flag")
    out.site = site
    problems = data.get("problems")
    if not isinstance(problems, list):
        raise CacheInvalid("bad problems")
    for item in problems:
        if not isinstance(item, list) or len(item) != 3:
            raise CacheInvalid("bad problem")
        out.problems.append((_str(item[0]), _int(item[1], 0), _str(item[2])))
    pages = data.get("pages")
    if not isinstance(pages, dict):
        raise CacheInvalid("bad pages")
    for rel, entry in pages.items():
        if not safe_rel(rel) or rel not in out.files or not isinstance(entry, dict):
            raise CacheInvalid("bad page entry")
        codes, findings, fresh = entry.get("codes"), entry.get("findings"), entry.get("site")
        if not isinstance(codes, list) or not isinstance(findings, list):
            raise CacheInvalid("bad page entry")
        if not isinstance(fresh, bool):
            raise CacheInvalid("bad page entry")
        for code in codes:
            if not isinstance(code, str) or not _CODE.match(code):
                raise CacheInvalid("bad code")
        out.pages[rel] = (codes, fresh, [_finding(row) for row in findings])
    from finops_lint.cache.facts import parse_facts

    out.facts = parse_facts(data.get("facts"), out.files)
    return out


def dump(cache: CacheData) -> bytes:
    from finops_lint.cache.facts import dump_facts

    data = {
        "format": FORMAT,
        "version": VERSION,
        "key": cache.key,
        "written_ns": cache.written_ns,
        "files": {rel: list(sig) for rel, sig in sorted(cache.files.items())},
        "site": cache.site,
        "problems": [list(p) for p in cache.problems],
        "pages": {
            rel: {"codes": codes, "site": fresh, "findings": findings}
            for rel, (codes, fresh, findings) in sorted(cache.pages.items())
        },
        "facts": dump_facts(cache.facts),
    }
    return json.dumps(data, separators=(",", ":"), allow_nan=False).encode("utf-8")


class Store:
    """Where the cache lives; every failure turns it off for the run, never the run itself."""

    def __init__(self, folder: Path, name: str, notice: Callable[[str], None]) -> None:
        self.folder = folder
        self.path = folder / name
        self.lock_path = folder / (name.rsplit(".", 1)[0] + ".lock")
        self._notify = notice
        self._noticed = False

    def notice(self, message: str) -> None:
        """At most one notice per run: the cache is a convenience, not news."""
        if not self._noticed:
            self._noticed = True
            self._notify(message)

    def load(self, key: str, now_ns: int) -> CacheData | None:
        """The cache if it is there, valid and for this key; None otherwise."""
        try:
            raw = read_bytes(self.path, MAX_CACHE_FILE_BYTES)
        except FileNotFoundError:
            return None
        except FileTooLargeError:
            self.notice(f"result cache {self.path} is too large; not read (rebuilt)")
            return None
        except OSError as exc:
            if exc.errno in (errno.ENOTDIR, errno.ENOENT):
                return None
            self.notice(f"result cache {self.path} not read ({describe(exc)}); rebuilt")
            return None
        try:
            data = parse(raw, now_ns)
        except (ValueError, RecursionError) as exc:
            # Corrupt, truncated, another version's or tampered with: start afresh.
            why = str(exc) if isinstance(exc, CacheInvalid) else "not valid JSON"
            self.notice(f"result cache {self.path} ignored ({why}); rebuilt")
            return None
        return data if data.key == key else None

    def save(self, cache: CacheData) -> None:
        """Write the cache whole (temporary file + rename) if no other run is writing it."""
        payload = dump(cache)
        if len(payload) > MAX_CACHE_FILE_BYTES:
            self.notice(
                f"result cache would be larger than {MAX_CACHE_FILE_BYTES // (1024 * 1024)} MB; "
                "not written"
            )
            return
        try:
            with self._locked() as locked:
                if locked:
                    write_atomic(self.path, payload, follow_symlinks=False)
        except OSError as exc:
            if not _read_only(exc):
                self.notice(f"result cache not written ({describe(exc)})")

    @contextlib.contextmanager
    def _locked(self) -> Iterator[bool]:
        """An exclusive lock on the side file; False when another run holds it."""
        import fcntl

        try:
            os.mkdir(self.folder, 0o755)
        except FileExistsError:
            pass
        else:  # as pytest and ruff do: git never sees the cache, even with `git add -A`
            with contextlib.suppress(OSError):
                write_atomic(self.folder / ".gitignore", b"# Created by finops-lint.\n*\n")
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


def _read_only(exc: OSError) -> bool:
    return exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM)


def now_ns() -> int:
    return time.time_ns()
