"""What building the Site reads of each file, read ahead in two processes.

Building the Site reads every file Jekyll reads: 64 bytes of each for its front
matter fence (`source.has_front_matter`), then each page whole for the front matter
keys that decide its URL (`url_keys.url_front_matter`). On a whole-site run with
workers, the other CPU is idle meanwhile: at 10,000 pages the reading is about two
thirds of the build. `read_file_facts` is that reading, made a function of the file
alone, so a forked process can read half the files while this one reads the other
half (`workers.split_in_two`); the build then uses the facts read ahead exactly as
it would have used its own reads, and learns them for the result cache the same way.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from finops_lint.safe_io import MAX_PAGE_BYTES, read_bytes
from finops_lint.site.source import has_front_matter
from finops_lint.site.url_keys import page_url_keys

#: (whether the file starts with a front matter fence, for a file that does: its URL
#: keys as `Site._add_page` reads them (data, line of `permalink:`, whether the front
#: matter has text), or None when it could not be read and the build reads it itself)
FileFacts = tuple[bool, tuple[dict[str, Any], int, bool] | None]

#: Fewer files than this are read by the build itself: a fork costs more than it saves.
MIN_FILES = 1000

#: `split(items, compute)`: compute's dicts for two halves of items, merged (one half
#: may be computed in another process).
Split = Callable[[list[str], Callable[[list[str]], dict[str, FileFacts]]], dict[str, FileFacts]]


def read_file_facts(root: str, rels: list[str]) -> dict[str, FileFacts]:
    """The facts of each file (paths relative to root): what the build would read."""
    out: dict[str, FileFacts] = {}
    for rel in rels:
        path = os.path.join(root, rel)
        if not has_front_matter(path):
            out[rel] = (False, None)
            continue
        try:
            raw = read_bytes(path, MAX_PAGE_BYTES, truncate=True)
        except OSError:
            out[rel] = (True, None)  # the build reads it again and reports why it cannot
            continue
        out[rel] = (True, page_url_keys(raw))
    return out
