"""Where a run's site is: the nearest folder with `_config.yml` at or above its first path.

Plain strings and `os.path` only: the replay of an unchanged run (`cache.replay`)
finds the root before the rest of the tool is loaded. `discover` wraps these for
`Path` callers.
"""

from __future__ import annotations

import os

from finops_lint.filenames import JEKYLL_CONFIG_FILENAMES


def real_path(path: str) -> str:
    """Where a path really is: folders resolved, a file's own name kept.

    A symlinked page keeps its name (Jekyll reads it under that name); ``..``
    is applied the way the operating system applies it, after symlinks.
    """
    if os.path.isdir(path):
        return os.path.realpath(path)
    head, name = os.path.split(path)
    return os.path.join(os.path.realpath(head or os.curdir), name)


def is_jekyll_site(folder: str) -> bool:
    # lexists: a _config.yml that is a FIFO or a dangling link still marks the site
    # (and is reported when read), rather than sending the search further up.
    return any(os.path.lexists(os.path.join(folder, name)) for name in JEKYLL_CONFIG_FILENAMES)


def up_from(folder: str) -> list[str]:
    """folder and every folder above it, lexically (as `Path.parents` goes)."""
    out = [folder]
    while True:
        parent = os.path.dirname(folder)
        if not parent or parent == folder:
            return out
        out.append(parent)
        folder = parent


def find_site_root(start: str) -> str:
    """The nearest folder at or above start that holds _config.yml, else start's folder."""
    start = start.rstrip(os.sep) or os.sep  # as `Path(start)` spells it
    folder = start if os.path.isdir(start) else os.path.dirname(start)
    for candidate in up_from(folder):
        if is_jekyll_site(candidate):
            return candidate
    return folder


def site_root(first: str, cwd: str, root: str | None) -> str:
    """The real site root for a run: ``--root``, else the nearest folder with
    ``_config.yml`` at or above the first path's real location."""
    if root is not None:
        return os.path.realpath(os.path.join(cwd, root))
    return os.path.realpath(find_site_root(real_path(os.path.join(cwd, first))))
