"""The site tree as the result cache sees it: every file's stat, by site-relative path.

Standard library only, and none of it slow to import: the replay of an unchanged
run (`cache.replay`) walks the tree before anything else is loaded.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import os
import sys
import time

# typing is not imported at run time: a replayed run loads as little as it can
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

CACHE_FOLDER = ".finops-lint-cache"
#: The result cache's main file in CACHE_FOLDER (cache.store says what it holds).
MAIN_FILE = "check-v4.json"
#: Folders never part of the site tree for the cache: version control, caches, build output.
NOT_TREE = frozenset(
    {".git", ".hg", ".svn", CACHE_FOLDER, "_site", ".jekyll-cache", ".sass-cache", "node_modules"}
)

#: A file's state for the cache: size, mtime (ns), inode.
Sig = tuple[int, int, int]
#: An mtime this close to the moment of reading cannot vouch for the content.
RACY_NS = 2_000_000_000


def cache_disabled_by_env() -> bool:
    """FINOPS_LINT_NO_CACHE set (to anything but 0): no result cache, no replay."""
    return os.environ.get("FINOPS_LINT_NO_CACHE", "") not in ("", "0")


def safe_rel(path: Any) -> bool:
    """A posix path relative to the site root that stays inside it."""
    if not isinstance(path, str) or not path or "\x00" in path or "\\" in path:
        return False
    if path.startswith("/") or path.endswith("/"):
        return False
    return all(part not in ("", ".", "..") for part in path.split("/"))


def stat_sig(path: str) -> Sig | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_size, st.st_mtime_ns, st.st_ino


def walk_tree(root: Any, folders: dict[str, Sig | None] | None = None) -> dict[str, Sig]:
    """Every file under root (symlinks followed, once), by site-relative path: its stat.
    `folders` gets the stat of every folder walked (a file added, removed or renamed
    in it changes its mtime).

    Every run makes this walk, on one CPU before anything else: a folder is known
    again by its device and inode (`realpath` asked the system for every part of
    its path), a path is cut from its folder's, and a name from a listing needs no
    check but for a backslash (it holds no "/", and is never "", "." or "..")."""
    out: dict[str, Sig] = {}
    base = str(root)
    top = os.path.join(base, "")  # what os.walk puts before each folder's path under root
    seen: set[Any] = set()
    stat = os.stat
    for folder, dirs, names in os.walk(base, followlinks=True):
        try:
            st = stat(folder)
            key: Any = (st.st_dev, st.st_ino)
            sig: Sig | None = (st.st_size, st.st_mtime_ns, st.st_ino)
        except (OSError, ValueError):
            key, sig = os.path.realpath(folder), None
        if key in seen:
            dirs[:] = []
            continue
        seen.add(key)
        if folders is not None:
            folders[folder] = sig
        dirs[:] = sorted(d for d in dirs if d not in NOT_TREE)
        if folder == base:
            rel_folder = ""
        elif folder.startswith(top):
            rel_folder = folder[len(top) :].replace(os.sep, "/") + "/"
        else:  # pragma: no cover - os.walk joins every folder to root
            rel_folder = os.path.relpath(folder, base).replace(os.sep, "/") + "/"
        if "\\" in rel_folder:
            continue  # no path safe_rel allows (nor is any below it)
        inside = os.path.join(folder, "")
        for name in names:
            if "\\" in name:
                continue  # not a path safe_rel allows
            try:
                st = stat(inside + name)
            except (OSError, ValueError):
                continue
            out[rel_folder + name] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return out


def make_cache_folder(folder: str) -> None:
    """Create the cache folder, with a .gitignore in it as pytest and ruff do (git never
    sees the cache, even with `git add -A`); nothing when it exists. Raises OSError."""
    try:
        os.mkdir(folder, 0o755)
    except FileExistsError:
        return
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(os.path.join(folder, ".gitignore"), flags, 0o644)
    except OSError:
        return
    with os.fdopen(fd, "wb") as out:
        out.write(b"# Created by finops-lint.\n*\n")


def read_only_folder(path: Any) -> bool:
    """A folder no one may write to by its mode (`chmod a-w`): a read-only tree, even
    for root, who could write it anyway (a shared checkout, a CI cache mount)."""
    try:
        return os.stat(path).st_mode & 0o222 == 0
    except OSError:
        return True


class Walk:
    """The tree at one moment: every file's stat (`walk_tree`) and every folder's.

    `background`: walked by a forked child while this process goes on (it imports
    the check, reads the main cache file); `files` and `folders` wait for it. The
    stat of every file is a tenth of a one-page run on a big site, and a second core
    is idle meanwhile. Anything odd about the child (no fork, a crash, a short
    answer) and the walk is made here, as without it."""

    __slots__ = ("_also", "_files", "_folders", "_pending", "root", "started_ns")

    def __init__(
        self, root: str, *, background: bool = False, also: Callable[[str], Any] | None = None
    ) -> None:
        """`also(root)`: more work for the child after the walk (its answer must
        marshal), kept in `also_found`; None when it failed or there is no child."""
        self.root = root
        self.started_ns = time.time_ns()
        self._also: Any = None
        self._pending = _start_walk(root, also) if background else None
        if self._pending is None:
            self._folders: dict[str, Sig | None] = {}
            self._files = walk_tree(root, self._folders)

    @classmethod
    def given(
        cls, root: str, files: dict[str, Sig], folders: dict[str, Sig | None], started_ns: int
    ) -> Walk:
        """The tree as someone else walked it at `started_ns` (`finops-lint server`,
        which follows the changes as the kernel reports them)."""
        walk = cls.__new__(cls)
        walk.root = root
        walk.started_ns = started_ns
        walk._also = None
        walk._pending = None
        walk._files = files
        walk._folders = folders
        return walk

    @property
    def also_found(self) -> Any:
        """What the child's `also` found (waits for the child), or None."""
        if self._pending is not None:
            self._finish()
        return self._also

    @property
    def pending(self) -> bool:
        """The walk is still the child's (nothing waited for it yet)."""
        return self._pending is not None

    @property
    def files(self) -> dict[str, Sig]:
        if self._pending is not None:
            self._finish()
        return self._files

    @property
    def folders(self) -> dict[str, Sig | None]:
        if self._pending is not None:
            self._finish()
        return self._folders

    def _finish(self) -> None:
        pending, self._pending = self._pending, None
        found = _child_walk(*pending) if pending is not None else None
        if found is None:
            self._folders = {}
            self._files = walk_tree(self.root, self._folders)
        else:
            self._files, self._folders, self._also = found

    def moved_since(self) -> bool:
        """A file was added, removed or renamed since the walk: its folder's mtime
        changed. (A file moved away and back keeps its size, mtime and inode; a run
        that read the tree meanwhile may not have read the tree walked.)"""
        return any(stat_sig(folder) != sig for folder, sig in self.folders.items())


