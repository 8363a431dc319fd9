"""The site tree kept up to date from the kernel's change events (Linux inotify), so a
check the server forks need not stat every file of a 100,000-page site.

The server walks the tree once, as `cache.tree.walk_tree` does, with a watch on
every folder, and from then on stats again only the files the kernel says were
written, created, removed, moved or had their attributes changed. The kernel
queues an event while the write that causes it runs, so every write finished
before a check connected is in the queue the server reads before it forks.

Whatever the watch cannot follow and the server walks the tree again: a folder
created, removed or moved (rare in an edit; the whole tree is walked again, not
only that folder), events lost (the queue overflowed), the site root moved. A
tree with symlinks (which the walk follows out of the watched folders), no
inotify, or too few watches left: no watch at all, and each check walks the
tree as it does without a server.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import struct
import time

from finops_lint.cache.tree import NOT_TREE, Sig, Walk, safe_rel, stat_sig

IN_MODIFY = 0x2
IN_ATTRIB = 0x4
IN_CLOSE_WRITE = 0x8
IN_MOVED_FROM = 0x40
IN_MOVED_TO = 0x80
IN_CREATE = 0x100
IN_DELETE = 0x200
IN_DELETE_SELF = 0x400
IN_MOVE_SELF = 0x800
IN_Q_OVERFLOW = 0x4000
IN_IGNORED = 0x8000
IN_ONLYDIR = 0x01000000
IN_DONT_FOLLOW = 0x02000000
IN_ISDIR = 0x40000000
IN_NONBLOCK = 0o4000
IN_CLOEXEC = 0o2000000

WATCHED = (
    IN_MODIFY
    | IN_ATTRIB
    | IN_CLOSE_WRITE
    | IN_MOVED_FROM
    | IN_MOVED_TO
    | IN_CREATE
    | IN_DELETE
    | IN_DELETE_SELF
    | IN_MOVE_SELF
    | IN_ONLYDIR
    | IN_DONT_FOLLOW
)
#: What changes the folders themselves: the whole tree is walked again.
_STRUCTURE = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB
_EVENT = struct.Struct("iIII")


class Unwatchable(Exception):
    pass


class TreeWatch:
    """Every file's stat under root, as `walk_tree` gives it, kept current."""

    def __init__(self, root: str) -> None:
        self.root = root
        self._libc = ctypes.CDLL(None, use_errno=True)
        if not hasattr(self._libc, "inotify_init1"):
            raise Unwatchable("no inotify")
        self._fd = -1
        self.files: dict[str, Sig] = {}
        self._folders: dict[int, str] = {}  # watch descriptor -> folder, relative ("" root)
        self.rescans = 0
        #: every file whose entry in `files` may have changed since `mark` (added,
        #: removed or stat changed); None: not known (never marked, or walked again)
        self.dirty: set[str] | None = None
        #: what was done to `files` since `mark`, in order: (file, its stat, or None:
        #: removed). `replay` on a copy made at `mark` gives `files` as it is
        self.ops: list[tuple[str, Sig | None]] | None = None
        self._rescan()

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def snapshot(self) -> Walk:
        """The tree now, as a `Walk` (its folders stated now); Unwatchable when the
        watch cannot say (the caller then walks)."""
        started_ns = time.time_ns()
        if self._drain():
            self._rescan()
        root = self.root
        paths = [os.path.join(root, rel) if rel else root for rel in self._folders.values()]
        folders = {path: stat_sig(path) for path in paths}
        return Walk.given(self.root, self.files, folders, started_ns)

    def mark(self) -> None:
        """Start `dirty` and `ops` afresh: `files` as it is now is the tree they are
        relative to."""
        self.dirty = set()
        self.ops = []

    # ------------------------------------------------------------------ inside

    def _rescan(self) -> None:
        """Walk the whole tree again with a new watch on every folder (each watched
        before it is listed, so nothing created meanwhile is missed)."""
        self.close()
        self.rescans += 1
        self.dirty = None
        self.ops = None
        fd = self._libc.inotify_init1(IN_NONBLOCK | IN_CLOEXEC)
        if fd < 0:
            raise Unwatchable(os.strerror(ctypes.get_errno()))
        self._fd = fd
        self._folders = {}
        files: dict[str, Sig] = {}
        pending = [""]
        while pending:
            rel_folder = pending.pop()
            folder = self.root if rel_folder == "" else os.path.join(self.root, rel_folder)
            wd = self._libc.inotify_add_watch(fd, os.fsencode(folder), WATCHED)
            if wd < 0:
                code = ctypes.get_errno()
                if code in (errno.ENOENT, errno.ENOTDIR, errno.EACCES) and rel_folder:
                    continue  # gone, or not ours to read: as the walk skips it
                raise Unwatchable(os.strerror(code))
            self._folders[wd] = rel_folder
            try:
                entries = list(os.scandir(folder))
            except OSError:
                continue
            for entry in entries:
                rel = entry.name if rel_folder == "" else f"{rel_folder}/{entry.name}"
                if entry.is_symlink():
                    raise Unwatchable(f"a symlink: {rel}")
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in NOT_TREE:
                        pending.append(rel)
                    continue
                sig = stat_sig(entry.path)
                if sig is not None and safe_rel(rel):
                    files[rel] = sig
        self.files = files

    def _drain(self) -> bool:
        """Apply the queued events; True when the tree must be walked again."""
        again = False
        changed: set[str] = set()
        while True:
            try:
                raw = os.read(self._fd, 1 << 16)
            except BlockingIOError:
                break
            except OSError as exc:
                raise Unwatchable(str(exc)) from exc
            if not raw:
                break
            pos = 0
            while pos + _EVENT.size <= len(raw):
                wd, mask, _cookie, size = _EVENT.unpack_from(raw, pos)
                name = raw[pos + _EVENT.size : pos + _EVENT.size + size].rstrip(b"\0")
                pos += _EVENT.size + size
                if mask & IN_Q_OVERFLOW:
                    again = True
                    continue
                folder = self._folders.get(wd)
                if folder is None or mask & IN_IGNORED:
                    continue
                if mask & (IN_DELETE_SELF | IN_MOVE_SELF):
                    again = True
                    continue
                if not name:
                    continue
                text = os.fsdecode(name)
                rel = text if folder == "" else f"{folder}/{text}"
                if mask & IN_ISDIR:
                    if mask & _STRUCTURE and text not in NOT_TREE:
                        again = True
                    continue
                changed.add(rel)
        if again:
            return True
        if self.dirty is not None:
            self.dirty |= changed
        for rel in changed:
            sig = stat_sig(os.path.join(self.root, rel))
            if sig is None or not safe_rel(rel):
                self.files.pop(rel, None)
                if self.ops is not None:
                    self.ops.append((rel, None))
                continue
            with contextlib.suppress(OSError):
                if os.path.islink(os.path.join(self.root, rel)):
                    return True  # a symlink made since: the walk decides
                if os.path.isdir(os.path.join(self.root, rel)):
                    return True  # a folder where a file was
            self.files[rel] = sig
            if self.ops is not None:
                self.ops.append((rel, sig))
        return False


def replay_ops(files: dict[str, Sig], ops: list[tuple[str, Sig | None]]) -> None:
    """Do to `files` (a copy of `TreeWatch.files` made at its `mark`) what the watch did
    since (`TreeWatch.ops`): the same entries, in the same order."""
    for rel, sig in ops:
        if sig is None:
            files.pop(rel, None)
        else:
            files[rel] = sig
