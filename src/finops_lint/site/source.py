"""Which files Jekyll reads from a source tree, as Jekyll 4's reader does.

Underscore, dot, ``#`` and ``~`` entries are not output unless listed in
``include``; ``exclude`` (plus Jekyll's default excludes) removes entries by
glob or path prefix; folders named ``_label`` for a configured collection are
read as collections; files that start with a YAML front matter fence become
pages or documents, every other file is a static file. The walk itself (one
symlink guard for the project) is :func:`finops_lint.discover.walk`.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from finops_lint.discover import walk
from finops_lint.safe_io import MAX_PAGE_BYTES, read_bytes, read_bytes_if
from finops_lint.site.jekyll import Collection, JekyllConfig, load_config

_SPECIAL = ("_", ".", "#", "~")
#: Folders that are never part of the source: the build output and VCS data.
_ALWAYS_SKIP = frozenset({".git", "_site", ".jekyll-cache", "node_modules", ".venv"})


@dataclass
class SourceFile:
    """One file Jekyll reads. ``kind``: "page", "document" or "static"."""

    path: str  # posix, relative to the site root
    kind: str
    collection: str | None
    front_matter: bool


class _Filter:
    """Jekyll's ``EntryFilter`` for one site."""

    def __init__(self, include: Sequence[str], exclude: Sequence[str]) -> None:
        inc = [p.lstrip("/") for p in include if p and p.lstrip("/")]
        exc = [p.lstrip("/") for p in exclude if p and p.lstrip("/") and p.lstrip("/") not in inc]
        self.include = _compile_patterns(inc)
        self.exclude = _compile_patterns(exc)

    @staticmethod
    def _match(patterns: _Patterns, rel: str, is_dir: bool) -> bool:
        prefixes, regex, dir_names = patterns
        if rel.startswith(prefixes):
            return True
        if regex is not None and regex.match(rel):
            return True
        return is_dir and rel + "/" in dir_names

    def included(self, rel: str, name: str, is_dir: bool) -> bool:
        return self._match(self.include, rel, is_dir) or self._match(self.include, name, is_dir)

    def excluded(self, rel: str, is_dir: bool) -> bool:
        return self._match(self.exclude, rel, is_dir)

    def keep(self, rel: str, name: str, is_dir: bool, special_check: str | None = None) -> bool:
        """Whether an entry survives: ``special_check`` is the string whose start is tested."""
        if self.included(rel, name, is_dir):
            return True
        first = special_check if special_check is not None else name
        if first.startswith(_SPECIAL) or name.startswith(_SPECIAL):
            return False
        if name.endswith("~"):
            return False
        return not self.excluded(rel, is_dir)


_Patterns = tuple[tuple[str, ...], "re.Pattern[str] | None", frozenset[str]]


def _compile_patterns(patterns: Iterable[str]) -> _Patterns:
    """Jekyll's ``glob_include?``: fnmatch (``*`` crosses ``/``), path prefix, or ``dir/``."""
    pats = list(patterns)
    globs = [fnmatch.translate(p) for p in pats if any(c in p for c in "*?[")]
    regex = re.compile("|".join(f"(?:{g})" for g in globs)) if globs else None
    return tuple(pats), regex, frozenset(pats)


class KnownFiles(Protocol):
    """What a previous run learnt about unchanged files (the result cache): asked
    before a file is read, told what was read."""

    trusted_files: set[str] | None
    #: the tree's files it does not trust, when known (None: not known)
    doubted_files: set[str] | None

    def trusts(self, rel: str) -> bool: ...

    def front_matter(self, rel: str) -> bool | None: ...

    def learn_front_matter(self, rel: str, value: bool) -> None: ...

    def recorded(self, rel: str) -> bool: ...

    def url_keys(self, rel: str) -> tuple[dict[str, Any], int, bool] | None: ...

    def learn_url_keys(self, rel: str, data: dict[str, Any], line: int, has_raw: bool) -> None: ...

    def page_url(self, rel: str) -> tuple[str, str, list[str]] | None: ...

    def learn_page_url(self, rel: str, url: str, out_ext: str, unknown: list[str]) -> None: ...

    def layout(self, rel: str) -> tuple[str | bool | None, bool | tuple[str, ...]] | None: ...

    def learn_layout(
        self, rel: str, layout: str | bool | None, liquid: bool | tuple[str, ...]
    ) -> None: ...


#: The listing a child process made of the files Jekyll reads (`list_source`), with
#: what it was made from: (site root, the `_config.yml` text, the paths).
Listing = tuple[str, str, list[str]]


def source_paths(root: Path, config: JekyllConfig, listing: Listing | None = None) -> list[str]:
    """The paths of the files Jekyll reads (`list_source`). `listing`: the paths
    already listed (by a child process while this one loaded), used when it was made
    for this root and this `_config.yml` text."""
    if listing is not None and listing[0] == str(root) and listing[1] == config.text:
        return listing[2]
    return list_source(root, config)


