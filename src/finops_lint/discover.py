"""Which files a run reads: one walker, one symlink guard, one glob dialect.

Two selections walk the source tree with :func:`walk`, and they are kept apart:

* the files the lint checks (:func:`discover`): the config's ``files.include``,
  ``files.exclude`` and ``exclude``, all in the config's glob dialect
  (:func:`glob_match`: ``**`` any folders, ``*`` and ``?`` within one folder);
* the files Jekyll reads (:func:`finops_lint.site.source.scan_source`), with
  Jekyll's own ``include``/``exclude`` rules (its ``EntryFilter``).

Neither walker enters a symlinked folder; a symlinked file is followed only when
it leads to a file inside the site (:func:`follow_symlink`).
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from finops_lint import roots
from finops_lint.findings import Finding, Severity
from finops_lint.roots import real_path as real_path

if TYPE_CHECKING:
    from finops_lint.config import Config


class UsageError(Exception):
    """A mistake on the command line (exit code 2)."""


# ------------------------------------------------------------------ globs


@lru_cache(maxsize=4096)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """Glob with ** (any folders), * (within one folder), ? and [...]."""
    i, out = 0, []
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", i)
            if end == -1:
                out.append(re.escape(ch))
            else:
                out.append(fnmatch.translate(pattern[i : end + 1])[4:-3])
                i = end
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out) + r"\Z")


def glob_match(rel_path: str, pattern: str) -> bool:
    """The lint's glob dialect, on a posix path relative to the site root."""
    if pattern.endswith("/"):
        pattern += "**"
    return bool(_glob_regex(pattern).match(rel_path))


