"""What building the Site reads of each file, read ahead in two processes.

Building the Site reads every file Jekyll reads: 64 bytes of each for its front
matter fence (`source.has_front_matter`), then each page whole for the front matter
keys that decide its URL (`url_keys.url_front_matter`), one open of the file for
both (`source.read_if_front_matter`). On a whole-site run with
workers, the other CPU is idle meanwhile: at 10,000 pages the reading is about two
thirds of the build. `read_file_facts` is that reading, made a function of the file
alone, so a forked process can read half the files while this one reads the other
half (`workers.split_in_two`); the build then uses the facts read ahead exactly as
it would have used its own reads, and learns them for the result cache the same way.

Later readers of every page learn what they need here too, so the page is not
read again: the templates' model (LK014) reads each page for its own layout and its
Liquid (`Site.layout_facts`), and a rule's recipe run before the pages are checked
may ask a fact of every page's source (`also`, kept as `Site.source_facts`; PH004's:
whether the page says it is unfinished), and the result cache names a page its rules
asked about by the hash of its content (`hashes`: `Workspace.digests`).

On a run that checks most pages, each page's front matter is read here whole as
well (`frontmatter.read_ahead`), once for the run: the Site's pages' `data`, the
templates' values (LK014), the memo helper's documents and the workers' parse of
each page take it from `Site.front_matter_read` instead of reading it again (a
parse checks that the text is the one read): before, a whole-site run read every
front matter whole two or three times. The page's URL keys are then taken from
that data (`url_keys.url_keys_of_data`), not read from its rows again.

A site of fewer files than MIN_FILES is read the same way, by the building process
itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, NamedTuple

from finops_lint.parsing.frontmatter import ReadFrontMatter, read_ahead, split_front_matter
from finops_lint.parsing.text import decode_page
from finops_lint.safe_io import content_hash
from finops_lint.site.page_layout import front_matter_layout, has_liquid
from finops_lint.site.source import read_if_front_matter
from finops_lint.site.url_keys import text_url_keys, url_keys_of_data


class FileFacts(NamedTuple):
    """What is read ahead of one file."""

    #: whether the file starts with a front matter fence
    front_matter: bool
    #: for a file that does: its URL keys as `Site._add_page` reads them (data, line of
    #: `permalink:`, whether the front matter has text); None when it could not be
    #: read and the build reads it itself
    url_keys: tuple[dict[str, Any], int, bool] | None
    #: its own `layout` and whether it holds Liquid (`front_matter_layout`,
    #: `has_liquid`), which the templates' model would read it again for; None when
    #: its text was not read
    layout: tuple[str | bool | None, bool] | None = None
    #: what `also` made of its text (None: nothing asked, or not read)
    also: Any = None
    #: the content hash of the bytes read (`safe_io.content_hash`; None: not asked for,
    #: or not read)
    digest: str | None = None
    #: its front matter read without PyYAML (`frontmatter.read_ahead`; None: not read,
    #: or only PyYAML reads it), which every later reader of its front matter takes
    front_matter_read: ReadFrontMatter | None = None


#: Fewer files than this are read by the build itself: a fork costs more than it saves.
MIN_FILES = 1000

#: Of the front matter each reading process reads, the data of this many characters of
#: it at most is kept (`FileFacts.front_matter_read`; about two bytes of data a
#: character, held until the run ends): all of it at 10,000 pages (7.7 M characters a
#: process on the grown framework site), a part at 100,000.
KEEP_FRONT_MATTER = 16_000_000

#: `split(items, compute)`: compute's dicts for two halves of items, merged (one half
#: may be computed in another process; `workers.split_in_two`). The Site reads its
#: files' facts through it, the templates' model its pages' values.
Split = Callable[[list[str], Callable[[list[str]], dict[str, Any]]], dict[str, Any]]

#: What else to learn of a page's text while it is read (`Workspace.source_facts_of`).
Also = Callable[[str], Any]


def read_file_facts(
    root: str,
    rels: list[str],
    also: Also | None = None,
    hashes: bool = False,
    front_matter: bool = False,
) -> dict[str, FileFacts]:
    """The facts of each file (paths relative to root): what the build would read,
    `also` of each page's text, with `hashes`, the content hash of each page read
    (the result cache's answers name a page by it: a worker would read it again), and
    with `front_matter`, each page's front matter read whole (up to KEEP_FRONT_MATTER)."""
    out: dict[str, FileFacts] = {}
    kept = 0  # characters of front matter whose data is kept
    for rel in rels:
        path = os.path.join(root, rel)
        try:
            raw = read_if_front_matter(path)
        except OSError:
            out[rel] = FileFacts(True, None)  # the build reads it again and says why it cannot
            continue
        if raw is None:
            out[rel] = FileFacts(False, None)
            continue
        digest = content_hash(raw) if hashes else None
        text, _error = decode_page(raw)
        if text is None:  # not UTF-8: no front matter data (`page_url_keys`)
            out[rel] = FileFacts(True, ({}, 1, False), digest=digest)
            continue
        fm = split_front_matter(text)
        read = None
        if front_matter and kept < KEEP_FRONT_MATTER and not fm.unterminated and fm.raw.strip():
            read = read_ahead(fm.raw)
            kept += len(fm.raw) if read is not None else 0
        out[rel] = FileFacts(
            True,
            text_url_keys(text, fm) if read is None else url_keys_of_data(fm, read.data),
            (front_matter_layout(text, fm), has_liquid(text)),
            _also(also, text),
            digest,
            read,
        )
    return out


def _also(also: Also | None, text: str) -> Any:
    """`also` of a page's text; None (not learnt: its reader computes it, and says why
    it cannot) when it fails: a rule's test must not stop the Site's build."""
    if also is None:
        return None
    try:
        return also(text)
    except Exception:
        return None
