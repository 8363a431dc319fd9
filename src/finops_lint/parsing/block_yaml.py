"""Front matter a little beyond `plain_yaml`'s rows, read without PyYAML: exactly
what PyYAML reads, or None.

The vendor pages of the framework (`_tools-services/`, about a quarter of its
pages) hold more than rows of `key: value`:

    company-description: "Neos provides business solutions...

    Our solutions provide business improvement..."
    product-overview: |
      CloudVane is a cloud cost management and automation solution...
    product-resources:
    - title: CloudVane - See through the Multicloud
      url: "https://www.cloudvane.com/"
    label:
      External

PyYAML's C loader takes about 0.7 ms for such front matter, and a whole-site run
reads each page's front matter twice (the templates' values, the page's own
check). `read_block_mapping` reads these forms as well as `plain_yaml`'s rows:
a literal block scalar (`|`, `|-`), a double-quoted value over several rows,
a plain value continued on indented rows (or starting on the row after its
key), and list items that are one-level mappings of one-row values.

Like `plain_yaml`, it is not a YAML parser: it gives None for anything it is
not certain of (a backslash in quotes, a folded `>` or kept `|+` block, an
indentation indicator, a nested mapping, a row it does not expect, a key given
twice...), and the caller asks PyYAML. `tests/test_block_yaml.py` compares it
with PyYAML on generated front matter and on the corpus. When a finding asks for
a position, `block_positions` reads the rows again noting where each key and
value starts, as composing the YAML would say (0.2-0.3 ms for a vendor page
where composing it took 0.7).
"""

from __future__ import annotations

import re
from sys import intern
from typing import Any

from finops_lint.parsing.plain_yaml import (
    ITEM_ROW,
    KEY_ROW,
    MAX_KEY,
    NOT_STRING_KEYS,
    UNSET,
    Positions,
    characters_ok,
    one_row_value,
    only_comment,
    resolves_to_text,
)

#: Block scalar headers read here: literal, clipped or stripped, maybe a comment.
_LITERAL = re.compile(r"\|(-?)(?: +(?:#.*)?)?")
#: What a plain value may not start with (an indicator, or a character YAML may
#: resolve to something other than a string: those go through PyYAML's resolver).
_INDICATOR = frozenset("-?:,[]{}#&*!|>'\"%@`")


class _Decline(Exception):
    """The front matter holds something this reader is not certain of."""


def read_block_mapping(raw: str) -> dict[str, Any] | None:
    """The mapping PyYAML's SafeLoader reads from `raw` (keys as strings); None when
    `raw` holds anything this reader is not certain of."""
    if not characters_ok(raw):
        return None
    try:
        data = _Reader.of(raw).mapping()
    except _Decline:
        return None
    return data or None


def block_positions(raw: str) -> tuple[Positions, Positions]:
    """Where the keys and values of front matter that `read_block_mapping` read are,
    as (0-based row, 0-based column), the marks PyYAML's composer gives them (as
    `plain_positions` gives them for its rows): a key where it starts; a value where
    it starts (a block scalar at its `|`, a quoted one at its quote), a list where
    its first `-` is, a value left out just after the `:` (or the `-`) before it. The
    keys of list items are the items."""
    reader = _Reader.of(raw, marks=({}, {}))
    reader.mapping()  # (raises _Decline for front matter read_block_mapping declines)
    assert reader.marks is not None
    return reader.marks


