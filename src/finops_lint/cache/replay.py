"""Replaying a check of an unchanged tree: the last report, without redoing the work.

`finops-lint check [--offline] PATH...` (the call a terminal, pre-commit and most
CI jobs make) records, in the cache folder, what it printed and its exit code
under a digest of everything that decided them:

* the call: its arguments, the working folder, the environment variables the
  run reads (`FINOPS_LINT_*`, `NO_COLOR`, `FORCE_COLOR`, `TZ`), whether stdout
  and stderr are terminals and their encodings, the CPUs it may use, the UTC
  date (a dated permalink without a date takes today's);
* the tool: its version, Python's, the size and mtime of each of its files;
* the files looked for at and above the first path (`filenames.LOOKED_UP`: what
  finds the site root, the config and the baseline), there or not;
* the files the run read outside the site (a config it extends, schemas);
* every file of the site tree (`cache.tree.walk_tree`), by size, mtime and
  inode, and the content of those changed too recently for their stat to vouch
  for them (racy, as in the result cache).

The next such call works the digest out again before the rest of the tool is
imported; when it is the recorded one, the record is printed and the run ends
with its exit code. Anything else (a changed file, another option, a missing
or odd record) runs the check, which records its own report. A run the result
cache would not use (external links, `--no-cache`, a read-only tree) is never
recorded. Same trust as the result cache: what decides a finding is in the
digest, and a record that is not exactly as written is ignored.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import marshal
import os
import sys
import time
from collections.abc import Sequence

from finops_lint import __version__
from finops_lint.cache.tree import (
    CACHE_FOLDER,
    MAIN_FILE,
    RACY_NS,
    Sig,
    Walk,
    cache_disabled_by_env,
    make_cache_folder,
    read_only_folder,
    safe_rel,
    stat_sig,
    tool_state,
)
from finops_lint.filenames import LOOKED_UP
from finops_lint.roots import real_path, site_root, up_from
from finops_lint.safe_io import MAX_PAGE_BYTES, blake2b, content_hash, read_bytes, write_atomic
from finops_lint.streams import encoded

# typing is not imported at run time: a replayed run loads as little as it can
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

FORMAT = "finops-lint-replay"
VERSION = 1
RECORD = "check-v4.replay"
#: More racy files than this (a fresh checkout): not recorded, rather than hashing them all.
MAX_RACY = 256
#: A larger report is not recorded (the text report of 100,000 pages is 24 MB).
MAX_OUTPUT_BYTES = 64 * 1024 * 1024
#: Environment variables that change neither findings nor report.
_NOT_READ = frozenset({"FINOPS_LINT_TIMING", "FINOPS_LINT_FAST_EXIT"})


def plain_form(argv: Sequence[str]) -> tuple[list[str], set[str]] | None:
    """`check [--offline] [--staged] [--] PATH...` as (paths, flags); None for any
    other call (it goes through the full command line)."""
    if not argv or argv[0] != "check":
        return None
    rest = list(argv[1:])
    flags = set()
    while rest and rest[0] in ("--offline", "--staged"):
        flags.add(rest.pop(0))
    if rest and rest[0] == "--":
        rest.pop(0)
    elif any(a.startswith("-") for a in rest):
        return None
    return rest, flags


def disabled() -> bool:
    """Replays turned off: no result cache, or another cache folder (FINOPS_LINT_REPLAY=0
    turns off only the replays)."""
    env = os.environ
    return (
        cache_disabled_by_env()
        or bool(env.get("FINOPS_LINT_CACHE_DIR"))
        or env.get("FINOPS_LINT_REPLAY") == "0"
    )


class Prepared:
    """The state of a call before its run: what a replay compares and a record keeps."""

    __slots__ = (
        "_call",
        "_candidate",
        "_probes",
        "_racy",
        "_tree_digest",
        "path",
        "root",
        "walk",
    )

    def __init__(
        self,
        root: str,
        argv: Sequence[str],
        cwd: str,
        first: str,
        *,
        background: bool = False,
        also: Callable[[str], Any] | None = None,
        walked: Walk | None = None,
    ) -> None:
        self.root = root
        self.path = os.path.join(root, CACHE_FOLDER, RECORD)
        self._call = _call(argv, cwd)
        self._probes = _probes(cwd, first)
        #: the record, when all but the tree says it is this state's
        self._candidate = self._candidate_record()
        # A record that may be replayed wants the walk at once (here: a child costs
        # more than it saves); otherwise a big tree is walked by a child meanwhile.
        self.walk = (
            walked
            if walked is not None
            else Walk(root, background=background and self._candidate is None, also=also)
        )
        self._racy: dict[str, str] | bool | None = False  # False: not worked out yet
        self._tree_digest: str | None = None

    @property
    def main_file(self) -> str:
        """The result cache's main file for this site (the run's default cache folder)."""
        return os.path.join(self.root, CACHE_FOLDER, MAIN_FILE)

    @property
    def racy(self) -> dict[str, str] | None:
        """The content hashes of the files too recent for their stat; None: not recordable."""
        if self._racy is False:
            self._racy = _racy(self.root, self.walk.files, self.walk.started_ns)
        return self._racy  # type: ignore[return-value]

    def call_digest(self, outside: dict[str, Sig | None]) -> str:
        """The call, the files looked up and those read outside the site."""
        return _digest([self._call, self._probes, sorted(outside.items())])

    def tree_digest(self) -> str:
        """Every file of the site tree (in the order of the walk: a folder listed in
        another order is a miss, never a wrong match)."""
        if self._tree_digest is None:
            self._tree_digest = digest_tree(self.walk.files)
        return self._tree_digest

    def known_tree_digest(self, walk: Walk, digest: str) -> None:
        """`digest_tree` of `walk`'s files, worked out before (`finops-lint server`), if
        `walk` is this call's tree."""
        if walk is self.walk:
            self._tree_digest = digest

    def replay(self) -> tuple[int, bytes, bytes] | None:
        """The recorded exit code, stdout and stderr, if the record is for this state."""
        if self._candidate is None:
            return None
        tree, code, out, err = self._candidate
        if self.tree_digest() != tree:
            self._candidate = None  # not held through the run (24 MB at 100,000 pages)
            return None
        return code, out, err

    def _candidate_record(self) -> tuple[str, int, bytes, bytes] | None:
        """(tree digest, code, stdout, stderr) of the record, when the call, the files
        looked up and read outside the site, and the content of the files it recorded
        as racy are this state's: only the tree (walked next) can tell it is not."""
        try:
            raw = read_bytes(self.path, MAX_OUTPUT_BYTES * 2 + 65536)
        except OSError:
            return None
        try:
            return self._matching(raw)
        except (ValueError, TypeError, KeyError, RecursionError):
            return None  # not a record as written: the run records a new one

    def _matching(self, raw: bytes) -> tuple[str, int, bytes, bytes] | None:
        head, sep, body = raw.partition(b"\n")
        if not sep:
            return None
        meta = json.loads(head.decode("utf-8"), parse_constant=_refuse)
        if type(meta) is not dict or meta.get("format") != FORMAT:
            return None
        if meta.get("version") != VERSION:
            return None
        code, call, tree, content = meta["code"], meta["call"], meta["tree"], meta["content"]
        out_len, err_len = meta["out"], meta["err"]
        racy_rels, outside_paths = meta["racy"], meta["outside"]
        if type(code) is not int or code not in (0, 1):
            return None
        if type(call) is not str or type(tree) is not str or type(content) is not str:
            return None
        if type(out_len) is not int or type(err_len) is not int:
            return None
        if out_len < 0 or err_len < 0 or out_len + err_len != len(body):
            return None  # truncated, or more than was written
        if type(racy_rels) is not list or type(outside_paths) is not list:
            return None
        if not all(type(r) is str and safe_rel(r) for r in racy_rels):
            return None
        if not all(type(p) is str and os.path.isabs(p) for p in outside_paths):
            return None
        if self.call_digest({p: stat_sig(p) for p in outside_paths}) != call:
            return None  # another call: the tree is not even walked for it
        racy: list[tuple[str, str]] = []
        for rel in racy_rels:
            found = file_hash(self.root, rel)
            if found is None:
                return None
            racy.append((rel, found))
        if _digest(sorted(racy)) != content:
            return None  # a page edited since (it is usually racy): the tree is not walked
        return tree, code, body[:out_len], body[out_len:]

    def record(self, code: int, out: Sequence[str], err: str, outside_paths: list[str]) -> None:
        """Keep this run's report (`out`: its stdout, in pieces) for the next call on the
        same state; nothing when a file the run read or looked for outside the site
        changed during it (or just before: its stat cannot vouch for it), or too many
        files were racy. The report is encoded a slice at a time, twice (its length
        first): at 100,000 pages it is 24 MB, at the end of a run that holds the most."""
        if self.racy is None or code not in (0, 1):
            return
        out_len = sum(len(chunk) for chunk in encoded(out, "surrogatepass"))
        err_b = err.encode("utf-8", "surrogatepass")
        if out_len + len(err_b) > MAX_OUTPUT_BYTES:
            return
        inside = self.root.rstrip(os.sep) + os.sep  # the tree has those
        paths = sorted({p for p in map(os.path.abspath, outside_paths) if not p.startswith(inside)})
        outside = {p: stat_sig(p) for p in paths}
        settled = self.walk.started_ns - RACY_NS
        if any(sig is not None and sig[1] >= settled for sig in outside.values()):
            return
        if any(
            state is not None and not path.startswith(inside) and max(state[2::4]) >= settled
            for path, state in self._probes
        ):
            return  # a config or baseline above the site, changed too recently
        if self.walk.moved_since():
            return  # what the run read may not be the tree walked before it
        meta = {
            "format": FORMAT,
            "version": VERSION,
            "code": code,
            "out": out_len,
            "err": len(err_b),
            "racy": sorted(self.racy),
            "outside": paths,
            "call": self.call_digest(outside),
            "content": _digest(sorted(self.racy.items())),
            "tree": self.tree_digest(),
        }
        head = json.dumps(meta, ensure_ascii=True).encode("ascii")
        with contextlib.suppress(OSError):  # a full disk, no folder: the next run runs
            # not synced: a record lost or cut short by a crash is one that is not replayed
            chunks = [[head, b"\n"], encoded(out, "surrogatepass"), [err_b]]
            write_atomic(self.path, itertools.chain(*chunks), follow_symlinks=False, sync=False)


