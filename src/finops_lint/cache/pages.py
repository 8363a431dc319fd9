"""Each page's findings, in the main file's ``shards`` files (`store.shard_count`), read
only for the pages a run checks.

A findings file (``check-v4.p07.json`` beside the main file)::

    {"format": "finops-lint-check-cache-pages", "version": 3, "key": "<hex>",
      "questions": [["resolve", "/x/", "_pages/a.md", true], ...],
     "pages": {"_pages/a.md": [[size, mtime_ns, inode, "hash"], "<tree>",
                               ["LK001"], [[...finding...]], ["<digest>", [0, 5, ...]]]}}

An entry holds the file state its findings were made for (reused only while the
main file records that same state and the file still has it), the name of the
tree its site-dependent findings were made with ("" none: reused only while the
main file's ``tree`` has that name, i.e. no file of the site changed since), the
codes of the rules that looked beyond the page, the finding rows, and the
questions those rules asked with the digest of their answers (`cache.deps`; null:
the page read something no question covers; each distinct question is stored once
per file, in ``questions``, and a page lists their indexes). A page's
file is chosen by a hash of its path, so a one-page run reads and writes one
file of about 1/64th of the findings (of a small site's few files, one).
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass
from sys import intern
from typing import Any

from finops_lint.cache.deps import frozen, valid_question
from finops_lint.cache.store import (
    CODE,
    HASH,
    VERSION,
    CacheInvalid,
    check_int,
    check_str,
    load_json,
)
from finops_lint.cache.tree import safe_rel

FORMAT = "finops-lint-check-cache-pages"
_SEVERITIES = frozenset({"error", "warning", "info"})


@dataclass(frozen=True)
class PageEntry:
    """A checked page's findings and what they depended on, in a findings file."""

    sig: tuple[int, int, int, str]  # size, mtime_ns, inode, content hash ("" unknown)
    tree: str  # the tree the site-dependent findings were made with ("" none)
    codes: list[str]  # rules that looked beyond the page
    rows: list[list[Any]]  # findings (cache.rows.to_row)
    #: what the rules that looked beyond the page asked (cache.deps.Record), None: unknown
    asked: list[Any] | None = None


def shard_of(rel: str, count: int) -> int:
    """Which of `count` findings files holds rel's entry."""
    return zlib.crc32(rel.encode("utf-8", "surrogatepass")) % count


def _opt_int(value: Any) -> int | None:
    return None if value is None else check_int(value, 1)


def check_finding(row: Any) -> list[Any]:
    """[line, column, code, rule, severity, message, end_line, end_column, related, fix]"""
    if not isinstance(row, list) or len(row) != 10:
        raise CacheInvalid("bad finding")
    line, column, code, rule, severity, message, end_line, end_column, related, fix = row
    check_int(line, 1)
    check_int(column, 1)
    if not isinstance(code, str) or not CODE.match(code):
        raise CacheInvalid("bad code")
    check_str(rule)
    if severity not in _SEVERITIES:
        raise CacheInvalid("bad severity")
    check_str(message)
    _opt_int(end_line)
    _opt_int(end_column)
    if not isinstance(related, list):
        raise CacheInvalid("bad related")
    for item in related:
        if not isinstance(item, list) or len(item) != 4 or not safe_rel(item[0]):
            raise CacheInvalid("bad related")
        check_int(item[1], 1)
        check_int(item[2], 1)
        check_str(item[3])
    if fix is not None:
        if not isinstance(fix, list) or len(fix) != 6:
            raise CacheInvalid("bad fix")
        check_str(fix[0])
        for n in fix[1:5]:
            check_int(n, 1)
        check_str(fix[5])
    return row


def parse_shard(
    raw: bytes, n: int, count: int, key: str, latest_ns: int
) -> dict[str, PageEntry] | None:
    """Findings file number n of `count`, validated (CacheInvalid or ValueError on anything odd);
    None when it was written for another key (a silent miss, as for the main file)."""
    data = load_json(raw)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CacheInvalid("not a finops-lint findings file")
    if data.get("version") != VERSION:
        raise CacheInvalid(f"cache version {data.get('version')!r}")
    if check_str(data.get("key")) != key:
        return None
    pages = data.get("pages")
    table = data.get("questions")
    if not isinstance(pages, dict) or not isinstance(table, list):
        raise CacheInvalid("bad pages")
    for question in table:
        if not valid_question(question):
            raise CacheInvalid("bad question")
    questions = [frozen(q) for q in table]
    out: dict[str, PageEntry] = {}
    for rel, entry in pages.items():
        if not safe_rel(rel) or shard_of(rel, count) != n:
            raise CacheInvalid("bad page entry")
        if not isinstance(entry, list) or len(entry) != 5:
            raise CacheInvalid("bad page entry")
        sig, tree, codes, findings, asked = entry
        if not isinstance(sig, list) or len(sig) != 4:
            raise CacheInvalid("bad page entry")
        size, mtime, inode = check_int(sig[0]), check_int(sig[1], 0, latest_ns), check_int(sig[2])
        digest = check_str(sig[3])
        if not HASH.match(digest) or not HASH.match(check_str(tree)):
            raise CacheInvalid("bad page entry")
        if not isinstance(codes, list) or not isinstance(findings, list):
            raise CacheInvalid("bad page entry")
        for i, code in enumerate(codes):
            if not isinstance(code, str) or not CODE.match(code):
                raise CacheInvalid("bad code")
            codes[i] = intern(code)  # kept for every reused page: one copy, not one each
        rows = [check_finding(row) for row in findings]
        record = None if asked is None else _record(asked, questions)
        out[rel] = PageEntry((size, mtime, inode, digest), tree, codes, rows, record)
    return out


def _record(raw: Any, questions: list[Any]) -> list[Any]:
    """[digest, [index, ...]] -> [digest, [question, ...]]"""
    if not isinstance(raw, list) or len(raw) != 2 or not isinstance(raw[1], list):
        raise CacheInvalid("bad page questions")
    digest = check_str(raw[0])
    if not digest or not HASH.match(digest):
        raise CacheInvalid("bad page questions")
    try:
        return [digest, [questions[check_int(i)] for i in raw[1]]]
    except IndexError:
        raise CacheInvalid("bad page questions") from None


def dump_shard(key: str, entries: dict[str, PageEntry]) -> bytes:
    table: dict[Any, int] = {}
    pages: dict[str, list[Any]] = {}
    for rel, e in sorted(entries.items()):
        asked = None
        if e.asked is not None:
            digest, questions = e.asked
            asked = [digest, [table.setdefault(q, len(table)) for q in questions]]
        pages[rel] = [list(e.sig), e.tree, e.codes, e.rows, asked]
    data = {
        "format": FORMAT,
        "version": VERSION,
        "key": key,
        "questions": list(table),
        "pages": pages,
    }
    return json.dumps(data, separators=(",", ":"), allow_nan=False).encode("utf-8")