class _Reader:
    """Reads the rows from `at` on; raises _Decline at anything it is not certain of."""

    def __init__(
        self,
        rows: list[str],
        ends_with_break: bool,
        marks: tuple[Positions, Positions] | None = None,
    ) -> None:
        self.rows = rows
        self.ends_with_break = ends_with_break
        self.at = 0
        #: (keys, values) to note positions in (`block_positions`), or None
        self.marks = marks
        texts = [row.lstrip(" ") for row in rows]
        #: each row's indent (a row of spaces: its length)
        self.indents = [len(row) - len(text) for row, text in zip(rows, texts, strict=True)]
        #: for each row, the first row from it on that is not blank or a comment
        self.next_text = [len(rows)] * (len(rows) + 1)
        for at in range(len(rows) - 1, -1, -1):
            text = texts[at]
            self.next_text[at] = at if text and text[0] != "#" else self.next_text[at + 1]

    @classmethod
    def of(cls, raw: str, marks: tuple[Positions, Positions] | None = None) -> _Reader:
        """A reader of the front matter's rows (a last line break is no row)."""
        rows = raw.split("\n")
        ends_with_break = rows[-1] == ""
        if ends_with_break:
            rows.pop()
        return cls(rows, ends_with_break, marks)

    def _skip_blank_and_comments(self) -> None:
        self.at = self.next_text[self.at]

    def mapping(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        rows = self.rows
        while True:
            self._skip_blank_and_comments()
            if self.at >= len(rows):
                return data
            row = rows[self.at]
            match = KEY_ROW.fullmatch(row)
            if match is None:
                raise _Decline  # an indented row no value takes, or not a key
            # (keys interned as `read_plain_mapping` interns them)
            key, rest = intern(match.group(1)), match.group(2) or ""
            if key in data or key in NOT_STRING_KEYS or len(key) > MAX_KEY:
                raise _Decline
            if self.marks is not None:
                self._mark_key((key,), self.at, 0, len(key), match.start(2) if rest else -1)
            self.at += 1
            data[key] = self._value(rest, (key,))

    def _mark_key(
        self, path: tuple[str | int, ...], row: int, column: int, width: int, value: int
    ) -> None:
        """Note a key at (row, column) and its value: at `value` on its row, or, when
        the row holds none (-1, or a comment), just after the `:` (a value below it
        is noted over this one)."""
        assert self.marks is not None
        keys, values = self.marks
        keys[path] = (row, column)
        left_out = value < 0 or self.rows[row][value] == "#"
        values[path] = (row, column + width + 1) if left_out else (row, value)

    def _value(self, rest: str, path: tuple[str]) -> Any:
        """The value of a top-level key whose row holds `rest` after `key: `."""
        if not rest or rest[0] == "#":
            return self._value_below(path)
        first = rest[0]
        if first == "|":
            return self._literal(rest)
        if first == '"' and rest.find('"', 1) < 0:
            return self._quoted_rows(rest)
        value = one_row_value(rest)
        if value is UNSET:
            raise _Decline
        if first in "\"'" or value is None:
            return value  # rows below it, if any, are refused by the caller
        more = self._continuation()
        if not more:
            return value
        if not isinstance(value, str) or first in _INDICATOR:
            raise _Decline
        return _plain_text(rest, more)

    def _value_below(self, path: tuple[str]) -> Any:
        """A key with nothing after it: a list, a plain value on the rows below, or None."""
        rows = self.rows
        if self.at < len(rows) and rows[self.at][:1] == " ":
            text = rows[self.at].lstrip(" ")
            if text and text[0] not in "-#":  # `label:\n  External`
                if text[0] in _INDICATOR:
                    raise _Decline
                if self.marks is not None:
                    self.marks[1][path] = (self.at, self.indents[self.at])
                self.at += 1
                return _plain_text(text, self._continuation())
        start = self.at
        self._skip_blank_and_comments()
        if self.at < len(rows) and ITEM_ROW.fullmatch(rows[self.at]) is not None:
            if self.marks is not None:
                self.marks[1][path] = (self.at, self.indents[self.at])
            return self._sequence(self.indents[self.at], path)
        self.at = start
        return None

    def _continuation(self) -> list[str]:
        """The indented rows below that continue a plain value, without their end
        spaces (blank rows among them as ""); none when the next row is not one."""
        rows, at, end, found = self.rows, self.at, self.at, []
        while at < len(rows):
            row = rows[at]
            text = row.strip(" ")
            if text:
                if row[0] != " ":
                    break
                if text[0] in _INDICATOR or text.startswith(("---", "...")):
                    raise _Decline  # a comment, an item, a quote... below a plain value
                end = at + 1
            found.append(text)
            at += 1
        del found[end - self.at :]  # blank rows after the value are not part of it
        self.at = end
        return found

    def _literal(self, header: str) -> str:
        """A `|` or `|-` block scalar: its rows, less the first row's indent."""
        match = _LITERAL.fullmatch(header)
        if match is None:
            raise _Decline  # `>`, `|+`, an indentation indicator
        rows, start = self.rows, self.at
        at, widest_blank = start, 0
        while at < len(rows) and not rows[at].strip(" "):
            widest_blank = max(widest_blank, len(rows[at]))
            at += 1
        if at >= len(rows) or rows[at][0] != " ":
            raise _Decline  # an empty block
        indent = self.indents[at]
        if widest_blank > indent:
            raise _Decline  # YAML would take the blank row's indent
        lines = [""] * (at - start)
        last = at  # the last row of the block's text
        while at < len(rows):
            row = rows[at]
            if self.indents[at] >= indent and len(row) > indent:
                lines.append(row[indent:])  # a row of spaces past the indent is text
                last = at
            elif row.strip(" "):
                break
            else:
                lines.append("")
            at += 1
        del lines[last - start + 1 :]
        self.at = last + 1
        value = "\n".join(lines)
        if match.group(1) != "-" and (last < len(rows) - 1 or self.ends_with_break):
            value += "\n"  # `|` keeps the last row's line break, `|-` does not
        return value

    def _quoted_rows(self, rest: str) -> str:
        """A double-quoted value that closes on a later row, folded as YAML folds it."""
        rows, at = self.rows, self.at
        parts = [rest[1:]]
        while True:
            if at >= len(rows):
                raise _Decline
            row = rows[at]
            at += 1
            if row.startswith(("---", "...")):
                raise _Decline
            end = row.find('"')
            if end >= 0:
                if not only_comment(row[end + 1 :]):
                    raise _Decline
                parts.append(row[:end])
                break
            parts.append(row)
        if any("\\" in part for part in parts):
            raise _Decline
        self.at = at
        first, *middle, last = parts
        folded = [first.rstrip(" "), *(p.strip(" ") for p in middle), last.lstrip(" ")]
        return _fold(folded)

    def _sequence(self, indent: int, path: tuple[str]) -> list[Any]:
        """List items at `indent`: one-row values, or mappings of one-row values."""
        rows = self.rows
        items: list[Any] = []
        while True:
            self._skip_blank_and_comments()
            if self.at >= len(rows):
                return items
            row = rows[self.at]
            here = self.indents[self.at]
            if here < indent or (here == indent and row[here] != "-"):
                if here != 0:
                    raise _Decline  # a row between the list's indent and the key's
                return items
            match = ITEM_ROW.fullmatch(row)
            if here > indent or match is None:
                raise _Decline
            item_path = (*path, len(items))
            if self.marks is not None:  # an item left out: just after its `-`
                left_out = not match.group(2) or match.group(2)[0] == "#"
                where = (self.at, here + 1 if left_out else match.start(2))
                self.marks[0][item_path] = self.marks[1][item_path] = where
            self.at += 1
            text = match.group(2)
            if not text or text[0] == "#":
                items.append(None)
                continue
            key = KEY_ROW.fullmatch(text)
            if key is None:
                value = one_row_value(text)
                if value is UNSET:
                    raise _Decline
                items.append(value)
                continue
            column = match.start(2)
            if self.marks is not None:
                value_at = column + key.start(2) if key.group(2) else -1
                self._mark_key(
                    (*item_path, key.group(1)), self.at - 1, column, len(key.group(1)), value_at
                )
            items.append(self._item_mapping(column, key.group(1), key.group(2) or "", item_path))

    def _item_mapping(
        self, column: int, key: str, rest: str, path: tuple[str | int, ...]
    ) -> dict[str, Any]:
        """A list item that is a mapping: its keys at `column`, each with a one-row value
        (the first one's position noted by the caller)."""
        rows = self.rows
        item: dict[str, Any] = {}
        while True:
            if key in item or key in NOT_STRING_KEYS or len(key) > MAX_KEY:
                raise _Decline
            value = one_row_value(rest)
            if value is UNSET:
                raise _Decline
            item[intern(key)] = value
            self._skip_blank_and_comments()
            if self.at >= len(rows):
                return item
            row = rows[self.at]
            here = self.indents[self.at]
            if here > column:
                raise _Decline  # a nested value, or a value continued
            if here < column:
                return item
            match = KEY_ROW.fullmatch(row[here:])
            if match is None:
                raise _Decline
            key, rest = match.group(1), match.group(2) or ""
            if self.marks is not None:
                value_at = here + match.start(2) if rest else -1
                self._mark_key((*path, key), self.at, here, len(key), value_at)
            self.at += 1


def _plain_text(first: str, more: list[str]) -> str:
    """A plain value whose text starts with `first` and goes on over the rows `more`,
    folded as YAML folds it."""
    if not more:
        text = first.rstrip(" ")
    elif " #" in first:
        raise _Decline  # a comment ends the value: the rows below are an error
    else:
        text = _fold([first.rstrip(" "), *more])
    for part in (first, *more):
        if ": " in part or part.endswith(":") or " #" in part:
            raise _Decline
    if not resolves_to_text(text):
        raise _Decline
    return text


def _fold(parts: list[str]) -> str:
    """Rows of a flow or plain scalar joined as YAML folds them: a line break between
    two rows is a space, each empty row between them a line break."""
    out = parts[0]
    empty = 0
    for part in parts[1:-1]:
        if part:
            out += ("\n" * empty if empty else " ") + part
            empty = 0
        else:
            empty += 1
    if len(parts) > 1:
        out += ("\n" * empty if empty else " ") + parts[-1]
    return out