def prepare(
    argv: Sequence[str],
    also: Callable[[str], Any] | None = None,
    *,
    background: bool = True,
    walked: Walk | None = None,
) -> Prepared | None:
    """The state of a plain `check` call whose report can be replayed or recorded.
    `also`: what a child that walks a big tree does next (`Walk`); `background`: False,
    the tree is never walked by a child; `walked`: the tree as walked for this call
    already (used when it is this call's site)."""
    form = plain_form(argv)
    if form is None or "--staged" in form[1] or disabled():
        return None  # --staged asks git: not a state of the tree
    paths = form[0]
    try:
        cwd = os.getcwd()
        first = paths[0] if paths else "."
        root = site_root(first, cwd, None)
        inside = root.rstrip(os.sep) + os.sep
        for path in paths:  # a file outside the site is not in its tree
            real = real_path(os.path.join(cwd, path))
            if real != root and not real.startswith(inside):
                return None
        folder = os.path.join(root, CACHE_FOLDER)
        if read_only_folder(root) or os.path.islink(folder):
            return None
        # made before the walk, not by the run's save: the root folder's mtime then
        # changes only when a page is added, removed or renamed (see record)
        make_cache_folder(folder)
        big = background and _big_tree(folder)
        given = walked if walked is not None and walked.root == root else None
        return Prepared(root, argv, cwd, first, background=big, also=also, walked=given)
    except (OSError, ValueError):
        return None


