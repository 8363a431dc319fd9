"""markdown-it's tokens for the simplest bullet list, without its list rule's work.

markdown-it's list rule parses each item's content as blocks of their own: a nested
block parse per item (every block rule tried in turn), then, for the paragraph it
finds, every rule that may end a paragraph tried on the next line. On the framework's
pages that is over half of the block parse, and most lists are the simplest kind: at
the top level, one line per item, `- text`.

`simple_bullet_list` is a block rule that, placed before markdown-it's "list" rule,
emits exactly the tokens that rule emits for such a list and declines (returning
False, touching nothing) for anything else, which the list rule then parses as
always. A list it takes:

- starts at the top level (not in a quote or another list), every item a line of
  its own with the same marker (`-`, `*` or `+`) in the first column, 1 to 4 spaces,
  then text that opens no block of its own (a letter, a digit not followed by `.`
  or `)`, or punctuation that starts no heading, quote, fence, list, rule or HTML)
  and ends with no whitespace after trimming spaces and tabs;
- ends at the end of the text, at a line starting with another bullet marker (another
  list, or a rule), or at a blank line after which the next line is not indented
  into the last item and is no item of the list (a blank line between two items
  makes the list loose: its paragraphs are shown).

tests/test_fast_paths.py holds its tokens equal to markdown-it's for generated lists,
tests/test_startup_imports.py for every page of the corpus and the fixtures; and the
parser uses it only where it gives markdown-it's tokens for `PROBE`, which has a list
of every kind it takes (`markdown.same_tokens`: a markdown-it-py whose list rule
changed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it.rules_block import StateBlock

#: First characters of an item's text that open no block inside the item: letters,
#: digits (a digit run ending in "." or ")" is a list marker, checked apart) and this
#: punctuation; "*", "_", "-", "+" and "=" and the fence characters when what follows
#: makes no list item, rule or fence (`opens_no_block`). Left out: "#" (heading), ">"
#: (quote), "<" (HTML), "|" (tables), and any space.
SAFE_PUNCTUATION = frozenset("[(\"'!{&$@%^:;,.?/\\")
_MARKS = frozenset("*_-+=")
_FENCES = frozenset("`~")


def simple_bullet_list(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """markdown-it's "list" rule for a simple bullet list (see the module);
    False, with nothing changed, for any other line."""
    if (
        silent
        or state.level  # (in a quote or a list item the level is 1 or more)
        or state.blkIndent
        or state.listIndent != -1
        or end != state.lineMax
        or state.md.options.get("tasklists", False)  # (an item with a checkbox differs)
    ):
        return False
    src = state.src
    first = state.bMarks[start]
    if state.tShift[start] or first >= len(src):
        return False
    marker = src[first]
    if marker not in "-*+":
        return False
    items: list[tuple[int, int, str]] = []  # (line, content indent, content)
    line, loose = start, False
    while True:
        item = _item(state, line, marker)
        if item is None:
            return False
        items.append((line, *item))
        line += 1
        if line < end and not state.isEmpty(line):
            begin = state.bMarks[line]
            if state.tShift[line]:
                return False  # a lazy continuation, or an item indented
            if src[begin] == marker:
                continue
            if src[begin] in "-*+" and src[begin + 1 : begin + 2] in ("", " ", "\t", "\n"):
                after = line  # another marker starts another list (or a rule)
                break
            return False  # a lazy continuation, another block...
        after = state.skipEmptyLines(line)
        if after >= end:
            break
        if state.sCount[after] >= item[0]:
            return False  # the line belongs to the last item
        lead = state.bMarks[after] + state.tShift[after]
        if src[lead] != marker or src[lead + 1 : lead + 2] not in ("", " ", "\t", "\n"):
            break  # no item of this list ("**Note**", a heading...): the list ends
        if state.tShift[after]:
            return False
        line, loose = after, True  # a blank line between items: a loose list
    _emit(state, marker, items, after, loose)
    return True


def _item(state: StateBlock, line: int, marker: str) -> tuple[int, str] | None:
    """(content indent, content) of a simple item line, or None."""
    src = state.src
    begin, stop = state.bMarks[line], state.eMarks[line]
    pos = begin + 1
    while pos < stop and src[pos] == " ":
        pos += 1
    spaces = pos - begin - 1
    if not 1 <= spaces <= 4 or pos >= stop:
        return None
    content = src[pos:stop].rstrip(" \t")
    if not content:
        return None  # "- \t": an empty item
    if content[-1].isspace():
        return None  # trimmed by some markdown-it versions and not others
    if not opens_no_block(content):
        return None
    return 1 + spaces, content


def opens_no_block(text: str) -> bool:
    """Whether a line's text (from its first character that is no space or tab, with
    none at its end) starts no block where it stands: at the top level, or as an
    item's content. A letter, a digit run not ended by `.` or `)`, `SAFE_PUNCTUATION`,
    and a mark or fence character when what follows makes no list item, rule or
    fence; False for anything else (`#`, `>`, `<`, `|`, a space...)."""
    head = text[0]
    if head.isalpha() or head in SAFE_PUNCTUATION:
        return True
    if head.isdigit():
        k = 1
        while k < len(text) and text[k].isdigit():
            k += 1
        return not (k < len(text) and text[k] in ".)")  # an ordered list marker, maybe
    if head in _MARKS:
        # "**Bold**", "_term_", "-1": no list item (a space follows a marker), no
        # rule (marks and spaces only); "=" underlines only a line above it
        return not (text[1:2] in ("", " ", "\t") or not text.strip(head + " \t"))
    if head in _FENCES:
        return not text.startswith(head * 3)  # a fence
    return False


def _emit(
    state: StateBlock, marker: str, items: list[tuple[int, int, str]], after: int, loose: bool
) -> None:
    """The tokens markdown-it's list and paragraph rules emit for the list: each item
    ends where the next starts (blank lines included), the last where the list does;
    the paragraphs of a tight list are hidden."""
    old_parent = state.parentType
    state.parentType = "list"
    token = state.push("bullet_list_open", "ul", 1)
    token.map = [items[0][0], after]
    token.markup = marker
    ends = [line for line, _indent, _content in items[1:]] + [after]
    for (line, _indent, content), item_end in zip(items, ends, strict=True):
        token = state.push("list_item_open", "li", 1)
        token.markup = marker
        token.map = [line, item_end]
        token = state.push("paragraph_open", "p", 1)
        token.map = [line, line + 1]
        token.hidden = not loose
        token = state.push("inline", "", 0)
        token.content = content
        token.map = [line, line + 1]
        token.children = []
        token = state.push("paragraph_close", "p", -1)
        token.hidden = not loose
        token = state.push("list_item_close", "li", -1)
        token.markup = marker
    token = state.push("bullet_list_close", "ul", -1)
    token.markup = marker
    state.line = after
    state.parentType = old_parent


#: One list of each kind `simple_bullet_list` takes, and of some it declines.
PROBE = (
    "Text\n\n- one\n- **two**\n- 3 things\n\n* a\n\n* b\n\n**Note**\n"
    "+ x\n- y\n\n- z\n  more\n- `code` and ~tilde~\n\n- [ ] task\n- last\n\n\n"
)
