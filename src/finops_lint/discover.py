"""Which files a run reads: one walker, one symlink guard, one glob dialect.

Two selections walk the source tree with :func:`walk`, and they are kept apart:

* the files the lint checks (:func:`discover`): the config's ``files.include``,
  ``files.exclude`` and ``exclude``, all in the config's glob dialect
  (:func:`glob_match`: ``**`` any folders, ``*`` and ``?`` within one folder);
* the files Jekyll reads (:func:`finops_lint.site.jekyll.scan_source`), with
  Jekyll's own ``include``/``exclude`` rules (its ``EntryFilter``).

Neither walker enters a symlinked folder; a symlinked file is followed only when
it leads to a file inside the site (:func:`follow_symlink`).
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from finops_lint.findings import Finding, Severity

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
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if is_jekyll_site(candidate):
            return candidate
    return folder


def is_jekyll_site(root: Path) -> bool:
    # lexists: a _config.yml that is a FIFO or a dangling link still marks the site
    # (and is reported when read), rather than sending the search further up.
    return os.path.lexists(root / "_config.yml") or os.path.lexists(root / "_config.yaml")


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


def display(path: Path) -> str:
    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)


def discover(paths: Iterable[Path], root: Path, config: Config) -> tuple[list[Path], list[Finding]]:
    """Files to check under the given paths, and findings for ones that cannot be."""
    files: list[Path] = []
    problems: list[Finding] = []
    seen: set[Path] = set()
    root_real = str(root.resolve())

    def rel(p: Path) -> str:
        try:
            return p.relative_to(root).as_posix()
        except ValueError:
            return p.name

    def add(p: Path, problem: str | None) -> None:
        if problem is not None:
            problems.append(io_finding(p, problem))
        elif p not in seen:
            seen.add(p)
            files.append(p)

    def enter(rel: str, name: str) -> bool:
        if name.startswith(".") or config.is_excluded(rel + "/"):
            return False
        return not config.is_excluded(rel)

    def keep(rel: str, name: str) -> bool:
        return config.is_included(rel) and not config.is_excluded(rel)

    for given in paths:
        path = given if given.is_absolute() else Path.cwd() / given
        path = Path(os.path.normpath(path))
        if path.is_dir():
            start = rel(path) if path != root else ""
            for found in walk(str(path), start, root_real, enter=enter, keep=keep):
                add(Path(found.path), found.problem)
        elif path.exists() or path.is_symlink():
            if config.is_excluded(rel(path)):
                continue
            problem = None
            if path.is_symlink():
                follow, problem = follow_symlink(str(path), root_real)
                if not follow and problem is None:
                    add(path, None)  # a symlinked folder: skipped when it is read
                    continue
            add(path, problem)
        else:
            raise UsageError(f"no such file or folder: {given}")
    return files, problems
