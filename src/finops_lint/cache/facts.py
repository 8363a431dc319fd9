"""What the Site learnt about each file, kept so an unchanged file is not read again.

Building the Site reads every page for two things: whether it starts with a front
matter fence, and the few front matter keys that decide its URL (`site.url_keys`).
Both are kept here for files whose stat vouches for them (not racy), so a run that
checks one page stats every file and reads only what changed.

LK014's template reader (`site.templates`) reads every page for its `layout` and
whether it holds Liquid; those two facts are kept the same way (``layouts``:
``[layout, liquid]``, the layout ``false`` when the front matter does not set it).
``liquid`` is ``false`` (no Liquid), ``true`` (Liquid to read again: a link that
loops over the site's documents, which another page's values can break), or the
list of the page's `{% include %}` names (its Liquid matters to other pages only
through them: a run that checks another page does not read it).

Front matter values are YAML values: they are stored as tagged JSON
(``["s", "text"]``, ``["date", "2024-01-31"]``...) and read back with their exact
types; a value of any other type (bytes, sets, NaN) is not stored (that page is
read again each time). URL keys that are all strings (nearly every page: a
``permalink``) are stored as a plain JSON object, which is read back and checked
several times faster than the tagged form.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable, Container
from typing import Any

from finops_lint.cache.store import CacheInvalid

_MAX_DEPTH = 20


class NotStorable(ValueError):
    pass


def encode(value: Any, depth: int = 0) -> list[Any]:
    if depth > _MAX_DEPTH:
        raise NotStorable("too deep")
    if value is None:
        return ["n"]
    if isinstance(value, bool):
        return ["b", value]
    if isinstance(value, int):
        return ["i", value]
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NotStorable("not finite")
        return ["f", value]
    if isinstance(value, str):
        return ["s", value]
    if isinstance(value, _dt.datetime):
        return ["dt", value.isoformat()]
    if isinstance(value, _dt.date):
        return ["date", value.isoformat()]
    if isinstance(value, list):
        return ["l", [encode(v, depth + 1) for v in value]]
    if isinstance(value, dict):
        return ["m", [[encode(k, depth + 1), encode(v, depth + 1)] for k, v in value.items()]]
    raise NotStorable(type(value).__name__)


_SCALAR_CHECKS: dict[str, Callable[[Any], bool]] = {
    "b": lambda v: isinstance(v, bool),
    "i": lambda v: type(v) is int,
    "f": lambda v: type(v) is float and math.isfinite(v),
    "s": lambda v: isinstance(v, str),
}


def decode(item: Any, depth: int = 0) -> Any:
    """The value back, or CacheInvalid for anything encode never writes."""
    if depth > _MAX_DEPTH or not isinstance(item, list) or not item:
        raise CacheInvalid("bad value")
    tag, rest = item[0], item[1:]
    if tag == "n" and not rest:
        return None
    if len(rest) != 1:
        raise CacheInvalid("bad value")
    value = rest[0]
    check = _SCALAR_CHECKS.get(tag)
    if check is not None:
        if not check(value):
            raise CacheInvalid("bad value")
        return value
    try:
        if tag == "dt" and isinstance(value, str):
            return _dt.datetime.fromisoformat(value)
        if tag == "date" and isinstance(value, str):
            return _dt.date.fromisoformat(value)
    except ValueError:
        raise CacheInvalid("bad date") from None
    if tag == "l" and isinstance(value, list):
        return [decode(v, depth + 1) for v in value]
    if tag == "m" and isinstance(value, list):
        out: dict[Any, Any] = {}
        for pair in value:
            if not isinstance(pair, list) or len(pair) != 2:
                raise CacheInvalid("bad mapping")
            key = decode(pair[0], depth + 1)
            if isinstance(key, (list, dict)):
                raise CacheInvalid("bad mapping key")
            out[key] = decode(pair[1], depth + 1)
        return out
    raise CacheInvalid("bad value")


#: A page's URL, output extension and unknown placeholders, computed from its URL keys
#: and the config (in the key): kept so a run does not compute 10,000 URLs again.
PageUrl = tuple[str, str, list[str]]
#: (url keys, permalink line, has front matter text, the URL they give or None)
UrlFacts = tuple[dict[str, Any], int, bool, PageUrl | None]
#: rel -> (starts with a front matter fence, its UrlFacts or None when the Site did not
#: read its URL keys)
Facts = dict[str, tuple[bool, UrlFacts | None]]


def parse_facts(raw: Any, files: Container[str]) -> Facts:
    if not isinstance(raw, dict):
        raise CacheInvalid("bad facts")
    out: Facts = {}
    # type() tests, not isinstance(): JSON gives exactly these types (100,000 entries
    # are read by a one-page run at 100,000 pages).
    for rel, entry in raw.items():
        if rel not in files or type(entry) is not list or len(entry) != 2:
            raise CacheInvalid("bad facts entry")
        flag, url = entry
        if type(flag) is not bool:
            raise CacheInvalid("bad facts entry")
        if url is None:
            out[rel] = (flag, None)
            continue
        if type(url) is not list or len(url) != 4:
            raise CacheInvalid("bad facts entry")
        line, has_raw, data, computed = url
        if type(line) is not int or line < 1 or type(has_raw) is not bool:
            raise CacheInvalid("bad facts entry")
        if type(data) is dict:  # all strings (the keys are, in JSON)
            for v in data.values():
                if type(v) is not str:
                    raise CacheInvalid("bad facts entry")
            value = data
        else:
            value = decode(data)
            if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
                raise CacheInvalid("bad facts entry")
        out[rel] = (flag, (value, line, has_raw, _page_url(computed)))
    return out


def _page_url(raw: Any) -> PageUrl | None:
    if raw is None:
        return None
    if type(raw) is not list or len(raw) != 3:
        raise CacheInvalid("bad page URL")
    url, out_ext, unknown = raw
    if type(url) is not str or url[:1] != "/" or type(out_ext) is not str:
        raise CacheInvalid("bad page URL")
    if type(unknown) is not list or (unknown and not all(type(n) is str for n in unknown)):
        raise CacheInvalid("bad page URL")
    return url, out_ext, unknown


#: rel -> (the front matter's `layout`: a name, None, or False when it sets none;
#: its Liquid: False, True, or its include names, as the module docstring says)
Layouts = dict[str, tuple[str | bool | None, bool | tuple[str, ...]]]


def parse_layouts(raw: Any, files: Container[str]) -> Layouts:
    if not isinstance(raw, dict):
        raise CacheInvalid("bad layouts")
    out: Layouts = {}
    for rel, entry in raw.items():
        if rel not in files or not isinstance(entry, list) or len(entry) != 2:
            raise CacheInvalid("bad layouts entry")
        layout, liquid = entry
        if not (layout is None or layout is False or isinstance(layout, str)):
            raise CacheInvalid("bad layouts entry")
        if isinstance(liquid, list) and all(isinstance(name, str) for name in liquid):
            liquid = tuple(liquid)
        elif not isinstance(liquid, bool):
            raise CacheInvalid("bad layouts entry")
        out[rel] = (layout, liquid)
    return out


def dump_facts(facts: Facts, read: tuple[Facts, dict[str, Any]] | None = None) -> dict[str, Any]:
    """The facts in their JSON form. `read`: the facts as the last run's file gave them
    and that file's JSON: an entry equal to the one read is written as it was read
    (re-encoding 10,000 entries cost a one-page run 0.1 s)."""
    old, old_json = read if read is not None else ({}, {})
    out: dict[str, Any] = {}
    for rel, fact in sorted(facts.items()):
        raw = old_json.get(rel)
        if raw is not None and old.get(rel) == fact:
            out[rel] = raw
            continue
        flag, url = fact
        if url is None:
            out[rel] = [flag, None]
        else:
            data, line, has_raw, computed = url
            page_url = list(computed) if computed is not None else None
            plain = all(type(v) is str for v in data.values())
            keys = dict(data) if plain else encode(data)
            out[rel] = [flag, [line, has_raw, keys, page_url]]
    return out


class KnownFacts:
    """The Site's `KnownFiles`: answers for files the cache vouches for, notes the rest."""

    def __init__(
        self,
        old: Facts,
        trusted: Callable[[str], bool],
        learnable: Callable[[str], bool],
        old_layouts: Layouts | None = None,
        doubted: set[str] | None = None,
    ) -> None:
        """`doubted`: the files of the tree `trusted` does not hold, if known."""
        self._old = old
        self._trusted = trusted  # unchanged since recorded by a stat that vouches for it
        #: the files `trusted` holds, when it is a set's membership (None: not known)
        self.trusted_files: set[str] | None = getattr(trusted, "__self__", None)
        if not isinstance(self.trusted_files, set):
            self.trusted_files = None
        self.doubted_files = doubted
        self._learnable = learnable  # its stat now vouches for what is read (not racy)
        self.learned: Facts = {}
        self.old_layouts: Layouts = old_layouts or {}
        self.learned_layouts: Layouts = {}

    def trusts(self, rel: str) -> bool:
        """The recorded facts of this file hold (its stat vouches for them)."""
        return self._trusted(rel)

    def recorded(self, rel: str) -> bool:
        """Whether the recorded facts of this file hold: `front_matter` answers. (Asks
        nothing else: unlike `front_matter`, notes nothing.)"""
        return rel in self._old and self._trusted(rel)

    def front_matter(self, rel: str) -> bool | None:
        entry = self._old.get(rel)
        if entry is None or not self._trusted(rel):
            return None
        self.learned[rel] = (entry[0], self.learned.get(rel, (False, None))[1])
        return entry[0]

    def learn_front_matter(self, rel: str, value: bool) -> None:
        if self._learnable(rel):
            self.learned[rel] = (value, None)

    def url_keys(self, rel: str) -> tuple[dict[str, Any], int, bool] | None:
        entry = self._old.get(rel)
        if entry is None or entry[1] is None or not self._trusted(rel):
            return None
        flag = self.learned.get(rel, (entry[0], None))[0]
        self.learned[rel] = (flag, entry[1])
        data, line, has_raw, _url = entry[1]
        return dict(data), line, has_raw

    def page_url(self, rel: str) -> PageUrl | None:
        """The URL an unchanged page's URL keys gave (ask after `url_keys`)."""
        entry = self.learned.get(rel)
        if entry is None or entry[1] is None or entry[1][3] is None or not self._trusted(rel):
            return None
        url, out_ext, unknown = entry[1][3]
        return url, out_ext, list(unknown)

    def learn_page_url(self, rel: str, url: str, out_ext: str, unknown: list[str]) -> None:
        """The URL the URL keys just given by `url_keys` or `learn_url_keys` give."""
        entry = self.learned.get(rel)
        if entry is not None and entry[1] is not None:
            data, line, has_raw, _old = entry[1]
            self.learned[rel] = (entry[0], (data, line, has_raw, (url, out_ext, list(unknown))))

    def learn_url_keys(self, rel: str, data: dict[str, Any], line: int, has_raw: bool) -> None:
        if not self._learnable(rel) or rel not in self.learned:
            return
        if not all(type(v) is str for v in data.values()):  # (most pages': as `dump_facts`)
            try:
                encode(data)
            except NotStorable:
                return  # read again each time
        self.learned[rel] = (self.learned[rel][0], (data, line, has_raw, None))

    def layout(self, rel: str) -> tuple[str | bool | None, bool | tuple[str, ...]] | None:
        """(front matter layout or False, its Liquid) of an unchanged page, else None."""
        entry = self.old_layouts.get(rel)
        if entry is None or not self._trusted(rel):
            return None
        self.learned_layouts[rel] = entry
        return entry

    def learn_layout(
        self, rel: str, layout: str | bool | None, liquid: bool | tuple[str, ...]
    ) -> None:
        if self._learnable(rel):
            self.learned_layouts[rel] = (layout, liquid)
