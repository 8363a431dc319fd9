"""The front matter keys that decide a page's URL, read fast at build time.

Building the Site reads every page's front matter, but needs only the few keys
in ``URL_KEYS``; the whole front matter is parsed (by PyYAML) only when a
rule first asks for a page's ``data``. This module is a line reader on top of
PyYAML, not a YAML parser: it picks the top-level blocks of those keys and
hands them to PyYAML's C loader, and reads the plainest rows itself
(``permalink: /a/b/``, ``slug: x``, ``date: 2024-01-31``: the common case on
every page) to save a loader call per page. Why it stays hand-written: no YAML
library parses a chosen subset of a mapping's keys. Rows it cannot read for
certain (quotes, flow style, anchors, tags, block scalars, values YAML reads
as something other than a string, a block that does not parse alone) go to
PyYAML, on the picked rows or on the whole front matter.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import yaml

from finops_lint.parsing.frontmatter import (
    FrontMatter,
    load_yaml,
    parse_front_matter,
    read_without_yaml,
    split_front_matter,
)

try:
    from yaml import CSafeLoader as _YamlLoader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _YamlLoader  # type: ignore[assignment]

#: `permalink:` at the start of a line, found by the newline before it (searched in
#: "\n" + raw): `^` with re.MULTILINE would try a match at every character.
_PERMALINK_KEY = re.compile(r"\npermalink[ \t]*:")
#: Front matter keys that decide a URL or a redirect; only these are read at build time.
URL_KEYS = (
    "permalink",
    "slug",
    "date",
    "categories",
    "category",
    "published",
    "redirect_from",
    "redirect_to",
)
_TOP_KEY = re.compile(r"^(?:['\"]?)([A-Za-z_][\w-]*)(?:['\"]?)[ \t]*:(?:[ \t]|$)")


def has_anchor(raw: str) -> bool:
    r"""A YAML anchor (`&name`): what `re.search(r"(?:^|[\s:\-\[{,])&[^\s,\[\]{}]+", raw)`
    tells, looking only at the ampersands (descriptions often have a few, and the
    expression, with no literal prefix, is tried at every position)."""
    pos = raw.find("&")
    while pos >= 0:
        before = raw[pos - 1] if pos > 0 else ""
        after = raw[pos + 1 : pos + 2]
        if (
            (pos == 0 or before.isspace() or before in ":-[{,")
            and after
            and not after.isspace()
            and after not in ",[]{}"
        ):
            return True
        pos = raw.find("&", pos + 1)
    return False


def url_front_matter(text: str, fm: FrontMatter | None = None) -> tuple[dict[str, Any], int, str]:
    """The URL-deciding front matter keys, the line of ``permalink:``, and the raw YAML.

    Only the top-level blocks of the keys in ``URL_KEYS`` are handed to the C
    YAML loader; the whole front matter is parsed when the page's ``data`` is
    first used. Anything unusual (flow-style mapping, anchors, a block that
    does not parse alone) falls back to parsing the whole front matter.
    Invalid front matter gives ``{}``: Jekyll then uses no front matter data,
    and the FM rules report the error.
    """
    if fm is None:
        fm = split_front_matter(text)
    if not fm.present or fm.unterminated or not fm.raw.strip():
        return {}, 1, ""
    raw = fm.raw
    line = _permalink_line(fm)
    if not _may_name_a_url_key(raw):
        return {}, line, raw
    if _read_whole(raw):
        return _load_full(text, raw), line, raw
    picked: list[str] = []
    keep = False
    for row in raw.split("\n"):
        if row[:1] not in (" ", "\t", "-", "#", ""):
            # the expression only for rows that can start with a URL key
            key_match = _TOP_KEY.match(row) if row.lstrip("'\"").startswith(URL_KEYS) else None
            keep = key_match is not None and key_match.group(1) in URL_KEYS
        if keep:
            picked.append(row)
    if not picked:
        return {}, line, raw
    simple = _simple_url_keys(picked)
    if simple is not None:
        return simple, line, raw
    try:
        data = yaml.load("\n".join(picked), Loader=_YamlLoader)
    except (yaml.YAMLError, RecursionError, ValueError):
        return _load_full(text, raw), line, raw
    if not isinstance(data, dict):
        return _load_full(text, raw), line, raw
    return {str(k): v for k, v in data.items()}, line, raw


def _permalink_line(fm: FrontMatter) -> int:
    """The line of `permalink:` (the fence's line without one)."""
    raw = fm.raw
    match = _PERMALINK_KEY.search("\n" + raw)  # its start: the key's offset in raw
    return fm.start_line + 1 + raw.count("\n", 0, match.start()) if match else fm.start_line


def _may_name_a_url_key(raw: str) -> bool:
    """Whether the front matter's text holds the name of a URL key anywhere (else it
    has none)."""
    return any(key in raw for key in URL_KEYS)


def _read_whole(raw: str) -> bool:
    """Whether the URL keys of this front matter come from reading all of it: anchors
    and flow style do not parse row by row."""
    return has_anchor(raw) or raw.lstrip().startswith(("{", "[", "!", "%"))


def url_keys_of_data(fm: FrontMatter, data: dict[str, Any]) -> tuple[dict[str, Any], int, bool]:
    """`text_url_keys` of a front matter whose whole `data` is known: what PyYAML reads
    of it (`frontmatter.read_without_yaml`, which the Site's read-ahead computes
    anyway). The URL keys are those of `data` then, in its order; where
    `url_front_matter` would read the whole front matter, all of `data`. At 10,000
    pages reading the keys again took 0.38 s of the read-ahead's 2.0 s."""
    raw = fm.raw
    line = _permalink_line(fm)
    if not _may_name_a_url_key(raw):
        return {}, line, True
    if _read_whole(raw):
        return dict(data), line, True  # (a copy: `data` is the page's own, kept too)
    return {key: value for key, value in data.items() if key in _URL_KEY_SET}, line, True


_URL_KEY_SET = frozenset(URL_KEYS)

_PLAIN_STRING_KEY = re.compile(r"^(permalink|slug)[ \t]*:[ \t]*([^\s#'\"{\[&*!|>%@`][^#]*?)[ \t]*$")
_PLAIN_DATE_KEY = re.compile(r"^date[ \t]*:[ \t]*(\d{4}-\d{2}-\d{2})[ \t]*$")
#: Plain scalars YAML would read as something other than a string.
_NOT_A_STRING = re.compile(r"^(?:~|null|true|false|yes|no|on|off|[-+]?[\d.]+)$", re.IGNORECASE)


def _simple_url_keys(rows: list[str]) -> dict[str, Any] | None:
    """`permalink: /a/b/` and `slug: x` as YAML reads them, without YAML (the common
    case on every page); None when any row needs the real parser."""
    out: dict[str, Any] = {}
    for row in rows:
        day = _PLAIN_DATE_KEY.match(row)
        if day is not None:
            try:
                out["date"] = _dt.date.fromisoformat(day.group(1))
            except ValueError:
                return None
            continue
        m = _PLAIN_STRING_KEY.match(row)
        if m is None or ": " in m.group(2) or _NOT_A_STRING.match(m.group(2)):
            return None
        out[m.group(1)] = m.group(2)
    return out


def page_url_keys(raw: bytes) -> tuple[dict[str, Any], int, bool]:
    """What the Site reads of a page file's bytes: its URL keys, the line of
    `permalink:`, and whether its front matter has text (none when not UTF-8)."""
    from finops_lint.parsing.text import decode_page

    text, _error = decode_page(raw)
    if text is None:
        return {}, 1, False
    return text_url_keys(text)


def text_url_keys(text: str, fm: FrontMatter | None = None) -> tuple[dict[str, Any], int, bool]:
    """`page_url_keys` of a page's text (`fm`: its `split_front_matter`, if known)."""
    data, line, fm_raw = url_front_matter(text, fm)
    return data, line, bool(fm_raw.strip())


def _load_full(text: str, raw: str) -> dict[str, Any]:
    """The whole front matter; aliases go through the alias-bomb-safe parser."""
    read = read_without_yaml(raw)
    if read is not None:  # what PyYAML would read, read without it
        return read[0]
    if has_anchor(raw):
        parsed = parse_front_matter(text)
        return parsed.data if parsed.error is None else {}
    try:
        data = load_yaml(raw)
    except (yaml.YAMLError, RecursionError, ValueError):
        return {}
    return {str(k): v for k, v in data.items()} if isinstance(data, dict) else {}


class ParsedFrontMatter(Protocol):
    """Front matter parsed before, of files unchanged since: `get` gives a copy, or None."""

    def get(self, rel: str) -> dict[str, Any] | None: ...


#: Set in a check `finops-lint server` runs: the front matter the server parsed of the
#: files the check's tree shows unchanged since (`server.prepared`).
parsed_before: ParsedFrontMatter | None = None


def front_matter_data(text: str) -> dict[str, Any]:
    """A page's whole front matter as `file_data_loader` reads it (no defaults)."""
    fm = split_front_matter(text)
    if fm.present and not fm.unterminated and fm.raw.strip():
        return _load_full(text, fm.raw)
    return {}


def data_loader(data: dict[str, Any], defaults: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    """`file_data_loader` of a page whose front matter was read before (`data`)."""
    return lambda: {**defaults, **data} if defaults else dict(data)


def file_data_loader(
    root: Path, rel: str, has_raw: bool, defaults: dict[str, Any]
) -> Callable[[], dict[str, Any]]:
    """A page's whole front matter (`_config.yml` defaults first), read from its file on
    first use: the Site does not keep every page's text. The path is joined then too
    (a one-page run at 100,000 pages makes 100,000 loaders and calls a few)."""

    def load() -> dict[str, Any]:
        data: dict[str, Any] = {}
        known = parsed_before.get(rel) if has_raw and parsed_before is not None else None
        if known is not None:
            data = known
        elif has_raw:
            from finops_lint.parsing.text import decode_page
            from finops_lint.safe_io import MAX_PAGE_BYTES, read_bytes

            path = os.path.join(root, rel)
            try:
                text, _error = decode_page(read_bytes(path, MAX_PAGE_BYTES, truncate=True))
            except OSError:
                text = None
            data = front_matter_data(text) if text is not None else {}
        return {**defaults, **data} if defaults else data

    return load
