"""The main file's changes since it was written, kept in a small file beside it.

A one-page run changes a handful of the main file's entries (the page's state,
the tree's name), yet rewrote the whole file: 38 MB at 100,000 pages, about a
quarter of the run. Now a run that changed at most `limit(files)` entries
writes only those, to ``check-v4.delta.json``, which names the main file it
applies to (by its ``written_ns``). Reading applies the delta to the main file;
a delta written on another main file is left unread, a corrupt or hostile one
is ignored like a corrupt main file. When more entries changed, the whole main
file is written again and the delta removed::

    {"format": "finops-lint-check-cache-delta", "version": 4, "key": "<hex>",
     "base_ns": <the main file's written_ns>, "written_ns": ...,
     "site": true, "tree": "<hex>", "problems": [...],
     "files": {"_pages/a.md": [size, mtime_ns, inode, "hash", racy] or null},
     "facts": {"_pages/a.md": [...] or null}, "layouts": {...}}

`null` removes the entry. Every entry is validated as the main file's are.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from finops_lint.cache.facts import dump_facts, parse_facts, parse_layouts
from finops_lint.cache.store import (
    CLOCK_SLACK_NS,
    VERSION,
    CacheData,
    CacheInvalid,
    check_int,
    check_str,
    load_json,
    parse_sig,
    parse_state,
)

FORMAT = "finops-lint-check-cache-delta"


def limit(files: int) -> int:
    """The most entries a delta holds before the main file is written again."""
    return 256 + files // 64


class _Absent:
    """No entry (in `Applied`: the main file had none)."""


ABSENT = _Absent()


@dataclass
class Applied:
    """What the main file held, before the delta read with it, for each entry the
    delta changed: the next delta is computed against the main file, not the merge."""

    base_ns: int = 0
    files: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    layouts: dict[str, Any] = field(default_factory=dict)


def apply(data: CacheData, raw: bytes, now_ns: int) -> Applied | None:
    """Apply the delta in raw to the main file's data (in place). None, data untouched,
    when the delta was written on another main file; raises CacheInvalid (or
    ValueError) when it is not valid."""
    delta = load_json(raw)
    if not isinstance(delta, dict) or delta.get("format") != FORMAT:
        raise CacheInvalid("not a finops-lint cache delta")
    if delta.get("version") != VERSION or check_str(delta.get("key")) != data.key:
        return None
    if check_int(delta.get("base_ns"), 1) != data.written_ns:
        return None  # the main file was written again after it
    written = check_int(delta.get("written_ns"), data.written_ns, now_ns + CLOCK_SLACK_NS)
    state = parse_state(delta)
    files_raw, facts_raw, layouts_raw = (_mapping(delta, n) for n in ("files", "facts", "layouts"))
    files: dict[str, Any] = {
        rel: None if sig is None else parse_sig(rel, sig, written) for rel, sig in files_raw.items()
    }
    after = _FilesAfter(data.files, files)  # facts and layouts name only files that stay
    present = {rel for rel, v in facts_raw.items() if v is not None}
    facts = parse_facts({rel: facts_raw[rel] for rel in present}, after)
    present = {rel for rel, v in layouts_raw.items() if v is not None}
    layouts = parse_layouts({rel: layouts_raw[rel] for rel in present}, after)
    applied = Applied(data.written_ns)
    # In place (no copy of 100,000 entries); the facts' JSON as read no longer stands
    # for the entries the delta changes (`dump_facts` writes them afresh).
    read_json = data.facts_read[1] if data.facts_read is not None else {}
    for rel in facts_raw:
        read_json.pop(rel, None)
    maps: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, Any]]] = [
        (data.files, files, files_raw, applied.files),
        (data.facts, facts, facts_raw, applied.facts),
        (data.layouts, layouts, layouts_raw, applied.layouts),
    ]
    for old, new, raw_map, before in maps:
        for rel in raw_map:
            before[rel] = old.get(rel, ABSENT)
            if rel in new and new[rel] is not None:
                old[rel] = new[rel]
            else:
                old.pop(rel, None)
    data.written_ns = written
    data.site, data.tree, data.problems = state
    return applied


class _FilesAfter:
    """The files the record holds once the delta is applied (without a copy of them)."""

    def __init__(self, main: dict[str, Any], delta: dict[str, Any]) -> None:
        self._main, self._delta = main, delta

    def __contains__(self, rel: object) -> bool:
        if rel in self._delta:
            return self._delta[rel] is not None
        return rel in self._main


def _mapping(delta: dict[str, Any], name: str) -> dict[str, Any]:
    value = delta.get(name)
    if not isinstance(value, dict):
        raise CacheInvalid(f"bad delta {name}")
    return value


def changes(
    old: dict[str, Any],
    new: dict[str, Any],
    before: dict[str, Any],
    candidates: Iterable[str] | None = None,
) -> dict[str, Any]:
    """{rel: new value, or ABSENT} for every entry of `new` that differs from the main
    file's: `old` is the main file with the last delta applied, `before` what the main
    file held for the entries that delta changed. `candidates`: the only entries in
    which `old` and `new` may differ (None: look at every entry)."""
    if candidates is None:
        touched = {rel for rel, value in new.items() if old.get(rel, ABSENT) != value}
        touched.update(rel for rel in old if rel not in new)
    else:
        touched = {rel for rel in candidates if old.get(rel, ABSENT) != new.get(rel, ABSENT)}
    touched.update(before)
    out: dict[str, Any] = {}
    for rel in touched:
        base = before[rel] if rel in before else old.get(rel, ABSENT)
        now = new.get(rel, ABSENT)
        if now != base:
            out[rel] = now
    return out


def dump(
    new: CacheData,
    base_ns: int,
    files: dict[str, Any],
    facts: dict[str, Any],
    layouts: dict[str, Any],
) -> bytes:
    """The delta file of `changes` made on the main file written at base_ns."""
    kept_facts = dump_facts({rel: f for rel, f in facts.items() if f is not ABSENT})
    out = {
        "format": FORMAT,
        "version": VERSION,
        "key": new.key,
        "base_ns": base_ns,
        "written_ns": new.written_ns,
        "site": new.site,
        "tree": new.tree,
        "problems": [list(p) for p in new.problems],
        "files": {rel: None if s is ABSENT else list(s) for rel, s in sorted(files.items())},
        "facts": {rel: kept_facts.get(rel) for rel in sorted(facts)},
        "layouts": {rel: None if v is ABSENT else list(v) for rel, v in sorted(layouts.items())},
    }
    return json.dumps(out, separators=(",", ":"), allow_nan=False).encode("utf-8")