@contextlib.contextmanager
def collector_off() -> Iterator[None]:
    """The cyclic garbage collector off meanwhile (as it was after): making millions of
    objects that live on, its full passes only cost time (check_command turns it off
    for the whole run)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _start_walk(root: str, also: Callable[[str], Any] | None) -> tuple[int, int] | None:
    """Fork a child that walks the tree and writes (files, folders, what `also` found)
    to a pipe, marshalled (it is this process's own data: the child is this
    process): (pid, read end)."""
    if not hasattr(os, "fork"):
        return None
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: walk, answer, and leave without running any exit code
        code = 1
        try:
            os.close(read_end)
            folders: dict[str, Sig | None] = {}
            files = walk_tree(root, folders)
            extra = None
            if also is not None:
                try:
                    extra = also(root)
                except Exception:  # the walk stands without it
                    extra = None
            view = memoryview(marshal.dumps((files, folders, extra)))
            while view:
                view = view[os.write(write_end, view) :]
            code = 0
        finally:
            os._exit(code)
    os.close(write_end)
    return pid, read_end


def _child_walk(
    pid: int, read_end: int
) -> tuple[dict[str, Sig], dict[str, Sig | None], Any] | None:
    """What the walking child answered, or None (it failed: walk here)."""
    chunks: list[bytes] = []
    try:
        while True:
            chunk = os.read(read_end, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    except OSError:
        chunks = []
    finally:
        os.close(read_end)
    try:
        _pid, status = os.waitpid(pid, 0)
    except OSError:
        return None
    if status != 0 or not chunks:
        return None
    # The cyclic collector is off while the tuples are made: after a preload its full
    # passes over the main cache file's objects took 0.7 s at 100,000 pages.
    try:
        with collector_off():
            files, folders, extra = marshal.loads(b"".join(chunks))
    except (ValueError, EOFError, TypeError):
        return None
    if type(files) is not dict or type(folders) is not dict:
        return None
    return files, folders, extra


def feed_package(h: Any, package: Any) -> None:
    """The size and time of every file of the installed tool, byte code left out: it
    follows the sources, and a run that writes it must not empty the cache."""
    paths: list[str] = []
    for folder, dirs, names in os.walk(str(package)):
        dirs[:] = [d for d in dirs if d != "__pycache__"]
        paths.extend(os.path.join(folder, n) for n in names if not n.endswith((".pyc", ".pyo")))
    for path in sorted(paths):
        try:
            st = os.stat(path)
        except OSError:
            continue
        h.update(f"{path}\x00{st.st_size}\x00{st.st_mtime_ns}\x00".encode())


#: The libraries whose reading of a page decides findings: an upgrade rewrites them.
DEPENDENCIES = ("markdown_it", "yaml", "jsonschema", "referencing", "re2")

_TOOL_STATE: list[bytes] = []


def tool_state() -> bytes:
    """`feed_package` of finops-lint itself and the state of the `__init__.py` of each
    of its DEPENDENCIES where `sys.path` finds it (found without importing it),
    worked out once per process: the replay's digest and the result cache's key
    both need it."""
    if not _TOOL_STATE:
        from finops_lint.safe_io import blake2b

        h = blake2b(digest_size=16)
        feed_package(h, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        for name in DEPENDENCIES:
            for entry in sys.path:
                init = os.path.join(entry or os.curdir, name, "__init__.py")
                sig = stat_sig(init)
                if sig is not None:
                    h.update(f"{name}\x00{os.path.abspath(init)}\x00{sig}\x00".encode())
                    break
            else:
                h.update(f"{name}\x00-\x00".encode())
        _TOOL_STATE.append(h.digest())
    return _TOOL_STATE[0]
