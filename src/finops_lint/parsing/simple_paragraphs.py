"""markdown-it's tokens for the simplest paragraph, without trying every block rule.

At each block start markdown-it tries its block rules in turn (table, code, fence,
quote, rule, list, HTML, heading, then "lheading" and "paragraph"); a paragraph is
then scanned twice, by "lheading" (looking for a setext underline) and by
"paragraph", and on each of its lines both try every rule that may end a paragraph.
Most blocks of prose are plain: lines that start with a letter, ended by a blank line.

`simple_paragraph` is a block rule that, placed first, emits exactly the tokens the
paragraph rule emits for such a paragraph and declines (returning False, touching
nothing) for anything else, which the other rules then parse as always. A paragraph
it takes:

- starts at the top level (not in a quote or a list item), indented less than four
  columns, and each of its lines starts (after spaces and tabs) with text that
  opens no block (`simple_lists.opens_no_block`: a letter, a digit not followed by
  `.` or `)`, punctuation that starts no heading, quote, fence, list, rule or HTML);
- has no line after the first that starts with `-` or `:` (a table's delimiter
  row starts with `|`, `-` or `:`, and a `-` line may underline a setext heading);
- ends at a blank line or at the end of the text, its last line with no whitespace
  but spaces and tabs at its end (markdown-it versions trim others differently).

Why no other rule takes such a block: a table needs a delimiter row after its
header line; an indented code block four columns; fences, quotes, rules, lists,
HTML blocks and headings start with a character `opens_no_block` refuses; a setext
heading needs a line of only `=` or `-` (refused: only marks and spaces), and the
reference rule is off in this parser (`PROBE` has a definition line, so a parser
with it on would tell).

tests/test_fast_paths.py holds the tokens equal to markdown-it's for generated text
and tests/test_startup_imports.py for every page of the corpus and the fixtures;
the parser uses the rule only where it gives markdown-it's tokens for `PROBE`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from finops_lint.parsing.simple_lists import SAFE_PUNCTUATION, opens_no_block

if TYPE_CHECKING:
    from markdown_it.rules_block import StateBlock


def simple_paragraph(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """markdown-it's "paragraph" rule for a simple paragraph (see the module); False,
    with nothing changed, for any other block."""
    if silent or state.level or state.blkIndent or end != state.lineMax or state.sCount[start] > 3:
        return False
    src = state.src
    begins, shifts, ends = state.bMarks, state.tShift, state.eMarks
    pos, stop = begins[start] + shifts[start], ends[start]
    if pos >= stop or not _plain_line(src, pos, stop):
        return False
    line = start + 1
    while line < end:
        pos, stop = begins[line] + shifts[line], ends[line]
        if pos >= stop:
            break  # a blank line
        if src[pos] in "-:" or not _plain_line(src, pos, stop):
            return False
        line += 1
    last = ends[line - 1] - 1
    while src[last] in " \t":
        last -= 1
    if src[last].isspace():
        return False
    old_parent = state.parentType
    state.parentType = "paragraph"
    content = state.getLines(start, line, 0, False).strip(" \t")
    state.line = line
    token = state.push("paragraph_open", "p", 1)
    token.map = [start, line]
    token = state.push("inline", "", 0)
    token.content = content
    token.map = [start, line]
    token.children = []
    state.push("paragraph_close", "p", -1)
    state.parentType = old_parent
    return True


def _plain_line(src: str, pos: int, stop: int) -> bool:
    """`opens_no_block` of the line's text from pos, without copying it for the usual
    first characters (a letter, safe punctuation)."""
    head = src[pos]
    if head.isalpha() or head in SAFE_PUNCTUATION:
        return True
    return opens_no_block(src[pos:stop].rstrip(" \t"))


#: Paragraphs `simple_paragraph` takes, and blocks it declines (a setext heading, a
#: table, a definition line, a lazy line, trailing whitespace of other kinds).
PROBE = (
    "Text\nmore text, 3 lines\n  indented **bold** `code`\n\n"
    "Heading\n===\n\nName | Value\n--- | ---\na | b\n\n[a]: /b\n\n"
    'Para\n    lazy\n"Quoted" (aside) 2024 was\nend\u00a0\n\nLast\t\n'
)
