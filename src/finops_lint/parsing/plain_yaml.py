"""The plainest front matter, read without PyYAML: exactly what PyYAML reads, or None.

Most pages' front matter is rows of `key: value` and lists of one-line items:

    title: Data Analysis and Showback
    logo-url: "/tools-services/logos/accenture.svg"
    order: 2
    framework-capabilities:
      - capability_forecasting

Reading it with PyYAML costs about 0.1 ms a page, and a whole-site run reads every
page's front matter more than once (the Site's values for the templates, the rules'
`data`). `read_plain_mapping` reads such front matter with one expression per row.

It is not a YAML parser. It accepts only rows whose meaning under PyYAML's
`SafeLoader` (YAML 1.1) is certain, and gives None for anything else, so the
caller asks PyYAML: a tab, a character YAML reads as a line break or refuses, a
key YAML would read as something other than a string (`yes:`, `null:`), a value
that starts with an indicator (`&`, `*`, `!`, `|`, `>`, `[`, `{`, `-`, `@`...),
holds `: ` or ends with `:`, a number other than a plain decimal, a time, an
escape in quotes, a quote that does not close on its row, a nested mapping, a
row that continues the one above it, list items at differing indents, a key given
twice. Keys keep PyYAML's order. `tests/test_plain_yaml.py` compares it with PyYAML
on generated rows and on the corpus.
"""

from __future__ import annotations

import datetime as _dt
import re
from sys import intern
from typing import Any

import yaml
from yaml.resolver import Resolver

