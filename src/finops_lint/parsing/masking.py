"""Blank out text that is not rendered prose, keeping every offset in place.

Link and placeholder scanners work on a masked copy of the body where code
spans, HTML comments, Liquid comment/raw blocks and kramdown's comment,
nomarkdown and math extensions are replaced by spaces
(newlines kept), so positions found in the copy are positions in the page.
"""

from __future__ import annotations

import re

_COMMENT = re.compile(r"<!--.*?(?:-->|\Z)", re.DOTALL)
_LIQUID_COMMENT = re.compile(
    r"\{%-?\s*comment\s*-?%\}.*?(?:\{%-?\s*endcomment\s*-?%\}|\Z)", re.DOTALL
)
_LIQUID_RAW = re.compile(r"\{%-?\s*raw\s*-?%\}.*?(?:\{%-?\s*endraw\s*-?%\}|\Z)", re.DOTALL)
_BACKTICKS = re.compile(r"`+")
#: kramdown's comment and nomarkdown extensions ({::comment}...{:/comment} or {:/}),
#: whose content is no Markdown, and its math ($$...$$ within one block)
_KRAMDOWN_EXTENSION = re.compile(
    r"\{::(comment|nomarkdown)\b[^}\n]*?(?<!/)\}.*?(?:\{:/(?:\1)?\}|\Z)", re.DOTALL
)
#: kramdown's abbreviation definitions (`*[HTML]: HyperText...`): no text on the page
_ABBREVIATION = re.compile(r"^ {0,3}\*\[[^\]\n]+\]:[^\n]*", re.MULTILINE)
_MATH = re.compile(r"(?<!\\)\$\$(?:(?!\n[ \t]*\n)[^$]|\$(?!\$))*\$\$")


def blank(text: str, start: int, end: int) -> str:
    """The slice text[start:end] with everything but newlines turned into spaces (a
    split and a join: a callback per line from `re.sub` took three times as long
    over a vendor page's front matter, which every page's mask blanks; ASCII text, a
    byte a character, is blanked by `bytes.translate`, five times as fast again)."""
    part = text[start:end]
    if part.isascii():
        return part.encode("ascii").translate(_BLANK_BYTES).decode("ascii")
    return "\n".join(" " * len(line) for line in part.split("\n"))


#: Every byte a space but the newline (`blank` of ASCII text).
_BLANK_BYTES = bytes(10 if b == 10 else 32 for b in range(256))


def mask_spans(text: str, spans: list[tuple[int, int]]) -> str:
    if not spans:
        return text
    out: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        if start < pos:
            start = pos
        if end <= start:
            continue
        out.append(text[pos:start])
        out.append(blank(text, start, end))
        pos = end
    out.append(text[pos:])
    return "".join(out)


def comment_spans(text: str) -> list[tuple[int, int]]:
    spans = [m.span() for m in _COMMENT.finditer(text)] if "<!--" in text else []
    if "{%" in text:
        spans += [m.span() for m in _LIQUID_COMMENT.finditer(text)]
        spans += [m.span() for m in _LIQUID_RAW.finditer(text)]
    return spans


def kramdown_spans(text: str) -> list[tuple[int, int]]:
    """Spans of kramdown's comment and nomarkdown extensions, abbreviation
    definitions and math."""
    spans = [m.span() for m in _KRAMDOWN_EXTENSION.finditer(text)] if "{::" in text else []
    if "*[" in text:
        spans += [m.span() for m in _ABBREVIATION.finditer(text)]
    if "$$" in text:
        spans += [m.span() for m in _MATH.finditer(text)]
    return spans


def code_span_spans(line_text: str, base: int) -> list[tuple[int, int]]:
    """Spans of inline code in one paragraph's text (CommonMark backtick matching)."""
    if "`" not in line_text:
        return []
    spans: list[tuple[int, int]] = []
    runs = list(_BACKTICKS.finditer(line_text))
    i = 0
    while i < len(runs):
        opener = runs[i]
        if opener.start() > 0 and line_text[opener.start() - 1] == "\\":
            i += 1
            continue
        size = len(opener.group())
        closer_index = None
        for j in range(i + 1, len(runs)):
            if len(runs[j].group()) == size:
                closer_index = j
                break
        if closer_index is None:
            i += 1
            continue
        spans.append((base + opener.start(), base + runs[closer_index].end()))
        i = closer_index + 1
    return spans