@lru_cache(maxsize=1024)
def _globs_regex(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    """One expression for `glob_match` with any of the patterns (None: no pattern)."""
    alternatives = [_glob_regex(p + "**" if p.endswith("/") else p).pattern for p in patterns]
    return re.compile("|".join(f"(?:{a})" for a in alternatives)) if alternatives else None


def glob_any(rel_path: str, patterns: Sequence[str]) -> bool:
    """`glob_match` with any of the patterns, in one match: a page type's globs are
    tried on every page of the site."""
    regex = _globs_regex(tuple(patterns))
    return regex is not None and regex.match(rel_path) is not None


# --------------------------------------------------------------- the walker


@dataclass(frozen=True, slots=True)
class Found:
    """A file the walker reached."""

    path: str  # as reached (through the folder the walk started from)
    rel: str  # posix, relative to the walk's base
    name: str
    #: why a symlink was not followed (the file is then not to be read), else None
    problem: str | None = None
    #: a regular file (or a symlink to one); False for FIFOs, devices, sockets
    regular: bool = True


def follow_symlink(path: str, root_real: str) -> tuple[bool, str | None]:
    """The one symlink guard: (follow it, why not).

    A symlink is followed when it leads to a file inside ``root_real``. A loop,
    a dangling link or one that leaves the site gives a reason; one that leads
    to a folder is skipped without one (no walker enters a symlinked folder).
    """
    try:
        target = os.path.realpath(path, strict=True)
    except (OSError, RuntimeError, ValueError):
        return False, "symlink loop or dangling symlink; not followed"
    if not (target + os.sep).startswith(root_real.rstrip(os.sep) + os.sep):
        return False, f"symlink points outside the site ({target}); not followed"
    if os.path.isdir(target):
        return False, None
    return True, None


def walk(
    folder: str,
    rel_folder: str,
    root_real: str,
    *,
    enter: Callable[[str, str], bool],
    keep: Callable[[str, str], bool],
) -> Iterator[Found]:
    """Every kept file under folder, sorted by name, a folder's files before its subfolders.

    ``enter(rel, name)`` decides whether a folder is walked, ``keep(rel, name)``
    whether a file is yielded. Symlinked folders are never entered; symlinked
    files go through :func:`follow_symlink` (``Found.problem`` says why one is
    not followed).
    """
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    subfolders: list[tuple[str, str]] = []
    for entry in entries:
        name = entry.name
        rel = f"{rel_folder}/{name}" if rel_folder else name
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            is_link = not is_dir and entry.is_symlink()
        except OSError:
            continue
        if is_dir:
            if enter(rel, name):
                subfolders.append((entry.path, rel))
            continue
        if not keep(rel, name):
            continue
        if is_link:
            follow, problem = follow_symlink(entry.path, root_real)
            if follow:
                yield Found(entry.path, rel, name, None, os.path.isfile(entry.path))
            elif problem is not None:
                yield Found(entry.path, rel, name, problem, False)
            continue
        try:
            regular = entry.is_file(follow_symlinks=False)
        except OSError:
            continue
        yield Found(entry.path, rel, name, None, regular)
    for sub, rel in subfolders:
        yield from walk(sub, rel, root_real, enter=enter, keep=keep)


# ------------------------------------------------------- the lint's own files


def find_site_root(start: Path) -> Path:
    """The nearest folder at or above start that holds _config.yml, else start's folder."""
    return Path(roots.find_site_root(str(start)))


def is_jekyll_site(root: Path) -> bool:
    return roots.is_jekyll_site(str(root))


#: The rule that reports files that cannot be read as pages.
UNREADABLE = "FM000"


def io_finding(path: Path, message: str, severity: Severity | None = None) -> Finding:
    from finops_lint.rules.base import REGISTRY, all_rules

    all_rules()
    unreadable = REGISTRY[UNREADABLE]
    return Finding(
        path=display(path),
        line=1,
        column=1,
        code=unreadable.code,
        rule=unreadable.name,
        severity=severity or unreadable.severity,
        message=message,
    )


def display(path: Path, cwd: str | None = None) -> str:
    """The path relative to the current folder; `cwd` is that folder, given by a
    caller that shows many paths (`relpath` asks the system for it twice a path, and
    takes 7 us where a plain path, relative or under `cwd`, is cut as it is)."""
    try:
        if cwd is None:
            return os.path.relpath(path)
        given = os.fspath(path)
        if plain_rel(given):
            return given
        inside = len(cwd) + 1  # an absolute path under the folder: the rest of it
        rest = given[inside:]
        if given[inside - 1 : inside] == "/" and given.startswith(cwd) and plain_rel(rest):
            return rest
        return os.path.relpath(os.path.join(cwd, given), cwd)
    except ValueError:
        return str(path)


#: POSIX paths: normpath only joins "//", drops "." parts and resolves ".." ones.
_SLASH_ONLY = os.sep == "/" and os.altsep is None


def plain_rel(path: str) -> bool:
    """A relative path as `os.path.normpath` leaves it, not above its folder: joined to
    a folder and made relative to it again, it is itself."""
    # Most paths: nothing normpath changes (no "//", no "." or ".." part, no end "/").
    if (
        _SLASH_ONLY
        and path[:1] not in ("", "/", ".")
        and path[-1] != "/"
        and "//" not in path
        and "/." not in path
    ):
        return True
    return (
        bool(path)
        and path != "."
        and path != ".."
        and not path.startswith(("/", "../"))
        and os.path.normpath(path) == path
    )


@dataclass(frozen=True, slots=True)
class Target:
    """A file to check."""

    path: Path  # as the user reached it: read through it, shown relative to the cwd
    rel: str  # posix, relative to the real site root: every match uses this


def relative_to_root(real: str, root_real: str) -> str | None:
    """A real path relative to the real site root (posix), or None outside it."""
    if real == root_real:
        return ""
    prefix = root_real.rstrip(os.sep) + os.sep
    if not real.startswith(prefix):
        return None
    return real[len(prefix) :].replace(os.sep, "/")


def site_root(paths: list[Path], cwd: Path, root: Path | None) -> Path:
    """The real site root for a run: ``--root``, else the nearest folder with
    ``_config.yml`` at or above the first path's real location."""
    first = str(paths[0]) if paths else "."
    return Path(roots.site_root(first, str(cwd), None if root is None else str(root)))


def discover(
    paths: Iterable[Path], root: Path, config: Config, cwd: Path | None = None
) -> tuple[list[Target], list[Finding]]:
    """Files to check under the given paths, and findings for ones that cannot be.

    ``root`` is the real site root (:func:`site_root`). However a path is spelt
    (through a symlink, with ``..``, relative or absolute, a folder or its files
    one by one), each file gets the same ``rel``, and the lint's excludes match it.
    """
    cwd = cwd or Path.cwd()
    root_real = str(root)
    files: list[Target] = []
    problems: list[Finding] = []
    seen: set[str] = set()

    def add(target: Target, problem: str | None, inside: bool) -> None:
        key = target.rel if inside else str(target.path)
        if problem is not None:
            problems.append(io_finding(target.path, problem))
        elif key not in seen:
            seen.add(key)
            files.append(target)

    def enter(rel: str, name: str) -> bool:
        if name.startswith(".") or config.is_excluded(rel + "/"):
            return False
        return not config.is_excluded(rel)

    def keep(rel: str, name: str) -> bool:
        return config.is_included(rel) and not config.is_excluded(rel)

    for given in paths:
        joined = os.path.join(cwd, given)
        real = real_path(joined)
        rel = relative_to_root(real, root_real)
        inside = rel is not None
        if rel is None:  # outside the site: matched by its name alone
            rel = os.path.basename(real)
        if os.path.isdir(joined):
            # Each file's Path made from its folder's (a folder's own, parsed once): a
            # name from a listing is one component. Parsing every file's path took
            # 8 us a file, half of `discover` at 10,000 pages; joining takes 4.
            folders: dict[str, Path] = {}
            for found in walk(joined, rel, root_real, enter=enter, keep=keep):
                folder = os.path.dirname(found.path)
                base = folders.get(folder)
                if base is None:
                    base = folders[folder] = Path(os.path.normpath(folder))
                add(Target(base / found.name, found.rel), found.problem, inside)
        elif os.path.lexists(joined):
            if config.is_excluded(rel):
                continue
            target = Target(Path(os.path.normpath(joined)), rel)
            problem = None
            if os.path.islink(joined):
                _follow, problem = follow_symlink(joined, root_real)
            add(target, problem, inside)
        else:
            raise UsageError(f"no such file or folder: {given}")
    return files, problems