#: A main cache file this large (about 1,500 pages) marks a tree worth walking in a
#: child while the check loads (`Walk`): below it, the walk takes less than the fork.
BACKGROUND_WALK_BYTES = 2 * 1024 * 1024


def _big_tree(folder: str) -> bool:
    """The last run recorded a big tree (the size of its main cache file says so).
    FINOPS_LINT_BACKGROUND_WALK=1 or 0 decides instead (tests, benchmarks)."""
    forced = os.environ.get("FINOPS_LINT_BACKGROUND_WALK")
    if forced in ("0", "1"):
        return forced == "1"
    try:
        return os.stat(os.path.join(folder, MAIN_FILE)).st_size >= BACKGROUND_WALK_BYTES
    except (OSError, ValueError):
        return False


def _call(argv: Sequence[str], cwd: str) -> bytes:
    h = blake2b(digest_size=16)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    env = sorted(
        (k, v)
        for k, v in os.environ.items()
        if (k.startswith("FINOPS_LINT_") and k not in _NOT_READ)
        or k in ("NO_COLOR", "FORCE_COLOR", "TZ")
    )
    streams = [
        (s.isatty(), getattr(s, "encoding", None), getattr(s, "errors", None))
        for s in (sys.stdout, sys.stderr)
    ]
    today = time.strftime("%Y-%m-%d", time.gmtime())
    facts = (FORMAT, VERSION, __version__, sys.version, sys.executable, sys.flags, cwd, list(argv))
    h.update(repr((facts, cpus, env, streams, today)).encode("utf-8", "surrogatepass"))
    h.update(tool_state())
    return h.digest()