def scan_source(
    root: Path,
    config: JekyllConfig,
    known: KnownFiles | None = None,
    paths: list[str] | None = None,
    ahead: Mapping[str, tuple[Any, ...]] | None = None,
) -> list[SourceFile]:
    """Every file Jekyll would read from ``root`` (`paths`, by default
    `source_paths`), classified. `ahead`: the files' front matter fences, read ahead
    (`site.prefetch`)."""
    if paths is None:
        paths = source_paths(root, config)
    collection_of = _collection_finder(config)
    root_s = str(root)
    files: list[SourceFile] = []
    for rel in paths:
        fm = known.front_matter(rel) if known is not None else None
        if fm is None:
            read = ahead.get(rel) if ahead is not None else None
            fm = read[0] if read is not None else has_front_matter(os.path.join(root_s, rel))
            if known is not None:
                known.learn_front_matter(rel, fm)
        inside = collection_of(rel)
        if inside is None:
            files.append(SourceFile(rel, "page" if fm else "static", None, fm))
        else:
            kind = "document" if fm else "static"
            files.append(SourceFile(rel, kind, inside[0].label, fm))
    files.sort(key=lambda f: f.path)
    return files


def list_source(root: Path, config: JekyllConfig) -> list[str]:
    """The paths of the regular files Jekyll reads under ``root`` (symlinks to files
    inside the site included), by its filters alone: nothing is opened."""
    flt = _Filter(config.include, config.exclude)
    coll_dirs = {c.directory for c in config.collections.values()}
    collection_of = _collection_finder(config)
    root_s = str(root)

    def enter(rel: str, name: str) -> bool:
        inside = collection_of(rel)
        if inside is not None:
            return flt.keep(rel, name, True, special_check=inside[1])
        if name in _ALWAYS_SKIP:
            return False
        if rel in coll_dirs:
            return not flt.excluded(rel, True)
        return flt.keep(rel, name, True)

    def keep(rel: str, name: str) -> bool:
        inside = collection_of(rel)
        return flt.keep(rel, name, False, special_check=inside[1] if inside else None)

    return [
        found.rel
        for found in walk(root_s, "", os.path.realpath(root_s), enter=enter, keep=keep)
        if found.problem is None and found.regular
    ]


def child_listing(root: str) -> Listing:
    """`list_source` with the site's config, for a child process to make (cache.tree)."""
    config = load_config(Path(root))
    return root, config.text, list_source(Path(root), config)


def _collection_finder(
    config: JekyllConfig,
) -> Callable[[str], tuple[Collection, str] | None]:
    """rel -> (the collection a path is in, the path inside its folder), or None (of
    two collections in one folder, the last one, as before)."""
    coll_dirs = {c.directory: c for c in config.collections.values()}
    prefixes = [(directory + "/", coll) for directory, coll in coll_dirs.items()]
    any_prefix = tuple(prefix for prefix, _coll in prefixes)

    def collection_of(rel: str) -> tuple[Collection, str] | None:
        if not rel.startswith(any_prefix):  # one C call for the files of no collection
            return None
        for prefix, coll in prefixes:
            if rel.startswith(prefix):
                return coll, rel[len(prefix) :]
        return None

    return collection_of


_FM_OPEN = re.compile(rb"---[ \t]*\r?\n")


#: Binary formats that cannot start with a front matter fence; not opened.
_BINARY_EXTENSIONS = frozenset(
    {
        ".png",
        ".jpg",
        ".jpeg",
        ".gif",
        ".webp",
        ".avif",
        ".ico",
        ".bmp",
        ".tif",
        ".tiff",
        ".pdf",
        ".zip",
        ".gz",
        ".woff",
        ".woff2",
        ".ttf",
        ".otf",
        ".eot",
        ".mp4",
        ".mp3",
        ".webm",
        ".mov",
        ".psd",
        ".xlsx",
        ".docx",
        ".pptx",
    }
)


#: The first bytes of a file the fence test looks at (64 and the one `read_bytes`
#: gives past its bound): a fence whose spaces run past them is none.
FENCE_LOOK = 65


def has_front_matter(path: str) -> bool:
    """Jekyll's ``has_yaml_header?``: the file starts with ``---`` and a line end."""
    if _binary(path):
        return False
    try:
        head = read_bytes(path, FENCE_LOOK - 1, truncate=True)
    except OSError:
        return False
    return _opens_with_fence(head)


def read_if_front_matter(path: str) -> bytes | None:
    """The bytes of a page (`read_bytes(path, MAX_PAGE_BYTES, truncate=True)`) when
    `has_front_matter` says yes, else None: one open for the look and the read
    (`safe_io.read_bytes_if`); a binary format is not opened. `OSError` when the
    fence was read but the rest cannot be."""
    if _binary(path):
        return None
    return read_bytes_if(path, MAX_PAGE_BYTES, FENCE_LOOK, _opens_with_fence)


def starts_with_fence(path: str, head: bytes) -> bool:
    """`has_front_matter` of a file whose first bytes (at least 64) are read already."""
    return not _binary(path) and _opens_with_fence(head)


def _binary(path: str) -> bool:
    """A format Jekyll copies as it is: never opened for a fence."""
    return os.path.splitext(path)[1].lower() in _BINARY_EXTENSIONS


def _opens_with_fence(head: bytes) -> bool:
    """The first bytes of a file open a front matter block (a BOM before it)."""
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    return head.startswith(b"---") and _FM_OPEN.match(head) is not None