#: A key row (matched from the key on): the key, then nothing or spaces and the rest.
_KEY_ROW = r"([A-Za-z_][A-Za-z0-9_-]*):(?: +(.*))?"
#: A list item row: its indent, then nothing or spaces and the rest after `-`.
_ITEM_ROW = r"( *)-(?: +(.*))?"
KEY_ROW = re.compile(_KEY_ROW)
ITEM_ROW = re.compile(_ITEM_ROW)
#: Characters a row may hold: printable, and no tab, no character YAML reads as a
#: line break (NEL, LINE/PARAGRAPH SEPARATOR) or handles apart (BOM).
_OTHER_CHARACTER = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]"
)
#: First characters of a plain value that YAML reads as an indicator or resolves
#: to something other than a string (numbers, `~`, `.inf`, `<<`, `=`).
_NOT_PLAIN_START = frozenset("-?:,[]{}#&*!|>'\"%@`.+~<=0123456789")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TRUE = frozenset(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"))
_FALSE = frozenset(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"))
_NULL = frozenset(("null", "Null", "NULL"))
#: Plain values PyYAML resolves to a bool or None.
_WORDS: dict[str, bool | None] = {
    **dict.fromkeys(_TRUE, True),
    **dict.fromkeys(_FALSE, False),
    **dict.fromkeys(_NULL, None),
}
#: Keys PyYAML resolves to a bool or None (the caller would see "True", "None").
NOT_STRING_KEYS = _TRUE | _FALSE | _NULL
#: PyYAML finds a key's ':' only within 1024 characters of its start.
MAX_KEY = 1000
#: What a reader gives for a value it is not certain of.
UNSET = object()
#: The resolver the C loader uses (PyYAML's own, in Python), for the rare plain values
#: that start with a digit and are not a plain decimal or a date.
_RESOLVER = Resolver()
_STR_TAG = "tag:yaml.org,2002:str"


#: A row after the first that is indented and neither a list item nor a comment: the
#: third kind of `_ROW` below, which this reader declines (a continued value, an item's
#: key). Searched first, by the line break it starts with (a literal the engine finds
#: fast), so vendor front matter is declined before its rows are read.
_INDENTED_TEXT = re.compile(r"\n +(?!-(?: |$))[^ #\n]", re.MULTILINE)

#: Every row with something on it other than a comment: a key row (key, the rest),
#: a list item row (indent, the rest), or any other row (itself: not read here).
_ROW = re.compile(rf"^(?:{_KEY_ROW}|{_ITEM_ROW}|( *[^ #\n].*))$", re.MULTILINE)


def characters_ok(raw: str) -> bool:
    """No character that YAML reads as a line break or refuses, no tab."""
    if raw.replace("\n", " ").isprintable():
        # Every printable character is one `_OTHER_CHARACTER` lets through: the
        # others (controls, NEL, the separators, surrogates, the BOM, U+FFFE/FFFF)
        # are not printable. A page's text nearly always is.
        return True
    if raw.isascii():
        return False  # ASCII: only \x20-\x7e and newlines
    return _OTHER_CHARACTER.search(raw) is None  # NBSP, a soft hyphen...: allowed


def read_plain_mapping(raw: str) -> dict[str, Any] | None:
    """The mapping PyYAML's SafeLoader reads from `raw` (keys as strings); None when
    `raw` holds anything this reader is not certain of."""
    if not characters_ok(raw):
        return None
    if ": |" in raw or ": >" in raw:
        return None  # a block scalar: not read here (found before the rows, for speed)
    if _INDENTED_TEXT.search(raw) is not None:
        return None  # an indented row that is no list item (as the rows below would say)
    data: dict[str, Any] = {}
    open_key: str | None = None  # a key with no value on its row: a list, or None
    items: list[Any] = []
    item_indent = -1
    for key, rest, indent, item, other in _ROW.findall(raw):
        if key:
            # one string object for a key many pages have: the Site keeps every page's
            # front matter on a whole-site run (42 -> 31 MB at 10,000 pages)
            key = intern(key)
            if open_key is not None:
                data[open_key] = items or None
            if key in data or key in NOT_STRING_KEYS or len(key) > MAX_KEY:
                return None  # a key given twice is left to PyYAML (and reported)
            if not rest or rest[0] == "#":
                open_key, items, item_indent = key, [], -1
                continue
            open_key = None
            if (
                rest[0] not in _NOT_PLAIN_START
                and " #" not in rest
                and ": " not in rest
                and rest[-1] not in " :"
            ):  # a plain one-row value, the common case: one_row_value's last lines, inline
                data[key] = _WORDS.get(rest, rest)
                continue
            value = one_row_value(rest)
            if value is UNSET:
                return None
            data[key] = value
            continue
        if other or open_key is None:
            return None
        if item_indent != len(indent):
            if item_indent >= 0:
                return None  # an item at another indent: nested, or an error
            item_indent = len(indent)
        value = one_row_value(item)
        if value is UNSET:
            return None
        items.append(value)
    if open_key is not None:
        data[open_key] = items or None
    return data or None


def one_row_value(text: str) -> Any:
    """A one-row value as PyYAML reads it (`text` starts at the value and runs to the
    end of the row), or UNSET."""
    if not text or text[0] == "#":
        return None
    first = text[0]
    # a plain value, the common case: what the end of this function gives it, inline
    plain = first not in _NOT_PLAIN_START and text[-1] not in " :"
    if plain and " #" not in text and ": " not in text:
        return _WORDS.get(text, text)
    if first == '"':
        end = text.find('"', 1)
        if end < 0 or "\\" in text[1:end] or not only_comment(text[end + 1 :]):
            return UNSET
        return text[1:end]
    if first == "'":
        pos, parts = 1, []
        while True:
            end = text.find("'", pos)
            if end < 0:
                return UNSET
            parts.append(text[pos:end])
            if text[end + 1 : end + 2] != "'":
                break
            parts.append("'")
            pos = end + 2
        if not only_comment(text[end + 1 :]):
            return UNSET
        return "".join(parts)
    comment = text.find(" #")
    value = (text if comment < 0 else text[:comment]).rstrip(" ")
    if ": " in value or value.endswith(":"):
        return UNSET
    if first in _NOT_PLAIN_START:
        if not first.isdigit():
            return UNSET
        if _DECIMAL.fullmatch(value):
            return int(value)
        if _DATE.fullmatch(value):
            try:  # what PyYAML's timestamp constructor makes of a date alone
                return _dt.date(int(value[:4]), int(value[5:7]), int(value[8:]))
            except ValueError:  # 2024-13-45: PyYAML fails, the caller reports it
                return UNSET
        return value if resolves_to_text(value) else UNSET  # "8th Dec 2021"
    return _WORDS.get(value, value)


def resolves_to_text(value: str) -> bool:
    """PyYAML's own resolver reads this plain scalar as a string (not a number, a
    time, a bool...)."""
    tag: str = _RESOLVER.resolve(  # type: ignore[no-untyped-call]
        yaml.ScalarNode, value, (True, False)
    )
    return tag == _STR_TAG


def only_comment(rest: str) -> bool:
    """After a closing quote: nothing, spaces, or spaces and a comment."""
    tail = rest.lstrip(" ")
    return not tail or (tail[0] == "#" and len(tail) < len(rest))


#: One row of front matter that `read_plain_mapping` read: a key row (key, spaces,
#: the rest) or a list item row (indent, spaces, the rest); comments and blank rows
#: match neither.
_KEY_OR_ITEM = re.compile(rf"{_KEY_ROW}$|{_ITEM_ROW}$")

Positions = dict[tuple[str | int, ...], tuple[int, int]]


def plain_positions(raw: str) -> tuple[Positions, Positions]:
    """Where the keys and values of front matter that `read_plain_mapping` read are,
    as (0-based row, 0-based column), the marks PyYAML's composer gives them: a key
    where it starts; a value where it starts, a list where its first `-` is, a value
    left out just after the `:` (or the `-`) before it. Keys of list items are the
    items. Without composing the YAML: LK014 asks a position of about one page in
    three."""
    keys: Positions = {}
    values: Positions = {}
    open_key: str | None = None
    after_colon = (0, 0)
    index = 0
    for number, row in enumerate(raw.split("\n")):
        match = _KEY_OR_ITEM.match(row)
        if match is None:
            continue
        key, rest, indent, item = match.groups()
        if key is not None:
            if open_key is not None and index == 0:
                values[(open_key,)] = after_colon
            path: tuple[str | int, ...] = (key,)
            keys[path] = (number, 0)
            if rest and rest[0] != "#":
                values[path] = (number, match.start(2))
                open_key = None
            else:
                open_key, index, after_colon = key, 0, (number, len(key) + 1)
            continue
        assert open_key is not None, "not front matter read_plain_mapping reads"
        if index == 0:
            values[(open_key,)] = (number, len(indent))
        # a value left out: just after the `-`
        where = (number, match.start(4) if item and item[0] != "#" else len(indent) + 1)
        keys[(open_key, index)] = values[(open_key, index)] = where
        index += 1
    if open_key is not None and index == 0:
        values[(open_key,)] = after_colon
    return keys, values