def _probes(cwd: str, first: str) -> list[tuple[str, tuple[int, ...] | None]]:
    """The state of each name looked for at and above the first path: by its real
    place (the site root, the config) and as spelt (the baseline)."""
    spelt = os.path.join(cwd, first)
    folders = up_from(real_path(spelt).rstrip(os.sep) or os.sep)
    folders += up_from(spelt.rstrip(os.sep) or os.sep)
    out: list[tuple[str, tuple[int, ...] | None]] = []
    for folder in dict.fromkeys(folders):
        for name in LOOKED_UP:
            path = os.path.join(folder, name)
            try:
                st = os.lstat(path)
            except (OSError, ValueError):
                out.append((path, None))
                continue
            state: tuple[int, ...] = (st.st_mode, st.st_size, st.st_mtime_ns, st.st_ino)
            try:
                target = os.stat(path)
                state += (target.st_mode, target.st_size, target.st_mtime_ns, target.st_ino)
            except (OSError, ValueError):
                pass
            out.append((path, state))
    return out


def _racy(root: str, tree: dict[str, Sig], started_ns: int) -> dict[str, str] | None:
    settled = started_ns - RACY_NS
    racy = [rel for rel, sig in tree.items() if sig[1] >= settled]
    if len(racy) > MAX_RACY or any(tree[rel][1] > started_ns for rel in racy):
        return None  # a fresh checkout, or a clock in the future
    out: dict[str, str] = {}
    for rel in racy:
        found = file_hash(root, rel)
        if found is None:
            return None
        out[rel] = found
    return out


def file_hash(root: str, rel: str) -> str | None:
    """The content hash of a file of the tree (None: unreadable or too large)."""
    try:
        return content_hash(read_bytes(os.path.join(root, rel), MAX_PAGE_BYTES))
    except OSError:
        return None


def digest_tree(files: dict[str, Sig]) -> str:
    """The digest of a tree's files, in the order of the walk."""
    return _digest([list(files.items())])


def _digest(values: Any) -> str:
    # marshal version 2 has no back-references: the same values, the same bytes
    return blake2b(marshal.dumps(values, 2), digest_size=16).hexdigest()


def _refuse(name: str) -> None:
    raise ValueError(f"{name} in a replay record")
